//! The CI regression gate: checks a run's `summary.json` against its thresholds and, given a baseline run,
//! flags every statistic that got worse by more than its limit. Clap-free and disk-free except for
//! [`input`]: the command (`cmd/gate.rs`) reads the files, this module decides, [`export`] renders bytes.

pub mod compare;
pub mod export;
pub mod input;
pub mod policy;
pub mod replicas;
pub mod threshold_eval;

use serde::Serialize;

/// What a row checks: a threshold of the scenario, or a statistic against the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// A `[thresholds]` entry.
    Threshold,
    /// A statistic compared with the baseline run.
    Regression,
}

/// The unit of a value, so that readers see durations in human units and counts with separators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Seconds (latency statistics).
    Seconds,
    /// A number of devices or samples.
    Count,
    /// 0 or 1 (`rollout.completed`).
    Flag,
    /// Requests per second (load peaks).
    Rate,
    /// A share of capacity (peak utilisation; 1 = 100 %).
    Utilisation,
}

/// The outcome of one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Holds (or within its limit).
    Pass,
    /// Fails the gate: exit code 1.
    Fail,
    /// Shown for context, never fails (e.g. the path mix, fixed by the scenario).
    Info,
}

/// One checked value: a line of the markdown table, a JUnit testcase, an entry of the JSON report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// Threshold or regression.
    pub check: Check,
    /// `"<metric>.<stat>"`, `"counts.<name>"`, `"rollout.completed"`, or a `load.`/`capacity.` value.
    pub key: String,
    /// Unit of `baseline` and `current`.
    pub unit: Unit,
    /// Baseline value (`null` for thresholds, or when the baseline has no samples).
    pub baseline: Option<f64>,
    /// Current value (`null` when the run has no samples).
    pub current: Option<f64>,
    /// Relative change (current − baseline) / baseline; `null` when undefined (a threshold, no samples, or a
    /// zero baseline).
    pub change: Option<f64>,
    /// The limit as a reader would write it (`"< 1.00d"`, `"+5% worse"`).
    pub limit: String,
    /// Pass, fail or info.
    pub verdict: Verdict,
    /// Why, in words (`"worse by 12.0% (limit 5%)"`).
    pub reason: String,
}

/// Everything the gate decided about one run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Scenario name of the current run.
    pub scenario: String,
    /// The current results folder, as given.
    pub current: String,
    /// The baseline folder, as given, if any.
    pub baseline: Option<String>,
    /// Differences between the runs' scenarios that `--allow-scenario-change` let through.
    pub scenario_changes: Vec<String>,
    /// Threshold rows (scenario order), then regression rows (key order).
    pub rows: Vec<Row>,
}

impl Report {
    /// Rows that fail the gate.
    pub fn failures(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| r.verdict == Verdict::Fail)
            .count()
    }

    /// The exit code: 0 when every row holds, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        u8::from(self.failures() > 0)
    }
}
