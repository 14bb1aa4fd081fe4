//! How much worse is too much: the regression limits (`--max-regression`, `--metric-regression`), the noise
//! floors, and which direction is better for each statistic.
//!
//! | statistic | better when | noise floor |
//! | --- | --- | --- |
//! | `<metric>.{mean,min,p50,p90,p95,p99,max}` (latencies, seconds) | lower | `--noise-floor` (seconds) |
//! | `<metric>.count` (devices that went through the interval) | higher | `--count-noise-floor` |
//! | `counts.co_managed` | higher | `--count-noise-floor` |
//! | `counts.{not_started,joined,enrolled,failed}`, `counts.failed_at.*` (devices stuck or lost) | lower | `--count-noise-floor` |
//! | `counts.not_arrived`, `counts.path.*` (fixed by the scenario's arrivals and path mix) | — (info) | — |
//! | `rollout.completed` | higher | none |
//! | `load.<component>.total_requests` | lower | `--count-noise-floor` |
//! | `load.<component>.peak_requests_per_s` | lower | 0.1 requests/s |
//! | `load.<component>.peak_utilisation` | lower | 1 percentage point |
//!
//! Thresholds may name any value of the `load` and `capacity` sections ([`classify_section`]): the unit
//! follows the field name (`…_per_s` requests/s, `…utilisation` a share, `…_s` seconds, `enough` 0/1, else a
//! count).

use super::Unit;
use crate::metrics::summary_keys::{self, ValueKind};

/// Which way a statistic improves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Latencies, failures, stuck devices.
    LowerIsBetter,
    /// Devices that got through, a completed rollout.
    HigherIsBetter,
    /// Shown but never judged: fixed by the scenario, not by the model's behaviour.
    Informational,
}

/// The direction and unit of a comparison key (see the module table).
pub fn classify(key: &str) -> (Direction, Unit) {
    if key == "rollout.completed" {
        return (Direction::HigherIsBetter, Unit::Flag);
    }
    if summary_keys::section_of(key).is_some() {
        return classify_section(key);
    }
    if let Some(count) = key.strip_prefix("counts.") {
        let direction = match count {
            "co_managed" => Direction::HigherIsBetter,
            "not_arrived" => Direction::Informational,
            c if c.starts_with("path.") => Direction::Informational,
            "retired" => Direction::Informational,
            c if c.starts_with("action.") && c.ends_with(".targeted") => Direction::Informational,
            c if c.starts_with("action.") && c.contains(".within_") => Direction::HigherIsBetter,
            _ => Direction::LowerIsBetter,
        };
        return (direction, Unit::Count);
    }
    if key.ends_with(".count") {
        (Direction::HigherIsBetter, Unit::Count)
    } else {
        (Direction::LowerIsBetter, Unit::Seconds)
    }
}

/// A `load.`/`capacity.` value: the unit from its name; demand and instances needed are better lower, an
/// `enough` verdict higher, and what the scenario fixes (installed instances, capacities, clients, times of
/// day, the bucket, the target) is information.
fn classify_section(key: &str) -> (Direction, Unit) {
    let unit = match summary_keys::value_kind(key) {
        ValueKind::Seconds => Unit::Seconds,
        ValueKind::Rate => Unit::Rate,
        ValueKind::Utilisation => Unit::Utilisation,
        ValueKind::Flag => Unit::Flag,
        ValueKind::Count | ValueKind::Text => Unit::Count,
    };
    let leaf = key.rsplit('.').next().unwrap_or(key);
    let direction = if leaf == "enough" {
        Direction::HigherIsBetter
    } else if unit == Unit::Seconds
        || leaf.starts_with("have")
        || leaf.starts_with("capacity")
        || leaf.starts_with("target")
        || key.starts_with("capacity.") && leaf.contains("clients")
    {
        Direction::Informational
    } else {
        Direction::LowerIsBetter
    };
    (direction, unit)
}

/// The validated regression policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Allowed relative worsening (0.05 = 5 %) of any statistic without an override.
    pub max_regression: f64,
    /// `(glob, limit)` overrides; the last matching one wins.
    pub overrides: Vec<(String, f64)>,
    /// Changes of a latency smaller than this (seconds) never count as a regression.
    pub noise_floor_s: f64,
    /// Changes of a count smaller than this (devices) never count as a regression.
    pub count_noise_floor: f64,
}

impl Policy {
    /// The limit for `key`: the last matching override, else the default.
    pub fn limit_for(&self, key: &str) -> f64 {
        self.overrides
            .iter()
            .rev()
            .find(|(pattern, _)| glob_match(pattern, key))
            .map_or(self.max_regression, |(_, limit)| *limit)
    }

    /// The absolute change below which a worsening is noise.
    pub fn floor_for(&self, unit: Unit) -> f64 {
        match unit {
            Unit::Seconds => self.noise_floor_s,
            Unit::Count => self.count_noise_floor,
            Unit::Flag => 0.0,
            // Load peaks move by whole requests per bucket; these floors ignore changes below what a
            // capacity planner would act on.
            Unit::Rate => 0.1,
            Unit::Utilisation => 0.01,
        }
    }

    /// Errors for overrides that match none of `keys`: a typo must not silently leave the default in force.
    pub fn unmatched_overrides<'a>(&'a self, keys: &[&str]) -> Vec<&'a str> {
        self.overrides
            .iter()
            .filter(|(pattern, _)| !keys.iter().any(|k| glob_match(pattern, k)))
            .map(|(pattern, _)| pattern.as_str())
            .collect()
    }
}

/// Why a regression limit is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PercentError {
    /// A number, but negative or infinite.
    #[error(
        "\"{0}\": the limit must be a non-negative percentage, e.g. \"5%\" (0% forbids any worsening)"
    )]
    OutOfRange(String),
    /// Not a number.
    #[error("\"{0}\" is not a percentage; write e.g. \"5%\" or \"12.5%\"")]
    NotANumber(String),
}

/// Parses a regression limit: `"5%"` or `"5"` (percent), non-negative and finite; returns a fraction.
pub fn parse_percent(text: &str) -> Result<f64, PercentError> {
    let t = text.trim();
    let number = t.strip_suffix('%').unwrap_or(t).trim();
    match number.parse::<f64>() {
        Ok(n) if n.is_finite() && n >= 0.0 => Ok(n / 100.0),
        Ok(_) => Err(PercentError::OutOfRange(text.to_string())),
        Err(_) => Err(PercentError::NotANumber(text.to_string())),
    }
}

/// Why a `PATTERN=PERCENT` limit is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OverrideError {
    /// No `=`.
    #[error("\"{0}\" is not PATTERN=PERCENT, e.g. \"switch_latency.*.p95=10%\"")]
    NoLimit(String),
    /// Nothing before the `=`.
    #[error("\"{0}\": the pattern before '=' is empty")]
    EmptyPattern(String),
    /// The limit after the `=` is not a percentage.
    #[error(transparent)]
    Limit(#[from] PercentError),
}

/// Parses `PATTERN=PERCENT` (`"switch_latency.*.p95=10%"`).
pub fn parse_override(text: &str) -> Result<(String, f64), OverrideError> {
    let (pattern, limit) = text
        .rsplit_once('=')
        .ok_or_else(|| OverrideError::NoLimit(text.to_string()))?;
    let pattern = pattern.trim();
    if pattern.is_empty() {
        return Err(OverrideError::EmptyPattern(text.to_string()));
    }
    Ok((pattern.to_string(), parse_percent(limit)?))
}

/// Glob match where `*` matches any run of characters, dots included (`switch_latency.*.p95`,
/// `counts.*`, `*.p99`); every other character matches itself.
pub fn glob_match(pattern: &str, key: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let k: Vec<char> = key.chars().collect();
    // Classic wildcard matching with backtracking to the last star: linear in practice.
    let (mut pi, mut ki) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ki < k.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ki));
            pi += 1;
        } else if pi < p.len() && p[pi] == k[ki] {
            pi += 1;
            ki += 1;
        } else if let Some((sp, sk)) = star {
            pi = sp + 1;
            ki = sk + 1;
            star = Some((sp, sk + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_within_and_across_dots() {
        assert!(glob_match(
            "switch_latency.*.p95",
            "switch_latency.compliance_policies.p95"
        ));
        assert!(!glob_match(
            "switch_latency.*.p95",
            "switch_latency.compliance_policies.p99"
        ));
        assert!(glob_match("*.p99", "time_to_comanaged.new_internet.p99"));
        assert!(glob_match("counts.*", "counts.failed_at.hybrid_join"));
        assert!(glob_match("hybrid_join.mean", "hybrid_join.mean"));
        assert!(!glob_match("hybrid_join", "hybrid_join.mean"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a*b*c", "a.x.b.y.c"));
        assert!(!glob_match("a*b*c", "a.x.c.y.b"));
    }

    #[test]
    fn limits_parse_as_fractions_and_bad_ones_are_refused() {
        assert_eq!(parse_percent("5%"), Ok(0.05));
        assert_eq!(parse_percent("12.5"), Ok(0.125));
        assert_eq!(parse_percent("0%"), Ok(0.0));
        assert!(
            parse_percent("-5%")
                .unwrap_err()
                .to_string()
                .contains("non-negative")
        );
        assert!(
            parse_percent("five")
                .unwrap_err()
                .to_string()
                .contains("not a percentage")
        );
        assert!(parse_percent("inf%").is_err());
        assert_eq!(
            parse_override("switch_latency.*.p95=10%"),
            Ok(("switch_latency.*.p95".into(), 0.10))
        );
        assert!(parse_override("switch_latency.*.p95").is_err());
        assert!(parse_override("=10%").is_err());
    }

    #[test]
    fn the_last_matching_override_wins_and_typos_are_reported() {
        let policy = Policy {
            max_regression: 0.05,
            overrides: vec![("*.p95".into(), 0.10), ("hybrid_join.*".into(), 0.20)],
            noise_floor_s: 60.0,
            count_noise_floor: 10.0,
        };
        assert_eq!(policy.limit_for("hybrid_join.p95"), 0.20);
        assert_eq!(policy.limit_for("mdm_enrollment.p95"), 0.10);
        assert_eq!(policy.limit_for("mdm_enrollment.p99"), 0.05);
        assert_eq!(
            policy.unmatched_overrides(&["mdm_enrollment.p95"]),
            vec!["hybrid_join.*"]
        );
    }

    #[test]
    fn directions_follow_the_table() {
        assert_eq!(
            classify("switch_latency.client_apps.p95"),
            (Direction::LowerIsBetter, Unit::Seconds)
        );
        assert_eq!(
            classify("hybrid_join.count"),
            (Direction::HigherIsBetter, Unit::Count)
        );
        assert_eq!(classify("counts.co_managed").0, Direction::HigherIsBetter);
        assert_eq!(classify("counts.failed").0, Direction::LowerIsBetter);
        assert_eq!(
            classify("counts.failed_at.client_install").0,
            Direction::LowerIsBetter
        );
        assert_eq!(
            classify("counts.path.new_internet").0,
            Direction::Informational
        );
        assert_eq!(
            classify("rollout.completed"),
            (Direction::HigherIsBetter, Unit::Flag)
        );
        assert_eq!(
            classify("load.cmg.peak_utilisation"),
            (Direction::LowerIsBetter, Unit::Utilisation)
        );
        assert_eq!(
            classify("load.cmg.peak_requests_per_s"),
            (Direction::LowerIsBetter, Unit::Rate)
        );
        assert_eq!(
            classify("load.cmg.total_requests"),
            (Direction::LowerIsBetter, Unit::Count)
        );
        assert_eq!(
            classify("capacity.cmg.vms_needed"),
            (Direction::LowerIsBetter, Unit::Count)
        );
        assert_eq!(
            classify("capacity.cmg.enough"),
            (Direction::HigherIsBetter, Unit::Flag)
        );
        assert_eq!(
            classify("capacity.cmg.peak_at_s"),
            (Direction::Informational, Unit::Seconds)
        );
        assert_eq!(
            classify("capacity.cmg.have_vms").0,
            Direction::Informational
        );
        assert_eq!(
            classify("capacity.cmg.peak_concurrent_clients").0,
            Direction::Informational
        );
    }
}
