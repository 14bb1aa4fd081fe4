//! `summary.json`: the machine-readable result of a run — the contract the CI gate and other tools read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::engine::{FAILURE_CODE_PREFIX, Outcome, metric_at};
use crate::metrics::histogram::Distribution;
use crate::metrics::names::{Metric, has_rings, ring_metric_name, ring_slug};
use crate::metrics::tally::{FUNNEL_BASE, Funnel};
use crate::model::calendar::Start;
use crate::model::scenario::{Scenario, Threshold, ThresholdOp};

/// Version of the `summary.json` layout. Readers (the gate, `baseline save`) refuse any other value, so a file
/// from an incompatible cofleet is an error rather than a silently wrong comparison. Bump it when a field is
/// renamed, removed or changes meaning; adding a field keeps it.
pub const SCHEMA: u32 = 1;

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
        // One value per percentile asked.
        let at = d.percentiles(&[50.0, 90.0, 95.0, 99.0]);
        MetricStats {
            count: d.count(),
            mean: d.mean().map(|m| (m * 1000.0).round() / 1000.0),
            min: d.min(),
            p50: at[0],
            p90: at[1],
            p95: at[2],
            p99: at[3],
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
    /// `started_at_s` as an RFC 3339 date-time in the start's UTC offset.
    #[serde(default)]
    pub started_at_date: Option<String>,
    /// When its gate passed (`null` if it has no gate or did not pass).
    pub gate_passed_at_s: Option<u32>,
    /// `gate_passed_at_s` as a date-time.
    #[serde(default)]
    pub gate_passed_at_date: Option<String>,
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

/// What one `[[failure]]` code did in the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailureCount {
    /// Devices whose step failed with it (each counted once).
    pub devices: u64,
}

/// The whole `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Layout version ([`SCHEMA`]); the first field so that readers can check it before anything else.
    pub schema: u32,
    /// Scenario name.
    pub scenario: String,
    /// [`scenario_hash`] of the scenario that was run: two runs with the same hash simulated the same thing,
    /// so the gate compares them; different hashes mean a different scenario (or model parameters).
    pub scenario_hash: String,
    /// Seed.
    pub seed: u64,
    /// Fleet size.
    pub devices: u32,
    /// Simulated span in seconds.
    pub duration_s: u32,
    /// The wall-clock instant of t = 0 (the scenario's `start`), RFC 3339; every `..._date` is in its offset.
    #[serde(default)]
    pub start: String,
    /// The cofleet version that produced it.
    pub cofleet_version: String,
    /// Completion marker: `true` only in a summary written at the end of a finished run.
    pub complete: bool,
    /// Latency metrics by name.
    pub metrics: BTreeMap<String, MetricStats>,
    /// Devices per final state, per path, and permanent failures per step.
    pub counts: BTreeMap<String, u64>,
    /// Path-1 clients per state of the enrollment funnel at the end of the run (the timeline's last row).
    #[serde(default)]
    pub funnel: BTreeMap<String, u64>,
    /// Per `[[failure]]` code, the devices it hit (absent without codes).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub failures: BTreeMap<String, FailureCount>,
    /// The rollout's fate.
    pub rollout: RolloutSummary,
    /// When shares of the fleet, of each path and of each stage's target reached co-management, each
    /// workload on Intune and a compliance report (`report::milestones`).
    #[serde(default)]
    pub milestones: Vec<super::milestones::MilestoneRow>,
    /// Load on the infrastructure and the request-rate view (absent when load is not modelled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load: Option<super::load_out::LoadSummary>,
    /// Instances needed by Microsoft's published sizing, with their inputs (absent when load is not modelled:
    /// the client counts come from the load ledger).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<super::capacity_out::CapacitySummary>,
    /// The scenario's CI thresholds, key → `"<op> <value>"` with the value in seconds for durations (the
    /// form `[thresholds]` accepts), so that `cofleet gate` can check a results folder or a baseline without
    /// the scenario file.
    pub thresholds: BTreeMap<String, String>,
    /// Every simulated parameter of the scenario as run (the canonical form [`scenario_hash`] hashes:
    /// defaults filled in, name and thresholds left out), dotted path → value, so that `cofleet gate` can
    /// name the parameters that differ from a baseline's instead of two hashes. Absent in older summaries.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub scenario_parameters: BTreeMap<String, String>,
}

/// Every latency metric measured over each ring's devices, named `<metric>@<ring>`, in stage then metric
/// order: a device's ring is the first stage whose target contains it; the ring is the stage's name as
/// [`ring_slug`] writes it. Metrics without pooled samples, and queue delays (per request, not per device),
/// have none.
pub fn ring_metrics<'a>(
    scenario: &Scenario,
    outcome: &'a Outcome,
) -> impl Iterator<Item = (String, &'a Distribution)> + 'a {
    let slugs: Vec<String> = scenario.stages.iter().map(|s| ring_slug(&s.name)).collect();
    slugs
        .into_iter()
        .zip(&outcome.rings)
        .flat_map(move |(slug, ring)| {
            ring.iter().enumerate().filter_map(move |(i, d)| {
                let metric = metric_at(i);
                (has_rings(metric) && outcome.distributions[i].count() > 0)
                    .then(|| (ring_metric_name(metric, &slug), d))
            })
        })
}

impl Summary {
    /// Per stage's ring (its slug, in stage order), the latency metrics with samples there and their
    /// statistics (`<metric>@<ring>`; queue delays are pooled only): what the stdout table and the report show.
    pub fn ring_stats(&self) -> Vec<(String, Vec<(Metric, &MetricStats)>)> {
        self.rollout
            .stages
            .iter()
            .map(|stage| {
                let slug = ring_slug(&stage.name);
                let stats = Metric::all()
                    .into_iter()
                    .filter(|m| has_rings(*m))
                    .filter_map(|m| {
                        let st = self.metrics.get(&ring_metric_name(m, &slug))?;
                        (st.count > 0).then_some((m, st))
                    })
                    .collect();
                (slug, stats)
            })
            .collect()
    }

    /// The bucket layout this run's `load.csv` follows.
    pub fn load_layout(&self) -> super::load_out::LoadLayout {
        super::load_out::LoadLayout {
            bucket_s: self.load.as_ref().map(|l| l.bucket_s),
            duration_s: self.duration_s,
        }
    }

    /// Summarises a finished run.
    pub fn new(scenario: &Scenario, outcome: &Outcome) -> Self {
        let metrics = outcome
            .distributions
            .iter()
            .enumerate()
            .map(|(i, d)| (metric_at(i).name(), d))
            .chain(ring_metrics(scenario, outcome))
            .map(|(name, d)| (name, MetricStats::of(d)))
            .collect();
        let stages = scenario
            .stages
            .iter()
            .zip(&outcome.stages)
            .map(|(stage, status)| {
                let started = status.started_at();
                let passed = match status {
                    crate::model::rollout::StageStatus::Passed { at, .. } => *at,
                    _ => None,
                };
                StageSummary {
                    name: stage.name.clone(),
                    started_at_s: started,
                    started_at_date: started.map(|t| scenario.start.date(t)),
                    gate_passed_at_s: passed,
                    gate_passed_at_date: passed.map(|t| scenario.start.date(t)),
                    outcome: status.outcome(stage.gate.is_some()).to_string(),
                }
            })
            .collect();
        Summary {
            schema: SCHEMA,
            scenario: scenario.name.clone(),
            scenario_hash: scenario_hash(scenario),
            scenario_parameters: scenario_parameters(scenario),
            seed: scenario.seed,
            devices: scenario.fleet.total_devices(),
            duration_s: scenario.duration,
            start: scenario.start.to_string(),
            cofleet_version: env!("CARGO_PKG_VERSION").to_string(),
            complete: true,
            metrics,
            counts: outcome
                .counts
                .iter()
                .filter(|(k, _)| !k.starts_with(FAILURE_CODE_PREFIX))
                .map(|(k, &v)| (k.clone(), v))
                .collect(),
            failures: outcome
                .counts
                .iter()
                .filter_map(|(k, &devices)| {
                    let code = k.strip_prefix(FAILURE_CODE_PREFIX)?;
                    Some((code.to_string(), FailureCount { devices }))
                })
                .collect(),
            funnel: funnel_counts(outcome),
            rollout: RolloutSummary {
                completed: u8::from(outcome.completed),
                stages,
            },
            milestones: super::milestones::milestones(scenario, outcome),
            load: outcome
                .load
                .as_ref()
                .map(|l| super::load_out::load_summary(scenario, l)),
            capacity: outcome
                .load
                .as_ref()
                .map(|l| super::capacity_out::capacity_summary(scenario, l)),
            thresholds: scenario
                .thresholds
                .iter()
                .map(|t| (t.key.clone(), threshold_text(t)))
                .collect(),
        }
    }

    /// Pretty JSON with a trailing newline.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).expect("a summary always serialises");
        out.push(b'\n');
        out
    }
}

/// The enrollment funnel in the timeline's last row, by state name.
fn funnel_counts(outcome: &Outcome) -> BTreeMap<String, u64> {
    let last = outcome.timeline.last();
    Funnel::ALL
        .iter()
        .map(|&f| {
            let n = last.map_or(0, |row| row[FUNNEL_BASE + f as usize]);
            (f.name().to_string(), n.max(0) as u64)
        })
        .collect()
}

/// A threshold's right-hand side as `[thresholds]` accepts it: `"< 86400"`.
fn threshold_text(t: &Threshold) -> String {
    let op = match t.op {
        ThresholdOp::Lt => "<",
        ThresholdOp::Le => "<=",
        ThresholdOp::Gt => ">",
        ThresholdOp::Ge => ">=",
        ThresholdOp::Eq => "==",
    };
    format!("{op} {}", t.value)
}

/// A stable 64-bit fingerprint (16 hex digits) of what a scenario simulates.
///
/// Canonical form: the `Debug` rendering of the validated [`Scenario`] with `name` and `thresholds` blanked —
/// neither changes what is simulated, so renaming a scenario or tightening a threshold keeps its baselines
/// comparable. Everything else (seed, fleet, timers, failures, infrastructure, compliance, stages) is in it,
/// with defaults filled in, so a scenario file that only adds comments or spells a default out hashes the
/// same. Hash: FNV-1a 64, which is fixed by its definition (unlike `std`'s `DefaultHasher`). A new model
/// parameter changes every hash: re-run `scripts/update-baselines.sh` then.
pub fn scenario_hash(scenario: &Scenario) -> String {
    let mut canonical = canonical(scenario);
    // An inventory enters as its file, format and a digest of its rows' facts (not a million rows of text);
    // a scenario without one keeps the hash it had before inventories existed.
    let inventory = canonical.fleet.inventory.take();
    let mut text = format!("{canonical:?}").replacen(", inventory: None", "", 1);
    if let Some(inv) = inventory {
        text += &format!(
            " inventory: {:?} {} {:016x}",
            inv.file,
            inv.format,
            facts_digest(&inv.facts)
        );
    }
    // The default start is left out, so that a scenario written before `start` existed keeps its hash.
    let default_start = format!(" start: {:?},", Start::default());
    if scenario.start == Start::default() {
        text = text.replacen(&default_start, "", 1);
    }
    format!("{:016x}", fnv1a64(text.as_bytes()))
}

/// The scenario without what does not change the simulation (its name and thresholds).
fn canonical(scenario: &Scenario) -> Scenario {
    Scenario {
        name: String::new(),
        thresholds: Vec::new(),
        ..scenario.clone()
    }
}

/// Every leaf of the canonical scenario (see [`scenario_hash`]) as dotted path → value (`timers.policy_poll`
/// → `3600`, `stages.0.name` → `"pilot"`), read off its pretty `Debug` form so that a new model parameter is
/// listed without being named here. List elements are numbered from 0; `Some(…)` and tuple wrappers add no
/// segment.
pub fn scenario_parameters(scenario: &Scenario) -> BTreeMap<String, String> {
    // An inventory is one parameter, its file and format (its rows would be a million leaves).
    let mut canonical = canonical(scenario);
    let inventory = canonical.fleet.inventory.take();
    let text = format!("{canonical:#?}");
    // Frames: (segment, is a list, next element index).
    let mut stack: Vec<(String, bool, usize)> = Vec::new();
    let mut out = BTreeMap::new();
    let path = |stack: &[(String, bool, usize)], leaf: &str| -> String {
        stack
            .iter()
            .skip(1)
            .map(|f| f.0.as_str())
            .chain([leaf])
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(".")
    };
    for raw in text.lines() {
        let line = raw.trim();
        let line = line.strip_suffix(',').unwrap_or(line);
        if matches!(line, "}" | "]" | ")") {
            stack.pop();
            continue;
        }
        let (name, value) = match line.split_once(": ") {
            Some((n, v))
                if n.chars().all(|c| c.is_alphanumeric() || c == '_')
                    || (n.starts_with('"') && n.ends_with('"')) =>
            {
                (Some(n.trim_matches('"').to_string()), v)
            }
            _ => (None, line),
        };
        let in_list = stack.last().is_some_and(|f| f.1);
        let segment = match name {
            Some(n) => n,
            None if in_list => {
                let top = stack.last_mut().expect("in a list");
                top.2 += 1;
                (top.2 - 1).to_string()
            }
            None => String::new(),
        };
        if value.ends_with('{') || value.ends_with('[') || value.ends_with('(') {
            stack.push((segment, value.ends_with('['), 0));
        } else {
            out.insert(path(&stack, &segment), value.to_string());
        }
    }
    // Blanked in the canonical form: not parameters.
    out.remove("name");
    out.remove("thresholds");
    if let Some(inv) = inventory {
        out.insert(
            "fleet.inventory".into(),
            format!(
                "{:?} ({}, {:016x})",
                inv.file,
                inv.format,
                facts_digest(&inv.facts)
            ),
        );
    }
    out
}

/// A digest of the inventory's facts, one byte per fact (absent, no/yes or the value's index), the OS build
/// in full.
fn facts_digest(facts: &[crate::model::inventory::DeviceFacts]) -> u64 {
    let flag = |b: Option<bool>| b.map_or(0u8, |b| 1 + u8::from(b));
    let mut bytes = Vec::with_capacity(facts.len() * 12);
    for f in facts {
        bytes.extend_from_slice(&[
            f.path.map_or(0, |p| 1 + p as u8),
            flag(f.comanaged),
            flag(f.internet),
            f.profile.map_or(0, |p| 1 + p as u8),
            flag(f.bitlocker),
            flag(f.firewall),
            flag(f.defender),
            u8::from(f.os_build.is_some()),
        ]);
        bytes.extend_from_slice(&f.os_build.unwrap_or(0).to_le_bytes());
    }
    fnv1a64(&bytes)
}

fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_matches_the_published_test_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn the_hash_ignores_name_and_thresholds_but_not_parameters() {
        let text =
            "name = \"a\"\n[fleet]\ndevices = 10\n[thresholds]\n\"rollout.completed\" = \"== 1\"\n";
        let a = crate::scenario::parse(text, "a.toml").unwrap();
        let renamed =
            crate::scenario::parse("name = \"b\"\n[fleet]\ndevices = 10\n", "b.toml").unwrap();
        let other_seed =
            crate::scenario::parse("name = \"a\"\nseed = 1\n[fleet]\ndevices = 10\n", "c.toml")
                .unwrap();
        assert_eq!(scenario_hash(&a), scenario_hash(&renamed));
        assert_ne!(scenario_hash(&a), scenario_hash(&other_seed));
        assert_eq!(scenario_hash(&a).len(), 16);
    }
}
