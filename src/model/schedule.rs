//! Periodic client tasks and when they actually run on a device that is not always online.
//!
//! The ConfigMgr policy poll, the Intune check-in and the Automatic-Device-Join task are periodic. A device
//! runs such a task at each tick while it is online; a tick that falls while it is offline is *missed*, and a
//! missed task runs as soon as the device comes back online (as the real clients' schedulers do). The engine
//! never ticks these timers one by one (docs/model.md, engine principle 5): [`next_run`] computes the next run directly
//! from the task's phase and the device's online windows.

use super::availability::Online;
use super::scenario::Burst;
use super::time::{DAY, NEVER, Time};

/// A set of tick instants.
pub trait Ticks {
    /// The first tick at or after `t` ([`NEVER`] if none).
    fn next_tick(&self, t: Time) -> Time;
    /// The longest gap between two ticks (how far back a missed tick can be).
    fn max_gap(&self) -> Time;
}

/// Ticks at `phase + k·period` for every integer k (a timer that has run since before t = 0).
#[derive(Debug, Clone, Copy)]
pub struct Periodic {
    /// Offset of the ticks in `[0, period)`.
    pub phase: Time,
    /// Interval between ticks (> 0).
    pub period: Time,
}

impl Ticks for Periodic {
    fn next_tick(&self, t: Time) -> Time {
        if t <= self.phase {
            return self.phase;
        }
        let k = (t - self.phase).div_ceil(self.period);
        self.phase.saturating_add(k.saturating_mul(self.period))
    }

    fn max_gap(&self) -> Time {
        self.period
    }
}

/// Ticks at `phase + k·period + delay(k)` for k ≥ 0, each delayed by its own random `delay(k)` in
/// `[0, max_delay]`: a ConfigMgr client task of days (hardware inventory, heartbeat discovery, software update
/// scan) whose schedule the client randomises cycle by cycle (docs/model.md §3.1). The delay of cycle k is a pure
/// hash of (`key`, k), so any thread recomputes the same ticks. `max_delay` is under the period, so the ticks
/// stay in order.
#[derive(Debug, Clone, Copy)]
pub struct Jittered {
    /// Offset of the undelayed ticks in `[0, period)`.
    pub phase: Time,
    /// Interval between undelayed ticks (> `max_delay`).
    pub period: Time,
    /// Longest random delay of one cycle.
    pub max_delay: Time,
    /// The device's key for this task (`rng::day_hash` of it and the cycle gives the delay).
    pub key: u64,
}

impl Jittered {
    /// Tick of cycle `k`.
    #[inline]
    pub fn tick(&self, k: u32) -> Time {
        let base = self.phase.saturating_add(k.saturating_mul(self.period));
        if self.max_delay == 0 {
            return base;
        }
        let u = crate::rng::day_hash(self.key, k) >> 32;
        let delay = (u * (u64::from(self.max_delay) + 1)) >> 32;
        base.saturating_add(delay as Time)
    }

    /// The cycle of the first tick at or after `t`.
    pub fn cycle_at_or_after(&self, t: Time) -> u32 {
        self.first_at_or_after(t).0
    }

    /// The cycle of the first tick at or after `t`, and that tick (one delay hash fewer than asking for the
    /// cycle, then its tick).
    #[inline]
    pub fn first_at_or_after(&self, t: Time) -> (u32, Time) {
        // Every cycle before `k` ends (undelayed tick + the longest delay) before `t`.
        let k = t
            .saturating_sub(self.phase.saturating_add(self.max_delay))
            .div_ceil(self.period);
        let tick = self.tick(k);
        if tick >= t {
            (k, tick)
        } else {
            (k + 1, self.tick(k + 1))
        }
    }
}

impl Ticks for Jittered {
    fn next_tick(&self, t: Time) -> Time {
        self.first_at_or_after(t).1
    }

    fn max_gap(&self) -> Time {
        self.period.saturating_add(self.max_delay)
    }
}

/// The Intune check-in schedule of an enrolled device: the post-enrollment bursts, then the steady interval.
#[derive(Debug, Clone, Copy)]
pub struct MdmSchedule<'a> {
    /// When the device enrolled ([`NEVER`] if it enrolled before t = 0: no burst).
    pub enrolled_at: Time,
    /// Bursts, in order (`mdm_sync_after_enroll`).
    pub bursts: &'a [Burst],
    /// Steady-state check-ins.
    pub steady: Periodic,
}

impl Ticks for MdmSchedule<'_> {
    fn next_tick(&self, t: Time) -> Time {
        let steady = self.steady.next_tick(t);
        match self.burst_at_or_after(t) {
            Some(b) => steady.min(b.first_at_or_after(t)),
            None => steady,
        }
    }

    fn max_gap(&self) -> Time {
        self.steady.period
    }
}

/// One burst's ticks, `base + k·interval` for `k ≥ 1` up to `last` (see [`MdmSchedule::bursts`]).
#[derive(Debug, Clone, Copy)]
pub struct BurstTicks {
    /// When the burst begins (the enrollment, or the end of the burst before); it is not a tick itself.
    pub base: Time,
    /// Its last tick: the last multiple of the interval within its span.
    pub last: Time,
    /// Time between its ticks.
    pub interval: Time,
}

impl BurstTicks {
    /// Its first tick at or after `t` (past `last` when `t` is).
    pub fn first_at_or_after(&self, t: Time) -> Time {
        // Up to the first tick, no division (the load ledger asks this once per enrollment, just after it).
        let k = if t <= self.base.saturating_add(self.interval) {
            1
        } else {
            (t - self.base).div_ceil(self.interval)
        };
        self.base.saturating_add(k.saturating_mul(self.interval))
    }

    /// Whether `t` is one of its ticks.
    pub fn holds(&self, t: Time) -> bool {
        t > self.base && t <= self.last && (t - self.base).is_multiple_of(self.interval)
    }
}

impl<'a> MdmSchedule<'a> {
    /// The bursts' ticks, burst by burst (none for a device enrolled before t = 0).
    pub fn bursts(&self) -> impl Iterator<Item = BurstTicks> + use<'a> {
        let enrolled = self.enrolled_at != NEVER;
        let bursts = if enrolled { self.bursts } else { &[] };
        bursts.iter().scan(self.enrolled_at, |base, b| {
            let ticks = BurstTicks {
                base: *base,
                last: base.saturating_add(b.span - b.span % b.interval),
                interval: b.interval,
            };
            *base = base.saturating_add(b.span);
            Some(ticks)
        })
    }

    /// The burst whose ticks are the first at or after `t`, if any is left.
    fn burst_at_or_after(&self, t: Time) -> Option<BurstTicks> {
        self.bursts().find(|b| t <= b.last)
    }

    /// When the bursts end (the enrollment plus every burst's span).
    pub fn burst_end(&self) -> Time {
        self.bursts
            .iter()
            .fold(self.enrolled_at, |t, b| t.saturating_add(b.span))
    }

    /// Whether `t` is a tick of one of the bursts.
    pub fn is_burst_tick(&self, t: Time) -> bool {
        self.bursts().any(|b| b.holds(t))
    }

    /// The ticks at or after `t`, in order: `next_tick(t)`, then `next_tick` of one past each — stepping
    /// from tick to tick by addition, with a division only where a burst ends (the load ledger counts a
    /// device's burst check-ins run by run, a dozen per enrollment).
    pub fn ticks_from(&self, t: Time) -> MdmTicks<'a> {
        let mut ticks = MdmTicks {
            schedule: *self,
            steady: self.steady.next_tick(t),
            burst: NEVER,
            last: NEVER,
            interval: 0,
        };
        ticks.seek_burst(t);
        ticks
    }
}

/// Iterator of [`MdmSchedule::ticks_from`].
#[derive(Debug, Clone)]
pub struct MdmTicks<'a> {
    schedule: MdmSchedule<'a>,
    /// Next steady tick.
    steady: Time,
    /// Next burst tick ([`NEVER`]: past the bursts).
    burst: Time,
    /// The last tick and the interval of the burst `burst` belongs to.
    last: Time,
    interval: Time,
}

impl MdmTicks<'_> {
    /// The first burst tick at or after `t` (the burst part of [`MdmSchedule::next_tick`]).
    fn seek_burst(&mut self, t: Time) {
        self.burst = NEVER;
        if let Some(b) = self.schedule.burst_at_or_after(t) {
            self.burst = b.first_at_or_after(t);
            self.last = b.last;
            self.interval = b.interval;
        }
    }
}

impl Iterator for MdmTicks<'_> {
    type Item = Time;

    fn next(&mut self) -> Option<Time> {
        let tick = self.steady.min(self.burst);
        if tick == NEVER {
            return None;
        }
        if self.steady == tick {
            self.steady = tick.saturating_add(self.schedule.steady.period);
        }
        if self.burst == tick {
            if tick < self.last {
                // Ticks of a burst are `base + k·interval` up to its last: the next one is one interval on.
                self.burst = tick + self.interval;
            } else {
                self.seek_burst(tick.saturating_add(1));
            }
        }
        Some(tick)
    }
}

/// When a periodic task next runs on a device, at or after `t`: the first tick at which the device is online,
/// or the moment it comes back online after missing a tick, whichever is first. A device that has never been
/// seen online before (no window within the look-back) counts as having missed a tick: it runs the task when it
/// first comes online. [`NEVER`] if the device is not online again before the horizon.
pub fn next_run(online: &Online, ticks: &impl Ticks, t: Time) -> Time {
    let lookback = ticks.max_gap().saturating_add(DAY);
    let mut t = t;
    let Some(mut window) = online.window_from(t) else {
        return NEVER;
    };
    loop {
        let (a, b) = window;
        if a > t {
            // Offline at t: did the device miss a tick during the gap that ends at `a`?
            let missed = match online.prev_end(a, lookback) {
                Some(gap_start) => ticks.next_tick(gap_start) < a,
                None => true,
            };
            if missed {
                return a;
            }
            t = a;
        }
        let tick = ticks.next_tick(t);
        if tick < b {
            return tick;
        }
        if b == NEVER {
            return NEVER;
        }
        // The tick falls after this window closes: it is missed if it falls before the next window opens.
        match online.window_after(b) {
            None => return NEVER,
            Some((a2, _)) if tick < a2 => return a2,
            Some(next) => {
                // Online from its start: the search from `a2` would find this window again.
                t = next.0;
                window = next;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::availability::Profile;
    use crate::model::scenario::DEFAULT_BURSTS;
    use crate::model::time::{HOUR, MINUTE};

    /// Each cycle's tick lies in `[phase + k·period, + max_delay]`, the delays vary, and `next_tick` is the
    /// first tick at or after any moment (checked against the ticks listed one by one).
    #[test]
    fn jittered_ticks_are_delayed_cycle_by_cycle() {
        let j = Jittered {
            phase: 5_000,
            period: 7 * DAY,
            max_delay: 2 * HOUR,
            key: 99,
        };
        let ticks: Vec<Time> = (0..6).map(|k| j.tick(k)).collect();
        for (k, &t) in ticks.iter().enumerate() {
            let base = 5_000 + k as Time * 7 * DAY;
            assert!(base <= t && t <= base + 2 * HOUR, "cycle {k}: {t}");
        }
        assert!(ticks.windows(2).any(|w| w[1] - w[0] != 7 * DAY));
        for t in (0..5 * 7 * DAY).step_by(3_607) {
            let want = *ticks.iter().find(|&&x| x >= t).unwrap();
            assert_eq!(j.next_tick(t), want, "at {t}");
        }
        assert_eq!(j.next_tick(ticks[2]), ticks[2]);
        assert_eq!(j.next_tick(ticks[2] + 1), ticks[3]);
    }

    #[test]
    fn periodic_ticks() {
        let p = Periodic {
            phase: 600,
            period: 3_600,
        };
        assert_eq!(p.next_tick(0), 600);
        assert_eq!(p.next_tick(600), 600);
        assert_eq!(p.next_tick(601), 4_200);
        assert_eq!(p.next_tick(4_200), 4_200);
    }

    #[test]
    fn bursts_then_steady() {
        let bursts = DEFAULT_BURSTS;
        let s = MdmSchedule {
            enrolled_at: 1_000,
            bursts: &bursts,
            steady: Periodic {
                phase: 5 * HOUR,
                period: 8 * HOUR,
            },
        };
        assert_eq!(s.next_tick(1_000), 1_000 + 180);
        assert_eq!(s.next_tick(1_181), 1_000 + 360);
        assert_eq!(s.next_tick(1_000 + 900), 1_000 + 900);
        assert_eq!(s.next_tick(1_000 + 901), 1_000 + 1_800);
        assert_eq!(
            s.next_tick(1_000 + 15 * MINUTE + 2 * HOUR),
            1_000 + 135 * MINUTE
        );
        assert_eq!(s.next_tick(1_000 + 135 * MINUTE + 1), 5 * HOUR);
        let no_burst = MdmSchedule {
            enrolled_at: NEVER,
            ..s
        };
        assert_eq!(no_burst.next_tick(1_000), 5 * HOUR);
    }

    #[test]
    fn stepping_through_ticks_equals_searching_each() {
        let bursts = [
            DEFAULT_BURSTS[0],
            DEFAULT_BURSTS[1],
            // A burst shorter than its interval: its one tick falls past its span.
            Burst {
                interval: 50 * MINUTE,
                span: 20 * MINUTE,
            },
        ];
        for (enrolled_at, phase, period) in [
            (1_000, 5 * HOUR, 8 * HOUR),
            (7_777, 1_000 + 180, 600),
            (NEVER, 123, HOUR),
            (0, 0, 3 * MINUTE),
        ] {
            let s = MdmSchedule {
                enrolled_at,
                bursts: &bursts,
                steady: Periodic { phase, period },
            };
            for start in [0, 999, 1_000, 1_001, 1_180, 5_000, 12 * HOUR] {
                let mut want = Vec::new();
                let mut t = start;
                while want.len() < 40 {
                    let tick = s.next_tick(t);
                    want.push(tick);
                    t = tick + 1;
                }
                let got: Vec<Time> = s.ticks_from(start).take(40).collect();
                assert_eq!(
                    got, want,
                    "enrolled {enrolled_at} steady {phase}+k·{period} from {start}"
                );
            }
        }
    }

    #[test]
    fn always_on_runs_at_ticks() {
        let o = Online::new(Profile::AlwaysOn, 1, 30 * DAY);
        let p = Periodic {
            phase: 100,
            period: 3_600,
        };
        assert_eq!(next_run(&o, &p, 0), 100);
        assert_eq!(next_run(&o, &p, 101), 3_700);
    }

    #[test]
    fn missed_ticks_run_when_the_device_returns() {
        let o = Online::new(Profile::OfficeHours, 4242, 30 * DAY);
        let p = Periodic {
            phase: 100,
            period: 3_600,
        };
        // Monday 02:00, offline: the overnight gap missed ticks, so it runs when the device comes online.
        let first = o.window_on(0).unwrap().0;
        assert_eq!(next_run(&o, &p, 2 * HOUR), first);
        // Noon, online: the next tick.
        assert_eq!(next_run(&o, &p, 12 * HOUR), p.next_tick(12 * HOUR));
        // Just before the window closes with the next tick after it: runs next morning.
        let (_, b) = o.window_on(0).unwrap();
        let t = b - 1;
        if p.next_tick(t) >= b {
            assert_eq!(next_run(&o, &p, t), o.window_on(1).unwrap().0);
        }
        // Friday evening -> Monday morning.
        let fri_night = 4 * DAY + 22 * HOUR;
        assert_eq!(next_run(&o, &p, fri_night), o.window_on(7).unwrap().0);
    }

    #[test]
    fn long_period_task_is_not_always_missed_overnight() {
        // A weekly task with its tick on Wednesday noon: Tuesday morning's return does not run it.
        let o = Online::new(Profile::OfficeHours, 7, 30 * DAY);
        let p = Periodic {
            phase: 2 * DAY + 12 * HOUR,
            period: 7 * DAY,
        };
        let tue_morning = DAY + 2 * HOUR;
        assert_eq!(next_run(&o, &p, tue_morning), 2 * DAY + 12 * HOUR);
    }
}
