//! The validated scenario: everything a simulation needs, in domain units (seconds, shares, enums), free of
//! TOML and files. `scenario::load` builds it from a file; tests and benches may build it directly.
//!
//! The fields say what each setting models and where the figure comes from (MD = MicrosoftDocs/memdocs,
//! SA = SupportArticles-docs, AZ = azure-docs). The defaults are written once, in the scenario schema
//! (`scenario::keys`); the `Default` impls of these structs are in `scenario::read`, which reads an absent
//! table through that schema.

use super::infrastructure::{CmgVmSize, SupPlacement};
use super::time::{HOUR, MINUTE, Time};
use super::workload::{Authority, WorkloadSet};

/// One complete, validated scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Scenario name; results go to `results/<name>/` by default.
    pub name: String,
    /// Root of every random stream: same scenario + seed ⇒ byte-identical results.
    pub seed: u64,
    /// The wall-clock instant of t = 0; office hours and weekends are local time of its UTC offset.
    pub start: super::calendar::Start,
    /// Simulated span in seconds from `start`.
    pub duration: Time,
    /// Who the devices are and when they are online.
    pub fleet: Fleet,
    /// Product timers.
    pub timers: Timers,
    /// Per-attempt failure probabilities.
    pub failures: Failures,
    /// Who co-management's automatic enrollment reaches and how (`[comanagement]`).
    pub comanagement: CoManagement,
    /// Failures by error code (`[[failure]]`), in file order.
    pub failure_codes: Vec<FailureCode>,
    /// Management points and the cloud management gateway.
    pub infrastructure: Infrastructure,
    /// The Intune compliance policy the Compliance policies workload brings.
    pub compliance: CompliancePolicy,
    /// How load is counted and fed back.
    pub load: LoadModel,
    /// Rollout stages, in order.
    pub stages: Vec<Stage>,
    /// Intune remote actions (`[[action]]`), in file order.
    pub actions: Vec<super::action::Action>,
    /// CI thresholds, as written (evaluated by the gate).
    pub thresholds: Vec<Threshold>,
}

/// The fleet: size, path mix, arrivals, sites, availability and attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct Fleet {
    /// Total virtual devices (both paths).
    pub devices: u32,
    /// Share of devices on path 1 (existing ConfigMgr clients); the rest are new internet devices.
    pub existing_client_share: f64,
    /// Share of path-1 devices already co-managed at t = 0 (a fleet in steady state).
    pub comanaged_at_start: f64,
    /// Share of path-1 devices (not yet co-managed) already hybrid Azure AD joined at t = 0 (docs/model.md
    /// §1.1): the join is a prerequisite, usually configured long before co-management, so these devices wait
    /// only for their enrollment timer. Default 0 (every device joins during the run).
    pub hybrid_joined_at_start: f64,
    /// Share of path-1 devices that are on the internet (remote workers): their ConfigMgr traffic goes
    /// through the CMG instead of their site's management points. Path-2 devices always use the CMG.
    /// Default 0 (every existing client on the corporate network).
    pub internet_share: f64,
    /// Share of the internet path-1 devices that reach the corporate network over a VPN. Hybrid Azure AD join
    /// needs line of sight to a domain controller (docs/model.md §1.1), so an internet device without one that
    /// is not joined yet never completes the join, and is never co-managed through path 1. Default 1.
    pub vpn_share: f64,
    /// The state of the path-1 clients at t = 0 (`[fleet.readiness]`).
    pub readiness: Readiness,
    /// Share of devices whose ConfigMgr client health evaluation is broken (docs/model.md §1.2): they never
    /// report `ClientHealthStatus` 7, so Intune shows them healthy only while their last sync is ≤ 48 h old.
    /// Drawn per device with a keyed draw (`rng::slot::CLIENT_HEALTH`). Default 0.
    pub broken_client_health: f64,
    /// Path-2 devices arrive uniformly over `[0, new_device_arrival)`.
    pub new_device_arrival: Time,
    /// Longest time between two restarts of a device that stays on; a device that goes offline restarts
    /// when it comes online. Health-attestation settings are reported as of the last restart
    /// (docs/model.md §3); the interval is an \[assumption\].
    pub restart_interval: Time,
    /// ConfigMgr sites (boundary groups); devices are spread evenly over them.
    pub sites: u32,
    /// Share of devices per online profile.
    pub availability: AvailabilityMix,
    /// Share of devices with each compliance-relevant attribute.
    pub attributes: Attributes,
    /// The same shares for new Autopilot hardware (path 2); as `attributes` where the scenario is silent.
    pub new_attributes: Attributes,
    /// OS-deployment arrivals: devices imaged by a ConfigMgr task sequence, in addition to `devices`.
    pub osd: OsdArrivals,
    /// The inventory the fleet is taken from (`[fleet] inventory`), if any.
    pub inventory: Option<FleetInventory>,
}

/// The organisation's inventory as the fleet (`[fleet] inventory`): device `id` takes the facts of row
/// `inventory::row_of(id, …)`; what a row does not say is drawn from the shares above.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetInventory {
    /// The file as written in the scenario (relative to the scenario file).
    pub file: String,
    /// Its column preset: `canonical`, `intune` or `configmgr`.
    pub format: String,
    /// One entry per device row kept, in file order; empty until the file is read.
    pub facts: std::sync::Arc<Vec<super::inventory::DeviceFacts>>,
}

impl Fleet {
    /// Every simulated device: `devices` (both paths) plus the OS-deployment arrivals, which take the ids
    /// after them.
    pub fn total_devices(&self) -> u32 {
        self.devices + self.osd.count
    }
}

/// Shares of the path-1 clients (not co-managed at t = 0) by their state at t = 0, as ConfigMgr's client status
/// and the co-management dashboard show them (docs/model.md §1.1, readiness). At most 1 together; the rest are
/// ready. Each is drawn per device with a keyed draw (`rng::slot::COMANAGEMENT`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Readiness {
    /// Inactive ConfigMgr clients: no policy request, no join, nothing until they return.
    pub inactive: f64,
    /// Mean time for an inactive client to return, exponential from t = 0; `None`: none returns in the run.
    pub inactive_return: Option<Time>,
    /// Unhealthy clients: they do not process the co-management policy, so never enroll (their hybrid join
    /// still runs: Windows drives it, not the client).
    pub unhealthy: f64,
    /// Clients on an OS build co-management cannot enroll: their enrollment fails with 0x80070032.
    pub ineligible_os: f64,
    /// Clients already enrolled in Intune: co-managed at the policy poll that brings the co-management policy.
    pub intune_enrolled: f64,
    /// Servers: co-management is for Windows clients, so they are skipped.
    pub servers: f64,
}

impl Readiness {
    /// Whether every share is 0 (no device needs its readiness drawn).
    pub fn is_none(&self) -> bool {
        self.inactive + self.unhealthy + self.ineligible_os + self.intune_enrolled + self.servers
            == 0.0
    }
}

/// Which path-1 clients co-management's automatic enrollment reaches (the "Automatic enrollment in Intune"
/// setting: MD memdocs/configmgr/comanage/how-to-enable.md, docs/model.md §1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoEnrollment {
    /// Every client.
    All,
    /// The members of the "Intune Auto Enrollment" pilot collection.
    Pilot,
    /// No client: path-1 devices never get the co-management policy.
    None,
}

/// `[comanagement]`: the site's ConfigMgr version, the scope of automatic enrollment and how it authenticates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoManagement {
    /// Which clients get the co-management policy.
    pub auto_enrollment: AutoEnrollment,
    /// With `Pilot`: the pilot collection's share of the path-1 clients (1 otherwise).
    pub pilot_share: f64,
    /// Share of the path-1 clients whose Azure AD device-token enrollment fails: they fall back to the user
    /// token and wait as "Pending user sign in" until a user signs in (docs/model.md §1.1).
    pub user_token_share: f64,
    /// ConfigMgr current-branch version as YYMM (`2403`); from [`RESOURCE_ACCESS_MERGED_IN`] on, Resource
    /// access is part of Device configuration (docs/model.md §2).
    pub configmgr_version: u32,
}

impl CoManagement {
    /// The share of path-1 clients in the automatic-enrollment scope.
    pub fn scope_share(&self) -> f64 {
        match self.auto_enrollment {
            AutoEnrollment::All => 1.0,
            AutoEnrollment::Pilot => self.pilot_share,
            AutoEnrollment::None => 0.0,
        }
    }
}

/// New devices imaged by a ConfigMgr task sequence (`[fleet] osd_arrivals`): they arrive uniformly over
/// `[0, span)` as domain-joined ConfigMgr clients and follow path 1 from their arrival. Default none.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OsdArrivals {
    /// How many (added to `devices`).
    pub count: u32,
    /// Arrivals are uniform over `[0, span)`.
    pub span: Time,
}

/// Share of devices per availability profile; sums to 1.
///
/// No published duty cycle exists (docs/model.md §5, "NOT FOUND: a published fraction of laptops online"),
/// so the profiles are stated assumptions; see `model::availability` for their exact shapes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AvailabilityMix {
    /// Desktops and kiosks, online all the time.
    pub always_on: f64,
    /// Online Monday–Friday about 08:00–18:00, jittered per device and day.
    pub office_hours: f64,
    /// Online in a few short windows a week.
    pub intermittent: f64,
}

/// Per-device attribute shares that the compliance policy is evaluated against.
#[derive(Debug, Clone, PartialEq)]
pub struct Attributes {
    /// OS build numbers with their shares (sum 1), ascending by build.
    pub os_build: Vec<(u32, f64)>,
    /// Share of devices with BitLocker on.
    pub bitlocker: f64,
    /// Share of devices with the firewall on.
    pub firewall: f64,
    /// Share of devices with Defender antimalware on.
    pub defender: f64,
}

/// A check-in burst right after MDM enrollment: every `interval` for `span`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Burst {
    /// Time between check-ins during the burst.
    pub interval: Time,
    /// How long the burst lasts.
    pub span: Time,
}

/// The default `mdm_sync_after_enroll`: every 3 min for 15 min, then every 15 min for 2 h — Windows devices'
/// Intune check-ins after enrollment (MD memdocs/intune/configuration/device-profile-troubleshoot.md).
pub const DEFAULT_BURSTS: [Burst; 2] = [
    Burst {
        interval: 3 * MINUTE,
        span: 15 * MINUTE,
    },
    Burst {
        interval: 15 * MINUTE,
        span: 2 * HOUR,
    },
];

/// The ConfigMgr version from which Resource access is no longer a workload of its own: "unsupported from
/// 2203 on; it is part of Device configuration" (MD memdocs/configmgr/comanage/workloads.md).
pub const RESOURCE_ACCESS_MERGED_IN: u32 = 2203;

impl Scenario {
    /// The stages that list `resource_access` although the site's ConfigMgr version no longer has it as a
    /// workload of its own (the product moves it with Device configuration, and so does the simulation).
    pub fn stages_listing_merged_resource_access(&self) -> impl Iterator<Item = &Stage> {
        let merged = self.comanagement.configmgr_version >= RESOURCE_ACCESS_MERGED_IN;
        self.stages.iter().filter(move |s| {
            merged
                && s.listed.contains(super::workload::Workload::ResourceAccess)
                && s.authority != Authority::ConfigMgr
        })
    }
}

/// Product timers; each default is the product default where one exists.
#[derive(Debug, Clone, PartialEq)]
pub struct Timers {
    /// ConfigMgr machine policy retrieval interval; default 60 min, uniform random phase per device.
    /// Source: MD memdocs/configmgr/core/clients/deploy/about-client-settings.md ("Client policy polling
    /// interval"). Accepted range 3–1440 min, the range commonly quoted for the setting (unverified in docs).
    pub policy_poll: Time,
    /// Incremental collection evaluation interval; default 5 min. A pilot collection's new members become
    /// effective at the next evaluation, and rollout gates are checked at every evaluation.
    /// Source: MD memdocs/configmgr/core/clients/manage/collections/collection-evaluation.md.
    pub collection_eval: Time,
    /// Azure AD Connect sync cycle; default 30 min, also the fastest supported interval. A hybrid join
    /// completes only after the computer object has been synced.
    /// Source: AZ articles/active-directory/hybrid/how-to-connect-sync-feature-scheduler.md.
    pub aad_connect_sync: Time,
    /// Automatic-Device-Join task retry: the registration trigger "runs every hour".
    /// Source: SA support/mem/intune/comanage-configmgr/troubleshoot-co-management-auto-enrolling.md.
    pub hybrid_join_retry: Time,
    /// ConfigMgr spreads auto-enrollment of existing clients at random over this span ("if your environment
    /// has 100,000 clients … enrollment occurs over several days"). `None` (the default): the span scales
    /// with the clients in scope, [`auto_enrollment_spread`] (docs/model.md §1.1, an \[assumption\]).
    /// Source: MD memdocs/configmgr/comanage/includes/enable-co-management-1906-2107.md.
    pub enrollment_spread: Option<Time>,
    /// ConfigMgr-triggered MDM enrollment retry interval; default 15 min (MDMEnrollmentRetryInterval).
    /// Source: \[secondary\] "Co-management Auto-enrollment Process Flow" KB (docs/model.md §1.1).
    pub enrollment_retry: Time,
    /// Enrollment attempts per round (MDMEnrollmentRetries, default 3: "Try #1 out of 3"); after a failed
    /// round the client waits for its next machine policy evaluation. Source: as `enrollment_retry`.
    pub enrollment_attempts: u32,
    /// Intune steady-state check-in interval: "about every 8 hours", uniform random phase per device.
    /// Source: MD memdocs/intune/configuration/device-profile-troubleshoot.md.
    pub mdm_sync: Time,
    /// Check-in bursts right after enrollment: every 3 min for 15 min, then every 15 min for 2 h.
    /// Source: MD device-profile-troubleshoot.md (03/07/2022 revision).
    pub mdm_sync_after_enroll: Vec<Burst>,
    /// "When you switch a co-management workload, the co-managed devices automatically synchronize MDM
    /// policy from Microsoft Intune"; default true. Source: MD memdocs/configmgr/comanage/how-to-switch-workloads.md.
    pub sync_on_switch: bool,
    /// Autopilot Enrollment Status Page timeout; default 60 min. Path 2: the ConfigMgr client install through
    /// the CMG must finish within it, or the attempt fails (error 0x800705b4).
    /// Source: MD memdocs/intune/enrollment/windows-enrollment-status.md; MD memdocs/configmgr/comanage/autopilot-enrollment.md.
    pub esp_timeout: Time,
    /// Mean duration of one ConfigMgr client install + registration through the CMG during the ESP
    /// (path 2); each attempt takes a uniform time in [½, 1½] of it. \[assumption\] No published figure
    /// exists (docs/model.md lists none); the default, 20 min, keeps a healthy attempt well inside the 60-min
    /// ESP timeout, as Microsoft's guidance for the ESP expects.
    pub client_install_time: Time,
    /// ConfigMgr hardware inventory cycle; default 7 days, uniform random phase per device.
    /// Source: MD memdocs/configmgr/core/clients/deploy/about-client-settings.md (docs/model.md §3.1).
    pub hardware_inventory: Time,
    /// Maximum random delay added to each hardware inventory cycle; default 240 min (0–480). Source: as
    /// `hardware_inventory`.
    pub hardware_inventory_random_delay: Time,
    /// ConfigMgr heartbeat discovery cycle; default 7 days, uniform random phase per device.
    /// Source: technet.microsoft.com/library/bb633103 (ConfigMgr 2007, "every seven days" \[old\]); MD
    /// memdocs/configmgr/core/servers/deploy/configure/about-discovery-methods.md (docs/model.md §3.1).
    pub heartbeat_discovery: Time,
    /// Software update scan cycle; default 7 days, plus a random 0–2 h per cycle
    /// ([`SOFTWARE_UPDATE_SCAN_RANDOM_DELAY`]). Source: as `hardware_inventory` (docs/model.md §3.1).
    pub software_update_scan: Time,
    /// How devices' timer phases are drawn: `Random` (uniform per device, as the real clients randomise) or
    /// `Aligned` (every device at phase 0: the thundering herd the randomisation exists to avoid).
    pub phase: PhaseMode,
}

/// The shortest automatic enrollment spread: the fixed 2 days the model used before the spread scaled.
pub const ENROLLMENT_SPREAD_FLOOR: Time = 2 * 86_400;
/// Spread per client in scope: "100,000 clients … over several days", with "several" read as 4 days
/// (4 d / 100,000 = 3.456 s per client). \[assumption\] docs/model.md §1.1.
pub const ENROLLMENT_SPREAD_PER_CLIENT: f64 = 4.0 * 86_400.0 / 100_000.0;

/// The automatic enrollment spread for `clients` path-1 clients in scope: the larger of
/// [`ENROLLMENT_SPREAD_FLOOR`] and `clients` × [`ENROLLMENT_SPREAD_PER_CLIENT`], at most 365 days.
pub fn auto_enrollment_spread(clients: f64) -> Time {
    let scaled = (clients * ENROLLMENT_SPREAD_PER_CLIENT).min(365.0 * 86_400.0) as Time;
    scaled.max(ENROLLMENT_SPREAD_FLOOR)
}

/// The random delay the client adds to each software update scan cycle: up to 2 h, not a setting
/// (MD memdocs/configmgr/core/clients/deploy/about-client-settings.md, docs/model.md §3.1).
pub const SOFTWARE_UPDATE_SCAN_RANDOM_DELAY: Time = 2 * 3_600;

/// How periodic timers' phases are set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhaseMode {
    /// Uniform random phase per device (the product behaviour).
    Random,
    /// Every device at phase 0 (a what-if: synchronised clients).
    Aligned,
}

/// Probability that one attempt of a step fails. No failure rate is published for any of these steps
/// (docs/model.md §1.1: "NOT FOUND: any published failure RATE"); the defaults are the reference's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Failures {
    /// One hybrid Azure AD join registration attempt fails (transient; retried by the hourly task).
    pub hybrid_join: f64,
    /// One MDM enrollment attempt fails (transient error codes such as 0x8018002B; retried).
    pub mdm_enrollment: f64,
    /// One ConfigMgr client install + registration through the CMG fails (path 2; retried).
    pub client_install: f64,
    /// Share of devices that hit a configuration error (e.g. 0x80180018 licence, 0x801c03f2) and never
    /// finish their path.
    pub permanent: f64,
}

/// The retried step a `[[failure]]` code hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureStep {
    /// Hybrid Azure AD join registration (path 1).
    HybridJoin,
    /// MDM enrollment (both paths).
    MdmEnrollment,
    /// ConfigMgr client install through the CMG (path 2).
    ClientInstall,
}

impl FailureStep {
    /// Every step, in the order of the per-device draws.
    pub const ALL: [FailureStep; 3] = [
        FailureStep::HybridJoin,
        FailureStep::MdmEnrollment,
        FailureStep::ClientInstall,
    ];

    /// The step's name in the scenario (`step = "mdm_enrollment"`).
    pub fn name(self) -> &'static str {
        match self {
            FailureStep::HybridJoin => "hybrid_join",
            FailureStep::MdmEnrollment => "mdm_enrollment",
            FailureStep::ClientInstall => "client_install",
        }
    }

    /// The step named `name`.
    pub fn from_name(name: &str) -> Option<FailureStep> {
        FailureStep::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// What a failure code does to the device it hits (the co-management dashboard's two kinds: MD
/// how-to-monitor.md; docs/model.md §1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The step's first attempt fails with the code; the device retries as the step does (0x8018002B, network
    /// timeouts).
    Transient,
    /// Every attempt fails until an admin fixes the cause (0x80180014 device restrictions, 0x80180018 licence):
    /// for ever without `fixed_at`.
    Configuration,
}

/// One `[[failure]]`: a share of devices whose `step` fails with `code`.
#[derive(Debug, Clone, PartialEq)]
pub struct FailureCode {
    /// The error code as the product logs it (`0x80180014`).
    pub code: String,
    /// Share of the devices that reach the step hit by it; the codes of one step sum to at most 1.
    pub share: f64,
    /// The step it hits.
    pub step: FailureStep,
    /// Transient or configuration.
    pub kind: FailureKind,
    /// A configuration error's fix: from then on its devices' attempts succeed. `None`: never fixed.
    pub fixed_at: Option<Time>,
}

/// Infrastructure sizing; defaults from MD memdocs/configmgr/core/plan-design/configs/size-and-scale-numbers.md
/// and MD includes/scale-cmg.md. The core engine validates and records these; load and capacity use them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Infrastructure {
    /// Management points per site (a primary site supports at most 15).
    pub management_points_per_site: u32,
    /// CMG VM instances per CMG (at most 16 per CMG, MD includes/scale-cmg.md).
    pub cmg_instances: u32,
    /// Cloud management gateways, each with `cmg_instances` VMs: "you can install multiple instances of the
    /// CMG at primary sites, or the CAS" (MD memdocs/configmgr/core/clients/manage/cmg/perf-scale.md) — how an
    /// estate with more internet clients than one CMG's 16 VMs carry is sized. Modelled as one pool of
    /// `cmgs × cmg_instances` VMs (clients spread evenly). Default 1.
    pub cmgs: u32,
    /// VM size of the CMGs' scale sets; sets the published concurrent clients per VM.
    pub cmg_vm_size: CmgVmSize,
    /// Concurrent clients per CMG VM: the published figure of `cmg_vm_size` (6,000 for Standard A2_v2,
    /// 10,000 for Large A4_v2, 10 for Lab) unless the scenario gives its own measured figure.
    pub cmg_clients_per_instance: u32,
    /// Whether every component is sized with a spare (2 MPs per site, 2 CMG VMs, 2 connection points):
    /// docs/model.md §4.
    pub high_availability: bool,
    /// Where WSUS of the software update points runs: co-located (25,000 clients each) or remote (150,000).
    pub sup: SupPlacement,
    /// Windows clients one management point supports: 25,000 (MD size-and-scale-numbers.md), a figure that
    /// assumes the default client settings, i.e. one policy request per client per 60 min.
    pub clients_per_management_point: u32,
    /// Intune check-in/enrollment capacity in requests per second for the tenant. `None` (the default): no
    /// figure is published for device traffic (Graph's throttling limits are for admin apps), so Intune load
    /// is counted but never delays anything.
    pub intune_requests_per_s: Option<f64>,
    /// Software update points (WSUS) per site. \[assumption\] Default 1: one per primary site.
    pub software_update_points_per_site: u32,
    /// Price of one CMG VM-hour, USD (the cost estimate; defaults from `cmg_vm_size`, an assumption).
    pub cmg_vm_hour_price: f64,
    /// Price of one GB of CMG egress, USD (the cost estimate; an assumption).
    pub cmg_egress_gb_price: f64,
}

impl Infrastructure {
    /// Policy requests per second one management point is sized for: its supported clients at the default
    /// 60-min poll (25,000 / 3,600 s ≈ 6.94/s). Utilisation 100 % is the published sizing point, not a
    /// measured saturation throughput.
    pub fn mp_requests_per_s(&self) -> f64 {
        f64::from(self.clients_per_management_point) / 3_600.0
    }

    /// Requests per second one CMG VM is sized for: its concurrent clients at one policy request per 60 min
    /// (6,000 / 3,600 s ≈ 1.67/s for Standard A2_v2). Over capacity "the CMG still answers, with delay"
    /// (MD includes/scale-cmg.md).
    pub fn cmg_requests_per_s(&self) -> f64 {
        f64::from(self.cmg_clients_per_instance) / 3_600.0
    }

    /// Scans per second one software update point is sized for: its supported clients at the default 7-day
    /// scan cycle (25,000 / 604,800 s ≈ 0.041/s co-located; `sup` sets the client figure). \[assumption\] The same rule as the MP's: the
    /// published client count at the default schedule the figure assumes, not a measured throughput.
    pub fn sup_requests_per_s(&self) -> f64 {
        self.sup.clients_per_sup() as f64 / (7.0 * 86_400.0)
    }

    /// CMG VMs in all CMGs.
    pub fn cmg_vms(&self) -> u32 {
        self.cmg_instances * self.cmgs
    }
}

/// How load is counted and fed back into timing (`[load]`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadModel {
    /// Count load and model capacity at all (off: the pure timing model, slightly faster).
    pub enabled: bool,
    /// Time bucket of `load.csv` and of the queue model; divides an hour. Default 1 min.
    pub bucket: Time,
    /// Whether queue delays and rejections feed back into device timing (off: count and report only).
    pub feedback: bool,
    /// A request that would wait longer than this is rejected and retried at the client's next run. `None`
    /// (the default): never rejected — an over-capacity component answers with delay ("the CMG still
    /// answers, with delay", docs/model.md §4), so the queue only delays.
    pub queue_limit: Option<Time>,
    /// Utilisation the capacity verdicts aim for: a count is enough when its published capacity × this target
    /// covers the peak; default 70 %.
    pub headroom_target: f64,
    /// MB one path-2 client install attempt downloads through the CMG. \[assumption\] Default 200 MB: no
    /// figure is published for the client package's download size.
    pub client_install_content: f64,
    /// MB one internet ConfigMgr client downloads through the CMG per 30 days with its software update,
    /// Office Click-to-Run and client app workloads all on ConfigMgr (a third less per workload on Intune).
    /// \[assumption\] Default 1,000 MB: no figure is published.
    pub cmg_content_per_client_month: f64,
}

/// The Intune compliance policy that the Compliance policies workload brings to a device.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompliancePolicy {
    /// Minimum OS build (19045 = Windows 10 22H2).
    pub min_os_build: u32,
    /// Require BitLocker.
    pub require_bitlocker: bool,
    /// Require the firewall.
    pub require_firewall: bool,
    /// Require Defender antimalware.
    pub require_defender: bool,
    /// Intune "Mark device noncompliant" action schedule: 0 days (immediate) by default, 0–365 days.
    /// Source: MD memdocs/intune/protect/actions-for-noncompliance.md.
    pub noncompliant_grace: Time,
    /// Delay from Intune recording a compliance state to Azure AD's device compliance attribute (which
    /// conditional access reads) showing it. \[assumption\] No latency is published (docs/model.md §3: "NOT
    /// FOUND: a documented latency for Intune → Azure AD compliance-attribute propagation"); the default,
    /// 15 min, is a conservative guess of a few minutes' service-to-service replication, made explicit so a
    /// planner can vary it.
    pub aad_propagation: Time,
    /// Continuous access evaluation: when on, a session sees a compliance change as soon as Azure AD has it;
    /// when off (the default), only when its access token is renewed. Token lifetime: uniform 60–90 min
    /// (average 75), drawn per device. Source: learn.microsoft.com/entra/identity-platform/access-tokens
    /// (AZ articles/active-directory/develop/access-tokens.md), docs/model.md §3.
    pub cae: bool,
    /// "Compliance status validity period": a device that has not reported (no Intune check-in) for this long
    /// is treated as noncompliant. Default 30 days, range 1–120 days. Source: MD
    /// memdocs/intune/protect/device-compliance-get-started.md.
    pub validity: Time,
    /// Shortest time from the check-in that brings the policy (or a changed device state) to the report.
    /// \[assumption\] No evaluation time is published: the check-in delivers the policy, the device evaluates
    /// it and the result reaches Intune in a later MDM session (docs/model.md §3).
    pub evaluation_delay: Time,
    /// Width of the uniform spread added to `evaluation_delay`, drawn once per device (\[assumption\]).
    pub evaluation_spread: Time,
    /// Mean time to fix a noncompliant device, exponential; `None`: nothing is ever fixed (\[assumption\]).
    pub remediation: Option<Time>,
    /// Share of devices never fixed whatever `remediation` says.
    pub never_fixed: f64,
    /// When the minimum OS build rises to `raised_min_os_build`; `None`: never.
    pub min_os_from: Option<Time>,
    /// The minimum OS build from `min_os_from` on.
    pub raised_min_os_build: u32,
}

/// What a gate does when it has not passed by its timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnFail {
    /// Stop the rollout: no later stage starts; this stage's workloads stay where they are.
    Halt,
    /// Move this stage's workloads back to ConfigMgr, then stop the rollout.
    Rollback,
}

/// A rollout gate: conditions on measured results, checked at every collection evaluation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gate {
    /// Share of targeted, co-managed devices that have switched every workload of the stage.
    pub min_switched: Option<f64>,
    /// Largest share of devices with a compliance report that may be noncompliant.
    pub max_noncompliant: Option<f64>,
    /// The stage must have run at least this long.
    pub min_age: Time,
    /// Not passed by then ⇒ `on_fail`; `None` waits for ever.
    pub timeout: Option<Time>,
    /// What happens at the timeout.
    pub on_fail: OnFail,
}

/// One rollout stage: move some workloads to an authority.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    /// Unique, non-empty name.
    pub name: String,
    /// Fixed start time; `None` = as soon as the previous stage's gate passes (or at t = 0 for the first).
    pub start: Option<Time>,
    /// The workloads the stage moves (as the product couples them: [`WorkloadSet::coupled`]).
    pub workloads: WorkloadSet,
    /// The workloads as the scenario lists them, before the coupling.
    pub listed: WorkloadSet,
    /// The authority it moves them to.
    pub authority: Authority,
    /// Pilot collection share (only with `PilotIntune`; 1 otherwise).
    pub pilot: f64,
    /// Optional gate on the stage's results.
    pub gate: Option<Gate>,
}

/// Comparison operator of a threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThresholdOp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
}

/// A CI threshold: `"<metric>.<stat>" = "<op> <value>"`, e.g. `"switch_latency.compliance_policies.p95" = "< 4h"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    /// The key as written.
    pub key: String,
    /// Comparison.
    pub op: ThresholdOp,
    /// Right-hand side, in seconds for durations.
    pub value: f64,
}
