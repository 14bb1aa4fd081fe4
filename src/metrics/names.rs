//! The metric contract: names that `summary.json`, `percentiles.csv`, thresholds and the CI gate rely on.
//! Renaming one is a breaking change; the README documents each.

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
    /// From the remote action's `at` to the device acting on it.
    RemoteActionLatency(ActionKind),
    /// Time a request waited in a component's queue (one sample per request; components with a capacity:
    /// management points, CMG, Intune when `intune_requests_per_s` is set).
    QueueDelay(Component),
    /// From co-managed to the device's client health first showing healthy in Intune.
    HealthVisibleLatency,
}

/// Number of metrics.
pub const METRIC_COUNT: usize = 25;

impl Metric {
    /// All metrics, in output order; `index()` is the position here.
    pub fn all() -> [Metric; METRIC_COUNT] {
        let w = Workload::ALL;
        [
            Metric::TimeToComanagedExistingClient,
            Metric::TimeToComanagedNewInternet,
            Metric::HybridJoin,
            Metric::MdmEnrollment,
            Metric::ClientInstall,
            Metric::SwitchLatency(w[0]),
            Metric::SwitchLatency(w[1]),
            Metric::SwitchLatency(w[2]),
            Metric::SwitchLatency(w[3]),
            Metric::SwitchLatency(w[4]),
            Metric::SwitchLatency(w[5]),
            Metric::SwitchLatency(w[6]),
            Metric::ComplianceLatency,
            Metric::SwitchToCompliance,
            Metric::CaReadyLatency,
            Metric::CaBlockLatency,
            Metric::TimeToComanagedOsd,
            Metric::RemoteActionLatency(ActionKind::Restart),
            Metric::RemoteActionLatency(ActionKind::Sync),
            Metric::RemoteActionLatency(ActionKind::Wipe),
            Metric::RemoteActionLatency(ActionKind::Retire),
            Metric::QueueDelay(Component::ManagementPoint),
            Metric::QueueDelay(Component::Cmg),
            Metric::QueueDelay(Component::Intune),
            Metric::HealthVisibleLatency,
        ]
    }

    /// Position in [`Metric::all`].
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
            Metric::QueueDelay(Component::ManagementPoint) => 21,
            Metric::QueueDelay(Component::Cmg) => 22,
            // Azure AD has no modelled capacity, so `all()` never lists its queue.
            Metric::QueueDelay(Component::Intune | Component::AzureAd) => 23,
            Metric::HealthVisibleLatency => 24,
        }
    }

    /// The metric's name in every output.
    pub fn name(self) -> String {
        match self {
            Metric::TimeToComanagedExistingClient => "time_to_comanaged.existing_client".into(),
            Metric::TimeToComanagedNewInternet => "time_to_comanaged.new_internet".into(),
            Metric::HybridJoin => "hybrid_join".into(),
            Metric::MdmEnrollment => "mdm_enrollment".into(),
            Metric::ClientInstall => "client_install".into(),
            Metric::SwitchLatency(w) => format!("switch_latency.{}", w.name()),
            Metric::ComplianceLatency => "compliance_latency".into(),
            Metric::SwitchToCompliance => "switch_to_compliance".into(),
            Metric::CaReadyLatency => "ca_ready_latency".into(),
            Metric::CaBlockLatency => "ca_block_latency".into(),
            Metric::TimeToComanagedOsd => "time_to_comanaged.osd".into(),
            Metric::RemoteActionLatency(k) => format!("remote_action_latency.{}", k.name()),
            Metric::QueueDelay(c) => format!("queue_delay.{}", c.name()),
            Metric::HealthVisibleLatency => "health_visible_latency".into(),
        }
    }

    /// Looks a metric up by name.
    pub fn from_name(name: &str) -> Option<Metric> {
        Metric::all().into_iter().find(|m| m.name() == name)
    }
}

/// Statistics reported per metric, in output order.
pub const STATS: [&str; 8] = ["count", "mean", "min", "p50", "p90", "p95", "p99", "max"];

/// Percentiles written to `percentiles.csv`: dense enough that the latency CDF plots (`cofleet plot`) are
/// drawn from the file alone without visible corners, with extra points in the tail that gates care about.
pub const PERCENTILES: [f64; 23] = [
    1.0, 2.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 40.0, 50.0, 60.0, 70.0, 75.0, 80.0, 85.0, 90.0,
    95.0, 97.0, 98.0, 99.0, 99.5, 99.9, 100.0,
];

#[cfg(test)]
mod tests {
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
    }
}
