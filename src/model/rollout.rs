//! The rollout plan at run time: which authority each workload has had since when, which stages have started,
//! and the gate decisions.
//!
//! A stage moves its workloads when it starts: at its fixed `start`, or at the collection evaluation at which
//! the previous stage's gate passes. Gates are checked at every collection evaluation (every `collection_eval`,
//! MD collection-evaluation.md), from fleet-wide counts: they are the couplings between devices that the engine
//! resolves serially at epoch boundaries (docs/model.md, engine principle 4).
//!
//! What a device does with the plan: for each workload the *assignment* in force at time `t` says whether the
//! device should be on Intune. A `PilotIntune` assignment applies to members of the workload's pilot collection
//! only, and only from the first collection evaluation after the device is both co-managed and the stage has
//! started (membership becomes effective at evaluation, MD collection-evaluation.md). Pilot collections are
//! nested: a device's *pilot rank* is one uniform draw, and it is a member of every pilot whose share exceeds
//! it — as admins grow a pilot by adding devices to it.

use super::scenario::{OnFail, Stage};
use super::time::{NEVER, Time, ceil_to_grid};
use super::workload::{Authority, Workload, WorkloadSet};

/// One slider move: from `since` on, `workload` has `authority`, set by stage `stage`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assignment {
    /// When the move takes effect on the site.
    pub since: Time,
    /// New authority.
    pub authority: Authority,
    /// Pilot members are devices whose pilot rank is below this (`u32::MAX` ⇒ everyone for `Intune`).
    pub pilot_below: u64,
    /// Index of the stage that made the move.
    pub stage: usize,
}

/// The slider history of every workload, in order of `since`: all a device needs to know of the plan.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Per workload (index = `Workload::index`), moves in order of `since`.
    pub moves: [Vec<Assignment>; 7],
    /// The collection evaluation interval (pilot membership becomes effective on this grid).
    pub collection_eval: Time,
}

/// A device's view of the plan at one instant.
#[derive(Debug, Clone, Copy)]
pub struct Member {
    /// When the device became co-managed.
    pub comanaged_at: Time,
    /// Its pilot rank (uniform u32).
    pub pilot_rank: u32,
}

/// Converts a pilot share to the rank bound used by [`Assignment::pilot_below`].
pub fn pilot_bound(share: f64) -> u64 {
    if share >= 1.0 {
        1 << 32
    } else {
        (share * 4_294_967_296.0).floor() as u64
    }
}

impl Plan {
    /// An empty plan (every workload on ConfigMgr).
    pub fn new(collection_eval: Time) -> Self {
        Plan {
            moves: Default::default(),
            collection_eval,
        }
    }

    /// Records a move, keeping each workload's moves in order of `since` (a later move at the same instant
    /// wins).
    pub fn push(&mut self, workload: Workload, assignment: Assignment) {
        let list = &mut self.moves[workload.index()];
        let at = list.partition_point(|a| a.since <= assignment.since);
        list.insert(at, assignment);
    }

    /// The assignment of `workload` in force at `t`.
    fn active(&self, workload: Workload, t: Time) -> Option<&Assignment> {
        self.moves[workload.index()]
            .iter()
            .rev()
            .find(|a| a.since <= t)
    }

    /// When `assignment` applies to device `m` (or `None` if it never does).
    fn applies_from(&self, a: &Assignment, m: Member) -> Option<Time> {
        match a.authority {
            Authority::ConfigMgr => None,
            Authority::Intune => Some(a.since.max(m.comanaged_at)),
            Authority::PilotIntune => (u64::from(m.pilot_rank) < a.pilot_below)
                .then(|| ceil_to_grid(a.since.max(m.comanaged_at), self.collection_eval)),
        }
    }

    /// The set of workloads device `m` should have on Intune at `t`.
    pub fn desired(&self, m: Member, t: Time) -> WorkloadSet {
        let mut set = WorkloadSet::EMPTY;
        for w in Workload::ALL {
            if let Some(a) = self.active(w, t)
                && self.applies_from(a, m).is_some_and(|from| from <= t)
            {
                set.insert(w);
            }
        }
        set
    }

    /// The origin of a switch of `workload` at `t`: the later of the move's start and the device becoming
    /// co-managed (the origin of `switch_latency`).
    pub fn switch_origin(&self, workload: Workload, m: Member, t: Time) -> Time {
        self.active(workload, t)
            .map_or(m.comanaged_at, |a| a.since.max(m.comanaged_at))
    }

    /// The first instant at or after `t` at which the desired set differs from `current` ([`NEVER`] if the
    /// plan as known so far never asks for a change). Asked at every policy poll of every co-managed device,
    /// so it walks each workload's moves once: a workload's bit changes only where a move starts or where
    /// that move starts to apply to the device, so the first of those after `t` at which the bit differs
    /// from `current`'s, over the workloads, is the answer (a test holds it equal to evaluating the desired
    /// set at every such instant in turn).
    pub fn next_change(&self, m: Member, current: WorkloadSet, t: Time) -> Time {
        if self.desired(m, t) != current {
            return t;
        }
        let mut first = NEVER;
        for w in Workload::ALL {
            let on = current.contains(w);
            let list = &self.moves[w.index()];
            for (i, a) in list.iter().enumerate() {
                // `a` is in force over [a.since, end); a move followed by another at the same instant never is.
                let end = list.get(i + 1).map_or(NEVER, |b| b.since);
                if end <= t || end == a.since {
                    continue;
                }
                if a.since >= first {
                    break;
                }
                let from = self.applies_from(a, m);
                if a.since > t && from.is_some_and(|f| f <= a.since) != on {
                    first = a.since;
                    break;
                }
                if !on && let Some(f) = from.filter(|&f| f > t && f > a.since && f < end) {
                    first = first.min(f);
                    break;
                }
            }
        }
        first
    }
}

/// Fleet-wide counts a gate reads.
///
/// The counts a thread's tally holds are its part of the run's sum: a device counted in while one thread
/// stepped its chunk may be counted out while another does, so a part can go below zero. The parts wrap
/// (modulo 2^64) and their sum is exact — every total is a count of devices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GateCounts {
    /// Per stage: co-managed devices the stage targets (pilot members, or everyone for `Intune`).
    pub targeted: Vec<u64>,
    /// Per stage: targeted devices that have every workload of the stage on Intune.
    pub switched: Vec<u64>,
    /// Devices with a current compliance report.
    pub reported: u64,
    /// Of those, noncompliant.
    pub noncompliant: u64,
}

impl GateCounts {
    /// Zero counts for `stages` stages.
    pub fn new(stages: usize) -> Self {
        GateCounts {
            targeted: vec![0; stages],
            switched: vec![0; stages],
            reported: 0,
            noncompliant: 0,
        }
    }

    /// Adds `other` (counts are sums over chunks: the order of addition does not matter).
    pub fn add(&mut self, other: &GateCounts) {
        for (a, b) in self.targeted.iter_mut().zip(&other.targeted) {
            *a = a.wrapping_add(*b);
        }
        for (a, b) in self.switched.iter_mut().zip(&other.switched) {
            *a = a.wrapping_add(*b);
        }
        self.reported = self.reported.wrapping_add(other.reported);
        self.noncompliant = self.noncompliant.wrapping_add(other.noncompliant);
    }
}

/// Where a stage stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageStatus {
    /// Not started (yet).
    NotStarted,
    /// Started at `since`; its gate (if any) has not decided yet.
    Running {
        /// Start time.
        since: Time,
    },
    /// Gate passed (or no gate).
    Passed {
        /// Start time.
        since: Time,
        /// When the gate passed (`None` for a stage without a gate).
        at: Option<Time>,
    },
    /// Gate timed out with `on_fail = "halt"`.
    Halted {
        /// Start time.
        since: Time,
        /// When it timed out.
        at: Time,
    },
    /// Gate timed out with `on_fail = "rollback"`.
    RolledBack {
        /// Start time.
        since: Time,
        /// When it timed out and the workloads moved back.
        at: Time,
    },
}

impl StageStatus {
    /// Start time, if started.
    pub fn started_at(self) -> Option<Time> {
        match self {
            StageStatus::NotStarted => None,
            StageStatus::Running { since }
            | StageStatus::Passed { since, .. }
            | StageStatus::Halted { since, .. }
            | StageStatus::RolledBack { since, .. } => Some(since),
        }
    }

    /// The outcome word used in `summary.json`.
    pub fn outcome(self, has_gate: bool) -> &'static str {
        match self {
            StageStatus::NotStarted => "not_started",
            StageStatus::Running { .. } => "running",
            StageStatus::Passed { .. } if !has_gate => "no_gate",
            StageStatus::Passed { .. } => "passed",
            StageStatus::Halted { .. } => "halted",
            StageStatus::RolledBack { .. } => "rolled_back",
        }
    }
}

/// The rollout as it unfolds: stage statuses and the plan devices follow.
#[derive(Debug, Clone)]
pub struct Rollout {
    stages: Vec<Stage>,
    status: Vec<StageStatus>,
    halted: bool,
    plan: Plan,
}

impl Rollout {
    /// A rollout of `stages` with collection evaluations every `collection_eval`.
    pub fn new(stages: &[Stage], collection_eval: Time) -> Self {
        Rollout {
            stages: stages.to_vec(),
            status: vec![StageStatus::NotStarted; stages.len()],
            halted: false,
            plan: Plan::new(collection_eval),
        }
    }

    /// The plan devices follow.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Stage statuses, in stage order.
    pub fn status(&self) -> &[StageStatus] {
        &self.status
    }

    /// The stages.
    pub fn stages(&self) -> &[Stage] {
        &self.stages
    }

    /// Whether every stage started and every gated stage passed.
    pub fn completed(&self) -> bool {
        self.status
            .iter()
            .all(|s| matches!(s, StageStatus::Passed { .. }))
    }

    /// Whether a gate with a pending decision could still change the plan.
    pub fn has_pending_decisions(&self) -> bool {
        !self.halted
            && self
                .status
                .iter()
                .any(|s| matches!(s, StageStatus::NotStarted | StageStatus::Running { .. }))
    }

    /// The collection evaluation at `now` (an epoch boundary): checks running gates against `counts`, then
    /// starts every stage due before `next_boundary` (unless `may_start` is false: the run's last evaluation).
    /// Returns whether the plan changed (devices must be told).
    pub fn evaluate(
        &mut self,
        now: Time,
        next_boundary: Time,
        counts: &GateCounts,
        may_start: bool,
    ) -> bool {
        let mut changed = false;
        for i in 0..self.stages.len() {
            if let StageStatus::Running { since } = self.status[i]
                && now > since
            {
                changed |= self.check_gate(i, since, now, counts);
            }
            if may_start && self.status[i] == StageStatus::NotStarted && !self.halted {
                let due = match self.stages[i].start {
                    Some(start) => (start < next_boundary).then_some(start.max(now)),
                    None if i == 0 => Some(now),
                    None => match self.status[i - 1] {
                        StageStatus::Passed { at, since } => Some(at.unwrap_or(since).max(now)),
                        _ => None,
                    },
                };
                if let Some(since) = due {
                    self.start_stage(i, since);
                    changed = true;
                }
            }
        }
        changed
    }

    fn start_stage(&mut self, i: usize, since: Time) {
        let stage = &self.stages[i];
        let pilot_below = match stage.authority {
            Authority::PilotIntune => pilot_bound(stage.pilot),
            _ => 1 << 32,
        };
        for w in stage.workloads.iter() {
            self.plan.push(
                w,
                Assignment {
                    since,
                    authority: stage.authority,
                    pilot_below,
                    stage: i,
                },
            );
        }
        self.status[i] = if stage.gate.is_some() {
            StageStatus::Running { since }
        } else {
            StageStatus::Passed { since, at: None }
        };
    }

    /// Checks stage `i`'s gate at `now`; returns whether the plan changed (a rollback).
    fn check_gate(&mut self, i: usize, since: Time, now: Time, counts: &GateCounts) -> bool {
        let Some(gate) = self.stages[i].gate else {
            return false;
        };
        let age = now - since;
        let switched_ok = gate.min_switched.is_none_or(|min| {
            counts.targeted[i] > 0 && counts.switched[i] as f64 >= min * counts.targeted[i] as f64
        });
        let compliance_ok = gate.max_noncompliant.is_none_or(|max| {
            counts.reported > 0 && counts.noncompliant as f64 <= max * counts.reported as f64
        });
        if age >= gate.min_age && switched_ok && compliance_ok {
            self.status[i] = StageStatus::Passed {
                since,
                at: Some(now),
            };
            return false;
        }
        if gate.timeout.is_some_and(|timeout| age >= timeout) {
            self.halted = true;
            match gate.on_fail {
                OnFail::Halt => {
                    self.status[i] = StageStatus::Halted { since, at: now };
                    false
                }
                OnFail::Rollback => {
                    self.status[i] = StageStatus::RolledBack { since, at: now };
                    for w in self.stages[i].workloads.iter() {
                        self.plan.push(
                            w,
                            Assignment {
                                since: now,
                                authority: Authority::ConfigMgr,
                                pilot_below: 0,
                                stage: i,
                            },
                        );
                    }
                    true
                }
            }
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::scenario::Gate;
    use crate::model::time::{DAY, HOUR, MINUTE};

    fn stage(
        name: &str,
        start: Option<Time>,
        w: Workload,
        authority: Authority,
        pilot: f64,
    ) -> Stage {
        let mut set = WorkloadSet::EMPTY;
        set.insert(w);
        Stage {
            name: name.into(),
            start,
            workloads: set,
            listed: set,
            authority,
            pilot,
            gate: None,
        }
    }

    /// The desired set evaluated at every instant where it can change, in order: what
    /// [`Plan::next_change`] computes faster.
    fn next_change_by_candidates(plan: &Plan, m: Member, current: WorkloadSet, t: Time) -> Time {
        if plan.desired(m, t) != current {
            return t;
        }
        let mut candidates: Vec<Time> = Vec::new();
        for list in &plan.moves {
            for a in list {
                if a.since > t {
                    candidates.push(a.since);
                }
                if let Some(from) = plan.applies_from(a, m)
                    && from > t
                {
                    candidates.push(from);
                }
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        candidates
            .into_iter()
            .find(|&c| plan.desired(m, c) != current)
            .unwrap_or(NEVER)
    }

    /// Random plans (moves to Intune, to a pilot and back to ConfigMgr, some at the same instant), devices
    /// co-managed at any time with any pilot rank, and any moment: `next_change` finds what evaluating every
    /// candidate instant finds — also when the device's set is not the desired one, or differs from it in
    /// one workload.
    #[test]
    fn next_change_equals_evaluating_every_candidate() {
        let mut state = 5u64;
        let mut next = |bound: u64| {
            state = crate::rng::mix64(state);
            state % bound
        };
        // Times on a coarse grid, so that moves, co-management and the moment often coincide.
        for case in 0..20_000 {
            let mut plan = Plan::new(5 * MINUTE);
            for _ in 0..next(9) {
                let w = Workload::ALL[next(7) as usize];
                let authority = [
                    Authority::Intune,
                    Authority::PilotIntune,
                    Authority::ConfigMgr,
                ][next(3) as usize];
                plan.push(
                    w,
                    Assignment {
                        since: (next(8) as Time) * 30 * MINUTE,
                        authority,
                        pilot_below: next(1 << 33),
                        stage: 0,
                    },
                );
            }
            let m = Member {
                comanaged_at: [0, NEVER, (next(50) as Time) * 5 * MINUTE + next(2) as Time]
                    [next(3) as usize],
                pilot_rank: next(1 << 32) as u32,
            };
            let t = (next(60) as Time) * 5 * MINUTE + [0, 1, 299][next(3) as usize];
            let desired = plan.desired(m, t);
            let mut other = desired;
            let flip = Workload::ALL[next(7) as usize];
            if other.contains(flip) {
                other = WorkloadSet(other.0 & !(1 << flip.index()));
            } else {
                other.insert(flip);
            }
            for current in [desired, other] {
                assert_eq!(
                    plan.next_change(m, current, t),
                    next_change_by_candidates(&plan, m, current, t),
                    "case {case}: {plan:?} {m:?} at {t}, current {current:?}"
                );
            }
        }
    }

    #[test]
    fn pilot_membership_waits_for_collection_evaluation() {
        let mut plan = Plan::new(5 * MINUTE);
        plan.push(
            Workload::CompliancePolicies,
            Assignment {
                since: HOUR,
                authority: Authority::PilotIntune,
                pilot_below: pilot_bound(0.5),
                stage: 0,
            },
        );
        let member = Member {
            comanaged_at: HOUR + 61,
            pilot_rank: 10,
        };
        let outsider = Member {
            comanaged_at: 0,
            pilot_rank: u32::MAX,
        };
        assert_eq!(plan.desired(member, HOUR + 100), WorkloadSet::EMPTY);
        assert_eq!(
            plan.next_change(member, WorkloadSet::EMPTY, HOUR + 100),
            HOUR + 5 * MINUTE
        );
        assert_eq!(plan.next_change(outsider, WorkloadSet::EMPTY, 0), NEVER);
        assert_eq!(
            plan.switch_origin(Workload::CompliancePolicies, member, DAY),
            HOUR + 61
        );
    }

    #[test]
    fn gated_stages_follow_each_other_and_halt() {
        let mut s0 = stage(
            "a",
            Some(HOUR),
            Workload::CompliancePolicies,
            Authority::PilotIntune,
            0.1,
        );
        s0.gate = Some(Gate {
            min_switched: Some(0.9),
            max_noncompliant: None,
            min_age: HOUR,
            timeout: Some(DAY),
            on_fail: OnFail::Rollback,
        });
        let s1 = stage("b", None, Workload::ClientApps, Authority::Intune, 1.0);
        let mut r = Rollout::new(&[s0, s1], 5 * MINUTE);
        let mut counts = GateCounts::new(2);
        assert!(!r.evaluate(0, 300, &counts, true));
        assert!(r.evaluate(HOUR, HOUR + 300, &counts, true));
        assert_eq!(r.status()[0], StageStatus::Running { since: HOUR });
        counts.targeted[0] = 100;
        counts.switched[0] = 95;
        // Too young.
        assert!(!r.evaluate(HOUR + 300, HOUR + 600, &counts, true));
        // Old enough: passes and starts the next stage at once.
        assert!(r.evaluate(2 * HOUR, 2 * HOUR + 300, &counts, true));
        assert_eq!(
            r.status()[0],
            StageStatus::Passed {
                since: HOUR,
                at: Some(2 * HOUR)
            }
        );
        assert_eq!(
            r.status()[1],
            StageStatus::Passed {
                since: 2 * HOUR,
                at: None
            }
        );
        assert!(r.completed());
    }

    #[test]
    fn rollback_moves_workloads_back() {
        let mut s0 = stage(
            "a",
            Some(0),
            Workload::CompliancePolicies,
            Authority::Intune,
            1.0,
        );
        s0.gate = Some(Gate {
            min_switched: Some(1.0),
            max_noncompliant: None,
            min_age: 0,
            timeout: Some(HOUR),
            on_fail: OnFail::Rollback,
        });
        let s1 = stage(
            "b",
            Some(2 * HOUR),
            Workload::ClientApps,
            Authority::Intune,
            1.0,
        );
        let mut r = Rollout::new(&[s0, s1], 5 * MINUTE);
        let counts = GateCounts::new(2);
        r.evaluate(0, 300, &counts, true);
        let m = Member {
            comanaged_at: 0,
            pilot_rank: 0,
        };
        assert_eq!(
            r.plan().desired(m, 10).0,
            Workload::CompliancePolicies.bit()
        );
        assert!(r.evaluate(HOUR, HOUR + 300, &counts, true));
        assert_eq!(
            r.status()[0],
            StageStatus::RolledBack { since: 0, at: HOUR }
        );
        assert_eq!(r.plan().desired(m, HOUR), WorkloadSet::EMPTY);
        // Halted: the fixed-start stage never starts.
        r.evaluate(2 * HOUR, 2 * HOUR + 300, &counts, true);
        assert_eq!(r.status()[1], StageStatus::NotStarted);
        assert!(!r.completed());
    }
}
