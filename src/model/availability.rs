//! Availability profiles: when a device is online.
//!
//! No published duty cycle exists for managed Windows fleets (domain-facts §5: "NOT FOUND: a published
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

use super::time::{DAY, HOUR, MINUTE, NEVER, Time};
use crate::rng::day_hash;

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
fn scale16(bits: u64, range: Time) -> Time {
    (((bits & 0xFFFF) * u64::from(range)) >> 16) as Time
}

/// One device's online windows.
#[derive(Debug, Clone, Copy)]
pub struct Online {
    profile: Profile,
    key: u64,
    /// Days after this one are never searched (the simulation has ended by then).
    last_day: u32,
}

impl Online {
    /// The windows of a device with `profile` and per-device hash key `key`, searched up to `horizon`.
    pub fn new(profile: Profile, key: u64, horizon: Time) -> Self {
        Online {
            profile,
            key,
            last_day: horizon / DAY + 1,
        }
    }

    /// The profile.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// The online window on `day`, as absolute `[start, end)`, if there is one.
    pub fn window_on(&self, day: u32) -> Option<(Time, Time)> {
        let base = day.checked_mul(DAY)?;
        match self.profile {
            Profile::AlwaysOn => Some((base, base.saturating_add(DAY))),
            Profile::OfficeHours => {
                if day % 7 >= 5 {
                    return None;
                }
                let h = day_hash(self.key, day);
                Some((
                    base + OFFICE_START + scale16(h, OFFICE_JITTER),
                    base + OFFICE_END + scale16(h >> 16, OFFICE_JITTER),
                ))
            }
            Profile::Intermittent => {
                let h = day_hash(self.key, day);
                if (h >> 32) >= INTERMITTENT_DAY_P {
                    return None;
                }
                let start = base + INTERMITTENT_START + scale16(h, INTERMITTENT_START_RANGE);
                let len = INTERMITTENT_MIN_LEN + scale16(h >> 16, INTERMITTENT_LEN_RANGE + 1);
                Some((start, start + len))
            }
        }
    }

    /// The first window whose end is after `t` (it may have started before `t`), or `None` if the device
    /// is not online again before the horizon.
    pub fn window_from(&self, t: Time) -> Option<(Time, Time)> {
        if self.profile == Profile::AlwaysOn {
            return Some((0, NEVER));
        }
        let mut day = t / DAY;
        while day <= self.last_day {
            if let Some((a, b)) = self.window_on(day)
                && b > t
            {
                return Some((a, b));
            }
            day += 1;
        }
        None
    }

    /// The windows whose end is after `t`, in order (each day's hash computed once).
    pub fn windows_from(&self, t: Time) -> Windows<'_> {
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
    pub fn online_from(&self, t: Time) -> Time {
        match self.window_from(t) {
            Some((a, _)) => a.max(t),
            None => NEVER,
        }
    }

    /// The end of the last window that ended at or before `a`, looking back at most `lookback` seconds;
    /// `None` when there is none in that span (the device was off for at least that long).
    pub fn prev_end(&self, a: Time, lookback: Time) -> Option<Time> {
        if self.profile == Profile::AlwaysOn {
            return None;
        }
        let first_day = a.saturating_sub(lookback) / DAY;
        let mut day = a / DAY;
        loop {
            if let Some((_, b)) = self.window_on(day)
                && b <= a
            {
                return (a - b <= lookback).then_some(b);
            }
            if day == 0 || day <= first_day {
                return None;
            }
            day -= 1;
        }
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
            if let Some((a, b)) = self.online.window_on(day)
                && b > self.after
            {
                return Some((a, b));
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
}
