//! Milestones: when 50, 90, 95 and 99 % of the fleet, of each path and of each stage's target were
//! co-managed, had each moved workload on Intune, and had reported compliance (`summary.json` → `milestones`).
//!
//! A milestone is the first hourly snapshot (the rows of `timeline.csv`) at which at least that share of the
//! group is in the state: a count of devices in the state at that instant, as the timeline counts them, so the
//! fleet's milestones are read off `timeline.csv` and the groups' are the same counts kept per group
//! (`metrics::tally`). The resolution is one hour: the share was reached in the hour before the snapshot.

use serde::{Deserialize, Serialize};

use crate::engine::Outcome;
use crate::metrics::tally::{
    AUTHORITY_BASE, COMPLIANCE_BASE, GROUP_COMANAGED, GROUP_EVENTS, GROUP_REPORTED, Milestone,
    group_workload,
};
use crate::model::calendar::Start;
use crate::model::record::Cohort;
use crate::model::scenario::Scenario;
use crate::model::time::{HOUR, Time};
use crate::model::workload::{Authority, Workload, WorkloadSet};

/// The shares a milestone is given for, in percent.
pub const PERCENTS: [u64; 4] = [50, 90, 95, 99];

/// Seconds between the snapshots milestones are read from.
pub const RESOLUTION_S: Time = HOUR;

/// The milestones of one group and one state. `reached_<percent>_s`: seconds from the start to the first hourly
/// snapshot at which that share of the group was in the state; `reached_<percent>_date`: the same instant as an
/// RFC 3339 date-time in the start's offset; both `null` when the share was not reached by the end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MilestoneRow {
    /// `fleet`, `path.<path>` or `stage.<stage name>` (the devices the stage targets).
    pub group: String,
    /// Devices in the group.
    pub devices: u64,
    /// `co_managed`, `intune.<workload>` (the workload on Intune) or `compliance_reported`.
    pub event: String,
    /// Share of the group in the state at the end of the run (4 decimals).
    pub final_share: f64,
    /// 50 %.
    pub reached_50_s: Option<u32>,
    /// 50 %, as a date-time.
    pub reached_50_date: Option<String>,
    /// 90 %.
    pub reached_90_s: Option<u32>,
    /// 90 %, as a date-time.
    pub reached_90_date: Option<String>,
    /// 95 %.
    pub reached_95_s: Option<u32>,
    /// 95 %, as a date-time.
    pub reached_95_date: Option<String>,
    /// 99 %.
    pub reached_99_s: Option<u32>,
    /// 99 %, as a date-time.
    pub reached_99_date: Option<String>,
}

impl MilestoneRow {
    /// (percent, time) per share of [`PERCENTS`], in that order.
    pub fn reached(&self) -> [(u64, Option<u32>); 4] {
        [
            (50, self.reached_50_s),
            (90, self.reached_90_s),
            (95, self.reached_95_s),
            (99, self.reached_99_s),
        ]
    }
}

/// The first snapshot at which `count(row)` reaches `need`.
fn first_row(rows: usize, need: u64, count: impl Fn(usize) -> i64) -> Option<usize> {
    (0..rows).find(|&r| count(r) >= need as i64)
}

/// The milestone rule: the time of the first of `rows` hourly snapshots at which `count(row)` holds at least
/// `percent` % of `devices` (whole devices: the share rounded up), `None` when none does.
pub fn reached_at(
    rows: usize,
    devices: u64,
    percent: u64,
    count: impl Fn(usize) -> i64,
) -> Option<Time> {
    let need = (percent * devices).div_ceil(100);
    first_row(rows, need, count).map(|r| r as Time * RESOLUTION_S)
}

fn row(
    start: &Start,
    group: String,
    devices: u64,
    event: String,
    rows: usize,
    count: impl Fn(usize) -> i64,
) -> MilestoneRow {
    let last = rows.checked_sub(1).map_or(0, &count).max(0) as f64;
    let at = |percent: u64| reached_at(rows, devices, percent, &count);
    let date = |t: Option<Time>| t.map(|t| start.date(t));
    let [a, b, c, d] = PERCENTS.map(at);
    MilestoneRow {
        group,
        devices,
        event,
        final_share: (last / devices as f64 * 10_000.0).round() / 10_000.0,
        reached_50_s: a,
        reached_50_date: date(a),
        reached_90_s: b,
        reached_90_date: date(b),
        reached_95_s: c,
        reached_95_date: date(c),
        reached_99_s: d,
        reached_99_date: date(d),
    }
}

/// The workloads some stage moves to Intune (for everyone or a pilot): the others are never on Intune.
fn moved(scenario: &Scenario) -> WorkloadSet {
    let mut set = WorkloadSet::EMPTY;
    for stage in &scenario.stages {
        if stage.authority != Authority::ConfigMgr {
            for w in Workload::ALL {
                if stage.workloads.contains(w) {
                    set.insert(w);
                }
            }
        }
    }
    set
}

/// Every milestone of a run: the fleet, then each path with devices, then each stage's target; per group,
/// co-managed, each workload on Intune (the fleet and paths: the workloads some stage moves; a stage: its
/// own), compliance reported.
pub fn milestones(scenario: &Scenario, outcome: &Outcome) -> Vec<MilestoneRow> {
    let start = &scenario.start;
    let rows = outcome.timeline.len();
    let fleet = u64::from(scenario.fleet.total_devices());
    let moved = moved(scenario);
    let mut out = Vec::new();
    if fleet > 0 {
        let t = &outcome.timeline;
        let group = || "fleet".to_string();
        out.push(row(start, group(), fleet, "co_managed".into(), rows, |r| {
            t[r][Milestone::CoManaged as usize]
        }));
        for w in Workload::ALL.into_iter().filter(|&w| moved.contains(w)) {
            out.push(row(
                start,
                group(),
                fleet,
                format!("intune.{}", w.name()),
                rows,
                |r| t[r][AUTHORITY_BASE + w.index()],
            ));
        }
        out.push(row(
            start,
            group(),
            fleet,
            "compliance_reported".into(),
            rows,
            |r| t[r][COMPLIANCE_BASE..COMPLIANCE_BASE + 3].iter().sum(),
        ));
    }
    let groups = Cohort::PATHS
        .iter()
        .map(|p| (format!("path.{p}"), moved))
        .chain(scenario.stages.iter().map(|s| {
            let own = if s.authority == Authority::ConfigMgr {
                WorkloadSet::EMPTY
            } else {
                s.workloads
            };
            (format!("stage.{}", s.name), own)
        }));
    for (g, (group, workloads)) in groups.enumerate() {
        let devices = outcome.group_sizes.get(g).copied().unwrap_or(0);
        if devices == 0 {
            continue;
        }
        let column = |event: usize| &outcome.groups[g * GROUP_EVENTS + event];
        let events = std::iter::once(("co_managed".to_string(), GROUP_COMANAGED))
            .chain(
                Workload::ALL
                    .into_iter()
                    .filter(|&w| workloads.contains(w))
                    .map(|w| (format!("intune.{}", w.name()), group_workload(w))),
            )
            .chain(std::iter::once((
                "compliance_reported".to_string(),
                GROUP_REPORTED,
            )));
        for (event, index) in events {
            let c = column(index);
            out.push(row(start, group.clone(), devices, event, rows, |r| c[r]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_milestone_is_the_first_snapshot_at_or_above_the_share() {
        let counts = [0i64, 40, 50, 89, 90, 94, 93];
        let r = row(&Start::default(), "g".into(), 100, "e".into(), 7, |i| {
            counts[i]
        });
        let at: Vec<Option<u32>> = r.reached().iter().map(|x| x.1).collect();
        assert_eq!(at, vec![Some(2 * HOUR), Some(4 * HOUR), None, None]);
        assert_eq!(r.final_share, 0.93);
        assert_eq!(r.reached_50_date.as_deref(), Some("2027-01-04T02:00:00Z"));
        assert_eq!(r.reached_95_date, None);
        // 95 % of 3 devices is all 3 (rounded up), never 2.
        let r = row(&Start::default(), "g".into(), 3, "e".into(), 2, |i| {
            [2i64, 3][i]
        });
        assert_eq!(r.reached_95_s, Some(HOUR));
    }
}
