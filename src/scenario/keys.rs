//! Every scenario key, one row each: table, name, kind with range or allowed values, default, unit, a
//! one-line doc and the source of a product default. Adding a key is adding its row here (plus the model
//! field it sets and the line in `scenario::read` that reads it); validation, `--set`, the fuzzer and
//! `docs/scenario-format.md` follow.
//!
//! Sources: MD = MicrosoftDocs/memdocs, SA = SupportArticles-docs, AZ = azure-docs; `docs/model.md §N` for
//! the model's account of the fact.

use super::schema::{Key, Kind, Preset};
use crate::model::scenario::DEFAULT_BURSTS;
use crate::model::time::{DAY, HOUR, MAX_SPAN, MINUTE};

/// Largest fleet accepted: far above any tenant (the largest estates run to hundreds of thousands).
pub const MAX_DEVICES: u64 = 100_000_000;

/// Most CMGs a scenario may have. No limit is published; the largest fleet accepted ([`MAX_DEVICES`]) with
/// `bench-1m.toml`'s infrastructure per device (`scenarios/bench-100m.toml`) has 300 gateways of 16 VMs, and
/// 1,000 still catches a typo.
const MAX_CMGS: u64 = 1_000;

const SHARE: Kind = Kind::Number { min: 0.0, max: 1.0 };
/// A transient failure probability of 1 would retry for ever.
const FAILURE: Kind = Kind::Number {
    min: 0.0,
    max: 0.99,
};
const NO_SOURCE: &str = "";

/// Declares each key as a constant (for the code that reads it) and lists them all in [`KEYS`].
macro_rules! keys {
    ($($id:ident = $table:literal $name:literal => $kind:expr, $preset:expr, $unit:literal, $doc:expr, $source:expr;)*) => {
        $(
            #[doc = concat!("`", $table, "` `", $name, "`")]
            pub const $id: Key = Key {
                table: $table,
                name: $name,
                kind: $kind,
                preset: $preset,
                unit: $unit,
                doc: $doc,
                source: $source,
            };
        )*
        /// Every key of the format, table by table in the order of [`super::schema::TABLES`].
        pub const KEYS: &[Key] = &[$($id),*];
    };
}

keys! {
    NAME = "" "name" => Kind::Text, Preset::Required, "",
        "Scenario name; results go to `results/<name>/` (a sweep: `results/<name>-sweep/`) (1 to 100 letters, digits, `-`, `_` or `.`, not starting with `.`).",
        NO_SOURCE;
    SEED = "" "seed" => Kind::Whole { min: 0, max: u64::MAX }, Preset::Whole(42), "",
        "Root of every random stream: the same scenario and seed give byte-identical results.",
        NO_SOURCE;
    START = "" "start" => Kind::Instant, Preset::Optional, "",
        "Wall-clock instant of t = 0, RFC 3339 with seconds and a UTC offset, as a TOML date-time (`start = 2027-01-11T08:00:00+01:00`) or a string; office hours and weekends are local time of that offset, and every date in the results is written in it. Absent: Monday 2027-01-04T00:00:00Z, the first Monday of 2027 (docs/model.md, calendar).",
        NO_SOURCE;
    DURATION = "" "duration" => Kind::Duration { min: HOUR, max: MAX_SPAN }, Preset::Duration(21 * DAY), "",
        "Simulated span from `start`.",
        NO_SOURCE;
    THRESHOLDS = "" "thresholds" => Kind::Thresholds, Preset::Optional, "",
        "`[thresholds]`: CI thresholds checked by `cofleet gate`, `\"<metric>.<stat>\" = \"<op> <value>\"` (e.g. `\"switch_latency.compliance_policies.p95\" = \"< 4h\"`), or a value of the `load` and `capacity` sections of summary.json (e.g. `\"capacity.cmg.vms_needed\" = \"<= 4\"`).",
        NO_SOURCE;
    VARIANT = "" "variant" => Kind::Variants, Preset::Optional, "",
        "`[[variant]]`: plan variants for `cofleet sweep`, each a `name` and override keys (`\"stage.0.pilot\" = 0.10`); a single run ignores them.",
        NO_SOURCE;

    FLEET_DEVICES = "fleet" "devices" => Kind::Whole { min: 1, max: MAX_DEVICES }, Preset::Optional, "devices",
        "Total virtual devices (both paths); required unless `inventory` is given, where it defaults to the inventory's device rows (more: rows resampled; fewer: a sample of the rows).",
        NO_SOURCE;
    FLEET_INVENTORY = "fleet" "inventory" => Kind::Text, Preset::Optional, "",
        "An inventory CSV (path relative to the scenario file) the fleet is built from, one device per row (docs/inventory.md); what a row does not say is drawn from the shares below.",
        NO_SOURCE;
    FLEET_INVENTORY_FORMAT = "fleet" "inventory_format" => Kind::Choice { names: &["canonical", "intune", "configmgr"], what: "inventory format" }, Preset::Choice("canonical"), "",
        "Column preset of `inventory`: the canonical columns, the Intune admin center device export, or the ConfigMgr SQL query of docs/inventory.md.",
        NO_SOURCE;
    FLEET_EXISTING_CLIENT_SHARE = "fleet" "existing_client_share" => SHARE, Preset::Number(0.8), "",
        "Share of devices on path 1 (existing ConfigMgr clients); the rest are new internet devices (path 2).",
        "docs/model.md §1.1, §1.2";
    FLEET_COMANAGED_AT_START = "fleet" "comanaged_at_start" => SHARE, Preset::Number(0.0), "",
        "Share of path-1 devices already co-managed at t = 0 (a fleet in steady state).",
        NO_SOURCE;
    FLEET_HYBRID_JOINED_AT_START = "fleet" "hybrid_joined_at_start" => SHARE, Preset::Number(0.0), "",
        "Share of path-1 devices (not yet co-managed) already hybrid Azure AD joined at t = 0: they skip the join and wait only for their enrollment timer. Hybrid join is a prerequisite most estates configured long before co-management; the rest join from their first online moment.",
        "docs/model.md §1.1";
    FLEET_INTERNET_SHARE = "fleet" "internet_share" => SHARE, Preset::Number(0.0), "",
        "Share of path-1 devices on the internet (remote workers): their ConfigMgr traffic goes through the CMG instead of their site's management points.",
        NO_SOURCE;
    FLEET_VPN_SHARE = "fleet" "vpn_share" => SHARE, Preset::Number(1.0), "",
        "Share of the internet path-1 devices (`internet_share`) that reach the corporate network over a VPN; the others, unless already joined, never complete the hybrid join (it needs line of sight to a domain controller) and are never co-managed through path 1.",
        "docs/model.md §1.1";
    FLEET_BROKEN_CLIENT_HEALTH = "fleet" "broken_client_health" => SHARE, Preset::Number(0.0), "",
        "Share of devices whose ConfigMgr client health evaluation is broken: Intune shows them healthy only while their last sync is at most 48 h old.",
        "docs/model.md §1.2";
    FLEET_RESTART_INTERVAL = "fleet" "restart_interval" => Kind::Duration { min: HOUR, max: MAX_SPAN }, Preset::Duration(7 * DAY), "",
        "Longest time between two restarts of a device that stays on (a device that goes offline restarts when it next comes online); health-attestation settings (BitLocker) are reported as of the last restart.",
        "MD memdocs/intune/protect/compliance-policy-create-windows.md (docs/model.md §3); the interval is an [assumption]";
    FLEET_NEW_DEVICE_ARRIVAL = "fleet" "new_device_arrival" => Kind::Duration { min: 0, max: MAX_SPAN }, Preset::Duration(14 * DAY), "",
        "Path-2 devices arrive uniformly over [0, new_device_arrival).",
        NO_SOURCE;
    FLEET_SITES = "fleet" "sites" => Kind::Whole { min: 1, max: 1_000 }, Preset::Whole(4), "sites",
        "ConfigMgr sites (boundary groups); devices are spread evenly over them.",
        NO_SOURCE;

    ALWAYS_ON = "fleet.availability" "always_on" => SHARE, Preset::Number(0.25), "",
        "Desktops and kiosks, online all the time.",
        "[assumption] no published duty cycle (docs/model.md §5)";
    OFFICE_HOURS = "fleet.availability" "office_hours" => SHARE, Preset::Number(0.65), "",
        "Online Monday to Friday about 08:00–18:00, jittered per device and day.",
        "[assumption] no published duty cycle (docs/model.md §5)";
    INTERMITTENT = "fleet.availability" "intermittent" => SHARE, Preset::Number(0.10), "",
        "Online in a few short windows a week.",
        "[assumption] no published duty cycle (docs/model.md §5)";

    READY_INACTIVE = "fleet.readiness" "inactive" => SHARE, Preset::Number(0.0), "",
        "Share of path-1 clients inactive at t = 0 (no policy request, heartbeat or inventory for 7 days): no progress until they return.",
        "MD memdocs/configmgr/core/clients/deploy/configure-client-status.md (docs/model.md §1.1)";
    READY_INACTIVE_RETURN = "fleet.readiness" "inactive_return" => Kind::Duration { min: MINUTE, max: MAX_SPAN }, Preset::Optional, "",
        "Mean time for an inactive client to come back (exponential from t = 0); it then enrolls at once, co-management having members. None: no inactive client returns during the run.",
        "[assumption] (docs/model.md §1.1)";
    READY_UNHEALTHY = "fleet.readiness" "unhealthy" => SHARE, Preset::Number(0.0), "",
        "Share of path-1 clients whose ConfigMgr client is unhealthy: they never process the co-management policy (their hybrid join still runs).",
        "MD memdocs/configmgr/core/clients/deploy/configure-client-status.md (docs/model.md §1.1)";
    READY_INELIGIBLE_OS = "fleet.readiness" "ineligible_os" => SHARE, Preset::Number(0.0), "",
        "Share of path-1 clients on an OS build co-management cannot enroll: their enrollment fails with 0x80070032.",
        "SA support/mem/intune/comanage-configmgr/troubleshoot-co-management-auto-enrolling.md (docs/model.md §1.1)";
    READY_INTUNE_ENROLLED = "fleet.readiness" "intune_enrolled" => SHARE, Preset::Number(0.0), "",
        "Share of path-1 clients already enrolled in Intune: co-managed at the policy poll that brings the co-management policy, without enrolling.",
        "MD memdocs/configmgr/comanage/how-to-monitor.md (docs/model.md §1.1)";
    READY_SERVERS = "fleet.readiness" "servers" => SHARE, Preset::Number(0.0), "",
        "Share of path-1 clients that are servers: skipped by co-management. The five readiness shares sum to at most 1.",
        "docs/model.md §1.1";

    OS_BUILD = "fleet.attributes" "os_build" => Kind::BuildShares,
        Preset::Builds(&[(19_044, 0.10), (19_045, 0.50), (22_631, 0.40)]), "",
        "OS build numbers and their shares of devices (19045 = Windows 10 22H2).",
        NO_SOURCE;
    BITLOCKER = "fleet.attributes" "bitlocker" => SHARE, Preset::Number(0.92), "",
        "Share of devices with BitLocker on.",
        NO_SOURCE;
    FIREWALL = "fleet.attributes" "firewall" => SHARE, Preset::Number(0.98), "",
        "Share of devices with the firewall on.",
        NO_SOURCE;
    DEFENDER = "fleet.attributes" "defender" => SHARE, Preset::Number(0.97), "",
        "Share of devices with Defender antimalware on.",
        NO_SOURCE;

    NEW_OS_BUILD = "fleet.attributes.new" "os_build" => Kind::BuildShares, Preset::Optional, "",
        "OS build shares of new Autopilot hardware (path 2); none: as `[fleet.attributes]`.",
        NO_SOURCE;
    NEW_BITLOCKER = "fleet.attributes.new" "bitlocker" => SHARE, Preset::Optional, "",
        "Share of new hardware with BitLocker on; none: as `[fleet.attributes]`.",
        NO_SOURCE;
    NEW_FIREWALL = "fleet.attributes.new" "firewall" => SHARE, Preset::Optional, "",
        "Share of new hardware with the firewall on; none: as `[fleet.attributes]`.",
        NO_SOURCE;
    NEW_DEFENDER = "fleet.attributes.new" "defender" => SHARE, Preset::Optional, "",
        "Share of new hardware with Defender antimalware on; none: as `[fleet.attributes]`.",
        NO_SOURCE;

    OSD_COUNT = "fleet.osd_arrivals" "count" => Kind::Whole { min: 0, max: MAX_DEVICES }, Preset::Whole(0), "devices",
        "OS-deployment arrivals (in addition to `devices`; together at most 100000000): they arrive as domain-joined ConfigMgr clients and follow path 1.",
        NO_SOURCE;
    OSD_SPAN = "fleet.osd_arrivals" "span" => Kind::Duration { min: 0, max: MAX_SPAN }, Preset::Duration(14 * DAY), "",
        "OS-deployment arrivals are uniform over [0, span).",
        NO_SOURCE;

    CONFIGMGR_VERSION = "comanagement" "configmgr_version" => Kind::Whole { min: 1710, max: 9912 }, Preset::Whole(2609), "",
        "ConfigMgr current-branch version of the site, as YYMM (`2403`); co-management exists from 1710. From 2203 resource_access is no longer a workload of its own (it is part of device_configuration): a stage that lists it gets a warning. Default 2609, the latest version documented.",
        "MD memdocs/configmgr/comanage/workloads.md; MD memdocs/configmgr/core/plan-design/changes/whats-new-in-version-2609.md (docs/model.md §2)";

    AUTO_ENROLLMENT = "comanagement" "auto_enrollment" => Kind::Choice { names: &["all", "pilot", "none"], what: "automatic enrollment scope" }, Preset::Choice("all"), "",
        "Which path-1 clients co-management's automatic enrollment reaches: all, the \"Intune Auto Enrollment\" pilot collection (`pilot_share`), or none (path 2 is not affected).",
        "MD memdocs/configmgr/comanage/how-to-enable.md (docs/model.md §1.1)";
    AUTO_ENROLLMENT_PILOT_SHARE = "comanagement" "pilot_share" => Kind::PositiveShare, Preset::Optional, "",
        "The pilot collection's share of path-1 clients: required with `auto_enrollment = \"pilot\"`, not allowed otherwise.",
        "docs/model.md §1.1";
    USER_TOKEN_SHARE = "comanagement" "user_token_share" => SHARE, Preset::Number(0.0), "",
        "Share of path-1 clients whose Azure AD device-token enrollment fails: they fall back to the user token and wait as \"Pending user sign in\" until a user signs in.",
        "MD memdocs/configmgr/comanage/how-to-monitor.md (docs/model.md §1.1)";

    POLICY_POLL = "timers" "policy_poll" => Kind::Duration { min: 3 * MINUTE, max: DAY }, Preset::Duration(60 * MINUTE), "",
        "ConfigMgr machine policy retrieval interval, uniform random phase per device; a whole number of load buckets.",
        "MD memdocs/configmgr/core/clients/deploy/about-client-settings.md (\"Client policy polling interval\"); the 3–1440 min range is the one commonly quoted (docs/model.md §3)";
    COLLECTION_EVAL = "timers" "collection_eval" => Kind::Duration { min: MINUTE, max: DAY }, Preset::Duration(5 * MINUTE), "",
        "Incremental collection evaluation: a pilot collection's new members take effect, and gates are checked, at each evaluation.",
        "MD memdocs/configmgr/core/clients/manage/collections/collection-evaluation.md (docs/model.md §3)";
    AAD_CONNECT_SYNC = "timers" "aad_connect_sync" => Kind::Duration { min: 30 * MINUTE, max: 7 * DAY }, Preset::Duration(30 * MINUTE), "",
        "Azure AD Connect sync cycle (also its fastest supported interval); a hybrid join completes only after the computer object is synced.",
        "AZ articles/active-directory/hybrid/how-to-connect-sync-feature-scheduler.md (docs/model.md §1.1)";
    HYBRID_JOIN_RETRY = "timers" "hybrid_join_retry" => Kind::Duration { min: MINUTE, max: DAY }, Preset::Duration(HOUR), "",
        "Automatic-Device-Join task retry: the registration trigger \"runs every hour\".",
        "SA support/mem/intune/comanage-configmgr/troubleshoot-co-management-auto-enrolling.md (docs/model.md §1.1)";
    ENROLLMENT_SPREAD = "timers" "enrollment_spread" => Kind::Duration { min: 0, max: 365 * DAY }, Preset::Optional, "",
        "ConfigMgr spreads auto-enrollment of existing clients at random over this span (\"if your environment has 100,000 clients … enrollment occurs over several days\"). None: it scales with the clients in scope, the larger of 2 days and 3.456 s per client (4 days for 100,000) [assumption]; a written duration is used as written.",
        "MD memdocs/configmgr/comanage/includes/enable-co-management-1906-2107.md (docs/model.md §1.1)";
    ENROLLMENT_RETRY = "timers" "enrollment_retry" => Kind::Duration { min: MINUTE, max: DAY }, Preset::Duration(15 * MINUTE), "",
        "ConfigMgr-triggered MDM enrollment retry interval (MDMEnrollmentRetryInterval).",
        "[secondary] \"Co-management Auto-enrollment Process Flow\" KB (docs/model.md §1.1)";
    ENROLLMENT_ATTEMPTS = "timers" "enrollment_attempts" => Kind::Whole { min: 1, max: 100 }, Preset::Whole(3), "attempts",
        "Enrollment attempts per round (MDMEnrollmentRetries, \"Try #1 out of 3\"); after a failed round the client waits for its next machine policy evaluation.",
        "[secondary] \"Co-management Auto-enrollment Process Flow\" KB (docs/model.md §1.1)";
    MDM_SYNC = "timers" "mdm_sync" => Kind::Duration { min: MINUTE, max: 7 * DAY }, Preset::Duration(8 * HOUR), "",
        "Intune steady-state check-in interval (\"about every 8 hours\"), uniform random phase per device; a whole number of load buckets.",
        "MD memdocs/intune/configuration/device-profile-troubleshoot.md (docs/model.md §3)";
    MDM_SYNC_AFTER_ENROLL = "timers" "mdm_sync_after_enroll" => Kind::Bursts, Preset::Bursts(&DEFAULT_BURSTS), "",
        "Check-in bursts right after enrollment, each \"<interval> for <span>\".",
        "MD memdocs/intune/configuration/device-profile-troubleshoot.md, 03/07/2022 revision (docs/model.md §3)";
    SYNC_ON_SWITCH = "timers" "sync_on_switch" => Kind::Bool, Preset::Bool(true), "",
        "Co-managed devices sync MDM policy from Intune when a workload is switched.",
        "MD memdocs/configmgr/comanage/how-to-switch-workloads.md (docs/model.md §2)";
    ESP_TIMEOUT = "timers" "esp_timeout" => Kind::Duration { min: MINUTE, max: DAY }, Preset::Duration(60 * MINUTE), "",
        "Autopilot Enrollment Status Page timeout: path 2's ConfigMgr client install through the CMG must finish within it, or the attempt fails (0x800705b4).",
        "MD memdocs/intune/enrollment/windows-enrollment-status.md; MD memdocs/configmgr/comanage/autopilot-enrollment.md (docs/model.md §1.2)";
    CLIENT_INSTALL_TIME = "timers" "client_install_time" => Kind::Duration { min: MINUTE, max: DAY }, Preset::Duration(20 * MINUTE), "",
        "Mean duration of one ConfigMgr client install and registration through the CMG during the ESP (path 2); each attempt takes a uniform time in [½, 1½] of it.",
        "[assumption] no published figure; keeps a healthy attempt well inside the 60-min ESP timeout (docs/model.md §1.2)";
    HARDWARE_INVENTORY = "timers" "hardware_inventory" => Kind::Duration { min: DAY, max: 31 * DAY }, Preset::Duration(7 * DAY), "",
        "ConfigMgr hardware inventory cycle (a report to the management point, or the CMG for an internet client), uniform random phase per device.",
        "MD memdocs/configmgr/core/clients/deploy/about-client-settings.md, Hardware inventory (docs/model.md §3.1)";
    HARDWARE_INVENTORY_RANDOM_DELAY = "timers" "hardware_inventory_random_delay" => Kind::Duration { min: 0, max: 480 * MINUTE }, Preset::Duration(240 * MINUTE), "",
        "Maximum random delay the client adds to each hardware inventory cycle (0–480 min).",
        "MD memdocs/configmgr/core/clients/deploy/about-client-settings.md, \"Maximum random delay\" (docs/model.md §3.1)";
    HEARTBEAT_DISCOVERY = "timers" "heartbeat_discovery" => Kind::Duration { min: DAY, max: 31 * DAY }, Preset::Duration(7 * DAY), "",
        "ConfigMgr heartbeat discovery cycle (a discovery data record to the management point, or the CMG), uniform random phase per device.",
        "technet.microsoft.com/library/bb633103 (ConfigMgr 2007 [old]); MD memdocs/configmgr/core/servers/deploy/configure/about-discovery-methods.md (docs/model.md §3.1)";
    SOFTWARE_UPDATE_SCAN = "timers" "software_update_scan" => Kind::Duration { min: DAY, max: 31 * DAY }, Preset::Duration(7 * DAY), "",
        "Software update scan cycle against the software update point (intervals under a day are forced to a day), plus a random 0–2 h per cycle; stops while the device's `windows_update_policies` workload is on Intune.",
        "MD memdocs/configmgr/core/clients/deploy/about-client-settings.md, Software updates (docs/model.md §3.1)";
    PHASE = "timers" "phase" => Kind::Choice { names: &["random", "aligned"], what: "phase mode" }, Preset::Choice("random"), "",
        "How devices' timer phases are drawn: random per device (as the real clients randomise) or aligned at 0 (the thundering herd the randomisation avoids).",
        NO_SOURCE;

    FAIL_HYBRID_JOIN = "failures" "hybrid_join" => FAILURE, Preset::Number(0.02), "",
        "Probability that one hybrid Azure AD join registration attempt fails (transient; retried by the hourly task).",
        "[assumption] no published failure rate (docs/model.md §1.1)";
    FAIL_MDM_ENROLLMENT = "failures" "mdm_enrollment" => FAILURE, Preset::Number(0.03), "",
        "Probability that one MDM enrollment attempt fails (transient codes such as 0x8018002B; retried).",
        "[assumption] no published failure rate (docs/model.md §1.1)";
    FAIL_CLIENT_INSTALL = "failures" "client_install" => FAILURE, Preset::Number(0.02), "",
        "Probability that one ConfigMgr client install and registration through the CMG fails (path 2; retried).",
        "[assumption] no published failure rate (docs/model.md §1.1)";
    FAIL_PERMANENT = "failures" "permanent" => SHARE, Preset::Number(0.005), "",
        "Share of devices that hit a configuration error (e.g. 0x80180018 licence, 0x801c03f2) and never finish their path.",
        "[assumption] no published failure rate (docs/model.md §1.1)";

    FAILURE_CODE = "failure" "code" => Kind::Text, Preset::Required, "",
        "The error code as the product logs it (`\"0x80180014\"`): letters and digits, at most 40; counted in summary.json `failures.<code>.devices`.",
        "SA support/mem/intune/comanage-configmgr/troubleshoot-co-management-auto-enrolling.md (docs/model.md §1.1)";
    FAILURE_SHARE = "failure" "share" => SHARE, Preset::Required, "",
        "Share of the devices that reach the step hit by the code; the codes of one step sum to at most 1.",
        "[assumption] no failure rate is published (docs/model.md §1.1)";
    FAILURE_STEP = "failure" "step" => Kind::Choice { names: &["hybrid_join", "mdm_enrollment", "client_install"], what: "failure step" }, Preset::Required, "",
        "The retried step the code hits.",
        "docs/model.md §1.1";
    FAILURE_KIND = "failure" "kind" => Kind::Choice { names: &["transient", "configuration"], what: "failure kind" }, Preset::Required, "",
        "`transient`: the step's first attempt fails with the code and the device retries as the step does; `configuration`: every attempt fails until `fixed_at` (without it the device fails for good, as `[failures] permanent`).",
        "MD memdocs/configmgr/comanage/how-to-monitor.md (docs/model.md §1.1)";
    FAILURE_FIXED_AT = "failure" "fixed_at" => Kind::Duration { min: 0, max: MAX_SPAN }, Preset::Optional, "",
        "A configuration error's fix: from then on its devices' attempts succeed (the next attempt, at the step's own retry timers); only with `kind = \"configuration\"`; after the end of the run is a warning.",
        "[assumption] (docs/model.md §1.1)";

    MPS_PER_SITE = "infrastructure" "management_points_per_site" => Kind::Whole { min: 1, max: 15 }, Preset::Whole(2), "management points",
        "Management points per site (a primary site supports at most 15).",
        "MD memdocs/configmgr/core/plan-design/configs/size-and-scale-numbers.md (docs/model.md §4)";
    CMG_INSTANCES = "infrastructure" "cmg_instances" => Kind::Whole { min: 1, max: 16 }, Preset::Whole(2), "VMs",
        "CMG VM instances per CMG (at most 16).",
        "MD includes/scale-cmg.md (docs/model.md §4)";
    CMGS = "infrastructure" "cmgs" => Kind::Whole { min: 1, max: MAX_CMGS }, Preset::Whole(1), "CMGs",
        "Cloud management gateways, each with `cmg_instances` VMs, modelled as one pool of VMs.",
        "MD memdocs/configmgr/core/clients/manage/cmg/perf-scale.md (docs/model.md §4)";
    CMG_VM_SIZE = "infrastructure" "cmg_vm_size" => Kind::Choice { names: &["standard", "large", "lab"], what: "CMG VM size" }, Preset::Choice("standard"), "",
        "VM size of the CMGs: `standard` (A2_v2, 6,000 concurrent clients per VM), `large` (A4_v2, 10,000) or `lab` (B2s, 10).",
        "MD memdocs/configmgr/core/clients/manage/cmg/perf-scale.md (docs/model.md §4)";
    CMG_CLIENTS_PER_INSTANCE = "infrastructure" "cmg_clients_per_instance" => Kind::Whole { min: 1, max: 10_000 }, Preset::Optional, "clients",
        "Concurrent clients per CMG VM; none: the published figure of `cmg_vm_size`. Set it only to a figure measured on your own CMG.",
        "MD includes/scale-cmg.md (docs/model.md §4)";
    CLIENTS_PER_MP = "infrastructure" "clients_per_management_point" => Kind::Whole { min: 1, max: 100_000 }, Preset::Whole(25_000), "clients",
        "Windows clients one management point supports, at the default 60-min policy poll.",
        "MD memdocs/configmgr/core/plan-design/configs/size-and-scale-numbers.md (docs/model.md §4)";
    HIGH_AVAILABILITY = "infrastructure" "high_availability" => Kind::Bool, Preset::Bool(true), "",
        "Size every component with a spare: at least 2 management points per site, 2 CMG VMs and 2 CMG connection points.",
        "MD memdocs/configmgr/core/servers/deploy/configure/high-availability-options.md (docs/model.md §4)";
    SUP = "infrastructure" "sup" => Kind::Choice { names: &["colocated", "remote"], what: "software update point placement" }, Preset::Choice("colocated"), "",
        "Where WSUS of the software update points runs: `colocated` with another site role (25,000 clients each) or `remote` on its own, tuned server (150,000).",
        "MD memdocs/configmgr/core/plan-design/configs/size-and-scale-numbers.md (docs/model.md §4)";
    CMG_VM_HOUR_PRICE = "infrastructure" "cmg_vm_hour_price" => Kind::Number { min: 0.0, max: 1_000.0 }, Preset::Optional, "USD",
        "Price of one CMG VM-hour for the cost estimate; none: the default of `cmg_vm_size` (standard 0.136, large 0.286, lab 0.0496). Set your own: prices change and differ by region and agreement.",
        "[assumption] pay-as-you-go list prices of Windows Standard_A2_v2 / A4_v2 / B2s VMs in East US as commonly quoted, not verified against Azure's price list (docs/model.md, load and capacity)";
    CMG_EGRESS_GB_PRICE = "infrastructure" "cmg_egress_gb_price" => Kind::Number { min: 0.0, max: 1_000.0 }, Preset::Number(0.087), "USD",
        "Price of one GB of CMG egress (data sent from Azure to clients) for the cost estimate.",
        "[assumption] Azure internet egress list price of the first 10 TB a month from North America/Europe as commonly quoted, not verified against Azure's price list (docs/model.md, load and capacity)";
    SUPS_PER_SITE = "infrastructure" "software_update_points_per_site" => Kind::Whole { min: 1, max: 100 }, Preset::Whole(1), "software update points",
        "Software update points (WSUS) per site; ConfigMgr clients on-premises and through the CMG scan against them.",
        "[assumption] one per primary site (docs/model.md §4)";
    INTUNE_REQUESTS_PER_S = "infrastructure" "intune_requests_per_s" => Kind::Number { min: 0.001, max: 1e9 }, Preset::Optional, "requests/s",
        "Intune check-in and enrollment capacity of the tenant; none: Intune load is counted but never delays anything.",
        "no figure is published for device traffic (Graph's throttling limits are for admin apps) (docs/model.md §4)";

    MIN_OS_BUILD = "compliance" "min_os_build" => Kind::Whole { min: 0, max: 1_000_000 }, Preset::Whole(19_045), "",
        "Minimum OS build (19045 = Windows 10 22H2).",
        NO_SOURCE;
    REQUIRE_BITLOCKER = "compliance" "require_bitlocker" => Kind::Bool, Preset::Bool(true), "",
        "Require BitLocker.",
        NO_SOURCE;
    REQUIRE_FIREWALL = "compliance" "require_firewall" => Kind::Bool, Preset::Bool(true), "",
        "Require the firewall.",
        NO_SOURCE;
    REQUIRE_DEFENDER = "compliance" "require_defender" => Kind::Bool, Preset::Bool(true), "",
        "Require Defender antimalware.",
        NO_SOURCE;
    NONCOMPLIANT_GRACE = "compliance" "noncompliant_grace" => Kind::Duration { min: 0, max: 365 * DAY }, Preset::Duration(0), "",
        "\"Mark device noncompliant\" action schedule (0 = immediately); at most `validity`.",
        "MD memdocs/intune/protect/actions-for-noncompliance.md (docs/model.md §3)";
    AAD_PROPAGATION = "compliance" "aad_propagation" => Kind::Duration { min: 0, max: 7 * DAY }, Preset::Duration(15 * MINUTE), "",
        "Delay from Intune recording a compliance state to Azure AD's compliance attribute (which conditional access reads) showing it.",
        "[assumption] no latency is published; a conservative guess of a few minutes' replication (docs/model.md §3)";
    CAE = "compliance" "cae" => Kind::Bool, Preset::Bool(false), "",
        "Continuous access evaluation: on, a session sees a compliance change as soon as Azure AD has it; off, only when its access token (60–90 min) is renewed.",
        "AZ articles/active-directory/develop/access-tokens.md (docs/model.md §3)";
    EVALUATION_DELAY = "compliance" "evaluation_delay" => Kind::Duration { min: 0, max: DAY }, Preset::Duration(5 * MINUTE), "",
        "Shortest time from the Intune check-in that brings the compliance policy (or a changed device state) to the device's compliance report.",
        "[assumption] no evaluation time is published; the check-in delivers the policy, the device evaluates it and reports in a later MDM session (docs/model.md §3)";
    EVALUATION_SPREAD = "compliance" "evaluation_spread" => Kind::Duration { min: 0, max: DAY }, Preset::Duration(10 * MINUTE), "",
        "Width of the uniform spread added to `evaluation_delay`, drawn once per device.",
        "[assumption] (docs/model.md §3)";
    REMEDIATION = "compliance" "remediation" => Kind::Duration { min: MINUTE, max: MAX_SPAN }, Preset::Optional, "",
        "Mean time to fix a noncompliant device (exponential, counted from t = 0, or from `min_os_from` for a device the raised minimum makes noncompliant); none: nothing is ever fixed.",
        "[assumption] a planner's estimate of the help desk's pace (docs/model.md §3)";
    NEVER_FIXED = "compliance" "never_fixed" => SHARE, Preset::Number(0.0), "",
        "Share of devices that are never fixed whatever `remediation` says.",
        "[assumption] (docs/model.md §3)";
    MIN_OS_FROM = "compliance" "min_os_from" => Kind::Duration { min: 0, max: MAX_SPAN }, Preset::Optional, "",
        "When the compliance policy's minimum OS build rises to `raised_min_os_build`; none: it never rises.",
        NO_SOURCE;
    RAISED_MIN_OS_BUILD = "compliance" "raised_min_os_build" => Kind::Whole { min: 0, max: 1_000_000 }, Preset::Whole(22_631), "",
        "The minimum OS build from `min_os_from` on (22631 = Windows 11 23H2); at least `min_os_build`.",
        NO_SOURCE;
    VALIDITY = "compliance" "validity" => Kind::Duration { min: DAY, max: 120 * DAY }, Preset::Duration(30 * DAY), "",
        "Compliance status validity period: a device with no check-in for this long is noncompliant.",
        "MD memdocs/intune/protect/device-compliance-get-started.md (docs/model.md §3)";

    LOAD_ENABLED = "load" "enabled" => Kind::Bool, Preset::Bool(true), "",
        "Count load and model capacity at all (off: the pure timing model, slightly faster).",
        NO_SOURCE;
    LOAD_BUCKET = "load" "bucket" => Kind::Duration { min: 1, max: HOUR }, Preset::Duration(MINUTE), "",
        "Time bucket of `load.csv` and of the queue model; divides an hour.",
        NO_SOURCE;
    LOAD_FEEDBACK = "load" "feedback" => Kind::Bool, Preset::Bool(true), "",
        "Whether queue delays and rejections feed back into device timing (off: count and report only).",
        NO_SOURCE;
    QUEUE_LIMIT = "load" "queue_limit" => Kind::Duration { min: 1, max: DAY }, Preset::Optional, "",
        "A request that would wait longer is rejected and retried at the client's next run; none (the default): never rejected, an over-capacity component only delays.",
        "MD includes/scale-cmg.md: over capacity the CMG \"still answers, with delay\" (docs/model.md §4)";
    CLIENT_INSTALL_CONTENT = "load" "client_install_content" => Kind::Number { min: 0.0, max: 100_000.0 }, Preset::Number(200.0), "MB",
        "Content one path-2 client install attempt downloads through the CMG (the CMG's egress).",
        "[assumption] no published figure for the client package's download size (docs/model.md, Load and capacity)";
    CMG_CONTENT_PER_CLIENT_MONTH = "load" "cmg_content_per_client_month" => Kind::Number { min: 0.0, max: 1_000_000.0 }, Preset::Number(1_000.0), "MB",
        "Content one internet ConfigMgr client downloads through the CMG per 30 days while its software update, Office Click-to-Run and client app workloads are all on ConfigMgr; a third less for each one on Intune.",
        "[assumption] no published figure (docs/model.md, Load and capacity)";
    HEADROOM_TARGET = "load" "headroom_target" => Kind::Number { min: 0.05, max: 1.0 }, Preset::Number(0.7), "",
        "Utilisation the capacity verdicts aim for: a count is enough when its published capacity times this target covers the peak.",
        NO_SOURCE;

    STAGE_NAME = "stage" "name" => Kind::Text, Preset::Required, "",
        "Unique stage name with at least one ASCII letter or digit. Per-ring metrics are named from it lowercased, other characters joined as `_` (`Pilot ring` → `compliance_latency@pilot_ring`), and no two stages may share that form.",
        NO_SOURCE;
    STAGE_START = "stage" "start" => Kind::Duration { min: 0, max: MAX_SPAN }, Preset::Optional, "",
        "Fixed start time, before the end of the run; none: as soon as the previous stage's gate passes (t = 0 for the first).",
        NO_SOURCE;
    STAGE_WORKLOADS = "stage" "workloads" => Kind::Workloads, Preset::Required, "",
        "The workloads the stage moves; device_configuration also moves resource_access and endpoint_protection, and resource_access cannot move without it.",
        "docs/model.md §2";
    STAGE_AUTHORITY = "stage" "authority" => Kind::Choice { names: &["configmgr", "pilot_intune", "intune"], what: "authority" }, Preset::Required, "",
        "The authority the stage moves them to.",
        "docs/model.md §2";
    STAGE_PILOT = "stage" "pilot" => Kind::PositiveShare, Preset::Optional, "",
        "Pilot collection share: required with `pilot_intune`, not allowed otherwise.",
        "docs/model.md §2";

    GATE_MIN_SWITCHED = "stage.gate" "min_switched" => SHARE, Preset::Optional, "",
        "Share of targeted, co-managed devices that must have switched every workload of the stage.",
        NO_SOURCE;
    GATE_MAX_NONCOMPLIANT = "stage.gate" "max_noncompliant" => SHARE, Preset::Optional, "",
        "Largest share of devices with a compliance report that may be noncompliant (needs compliance_policies moved by this stage or an earlier one).",
        NO_SOURCE;
    GATE_MIN_AGE = "stage.gate" "min_age" => Kind::Duration { min: 0, max: MAX_SPAN }, Preset::Duration(0), "",
        "The stage must have run at least this long.",
        NO_SOURCE;
    GATE_TIMEOUT = "stage.gate" "timeout" => Kind::Duration { min: MINUTE, max: MAX_SPAN }, Preset::Optional, "",
        "Not passed by then: `on_fail`; at least `min_age`; none waits for ever.",
        NO_SOURCE;
    GATE_ON_FAIL = "stage.gate" "on_fail" => Kind::Choice { names: &["halt", "rollback"], what: "action" }, Preset::Choice("halt"), "",
        "At the timeout: halt the rollout, or move this stage's workloads back to ConfigMgr and halt.",
        NO_SOURCE;

    ACTION_KIND = "action" "kind" => Kind::Choice { names: &["restart", "sync", "wipe", "retire", "remote_control"], what: "action kind" }, Preset::Required, "",
        "The remote action Intune sends, or `remote_control`: a help-desk session (ConfigMgr remote control or Intune Remote Help) that starts when the device is online and, with `user_consent`, its user is there.",
        NO_SOURCE;
    ACTION_AT = "action" "at" => Kind::Duration { min: 0, max: MAX_SPAN }, Preset::Required, "",
        "When Intune sends it, before the end of the run.",
        NO_SOURCE;
    ACTION_SHARE = "action" "share" => SHARE, Preset::Optional, "",
        "Target: this share of co-managed devices (give `share` or `stage`, not both).",
        NO_SOURCE;
    ACTION_STAGE = "action" "stage" => Kind::Text, Preset::Optional, "",
        "Target: the pilot collection of the stage with this name.",
        NO_SOURCE;
    ACTION_LEAVE_COLLECTION = "action" "leave_collection" => Kind::Bool, Preset::Bool(false), "",
        "Retire only: the devices are also removed from the co-management collection and stay retired; false (the documented behaviour of an unenrolled device that stays in it): each re-enrolls at its next ConfigMgr policy poll.",
        "MD memdocs/configmgr/comanage/includes/enable-co-management-1906-2107.md (docs/model.md §3)";
    ACTION_USER_CONSENT = "action" "user_consent" => Kind::Bool, Preset::Bool(true), "",
        "Remote control only: the user must accept the session, so it waits until a user is at the device (an always-on device's user during office hours, Monday to Friday 08:00–18:00; any other device's whenever it is online).",
        "[assumption] ConfigMgr's \"Prompt user for Remote Control permission\" is taken as on, as Remote Help always asks the sharer (docs/model.md §3)";
}
