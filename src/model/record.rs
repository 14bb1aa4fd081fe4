//! The one way out of the domain model: what a device tells the run as it moves — the states it enters, the
//! latencies it measures, the gate counts it changes, the remote actions that reach it, and the requests it
//! sends the infrastructure. The model names its events in its own words and knows nothing of how they are
//! counted: the engine's per-thread tallies (timelines, histograms) and the load ledger implement
//! [`Recorder`].
//!
//! Devices take the recorder as a generic parameter, never as `dyn Recorder`: a device event is a few
//! nanoseconds of work and the recorder's calls are inlined into it.

use super::action::ActionKind;
use super::availability::Online;
use super::infrastructure::Request;
use super::rollout::GateCounts;
use super::schedule::{Jittered, MdmSchedule, Periodic};
use super::states::{CaState, ComplianceState, Funnel, HealthState, Milestone};
use super::time::Time;
use super::workload::Workload;

/// An interval a device measures, one sample per device that went through it (the latency metrics of
/// the results are these, and the queue delays the engine measures itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Latency {
    /// Path 1: from t = 0 (co-management enabled) to co-managed.
    TimeToComanagedExistingClient,
    /// Path 2: from the device's arrival to co-managed.
    TimeToComanagedNewInternet,
    /// Path 1: hybrid Azure AD join, from the first registration attempt to success (incl. retries).
    HybridJoin,
    /// MDM enrollment, from its first attempt to success (incl. retries and waits between rounds).
    MdmEnrollment,
    /// Path 2: ConfigMgr client install + registration through the CMG (incl. failed attempts).
    ClientInstall,
    /// From the later of the stage start and co-management to the device's switch of this workload.
    SwitchLatency(Workload),
    /// Same origin as the compliance workload's switch latency, to the device's compliance report.
    ComplianceLatency,
    /// From the compliance workload's switch to the compliance report.
    SwitchToCompliance,
    /// Compliant devices: to the moment conditional access lets the device in.
    CaReadyLatency,
    /// Noncompliant devices: to the moment conditional access blocks the device.
    CaBlockLatency,
    /// OS-deployment arrivals: from the device's arrival to co-managed.
    TimeToComanagedOsd,
    /// From co-managed to the device's client health first showing healthy in Intune.
    HealthVisibleLatency,
    /// Same origin as the workload's switch latency, to the moment the switch takes effect on the device.
    WorkloadEffectiveLatency(Workload),
}

/// Which groups of the fleet a device belongs to, for counts kept per group (milestones per path and per
/// stage): its path and the stages whose target it is a member of. Fixed for the device's life.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cohort {
    /// 0: existing ConfigMgr client (path 1), 1: new internet-based device (path 2), 2: OS-deployment
    /// arrival — the order of [`Cohort::PATHS`].
    pub path: u8,
    /// Bit `k` set: stage `k` targets the device (its pilot collection, or everyone).
    pub stages: u64,
}

impl Cohort {
    /// The paths' names as the results write them, in [`Cohort::path`] order.
    pub const PATHS: [&'static str; 3] = ["existing_client", "new_internet", "osd"];

    /// The device's ring: the first stage whose target contains it (`None`: no stage targets it). A pilot
    /// device is also in a later "everyone" stage's target; it counts in the pilot's ring only.
    pub fn ring(self) -> Option<usize> {
        (self.stages != 0).then(|| self.stages.trailing_zeros() as usize)
    }
}

/// Where a device's events go. Every count is a sum, so a recorder may hold any subset of the fleet's devices
/// (a thread's chunks) and the totals are the sums of the recorders'.
pub trait Recorder {
    /// The events that follow, until the next call, are those of a device of `cohort`.
    fn device(&mut self, cohort: Cohort) {
        let _ = cohort;
    }
    /// The device reached milestone `to` at `t`, coming from `from` (`None`: newly counted).
    fn milestone(&mut self, t: Time, from: Option<Milestone>, to: Milestone);
    /// The path-1 client moved in the enrollment funnel at `t`, from `from` to `to` (`None`: not counted —
    /// before it, a device newly counted; after it, one that left, wiped or retired).
    fn funnel(&mut self, t: Time, from: Option<Funnel>, to: Option<Funnel>) {
        let _ = (t, from, to);
    }
    /// The device hit `[[failure]]` code `index` (once per device and code).
    fn failure_code(&mut self, index: usize) {
        let _ = index;
    }
    /// The device measured `seconds` of `latency`.
    fn latency(&mut self, latency: Latency, seconds: Time);
    /// The device moved `w` to Intune (`+1`) or back to ConfigMgr (`-1`) at `t`.
    fn authority(&mut self, t: Time, w: Workload, delta: i32);
    /// The device's compliance as Intune reports it changed at `t`.
    fn compliance(&mut self, t: Time, from: ComplianceState, to: ComplianceState);
    /// What conditional access does with the device's sign-ins changed at `t`.
    fn ca(&mut self, t: Time, from: CaState, to: CaState);
    /// The device's client health as Intune shows it changed at `t`.
    fn health(&mut self, t: Time, from: HealthState, to: HealthState);
    /// The counts the rollout gates read, for the device to add itself to or take itself out of.
    fn gate(&mut self) -> &mut GateCounts;
    /// Remote action `index` (of kind `kind`) targeted the device, which acted `latency` after the action's
    /// `at` (`None`: not before the end of the run).
    fn remote_action(&mut self, index: usize, kind: ActionKind, latency: Option<Time>);

    /// Whether requests are counted: when not, a device need not work out its windows and schedules for
    /// the calls below, which then do nothing.
    fn counts_requests(&self) -> bool;
    /// One request of type `request` at `t`.
    fn request(&mut self, request: Request, t: Time);
    /// Every run of a periodic task of type `request` from `from` on, on a device online in `online`.
    fn periodic(&mut self, request: Request, online: &Online, ticks: &Periodic, from: Time);
    /// Every Intune check-in of a device enrolled per `schedule`, from `from` on.
    fn mdm_checkins(&mut self, online: &Online, schedule: &MdmSchedule<'_>, from: Time);
    /// Takes back the runs from `from` on of what [`Recorder::periodic`] counted with the same arguments.
    fn cancel_periodic(&mut self, request: Request, online: &Online, ticks: &Periodic, from: Time);
    /// Takes back the check-ins from `from` on of what [`Recorder::mdm_checkins`] counted.
    fn cancel_checkins(&mut self, online: &Online, schedule: &MdmSchedule<'_>, from: Time);
    /// Every run of a client task of days from `from` on, as `request` (and as `also`, when given).
    fn weekly(
        &mut self,
        request: Request,
        also: Option<Request>,
        online: &Online,
        ticks: &Jittered,
        from: Time,
    );
    /// Takes back the runs from `from` on of what [`Recorder::weekly`] counted with the same arguments.
    fn cancel_weekly(
        &mut self,
        request: Request,
        also: Option<Request>,
        online: &Online,
        ticks: &Jittered,
        from: Time,
    );
    /// Device `id`'s software update scans from `from` on ([`Recorder::weekly`] as `Request::SupScan`, and
    /// as `also` when given): the recorder may count them late, when they stop or the run ends.
    fn update_scans(
        &mut self,
        id: u32,
        also: Option<Request>,
        online: &Online,
        ticks: &Jittered,
        from: Time,
    );
    /// Device `id`'s software update scans stop from `from` on (what [`Recorder::update_scans`] started
    /// with the same arguments).
    fn stop_update_scans(
        &mut self,
        id: u32,
        also: Option<Request>,
        online: &Online,
        ticks: &Jittered,
        from: Time,
    );
    /// An internet ConfigMgr client's content-bearing workloads on ConfigMgr changed by `delta` at `t` (the
    /// CMG's content egress follows them).
    fn cmg_content(&mut self, t: Time, delta: i32);
}
