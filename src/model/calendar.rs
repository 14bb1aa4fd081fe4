//! The calendar: which wall-clock instant simulated time t = 0 is (the scenario's `start`).
//!
//! A start is a local date and time with a fixed UTC offset, as RFC 3339 writes it
//! (`2027-01-11T08:00:00+01:00`). Office hours and weekends are local time (docs/model.md §5), so what the
//! model needs of the start is its offset from the local Monday 00:00 of its week ([`Start::week_offset`]):
//! sim time t is local wall time start + t. Dates are printed in the start's offset.
//!
//! The arithmetic is written out rather than taken from a date crate: a fixed offset needs no time-zone
//! database, and the days ↔ civil date conversion is exact integer arithmetic (Hinnant, "chrono-Compatible
//! Low-Level Date Algorithms", `days_from_civil` / `civil_from_days`).

use std::fmt;

use super::time::{DAY, HOUR, MINUTE, Time};

/// Seconds between 1970-01-01T00:00:00 and the default start, 2027-01-04T00:00:00 (a Monday).
const DEFAULT_LOCAL: i64 = 20_822 * DAY as i64;

/// The wall-clock instant of t = 0.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Start {
    /// Local wall time as seconds since 1970-01-01T00:00:00 (local, not UTC).
    local: i64,
    /// UTC offset in seconds (local = UTC + offset).
    offset: i32,
}

impl Default for Start {
    /// Monday 2027-01-04 00:00 UTC: a Monday 00:00, so the default calendar is the one the model used before
    /// `start` existed.
    fn default() -> Self {
        Start {
            local: DEFAULT_LOCAL,
            offset: 0,
        }
    }
}

impl fmt::Debug for Start {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Start({})", self.date(0))
    }
}

impl fmt::Display for Start {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.date(0))
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date (year, month, day) of a count of days since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

fn days_in_month(y: i64, m: i64) -> i64 {
    days_from_civil(if m == 12 { y + 1 } else { y }, m % 12 + 1, 1) - days_from_civil(y, m, 1)
}

/// Weekday names, Monday first.
pub const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// The accepted form, for messages.
pub const EXAMPLE: &str = "2027-01-11T08:00:00+01:00";

impl Start {
    /// Parses an RFC 3339 date-time with seconds and an explicit offset (`Z` or `±HH:MM`), without fractional
    /// seconds: `2027-01-11T08:00:00+01:00`. Years 1970–9999.
    pub fn parse(text: &str) -> Result<Start, String> {
        let b = text.as_bytes();
        let digits = |r: std::ops::Range<usize>| -> Option<i64> {
            let s = text.get(r)?;
            s.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| s.parse().ok())
                .flatten()
        };
        let shape = b.len() >= 20
            && b[4] == b'-'
            && b[7] == b'-'
            && matches!(b[10], b'T' | b't')
            && b[13] == b':'
            && b[16] == b':';
        let fields = shape
            .then(|| {
                Some((
                    digits(0..4)?,
                    digits(5..7)?,
                    digits(8..10)?,
                    digits(11..13)?,
                    digits(14..16)?,
                    digits(17..19)?,
                ))
            })
            .flatten();
        let Some((y, mo, d, h, mi, s)) = fields else {
            return Err("not an RFC 3339 date-time with seconds (YYYY-MM-DDTHH:MM:SS)".into());
        };
        let offset = match text.get(19..).unwrap_or("") {
            "Z" | "z" => 0,
            o if o.len() == 6
                && matches!(o.as_bytes()[0], b'+' | b'-')
                && o.as_bytes()[3] == b':' =>
            {
                let (Some(oh), Some(om)) = (digits(20..22), digits(23..25)) else {
                    return Err("the UTC offset must be Z or ±HH:MM".into());
                };
                if oh > 23 || om > 59 {
                    return Err(format!("UTC offset {o} out of range"));
                }
                let sign = if o.starts_with('-') { -1 } else { 1 };
                sign * (oh * 3_600 + om * 60) as i32
            }
            o if o.starts_with('.') => {
                return Err("fractional seconds are not accepted".into());
            }
            _ => {
                return Err(
                    "the UTC offset must be Z or ±HH:MM (a bare local time is ambiguous)".into(),
                );
            }
        };
        if !(1970..=9999).contains(&y) {
            return Err(format!("year {y} out of range 1970–9999"));
        }
        if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) {
            return Err(format!("no such date {y:04}-{mo:02}-{d:02}"));
        }
        if h > 23 || mi > 59 || s > 59 {
            return Err(format!("no such time {h:02}:{mi:02}:{s:02}"));
        }
        Ok(Start {
            local: days_from_civil(y, mo, d) * 86_400 + h * 3_600 + mi * 60 + s,
            offset,
        })
    }

    /// Seconds from the local Monday 00:00 of the start's week to the start: the local wall time of t = 0 as
    /// the availability profiles read it (0 for a start on a Monday 00:00).
    pub fn week_offset(&self) -> Time {
        // 1970-01-01 was a Thursday: day 0 is weekday 3 counting from Monday.
        (self.local + 3 * i64::from(DAY)).rem_euclid(7 * i64::from(DAY)) as Time
    }

    /// Local weekday (0 = Monday) and seconds since local midnight of sim time `t`.
    pub fn weekday_time(&self, t: Time) -> (usize, Time) {
        let w = u64::from(self.week_offset()) + u64::from(t);
        (
            ((w / u64::from(DAY)) % 7) as usize,
            (w % u64::from(DAY)) as Time,
        )
    }

    /// Sim time `t` as an RFC 3339 date-time in the start's offset: `2027-01-11T08:00:00+01:00`.
    pub fn date(&self, t: Time) -> String {
        let mut out = String::with_capacity(25);
        self.push_date(&mut out, t);
        out
    }

    /// [`Start::date`], appended to `out` digit by digit: `load.csv` has a date on every row, and formatting
    /// it with `format!`'s widths cost more than the rest of the row. Years outside 0–9999 take
    /// [`Start::formatted_date`] (a test holds the two equal).
    pub fn push_date(&self, out: &mut String, t: Time) {
        let local = self.local + i64::from(t);
        let (y, m, d) = civil_from_days(local.div_euclid(86_400));
        if !(0..=9_999).contains(&y) {
            out.push_str(&self.formatted_date(t));
            return;
        }
        let sod = local.rem_euclid(86_400) as u32;
        let two = |v: u32| [b'0' + (v / 10) as u8, b'0' + (v % 10) as u8];
        let (yy, (hh, mi, ss)) = (y as u32, (sod / HOUR, sod % HOUR / MINUTE, sod % MINUTE));
        let [y0, y1] = two(yy / 100);
        let [y2, y3] = two(yy % 100);
        let [m0, m1] = two(m as u32);
        let [d0, d1] = two(d as u32);
        let [h0, h1] = two(hh);
        let [n0, n1] = two(mi);
        let [s0, s1] = two(ss);
        let mut text = [
            y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1, b'T', h0, h1, b':', n0, n1, b':', s0, s1,
            b'Z', 0, 0, 0, 0, 0,
        ];
        let len = if self.offset == 0 {
            20
        } else {
            let a = self.offset.unsigned_abs();
            let [oh0, oh1] = two(a / 3_600);
            let [om0, om1] = two(a % 3_600 / 60);
            let sign = if self.offset < 0 { b'-' } else { b'+' };
            text[19..].copy_from_slice(&[sign, oh0, oh1, b':', om0, om1]);
            25
        };
        // Only ASCII digits and separators were written.
        out.push_str(std::str::from_utf8(&text[..len]).unwrap_or_default());
    }

    /// [`Start::date`] through `format!`, for any year.
    fn formatted_date(&self, t: Time) -> String {
        let local = self.local + i64::from(t);
        let (y, m, d) = civil_from_days(local.div_euclid(86_400));
        let sod = local.rem_euclid(86_400) as Time;
        let offset = if self.offset == 0 {
            "Z".to_string()
        } else {
            let a = self.offset.unsigned_abs();
            format!(
                "{}{:02}:{:02}",
                if self.offset < 0 { '-' } else { '+' },
                a / 3_600,
                a % 3_600 / 60
            )
        };
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{offset}",
            sod / HOUR,
            sod % HOUR / MINUTE,
            sod % MINUTE
        )
    }

    /// The UTC offset as people read it: `UTC`, `UTC+01:00`.
    pub fn offset_text(&self) -> String {
        match self.date(0).get(19..) {
            Some("Z") | None => "UTC".to_string(),
            Some(o) => format!("UTC{o}"),
        }
    }

    /// Seconds from this instant to `later` (negative when `later` is earlier), whatever their offsets.
    pub fn seconds_until(&self, later: &Start) -> i64 {
        (later.local - i64::from(later.offset)) - (self.local - i64::from(self.offset))
    }

    /// Sim time `t` for people: `Mon 2027-01-11 08:00` (local, minutes).
    pub fn short(&self, t: Time) -> String {
        let (weekday, _) = self.weekday_time(t);
        let full = self.date(t);
        format!(
            "{} {} {}",
            &WEEKDAYS[weekday][..3],
            &full[..10],
            &full[11..16]
        )
    }
}

/// Nominal office hours, local time: Monday to Friday, 08:00 to 18:00 — the middle of the `office_hours`
/// profile's jittered day (`model::availability`, docs/model.md §5).
pub const OFFICE_OPEN: (Time, Time) = (8 * HOUR, 18 * HOUR);

/// When office hours next begin after sim time `t` (`None`: `t` is within office hours): the next weekday's
/// 08:00, or today's when `t` is a weekday morning before 08:00.
pub fn office_hours_resume(start: &Start, t: Time) -> Option<Time> {
    let (weekday, since_midnight) = start.weekday_time(t);
    let (open, close) = OFFICE_OPEN;
    if weekday < 5 && (open..close).contains(&since_midnight) {
        return None;
    }
    let (mut day, mut delta) = if weekday < 5 && since_midnight < open {
        (weekday, open - since_midnight)
    } else {
        ((weekday + 1) % 7, DAY - since_midnight + open)
    };
    while day >= 5 {
        day = (day + 1) % 7;
        delta += DAY;
    }
    Some(t.saturating_add(delta))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip_and_match_known_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2027, 1, 4) * 86_400, DEFAULT_LOCAL);
        for z in (-1_000..200_000).step_by(7) {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(days_in_month(2028, 2), 29);
        assert_eq!(days_in_month(2100, 2), 28);
        assert_eq!(days_in_month(2027, 12), 31);
    }

    #[test]
    fn dates_written_digit_by_digit_equal_the_formatted_ones() {
        let mut state = 11u64;
        for i in 0..100_000u64 {
            state = crate::rng::mix64(state.wrapping_add(i));
            // Years from about 1900 to 2300, and now and then far outside 0–9999 either way.
            let span = if i % 97 == 0 {
                1i64 << 40
            } else {
                400 * 365 * 86_400
            };
            let local =
                -2_208_988_800 + (state % span as u64) as i64 - if i % 194 == 0 { span } else { 0 };
            let offset = ((state >> 40) % (2 * 14 * 3_600 + 1)) as i32 - 14 * 3_600;
            let start = Start {
                local,
                offset: if i % 3 == 0 { 0 } else { offset },
            };
            let t = (state >> 20) as Time % (400 * DAY);
            assert_eq!(
                start.date(t),
                start.formatted_date(t),
                "{local} {offset} {t}"
            );
        }
    }

    #[test]
    fn the_default_start_is_a_monday_midnight() {
        let s = Start::default();
        assert_eq!(s.week_offset(), 0);
        assert_eq!(s.date(0), "2027-01-04T00:00:00Z");
        assert_eq!(s.short(DAY + 8 * HOUR), "Tue 2027-01-05 08:00");
    }

    #[test]
    fn a_start_is_parsed_in_its_own_offset() {
        let s = Start::parse("2027-01-11T08:00:00+01:00").unwrap();
        // Monday 08:00 local.
        assert_eq!(s.week_offset(), 8 * HOUR);
        assert_eq!(s.date(0), "2027-01-11T08:00:00+01:00");
        assert_eq!(s.date(16 * HOUR + 30), "2027-01-12T00:00:30+01:00");
        let sat = Start::parse("2027-01-09T00:00:00-05:30").unwrap();
        assert_eq!(sat.week_offset(), 5 * DAY);
        assert_eq!(sat.weekday_time(2 * DAY + 8 * HOUR), (0, 8 * HOUR));
        assert_eq!(sat.date(0), "2027-01-09T00:00:00-05:30");
        assert_eq!(
            Start::parse("2027-01-04T00:00:00Z").unwrap(),
            Start::default()
        );
    }

    #[test]
    fn malformed_starts_are_refused() {
        for bad in [
            "",
            "2027-01-11",
            "2027-01-11T08:00:00",
            "2027-01-11 08:00:00+01:00",
            "2027-02-29T08:00:00Z",
            "2027-13-01T08:00:00Z",
            "2027-01-11T24:00:00Z",
            "2027-01-11T08:00:00.5Z",
            "2027-01-11T08:00:00+1:00",
            "1969-12-31T00:00:00Z",
            "2027-01-11T08:00:00+24:00",
            "２027-01-11T08:00:00Z",
        ] {
            assert!(Start::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn office_hours_resume_on_the_next_weekday_morning() {
        let monday = Start::default();
        assert_eq!(office_hours_resume(&monday, 9 * HOUR), None);
        assert_eq!(office_hours_resume(&monday, 0), Some(8 * HOUR));
        assert_eq!(
            office_hours_resume(&monday, 18 * HOUR),
            Some(DAY + 8 * HOUR)
        );
        // Friday 18:00 and Saturday 00:00 -> Monday 08:00.
        assert_eq!(
            office_hours_resume(&monday, 4 * DAY + 18 * HOUR),
            Some(7 * DAY + 8 * HOUR)
        );
        assert_eq!(
            office_hours_resume(&monday, 5 * DAY),
            Some(7 * DAY + 8 * HOUR)
        );
        let saturday = Start::parse("2027-01-09T00:00:00+01:00").unwrap();
        assert_eq!(office_hours_resume(&saturday, 0), Some(2 * DAY + 8 * HOUR));
        assert_eq!(saturday.offset_text(), "UTC+01:00");
        assert_eq!(monday.offset_text(), "UTC");
    }
}
