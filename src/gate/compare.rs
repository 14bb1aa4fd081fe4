//! Baseline comparison: every statistic of the current run against the same statistic of the baseline run,
//! judged by direction, noise floor and relative limit ([`super::policy`]).
//!
//! One run per side, so a difference is either real or a model change: the simulation is deterministic. Sweeps
//! with seed replicas are judged by `super::replicas`, which counts a regression only when the confidence
//! interval of the difference excludes zero.

use std::collections::BTreeMap;

use super::policy::{Direction, Policy, classify};
use super::{Check, Row, Unit, Verdict};
use crate::metrics::names::STATS;
use crate::report::summary::{MetricStats, Summary};
use crate::units::human_seconds;

/// Every comparable statistic of a summary by key (`"<metric>.<stat>"`, `"counts.<name>"`,
/// `"rollout.completed"`); `None` for a statistic without samples.
pub fn statistics(summary: &Summary) -> BTreeMap<String, Option<f64>> {
    let mut out = BTreeMap::new();
    for (metric, stats) in &summary.metrics {
        for stat in STATS {
            out.insert(format!("{metric}.{stat}"), stat_value(stats, stat));
        }
    }
    for (name, n) in &summary.counts {
        out.insert(format!("counts.{name}"), Some(*n as f64));
    }
    out.insert(
        "rollout.completed".into(),
        Some(f64::from(summary.rollout.completed)),
    );
    if let Some(load) = &summary.load {
        for (name, c) in &load.components {
            out.insert(
                format!("load.{name}.total_requests"),
                Some(c.total_requests as f64),
            );
            out.insert(
                format!("load.{name}.peak_requests_per_s"),
                Some(c.peak_requests_per_s),
            );
            out.insert(format!("load.{name}.peak_utilisation"), c.peak_utilisation);
        }
    }
    out
}

/// One statistic of a metric by its name in [`STATS`].
pub fn stat_value(stats: &MetricStats, stat: &str) -> Option<f64> {
    let v = |x: Option<u64>| x.map(|s| s as f64);
    match stat {
        "count" => Some(stats.count as f64),
        "mean" => stats.mean,
        "min" => v(stats.min),
        "p50" => v(stats.p50),
        "p90" => v(stats.p90),
        "p95" => v(stats.p95),
        "p99" => v(stats.p99),
        "max" => v(stats.max),
        _ => None,
    }
}

/// What differs between the scenarios of two runs; empty when they simulated the same thing (same
/// `scenario_hash`; the name alone may differ).
pub fn scenario_differences(baseline: &Summary, current: &Summary) -> Vec<String> {
    if baseline.scenario_hash == current.scenario_hash {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut field = |name: &str, b: String, c: String| {
        if b != c {
            out.push(format!("{name}: baseline {b}, current {c}"));
        }
    };
    field(
        "scenario",
        baseline.scenario.clone(),
        current.scenario.clone(),
    );
    field("seed", baseline.seed.to_string(), current.seed.to_string());
    field(
        "devices",
        baseline.devices.to_string(),
        current.devices.to_string(),
    );
    field(
        "duration_s",
        baseline.duration_s.to_string(),
        current.duration_s.to_string(),
    );
    let (b, c) = (&baseline.scenario_parameters, &current.scenario_parameters);
    if b.is_empty() || c.is_empty() {
        // A summary written before the parameters were stored: only the hashes can be compared.
        out.push(format!(
            "scenario_hash: baseline {}, current {} (any simulated parameter: timers, failures, fleet, stages …; \
             a summary written by this cofleet would list them)",
            baseline.scenario_hash, current.scenario_hash
        ));
        return out;
    }
    let mut keys: Vec<&String> = b.keys().chain(c.keys()).collect();
    keys.sort();
    keys.dedup();
    let absent = "(absent)".to_string();
    let differing: Vec<String> = keys
        .into_iter()
        .filter(|k| !matches!(k.as_str(), "seed" | "duration"))
        .filter_map(|k| {
            let (bv, cv) = (b.get(k).unwrap_or(&absent), c.get(k).unwrap_or(&absent));
            (bv != cv).then(|| format!("{k}: baseline {bv}, current {cv}"))
        })
        .collect();
    const SHOWN: usize = 20;
    let more = differing.len().saturating_sub(SHOWN);
    out.extend(differing.into_iter().take(SHOWN));
    if more > 0 {
        out.push(format!("… and {more} more parameter(s)"));
    }
    out
}

/// Compares every statistic present in either run. A statistic missing from the current run fails (the
/// metric contract broke); one new in the current run is shown as info.
pub fn compare(baseline: &Summary, current: &Summary, policy: &Policy) -> Vec<Row> {
    let base = statistics(baseline);
    let cur = statistics(current);
    let mut keys: Vec<&String> = base.keys().chain(cur.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .map(|key| match (base.get(key), cur.get(key)) {
            (Some(b), Some(c)) => judge(key, *b, *c, policy),
            (Some(b), None) => Row {
                check: Check::Regression,
                key: key.clone(),
                unit: classify(key).1,
                baseline: *b,
                current: None,
                change: None,
                limit: "—".into(),
                verdict: Verdict::Fail,
                reason: "missing from the current summary".into(),
            },
            (None, c) => Row {
                check: Check::Regression,
                key: key.clone(),
                unit: classify(key).1,
                baseline: None,
                current: c.copied().flatten(),
                change: None,
                limit: "—".into(),
                verdict: Verdict::Info,
                reason: "new: not in the baseline".into(),
            },
        })
        .collect()
}

/// Judges one statistic.
pub fn judge(key: &str, baseline: Option<f64>, current: Option<f64>, policy: &Policy) -> Row {
    let (direction, unit) = classify(key);
    let limit = policy.limit_for(key);
    let floor = policy.floor_for(unit);
    let change = match (baseline, current) {
        (Some(b), Some(c)) if b != 0.0 => Some((c - b) / b.abs()),
        (Some(_), Some(_)) => None,
        _ => None,
    };
    let (verdict, reason, limit_text) = if direction == Direction::Informational {
        (
            Verdict::Info,
            "informational: fixed by the scenario".to_string(),
            "—".to_string(),
        )
    } else {
        let limit_text = format!("{} worse", percent(limit));
        let (verdict, reason) = match (baseline, current) {
            (None, None) => (Verdict::Pass, "no samples in either run".to_string()),
            (Some(_), None) => (Verdict::Fail, "no samples in the current run".to_string()),
            (None, Some(_)) => (Verdict::Pass, "new: no samples in the baseline".to_string()),
            (Some(b), Some(c)) => {
                let delta = c - b;
                let worse = match direction {
                    Direction::LowerIsBetter => delta > 0.0,
                    _ => delta < 0.0,
                };
                let by = match change {
                    Some(r) => percent(r.abs()),
                    None => format!("{} from 0", amount(delta.abs(), unit)),
                };
                if delta == 0.0 {
                    (Verdict::Pass, "unchanged".to_string())
                } else if !worse {
                    (Verdict::Pass, format!("better by {by}"))
                } else if delta.abs() < floor {
                    (
                        Verdict::Pass,
                        format!(
                            "worse by {}, within the noise floor of {}",
                            amount(delta.abs(), unit),
                            amount_exact(floor, unit)
                        ),
                    )
                } else if change.is_some_and(|r| r.abs() <= limit) {
                    (Verdict::Pass, format!("worse by {by}, within the limit"))
                } else {
                    (
                        Verdict::Fail,
                        format!("worse by {by} (limit {})", percent(limit)),
                    )
                }
            }
        };
        (verdict, reason, limit_text)
    };
    Row {
        check: Check::Regression,
        key: key.to_string(),
        unit,
        baseline,
        current,
        change,
        limit: limit_text,
        verdict,
        reason,
    }
}

/// `0.05` → `"5%"`, `0.123` → `"12.3%"`.
pub fn percent(fraction: f64) -> String {
    let p = fraction * 100.0;
    if (p - p.round()).abs() < 1e-9 {
        format!("{p:.0}%")
    } else {
        format!("{p:.1}%")
    }
}

/// A value for people: durations in human units, counts as integers.
pub fn amount(value: f64, unit: Unit) -> String {
    match unit {
        Unit::Seconds => human_seconds(value),
        Unit::Count if value >= 0.0 => crate::units::grouped(value.round() as u64),
        Unit::Count | Unit::Flag => format!("{}", value.round() as i64),
        Unit::Rate => format!("{value:.2}/s"),
        Unit::Utilisation => format!("{:.0}%", value * 100.0),
    }
}

/// Like [`amount`], but a whole-unit duration keeps its exact form (`"1d"`, `"4h"`) so the limit reads as
/// the user wrote it.
pub fn amount_exact(value: f64, unit: Unit) -> String {
    if unit == Unit::Seconds && value.fract() == 0.0 && value >= 0.0 {
        crate::units::format_duration(value as u64)
    } else if unit == Unit::Utilisation {
        // A limit of 0.0001 is 0.01 %, not "0%"; up to four decimals of a percent, trailing zeros dropped.
        let text = format!("{:.4}", value * 100.0);
        format!("{}%", text.trim_end_matches('0').trim_end_matches('.'))
    } else {
        amount(value, unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy {
            max_regression: 0.05,
            overrides: vec![],
            noise_floor_s: 60.0,
            count_noise_floor: 10.0,
        }
    }

    #[test]
    fn latencies_regress_upwards_beyond_limit_and_floor() {
        let p = policy();
        let r = judge("hybrid_join.p95", Some(3_600.0), Some(4_000.0), &p);
        assert_eq!(r.verdict, Verdict::Fail);
        assert!(r.reason.contains("11.1%"), "{}", r.reason);
        assert_eq!(
            judge("hybrid_join.p95", Some(3_600.0), Some(3_700.0), &p).verdict,
            Verdict::Pass,
            "2.8% is within 5%"
        );
        assert_eq!(
            judge("hybrid_join.p95", Some(4_000.0), Some(3_600.0), &p).verdict,
            Verdict::Pass,
            "faster is better"
        );
    }

    #[test]
    fn the_noise_floor_absorbs_small_absolute_changes() {
        let r = judge("mdm_enrollment.p50", Some(2.0), Some(3.0), &policy());
        assert_eq!(r.verdict, Verdict::Pass);
        assert!(r.reason.contains("noise floor"));
        assert_eq!(r.change, Some(0.5));
        let r = judge("mdm_enrollment.p50", Some(2.0), Some(63.0), &policy());
        assert_eq!(r.verdict, Verdict::Fail);
    }

    #[test]
    fn counts_are_direction_aware() {
        let p = policy();
        assert_eq!(
            judge("counts.co_managed", Some(1_000.0), Some(900.0), &p).verdict,
            Verdict::Fail
        );
        assert_eq!(
            judge("counts.co_managed", Some(900.0), Some(1_000.0), &p).verdict,
            Verdict::Pass
        );
        assert_eq!(
            judge("counts.failed", Some(100.0), Some(150.0), &p).verdict,
            Verdict::Fail
        );
        assert_eq!(
            judge("counts.failed", Some(150.0), Some(100.0), &p).verdict,
            Verdict::Pass
        );
        assert_eq!(
            judge("counts.path.new_internet", Some(100.0), Some(500.0), &p).verdict,
            Verdict::Info
        );
        let r = judge("rollout.completed", Some(1.0), Some(0.0), &p);
        assert_eq!(r.verdict, Verdict::Fail);
        assert_eq!(
            judge("counts.failed", Some(0.0), Some(20.0), &p).verdict,
            Verdict::Fail,
            "from zero there is no ratio, beyond the floor it fails"
        );
    }

    #[test]
    fn vanished_samples_fail_and_new_samples_pass() {
        let p = policy();
        assert_eq!(
            judge("client_install.p95", Some(600.0), None, &p).verdict,
            Verdict::Fail
        );
        assert_eq!(
            judge("client_install.p95", None, Some(600.0), &p).verdict,
            Verdict::Pass
        );
    }
}
