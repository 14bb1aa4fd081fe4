//! Plain keys into the model's structs: each struct is read from its table's checked [`Section`], and its
//! `Default` is the same read of an absent table — so every default is written once, in its schema row
//! (`scenario::keys`), and the model holds none.

use super::keys::*;
use super::section::Section;
use crate::model::infrastructure::{CmgVmSize, SupPlacement};
use crate::model::scenario::{
    Attributes, AutoEnrollment, AvailabilityMix, CoManagement, CompliancePolicy, Failures, Fleet,
    FleetInventory, Infrastructure, LoadModel, OsdArrivals, PhaseMode, Readiness, Timers,
};

/// `[fleet]` without its cross-field rules (availability sum, OS-deployment count).
pub fn fleet(s: &Section) -> Fleet {
    Fleet {
        devices: s.opt_whole(&FLEET_DEVICES).unwrap_or(0) as u32,
        existing_client_share: s.number(&FLEET_EXISTING_CLIENT_SHARE),
        comanaged_at_start: s.number(&FLEET_COMANAGED_AT_START),
        hybrid_joined_at_start: s.number(&FLEET_HYBRID_JOINED_AT_START),
        internet_share: s.number(&FLEET_INTERNET_SHARE),
        vpn_share: s.number(&FLEET_VPN_SHARE),
        readiness: readiness(s.table("readiness")),
        broken_client_health: s.number(&FLEET_BROKEN_CLIENT_HEALTH),
        new_device_arrival: s.duration(&FLEET_NEW_DEVICE_ARRIVAL),
        restart_interval: s.duration(&FLEET_RESTART_INTERVAL),
        sites: s.whole(&FLEET_SITES) as u32,
        availability: availability(s.table("availability")),
        attributes: attributes(s.table("attributes")),
        new_attributes: new_attributes(
            s.table("attributes").table("new"),
            &attributes(s.table("attributes")),
        ),
        osd: match s.table("osd_arrivals") {
            written if written.span.is_some() => osd(written),
            _ => OsdArrivals::default(),
        },
        inventory: s.text(&FLEET_INVENTORY).map(|file| FleetInventory {
            file: file.to_string(),
            format: s
                .text(&FLEET_INVENTORY_FORMAT)
                .unwrap_or("canonical")
                .to_string(),
            facts: Default::default(),
        }),
    }
}

/// `[fleet.availability]`.
pub fn availability(s: &Section) -> AvailabilityMix {
    AvailabilityMix {
        always_on: s.number(&ALWAYS_ON),
        office_hours: s.number(&OFFICE_HOURS),
        intermittent: s.number(&INTERMITTENT),
    }
}

/// `[fleet.readiness]` without the sum rule.
pub fn readiness(s: &Section) -> Readiness {
    Readiness {
        inactive: s.number(&READY_INACTIVE),
        inactive_return: s.opt_duration(&READY_INACTIVE_RETURN),
        unhealthy: s.number(&READY_UNHEALTHY),
        ineligible_os: s.number(&READY_INELIGIBLE_OS),
        intune_enrolled: s.number(&READY_INTUNE_ENROLLED),
        servers: s.number(&READY_SERVERS),
    }
}

/// `[comanagement]` without the pilot-share and month rules.
pub fn comanagement(s: &Section) -> CoManagement {
    let auto_enrollment = match s.text(&AUTO_ENROLLMENT) {
        Some("pilot") => AutoEnrollment::Pilot,
        Some("none") => AutoEnrollment::None,
        _ => AutoEnrollment::All,
    };
    CoManagement {
        auto_enrollment,
        pilot_share: s.opt_number(&AUTO_ENROLLMENT_PILOT_SHARE).unwrap_or(1.0),
        user_token_share: s.number(&USER_TOKEN_SHARE),
        configmgr_version: s.whole(&CONFIGMGR_VERSION) as u32,
    }
}

/// `[fleet.attributes]`.
pub fn attributes(s: &Section) -> Attributes {
    Attributes {
        os_build: s.builds(&OS_BUILD),
        bitlocker: s.number(&BITLOCKER),
        firewall: s.number(&FIREWALL),
        defender: s.number(&DEFENDER),
    }
}

/// `[fleet.attributes.new]`: each key left out is as in `[fleet.attributes]` (`existing`).
pub fn new_attributes(s: &Section, existing: &Attributes) -> Attributes {
    let os_build = s.builds(&NEW_OS_BUILD);
    Attributes {
        os_build: if os_build.is_empty() {
            existing.os_build.clone()
        } else {
            os_build
        },
        bitlocker: s.opt_number(&NEW_BITLOCKER).unwrap_or(existing.bitlocker),
        firewall: s.opt_number(&NEW_FIREWALL).unwrap_or(existing.firewall),
        defender: s.opt_number(&NEW_DEFENDER).unwrap_or(existing.defender),
    }
}

/// `[fleet] osd_arrivals`.
pub fn osd(s: &Section) -> OsdArrivals {
    OsdArrivals {
        count: s.whole(&OSD_COUNT) as u32,
        span: s.duration(&OSD_SPAN),
    }
}

/// `[timers]`.
pub fn timers(s: &Section) -> Timers {
    Timers {
        policy_poll: s.duration(&POLICY_POLL),
        collection_eval: s.duration(&COLLECTION_EVAL),
        aad_connect_sync: s.duration(&AAD_CONNECT_SYNC),
        hybrid_join_retry: s.duration(&HYBRID_JOIN_RETRY),
        enrollment_spread: s.opt_duration(&ENROLLMENT_SPREAD),
        enrollment_retry: s.duration(&ENROLLMENT_RETRY),
        enrollment_attempts: s.whole(&ENROLLMENT_ATTEMPTS) as u32,
        mdm_sync: s.duration(&MDM_SYNC),
        mdm_sync_after_enroll: s.bursts(&MDM_SYNC_AFTER_ENROLL),
        sync_on_switch: s.flag(&SYNC_ON_SWITCH),
        esp_timeout: s.duration(&ESP_TIMEOUT),
        client_install_time: s.duration(&CLIENT_INSTALL_TIME),
        hardware_inventory: s.duration(&HARDWARE_INVENTORY),
        hardware_inventory_random_delay: s.duration(&HARDWARE_INVENTORY_RANDOM_DELAY),
        heartbeat_discovery: s.duration(&HEARTBEAT_DISCOVERY),
        software_update_scan: s.duration(&SOFTWARE_UPDATE_SCAN),
        phase: match s.text(&PHASE) {
            Some("aligned") => PhaseMode::Aligned,
            _ => PhaseMode::Random,
        },
    }
}

/// `[failures]`.
pub fn failures(s: &Section) -> Failures {
    Failures {
        hybrid_join: s.number(&FAIL_HYBRID_JOIN),
        mdm_enrollment: s.number(&FAIL_MDM_ENROLLMENT),
        client_install: s.number(&FAIL_CLIENT_INSTALL),
        permanent: s.number(&FAIL_PERMANENT),
    }
}

/// `[infrastructure]`.
pub fn infrastructure(s: &Section) -> Infrastructure {
    let cmg_vm_size = s
        .text(&CMG_VM_SIZE)
        .and_then(CmgVmSize::from_name)
        .unwrap_or(CmgVmSize::Standard);
    Infrastructure {
        management_points_per_site: s.whole(&MPS_PER_SITE) as u32,
        cmg_instances: s.whole(&CMG_INSTANCES) as u32,
        cmgs: s.whole(&CMGS) as u32,
        cmg_vm_size,
        cmg_clients_per_instance: s
            .opt_whole(&CMG_CLIENTS_PER_INSTANCE)
            .map_or(cmg_vm_size.clients_per_vm() as u32, |n| n as u32),
        high_availability: s.flag(&HIGH_AVAILABILITY),
        sup: match s.text(&SUP) {
            Some("remote") => SupPlacement::Remote,
            _ => SupPlacement::Colocated,
        },
        clients_per_management_point: s.whole(&CLIENTS_PER_MP) as u32,
        intune_requests_per_s: s.opt_number(&INTUNE_REQUESTS_PER_S),
        software_update_points_per_site: s.whole(&SUPS_PER_SITE) as u32,
        cmg_vm_hour_price: s
            .opt_number(&CMG_VM_HOUR_PRICE)
            .unwrap_or(cmg_vm_size.default_hour_price()),
        cmg_egress_gb_price: s.number(&CMG_EGRESS_GB_PRICE),
    }
}

/// `[compliance]` without the grace-within-validity rule.
pub fn compliance(s: &Section) -> CompliancePolicy {
    CompliancePolicy {
        min_os_build: s.whole(&MIN_OS_BUILD) as u32,
        require_bitlocker: s.flag(&REQUIRE_BITLOCKER),
        require_firewall: s.flag(&REQUIRE_FIREWALL),
        require_defender: s.flag(&REQUIRE_DEFENDER),
        noncompliant_grace: s.duration(&NONCOMPLIANT_GRACE),
        aad_propagation: s.duration(&AAD_PROPAGATION),
        cae: s.flag(&CAE),
        validity: s.duration(&VALIDITY),
        evaluation_delay: s.duration(&EVALUATION_DELAY),
        evaluation_spread: s.duration(&EVALUATION_SPREAD),
        remediation: s.opt_duration(&REMEDIATION),
        never_fixed: s.number(&NEVER_FIXED),
        min_os_from: s.opt_duration(&MIN_OS_FROM),
        raised_min_os_build: s.whole(&RAISED_MIN_OS_BUILD) as u32,
    }
}

/// `[load]` without the bucket-divides-an-hour rule.
pub fn load(s: &Section) -> LoadModel {
    LoadModel {
        enabled: s.flag(&LOAD_ENABLED),
        bucket: s.duration(&LOAD_BUCKET),
        feedback: s.flag(&LOAD_FEEDBACK),
        queue_limit: s.opt_duration(&QUEUE_LIMIT),
        headroom_target: s.number(&HEADROOM_TARGET),
        client_install_content: s.number(&CLIENT_INSTALL_CONTENT),
        cmg_content_per_client_month: s.number(&CMG_CONTENT_PER_CLIENT_MONTH),
    }
}

impl Default for AvailabilityMix {
    fn default() -> Self {
        availability(&Section::EMPTY)
    }
}

impl Default for Attributes {
    fn default() -> Self {
        attributes(&Section::EMPTY)
    }
}

/// No OS-deployment arrivals (`osd_arrivals` not written); a written table without `span` takes the
/// schema's default span.
impl Default for OsdArrivals {
    fn default() -> Self {
        OsdArrivals { count: 0, span: 0 }
    }
}

impl Default for Timers {
    fn default() -> Self {
        timers(&Section::EMPTY)
    }
}

impl Default for Readiness {
    fn default() -> Self {
        readiness(&Section::EMPTY)
    }
}

impl Default for CoManagement {
    fn default() -> Self {
        comanagement(&Section::EMPTY)
    }
}

impl Default for Failures {
    fn default() -> Self {
        failures(&Section::EMPTY)
    }
}

impl Default for Infrastructure {
    fn default() -> Self {
        infrastructure(&Section::EMPTY)
    }
}

impl Default for CompliancePolicy {
    fn default() -> Self {
        compliance(&Section::EMPTY)
    }
}

impl Default for LoadModel {
    fn default() -> Self {
        load(&Section::EMPTY)
    }
}
