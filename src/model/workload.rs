//! The seven co-management workloads, their authority, and compact sets of them.
//!
//! Workloads: MD memdocs/configmgr/comanage/workloads.md. The slider values ConfigMgr / Pilot Intune /
//! Intune: MD how-to-switch-workloads.md.

/// A co-management workload: a slice of device management that moves from ConfigMgr to Intune as a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Workload {
    /// Compliance policies; the workload most customers switch first (MD faq.yml), and the one that
    /// conditional access needs on Intune (MD quickstart-conditional-access.md).
    CompliancePolicies,
    /// Windows Update policies (Windows Update for Business).
    WindowsUpdatePolicies,
    /// Resource access policies (VPN, Wi-Fi, email, certificates); part of Device configuration from 2203.
    ResourceAccess,
    /// Endpoint Protection (Defender policies).
    EndpointProtection,
    /// Device configuration profiles.
    DeviceConfiguration,
    /// Office Click-to-Run apps and their updates.
    OfficeClickToRun,
    /// Client apps ("Mobile apps for co-managed devices").
    ClientApps,
}

impl Workload {
    /// All workloads, in the order the scenario format lists them; the index is the bit in [`WorkloadSet`].
    pub const ALL: [Workload; 7] = [
        Workload::CompliancePolicies,
        Workload::WindowsUpdatePolicies,
        Workload::ResourceAccess,
        Workload::EndpointProtection,
        Workload::DeviceConfiguration,
        Workload::OfficeClickToRun,
        Workload::ClientApps,
    ];

    /// The name used in scenario files, metric names and output columns.
    pub fn name(self) -> &'static str {
        match self {
            Workload::CompliancePolicies => "compliance_policies",
            Workload::WindowsUpdatePolicies => "windows_update_policies",
            Workload::ResourceAccess => "resource_access",
            Workload::EndpointProtection => "endpoint_protection",
            Workload::DeviceConfiguration => "device_configuration",
            Workload::OfficeClickToRun => "office_click_to_run",
            Workload::ClientApps => "client_apps",
        }
    }

    /// Parses a scenario-file workload name.
    pub fn from_name(name: &str) -> Option<Workload> {
        Workload::ALL.into_iter().find(|w| w.name() == name)
    }

    /// Position in [`Workload::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// This workload's bit in a [`WorkloadSet`].
    pub fn bit(self) -> u8 {
        1 << self.index()
    }
}

/// A set of workloads as a bit mask (bit i = `Workload::ALL[i]`): a device's per-workload authority fits
/// in one byte of its hot state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WorkloadSet(pub u8);

impl WorkloadSet {
    /// The empty set.
    pub const EMPTY: WorkloadSet = WorkloadSet(0);

    /// Whether `w` is in the set.
    pub fn contains(self, w: Workload) -> bool {
        self.0 & w.bit() != 0
    }

    /// Adds `w`.
    pub fn insert(&mut self, w: Workload) {
        self.0 |= w.bit();
    }

    /// The workloads in the set, in [`Workload::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Workload> {
        Workload::ALL.into_iter().filter(move |w| self.contains(*w))
    }

    /// Whether every workload of `other` is in `self`.
    pub fn includes(self, other: WorkloadSet) -> bool {
        self.0 & other.0 == other.0
    }

    /// The set as the product moves it: Device configuration carries Resource access and Endpoint
    /// Protection, so a plan that moves it moves all three (docs/model.md §2).
    pub fn coupled(self) -> WorkloadSet {
        if self.contains(Workload::DeviceConfiguration) {
            WorkloadSet(
                self.0 | Workload::ResourceAccess.bit() | Workload::EndpointProtection.bit(),
            )
        } else {
            self
        }
    }
}

/// Which management authority a rollout stage gives its workloads (the co-management slider).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authority {
    /// ConfigMgr manages the workload (the default for every workload).
    ConfigMgr,
    /// Intune manages the workload on members of the workload's pilot collection only.
    PilotIntune,
    /// Intune manages the workload on every co-managed device.
    Intune,
}

impl Authority {
    /// The scenario-file spelling.
    pub fn name(self) -> &'static str {
        match self {
            Authority::ConfigMgr => "configmgr",
            Authority::PilotIntune => "pilot_intune",
            Authority::Intune => "intune",
        }
    }

    /// Parses the scenario-file spelling.
    pub fn from_name(name: &str) -> Option<Authority> {
        [
            Authority::ConfigMgr,
            Authority::PilotIntune,
            Authority::Intune,
        ]
        .into_iter()
        .find(|a| a.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for w in Workload::ALL {
            assert_eq!(Workload::from_name(w.name()), Some(w));
        }
        assert_eq!(Workload::from_name("compliance"), None);
        for a in [
            Authority::ConfigMgr,
            Authority::PilotIntune,
            Authority::Intune,
        ] {
            assert_eq!(Authority::from_name(a.name()), Some(a));
        }
    }

    #[test]
    fn sets() {
        let mut s = WorkloadSet::EMPTY;
        s.insert(Workload::ClientApps);
        s.insert(Workload::CompliancePolicies);
        assert!(s.contains(Workload::ClientApps));
        assert!(!s.contains(Workload::ResourceAccess));
        assert_eq!(s.iter().count(), 2);
        assert!(s.includes(WorkloadSet(Workload::ClientApps.bit())));
        assert_eq!(s.coupled(), s);
        let dc = WorkloadSet(Workload::DeviceConfiguration.bit()).coupled();
        assert_eq!(dc.iter().count(), 3);
        assert!(dc.contains(Workload::ResourceAccess) && dc.contains(Workload::EndpointProtection));
    }
}
