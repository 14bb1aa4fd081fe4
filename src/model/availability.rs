//! Availability profiles: when a device is online.
//!
//! No published duty cycle exists for managed Windows fleets (docs/model.md §5: "NOT FOUND: a published
//! fraction of laptops online at a given hour"), so the three profiles of the scenario format are stated
//! assumptions, chosen to match their one-line descriptions in `scenario-reference.toml`:
//!
//! * `always_on` — online all the time (desktops, kiosks).
//! * `office_hours` — online Monday–Friday; each day the device comes online at 08:00 ± 30 min and goes offline
//!   at 18:00 ± 30 min (uniform, drawn per device and day).
//! * `intermittent` — on any day, with probability 3/7 (three windows a week on average), one window that starts
//!   uniformly between 08:00 and 20:00 and lasts 30 min to 3 h (uniform).
//!
//! Windows never cross midnight, so a device's windows are found day by day from a pure hash of
//! (seed, device, day): any day can be evaluated in O(1) without replaying a stream.
//!
//! Days and hours are local wall time (the scenario's `start`, `model::calendar`): a device's day `d` is the
//! `d`-th local day counted from the Monday 00:00 of the start's week, and sim time t is local time
//! `shift + t` from that Monday, `shift` being [`crate::model::calendar::Start::week_offset`]. Windows are
//! returned in sim time; the part of a window before t = 0 is cut off.

use super::time::{DAY, HOUR, MINUTE, NEVER, Time};
use crate::rng::{day_hash, day_part, mixed_day_hash};

/// An availability profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Online all the time.
    AlwaysOn,
    /// Online Monday–Friday about 08:00–18:00.
    OfficeHours,
    /// Online in a few short windows a week.
    Intermittent,
}

impl Profile {
    /// All profiles, in scenario-file order.
    pub const ALL: [Profile; 3] = [
        Profile::AlwaysOn,
        Profile::OfficeHours,
        Profile::Intermittent,
    ];

    /// The longest a device of this profile can be offline between two windows (`None`: unbounded — an
    /// intermittent device may skip any number of days). Office hours: Friday's earliest end, 17:30, to
    /// Monday's latest start, 08:30.
    pub fn max_offline_gap(self) -> Option<Time> {
        match self {
            Profile::AlwaysOn => Some(0),
            Profile::OfficeHours => Some(2 * DAY + 15 * HOUR),
            Profile::Intermittent => None,
        }
    }

    /// The shortest a device of this profile is offline between two windows: office hours, 18:30 (latest
    /// end) to 07:30 (earliest start) = 13 h; intermittent, 23:00 (latest end: 20:00 start + 3 h) to 08:00 =
    /// 9 h; always-on, `None` (one window). A periodic task whose period is no longer than this misses a tick
    /// in every gap, so its runs can be counted without searching back for the previous window.
    pub fn min_offline_gap(self) -> Option<Time> {
        match self {
            Profile::AlwaysOn => None,
            Profile::OfficeHours => Some(DAY - (OFFICE_END + OFFICE_JITTER) + OFFICE_START),
            Profile::Intermittent => Some(
                DAY - (INTERMITTENT_START
                    + INTERMITTENT_START_RANGE
                    + INTERMITTENT_MIN_LEN
                    + INTERMITTENT_LEN_RANGE)
                    + INTERMITTENT_START,
            ),
        }
    }

    /// Scenario-file name.
    pub fn name(self) -> &'static str {
        match self {
            Profile::AlwaysOn => "always_on",
            Profile::OfficeHours => "office_hours",
            Profile::Intermittent => "intermittent",
        }
    }
}

/// Office-hours start: 08:00 − 30 min + U[0, 60 min).
const OFFICE_START: Time = 8 * HOUR - 30 * MINUTE;
/// Office-hours end: 18:00 − 30 min + U[0, 60 min).
const OFFICE_END: Time = 18 * HOUR - 30 * MINUTE;
/// Width of the office-hours jitter.
const OFFICE_JITTER: Time = HOUR;
/// Probability that an intermittent device has a window on a given day (3 a week on average), as a
/// fraction of 2^32.
const INTERMITTENT_DAY_P: u64 = (3u64 << 32) / 7;
/// Intermittent windows start between 08:00 and 20:00.
const INTERMITTENT_START: Time = 8 * HOUR;
/// Width of the intermittent start range.
const INTERMITTENT_START_RANGE: Time = 12 * HOUR;
/// Shortest intermittent window.
const INTERMITTENT_MIN_LEN: Time = 30 * MINUTE;
/// Range of intermittent window lengths above the shortest (up to 3 h).
const INTERMITTENT_LEN_RANGE: Time = 150 * MINUTE;

/// Scales 16 random bits to `[0, range)`.
#[inline(always)]
fn scale16(bits: u64, range: Time) -> Time {
    (((bits & 0xFFFF) * u64::from(range)) >> 16) as Time
}

/// An office-hours device's window on weekday `day` (the caller checks the weekday; `day · DAY` fits).
#[inline]
fn office_window(key: u64, day: u32) -> (Time, Time) {
    let base = day * DAY;
    let (start, end) = office_offsets(key, day);
    (base + start, base + end)
}

/// [`office_window`] as offsets from the day's midnight: a start in 07:30–08:30, an end in 17:30–18:30.
#[inline]
fn office_offsets(key: u64, day: u32) -> (Time, Time) {
    office_offsets_of_hash(day_hash(key, day))
}

/// An office-hours device's window on a weekday as offsets from its midnight, from the day's half of the day
/// hash (`rng::day_part`) and the device's key ([`Online::key`]): the same as its windows, for code that hashes
/// many days at once (the load ledger's walk kernel, `load::kernel`).
#[inline(always)]
pub fn office_offsets_mixed(key: u64, day_part: u64) -> (Time, Time) {
    office_offsets_of_hash(mixed_day_hash(key, day_part))
}

#[inline(always)]
fn office_offsets_of_hash(h: u64) -> (Time, Time) {
    (
        OFFICE_START + scale16(h, OFFICE_JITTER),
        OFFICE_END + scale16(h >> 16, OFFICE_JITTER),
    )
}

/// An intermittent device's window on a day as (whether it has one, start, end), start and end as offsets
/// from the day's midnight — computed whether or not there is a window, so that many days vectorize (see
/// [`office_offsets_mixed`]).
#[inline(always)]
pub fn intermittent_offsets_mixed(key: u64, day_part: u64) -> (bool, Time, Time) {
    let h = mixed_day_hash(key, day_part);
    let start = INTERMITTENT_START + scale16(h, INTERMITTENT_START_RANGE);
    let len = INTERMITTENT_MIN_LEN + scale16(h >> 16, INTERMITTENT_LEN_RANGE + 1);
    ((h >> 32) < INTERMITTENT_DAY_P, start, start + len)
}

impl Profile {
    /// The latest a window of this profile ends, as an offset from its day's midnight (`None` for always-on):
    /// office hours 18:30, intermittent 23:00. Past it, a day's requests are all known.
    pub fn latest_end(self) -> Option<Time> {
        match self {
            Profile::AlwaysOn => None,
            Profile::OfficeHours => Some(OFFICE_END + OFFICE_JITTER),
            Profile::Intermittent => Some(
                INTERMITTENT_START
                    + INTERMITTENT_START_RANGE
                    + INTERMITTENT_MIN_LEN
                    + INTERMITTENT_LEN_RANGE,
            ),
        }
    }
}

/// An intermittent device's window on `day`, if it has one (`day · DAY` fits).
#[inline]
fn intermittent_window(key: u64, day: u32) -> Option<(Time, Time)> {
    let (has, start, end) = intermittent_offsets_mixed(key, day_part(day));
    has.then(|| (day * DAY + start, day * DAY + end))
}

/// One device's online windows.
#[derive(Debug, Clone, Copy)]
pub struct Online {
    profile: Profile,
    key: u64,
    /// Local days after this one are never searched (the simulation has ended by then).
    last_day: u32,
    /// Local wall time of t = 0, seconds after the Monday 00:00 of its week.
    shift: Time,
}

impl Online {
    /// The windows of a device with `profile` and per-device hash key `key`, searched up to `horizon`.
    /// t = 0 is a Monday 00:00.
    pub fn new(profile: Profile, key: u64, horizon: Time) -> Self {
        Online::starting(profile, key, horizon, 0)
    }

    /// [`Online::new`] for a run whose t = 0 is `shift` seconds after a local Monday 00:00
    /// (`Start::week_offset`, below a week).
    pub fn starting(profile: Profile, key: u64, horizon: Time, shift: Time) -> Self {
        Online {
            profile,
            key,
            last_day: horizon.saturating_add(shift) / DAY + 1,
            shift,
        }
    }

    /// Seconds from the local Monday 00:00 of the start's week to t = 0 (0: t = 0 is a Monday 00:00). The
    /// day-indexed walks ([`Online::office_days_from`], [`Online::intermittent_windows_from`]) hold only
    /// when it is 0.
    pub fn shift(&self) -> Time {
        self.shift
    }

    /// A window in local time as sim time, `None` when it ended at or before t = 0.
    #[inline]
    fn in_sim_time(&self, (a, b): (Time, Time)) -> Option<(Time, Time)> {
        (b > self.shift).then(|| (a.saturating_sub(self.shift), b - self.shift))
    }

    /// The profile.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// The per-device key its days are hashed with (see [`office_offsets_mixed`]).
    pub fn key(&self) -> u64 {
        self.key
    }

    /// An intermittent device's windows on the days from `day` on, in order (`None` for other profiles):
    /// [`Online::window_on`] day after day, without its per-call dispatch (the load ledger walks millions of
    /// device-days).
    pub fn intermittent_windows_from(
        &self,
        day: u32,
    ) -> Option<impl Iterator<Item = (Time, Time)> + use<>> {
        debug_assert_eq!(
            self.shift, 0,
            "day-indexed walks need t = 0 on a Monday 00:00"
        );
        let key = self.key;
        (self.profile == Profile::Intermittent).then(|| {
            self.days_from(day)
                .filter_map(move |d| intermittent_window(key, d))
        })
    }

    /// An office-hours device's windows on the weekdays from `day` on, as (day, start, end) with start and end
    /// offsets from that day's midnight; `None` for other profiles. The load ledger's hot loop: one hash per
    /// weekday, no per-day dispatch.
    pub fn office_days_from(&self, day: u32) -> Option<OfficeDays> {
        debug_assert_eq!(
            self.shift, 0,
            "day-indexed walks need t = 0 on a Monday 00:00"
        );
        (self.profile == Profile::OfficeHours)
            .then(|| OfficeDays::new(self.key, day, self.last_day + 1))
    }

    /// The days on which windows are looked for, from `day` on (office hours: weekdays only), in order.
    pub fn days_from(&self, day: u32) -> impl Iterator<Item = u32> + use<> {
        let office = self.profile == Profile::OfficeHours;
        let last = self.last_day;
        std::iter::successors(Some(day), move |&d| {
            // Friday: the weekend has no window.
            Some(d + if office && d % 7 == 4 { 3 } else { 1 })
        })
        .take_while(move |&d| d <= last)
    }

    /// The online window on local day `day`, as sim time `[start, end)`, if there is one (and it ends after
    /// t = 0).
    pub fn window_on(&self, day: u32) -> Option<(Time, Time)> {
        self.local_window(day).and_then(|w| self.in_sim_time(w))
    }

    /// The online window on local day `day` in local time (seconds since the start's week's Monday 00:00).
    fn local_window(&self, day: u32) -> Option<(Time, Time)> {
        let base = day.checked_mul(DAY)?;
        match self.profile {
            Profile::AlwaysOn => Some((base, base.saturating_add(DAY))),
            Profile::OfficeHours => (day % 7 < 5).then(|| office_window(self.key, day)),
            Profile::Intermittent => intermittent_window(self.key, day),
        }
    }

    /// The first window whose end is after `t` (it may have started before `t`), or `None` if the device
    /// is not online again before the horizon.
    pub fn window_from(&self, t: Time) -> Option<(Time, Time)> {
        if self.profile == Profile::AlwaysOn {
            return Some((0, NEVER));
        }
        let t = t.saturating_add(self.shift);
        self.first_window_on_or_after(t / DAY, t)
    }

    /// The window after the one that ends at `b`: [`Online::window_from`]`(b)`, without looking at the
    /// ending window's day again — a window lies within its local day (the latest ends before midnight,
    /// [`Profile::latest_end`]) and a day has one, so the next is on a later day. `b` is a window's end (a
    /// schedule that steps from window to window, `model::schedule::next_run`).
    pub fn window_after(&self, b: Time) -> Option<(Time, Time)> {
        if self.profile == Profile::AlwaysOn || b == 0 {
            return self.window_from(b);
        }
        let local = b.saturating_add(self.shift);
        self.first_window_on_or_after((local - 1) / DAY + 1, local)
    }

    /// The first window on local day `day` or later whose end is after local time `t`.
    #[inline]
    fn first_window_on_or_after(&self, mut day: u32, t: Time) -> Option<(Time, Time)> {
        // One profile per loop: the days' windows without a dispatch per day.
        if self.profile == Profile::Intermittent {
            // (Past the last day whose midnight fits, `local_window` finds no window either.)
            let last = self.last_day.min(Time::MAX / DAY - 1);
            while day <= last {
                if let Some((a, b)) = intermittent_window(self.key, day)
                    && b > t
                {
                    return self.in_sim_time((a, b));
                }
                day += 1;
            }
            return None;
        }
        while day <= self.last_day {
            if let Some((a, b)) = self.local_window(day)
                && b > t
            {
                return self.in_sim_time((a, b));
            }
            day += 1;
        }
        None
    }

    /// The windows whose end is after `t`, in order (each day's hash computed once).
    pub fn windows_from(&self, t: Time) -> Windows<'_> {
        let t = t.saturating_add(self.shift);
        Windows {
            online: self,
            day: t / DAY,
            after: t,
            done: false,
        }
    }

    /// Whether the device is online at `t`.
    pub fn is_online(&self, t: Time) -> bool {
        matches!(self.window_from(t), Some((a, _)) if a <= t)
    }

    /// The first instant at or after `t` when the device is online ([`NEVER`] if none before the horizon).
    #[inline]
    pub fn online_from(&self, t: Time) -> Time {
        if self.profile == Profile::OfficeHours
            && let Some(run) = self.office_online_from(t)
        {
            return run;
        }
        match self.window_from(t) {
            Some((a, _)) => a.max(t),
            None => NEVER,
        }
    }

    /// [`Online::online_from`] of an office-hours device, without the window search where the local time of
    /// day settles it (`None` elsewhere): every window starts in 07:30–08:30 and ends in 17:30–18:30
    /// (docs/model.md §5), so a weekday moment from 08:30 to 17:30 is inside its day's window, one before
    /// 07:30 waits for that day's start, and one from 18:30 on, or on a weekend, for the next weekday's — one
    /// day hash at most, where the search hashes the day of `t` first.
    #[inline]
    fn office_online_from(&self, t: Time) -> Option<Time> {
        let local = t.checked_add(self.shift)?;
        let (day, of_day) = (local / DAY, local % DAY);
        let weekday = day % 7 < 5;
        if weekday && (OFFICE_START + OFFICE_JITTER..OFFICE_END).contains(&of_day) {
            return (day <= self.last_day).then_some(t);
        }
        let opens = if weekday && of_day < OFFICE_START {
            day
        } else if !weekday || of_day >= OFFICE_END + OFFICE_JITTER {
            // The next weekday: Friday evening and the weekend wait for Monday.
            day + match day % 7 {
                4 => 3,
                5 => 2,
                _ => 1,
            }
        } else {
            return None;
        };
        if opens > self.last_day {
            return None;
        }
        let (start, _) = office_offsets(self.key, opens);
        Some(opens.checked_mul(DAY)?.checked_add(start)? - self.shift)
    }

    /// The end of the last window that ended at or before `a`, looking back at most `lookback` seconds;
    /// `None` when there is none in that span (the device was off for at least that long).
    pub fn prev_end(&self, a: Time, lookback: Time) -> Option<Time> {
        if self.profile == Profile::AlwaysOn {
            return None;
        }
        let a = a.saturating_add(self.shift);
        let first_day = a.saturating_sub(lookback) / DAY;
        let mut day = a / DAY;
        loop {
            if let Some((_, b)) = self.local_window(day)
                && b <= a
            {
                // A window that ended before t = 0 is not known to the run.
                return (a - b <= lookback && b > self.shift).then(|| b - self.shift);
            }
            if day == 0 || day <= first_day {
                return None;
            }
            day -= 1;
        }
    }
}

/// An office-hours device's weekdays with their windows (see [`Online::office_days_from`]).
#[derive(Debug, Clone)]
pub struct OfficeDays {
    key: u64,
    day: u32,
    /// `day % 7` (0 = Monday), kept rather than recomputed.
    weekday: u32,
    /// First day not listed.
    end: u32,
}

impl OfficeDays {
    fn new(key: u64, day: u32, end: u32) -> Self {
        // Saturday and Sunday move to Monday.
        let day = match day % 7 {
            5 => day + 2,
            6 => day + 1,
            _ => day,
        };
        OfficeDays {
            key,
            day,
            weekday: day % 7,
            end,
        }
    }

    /// The days listed: from the first (a weekday) to `end`, exclusive.
    pub fn span(&self) -> (u32, u32) {
        (self.day, self.end.max(self.day))
    }

    /// The days before `day`, and those from `day` on.
    pub fn split_at(self, day: u32) -> (OfficeDays, OfficeDays) {
        let rest = OfficeDays::new(self.key, self.day.max(day), self.end);
        let before = OfficeDays {
            end: self.end.min(day),
            ..self
        };
        (before, rest)
    }
}

impl Iterator for OfficeDays {
    /// (day, start, end), start and end as offsets from the day's midnight.
    type Item = (u32, Time, Time);

    #[inline]
    fn next(&mut self) -> Option<(u32, Time, Time)> {
        if self.day >= self.end {
            return None;
        }
        let day = self.day;
        let (start, end) = office_offsets(self.key, day);
        // Friday: the weekend has no window.
        let friday = self.weekday == 4;
        self.day += if friday { 3 } else { 1 };
        self.weekday = if friday { 0 } else { self.weekday + 1 };
        Some((day, start, end))
    }
}

/// Iterator over a device's online windows (see [`Online::windows_from`]).
pub struct Windows<'a> {
    online: &'a Online,
    day: u32,
    after: Time,
    done: bool,
}

impl Iterator for Windows<'_> {
    type Item = (Time, Time);

    fn next(&mut self) -> Option<(Time, Time)> {
        if self.done {
            return None;
        }
        if self.online.profile == Profile::AlwaysOn {
            self.done = true;
            return Some((0, NEVER));
        }
        while self.day <= self.online.last_day {
            let day = self.day;
            self.day += 1;
            if self.online.profile == Profile::OfficeHours && day % 7 == 4 {
                // Friday: the weekend has no window (and looking costs a mispredicted branch per day).
                self.day += 2;
            }
            if let Some((a, b)) = self.online.local_window(day)
                && b > self.after
            {
                return self.online.in_sim_time((a, b));
            }
        }
        self.done = true;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn office_hours_are_weekdays_about_eight_to_six() {
        let o = Online::new(Profile::OfficeHours, 12345, 30 * DAY);
        for day in 0..28 {
            match o.window_on(day) {
                Some((a, b)) => {
                    assert!(day % 7 < 5);
                    let (a, b) = (a - day * DAY, b - day * DAY);
                    assert!((7 * HOUR + 30 * MINUTE..8 * HOUR + 30 * MINUTE).contains(&a));
                    assert!((17 * HOUR + 30 * MINUTE..18 * HOUR + 30 * MINUTE).contains(&b));
                }
                None => assert!(day % 7 >= 5),
            }
        }
        // Saturday 10:00 -> Monday morning.
        let sat = 5 * DAY + 10 * HOUR;
        let next = o.online_from(sat);
        assert!(next > 7 * DAY && next < 7 * DAY + 9 * HOUR);
        assert!(!o.is_online(sat));
        assert!(o.is_online(DAY + 12 * HOUR));
    }

    #[test]
    fn intermittent_has_about_three_windows_a_week() {
        let mut windows = 0;
        let weeks = 2_000u32;
        for dev in 0..20u64 {
            let o = Online::new(Profile::Intermittent, dev * 7919, weeks * 7 * DAY / 20);
            for day in 0..weeks * 7 / 20 {
                if let Some((a, b)) = o.window_on(day) {
                    windows += 1;
                    assert!(b - a >= 30 * MINUTE && b - a <= 3 * HOUR);
                    assert!(b <= (day + 1) * DAY);
                }
            }
        }
        let per_week = f64::from(windows) / f64::from(weeks);
        assert!((per_week - 3.0).abs() < 0.15, "{per_week}");
    }

    #[test]
    fn offline_gaps_are_never_shorter_than_the_profile_minimum() {
        for profile in [Profile::OfficeHours, Profile::Intermittent] {
            let bound = profile.min_offline_gap().unwrap();
            let mut shortest = NEVER;
            for key in 0..2_000u64 {
                let o = Online::new(profile, crate::rng::mix64(key), 60 * DAY);
                let windows: Vec<_> = o.windows_from(0).collect();
                for w in windows.windows(2) {
                    shortest = shortest.min(w[1].0 - w[0].1);
                }
            }
            assert!(shortest >= bound, "{profile:?}: {shortest}");
            // And near: the bound is what the profile allows, not a loose guess.
            assert!(shortest < bound + HOUR, "{profile:?}: {shortest}");
        }
        assert_eq!(Profile::OfficeHours.min_offline_gap(), Some(13 * HOUR));
        assert_eq!(Profile::Intermittent.min_offline_gap(), Some(9 * HOUR));
    }

    #[test]
    fn listed_days_are_those_with_possible_windows() {
        for profile in Profile::ALL {
            let o = Online::new(profile, 3, 30 * DAY);
            let listed: Vec<u32> = o.days_from(2).collect();
            let with_windows: Vec<u32> = (2..=31).filter(|&d| o.window_on(d).is_some()).collect();
            assert!(
                with_windows.iter().all(|d| listed.contains(d)),
                "{profile:?}"
            );
            if profile == Profile::OfficeHours {
                assert!(listed.iter().all(|d| d % 7 < 5));
            }
        }
    }

    #[test]
    fn office_days_are_the_daily_windows_and_split_anywhere() {
        let o = Online::new(Profile::OfficeHours, 4242, 20 * DAY + 5 * HOUR);
        let absolute = |days: OfficeDays| -> Vec<(Time, Time)> {
            days.map(|(d, a, e)| (d * DAY + a, d * DAY + e)).collect()
        };
        for from in 0..14 {
            let want: Vec<(Time, Time)> = (from..=21).filter_map(|d| o.window_on(d)).collect();
            let days = o.office_days_from(from).unwrap();
            assert_eq!(absolute(days.clone()), want, "from day {from}");
            for at in 0..24 {
                let (before, rest) = days.clone().split_at(at);
                let mut joined = absolute(before.clone());
                assert!(before.into_iter().all(|(d, _, _)| d < at));
                joined.extend(absolute(rest));
                assert_eq!(joined, want, "from day {from}, split at {at}");
            }
        }
        assert!(
            Online::new(Profile::Intermittent, 1, DAY)
                .office_days_from(0)
                .is_none()
        );
    }

    #[test]
    fn window_search_and_previous_end() {
        let o = Online::new(Profile::OfficeHours, 99, 30 * DAY);
        let (a, b) = o.window_from(DAY + 12 * HOUR).unwrap();
        assert!(a <= DAY + 12 * HOUR && b > DAY + 12 * HOUR);
        let (a2, _) = o.window_from(b).unwrap();
        assert!(a2 > b);
        assert_eq!(o.prev_end(a2, 2 * DAY), Some(b));
        assert_eq!(o.prev_end(a2, 60), None);
        assert_eq!(o.prev_end(o.online_from(0), 10 * DAY), None);
        let listed: Vec<_> = o.windows_from(DAY + 12 * HOUR).take(3).collect();
        assert_eq!(listed[0], o.window_from(DAY + 12 * HOUR).unwrap());
        assert_eq!(listed[1], o.window_from(listed[0].1).unwrap());
        assert_eq!(listed[2], o.window_from(listed[1].1).unwrap());
        let always = Online::new(Profile::AlwaysOn, 1, DAY);
        assert_eq!(always.online_from(77), 77);
        assert_eq!(always.window_from(5), Some((0, NEVER)));
    }

    /// The office-hours shortcut of `online_from` answers as the window search does, at every minute-and-a-bit
    /// of a month for several devices and start shifts, past the horizon too.
    #[test]
    fn the_window_after_a_window_is_the_search_from_its_end() {
        for profile in [
            Profile::OfficeHours,
            Profile::Intermittent,
            Profile::AlwaysOn,
        ] {
            for key in [1u64, 99, 4242, 0xDEAD_BEEF, u64::MAX] {
                for shift in [0, 5 * DAY, 3 * DAY + 7 * HOUR + 61, 6 * DAY + 23 * HOUR] {
                    let o = Online::starting(profile, key, 40 * DAY, shift);
                    let mut windows = 0;
                    let mut next = o.window_from(0);
                    while let Some((_, b)) = next
                        && b != NEVER
                    {
                        next = o.window_after(b);
                        assert_eq!(
                            next,
                            o.window_from(b),
                            "{profile:?} key {key} shift {shift} b {b}"
                        );
                        windows += 1;
                    }
                    assert!(profile == Profile::AlwaysOn || windows > 10);
                }
            }
        }
    }

    #[test]
    fn office_online_from_is_the_window_search() {
        for key in [1u64, 99, 4242, 0xDEAD_BEEF] {
            for shift in [0, 5 * DAY, 3 * DAY + 7 * HOUR + 61] {
                let o = Online::starting(Profile::OfficeHours, key, 20 * DAY, shift);
                let search = |t: Time| o.window_from(t).map_or(NEVER, |(a, _)| a.max(t));
                for t in (0..25 * DAY).step_by(67).chain([NEVER - 1, NEVER]) {
                    assert_eq!(o.online_from(t), search(t), "key {key} shift {shift} t {t}");
                }
            }
        }
    }

    #[test]
    fn a_shifted_start_sees_the_same_local_windows_from_its_own_t0() {
        // t = 0 on a Saturday 00:00 (five days after the week's Monday): the first window is Monday's.
        let shift = 5 * DAY;
        for key in [1u64, 99, 4242] {
            for profile in Profile::ALL {
                let monday = Online::new(profile, key, 40 * DAY);
                let shifted = Online::starting(profile, key, 30 * DAY, shift);
                let want: Vec<(Time, Time)> = monday
                    .windows_from(shift)
                    .map(|(a, b)| (a.max(shift) - shift, b.saturating_sub(shift)))
                    .take_while(|&(a, _)| a < 30 * DAY)
                    .collect();
                let got: Vec<(Time, Time)> = shifted
                    .windows_from(0)
                    .take_while(|&(a, _)| a < 30 * DAY)
                    .collect();
                if profile == Profile::AlwaysOn {
                    assert_eq!(got, vec![(0, NEVER)]);
                    continue;
                }
                assert_eq!(got, want, "{profile:?} {key}");
                assert_eq!(shifted.window_from(0), want.first().copied());
                if profile == Profile::OfficeHours {
                    // Monday 07:30–08:30 local is 2 d 07:30–08:30 after a Saturday start.
                    let first = shifted.online_from(0);
                    assert!(
                        (2 * DAY + 7 * HOUR + 30 * MINUTE..2 * DAY + 8 * HOUR + 30 * MINUTE)
                            .contains(&first)
                    );
                }
                for w in want.windows(2) {
                    assert_eq!(shifted.prev_end(w[1].0, 30 * DAY), Some(w[0].1));
                }
                // Nothing before t = 0 is known to the run.
                if let Some(&(a, _)) = want.first() {
                    assert_eq!(shifted.prev_end(a, 10 * DAY), None);
                }
            }
        }
    }
}
