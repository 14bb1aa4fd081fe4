//! The values of `summary.json`'s `load` and `capacity` sections that a threshold may name, and what kind of
//! value each is. The list is written out so that `cofleet check` refuses a misspelt key before a run (exit
//! 2, with the closest spelling) instead of the gate failing it after one. The gate itself reads these
//! values from the summary's JSON tree by their dotted path, so a key listed here that a summary lacks (an
//! older run, load not modelled) fails its row with that reason rather than passing.

use crate::model::infrastructure::{Component, Request};

/// What a summary value is: how a threshold's right-hand side is parsed and how the value is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A number of devices, requests or instances.
    Count,
    /// Seconds (`…_s`); a threshold may give a duration (`"< 8h"`).
    Seconds,
    /// Requests per second (`…_per_s`).
    Rate,
    /// A share of capacity, 1 = 100 % (`…utilisation`).
    Utilisation,
    /// A boolean (`enough`, `high_availability`), compared as 0 (false) or 1 (true).
    Flag,
    /// Words (`reason`, `verdict`, `vm_size`, `placement`): shown in the summary, never compared.
    Text,
}

/// Fields of each `load.components.<component>`, named `load.<component>.<field>` in thresholds (as the
/// gate's baseline comparison names them). `requests_by_type.<request type>` adds one per request type.
pub const LOAD_COMPONENT_FIELDS: [&str; 8] = [
    "total_requests",
    "served",
    "delayed",
    "capacity_per_s",
    "peak_requests_per_s",
    "peak_at_s",
    "peak_utilisation",
    "rejected",
];

/// Fields of `load.cmg_egress`: the CMG's content egress in GB.
pub const LOAD_EGRESS_FIELDS: [&str; 3] = ["client_install_gb", "content_gb", "total_gb"];

/// Fields of `load.headroom`: the request-rate view (docs/model.md, load and capacity).
pub const LOAD_HEADROOM_FIELDS: [&str; 5] = [
    "target_utilisation",
    "management_points_per_site",
    "cmg_instances",
    "enough",
    "verdict",
];

/// Every `capacity.<component>.<field>` of `summary.json`: the sizing verdict in Microsoft's published
/// units (docs/model.md §4).
pub const CAPACITY_KEYS: [&str; 45] = [
    "capacity.target_utilisation",
    "capacity.high_availability",
    "capacity.enough",
    "capacity.management_point.clients",
    "capacity.management_point.sites",
    "capacity.management_point.clients_per_site_max",
    "capacity.management_point.clients_per_instance",
    "capacity.management_point.ha_minimum",
    "capacity.management_point.needed_per_site",
    "capacity.management_point.reason",
    "capacity.management_point.have_per_site",
    "capacity.management_point.max_per_site",
    "capacity.management_point.enough",
    "capacity.cmg.clients",
    "capacity.cmg.peak_concurrent_clients",
    "capacity.cmg.peak_at_s",
    "capacity.cmg.peak_at_date",
    "capacity.cmg.vm_size",
    "capacity.cmg.clients_per_vm",
    "capacity.cmg.ha_minimum",
    "capacity.cmg.vms_needed",
    "capacity.cmg.reason",
    "capacity.cmg.cmgs_needed",
    "capacity.cmg.connection_points_needed",
    "capacity.cmg.connection_points_reason",
    "capacity.cmg.have_vms",
    "capacity.cmg.enough",
    "capacity.cmg.cost.currency",
    "capacity.cmg.cost.vm_hour_price",
    "capacity.cmg.cost.egress_gb_price",
    "capacity.cmg.cost.hours_per_month",
    "capacity.cmg.cost.egress_gb_per_month",
    "capacity.cmg.cost.monthly_vm_cost_installed",
    "capacity.cmg.cost.monthly_vm_cost_needed",
    "capacity.cmg.cost.monthly_egress_cost",
    "capacity.cmg.cost.monthly_cost_installed",
    "capacity.cmg.cost.monthly_cost_needed",
    "capacity.sup.clients",
    "capacity.sup.clients_per_site_max",
    "capacity.sup.placement",
    "capacity.sup.clients_per_instance",
    "capacity.sup.needed_per_site",
    "capacity.sup.reason",
    "capacity.sup.have_per_site",
    "capacity.sup.enough",
];

/// Every threshold key under `load.`, in output order: `load.bucket_s`, `load.headroom.<field>`, then per
/// component its fields and its request types.
pub fn load_keys() -> Vec<String> {
    let mut keys = vec!["load.bucket_s".to_string()];
    keys.extend(
        LOAD_EGRESS_FIELDS
            .iter()
            .map(|f| format!("load.cmg_egress.{f}")),
    );
    keys.extend(
        LOAD_HEADROOM_FIELDS
            .iter()
            .map(|f| format!("load.headroom.{f}")),
    );
    for c in Component::ALL {
        let name = c.name();
        keys.extend(
            LOAD_COMPONENT_FIELDS
                .iter()
                .map(|f| format!("load.{name}.{f}")),
        );
        let mut types: Vec<&str> = Request::ALL
            .iter()
            .filter(|r| r.component() == c)
            .map(|r| r.name())
            .collect();
        types.dedup();
        keys.extend(
            types
                .iter()
                .map(|t| format!("load.{name}.requests_by_type.{t}")),
        );
    }
    keys
}

/// The threshold keys of a section (`"load"` or `"capacity"`), `None` for any other prefix.
pub fn section_keys(section: &str) -> Option<Vec<String>> {
    match section {
        "load" => Some(load_keys()),
        "capacity" => Some(CAPACITY_KEYS.iter().map(|k| k.to_string()).collect()),
        _ => None,
    }
}

/// The section a key belongs to, when it is `load.…` or `capacity.…`.
pub fn section_of(key: &str) -> Option<&'static str> {
    ["load", "capacity"].into_iter().find(|s| {
        key.strip_prefix(s)
            .is_some_and(|rest| rest.starts_with('.'))
    })
}

/// The key as thresholds name it: `load.components.cmg.x` (the path in `summary.json`) reads as
/// `load.cmg.x`.
pub fn canonical(key: &str) -> String {
    match key.strip_prefix("load.components.") {
        Some(rest) => format!("load.{rest}"),
        None => key.to_string(),
    }
}

/// The kind of a `load.`/`capacity.` value, from its name: the suffixes the summary's field names follow.
pub fn value_kind(key: &str) -> ValueKind {
    let leaf = key.rsplit('.').next().unwrap_or(key);
    if leaf.ends_with("reason")
        || leaf.ends_with("_date")
        || matches!(leaf, "verdict" | "vm_size" | "placement" | "currency")
    {
        ValueKind::Text
    } else if matches!(leaf, "enough" | "high_availability") {
        ValueKind::Flag
    } else if leaf.ends_with("utilisation") {
        ValueKind::Utilisation
    } else if leaf.ends_with("_per_s") {
        ValueKind::Rate
    } else if leaf.ends_with("_s") {
        ValueKind::Seconds
    } else {
        ValueKind::Count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_keys_are_components_times_fields() {
        let keys = load_keys();
        assert!(keys.contains(&"load.cmg.peak_utilisation".to_string()));
        assert!(keys.contains(&"load.management_point.requests_by_type.policy_poll".to_string()));
        assert!(keys.contains(&"load.headroom.cmg_instances".to_string()));
        // Fields × components, the request types of each (cmg has three), bucket_s and the headroom fields.
        let types = Request::ALL.len();
        assert_eq!(
            keys.len(),
            1 + LOAD_EGRESS_FIELDS.len()
                + LOAD_HEADROOM_FIELDS.len()
                + Component::ALL.len() * LOAD_COMPONENT_FIELDS.len()
                + types
        );
        let mut sorted = keys.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), keys.len(), "no key twice");
    }

    #[test]
    fn kinds_follow_the_field_names() {
        assert_eq!(value_kind("capacity.cmg.vms_needed"), ValueKind::Count);
        assert_eq!(value_kind("capacity.cmg.peak_at_s"), ValueKind::Seconds);
        assert_eq!(value_kind("capacity.cmg.enough"), ValueKind::Flag);
        assert_eq!(value_kind("capacity.sup.reason"), ValueKind::Text);
        assert_eq!(
            value_kind("load.cmg.peak_utilisation"),
            ValueKind::Utilisation
        );
        assert_eq!(value_kind("load.cmg.peak_requests_per_s"), ValueKind::Rate);
        assert_eq!(value_kind("load.bucket_s"), ValueKind::Seconds);
        assert_eq!(value_kind("load.headroom.verdict"), ValueKind::Text);
        assert_eq!(section_of("load.cmg.rejected"), Some("load"));
        assert_eq!(section_of("capacity.cmg.enough"), Some("capacity"));
        assert_eq!(section_of("loader.x"), None);
        assert_eq!(
            canonical("load.components.cmg.rejected"),
            "load.cmg.rejected"
        );
    }
}
