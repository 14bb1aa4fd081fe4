//! Simulated time: whole seconds since t = 0, the scenario's `start` (`model::calendar`; by default a Monday 00:00).
//!
//! Time is an integer on purpose (docs/model.md, engine principle 1): no floating-point accumulation whose result
//! could depend on the order in which threads add things up.

/// A point in simulated time, seconds since t = 0 (the scenario's `start`). `u32` spans 136 years.
pub type Time = u32;

/// "Never" / "not scheduled": later than any simulated instant.
pub const NEVER: Time = Time::MAX;

/// One minute in seconds.
pub const MINUTE: Time = 60;
/// One hour in seconds.
pub const HOUR: Time = 3_600;
/// One day in seconds.
pub const DAY: Time = 86_400;
/// One week in seconds.
pub const WEEK: Time = 7 * DAY;

/// Longest simulated span cofleet accepts (10 years): far past any rollout, and it keeps every sum of two
/// valid times inside `u32`.
pub const MAX_SPAN: Time = 3_650 * DAY;

/// The first multiple of `step` at or after `t` (`step > 0`), saturating at [`NEVER`].
pub fn ceil_to_grid(t: Time, step: Time) -> Time {
    let rem = t % step;
    if rem == 0 {
        t
    } else {
        t.checked_add(step - rem).unwrap_or(NEVER)
    }
}

/// `t + d`, saturating at [`NEVER`].
pub fn after(t: Time, d: Time) -> Time {
    t.saturating_add(d)
}

/// A divisor fixed for a whole run (a bucket length, a timer period), dividing times by one multiply and a
/// shift instead of a hardware division. The load ledger divides every online window's bounds by the bucket
/// and the poll period — tens of millions of divisions in a million-device run — and a 32-bit `div` costs
/// several times a multiply. Exact for every `Time` (Lemire, Kaser & Kurz, "Faster remainder by direct
/// computation", 2019: a 64-bit multiplier `⌈2^64 / d⌉` divides every 32-bit numerator exactly).
#[derive(Debug, Clone, Copy)]
pub struct Divisor {
    d: Time,
    /// `⌈2^64 / d⌉`, or 0 for `d = 1` (where it would not fit)...
    m: u64,
    /// ... and then all ones, else 0: the quotient is `(m·n >> 64) + (n & identity)`, without a branch.
    identity: Time,
}

impl Divisor {
    /// Division by `d` (`d > 0`).
    pub const fn new(d: Time) -> Self {
        assert!(d > 0, "division by zero");
        Divisor {
            d,
            m: if d == 1 { 0 } else { u64::MAX / d as u64 + 1 },
            identity: if d == 1 { Time::MAX } else { 0 },
        }
    }

    /// The divisor.
    pub fn get(&self) -> Time {
        self.d
    }

    /// `n / d`.
    #[inline]
    pub fn div(&self, n: Time) -> Time {
        (((u128::from(self.m) * u128::from(n)) >> 64) as Time) + (n & self.identity)
    }

    /// `⌈n / d⌉`.
    #[inline]
    pub fn div_ceil(&self, n: Time) -> Time {
        if n == 0 { 0 } else { self.div(n - 1) + 1 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn divisor_equals_hardware_division() {
        let numerators = [
            0,
            1,
            2,
            59,
            60,
            61,
            3_599,
            3_600,
            86_399,
            1 << 31,
            NEVER - 1,
            NEVER,
        ];
        let mut state = 0x1234_5678_9ABC_DEF0u64;
        for d in [
            1,
            2,
            3,
            7,
            60,
            300,
            3_600,
            28_800,
            86_400,
            1 << 20,
            NEVER - 1,
            NEVER,
        ] {
            let divisor = Divisor::new(d);
            for &n in &numerators {
                assert_eq!(divisor.div(n), n / d, "{n} / {d}");
                assert_eq!(divisor.div_ceil(n), n.div_ceil(d), "{n} / {d} rounded up");
            }
            for _ in 0..10_000 {
                state = crate::rng::mix64(state);
                let n = state as Time;
                assert_eq!(divisor.div(n), n / d, "{n} / {d}");
            }
        }
    }

    #[test]
    fn grid_rounding() {
        assert_eq!(ceil_to_grid(0, 300), 0);
        assert_eq!(ceil_to_grid(1, 300), 300);
        assert_eq!(ceil_to_grid(300, 300), 300);
        assert_eq!(ceil_to_grid(NEVER - 1, 300), NEVER);
    }
}
