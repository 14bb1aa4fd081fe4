//! Simulated time: whole seconds since t = 0, a Monday 00:00 site-local time (the reference's clock).
//!
//! Time is an integer on purpose (DESIGN.md, engine principle 1): no floating-point accumulation whose result
//! could depend on the order in which threads add things up.

/// A point in simulated time, seconds since t = 0 (Monday 00:00). `u32` spans 136 years.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_rounding() {
        assert_eq!(ceil_to_grid(0, 300), 0);
        assert_eq!(ceil_to_grid(1, 300), 300);
        assert_eq!(ceil_to_grid(300, 300), 300);
        assert_eq!(ceil_to_grid(NEVER - 1, 300), NEVER);
    }
}
