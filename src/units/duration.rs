//! Durations: the strings of the scenario format and the command line — a number and a unit (`s`, `m`, `h`,
//! `d`, `w`), combinable (`"90m"`, `"1h30m"`, `"14d"`), parsed into whole simulated seconds and written back
//! in the same form — and the rounded form people read in tables and figures (`"3.20h"`).
//!
//! The parser is strict on purpose: a typo such as `"60"` (no unit) or `"1hh"` must be an error, never a
//! silently different timer.

/// Parses a duration string into seconds.
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
    let mut total: u64 = 0;
    let mut number: Option<u64> = None;
    let mut seen_unit = false;
    let mut last_unit_rank = usize::MAX;
    for ch in s.chars() {
        if let Some(digit) = ch.to_digit(10) {
            let n = number.unwrap_or(0);
            number = Some(
                n.checked_mul(10)
                    .and_then(|n| n.checked_add(u64::from(digit)))
                    .ok_or_else(|| format!("duration \"{shown}\" is too large"))?,
            );
            continue;
        }
        if ch == '_' && number.is_some() {
            continue;
        }
        let (unit_seconds, rank) = match ch {
            'w' => (7 * 86_400, 0),
            'd' => (86_400, 1),
            'h' => (3_600, 2),
            'm' => (60, 3),
            's' => (1, 4),
            _ => {
                return Err(format!(
                    "duration \"{shown}\" has an unexpected character '{ch}'; \
                     expected a number followed by a unit s, m, h, d or w (e.g. \"1h30m\")"
                ));
            }
        };
        let n = number.take().ok_or_else(|| {
            format!("duration \"{shown}\" has a unit '{ch}' without a number before it")
        })?;
        if rank <= last_unit_rank && last_unit_rank != usize::MAX {
            return Err(format!(
                "duration \"{shown}\" repeats a unit or lists units out of order (write e.g. \"1d2h30m\")"
            ));
        }
        last_unit_rank = rank;
        seen_unit = true;
        total = n
            .checked_mul(unit_seconds)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("duration \"{shown}\" is too large"))?;
    }
    if number.is_some() {
        return Err(format!(
            "duration \"{shown}\" ends with a number without a unit; add s, m, h, d or w (e.g. \"{shown}m\")"
        ));
    }
    if !seen_unit {
        return Err(format!("duration \"{shown}\" has no unit"));
    }
    Ok(total)
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
        for bad in [
            "", "60", "h", "1hh", "1m1h", "1.5h", "-3m", "3 m", "1x", "1h1h",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(parse_duration("99999999999999999999d").is_err());
        assert!(parse_duration("9999999999999999w").is_err());
    }

    #[test]
    fn format_round_trips() {
        for s in [1, 59, 60, 5_400, 86_400, 90_061, 1_209_600] {
            assert_eq!(parse_duration(&format_duration(s)), Ok(s));
        }
        assert_eq!(format_duration(5_400), "1h30m");
    }
}
