//! The scenario file as written: serde structs that mirror `scenario-reference.toml` key for key.
//!
//! Every struct denies unknown keys (a typo must not pass silently), and every value is an `Option<Spanned<_>>`
//! so that validation can apply the documented default when a key is absent and point at the exact line and
//! column when a value is wrong.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

/// `Option<Spanned<T>>`: absent, or a value with its place in the file.
pub type Field<T> = Option<Spanned<T>>;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireScenario {
    pub name: Field<String>,
    pub seed: Field<u64>,
    pub duration: Field<String>,
    pub fleet: Field<WireFleet>,
    pub timers: Field<WireTimers>,
    pub failures: Field<WireFailures>,
    pub infrastructure: Field<WireInfrastructure>,
    pub compliance: Field<WireCompliance>,
    pub load: Field<WireLoad>,
    #[serde(default)]
    pub stage: Vec<Spanned<WireStage>>,
    pub thresholds: Field<BTreeMap<Spanned<String>, Spanned<String>>>,
    #[serde(default)]
    pub action: Vec<Spanned<WireAction>>,
    /// `[[variant]]`: plan variants for `cofleet sweep`, read and checked by `scenario::overrides`; a single
    /// run ignores them (it runs the base scenario).
    #[serde(default, rename = "variant")]
    pub _variant: serde::de::IgnoredAny,
}

/// `[fleet]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireFleet {
    pub devices: Field<u64>,
    pub existing_client_share: Field<f64>,
    pub comanaged_at_start: Field<f64>,
    pub internet_share: Field<f64>,
    pub broken_client_health: Field<f64>,
    pub new_device_arrival: Field<String>,
    pub sites: Field<u64>,
    pub availability: Field<WireAvailability>,
    pub attributes: Field<WireAttributes>,
    pub osd_arrivals: Field<WireOsd>,
}

/// `[fleet] osd_arrivals = { count, span }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireOsd {
    pub count: Field<u64>,
    pub span: Field<String>,
}

/// `[fleet.availability]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireAvailability {
    pub always_on: Field<f64>,
    pub office_hours: Field<f64>,
    pub intermittent: Field<f64>,
}

/// `[fleet.attributes]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireAttributes {
    pub os_build: Field<BTreeMap<Spanned<String>, Spanned<f64>>>,
    pub bitlocker: Field<f64>,
    pub firewall: Field<f64>,
    pub defender: Field<f64>,
}

/// `[timers]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireTimers {
    pub policy_poll: Field<String>,
    pub collection_eval: Field<String>,
    pub aad_connect_sync: Field<String>,
    pub hybrid_join_retry: Field<String>,
    pub enrollment_spread: Field<String>,
    pub enrollment_retry: Field<String>,
    pub enrollment_attempts: Field<u64>,
    pub mdm_sync: Field<String>,
    pub mdm_sync_after_enroll: Field<Vec<Spanned<String>>>,
    pub sync_on_switch: Field<bool>,
    pub esp_timeout: Field<String>,
    pub client_install_time: Field<String>,
    pub phase: Field<String>,
}

/// `[failures]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireFailures {
    pub hybrid_join: Field<f64>,
    pub mdm_enrollment: Field<f64>,
    pub client_install: Field<f64>,
    pub permanent: Field<f64>,
}

/// `[infrastructure]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireInfrastructure {
    pub management_points_per_site: Field<u64>,
    pub cmg_instances: Field<u64>,
    pub cmgs: Field<u64>,
    pub cmg_clients_per_instance: Field<u64>,
    pub clients_per_management_point: Field<u64>,
    pub intune_requests_per_s: Field<f64>,
}

/// `[load]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireLoad {
    pub enabled: Field<bool>,
    pub bucket: Field<String>,
    pub feedback: Field<bool>,
    pub queue_limit: Field<String>,
    pub headroom_target: Field<f64>,
}

/// `[compliance]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireCompliance {
    pub min_os_build: Field<u64>,
    pub require_bitlocker: Field<bool>,
    pub require_firewall: Field<bool>,
    pub require_defender: Field<bool>,
    pub noncompliant_grace: Field<String>,
    pub aad_propagation: Field<String>,
    pub cae: Field<bool>,
    pub validity: Field<String>,
}

/// `[[stage]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireStage {
    pub name: Field<String>,
    pub start: Field<String>,
    pub workloads: Field<Vec<Spanned<String>>>,
    pub authority: Field<String>,
    pub pilot: Field<f64>,
    pub gate: Field<WireGate>,
}

/// `[stage.gate]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireGate {
    pub min_switched: Field<f64>,
    pub max_noncompliant: Field<f64>,
    pub min_age: Field<String>,
    pub timeout: Field<String>,
    pub on_fail: Field<String>,
}

/// `[[action]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireAction {
    pub kind: Field<String>,
    pub at: Field<String>,
    pub share: Field<f64>,
    pub stage: Field<String>,
}
