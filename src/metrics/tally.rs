//! What one chunk of devices records while it steps: latency samples, timeline transitions and gate counts.
//!
//! Everything here is a sum or a multiset, so merging chunk tallies in any order gives the same result; the
//! engine still merges in chunk order (docs/model.md, engine principle 3). Timelines are difference arrays over hourly
//! snapshots (principle 6): a transition at `t` changes every snapshot at or after `t`.

use super::names::METRIC_COUNT;
use crate::model::record::Cohort;
use crate::model::rollout::GateCounts;
use crate::model::time::{DAY, HOUR, Time};
use crate::model::workload::Workload;

/// The device states the timeline counts devices in: the model's, named here too for the readers of the
/// timeline's columns.
pub use crate::model::states::{CaState, ComplianceState, Funnel, HealthState, Milestone};

/// Number of milestone columns.
pub const MILESTONE_COLUMNS: usize = Milestone::ALL.len();
/// First Intune-authority column (one per workload).
pub const AUTHORITY_BASE: usize = MILESTONE_COLUMNS;
/// First reported-compliance column (compliant, in grace, noncompliant).
pub const COMPLIANCE_BASE: usize = AUTHORITY_BASE + 7;
/// First conditional-access column (ready, blocked).
pub const CA_BASE: usize = COMPLIANCE_BASE + 3;

/// First client-health column (healthy, unhealthy).
pub const HEALTH_BASE: usize = CA_BASE + 2;

/// First enrollment-funnel column (one per [`Funnel`] state, path-1 clients only).
pub const FUNNEL_BASE: usize = HEALTH_BASE + 2;

/// Timeline columns tracked by difference arrays: milestones, Intune authority per workload, the three
/// reported compliance states, the two conditional-access states, the two visible client-health states
/// (unknown is derived as the rest) and the enrollment funnel's states.
pub const TRACKED_COLUMNS: usize = FUNNEL_BASE + Funnel::ALL.len();

/// Events counted per group of devices (a path, a stage's target), for the milestones: co-managed, each
/// workload on Intune, compliance reported — each a count of devices in that state, like the timeline's.
pub const GROUP_EVENTS: usize = 9;
/// Group event: co-managed.
pub const GROUP_COMANAGED: usize = 0;
/// Group event: compliance reported (compliant, in grace or noncompliant).
pub const GROUP_REPORTED: usize = 8;

/// The group event of `w` on Intune.
pub fn group_workload(w: Workload) -> usize {
    1 + w.index()
}

/// Groups counted for a run of `stages` stages: the paths (`Cohort::PATHS`), then the stages' targets.
pub fn group_count(stages: usize) -> usize {
    Cohort::PATHS.len() + stages
}

fn milestone_col(m: Milestone) -> usize {
    m as usize
}

fn authority_col(w: Workload) -> usize {
    AUTHORITY_BASE + w.index()
}

fn compliance_col(c: ComplianceState) -> Option<usize> {
    match c {
        ComplianceState::Unknown => None,
        ComplianceState::Compliant => Some(COMPLIANCE_BASE),
        ComplianceState::InGrace => Some(COMPLIANCE_BASE + 1),
        ComplianceState::Noncompliant => Some(COMPLIANCE_BASE + 2),
    }
}

fn ca_col(c: CaState) -> Option<usize> {
    match c {
        CaState::Unknown => None,
        CaState::Ready => Some(CA_BASE),
        CaState::Blocked => Some(CA_BASE + 1),
    }
}

fn health_col(h: HealthState) -> Option<usize> {
    match h {
        HealthState::Unknown => None,
        HealthState::Healthy => Some(HEALTH_BASE),
        HealthState::Unhealthy => Some(HEALTH_BASE + 1),
    }
}

/// Per remote action (in scenario order): devices targeted and reached within 1 h, within 1 d, at all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ActionCounts {
    /// Co-managed devices the action was sent to.
    pub targeted: u64,
    /// Devices that acted within 1 h of `at`.
    pub within_1h: u64,
    /// Devices that acted within 1 d of `at`.
    pub within_1d: u64,
    /// Devices that acted before the end of the run.
    pub reached: u64,
}

impl ActionCounts {
    /// A device targeted by the action, acting `latency` after its `at` (`None`: not before the end of the
    /// run).
    pub fn record(&mut self, latency: Option<Time>) {
        self.targeted += 1;
        if let Some(latency) = latency {
            self.reached += 1;
            self.within_1h += u64::from(latency <= HOUR);
            self.within_1d += u64::from(latency <= DAY);
        }
    }
}

/// One chunk's records.
#[derive(Debug, Clone)]
pub struct Tally {
    rows: usize,
    diff: Vec<i32>,
    /// Latency samples per ring and metric (index `slot · METRIC_COUNT + Metric::index`, slot 0: devices no
    /// stage targets, slot `r + 1`: ring `r`, the first stage whose target contains the device), in
    /// seconds, not yet folded into the run's distributions (the engine folds them at epoch boundaries to bound memory; see `engine::SampleFold`).
    pub samples: Vec<Vec<u32>>,
    /// Samples currently held in `samples`, over all metrics (so the engine need not walk every Vec to know).
    pub buffered: usize,
    /// Counts the rollout gates read.
    pub gate: GateCounts,
    /// Per remote action, in scenario order.
    pub actions: Vec<ActionCounts>,
    /// Devices per `[[failure]]` code, in scenario order (grown as codes are hit).
    pub failure_codes: Vec<u64>,
    /// Difference arrays per group and group event (index `(group · GROUP_EVENTS + event) · rows + row`).
    group_diff: Vec<i32>,
    /// The groups of the device whose events are being recorded (bit `g`: group `g`).
    groups: u64,
    /// Where the samples of the device whose events are being recorded start in `samples` (its slot
    /// · `METRIC_COUNT`).
    slot_base: usize,
}

impl Tally {
    /// An empty tally for a run of `duration` seconds and `stages` stages.
    pub fn new(duration: Time, stages: usize) -> Self {
        let rows = timeline_rows(duration);
        Tally {
            rows,
            diff: vec![0; TRACKED_COLUMNS * rows],
            samples: vec![Vec::new(); METRIC_COUNT * (stages + 1)],
            buffered: 0,
            gate: GateCounts::new(stages),
            actions: Vec::new(),
            failure_codes: Vec::new(),
            group_diff: vec![0; group_count(stages) * GROUP_EVENTS * rows],
            groups: 0,
            slot_base: 0,
        }
    }

    /// The events that follow are those of a device of `cohort`.
    #[inline]
    pub fn device(&mut self, cohort: Cohort) {
        self.groups = 1 << cohort.path | cohort.stages << Cohort::PATHS.len();
        self.slot_base = cohort.ring().map_or(0, |r| r + 1) * METRIC_COUNT;
    }

    fn group_shift(&mut self, t: Time, event: usize, delta: i32) {
        let row = t.div_ceil(HOUR) as usize;
        if row >= self.rows {
            return;
        }
        let mut groups = self.groups;
        while groups != 0 {
            let g = groups.trailing_zeros() as usize;
            self.group_diff[(g * GROUP_EVENTS + event) * self.rows + row] += delta;
            groups &= groups - 1;
        }
    }

    fn shift(&mut self, t: Time, col: usize, delta: i32) {
        let row = t.div_ceil(HOUR) as usize;
        if row < self.rows {
            self.diff[col * self.rows + row] += delta;
        }
    }

    /// Records a latency sample.
    pub fn sample(&mut self, metric: usize, seconds: Time) {
        self.samples[self.slot_base + metric].push(seconds);
        self.buffered += 1;
    }

    /// A device reached milestone `to` at `t` (coming from `from`, or newly counted).
    pub fn milestone(&mut self, t: Time, from: Option<Milestone>, to: Milestone) {
        if let Some(from) = from {
            self.shift(t, milestone_col(from), -1);
            if from == Milestone::CoManaged {
                self.group_shift(t, GROUP_COMANAGED, -1);
            }
        }
        self.shift(t, milestone_col(to), 1);
        if to == Milestone::CoManaged {
            self.group_shift(t, GROUP_COMANAGED, 1);
        }
    }

    /// A path-1 client moved in the enrollment funnel at `t`.
    pub fn funnel(&mut self, t: Time, from: Option<Funnel>, to: Option<Funnel>) {
        if let Some(from) = from {
            self.shift(t, FUNNEL_BASE + from as usize, -1);
        }
        if let Some(to) = to {
            self.shift(t, FUNNEL_BASE + to as usize, 1);
        }
    }

    /// A device moved `w` to Intune (`+1`) or back to ConfigMgr (`-1`) at `t`.
    pub fn authority(&mut self, t: Time, w: Workload, delta: i32) {
        self.shift(t, authority_col(w), delta);
        self.group_shift(t, group_workload(w), delta);
    }

    /// A device's reported compliance changed at `t`.
    pub fn compliance(&mut self, t: Time, from: ComplianceState, to: ComplianceState) {
        let reported = |c| i32::from(c != ComplianceState::Unknown);
        let delta = reported(to) - reported(from);
        if delta != 0 {
            self.group_shift(t, GROUP_REPORTED, delta);
        }
        if let Some(c) = compliance_col(from) {
            self.shift(t, c, -1);
        }
        if let Some(c) = compliance_col(to) {
            self.shift(t, c, 1);
        }
    }

    /// What conditional access does with a device changed at `t`.
    pub fn ca(&mut self, t: Time, from: CaState, to: CaState) {
        if from == to {
            return;
        }
        if let Some(c) = ca_col(from) {
            self.shift(t, c, -1);
        }
        if let Some(c) = ca_col(to) {
            self.shift(t, c, 1);
        }
    }

    /// A device's client health as Intune shows it changed at `t`.
    pub fn health(&mut self, t: Time, from: HealthState, to: HealthState) {
        if from == to {
            return;
        }
        if let Some(c) = health_col(from) {
            self.shift(t, c, -1);
        }
        if let Some(c) = health_col(to) {
            self.shift(t, c, 1);
        }
    }

    /// Counters of remote action `index` (grown on first use).
    pub fn action(&mut self, index: usize) -> &mut ActionCounts {
        if self.actions.len() <= index {
            self.actions.resize(index + 1, ActionCounts::default());
        }
        &mut self.actions[index]
    }
}

impl Tally {
    /// Forgets the buffered samples (after they were folded), releasing their memory.
    pub fn clear_samples(&mut self) {
        for s in &mut self.samples {
            *s = Vec::new();
        }
        self.buffered = 0;
    }
}

/// The merged timeline of several chunk tallies (of one run) as counts: one row per hourly snapshot, row `h`
/// being the state at `h` hours.
pub fn merged_timeline<'a>(
    tallies: impl IntoIterator<Item = &'a Tally>,
) -> Vec<[i64; TRACKED_COLUMNS]> {
    let mut rows: Vec<[i64; TRACKED_COLUMNS]> = Vec::new();
    for tally in tallies {
        if rows.is_empty() {
            rows = vec![[0; TRACKED_COLUMNS]; tally.rows];
        }
        for (col, diffs) in tally.diff.chunks_exact(tally.rows).enumerate() {
            for (row, d) in diffs.iter().enumerate() {
                rows[row][col] += i64::from(*d);
            }
        }
    }
    for row in 1..rows.len() {
        let previous = rows[row - 1];
        for (value, before) in rows[row].iter_mut().zip(previous) {
            *value += before;
        }
    }
    rows
}

/// The merged per-group counts of several chunk tallies (of one run): per group and group event (index
/// `group · GROUP_EVENTS + event`), one count per hourly snapshot, as [`merged_timeline`].
pub fn merged_groups<'a>(tallies: impl IntoIterator<Item = &'a Tally>) -> Vec<Vec<i64>> {
    let mut columns: Vec<Vec<i64>> = Vec::new();
    for tally in tallies {
        if columns.is_empty() {
            columns = vec![vec![0; tally.rows]; tally.group_diff.len() / tally.rows.max(1)];
        }
        for (column, diffs) in columns
            .iter_mut()
            .zip(tally.group_diff.chunks_exact(tally.rows))
        {
            for (v, d) in column.iter_mut().zip(diffs) {
                *v += i64::from(*d);
            }
        }
    }
    for column in &mut columns {
        for row in 1..column.len() {
            column[row] += column[row - 1];
        }
    }
    columns
}

/// Hourly snapshots from t = 0 to the end inclusive.
pub fn timeline_rows(duration: Time) -> usize {
    (duration / HOUR) as usize + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_show_from_the_next_snapshot_on() {
        let mut t = Tally::new(3 * HOUR, 1);
        t.milestone(0, None, Milestone::NotStarted);
        t.milestone(HOUR, Some(Milestone::NotStarted), Milestone::Joined);
        t.milestone(HOUR + 1, Some(Milestone::Joined), Milestone::Enrolled);
        let rows = merged_timeline([&t]);
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0][1], 1);
        assert_eq!(rows[1][1], 0);
        assert_eq!(rows[1][2], 1);
        assert_eq!(rows[2][2], 0);
        assert_eq!(rows[2][3], 1);
        assert_eq!(rows[3][3], 1);
    }

    #[test]
    fn an_action_counts_its_targets_and_when_they_acted() {
        let mut c = ActionCounts::default();
        c.record(Some(HOUR));
        c.record(Some(HOUR + 1));
        c.record(Some(DAY + 1));
        c.record(None);
        assert_eq!(
            c,
            ActionCounts {
                targeted: 4,
                within_1h: 1,
                within_1d: 2,
                reached: 3,
            }
        );
    }

    #[test]
    fn group_counts_follow_the_device_being_recorded() {
        let mut t = Tally::new(3 * HOUR, 2);
        t.device(Cohort {
            path: 1,
            stages: 0b10,
        });
        t.milestone(HOUR, Some(Milestone::Enrolled), Milestone::CoManaged);
        t.authority(HOUR + 5, Workload::ALL[2], 1);
        t.compliance(
            2 * HOUR,
            ComplianceState::Unknown,
            ComplianceState::Compliant,
        );
        t.device(Cohort { path: 0, stages: 0 });
        t.milestone(0, None, Milestone::CoManaged);
        t.milestone(2 * HOUR, Some(Milestone::CoManaged), Milestone::Retired);
        let g = merged_groups([&t]);
        assert_eq!(g.len(), group_count(2) * GROUP_EVENTS);
        let col = |group: usize, event: usize| g[group * GROUP_EVENTS + event].clone();
        assert_eq!(col(0, GROUP_COMANAGED), vec![1, 1, 0, 0]);
        assert_eq!(col(1, GROUP_COMANAGED), vec![0, 1, 1, 1]);
        assert_eq!(col(4, GROUP_COMANAGED), vec![0, 1, 1, 1]);
        assert_eq!(col(3, GROUP_COMANAGED), vec![0; 4]);
        assert_eq!(col(4, group_workload(Workload::ALL[2])), vec![0, 0, 1, 1]);
        assert_eq!(col(1, GROUP_REPORTED), vec![0, 0, 1, 1]);
        assert_eq!(col(2, GROUP_REPORTED), vec![0; 4]);
    }
}
