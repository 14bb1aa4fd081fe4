//! Thresholds (`[thresholds]` of the scenario) evaluated against a summary. A threshold on a statistic with
//! no samples fails with that reason: an empty metric must never pass silently. Keys under `load.` and
//! `capacity.` are read from the summary's JSON tree by their dotted path, so every number (or boolean, as
//! 0/1) those sections hold can be gated without a line here per field.

use super::compare::{amount, amount_exact, stat_value};
use super::policy::classify;
use super::{Check, Row, Verdict};
use crate::metrics::summary_keys;
use crate::model::scenario::{Threshold, ThresholdOp};
use crate::report::summary::Summary;
use serde_json::Value;

/// One row per threshold, in the order given.
pub fn evaluate(thresholds: &[Threshold], summary: &Summary) -> Vec<Row> {
    let needs_tree = thresholds
        .iter()
        .any(|t| summary_keys::section_of(&t.key).is_some());
    let tree = if needs_tree {
        serde_json::to_value(summary).unwrap_or(Value::Null)
    } else {
        Value::Null
    };
    thresholds
        .iter()
        .map(|t| evaluate_one(t, summary, &tree))
        .collect()
}

fn evaluate_one(t: &Threshold, summary: &Summary, tree: &Value) -> Row {
    let unit = classify(&t.key).1;
    let limit = format!("{} {}", op_symbol(t.op), amount_exact(t.value, unit));
    let current = match summary_keys::section_of(&t.key) {
        Some(_) => tree_value(tree, &t.key),
        None => lookup(&t.key, summary),
    };
    let (verdict, reason) = match &current {
        Err(why) => (Verdict::Fail, why.to_string()),
        Ok(v) if holds(*v, t.op, t.value) => (Verdict::Pass, "holds".to_string()),
        Ok(v) => (
            Verdict::Fail,
            format!("{} is not {limit}", amount(*v, unit)),
        ),
    };
    Row {
        check: Check::Threshold,
        key: t.key.clone(),
        unit,
        baseline: None,
        current: current.ok(),
        change: None,
        limit,
        verdict,
        reason,
    }
}

/// Why a threshold key has no value in a summary (the failing row's reason).
#[derive(Debug, thiserror::Error)]
enum Unavailable {
    #[error("no count \"{0}\" in summary.json")]
    Count(String),
    #[error("\"{0}\" names no statistic")]
    NoStatistic(String),
    #[error("no metric \"{0}\" in summary.json")]
    Metric(String),
    #[error("{metric} has no samples in this run, so its {stat} is undefined")]
    NoSamples { metric: String, stat: String },
    #[error("no {section} section in summary.json ({why})")]
    NoSection { section: String, why: &'static str },
    #[error("no \"{0}\" in summary.json")]
    Missing(String),
    #[error("\"{0}\" is null in summary.json (not modelled in this run)")]
    Null(String),
    #[error("\"{key}\" in summary.json is {what}, not a number")]
    NotANumber { key: String, what: &'static str },
}

/// A `load.`/`capacity.` value by its dotted path in the summary's JSON tree. `load.<component>.<field>`
/// reads `load.components.<component>.<field>` (the gate's baseline comparison names it so); a boolean
/// reads as 0 or 1.
fn tree_value(tree: &Value, key: &str) -> Result<f64, Unavailable> {
    let mut segments = key.split('.');
    let section = segments.next().unwrap_or_default();
    let mut at = tree.get(section).ok_or_else(|| Unavailable::NoSection {
        section: section.to_string(),
        why: if section == "load" {
            "load was not modelled: [load] enabled = false"
        } else {
            "this run's summary has none"
        },
    })?;
    let mut first = true;
    for segment in segments {
        let next = match at.get(segment) {
            Some(v) => Some(v),
            // `load.cmg.x` for `load.components.cmg.x`.
            None if first && section == "load" => at.get("components").and_then(|c| c.get(segment)),
            None => None,
        };
        at = next.ok_or_else(|| Unavailable::Missing(key.to_string()))?;
        first = false;
    }
    match at {
        Value::Number(n) => n
            .as_f64()
            .ok_or_else(|| Unavailable::Missing(key.to_string())),
        Value::Bool(b) => Ok(f64::from(u8::from(*b))),
        Value::Null => Err(Unavailable::Null(key.to_string())),
        Value::String(_) => Err(Unavailable::NotANumber {
            key: key.to_string(),
            what: "text",
        }),
        Value::Array(_) | Value::Object(_) => Err(Unavailable::NotANumber {
            key: key.to_string(),
            what: "a table of values (name one of its fields)",
        }),
    }
}

/// The value a threshold key names, or why there is none.
fn lookup(key: &str, summary: &Summary) -> Result<f64, Unavailable> {
    if key == "rollout.completed" {
        return Ok(f64::from(summary.rollout.completed));
    }
    if let Some(name) = key.strip_prefix("counts.") {
        return summary
            .counts
            .get(name)
            .map(|n| *n as f64)
            .ok_or_else(|| Unavailable::Count(name.to_string()));
    }
    let (metric, stat) = key
        .rsplit_once('.')
        .ok_or_else(|| Unavailable::NoStatistic(key.to_string()))?;
    let stats = summary
        .metrics
        .get(metric)
        .ok_or_else(|| Unavailable::Metric(metric.to_string()))?;
    stat_value(stats, stat).ok_or_else(|| Unavailable::NoSamples {
        metric: metric.to_string(),
        stat: stat.to_string(),
    })
}

fn holds(v: f64, op: ThresholdOp, limit: f64) -> bool {
    match op {
        ThresholdOp::Lt => v < limit,
        ThresholdOp::Le => v <= limit,
        ThresholdOp::Gt => v > limit,
        ThresholdOp::Ge => v >= limit,
        ThresholdOp::Eq => v == limit,
    }
}

fn op_symbol(op: ThresholdOp) -> &'static str {
    match op {
        ThresholdOp::Lt => "<",
        ThresholdOp::Le => "<=",
        ThresholdOp::Gt => ">",
        ThresholdOp::Ge => ">=",
        ThresholdOp::Eq => "==",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::summary::{MetricStats, RolloutSummary, SCHEMA};
    use std::collections::BTreeMap;

    fn summary() -> Summary {
        let stats = |p95: Option<u64>, count: u64| MetricStats {
            count,
            mean: p95.map(|v| v as f64),
            min: p95,
            p50: p95,
            p90: p95,
            p95,
            p99: p95,
            max: p95,
        };
        Summary {
            schema: SCHEMA,
            scenario: "t".into(),
            scenario_hash: "0".repeat(16),
            scenario_parameters: BTreeMap::new(),
            seed: 1,
            devices: 10,
            duration_s: 86_400,
            start: String::new(),
            cofleet_version: "x".into(),
            complete: true,
            metrics: BTreeMap::from([
                ("hybrid_join".to_string(), stats(Some(3_600), 10)),
                ("client_install".to_string(), stats(None, 0)),
            ]),
            counts: BTreeMap::from([("failed".to_string(), 3)]),
            funnel: BTreeMap::new(),
            failures: BTreeMap::new(),
            rollout: RolloutSummary {
                completed: 0,
                stages: vec![],
            },
            milestones: Vec::new(),
            load: None,
            capacity: None,
            thresholds: BTreeMap::new(),
        }
    }

    fn t(key: &str, value: &str) -> Threshold {
        crate::scenario::parse_threshold(key, value).unwrap()
    }

    #[test]
    fn thresholds_pass_and_fail_with_reasons() {
        let rows = evaluate(
            &[
                t("hybrid_join.p95", "< 2h"),
                t("hybrid_join.p95", "< 30m"),
                t("counts.failed", "<= 3"),
                t("rollout.completed", "== 1"),
            ],
            &summary(),
        );
        let verdicts: Vec<Verdict> = rows.iter().map(|r| r.verdict).collect();
        assert_eq!(
            verdicts,
            [Verdict::Pass, Verdict::Fail, Verdict::Pass, Verdict::Fail]
        );
        assert_eq!(rows[1].limit, "< 30m");
        assert_eq!(rows[1].reason, "1.00h is not < 30m");
    }

    #[test]
    fn a_metric_without_samples_fails_with_that_reason() {
        let rows = evaluate(&[t("client_install.p95", "< 1h")], &summary());
        assert_eq!(rows[0].verdict, Verdict::Fail);
        assert!(rows[0].reason.contains("no samples"), "{}", rows[0].reason);
        let rows = evaluate(&[t("mdm_enrollment.p95", "< 1h")], &summary());
        assert!(rows[0].reason.contains("no metric"));
    }

    #[test]
    fn section_values_are_read_by_their_dotted_path() {
        let tree = serde_json::json!({
            "load": {
                "bucket_s": 60,
                "components": {
                    "cmg": {"peak_utilisation": 0.25, "capacity_per_s": 3.333, "requests_by_type": {"registration": 7}},
                    "intune": {"peak_utilisation": null}
                },
                "headroom": {"enough": true, "verdict": "words"}
            },
            "capacity": {"cmg": {"vms_needed": 4, "enough": false, "reason": "load"}}
        });
        let v = |key: &str| tree_value(&tree, key);
        assert_eq!(v("load.cmg.peak_utilisation").unwrap(), 0.25);
        assert_eq!(v("load.components.cmg.capacity_per_s").unwrap(), 3.333);
        assert_eq!(v("load.cmg.requests_by_type.registration").unwrap(), 7.0);
        assert_eq!(v("load.bucket_s").unwrap(), 60.0);
        assert_eq!(v("load.headroom.enough").unwrap(), 1.0);
        assert_eq!(v("capacity.cmg.vms_needed").unwrap(), 4.0);
        assert_eq!(v("capacity.cmg.enough").unwrap(), 0.0);
        let why = |key: &str| v(key).unwrap_err().to_string();
        assert_eq!(
            why("load.intune.peak_utilisation"),
            "\"load.intune.peak_utilisation\" is null in summary.json (not modelled in this run)"
        );
        assert_eq!(
            why("capacity.sup.needed"),
            "no \"capacity.sup.needed\" in summary.json"
        );
        assert!(why("capacity.cmg.reason").contains("is text"));
        assert!(why("load.cmg").contains("a table of values"));
        assert!(why("load.cmg.peak_utilisation.x").starts_with("no "));
        let no_capacity = serde_json::json!({"load": {}});
        assert!(
            tree_value(&no_capacity, "capacity.cmg.vms_needed")
                .unwrap_err()
                .to_string()
                .starts_with("no capacity section in summary.json")
        );
    }

    #[test]
    fn a_load_threshold_on_a_run_without_load_fails_with_that_reason() {
        let rows = evaluate(
            &[
                t("load.cmg.peak_utilisation", "< 0.7"),
                t("counts.failed", "<= 3"),
            ],
            &summary(),
        );
        assert_eq!(rows[0].verdict, Verdict::Fail);
        assert!(
            rows[0].reason.contains("[load] enabled = false"),
            "{}",
            rows[0].reason
        );
        assert_eq!(rows[0].unit, crate::gate::Unit::Utilisation);
        assert_eq!(rows[0].limit, "< 70%");
        assert_eq!(rows[1].verdict, Verdict::Pass);
        let rows = evaluate(&[t("load.cmg.peak_utilisation", "< 0.0001")], &summary());
        assert_eq!(rows[0].limit, "< 0.01%");
    }
}
