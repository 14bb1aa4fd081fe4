//! `summary.json`: the machine-readable result of a run — the contract the CI gate and other tools read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::engine::{Outcome, metric_at};
use crate::metrics::histogram::Distribution;
use crate::model::scenario::Scenario;

/// Statistics of one latency metric, in seconds; all but `count` are `null` when there are no samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricStats {
    /// Number of samples (devices that went through the measured interval).
    pub count: u64,
    /// Exact mean (rounded to the millisecond).
    pub mean: Option<f64>,
    /// Exact minimum.
    pub min: Option<u64>,
    /// Median, from the histogram (≤ 0.1 % relative error).
    pub p50: Option<u64>,
    /// 90th percentile.
    pub p90: Option<u64>,
    /// 95th percentile.
    pub p95: Option<u64>,
    /// 99th percentile.
    pub p99: Option<u64>,
    /// Exact maximum.
    pub max: Option<u64>,
}

impl MetricStats {
    /// Statistics of a distribution.
    pub fn of(d: &Distribution) -> Self {
        MetricStats {
            count: d.count(),
            mean: d.mean().map(|m| (m * 1000.0).round() / 1000.0),
            min: d.min(),
            p50: d.percentile(50.0),
            p90: d.percentile(90.0),
            p95: d.percentile(95.0),
            p99: d.percentile(99.0),
            max: d.max(),
        }
    }
}

/// One stage's fate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageSummary {
    /// Stage name.
    pub name: String,
    /// When it started (`null` if it never did).
    pub started_at_s: Option<u32>,
    /// When its gate passed (`null` if it has no gate or did not pass).
    pub gate_passed_at_s: Option<u32>,
    /// `passed`, `no_gate`, `running`, `halted`, `rolled_back` or `not_started`.
    pub outcome: String,
}

/// The rollout's fate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RolloutSummary {
    /// 1 when every stage started and every gated stage passed, else 0.
    pub completed: u8,
    /// Stages in plan order.
    pub stages: Vec<StageSummary>,
}

/// The whole `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Seed.
    pub seed: u64,
    /// Fleet size.
    pub devices: u32,
    /// Simulated span in seconds.
    pub duration_s: u32,
    /// The cofleet version that produced it.
    pub cofleet_version: String,
    /// Completion marker: `true` only in a summary written at the end of a finished run.
    pub complete: bool,
    /// Latency metrics by name.
    pub metrics: BTreeMap<String, MetricStats>,
    /// Devices per final state, per path, and permanent failures per step.
    pub counts: BTreeMap<String, u64>,
    /// The rollout's fate.
    pub rollout: RolloutSummary,
    /// Load on the infrastructure and the headroom verdict (absent when load is not modelled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load: Option<super::load_out::LoadSummary>,
}

impl Summary {
    /// Summarises a finished run.
    pub fn new(scenario: &Scenario, outcome: &Outcome) -> Self {
        let metrics = outcome
            .distributions
            .iter()
            .enumerate()
            .map(|(i, d)| (metric_at(i).name(), MetricStats::of(d)))
            .collect();
        let stages = scenario
            .stages
            .iter()
            .zip(&outcome.stages)
            .map(|(stage, status)| StageSummary {
                name: stage.name.clone(),
                started_at_s: status.started_at(),
                gate_passed_at_s: match status {
                    crate::model::rollout::StageStatus::Passed { at, .. } => *at,
                    _ => None,
                },
                outcome: status.outcome(stage.gate.is_some()).to_string(),
            })
            .collect();
        Summary {
            scenario: scenario.name.clone(),
            seed: scenario.seed,
            devices: scenario.fleet.devices,
            duration_s: scenario.duration,
            cofleet_version: env!("CARGO_PKG_VERSION").to_string(),
            complete: true,
            metrics,
            counts: outcome.counts.clone(),
            rollout: RolloutSummary {
                completed: u8::from(outcome.completed),
                stages,
            },
            load: outcome
                .load
                .as_ref()
                .map(|l| super::load_out::load_summary(scenario, l)),
        }
    }

    /// Pretty JSON with a trailing newline.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).expect("a summary always serialises");
        out.push(b'\n');
        out
    }
}
