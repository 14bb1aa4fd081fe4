//! Durations: the strings of the scenario format and the command line — a number (decimals allowed) and a
//! unit (`s`, `m`, `h`, `d`, `w`), combinable (`"90m"`, `"1h30m"`, `"1.5d"`), parsed into whole simulated
//! seconds and written back in whole units (`format_duration`) — and the rounded form people read in tables
//! and figures (`"3.20h"`).
//!
//! The parser is strict on purpose: a typo such as `"60"` (no unit) or `"1hh"` must be an error, never a
//! silently different timer.

/// Parses a duration string into seconds.
///
/// Each term is a number and a unit; the number may have a decimal part (`"1.5d"`, `"0.5h"`), since
/// planners think in half days and hours — but the whole must be a whole number of seconds (the simulated
/// clock's resolution), so `"0.5s"` is refused rather than silently rounded.
///
/// Returns a message fit for the user (without file or key: the caller adds those) when the string is
/// not a duration or overflows the simulated clock (`u64` seconds).
pub fn parse_duration(text: &str) -> Result<u64, String> {
    // Echoed in messages: escaped and cut (units::text).
    let shown = super::text::shown(text);
    let s = text.trim();
    if s.is_empty() {
        return Err("empty duration; expected e.g. \"90m\", \"1h30m\" or \"14d\"".into());
    }
    let too_large = || format!("duration \"{shown}\" is too large");
    // The sum is kept as a fraction over 10^(most decimals seen): exact, so `0.1h` is 360 s, not 359.99….
    let mut total: u128 = 0;
    let mut number = Decimal::default();
    let mut seen_unit = false;
    let mut last_unit_rank = usize::MAX;
    for ch in s.chars() {
        if let Some(digit) = ch.to_digit(10) {
            if number.decimals == Some(MAX_DECIMALS) {
                return Err(format!(
                    "duration \"{shown}\" has more than {MAX_DECIMALS} decimals in a term"
                ));
            }
            number.push_digit(digit).ok_or_else(too_large)?;
            continue;
        }
        if ch == '_' && number.digits > 0 && !number.just_pointed() {
            continue;
        }
        if ch == '.' {
            if number.digits == 0 || number.decimals.is_some() {
                return Err(format!(
                    "duration \"{shown}\" has a misplaced '.'; a decimal is written with digits on both \
                     sides of one point (e.g. \"1.5d\")"
                ));
            }
            number.decimals = Some(0);
            continue;
        }
        let (unit_seconds, rank): (u128, usize) = match ch {
            'w' => (7 * 86_400, 0),
            'd' => (86_400, 1),
            'h' => (3_600, 2),
            'm' => (60, 3),
            's' => (1, 4),
            _ => {
                return Err(format!(
                    "duration \"{shown}\" has an unexpected character '{ch}'; \
                     expected a number followed by a unit s, m, h, d or w (e.g. \"1h30m\" or \"1.5d\")"
                ));
            }
        };
        if number.digits == 0 {
            return Err(format!(
                "duration \"{shown}\" has a unit '{ch}' without a number before it"
            ));
        }
        if number.just_pointed() {
            return Err(format!(
                "duration \"{shown}\" has a '.' without digits after it (write e.g. \"1.5{ch}\")"
            ));
        }
        if rank <= last_unit_rank && last_unit_rank != usize::MAX {
            return Err(format!(
                "duration \"{shown}\" repeats a unit or lists units out of order (write e.g. \"1d2h30m\")"
            ));
        }
        last_unit_rank = rank;
        seen_unit = true;
        let scale = 10u128.pow(number.decimals.unwrap_or(0));
        let scaled = number
            .mantissa
            .checked_mul(unit_seconds)
            .ok_or_else(too_large)?;
        if scaled % scale != 0 {
            return Err(format!(
                "duration \"{shown}\" is not a whole number of seconds; the clock counts whole seconds \
                 (write e.g. \"1.5m\" or \"90s\")"
            ));
        }
        total = total.checked_add(scaled / scale).ok_or_else(too_large)?;
        number = Decimal::default();
    }
    if number.digits > 0 {
        return Err(format!(
            "duration \"{shown}\" ends with a number without a unit; add s, m, h, d or w (e.g. \"{shown}m\")"
        ));
    }
    if !seen_unit {
        return Err(format!("duration \"{shown}\" has no unit"));
    }
    u64::try_from(total).map_err(|_| too_large())
}

/// The number of one duration term as read so far: its digits without the point, and how many of them
/// follow the point (`None`: no point yet).
#[derive(Default)]
struct Decimal {
    mantissa: u128,
    digits: usize,
    decimals: Option<u32>,
}

/// Most decimals in a term: a week is under 10^6 seconds, so more cannot change a whole number of
/// seconds, and the bound keeps the exact arithmetic within `u128`.
const MAX_DECIMALS: u32 = 9;

impl Decimal {
    /// Appends a digit (the caller bounds the decimals); `None` when the number is too large to be a
    /// duration.
    fn push_digit(&mut self, digit: u32) -> Option<()> {
        if let Some(d) = self.decimals.as_mut() {
            *d += 1;
        }
        self.mantissa = self
            .mantissa
            .checked_mul(10)?
            .checked_add(u128::from(digit))
            .filter(|&m| m <= u128::from(u64::MAX))?;
        self.digits += 1;
        Some(())
    }

    /// A point was just read, with no digit after it yet.
    fn just_pointed(&self) -> bool {
        self.decimals == Some(0)
    }
}

/// Formats seconds in the largest exact units (`5400` → `"1h30m"`), the inverse of [`parse_duration`].
pub fn format_duration(seconds: u64) -> String {
    if seconds == 0 {
        return "0s".into();
    }
    let mut rest = seconds;
    let mut out = String::new();
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if rest >= size {
            out.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    out
}

/// Formats seconds for people reading a table: `"42s"`, `"12.5m"`, `"3.20h"`, `"2.15d"`.
pub fn human_seconds(seconds: f64) -> String {
    if seconds < 60.0 {
        format!("{seconds:.0}s")
    } else if seconds < 3_600.0 {
        format!("{:.1}m", seconds / 60.0)
    } else if seconds < 86_400.0 {
        format!("{:.2}h", seconds / 3_600.0)
    } else {
        format!("{:.2}d", seconds / 86_400.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_single_and_combined_units() {
        assert_eq!(parse_duration("90m"), Ok(5_400));
        assert_eq!(parse_duration("1h30m"), Ok(5_400));
        assert_eq!(parse_duration("14d"), Ok(14 * 86_400));
        assert_eq!(parse_duration("2w1d"), Ok(15 * 86_400));
        assert_eq!(parse_duration("0d"), Ok(0));
        assert_eq!(parse_duration("45s"), Ok(45));
        assert_eq!(parse_duration("1_000s"), Ok(1_000));
    }

    #[test]
    fn rejects_malformed_strings() {
        for bad in ["", "60", "h", "1hh", "1m1h", "-3m", "3 m", "1x", "1h1h"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(parse_duration("99999999999999999999d").is_err());
        assert!(parse_duration("9999999999999999w").is_err());
    }

    #[test]
    fn a_term_may_have_a_decimal_part_if_the_whole_is_whole_seconds() {
        assert_eq!(parse_duration("1.5d"), Ok(36 * 3_600));
        assert_eq!(parse_duration("0.5h"), Ok(1_800));
        assert_eq!(parse_duration("1.5h30m"), Ok(2 * 3_600));
        assert_eq!(parse_duration("0.1h"), Ok(360));
        assert_eq!(parse_duration("2.25m"), Ok(135));
        assert_eq!(parse_duration("1.0s"), Ok(1));
        assert_eq!(parse_duration("1.000000001w"), Err("duration \"1.000000001w\" is not a whole number of seconds; the clock counts whole seconds (write e.g. \"1.5m\" or \"90s\")".into()));
    }

    #[test]
    fn a_decimal_that_is_not_whole_seconds_or_not_a_number_is_named() {
        for (bad, says) in [
            ("0.5s", "not a whole number of seconds"),
            ("1.01m", "not a whole number of seconds"),
            (".5h", "misplaced '.'"),
            ("1.2.3h", "misplaced '.'"),
            ("1.h", "without digits after it"),
            ("1._5h", "unexpected character '_'"),
            ("1.5", "ends with a number without a unit"),
            ("2h1.", "ends with a number without a unit"),
            ("1.0000000001d", "more than 9 decimals"),
            ("99999999999999999999.5d", "too large"),
        ] {
            let e = parse_duration(bad).expect_err(bad);
            assert!(e.contains(says) && e.contains(bad), "{bad}: {e}");
        }
    }

    #[test]
    fn format_round_trips() {
        for s in [1, 59, 60, 5_400, 86_400, 90_061, 1_209_600] {
            assert_eq!(parse_duration(&format_duration(s)), Ok(s));
        }
        assert_eq!(format_duration(5_400), "1h30m");
    }
}
