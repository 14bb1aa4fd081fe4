//! The metric contract: names that `summary.json`, `percentiles.csv`, thresholds and the CI gate rely on.
//! Renaming one is a breaking change. One table of metric families gives the output order, the names and
//! the docs.

use crate::model::action::ActionKind;
use crate::model::infrastructure::Component;
use crate::model::workload::Workload;

/// A latency metric (seconds), one sample per device that went through the measured interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
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
    /// From the later of the stage start and the device becoming co-managed to the device's switch of
    /// this workload to Intune.
    SwitchLatency(Workload),
    /// Same origin as the compliance workload's switch latency, to the device's compliance report.
    ComplianceLatency,
    /// From the compliance workload's switch to the compliance report.
    SwitchToCompliance,
    /// Compliant devices: same origin as `ComplianceLatency`, to the moment conditional access lets the
    /// device in (report + Azure AD propagation + token renewal unless CAE).
    CaReadyLatency,
    /// Noncompliant devices: same origin as `ComplianceLatency`, to the moment conditional access blocks the
    /// device (report + grace + Azure AD propagation + token renewal unless CAE).
    CaBlockLatency,
    /// OS-deployment arrivals: from the device's arrival to co-managed.
    TimeToComanagedOsd,
    /// From the remote action's `at` to the device acting on it (remote control: to the session's start).
    RemoteActionLatency(ActionKind),
    /// Time a request waited in a component's queue (one sample per request; components with a capacity:
    /// management points, CMG, Intune when `intune_requests_per_s` is set).
    QueueDelay(Component),
    /// From co-managed to the device's client health first showing healthy in Intune.
    HealthVisibleLatency,
    /// Same origin as the workload's switch latency, to the moment the switch takes effect on the device.
    WorkloadEffectiveLatency(Workload),
}

/// How a family's metrics are enumerated and named.
#[derive(Clone, Copy)]
enum Members {
    /// One metric, named as the family.
    One(Metric),
    /// One per workload, `<family>.<workload>`, in [`Workload::ALL`] order.
    PerWorkload(fn(Workload) -> Metric),
    /// One per remote action, `<family>.<kind>`, in [`ActionKind::ALL`] order.
    PerAction(fn(ActionKind) -> Metric),
    /// One per component with a modelled capacity, `<family>.<component>`, in [`QUEUED`] order.
    PerQueue(fn(Component) -> Metric),
}

impl Members {
    const fn len(self) -> usize {
        match self {
            Members::One(_) => 1,
            Members::PerWorkload(_) => Workload::ALL.len(),
            Members::PerAction(_) => ActionKind::ALL.len(),
            Members::PerQueue(_) => QUEUED.len(),
        }
    }
}

/// Components whose queue delay is a metric (Azure AD has no modelled capacity).
const QUEUED: [Component; 3] = [
    Component::ManagementPoint,
    Component::Cmg,
    Component::Intune,
];

/// A metric family: its name (the metric's, or its members' prefix) and what it measures.
struct Family {
    name: &'static str,
    members: Members,
    doc: &'static str,
}

/// Every metric family, in output order: the one list the metrics' order, names and docs come from.
const FAMILIES: [Family; 15] = [
    Family {
        name: "time_to_comanaged.existing_client",
        members: Members::One(Metric::TimeToComanagedExistingClient),
        doc: "Path 1: from t = 0 (co-management enabled) to co-managed.",
    },
    Family {
        name: "time_to_comanaged.new_internet",
        members: Members::One(Metric::TimeToComanagedNewInternet),
        doc: "Path 2: from the device's arrival to co-managed.",
    },
    Family {
        name: "hybrid_join",
        members: Members::One(Metric::HybridJoin),
        doc: "Path 1: hybrid Azure AD join, from the first registration attempt to success (incl. retries).",
    },
    Family {
        name: "mdm_enrollment",
        members: Members::One(Metric::MdmEnrollment),
        doc: "MDM enrollment, from its first attempt to success (incl. retries and waits between rounds).",
    },
    Family {
        name: "client_install",
        members: Members::One(Metric::ClientInstall),
        doc: "Path 2: ConfigMgr client install and registration through the CMG (incl. failed attempts).",
    },
    Family {
        name: "switch_latency",
        members: Members::PerWorkload(Metric::SwitchLatency),
        doc: "From the later of the stage start and the device becoming co-managed to the device's switch of \
              the workload to Intune.",
    },
    Family {
        name: "compliance_latency",
        members: Members::One(Metric::ComplianceLatency),
        doc: "Same origin as the compliance workload's switch latency, to the device's compliance report.",
    },
    Family {
        name: "switch_to_compliance",
        members: Members::One(Metric::SwitchToCompliance),
        doc: "From the compliance workload's switch to the compliance report.",
    },
    Family {
        name: "ca_ready_latency",
        members: Members::One(Metric::CaReadyLatency),
        doc: "Compliant devices: from the compliance origin to conditional access letting the device in \
              (report + Azure AD propagation + token renewal unless CAE).",
    },
    Family {
        name: "ca_block_latency",
        members: Members::One(Metric::CaBlockLatency),
        doc: "Noncompliant devices: from the compliance origin to conditional access blocking the device \
              (report + grace + Azure AD propagation + token renewal unless CAE).",
    },
    Family {
        name: "time_to_comanaged.osd",
        members: Members::One(Metric::TimeToComanagedOsd),
        doc: "OS-deployment arrivals: from the device's arrival to co-managed.",
    },
    Family {
        name: "remote_action_latency",
        members: Members::PerAction(Metric::RemoteActionLatency),
        doc: "From the remote action's `at` to the device acting on it (remote control: to the session's start).",
    },
    Family {
        name: "queue_delay",
        members: Members::PerQueue(Metric::QueueDelay),
        doc: "Time a request waited in the component's queue (one sample per request; components with a \
              capacity: management points, CMG, Intune when `intune_requests_per_s` is set).",
    },
    Family {
        name: "health_visible_latency",
        members: Members::One(Metric::HealthVisibleLatency),
        doc: "From co-managed to the device's client health first showing healthy in Intune.",
    },
    Family {
        name: "workload_effective_latency",
        members: Members::PerWorkload(Metric::WorkloadEffectiveLatency),
        doc: "Same origin as the workload's switch latency, to the moment the switch takes effect on the \
              device: Office Click-to-Run at its next Office update check or restart, Endpoint Protection at \
              its next Intune check-in, the others at the switch.",
    },
];

const fn count_metrics() -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < FAMILIES.len() {
        n += FAMILIES[i].members.len();
        i += 1;
    }
    n
}

/// Number of metrics.
pub const METRIC_COUNT: usize = count_metrics();

impl Family {
    /// The family's metrics with their names, in output order.
    fn each(&self, mut f: impl FnMut(Metric, String)) {
        let named = |suffix: &str| format!("{}.{suffix}", self.name);
        match self.members {
            Members::One(m) => f(m, self.name.to_string()),
            Members::PerWorkload(make) => Workload::ALL
                .into_iter()
                .for_each(|w| f(make(w), named(w.name()))),
            Members::PerAction(make) => ActionKind::ALL
                .into_iter()
                .for_each(|k| f(make(k), named(k.name()))),
            Members::PerQueue(make) => QUEUED.into_iter().for_each(|c| f(make(c), named(c.name()))),
        }
    }

    fn contains(&self, metric: Metric) -> bool {
        let mut found = false;
        self.each(|m, _| found |= m == metric);
        found
    }
}

impl Metric {
    /// All metrics, in output order (the order of the family table); `index()` is the position here.
    pub fn all() -> [Metric; METRIC_COUNT] {
        let mut out = [Metric::HybridJoin; METRIC_COUNT];
        let mut i = 0;
        for family in &FAMILIES {
            family.each(|m, _| {
                out[i] = m;
                i += 1;
            });
        }
        out
    }

    /// Position in [`Metric::all`]: a match (samples are recorded by index on the hot path), checked against
    /// the family table by a test.
    pub fn index(self) -> usize {
        match self {
            Metric::TimeToComanagedExistingClient => 0,
            Metric::TimeToComanagedNewInternet => 1,
            Metric::HybridJoin => 2,
            Metric::MdmEnrollment => 3,
            Metric::ClientInstall => 4,
            Metric::SwitchLatency(w) => 5 + w.index(),
            Metric::ComplianceLatency => 12,
            Metric::SwitchToCompliance => 13,
            Metric::CaReadyLatency => 14,
            Metric::CaBlockLatency => 15,
            Metric::TimeToComanagedOsd => 16,
            Metric::RemoteActionLatency(k) => 17 + k.index(),
            Metric::QueueDelay(Component::ManagementPoint) => 22,
            Metric::QueueDelay(Component::Cmg) => 23,
            // Azure AD has no modelled capacity and no device waits for a software update scan's answer, so
            // `all()` lists neither queue.
            Metric::QueueDelay(
                Component::Intune | Component::AzureAd | Component::SoftwareUpdatePoint,
            ) => 24,
            Metric::HealthVisibleLatency => 25,
            Metric::WorkloadEffectiveLatency(w) => 26 + w.index(),
        }
    }

    /// The metric's name in every output.
    pub fn name(self) -> String {
        let mut name = String::new();
        for family in &FAMILIES {
            family.each(|m, n| {
                if m == self {
                    name = n;
                }
            });
        }
        name
    }

    /// What the metric measures (its family's one-line doc).
    pub fn doc(self) -> &'static str {
        FAMILIES
            .iter()
            .find(|f| f.contains(self))
            .map_or("", |f| f.doc)
    }

    /// Looks a metric up by name.
    pub fn from_name(name: &str) -> Option<Metric> {
        Metric::all().into_iter().find(|m| m.name() == name)
    }
}

/// A stage's name as per-ring metric names write it: lowercase, every run of characters other than ASCII
/// letters and digits one `_`, none at either end ("pilot compliance" → `pilot_compliance`), so that it
/// needs no quoting in a threshold key and holds no `.` (the separator of the statistic).
pub fn ring_slug(stage: &str) -> String {
    let mut slug = String::new();
    for c in stage.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('_') {
            slug.push('_');
        }
    }
    while slug.ends_with('_') {
        slug.pop();
    }
    slug
}

/// The name of `metric` measured over one ring's devices: `<metric>@<ring slug>`.
pub fn ring_metric_name(metric: Metric, slug: &str) -> String {
    format!("{}@{slug}", metric.name())
}

/// Whether a per-ring metric is written: queue delays are per request, not per device, so they are pooled only.
pub fn has_rings(metric: Metric) -> bool {
    !matches!(metric, Metric::QueueDelay(_))
}

/// Splits `<metric>@<ring slug>` into the metric and the slug (`None` slug: a pooled name).
pub fn split_ring(name: &str) -> (&str, Option<&str>) {
    match name.split_once('@') {
        Some((metric, slug)) => (metric, Some(slug)),
        None => (name, None),
    }
}

/// Statistics reported per metric, in output order.
pub const STATS: [&str; 8] = ["count", "mean", "min", "p50", "p90", "p95", "p99", "max"];

/// Percentiles written to `percentiles.csv`: 0 (the exact minimum), 0.1, every 0.5 from 0.5 to 99.5, 99.9
/// and 100 (the exact maximum) — 203 points, so the latency CDF plots (`cofleet plot`) are drawn from the
/// distribution itself (at most 0.5 % of samples between two points) rather than from a few joined
/// percentiles, with the tail points that gates care about. Every value is exact in binary, so the file
/// writes them as `0.5`, `1`, `99.9`.
pub fn percentiles() -> Vec<f64> {
    let mut out = vec![0.0, 0.1];
    out.extend((1..=199).map(|i| f64::from(i) * 0.5));
    out.extend([99.9, 100.0]);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn ring_slugs_are_lowercase_words_joined_by_underscores() {
        assert_eq!(super::ring_slug("pilot compliance"), "pilot_compliance");
        assert_eq!(
            super::ring_slug(" Ring 2 - All.Devices "),
            "ring_2_all_devices"
        );
    }

    use super::*;

    #[test]
    fn indices_and_names_are_consistent() {
        for (i, m) in Metric::all().into_iter().enumerate() {
            assert_eq!(m.index(), i);
            assert_eq!(Metric::from_name(&m.name()), Some(m));
        }
        assert_eq!(
            Metric::from_name("switch_latency.compliance_policies"),
            Some(Metric::SwitchLatency(Workload::CompliancePolicies))
        );
        assert_eq!(Metric::from_name("switch_latency"), None);
        assert_eq!(Metric::QueueDelay(Component::Cmg).name(), "queue_delay.cmg");
        assert!(
            Metric::CaBlockLatency
                .doc()
                .starts_with("Noncompliant devices")
        );
    }

    #[test]
    fn output_order_and_names_are_the_contract() {
        let names: Vec<String> = Metric::all().into_iter().map(Metric::name).collect();
        assert_eq!(names.len(), 33);
        assert_eq!(names[0], "time_to_comanaged.existing_client");
        assert_eq!(names[5], "switch_latency.compliance_policies");
        assert_eq!(names[17], "remote_action_latency.restart");
        assert_eq!(names[21], "remote_action_latency.remote_control");
        assert_eq!(names[24], "queue_delay.intune");
        assert_eq!(names[25], "health_visible_latency");
        assert_eq!(names[31], "workload_effective_latency.office_click_to_run");
    }
}
