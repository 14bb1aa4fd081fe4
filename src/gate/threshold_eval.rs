//! Thresholds (`[thresholds]` of the scenario) evaluated against a summary. A threshold on a statistic with
//! no samples fails with that reason: an empty metric must never pass silently.

use super::compare::{amount, amount_exact, stat_value};
use super::policy::classify;
use super::{Check, Row, Verdict};
use crate::model::scenario::{Threshold, ThresholdOp};
use crate::report::summary::Summary;

/// One row per threshold, in the order given.
pub fn evaluate(thresholds: &[Threshold], summary: &Summary) -> Vec<Row> {
    thresholds
        .iter()
        .map(|t| evaluate_one(t, summary))
        .collect()
}

fn evaluate_one(t: &Threshold, summary: &Summary) -> Row {
    let unit = classify(&t.key).1;
    let limit = format!("{} {}", op_symbol(t.op), amount_exact(t.value, unit));
    let current = lookup(&t.key, summary);
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
            rollout: RolloutSummary {
                completed: 0,
                stages: vec![],
            },
            milestones: Vec::new(),
            load: None,
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
}
