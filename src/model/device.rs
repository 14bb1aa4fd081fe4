//! One virtual device: its compact hot state and its state machine along either path to co-management, then
//! its workload switches and compliance reports.
//!
//! **Path 1, existing ConfigMgr client** (MD memdocs/configmgr/comanage/quickstart-paths.md), in the product's
//! order (docs/model.md §1.1): co-management is enabled at t = 0. Hybrid Azure AD join is its own
//! prerequisite, driven by the client setting rather than by co-management, so it starts at the device's first
//! online moment: the first registration attempt writes the device's certificate to its AD computer object and
//! fails; the object reaches Azure AD at the next Azure AD Connect sync cycle; the hourly Automatic-Device-Join
//! task then retries until an attempt succeeds (SA troubleshoot-co-management-auto-enrolling.md, error
//! 0x801c03f2). Meanwhile the device's first ConfigMgr policy poll brings the co-management policy, and
//! ConfigMgr queues the enrollment timer at a uniform random point of `enrollment_spread` after it (MD
//! includes/enable-co-management-1906-2107.md, "Queuing enrollment timer to fire at"). Enrollment starts at
//! the later of the timer and the join: a device that becomes eligible after its timer fired enrolls at once.
//! ConfigMgr enrolls it in Intune: `enrollment_attempts` attempts `enrollment_retry` apart, then a wait for the
//! next machine policy evaluation before the next round. The co-management policy is already present, so the
//! device is co-managed when its enrollment succeeds (MD how-to-monitor.md: MDMEnrolled and
//! ComgmtPolicyPresent). What the enrollment meets on the device — its scope, a device token that falls back to
//! the user's ("Pending user sign in"), a VPN for the join, its readiness at t = 0 — is its
//! [`Prospect`](super::enrollment::Prospect) (docs/model.md, co-management enrollment).
//!
//! **Path 2, new internet device** (MD quickstart-paths.md, autopilot-enrollment.md): the device arrives and
//! is first switched on in one of its online windows; Autopilot joins it to Azure AD and enrolls it in Intune
//! (a failed attempt is retried after `enrollment_retry`); the Enrollment Status Page then installs the
//! ConfigMgr client through the CMG, which registers and applies the co-management policy. An install attempt
//! that fails, or takes longer than `esp_timeout`, ends at the ESP timeout and is retried. During provisioning
//! the user is at the device, so it is online until the ESP finishes.
//!
//! **Workloads.** A co-managed device moves a workload to the authority the rollout plan asks for at its first
//! ConfigMgr policy poll after it is targeted (MD how-to-switch-workloads.md, and the chain in docs/model.md §2);
//! the poll that makes it co-managed already carries the current workload settings. When the compliance
//! workload moves to Intune the policy arrives at its next Intune check-in — at once with `sync_on_switch`
//! (MD how-to-switch-workloads.md: switching "automatically synchronize\[s\] MDM policy") — and the device
//! reports an evaluation delay later. Its own state then changes: a drawn fix (BitLocker seen only after a
//! restart) and a raised OS minimum, each reported at the check-in after it (docs/model.md, Compliance
//! mechanics).
//!
//! **Client health** (docs/model.md §1.2): Intune shows a co-managed device's ConfigMgr client health from the
//! registry's `ClientHealthStatus`: healthy if the status is 7 and `ClientHealthLastSyncTime` is at most 30 days
//! old, otherwise healthy only if `LastSyncTime` is at most 48 h old. Nothing of it is stored: it is derived
//! from the device's check-in schedule, a pure function of its phase and online windows
//! (`Device::health_changes`).
//!
//! **Permanent failures**: a device drawn to fail (`failures.permanent`) fails at the first attempt of one of its
//! path's two retried steps (chosen evenly), and never finishes.

use super::Model;
use super::action::{Action, ActionKind, ActionTarget, PUSH_ACT_WINDOW, graph_issue};
use super::availability::{Online, Profile};
use super::calendar::office_hours_resume;
use super::enrollment::{Prospect, Readiness, user_sign_in};
use super::infrastructure::{Component, Pressure, Request};
use super::record::{Cohort, Latency, Recorder};
use super::rollout::{Member, Plan};
use super::scenario::{
    CompliancePolicy, FailureStep, PhaseMode, SOFTWARE_UPDATE_SCAN_RANDOM_DELAY,
};
use super::schedule::{Jittered, MdmSchedule, Periodic, next_run};
use super::states::{CaState, ComplianceState, Funnel, HealthState, Milestone};
use super::time::{DAY, HOUR, MINUTE, NEVER, Time, after};
use super::workload::{Authority, Workload, WorkloadSet};
use crate::rng::{DeviceStream, day_hash, mix64, slot};

/// The two paths to co-management.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    /// An existing ConfigMgr client: hybrid Azure AD join, then Intune auto-enrollment.
    ExistingClient,
    /// A new internet-based device: Autopilot / Azure AD join, Intune, then the ConfigMgr client via the CMG.
    NewInternet,
}

/// Where a device is in its state machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Path 2: not delivered yet; the next event is its first boot.
    NotArrived,
    /// Path 1: waiting for its scheduled auto-enrollment.
    Scheduled,
    /// Path 1: an inactive ConfigMgr client; the next event is its return.
    Inactive,
    /// Path 1: already enrolled in Intune; the next event is the policy poll that brings the co-management
    /// policy ([`NEVER`] outside the enrollment scope).
    AwaitingPolicy,
    /// Path 1: the device-token enrollment failed; the next event is the user's sign-in, which enrolls it with
    /// the user token.
    PendingUserSignIn,
    /// Path 1: joined, but never enrolled by co-management (outside the enrollment scope, or an unhealthy
    /// client).
    Idle,
    /// Path 1: skipped by co-management (a server).
    Excluded,
    /// Path 1: hybrid Azure AD join in progress; the next event is a registration attempt.
    HybridJoining,
    /// MDM enrollment in progress; the next event is an attempt.
    Enrolling,
    /// Path 2: a client install attempt that will succeed ends at the next event.
    Installing,
    /// Path 2: a client install attempt that will fail ends (at the ESP timeout) at the next event.
    InstallFailing,
    /// Co-managed; the next event is a policy poll or Intune check-in that matters.
    CoManaged,
    /// A permanent configuration error: the device never finishes its path.
    Failed,
    /// Taken out of management by a `retire` remote action that also took it out of the co-management
    /// collection.
    Retired,
    /// Retired by a `retire` remote action but still in the co-management collection: the next event is a
    /// ConfigMgr-driven enrollment attempt (its next policy poll re-evaluates the co-management policy).
    ReEnrolling,
}

/// A co-managed device's pending remote action (held in `attempt`): a wipe.
const PENDING_WIPE: u16 = 1;
/// A retire of a device that stays in the co-management collection (it re-enrolls).
const PENDING_RETIRE: u16 = 2;
/// A retire of a device that also leaves the co-management collection.
const PENDING_RETIRE_AND_LEAVE: u16 = 3;

/// Flag bit: the device meets the compliance policy.
const COMPLIANT: u8 = 1;
/// Flag bits 1–2: the step (1 or 2 of its path) at which the device fails permanently; 0 = never.
const FAIL_STEP_SHIFT: u8 = 1;
/// Flag bit: the device's ConfigMgr traffic goes through the CMG (path 2, or an internet path-1 client).
const INTERNET: u8 = 1 << 3;
/// Flag bit: a policy request is waiting in a queue; the next event is its answer.
const POLL_IN_FLIGHT: u8 = 1 << 4;
/// Flag bit: a compliance check-in is waiting in a queue; the next event is its answer.
const SYNC_IN_FLIGHT: u8 = 1 << 5;
/// Flag bit: a successful enrollment is waiting in a queue; the next event is its answer.
const ENROLL_IN_FLIGHT: u8 = 1 << 6;
/// Flag bit: an OS-deployment arrival (path 1 from its arrival; `origin` is the arrival).
const OSD: u8 = 1 << 7;

/// The workloads whose content an internet ConfigMgr client downloads through the CMG while they are on
/// ConfigMgr: software updates, Office updates, applications (docs/model.md, Load and capacity).
const CONTENT_WORKLOADS: [Workload; 3] = [
    Workload::WindowsUpdatePolicies,
    Workload::OfficeClickToRun,
    Workload::ClientApps,
];

/// Salt of the device-key hash that draws a device's evaluation delay within `evaluation_spread`.
const EVALUATION_SALT: u64 = 0x6576_616c_7561_7465;
/// Salt of the device-key hash that places a device's daily Office update check in `[0, OFFICE_UPDATE_CHECK)`.
const OFFICE_UPDATE_SALT: u64 = 0x6f66_6669_6365_3234;
/// How often Office Click-to-Run looks for a change of its update source: a change of the Office
/// Click-to-Run workload "may take ~24 h to show on the client unless the device restarts" (MD
/// memdocs/configmgr/comanage/workloads.md; docs/model.md §2). \[assumption\] a daily check at a uniform
/// phase per device, run at the next online moment when it falls while the device is off.
const OFFICE_UPDATE_CHECK: Time = DAY;
/// Salt of the device-key hash that places a device's periodic restarts in `[0, restart_interval)`.
const RESTART_PHASE_SALT: u64 = 0x7265_7374_6172_7421;

/// Shortest access-token lifetime: 60 min (learn.microsoft.com/entra/identity-platform/access-tokens).
const TOKEN_MIN: Time = 60 * MINUTE;
/// Range of access-token lifetimes above the shortest: up to 90 min (same source).
const TOKEN_RANGE: Time = 30 * MINUTE;

/// How old `ClientHealthLastSyncTime` may be for a device reporting `ClientHealthStatus` 7 to show healthy
/// (docs/model.md §1.2).
const HEALTH_STATUS_VALID: Time = 30 * DAY;
/// How old `LastSyncTime` may be for a device without a valid health status to show healthy (same source).
const LAST_SYNC_VALID: Time = 48 * HOUR;

/// A device's hot state: 64 bytes, no heap (docs/model.md, engine principle 6). Times are absolute; [`NEVER`] = unset.
#[derive(Debug, Clone, Copy)]
pub struct Device {
    /// When the device next does something that matters.
    pub next_event: Time,
    /// Path 1: scheduled enrollment time; path 2: arrival.
    origin: Time,
    /// Start of the current retried step (for step-duration metrics).
    step_start: Time,
    /// When it became co-managed.
    comanaged_at: Time,
    /// When it enrolled in Intune (start of the check-in bursts); `NEVER` if before t = 0.
    enrolled_at: Time,
    /// ConfigMgr policy poll phase in `[0, policy_poll)`.
    poll_phase: Time,
    /// Intune steady check-in phase in `[0, mdm_sync)`.
    sync_phase: Time,
    /// Automatic-Device-Join task phase in `[0, hybrid_join_retry)`.
    task_phase: Time,
    /// Pilot rank: member of every pilot collection whose share bound exceeds it.
    pilot_rank: u32,
    /// Origin of the pending/last compliance latency.
    comp_origin: Time,
    /// When the compliance workload last switched to Intune.
    comp_switch: Time,
    /// When compliance was last reported.
    report_at: Time,
    /// Next policy poll that will change something.
    poll_wake: Time,
    /// Next Intune check-in that will report compliance.
    sync_wake: Time,
    /// Attempts made in the current retried step.
    attempt: u16,
    /// State machine position.
    pub state: State,
    profile: Profile,
    path: Path,
    flags: u8,
    /// Workloads currently on Intune.
    pub intune: WorkloadSet,
    compliance: ComplianceState,
}

/// The per-run context a device reads: the precomputed model and the rollout plan as known so far.
pub struct Env<'a> {
    /// Precomputed scenario.
    pub model: &'a Model,
    /// Slider history.
    pub plan: &'a Plan,
    /// What the infrastructure does to this epoch's requests.
    pub pressure: Pressure,
}

/// The compliance-relevant attributes a device is generated with.
struct Attrs {
    os_build: u32,
    bitlocker: bool,
    firewall: bool,
    defender: bool,
}

impl Attrs {
    /// 64-bit draws of the generation stream made before the pilot rank and the attributes (see
    /// `Device::generate`).
    const DRAWS_BEFORE: usize = 7;

    /// Draws the attributes of an existing client or of new hardware (path 2, `[fleet.attributes.new]`).
    fn draw(rng: &mut DeviceStream, model: &Model, new_hardware: bool) -> Attrs {
        let fleet = &model.scenario.fleet;
        let a = if new_hardware {
            &fleet.new_attributes
        } else {
            &fleet.attributes
        };
        let os_build = model.os_build(rng.uniform(), new_hardware);
        Attrs {
            os_build,
            bitlocker: rng.chance(a.bitlocker),
            firewall: rng.chance(a.firewall),
            defender: rng.chance(a.defender),
        }
    }

    /// Replays device `id`'s generation draws up to its attributes.
    fn of(id: u32, model: &Model, path: Path) -> Attrs {
        let mut rng = model.seeds.stream(id, slot::GENERATION);
        for _ in 0..Self::DRAWS_BEFORE {
            rng.uniform();
        }
        rng.next_u32();
        Self::draw(&mut rng, model, path == Path::NewInternet)
            .with_facts(&model.facts(id).copied().unwrap_or_default())
    }

    /// The inventory's facts of the device in place of the drawn attributes (drawn anyway, so the stream stays
    /// in step).
    fn with_facts(self, facts: &super::inventory::DeviceFacts) -> Attrs {
        Attrs {
            os_build: facts.os_build.unwrap_or(self.os_build),
            bitlocker: facts.bitlocker.unwrap_or(self.bitlocker),
            firewall: facts.firewall.unwrap_or(self.firewall),
            defender: facts.defender.unwrap_or(self.defender),
        }
    }

    fn compliant(&self, c: &CompliancePolicy) -> bool {
        self.os_build >= c.min_os_build
            && (self.bitlocker || !c.require_bitlocker)
            && (self.firewall || !c.require_firewall)
            && (self.defender || !c.require_defender)
    }
}

/// When a device's own compliance-relevant state changes (docs/model.md, Compliance mechanics): absolute
/// times, [`NEVER`] = never.
struct Truth {
    /// Compliant at generation.
    initial: bool,
    /// When a device noncompliant at generation counts as fixed: its fix, or for a health-attestation
    /// setting (BitLocker) the first restart after it.
    fixed: Time,
    /// When the raised OS minimum makes the device noncompliant (its build is below it).
    drift: Time,
    /// When a device the raised minimum made noncompliant is fixed.
    drift_fixed: Time,
}

impl Truth {
    /// Whether the device meets the policy at `t`.
    fn ok(&self, t: Time) -> bool {
        (self.initial || t >= self.fixed) && !(t >= self.drift && t < self.drift_fixed)
    }
}

/// A time-to-fix with mean `mean` seconds, exponential, from `u` uniform in `[0, 1)`.
fn time_to_fix(mean: Time, u: f64) -> Time {
    let x = -f64::from(mean) * (1.0 - u).ln();
    if x >= f64::from(NEVER - 1) {
        NEVER - 1
    } else {
        x as Time
    }
}

/// Emits compliance changes, skipping those that change nothing.
struct Changes<F> {
    cur: ComplianceState,
    f: F,
}

impl<F: FnMut(Time, ComplianceState, ComplianceState)> Changes<F> {
    fn to(&mut self, t: Time, state: ComplianceState) {
        if state != self.cur {
            (self.f)(t, self.cur, state);
            self.cur = state;
        }
    }
}

impl Device {
    /// Generates device `id` from its random stream and records its initial timeline state.
    pub fn generate(id: u32, model: &Model, rec: &mut impl Recorder) -> Device {
        let s = &model.scenario;
        let t = &s.timers;
        let mut rng = model.seeds.stream(id, slot::GENERATION);
        // Fixed draw order, the same for every device whatever its path, so that changing one share does not
        // shift the other draws.
        let u_path = rng.uniform();
        let u_profile = rng.uniform();
        let u_comanaged = rng.uniform();
        let u_time = rng.uniform();
        let poll_phase = rng.below(t.policy_poll);
        let sync_phase = rng.below(t.mdm_sync);
        let task_phase = rng.below(t.hybrid_join_retry);
        let pilot_rank = rng.next_u32();
        // OS-deployment arrivals take the ids after `devices`; their arrival has a slot of its own so that
        // adding them changes no other device's draws.
        let osd = id >= s.fleet.devices;
        // What the organisation's inventory says of this device overrides the draws (which are made anyway,
        // so the stream stays in step).
        let facts = model.facts(id).copied().unwrap_or_default();
        let path = match facts.path {
            _ if osd => Path::ExistingClient,
            Some(path) => path,
            None if u_path < s.fleet.existing_client_share => Path::ExistingClient,
            None => Path::NewInternet,
        };
        let attrs = Attrs::draw(&mut rng, model, path == Path::NewInternet).with_facts(&facts);
        let permanent = rng.chance(s.failures.permanent);
        let fail_step: u8 = if rng.chance(0.5) { 1 } else { 2 };
        let internet = facts.internet.unwrap_or(rng.chance(s.fleet.internet_share));
        // Drawn last, so a scenario without the share keeps every other draw.
        let u_joined = rng.uniform();
        let (poll_phase, sync_phase) = match t.phase {
            PhaseMode::Random => (poll_phase, sync_phase),
            PhaseMode::Aligned => (0, 0),
        };

        let mix = s.fleet.availability;
        let profile = if let Some(profile) = facts.profile {
            profile
        } else if u_profile < mix.always_on {
            Profile::AlwaysOn
        } else if u_profile < mix.always_on + mix.office_hours {
            Profile::OfficeHours
        } else {
            Profile::Intermittent
        };
        let mut flags = if attrs.compliant(&s.compliance) {
            COMPLIANT
        } else {
            0
        };
        let comanaged_now = !osd
            && path == Path::ExistingClient
            && facts
                .comanaged
                .unwrap_or(u_comanaged < s.fleet.comanaged_at_start);
        let joined_now = !osd
            && !comanaged_now
            && path == Path::ExistingClient
            && facts
                .hybrid_joined
                .unwrap_or(u_joined < s.fleet.hybrid_joined_at_start);
        let prospect = if path == Path::ExistingClient && !osd && !comanaged_now {
            Prospect::of(id, model, internet)
        } else {
            Prospect::DEFAULT
        };
        if permanent && !comanaged_now {
            // A device already joined cannot fail its join: its configuration error is the enrollment's.
            let fail_step = if joined_now { 2 } else { fail_step };
            flags |= fail_step << FAIL_STEP_SHIFT;
        } else if prospect.readiness == Readiness::IneligibleOs {
            // Its enrollment fails with 0x80070032, a configuration error.
            flags |= 2 << FAIL_STEP_SHIFT;
        }
        if path == Path::NewInternet || internet {
            flags |= INTERNET;
        }
        if osd {
            flags |= OSD;
        }

        let mut d = Device {
            next_event: NEVER,
            origin: 0,
            step_start: 0,
            comanaged_at: NEVER,
            enrolled_at: NEVER,
            poll_phase,
            sync_phase,
            task_phase,
            pilot_rank,
            comp_origin: 0,
            comp_switch: 0,
            report_at: NEVER,
            poll_wake: NEVER,
            sync_wake: NEVER,
            attempt: 0,
            state: State::Scheduled,
            profile,
            path,
            flags,
            intune: WorkloadSet::EMPTY,
            compliance: ComplianceState::Unknown,
        };
        rec.device(d.cohort(model));
        if osd {
            d.origin = (model.seeds.stream(id, slot::OSD_ARRIVAL).uniform()
                * f64::from(s.fleet.osd.span)) as Time;
        }
        if path == Path::ExistingClient && rec.counts_requests() {
            // Every existing ConfigMgr client polls for policy from t = 0 (an OS-deployment arrival from its
            // arrival: the task sequence installs the client; an inactive client from its return; a server
            // is not simulated).
            let from = match prospect.readiness {
                _ if osd => d.origin,
                Readiness::Inactive { returns } => returns,
                Readiness::Server => NEVER,
                _ => 0,
            };
            if from != NEVER {
                rec.periodic(
                    d.poll_request(),
                    &d.online(id, model),
                    &d.poll_ticks(model),
                    from,
                );
                d.client_tasks(id, model, from, 1, rec);
            }
        }
        match path {
            _ if osd => {
                // Imaged and domain-joined by the task sequence: it exists from its first boot, then enrolls at
                // once ("once some devices are already co-managed, new devices enroll immediately", MD
                // includes/enable-co-management-1906-2107.md).
                d.state = State::NotArrived;
                rec.milestone(0, None, Milestone::NotArrived);
                d.next_event = d.online(id, model).online_from(d.origin);
            }
            Path::ExistingClient if comanaged_now => {
                d.state = State::CoManaged;
                d.comanaged_at = 0;
                rec.milestone(0, None, Milestone::CoManaged);
                rec.funnel(0, None, Some(Funnel::Enrolled));
                d.count_targeted(model, rec);
                d.update_switched(model, None, WorkloadSet::EMPTY, rec);
                if rec.counts_requests() {
                    rec.mdm_checkins(&d.online(id, model), &d.mdm_schedule(model), 0);
                }
                d.report_health(id, model, rec);
            }
            Path::ExistingClient if prospect.readiness == Readiness::Server => {
                d.state = State::Excluded;
                rec.milestone(0, None, Milestone::NotStarted);
                rec.funnel(0, None, Some(Funnel::Server));
            }
            Path::ExistingClient if prospect.readiness == Readiness::IntuneEnrolled => {
                // Enrolled before the run: its check-ins run from t = 0, and the policy poll that brings the
                // co-management policy makes it co-managed.
                d.state = State::AwaitingPolicy;
                rec.milestone(0, None, Milestone::Enrolled);
                let online = d.online(id, model);
                if rec.counts_requests() {
                    rec.mdm_checkins(&online, &d.mdm_schedule(model), 0);
                }
                if prospect.in_scope {
                    rec.funnel(0, None, Some(Funnel::Eligible));
                    d.next_event = next_run(&online, &d.poll_ticks(model), 0);
                } else {
                    rec.funnel(0, None, Some(Funnel::NotEligible));
                }
            }
            Path::ExistingClient if matches!(prospect.readiness, Readiness::Inactive { .. }) => {
                let Readiness::Inactive { returns } = prospect.readiness else {
                    unreachable!()
                };
                d.state = State::Inactive;
                rec.milestone(0, None, Milestone::NotStarted);
                rec.funnel(0, None, Some(Funnel::Inactive));
                d.next_event = d.online(id, model).online_from(returns);
            }
            Path::ExistingClient => {
                // `origin`: where the enrollment timer falls within the spread after the policy poll.
                d.origin = (u_time * f64::from(model.enrollment_spread)) as Time;
                if let Some(outside) = d.outside_funnel(&prospect, joined_now) {
                    rec.funnel(0, None, Some(outside));
                } else {
                    // Eligible until the first policy poll brings the co-management policy and queues the
                    // timer: the enrollment starts at that timer or later.
                    rec.funnel(0, None, Some(Funnel::Eligible));
                    let poll = d.first_poll(id, model);
                    rec.funnel(poll, Some(Funnel::Eligible), Some(Funnel::Scheduled));
                }
                if joined_now && !prospect.takes_policy() {
                    d.state = State::Idle;
                    rec.milestone(0, None, Milestone::Joined);
                } else if joined_now {
                    // Joined before the run: only the enrollment timer is left to wait for.
                    rec.milestone(0, None, Milestone::Joined);
                    let at = d
                        .online(id, model)
                        .online_from(d.enrollment_timer(id, model));
                    d.begin_step(State::Enrolling, at);
                    d.next_event = at;
                } else {
                    d.state = State::Scheduled;
                    rec.milestone(0, None, Milestone::NotStarted);
                    d.next_event = d.online(id, model).online_from(0);
                }
            }
            Path::NewInternet => {
                d.origin = (u_time * f64::from(s.fleet.new_device_arrival)) as Time;
                d.state = State::NotArrived;
                rec.milestone(0, None, Milestone::NotArrived);
                d.next_event = d.online(id, model).online_from(d.origin);
            }
        }
        d
    }

    /// The device's path.
    pub fn path(&self) -> Path {
        self.path
    }

    /// Whether the device is an OS-deployment arrival.
    pub fn is_osd(&self) -> bool {
        self.flags & OSD != 0
    }

    /// The device's availability profile.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// When it became co-managed (`NEVER` if not yet).
    pub fn comanaged_at(&self) -> Time {
        self.comanaged_at
    }

    /// Its current milestone.
    pub fn milestone(&self) -> Milestone {
        match self.state {
            State::NotArrived => Milestone::NotArrived,
            State::Scheduled | State::HybridJoining | State::Inactive | State::Excluded => {
                Milestone::NotStarted
            }
            State::Enrolling | State::PendingUserSignIn | State::Idle => Milestone::Joined,
            State::AwaitingPolicy => Milestone::Enrolled,
            State::Installing | State::InstallFailing => Milestone::Enrolled,
            State::CoManaged => Milestone::CoManaged,
            State::Failed => Milestone::Failed,
            State::Retired | State::ReEnrolling => Milestone::Retired,
        }
    }

    /// The step (1 or 2) of its path at which the device fails permanently, if it does.
    pub fn fail_step(&self) -> Option<u8> {
        match (self.flags >> FAIL_STEP_SHIFT) & 3 {
            0 => None,
            step => Some(step),
        }
    }

    /// Whether the device meets the compliance policy.
    pub fn compliant(&self) -> bool {
        self.flags & COMPLIANT != 0
    }

    /// The groups the device is counted in: its path and the stages that target it.
    pub fn cohort(&self, model: &Model) -> Cohort {
        let stages = (0..model.stage_targets.len())
            .filter(|&k| self.member_of(model, k))
            .fold(0u64, |m, k| m | 1 << k);
        let path = match self.path {
            _ if self.is_osd() => 2,
            Path::ExistingClient => 0,
            Path::NewInternet => 1,
        };
        Cohort { path, stages }
    }

    /// Whether this device is a member of stage `stage`'s target (its pilot collection, or everyone).
    fn member_of(&self, model: &Model, stage: usize) -> bool {
        u64::from(self.pilot_rank) < model.stage_targets[stage].pilot_below
    }

    fn online(&self, id: u32, model: &Model) -> Online {
        Online::starting(
            self.profile,
            model.seeds.device_key(id),
            model.scenario.duration,
            model.scenario.start.week_offset(),
        )
    }

    fn poll_ticks(&self, model: &Model) -> Periodic {
        Periodic {
            phase: self.poll_phase,
            period: model.scenario.timers.policy_poll,
        }
    }

    fn mdm_schedule<'m>(&self, model: &'m Model) -> MdmSchedule<'m> {
        let timers = &model.scenario.timers;
        MdmSchedule {
            enrolled_at: self.enrolled_at,
            bursts: &timers.mdm_sync_after_enroll,
            steady: Periodic {
                phase: self.sync_phase,
                period: timers.mdm_sync,
            },
        }
    }

    /// Where this device's ConfigMgr traffic goes.
    fn configmgr_component(&self) -> Component {
        if self.flags & INTERNET != 0 {
            Component::Cmg
        } else {
            Component::ManagementPoint
        }
    }

    fn poll_request(&self) -> Request {
        match self.configmgr_component() {
            Component::Cmg => Request::CmgPolicyPoll,
            _ => Request::MpPolicyPoll,
        }
    }

    /// The ticks of the ConfigMgr client's tasks of days — hardware inventory, heartbeat discovery, software
    /// update scan — with their per-cycle random delays (docs/model.md §3.1). Phases are uniform per device
    /// (a pure hash of the device's key and the task: the device's random stream would cost a ChaCha block
    /// per call, and a device asks again at every switch of its update policies) or 0 when timers are aligned;
    /// a cycle's delay is a pure hash of the device, the task and the cycle.
    fn day_tasks(id: u32, model: &Model) -> [Jittered; 3] {
        let t = &model.scenario.timers;
        let periods = [
            (t.hardware_inventory, t.hardware_inventory_random_delay),
            (t.heartbeat_discovery, 0),
            (t.software_update_scan, SOFTWARE_UPDATE_SCAN_RANDOM_DELAY),
        ];
        let key = model.seeds.device_key(id);
        let mut task = 0u64;
        periods.map(|(period, max_delay)| {
            task += 1;
            let key = key ^ task.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            // Uniform in [0, period): the high half of a hash of the task's key, scaled.
            let phase = (((mix64(key) >> 32) * u64::from(period)) >> 32) as Time;
            Jittered {
                phase: match t.phase {
                    PhaseMode::Random => phase,
                    PhaseMode::Aligned => 0,
                },
                period,
                max_delay,
                key,
            }
        })
    }

    /// Starts (`sign` 1) or takes back (`sign` −1) from `from` on the ConfigMgr client's tasks of days:
    /// hardware inventory and heartbeat discovery on the management points (the CMG for an internet client),
    /// and — unless its `windows_update_policies` workload is on Intune, where Windows Update for Business
    /// takes over the scans — the software update scan on the software update point (relayed by the CMG for
    /// an internet client: counted on both). An internet client's content egress follows its content-bearing
    /// workloads on ConfigMgr.
    fn client_tasks(&self, id: u32, model: &Model, from: Time, sign: i32, rec: &mut impl Recorder) {
        let online = self.online(id, model);
        let [inventory, heartbeat, scan] = Self::day_tasks(id, model);
        let internet = self.flags & INTERNET != 0;
        let (inventory_r, heartbeat_r) = if internet {
            (Request::CmgHardwareInventory, Request::CmgHeartbeat)
        } else {
            (Request::MpHardwareInventory, Request::MpHeartbeat)
        };
        for (r, ticks) in [(inventory_r, inventory), (heartbeat_r, heartbeat)] {
            if sign > 0 {
                rec.weekly(r, None, &online, &ticks, from);
            } else {
                rec.cancel_weekly(r, None, &online, &ticks, from);
            }
        }
        if !self.intune.contains(Workload::WindowsUpdatePolicies) {
            self.scans(id, &online, &scan, from, sign, rec);
        }
        if internet {
            let on_configmgr = CONTENT_WORKLOADS
                .iter()
                .filter(|w| !self.intune.contains(**w))
                .count() as i32;
            rec.cmg_content(from, sign * on_configmgr);
        }
    }

    /// The software update scans alone, started (`sign` 1) or taken back (−1) from `from` on: the device's
    /// `windows_update_policies` workload moved back to ConfigMgr, or to Intune.
    fn update_scans(&self, id: u32, model: &Model, from: Time, sign: i32, rec: &mut impl Recorder) {
        let scan = Self::day_tasks(id, model)[2];
        self.scans(id, &self.online(id, model), &scan, from, sign, rec);
    }

    /// The scans of `scan` on `online` started (`sign` 1) or stopped (−1) from `from` on — an internet
    /// client's also as the CMG's relay.
    fn scans(
        &self,
        id: u32,
        online: &Online,
        scan: &Jittered,
        from: Time,
        sign: i32,
        rec: &mut impl Recorder,
    ) {
        let also = (self.flags & INTERNET != 0).then_some(Request::CmgSupScan);
        if sign > 0 {
            rec.update_scans(id, also, online, scan, from);
        } else {
            rec.stop_update_scans(id, also, online, scan, from);
        }
    }

    /// The software update scans of device `id` from t = 0, still going at the end of the run, counted now
    /// by a recorder that counts them late (`Recorder::update_scans`).
    pub fn finish_update_scans(&self, id: u32, model: &Model, rec: &mut impl Recorder) {
        let scan = Self::day_tasks(id, model)[2];
        rec.weekly(Request::SupScan, None, &self.online(id, model), &scan, 0);
    }

    /// A request to `component` at `t` whose answer the device waits for. `None`: answered now. `Some(at)`:
    /// the answer comes at `at` (queue delay; the device is called again then with `flag` set) or the request
    /// was rejected and the client retries at its next run, `retry()`.
    fn admit(
        &mut self,
        id: u32,
        flag: u8,
        component: Component,
        t: Time,
        env: &Env<'_>,
        retry: impl FnOnce(&Self) -> Time,
    ) -> Option<Time> {
        if self.flags & flag != 0 {
            self.flags &= !flag;
            return None;
        }
        let c = component.index();
        let reject_below = env.pressure.reject_below[c];
        if reject_below > 0 {
            // A pure hash of (seed, device, time, component): which requests the full queue turns away.
            let key =
                env.model.seeds.device_key(id) ^ (c as u64).wrapping_mul(0xA24B_AED4_963E_E407);
            if (day_hash(key, t) >> 32) < u64::from(reject_below) {
                return Some(retry(self));
            }
        }
        let delay = env.pressure.delay[c];
        if delay > 0 {
            self.flags |= flag;
            return Some(after(t, delay));
        }
        None
    }

    fn member(&self) -> Member {
        Member {
            comanaged_at: self.comanaged_at,
            pilot_rank: self.pilot_rank,
        }
    }

    /// Processes the event at `self.next_event` and schedules the next one.
    pub fn handle(&mut self, id: u32, env: &Env<'_>, rec: &mut impl Recorder) {
        let t = self.next_event;
        let model = env.model;
        let timers = &model.scenario.timers;
        match self.state {
            State::NotArrived if self.is_osd() => {
                // First boot of an imaged ConfigMgr client: it starts path 1 now, eligible after co-management
                // has members, so its enrollment is due at once.
                rec.milestone(t, Some(Milestone::NotArrived), Milestone::NotStarted);
                rec.funnel(t, None, Some(Funnel::Scheduled));
                self.state = State::Scheduled;
                self.handle(id, env, rec);
            }
            State::NotArrived => {
                // First boot: Autopilot joins the device to Azure AD, then enrolls it.
                rec.request(Request::AutopilotRegistration, t);
                rec.milestone(t, Some(Milestone::NotArrived), Milestone::Joined);
                self.begin_step(State::Enrolling, t);
                self.enrollment_attempt(id, t, env, rec);
            }
            State::Inactive => {
                // Back: its client polls again from now, and it starts path 1 as an eligible device would.
                if rec.counts_requests() {
                    let online = self.online(id, model);
                    rec.periodic(self.poll_request(), &online, &self.poll_ticks(model), t);
                    self.client_tasks(id, model, t, 1, rec);
                }
                let back = self
                    .outside_funnel(&self.prospect(id, model), false)
                    .unwrap_or(Funnel::Scheduled);
                rec.funnel(t, Some(Funnel::Inactive), Some(back));
                self.state = State::Scheduled;
                self.handle(id, env, rec);
            }
            State::AwaitingPolicy => {
                rec.funnel(t, Some(Funnel::Eligible), Some(Funnel::Enrolled));
                rec.latency(Latency::TimeToComanagedExistingClient, t);
                self.become_comanaged(id, t, Milestone::Enrolled, env, rec);
            }
            State::PendingUserSignIn => {
                // The user's sign-in starts the enrollment with the user token.
                rec.funnel(t, Some(Funnel::PendingUserSignIn), Some(Funnel::Initiated));
                self.state = State::Enrolling;
                self.enrollment_attempt(id, t, env, rec);
            }
            State::Scheduled => {
                if self.fail_step() == Some(1) {
                    let from = self.funnel_before_enrollment(id, model, t, rec);
                    rec.funnel(t, Some(from), Some(Funnel::Failed));
                    return self.fail(t, Milestone::NotStarted, rec);
                }
                if !self.prospect(id, model).line_of_sight {
                    // An internet device without a VPN never reaches a domain controller: the join cannot
                    // write its certificate, and the device stays unjoined.
                    self.state = State::HybridJoining;
                    self.next_event = NEVER;
                    return;
                }
                // The first registration attempt writes the certificate and fails; the object syncs at the next
                // Azure AD Connect cycle; the hourly task then retries.
                rec.request(Request::DeviceRegistration, t);
                self.begin_step(State::HybridJoining, t);
                let synced =
                    (t / timers.aad_connect_sync + 1).saturating_mul(timers.aad_connect_sync);
                let task = Periodic {
                    phase: self.task_phase,
                    period: timers.hybrid_join_retry,
                };
                self.next_event = next_run(&self.online(id, model), &task, synced);
            }
            State::HybridJoining => {
                rec.request(Request::DeviceRegistration, t);
                let by_code =
                    self.code_failure(id, model, FailureStep::HybridJoin, self.attempt, t, rec);
                if by_code.is_some_and(|k| model.code_is_permanent(k)) {
                    self.set_fail_step(1);
                    let from = self.funnel_before_enrollment(id, model, t, rec);
                    rec.funnel(t, Some(from), Some(Funnel::Failed));
                    return self.fail(t, Milestone::NotStarted, rec);
                }
                let failed = by_code.is_some()
                    || model
                        .seeds
                        .stream(id, slot::HYBRID_JOIN + u32::from(self.attempt))
                        .chance(model.scenario.failures.hybrid_join);
                if failed {
                    self.attempt = self.attempt.saturating_add(1);
                    let task = Periodic {
                        phase: self.task_phase,
                        period: timers.hybrid_join_retry,
                    };
                    self.next_event = next_run(&self.online(id, model), &task, t + 1);
                } else {
                    rec.latency(Latency::HybridJoin, t - self.step_start);
                    rec.milestone(t, Some(Milestone::NotStarted), Milestone::Joined);
                    let timer = self.enrollment_timer(id, model);
                    if !self.is_osd() && !self.prospect(id, model).takes_policy() {
                        self.state = State::Idle;
                        self.next_event = NEVER;
                    } else if timer <= t {
                        self.begin_step(State::Enrolling, t);
                        self.enrollment_attempt(id, t, env, rec);
                    } else {
                        let at = self.online(id, model).online_from(timer);
                        self.begin_step(State::Enrolling, at);
                        self.next_event = at;
                    }
                }
            }
            State::Enrolling | State::ReEnrolling => self.enrollment_attempt(id, t, env, rec),
            State::Installing => {
                rec.request(Request::CmgRegistration, t);
                if rec.counts_requests() {
                    rec.periodic(
                        Request::CmgPolicyPoll,
                        &self.online(id, model),
                        &self.poll_ticks(model),
                        t + 1,
                    );
                    self.client_tasks(id, model, t + 1, 1, rec);
                }
                rec.latency(Latency::ClientInstall, t - self.step_start);
                rec.latency(Latency::TimeToComanagedNewInternet, t - self.origin);
                self.become_comanaged(id, t, Milestone::Enrolled, env, rec);
            }
            State::InstallFailing => {
                self.attempt = self.attempt.saturating_add(1);
                self.install_attempt(id, t, env, rec);
            }
            State::CoManaged => {
                if self.poll_wake <= t {
                    let retry =
                        |d: &Self| next_run(&d.online(id, model), &d.poll_ticks(model), t + 1);
                    match self.admit(
                        id,
                        POLL_IN_FLIGHT,
                        self.configmgr_component(),
                        t,
                        env,
                        retry,
                    ) {
                        Some(at) => self.poll_wake = at,
                        None => self.apply_policy(id, t, env, rec),
                    }
                }
                if self.sync_wake <= t {
                    let retry =
                        |d: &Self| next_run(&d.online(id, model), &d.mdm_schedule(model), t + 1);
                    match self.admit(id, SYNC_IN_FLIGHT, Component::Intune, t, env, retry) {
                        Some(at) => self.sync_wake = at,
                        None => self.report_compliance(id, t, model, rec),
                    }
                }
                if self.attempt != 0 && self.step_start <= t {
                    return self.act(id, t, env, rec);
                }
                self.next_event = self.comanaged_next();
            }
            State::Failed | State::Retired | State::Idle | State::Excluded => {
                self.next_event = NEVER
            }
        }
    }

    /// The rollout plan changed at `now`: wake up at the first poll that sees a change.
    pub fn replan(&mut self, id: u32, now: Time, env: &Env<'_>) {
        if self.state != State::CoManaged {
            return;
        }
        let change = env.plan.next_change(self.member(), self.intune, now);
        if change != NEVER {
            let wake = next_run(
                &self.online(id, env.model),
                &self.poll_ticks(env.model),
                change,
            );
            self.poll_wake = self.poll_wake.min(wake);
            self.next_event = self.comanaged_next();
        }
    }

    /// A co-managed device's next event: a poll or check-in that matters, or a pending wipe/retire (while
    /// co-managed, `attempt` holds the pending action — `PENDING_*` — and `step_start` its time).
    fn comanaged_next(&self) -> Time {
        let pending = if self.attempt != 0 {
            self.step_start
        } else {
            NEVER
        };
        self.poll_wake.min(self.sync_wake).min(pending)
    }

    /// Remote action `index` is sent at `action.at`; the engine calls this at the first epoch boundary `now`
    /// at or after it for each device it targets. If the device is online it acts within `PUSH_ACT_WINDOW`,
    /// otherwise at its first Intune check-in after it comes
    /// back online. Wipe and retire take effect then (not before `now`).
    ///
    /// The device is a target ([`Device::action_target`] gave `delay`); `rank`: how many devices of lower
    /// index the action targets (fleet-wide). A Graph-paced action's request for this device leaves at
    /// [`graph_issue`]`(at, rank)`, and the device acts after that.
    #[allow(clippy::too_many_arguments)]
    pub fn remote_action(
        &mut self,
        id: u32,
        index: usize,
        action: &Action,
        (delay, rank): (Time, u64),
        now: Time,
        env: &Env<'_>,
        rec: &mut impl Recorder,
    ) {
        let model = env.model;
        let at = if action.kind.through_graph() {
            graph_issue(action.at, rank)
        } else {
            action.at
        };
        let online = self.online(id, model);
        if action.kind == ActionKind::RemoteControl {
            let start = self.session_start(&online, model, at, action.user_consent);
            let latency = (start < model.scenario.duration).then(|| start - action.at);
            rec.remote_action(index, action.kind, latency);
            return;
        }
        let pushed = matches!(online.window_from(at), Some((a, _)) if a <= at);
        let acts = if pushed {
            after(at, delay)
        } else {
            next_run(&online, &self.mdm_schedule(model), at)
        };
        let duration = model.scenario.duration;
        if acts >= duration {
            rec.remote_action(index, action.kind, None);
            return;
        }
        rec.remote_action(index, action.kind, Some(acts - action.at));
        // The check-in the push makes an online device do (counted where the ledger is still open); an offline
        // device acts at a scheduled check-in, which its walk has counted already.
        let effect = acts.max(now);
        if pushed {
            rec.request(Request::MdmCheckin, effect);
        }
        let pending = match action.kind {
            ActionKind::Restart | ActionKind::Sync | ActionKind::RemoteControl => return,
            ActionKind::Wipe => PENDING_WIPE,
            ActionKind::Retire if action.leave_collection => PENDING_RETIRE_AND_LEAVE,
            ActionKind::Retire => PENDING_RETIRE,
        };
        self.attempt = pending;
        self.step_start = effect;
        self.next_event = self.comanaged_next();
    }

    /// Whether remote action `index` targets the device (co-managed at its `at`, no action pending, and
    /// drawn by its share or a member of its stage's pilot): `Some(push delay)` if it does. A pure function of
    /// the device's state, so that the engine can count the targets before it sends the action.
    pub fn action_target(
        &self,
        id: u32,
        index: usize,
        action: &Action,
        model: &Model,
    ) -> Option<Time> {
        if self.state != State::CoManaged || self.comanaged_at > action.at || self.attempt != 0 {
            return None;
        }
        let mut rng = model.seeds.stream(id, slot::ACTION + index as u32);
        let u_target = rng.uniform();
        let delay = 1 + rng.below(PUSH_ACT_WINDOW);
        let targeted = match action.target {
            ActionTarget::Share(p) => u_target < p,
            ActionTarget::Stage(stage) => self.member_of(model, stage),
        };
        targeted.then_some(delay)
    }

    /// When a remote control session asked for at `t` starts (docs/model.md §3): the device must be online;
    /// with `consent`, its user must be there to accept. \[assumption\] A user is at a device whenever it is
    /// online, except at an always-on device (a desktop left on), whose user is there during office hours,
    /// Monday to Friday 08:00–18:00 local time. The help desk is taken to start the session as soon as it can.
    fn session_start(&self, online: &Online, model: &Model, t: Time, consent: bool) -> Time {
        let at = online.online_from(t);
        if consent && self.profile == Profile::AlwaysOn && at != NEVER {
            return office_hours_resume(&model.scenario.start, at).unwrap_or(at);
        }
        at
    }

    /// A pending wipe or retire takes effect at `t`: the device leaves co-management. A wiped device goes
    /// back through provisioning as a new internet device arriving now (path 2); a retired one that stays in
    /// the co-management collection re-enrolls from its next policy poll, one that left it is done.
    fn act(&mut self, id: u32, t: Time, env: &Env<'_>, rec: &mut impl Recorder) {
        let model = env.model;
        let pending = self.attempt;
        let wipe = pending == PENDING_WIPE;
        if rec.counts_requests() {
            // Its Intune check-ins stop after this one (retire unenrolls, wipe resets), and a wiped device's
            // ConfigMgr client stops polling; a retired one keeps its client (Intune retire removes MDM
            // management, not the ConfigMgr agent), so its polls go on. The ledger counted every walk to the
            // horizon when it began: the runs after now are taken back.
            let online = self.online(id, model);
            rec.cancel_checkins(&online, &self.mdm_schedule(model), t + 1);
            if wipe {
                let request = self.poll_request();
                rec.cancel_periodic(request, &online, &self.poll_ticks(model), t + 1);
                self.client_tasks(id, model, t + 1, -1, rec);
            } else {
                // The client stays and takes back every workload: its scans return to the software update
                // point, and an internet client's content to the CMG.
                if self.intune.contains(Workload::WindowsUpdatePolicies) {
                    self.update_scans(id, model, t + 1, 1, rec);
                }
                if self.flags & INTERNET != 0 {
                    let on_intune = CONTENT_WORKLOADS
                        .iter()
                        .filter(|w| self.intune.contains(**w))
                        .count() as i32;
                    rec.cmg_content(t + 1, on_intune);
                }
            }
        }
        if self.path == Path::ExistingClient {
            rec.funnel(t, Some(Funnel::Enrolled), None);
        }
        self.withdraw_compliance(id, t, model, rec);
        self.withdraw_health(id, t, model, rec);
        for w in Workload::ALL {
            if self.intune.contains(w) {
                rec.authority(t, w, -1);
            }
        }
        for (stage, target) in model.stage_targets.iter().enumerate() {
            if !self.member_of(model, stage) {
                continue;
            }
            let done = match target.authority {
                Authority::ConfigMgr => self.intune.0 & target.workloads.0 == 0,
                _ => self.intune.includes(target.workloads),
            };
            let gate = rec.gate();
            if done {
                gate.switched[stage] = gate.switched[stage].wrapping_sub(1);
            }
            gate.targeted[stage] = gate.targeted[stage].wrapping_sub(1);
        }
        self.intune = WorkloadSet::EMPTY;
        self.comanaged_at = NEVER;
        self.enrolled_at = NEVER;
        self.poll_wake = NEVER;
        self.sync_wake = NEVER;
        self.attempt = 0;
        if wipe {
            rec.milestone(t, Some(Milestone::CoManaged), Milestone::NotArrived);
            self.path = Path::NewInternet;
            self.flags = (self.flags & COMPLIANT) | INTERNET;
            self.origin = t;
            self.state = State::NotArrived;
            self.next_event = self.online(id, model).online_from(t);
        } else if pending == PENDING_RETIRE_AND_LEAVE {
            rec.milestone(t, Some(Milestone::CoManaged), Milestone::Retired);
            self.state = State::Retired;
            self.next_event = NEVER;
        } else {
            // Still a member of the co-management collection: the next machine policy evaluation finds the
            // co-management policy applied but the device unenrolled, and enrolls it again at once (the
            // co-management has members, so no spread: docs/model.md §1.1).
            rec.milestone(t, Some(Milestone::CoManaged), Milestone::Retired);
            let at = next_run(&self.online(id, model), &self.poll_ticks(model), t + 1);
            self.begin_step(State::ReEnrolling, at);
            self.next_event = at;
        }
    }

    /// When ConfigMgr's enrollment timer fires (path 1): a uniform point of `enrollment_spread` after the
    /// first policy poll, which brings the co-management policy (docs/model.md §1.1). An imaged device joins
    /// a co-management that already has members, so it enrolls as soon as it is eligible.
    fn enrollment_timer(&self, id: u32, model: &Model) -> Time {
        if self.is_osd() {
            return self.origin;
        }
        if let Readiness::Inactive { returns } = self.prospect(id, model).readiness {
            // Back after co-management has members: it enrolls as soon as it is eligible.
            return returns;
        }
        self.first_poll(id, model).saturating_add(self.origin)
    }

    /// What co-management's automatic enrollment meets on this path-1 client (a keyed draw: the same at every
    /// event).
    fn prospect(&self, id: u32, model: &Model) -> Prospect {
        Prospect::of(id, model, self.flags & INTERNET != 0)
    }

    /// The state outside the funnel's way to enrollment that a path-1 client starts in, if any: not eligible
    /// (outside the scope, or unhealthy), or no line of sight (an internet client without a VPN that is not
    /// `joined` already and will not fail its join for another reason).
    fn outside_funnel(&self, prospect: &Prospect, joined: bool) -> Option<Funnel> {
        if !prospect.takes_policy() {
            Some(Funnel::NotEligible)
        } else if !prospect.line_of_sight && !joined && self.fail_step() != Some(1) {
            Some(Funnel::NoLineOfSight)
        } else {
            None
        }
    }

    /// The first policy poll from t = 0, which brings the co-management policy.
    fn first_poll(&self, id: u32, model: &Model) -> Time {
        next_run(&self.online(id, model), &self.poll_ticks(model), 0)
    }

    /// A path-1 client's funnel state at `t` before its enrollment starts: an imaged device or an inactive
    /// client back is scheduled at once; otherwise eligible until its first policy poll, when the timer was
    /// queued (recorded ahead at generation). A device that leaves the funnel's path before that poll takes the
    /// recorded move back.
    fn funnel_before_enrollment(
        &self,
        id: u32,
        model: &Model,
        t: Time,
        rec: &mut impl Recorder,
    ) -> Funnel {
        if self.is_osd() {
            return Funnel::Scheduled;
        }
        let prospect = self.prospect(id, model);
        if !prospect.takes_policy() {
            return Funnel::NotEligible;
        }
        if matches!(prospect.readiness, Readiness::Inactive { .. }) {
            return Funnel::Scheduled;
        }
        let poll = self.first_poll(id, model);
        if t < poll {
            rec.funnel(poll, Some(Funnel::Scheduled), Some(Funnel::Eligible));
            Funnel::Eligible
        } else {
            Funnel::Scheduled
        }
    }

    /// The `[[failure]]` code that fails this attempt of `step` (the step's `attempt`-th, 0 the first) at `t`, if
    /// any; a device's first failure with its code is counted.
    fn code_failure(
        &self,
        id: u32,
        model: &Model,
        step: FailureStep,
        attempt: u16,
        t: Time,
        rec: &mut impl Recorder,
    ) -> Option<usize> {
        let k = model
            .failure_code(id, step)
            .filter(|&k| model.code_fails(k, attempt, t))?;
        if attempt == 0 {
            rec.failure_code(k);
        }
        Some(k)
    }

    /// Marks the step (1 or 2 of its path) at which the device fails for good.
    fn set_fail_step(&mut self, step: u8) {
        self.flags = (self.flags & !(3 << FAIL_STEP_SHIFT)) | (step << FAIL_STEP_SHIFT);
    }

    fn begin_step(&mut self, state: State, t: Time) {
        self.state = state;
        self.step_start = t;
        self.attempt = 0;
    }

    fn fail(&mut self, t: Time, from: Milestone, rec: &mut impl Recorder) {
        rec.milestone(t, Some(from), Milestone::Failed);
        self.state = State::Failed;
        self.next_event = NEVER;
    }

    fn enrollment_attempt(&mut self, id: u32, t: Time, env: &Env<'_>, rec: &mut impl Recorder) {
        let model = env.model;
        let timers = &model.scenario.timers;
        // A retired device enrolling again: it enrolled before, so its configuration allows it; ConfigMgr
        // drives the attempts whatever the device's path.
        let again = self.state == State::ReEnrolling;
        let fatal_step = if self.path == Path::ExistingClient {
            2
        } else {
            1
        };
        // The funnel counts a device's first way to co-management: a retired device enrolling again left it.
        let path_1 = self.path == Path::ExistingClient && !again;
        if path_1 && self.attempt == 0 && self.flags & ENROLL_IN_FLIGHT == 0 {
            rec.funnel(t, Some(Funnel::Scheduled), Some(Funnel::Initiated));
        }
        if !again && self.attempt == 0 && self.fail_step() == Some(fatal_step) {
            if path_1 {
                rec.funnel(t, Some(Funnel::Initiated), Some(Funnel::Failed));
            }
            return self.fail(t, Milestone::Joined, rec);
        }
        if self.flags & ENROLL_IN_FLIGHT == 0 {
            rec.request(Request::MdmEnrollment, t);
        }
        // The device-token attempt of a client whose device token fails (its first, not an imaged device's).
        let user_token = path_1 && !self.is_osd() && self.prospect(id, model).user_token;
        if user_token && self.attempt == 0 {
            // The device-token attempt fails; the enrollment waits for a user to sign in, with the user token.
            rec.funnel(t, Some(Funnel::Initiated), Some(Funnel::PendingUserSignIn));
            self.attempt = 1;
            self.state = State::PendingUserSignIn;
            self.next_event = user_sign_in(&self.online(id, model), &model.scenario.start, t);
            return;
        }
        // A `[[failure]]` code counts attempts from the first with the token that enrolls (the user's, after a
        // failed device-token attempt).
        let by_code = if !again && self.flags & ENROLL_IN_FLIGHT == 0 {
            let first = u16::from(
                user_token && model.failure_code(id, FailureStep::MdmEnrollment).is_some(),
            );
            let attempt = self.attempt.saturating_sub(first);
            self.code_failure(id, model, FailureStep::MdmEnrollment, attempt, t, rec)
        } else {
            None
        };
        if by_code.is_some_and(|k| model.code_is_permanent(k)) {
            self.set_fail_step(fatal_step);
            if path_1 {
                rec.funnel(t, Some(Funnel::Initiated), Some(Funnel::Failed));
            }
            return self.fail(t, Milestone::Joined, rec);
        }
        let slot = if again {
            slot::REENROLLMENT
        } else {
            slot::MDM_ENROLLMENT
        };
        let failed = by_code.is_some()
            || model
                .seeds
                .stream(id, slot + u32::from(self.attempt))
                .chance(model.scenario.failures.mdm_enrollment);
        if failed {
            self.attempt = self.attempt.saturating_add(1);
            // ConfigMgr drives a path-1 client's attempts and a retired device's re-enrollment; in the ESP
            // (path 2) the user is at the device and retries.
            let by_configmgr = again || self.path == Path::ExistingClient;
            self.next_event = if !by_configmgr {
                after(t, timers.enrollment_retry)
            } else if u32::from(self.attempt) % timers.enrollment_attempts == 0 {
                // Round exhausted: wait for the next machine policy evaluation.
                next_run(&self.online(id, model), &self.poll_ticks(model), t + 1)
            } else {
                self.online(id, model)
                    .online_from(after(t, timers.enrollment_retry))
            };
            return;
        }
        // Intune answers the successful attempt after its queue delay (enrollment is not retried for a queue).
        let delay = env.pressure.delay[Component::Intune.index()];
        if self.flags & ENROLL_IN_FLIGHT == 0 && delay > 0 {
            self.flags |= ENROLL_IN_FLIGHT;
            self.next_event = after(t, delay);
            return;
        }
        self.flags &= !ENROLL_IN_FLIGHT;
        self.enrolled_at = t;
        if rec.counts_requests() {
            rec.mdm_checkins(&self.online(id, model), &self.mdm_schedule(model), t + 1);
        }
        if again {
            // Its ConfigMgr client and co-management policy are in place: co-managed again on enrollment. The
            // path's latencies measure a device's first way to co-management and take no second sample.
            return self.become_comanaged(id, t, Milestone::Retired, env, rec);
        }
        rec.latency(Latency::MdmEnrollment, t - self.step_start);
        rec.milestone(t, Some(Milestone::Joined), Milestone::Enrolled);
        match self.path {
            Path::ExistingClient => {
                rec.funnel(t, Some(Funnel::Initiated), Some(Funnel::Enrolled));
                if self.is_osd() {
                    rec.latency(Latency::TimeToComanagedOsd, t - self.origin);
                } else {
                    rec.latency(Latency::TimeToComanagedExistingClient, t);
                }
                self.become_comanaged(id, t, Milestone::Enrolled, env, rec);
            }
            Path::NewInternet => {
                self.begin_step(State::Installing, t);
                if self.fail_step() == Some(2) {
                    return self.fail(t, Milestone::Enrolled, rec);
                }
                self.install_attempt(id, t, env, rec);
            }
        }
    }

    /// Starts a client install attempt at `t` (path 2, inside the ESP).
    fn install_attempt(&mut self, id: u32, t: Time, env: &Env<'_>, rec: &mut impl Recorder) {
        let model = env.model;
        let timers = &model.scenario.timers;
        rec.request(Request::CmgContentDownload, t);
        let by_code =
            self.code_failure(id, model, FailureStep::ClientInstall, self.attempt, t, rec);
        if by_code.is_some_and(|k| model.code_is_permanent(k)) {
            self.set_fail_step(2);
            return self.fail(t, Milestone::Enrolled, rec);
        }
        let mut rng = model
            .seeds
            .stream(id, slot::CLIENT_INSTALL + u32::from(self.attempt));
        let failed = rng.chance(model.scenario.failures.client_install) || by_code.is_some();
        let mean = timers.client_install_time;
        // The content download waits in the CMG's queue like any other request.
        let duration = mean / 2 + rng.below(mean + 1) + env.pressure.delay[Component::Cmg.index()];
        if failed || duration > timers.esp_timeout {
            self.state = State::InstallFailing;
            self.next_event = after(t, timers.esp_timeout);
        } else {
            self.state = State::Installing;
            self.next_event = after(t, duration);
        }
    }

    fn count_targeted(&self, model: &Model, rec: &mut impl Recorder) {
        let gate = rec.gate();
        for stage in 0..model.stage_targets.len() {
            if self.member_of(model, stage) {
                gate.targeted[stage] = gate.targeted[stage].wrapping_add(1);
            }
        }
    }

    /// Updates the per-stage "switched" gate counts for a change of the Intune set from `before` (`None`: the
    /// device was not counted yet) to `after`.
    fn update_switched(
        &self,
        model: &Model,
        before: Option<WorkloadSet>,
        after: WorkloadSet,
        rec: &mut impl Recorder,
    ) {
        for (stage, target) in model.stage_targets.iter().enumerate() {
            if !self.member_of(model, stage) {
                continue;
            }
            let done = |set: WorkloadSet| match target.authority {
                Authority::ConfigMgr => set.0 & target.workloads.0 == 0,
                _ => set.includes(target.workloads),
            };
            let was = before.is_some_and(done);
            let is = done(after);
            let switched = &mut rec.gate().switched[stage];
            if is && !was {
                *switched = switched.wrapping_add(1);
            } else if was && !is {
                *switched = switched.wrapping_sub(1);
            }
        }
    }

    fn become_comanaged(
        &mut self,
        id: u32,
        t: Time,
        from: Milestone,
        env: &Env<'_>,
        rec: &mut impl Recorder,
    ) {
        rec.milestone(t, Some(from), Milestone::CoManaged);
        self.state = State::CoManaged;
        self.comanaged_at = t;
        // From here on `attempt` means a pending remote action (none yet), not a retry count.
        self.attempt = 0;
        self.count_targeted(env.model, rec);
        self.update_switched(env.model, None, WorkloadSet::EMPTY, rec);
        self.report_health(id, env.model, rec);
        // The poll that brought the co-management policy carries the current workload settings; a check-in it
        // triggers is handled as the co-managed device's next event (at `t` itself with sync-on-switch).
        self.apply_policy(id, t, env, rec);
        self.next_event = self.comanaged_next();
    }

    /// The load a switch of the Intune set from `before` to `after` at `t` moves: the software update scans stop
    /// when `windows_update_policies` goes to Intune and resume when it comes back; an internet client's
    /// content egress follows its content-bearing workloads.
    fn follow_switches(
        &self,
        id: u32,
        model: &Model,
        t: Time,
        before: WorkloadSet,
        after: WorkloadSet,
        rec: &mut impl Recorder,
    ) {
        let w = Workload::WindowsUpdatePolicies;
        match (before.contains(w), after.contains(w)) {
            (false, true) => self.update_scans(id, model, t + 1, -1, rec),
            (true, false) => self.update_scans(id, model, t + 1, 1, rec),
            _ => {}
        }
        if self.flags & INTERNET != 0 {
            let on_configmgr = |set: WorkloadSet| {
                CONTENT_WORKLOADS
                    .iter()
                    .filter(|w| !set.contains(**w))
                    .count() as i32
            };
            let delta = on_configmgr(after) - on_configmgr(before);
            if delta != 0 {
                rec.cmg_content(t + 1, delta);
            }
        }
    }

    /// A policy poll at `t`: move every workload to the authority the plan asks for, then find the next poll
    /// that will change something.
    fn apply_policy(&mut self, id: u32, t: Time, env: &Env<'_>, rec: &mut impl Recorder) {
        let model = env.model;
        let timers = &model.scenario.timers;
        let member = self.member();
        let desired = env.plan.desired(member, t);
        let online = self.online(id, model);
        if desired != self.intune {
            let before = self.intune;
            if rec.counts_requests() {
                self.follow_switches(id, model, t, before, desired, rec);
            }
            for w in Workload::ALL {
                match (before.contains(w), desired.contains(w)) {
                    (false, true) => {
                        let origin = env.plan.switch_origin(w, member, t);
                        rec.latency(Latency::SwitchLatency(w), t - origin);
                        let effective = self.takes_effect(id, model, w, t);
                        if effective < model.scenario.duration {
                            rec.latency(Latency::WorkloadEffectiveLatency(w), effective - origin);
                        }
                        rec.authority(t, w, 1);
                        if w == Workload::CompliancePolicies {
                            self.comp_origin = origin;
                            self.comp_switch = t;
                            self.sync_wake = if timers.sync_on_switch {
                                // The extra check-in the switch triggers (scheduled ones are counted in aggregate).
                                rec.request(Request::MdmCheckin, t);
                                t
                            } else {
                                next_run(&online, &self.mdm_schedule(model), t + 1)
                            };
                        }
                    }
                    (true, false) => {
                        rec.authority(t, w, -1);
                        if w == Workload::CompliancePolicies {
                            self.withdraw_compliance(id, t, model, rec);
                        }
                    }
                    _ => {}
                }
            }
            self.update_switched(model, Some(before), desired, rec);
            self.intune = desired;
        }
        let change = env.plan.next_change(member, self.intune, t + 1);
        self.poll_wake = if change == NEVER {
            NEVER
        } else {
            next_run(&online, &self.poll_ticks(model), change)
        };
    }

    /// When the switch of workload `w` to Intune at `t` takes effect on the device (docs/model.md §2): Office
    /// Click-to-Run at its next Office update check or restart, whichever comes first; Endpoint Protection's
    /// ConfigMgr policies stay until Intune's overwrite them at the next Intune check-in (the one the switch
    /// triggers with `sync_on_switch`); every other workload at the switch itself, as no delay is documented.
    fn takes_effect(&self, id: u32, model: &Model, w: Workload, t: Time) -> Time {
        match w {
            Workload::OfficeClickToRun => {
                let phase = mix64(model.seeds.device_key(id) ^ OFFICE_UPDATE_SALT)
                    % u64::from(OFFICE_UPDATE_CHECK);
                let check = Periodic {
                    phase: phase as Time,
                    period: OFFICE_UPDATE_CHECK,
                };
                let online = self.online(id, model);
                next_run(&online, &check, t.saturating_add(1)).min(self.restart_after(id, model, t))
            }
            Workload::EndpointProtection if model.scenario.timers.sync_on_switch => t,
            Workload::EndpointProtection => next_run(
                &self.online(id, model),
                &self.mdm_schedule(model),
                t.saturating_add(1),
            ),
            _ => t,
        }
    }

    fn grace_end(&self, model: &Model) -> Time {
        after(self.report_at, model.scenario.compliance.noncompliant_grace)
    }

    /// How long a compliance change takes to reach the user's session: Azure AD propagation, then (without
    /// continuous access evaluation) the renewal of the access token, whose lifetime is uniform 60–90 min
    /// (learn.microsoft.com/entra/identity-platform/access-tokens; docs/model.md §3), drawn once per device.
    /// The session is taken to have renewed its token just before the attribute changed, so the full
    /// lifetime is waited — the conservative reading.
    fn ca_lag(&self, id: u32, model: &Model) -> Time {
        let c = &model.scenario.compliance;
        if c.cae {
            return c.aad_propagation;
        }
        let token = TOKEN_MIN
            + model
                .seeds
                .stream(id, slot::CA_TOKEN)
                .below(TOKEN_RANGE + 1);
        c.aad_propagation.saturating_add(token)
    }

    /// Records a change of the effective compliance state at `t`, and the conditional-access change it causes
    /// `lag` later (`undo`: cancels a change recorded before).
    fn record_compliance(
        t: Time,
        from: ComplianceState,
        to: ComplianceState,
        lag: Time,
        undo: bool,
        rec: &mut impl Recorder,
    ) {
        let (from, to) = if undo { (to, from) } else { (from, to) };
        rec.compliance(t, from, to);
        rec.ca(after(t, lag), CaState::of(from), CaState::of(to));
    }

    /// Time from the check-in that brings the policy (or a changed state) to the report: `evaluation_delay`
    /// plus a uniform spread, drawn once per device (docs/model.md, Compliance mechanics).
    fn evaluation_delay(&self, id: u32, model: &Model) -> Time {
        let c = &model.scenario.compliance;
        if c.evaluation_spread == 0 {
            return c.evaluation_delay;
        }
        // A keyed hash, not a stream draw: it is needed at every report and replay, and a stream costs a
        // ChaCha block.
        let h = mix64(model.seeds.device_key(id) ^ EVALUATION_SALT);
        c.evaluation_delay + (h % (u64::from(c.evaluation_spread) + 1)) as Time
    }

    /// The first restart after `t`: the start of the next online window of a device that goes offline, or
    /// the device's `restart_interval` tick (at its own phase) if that comes first.
    fn restart_after(&self, id: u32, model: &Model, t: Time) -> Time {
        let online = self.online(id, model);
        let boot = online
            .windows_from(t)
            .map(|(a, _)| a)
            .find(|&a| a > t && a != 0)
            .unwrap_or(NEVER);
        let interval = model.scenario.fleet.restart_interval;
        let phase = mix64(model.seeds.device_key(id) ^ RESTART_PHASE_SALT) % u64::from(interval);
        let tick = Periodic {
            phase: phase as Time,
            period: interval,
        };
        boot.min(next_run(&online, &tick, t.saturating_add(1)))
    }

    /// The device's own compliance-relevant state over time (docs/model.md, Compliance mechanics).
    fn truth(&self, id: u32, model: &Model) -> Truth {
        let c = &model.scenario.compliance;
        let mut truth = Truth {
            initial: self.compliant(),
            fixed: NEVER,
            drift: NEVER,
            drift_fixed: NEVER,
        };
        if c.remediation.is_none() && c.min_os_from.is_none() {
            return truth;
        }
        let attrs = Attrs::of(id, model, self.path);
        let mut rng = model.seeds.stream(id, slot::COMPLIANCE);
        let fixable = !rng.chance(c.never_fixed);
        let (u_fix, u_drift_fix) = (rng.uniform(), rng.uniform());
        if let Some(mean) = c.remediation.filter(|_| fixable)
            && !truth.initial
        {
            let fix = time_to_fix(mean, u_fix);
            // BitLocker is a health-attestation setting: the device reports it as of its last boot.
            truth.fixed = if c.require_bitlocker && !attrs.bitlocker {
                self.restart_after(id, model, fix)
            } else {
                fix
            };
        }
        if let Some(from) = c.min_os_from
            && attrs.os_build < c.raised_min_os_build
        {
            truth.drift = from;
            if let Some(mean) = c.remediation.filter(|_| fixable) {
                truth.drift_fixed = after(from, time_to_fix(mean, u_drift_fix));
            }
        }
        truth
    }

    /// Whether the report at `self.report_at` says compliant.
    fn reported_ok(&self, id: u32, model: &Model) -> bool {
        let delay = self.evaluation_delay(id, model);
        self.truth(id, model).ok(self.report_at - delay)
    }

    /// Every change of the effective compliance state that follows the report at `self.report_at`, in time
    /// order, as `f(t, from, to)`: the report itself (from unknown); each later change of the device's own
    /// state (a fix, the raised OS minimum), reported `evaluation_delay` after the first check-in that sees
    /// it; the end of a grace period; and while compliant, every lapse of the compliance status validity
    /// period — a check-in gap longer than `validity` makes the device noncompliant from `last check-in +
    /// validity` until its next check-in.
    fn compliance_changes(
        &self,
        id: u32,
        model: &Model,
        f: impl FnMut(Time, ComplianceState, ComplianceState),
    ) {
        let c = &model.scenario.compliance;
        let duration = model.scenario.duration;
        let delay = self.evaluation_delay(id, model);
        let r = self.report_at;
        let first_checkin = r - delay;
        let truth = self.truth(id, model);
        let online = self.online(id, model);
        let schedule = self.mdm_schedule(model);
        // The reports that can change the state: (report time, compliant), in time order.
        let mut bounds = [(NEVER, false); 4];
        bounds[0] = (r, truth.ok(first_checkin));
        let mut n = 1;
        for a in [truth.fixed, truth.drift, truth.drift_fixed] {
            if a <= first_checkin || a >= duration {
                continue;
            }
            let checkin = next_run(&online, &schedule, a);
            let seen = after(checkin, delay);
            if checkin != NEVER && seen < duration {
                bounds[n] = (seen, truth.ok(checkin));
                n += 1;
            }
        }
        bounds[..n].sort_unstable_by_key(|b| b.0);

        let longest_gap = self
            .profile
            .max_offline_gap()
            .map(|g| g.saturating_add(model.scenario.timers.mdm_sync));
        let lapses_possible = longest_gap.is_none_or(|g| g > c.validity);
        let mut out = Changes {
            cur: ComplianceState::Unknown,
            f,
        };
        let mut grace_end = NEVER;
        for i in 0..n {
            let (b, ok) = bounds[i];
            let end = if i + 1 < n { bounds[i + 1].0 } else { NEVER };
            if !ok {
                match out.cur {
                    ComplianceState::Noncompliant | ComplianceState::InGrace => {}
                    _ if c.noncompliant_grace > 0 => {
                        out.to(b, ComplianceState::InGrace);
                        grace_end = after(b, c.noncompliant_grace);
                    }
                    _ => out.to(b, ComplianceState::Noncompliant),
                }
                if out.cur == ComplianceState::InGrace && grace_end < end {
                    out.to(grace_end, ComplianceState::Noncompliant);
                }
                continue;
            }
            out.to(b, ComplianceState::Compliant);
            if !lapses_possible {
                continue;
            }
            let limit = end.min(duration);
            let mut checkin = b - delay;
            while checkin < limit {
                let next = next_run(&online, &schedule, checkin + 1);
                if next == NEVER || next - checkin > c.validity {
                    let lapse = checkin + c.validity;
                    if lapse >= limit {
                        break;
                    }
                    out.to(lapse, ComplianceState::Noncompliant);
                    if next == NEVER || next >= limit {
                        break;
                    }
                    out.to(next, ComplianceState::Compliant);
                }
                checkin = next;
            }
        }
    }

    /// The Intune check-in at `t` after the compliance workload switched: the device evaluates the policy and
    /// reports `evaluation_delay` later; Azure AD and conditional access pick the report up `ca_lag` after it.
    fn report_compliance(&mut self, id: u32, t: Time, model: &Model, rec: &mut impl Recorder) {
        self.sync_wake = NEVER;
        if !self.intune.contains(Workload::CompliancePolicies) {
            return;
        }
        let duration = model.scenario.duration;
        let r = after(t, self.evaluation_delay(id, model));
        if r >= duration {
            return;
        }
        rec.latency(Latency::ComplianceLatency, r - self.comp_origin);
        rec.latency(Latency::SwitchToCompliance, r - self.comp_switch);
        self.report_at = r;
        let ok = self.reported_ok(id, model);
        let grace = model.scenario.compliance.noncompliant_grace;
        let state = if ok {
            ComplianceState::Compliant
        } else if grace > 0 {
            ComplianceState::InGrace
        } else {
            ComplianceState::Noncompliant
        };
        self.compliance = state;
        let lag = self.ca_lag(id, model);
        self.compliance_changes(id, model, |at, from, to| {
            Self::record_compliance(at, from, to, lag, false, rec)
        });
        let (metric, effective) = if ok {
            (Latency::CaReadyLatency, after(r, lag))
        } else {
            (Latency::CaBlockLatency, after(self.grace_end(model), lag))
        };
        if effective < duration {
            rec.latency(metric, effective - self.comp_origin);
        }
        let gate = rec.gate();
        gate.reported = gate.reported.wrapping_add(1);
        if !ok {
            gate.noncompliant = gate.noncompliant.wrapping_add(1);
        }
    }

    /// The compliance workload moved back to ConfigMgr (or the device left management) at `t`: Intune's
    /// report no longer counts. Changes recorded for `t` or later are cancelled.
    fn withdraw_compliance(&mut self, id: u32, t: Time, model: &Model, rec: &mut impl Recorder) {
        self.sync_wake = NEVER;
        if self.compliance == ComplianceState::Unknown {
            return;
        }
        let lag = self.ca_lag(id, model);
        let mut current = ComplianceState::Unknown;
        self.compliance_changes(id, model, |at, from, to| {
            if at >= t {
                Self::record_compliance(at, from, to, lag, true, rec);
            } else {
                current = to;
            }
        });
        Self::record_compliance(t, current, ComplianceState::Unknown, lag, false, rec);
        let ok = self.reported_ok(id, model);
        let gate = rec.gate();
        gate.reported = gate.reported.wrapping_sub(1);
        if !ok {
            gate.noncompliant = gate.noncompliant.wrapping_sub(1);
        }
        self.compliance = ComplianceState::Unknown;
    }

    /// Whether the device's ConfigMgr client health evaluation is broken: drawn once per device from its own
    /// slot, with probability `fleet.broken_client_health`.
    ///
    /// \[assumption\] A broken evaluation never writes `ClientHealthStatus` 7, so Intune falls back to the 48 h
    /// `LastSyncTime` rule for the device's whole life (a wipe does not repair it: the draw is per device id).
    fn health_broken(&self, id: u32, model: &Model) -> bool {
        let share = model.scenario.fleet.broken_client_health;
        share > 0.0 && model.seeds.stream(id, slot::CLIENT_HEALTH).chance(share)
    }

    /// Every change of the client health Intune shows for the device co-managed since `self.comanaged_at`, in
    /// time order, as `f(t, from, to)`, before the end of the run:
    ///
    /// - \[assumption\] the health becomes visible at the device's first Intune check-in at or after it became
    ///   co-managed (the ConfigMgr client-notification component has then written the status the check-in
    ///   reports); until then it is unknown. At that check-in the last sync is fresh, so it shows healthy.
    /// - \[assumption\] every later Intune check-in refreshes both `LastSyncTime` and (for a working client)
    ///   `ClientHealthLastSyncTime`: the client's daily health evaluation runs whenever the device is online,
    ///   and the check-ins are what Intune sees of it. Queue delays and rejections are ignored here.
    /// - So a device shows unhealthy from `last check-in + validity` until its next check-in, where validity
    ///   is 30 days for a working client and 48 h for one with broken health evaluation.
    fn health_changes(
        &self,
        id: u32,
        model: &Model,
        mut f: impl FnMut(Time, HealthState, HealthState),
    ) {
        if self.comanaged_at == NEVER {
            return;
        }
        let duration = model.scenario.duration;
        let online = self.online(id, model);
        let schedule = self.mdm_schedule(model);
        let first = next_run(&online, &schedule, self.comanaged_at);
        if first >= duration {
            return;
        }
        f(first, HealthState::Unknown, HealthState::Healthy);
        let validity = if self.health_broken(id, model) {
            LAST_SYNC_VALID
        } else {
            HEALTH_STATUS_VALID
        };
        let longest_gap = self
            .profile
            .max_offline_gap()
            .map(|g| g.saturating_add(model.scenario.timers.mdm_sync));
        if longest_gap.is_some_and(|g| g <= validity) {
            return;
        }
        let mut checkin = first;
        while checkin < duration {
            let next = next_run(&online, &schedule, checkin + 1);
            if next == NEVER || next - checkin > validity {
                let lapse = checkin + validity;
                if lapse >= duration {
                    return;
                }
                f(lapse, HealthState::Healthy, HealthState::Unhealthy);
                if next == NEVER || next >= duration {
                    return;
                }
                f(next, HealthState::Unhealthy, HealthState::Healthy);
            }
            checkin = next;
        }
    }

    /// The device became co-managed: records every change of its visible client health and the
    /// `health_visible_latency` sample (co-managed → first shown healthy).
    ///
    /// \[assumption\] The sample is taken when the device becomes co-managed; a wipe or retire between then and
    /// the first check-in does not withdraw it (the timeline changes are withdrawn).
    fn report_health(&self, id: u32, model: &Model, rec: &mut impl Recorder) {
        let start = self.comanaged_at;
        let mut first = None;
        self.health_changes(id, model, |at, from, to| {
            if first.is_none() {
                first = Some(at);
            }
            rec.health(at, from, to);
        });
        if let Some(at) = first {
            rec.latency(Latency::HealthVisibleLatency, at - start);
        }
    }

    /// The device leaves co-management at `t`: its client health is no longer shown; changes recorded for `t`
    /// or later are cancelled.
    fn withdraw_health(&self, id: u32, t: Time, model: &Model, rec: &mut impl Recorder) {
        let mut current = HealthState::Unknown;
        self.health_changes(id, model, |at, from, to| {
            if at >= t {
                rec.health(at, to, from);
            } else {
                current = to;
            }
        });
        rec.health(t, current, HealthState::Unknown);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hot_state_is_at_most_64_bytes() {
        assert!(
            std::mem::size_of::<Device>() <= 64,
            "{}",
            std::mem::size_of::<Device>()
        );
    }
}
