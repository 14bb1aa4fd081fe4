//! The domain model: devices on their two paths, workloads and their authority, the rollout plan, availability
//! and the product timers. Nothing here knows of files, TOML or the terminal, nor of how the run counts what
//! devices do: they report it through [`record::Recorder`], in the model's own words ([`states`],
//! [`infrastructure`]).

pub mod action;
pub mod availability;
pub mod calendar;
pub mod device;
pub mod enrollment;
pub mod infrastructure;
pub mod inventory;
pub mod record;
pub mod rollout;
pub mod scenario;
pub mod schedule;
pub mod states;
pub mod time;
pub mod workload;

use crate::rng::SeedKey;
use rollout::pilot_bound;
use scenario::Scenario;
use time::Time;
use workload::{Authority, WorkloadSet};

/// Who a stage targets and what "switched" means for it, precomputed for the gate counts.
#[derive(Debug, Clone, Copy)]
pub struct StageTarget {
    /// Devices whose pilot rank is below this are targeted (`2^32` = everyone).
    pub pilot_below: u64,
    /// The stage's workloads.
    pub workloads: WorkloadSet,
    /// The authority it moves them to.
    pub authority: Authority,
}

/// A scenario with everything the hot path needs precomputed once per run.
#[derive(Debug, Clone)]
pub struct Model {
    /// The scenario.
    pub scenario: Scenario,
    /// Key material of the scenario seed.
    pub seeds: SeedKey,
    /// Per stage, who it targets.
    pub stage_targets: Vec<StageTarget>,
    /// OS builds with cumulative shares, ascending.
    os_cumulative: Vec<(u32, f64)>,
    /// The same for new hardware (path 2).
    os_cumulative_new: Vec<(u32, f64)>,
    /// The enrollment spread of path 1: as written, or scaled with the clients in scope
    /// (`scenario::auto_enrollment_spread`).
    pub enrollment_spread: Time,
    /// Whether any path-1 client may differ from the default prospect (in scope, device token, VPN, ready),
    /// so that its [`enrollment::Prospect`] must be drawn.
    pub prospects: bool,
    /// Per failure step (`FailureStep as usize`): its `[[failure]]` codes as (cumulative share, index in
    /// `scenario.failure_codes`), in file order.
    failure_edges: [Vec<(f64, usize)>; 3],
}

impl Model {
    /// Precomputes `scenario`.
    pub fn new(scenario: Scenario) -> Self {
        let stage_targets = scenario
            .stages
            .iter()
            .map(|s| StageTarget {
                pilot_below: match s.authority {
                    Authority::PilotIntune => pilot_bound(s.pilot),
                    _ => 1 << 32,
                },
                workloads: s.workloads,
                authority: s.authority,
            })
            .collect();
        let cumulative = |shares: &[(u32, f64)]| {
            let mut acc = 0.0;
            shares
                .iter()
                .map(|&(build, share)| {
                    acc += share;
                    (build, acc)
                })
                .collect()
        };
        let os_cumulative = cumulative(&scenario.fleet.attributes.os_build);
        let os_cumulative_new = cumulative(&scenario.fleet.new_attributes.os_build);
        let fleet = &scenario.fleet;
        let comanagement = &scenario.comanagement;
        // The clients in the automatic-enrollment scope, as expected from the shares.
        let clients = f64::from(fleet.devices)
            * fleet.existing_client_share
            * (1.0 - fleet.comanaged_at_start)
            * comanagement.scope_share();
        let enrollment_spread = scenario
            .timers
            .enrollment_spread
            .unwrap_or_else(|| scenario::auto_enrollment_spread(clients));
        let prospects = comanagement.auto_enrollment != scenario::AutoEnrollment::All
            || comanagement.user_token_share > 0.0
            || (fleet.vpn_share < 1.0 && fleet.internet_share > 0.0)
            || !fleet.readiness.is_none();
        let mut failure_edges: [Vec<(f64, usize)>; 3] = Default::default();
        for (index, f) in scenario.failure_codes.iter().enumerate() {
            let edges = &mut failure_edges[f.step as usize];
            let below = edges.last().map_or(0.0, |&(edge, _)| edge);
            edges.push((below + f.share, index));
        }
        Model {
            failure_edges,
            enrollment_spread,
            prospects,
            seeds: SeedKey::new(scenario.seed),
            scenario,
            stage_targets,
            os_cumulative,
            os_cumulative_new,
        }
    }

    /// The `[[failure]]` code (its index in `scenario.failure_codes`) device `id` hits at `step`, if any: one
    /// keyed draw per step, so codes change no other draw.
    pub fn failure_code(&self, id: u32, step: scenario::FailureStep) -> Option<usize> {
        let edges = &self.failure_edges[step as usize];
        if edges.is_empty() {
            return None;
        }
        let mut rng = self.seeds.stream(id, crate::rng::slot::FAILURE_CODE);
        let mut u = 0.0;
        for _ in 0..=step as usize {
            u = rng.uniform();
        }
        edges.iter().find(|&&(edge, _)| u < edge).map(|&(_, i)| i)
    }

    /// Whether `[[failure]]` code `index` fails an attempt at `t` that is the step's `attempt`-th (0: its
    /// first): a transient code its first attempt, a configuration error every attempt before its fix.
    pub fn code_fails(&self, index: usize, attempt: u16, t: time::Time) -> bool {
        let f = &self.scenario.failure_codes[index];
        match f.kind {
            scenario::FailureKind::Transient => attempt == 0,
            scenario::FailureKind::Configuration => f.fixed_at.is_none_or(|fix| t < fix),
        }
    }

    /// Whether `[[failure]]` code `index` is a configuration error never fixed: its device fails for good.
    pub fn code_is_permanent(&self, index: usize) -> bool {
        let f = &self.scenario.failure_codes[index];
        f.kind == scenario::FailureKind::Configuration && f.fixed_at.is_none()
    }

    /// What the inventory says of device `id` (`None`: no inventory, or an OS-deployment arrival).
    pub fn facts(&self, id: u32) -> Option<&inventory::DeviceFacts> {
        let fleet = &self.scenario.fleet;
        let facts = &fleet.inventory.as_ref()?.facts;
        if id >= fleet.devices || facts.is_empty() {
            return None;
        }
        let key = self.seeds.device_key(id);
        facts.get(inventory::row_of(id, fleet.devices, facts.len(), key))
    }

    /// The OS build for a uniform draw `u` (the last build absorbs rounding), of new hardware (path 2) or
    /// of an existing client.
    pub fn os_build(&self, u: f64, new_hardware: bool) -> u32 {
        let cumulative = if new_hardware {
            &self.os_cumulative_new
        } else {
            &self.os_cumulative
        };
        cumulative
            .iter()
            .find(|&&(_, cum)| u < cum)
            .or(cumulative.last())
            .map_or(0, |&(b, _)| b)
    }
}
