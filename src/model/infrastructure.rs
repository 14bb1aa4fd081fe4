//! The infrastructure devices talk to, as the devices see it: its components, the requests a device sends
//! them, and the pressure an overloaded component puts back on the next requests (a queue delay, a share
//! rejected). Counting the requests and queueing them is the load ledger's job (`load`); the model only
//! names them.

use super::time::Time;

/// Number of components ([`Component::ALL`]).
pub const COMPONENTS: usize = 5;

/// Number of request types ([`Request::ALL`]).
pub const REQUESTS: usize = 14;

/// A piece of infrastructure that devices send requests to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Component {
    /// The sites' management points (on-premises ConfigMgr clients' policy requests).
    ManagementPoint,
    /// The cloud management gateway (internet clients' ConfigMgr traffic: policy, registration, content).
    Cmg,
    /// Intune (MDM enrollments and check-ins).
    Intune,
    /// Azure AD device registration (hybrid join attempts, Autopilot registrations).
    AzureAd,
    /// The software update point (WSUS) ConfigMgr clients scan against, on-premises or through the CMG.
    SoftwareUpdatePoint,
}

impl Component {
    /// All components, in output order.
    pub const ALL: [Component; COMPONENTS] = [
        Component::ManagementPoint,
        Component::Cmg,
        Component::Intune,
        Component::AzureAd,
        Component::SoftwareUpdatePoint,
    ];

    /// Output name.
    pub fn name(self) -> &'static str {
        match self {
            Component::ManagementPoint => "management_point",
            Component::Cmg => "cmg",
            Component::Intune => "intune",
            Component::AzureAd => "azure_ad",
            Component::SoftwareUpdatePoint => "software_update_point",
        }
    }

    /// Parses an output name.
    pub fn from_name(name: &str) -> Option<Component> {
        Component::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Position in [`Component::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A kind of request, with the component it goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Request {
    /// ConfigMgr machine policy request from an on-premises client (management point).
    MpPolicyPoll,
    /// ConfigMgr machine policy request from an internet client (through the CMG).
    CmgPolicyPoll,
    /// ConfigMgr client registration through the CMG (path 2, at the end of the install).
    CmgRegistration,
    /// ConfigMgr client install content download through the CMG (path 2, one per attempt).
    CmgContentDownload,
    /// Intune MDM check-in (bursts after enrollment, steady state, sync on switch).
    MdmCheckin,
    /// Intune MDM enrollment attempt.
    MdmEnrollment,
    /// Azure AD device registration attempt (hybrid join).
    DeviceRegistration,
    /// Autopilot's Azure AD join of a new internet device at its first boot (path 2, one per arrival).
    AutopilotRegistration,
    /// ConfigMgr hardware inventory report from an on-premises client (management point).
    MpHardwareInventory,
    /// ConfigMgr hardware inventory report from an internet client (through the CMG).
    CmgHardwareInventory,
    /// ConfigMgr heartbeat discovery record (DDR) from an on-premises client (management point).
    MpHeartbeat,
    /// ConfigMgr heartbeat discovery record from an internet client (through the CMG).
    CmgHeartbeat,
    /// Software update scan against the software update point, from any ConfigMgr client whose Windows
    /// Update policies workload is on ConfigMgr.
    SupScan,
    /// The same scan's traffic through the CMG, for an internet client (counted besides [`Request::SupScan`]:
    /// the CMG relays it to the software update point).
    CmgSupScan,
}

impl Request {
    /// All request types, in output order; `index()` is the position here.
    pub const ALL: [Request; REQUESTS] = [
        Request::MpPolicyPoll,
        Request::CmgPolicyPoll,
        Request::CmgRegistration,
        Request::CmgContentDownload,
        Request::MdmCheckin,
        Request::MdmEnrollment,
        Request::DeviceRegistration,
        Request::AutopilotRegistration,
        Request::MpHardwareInventory,
        Request::CmgHardwareInventory,
        Request::MpHeartbeat,
        Request::CmgHeartbeat,
        Request::SupScan,
        Request::CmgSupScan,
    ];

    /// Position in [`Request::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The component that serves it.
    pub fn component(self) -> Component {
        match self {
            Request::MpPolicyPoll | Request::MpHardwareInventory | Request::MpHeartbeat => {
                Component::ManagementPoint
            }
            Request::CmgPolicyPoll
            | Request::CmgRegistration
            | Request::CmgContentDownload
            | Request::CmgHardwareInventory
            | Request::CmgHeartbeat
            | Request::CmgSupScan => Component::Cmg,
            Request::MdmCheckin | Request::MdmEnrollment => Component::Intune,
            Request::DeviceRegistration | Request::AutopilotRegistration => Component::AzureAd,
            Request::SupScan => Component::SoftwareUpdatePoint,
        }
    }

    /// Output name (the request type column of `load.csv`).
    pub fn name(self) -> &'static str {
        match self {
            Request::MpPolicyPoll | Request::CmgPolicyPoll => "policy_poll",
            Request::CmgRegistration => "registration",
            Request::CmgContentDownload => "content_download",
            Request::MdmCheckin => "mdm_checkin",
            Request::MdmEnrollment => "mdm_enrollment",
            Request::DeviceRegistration => "device_registration",
            Request::AutopilotRegistration => "autopilot_registration",
            Request::MpHardwareInventory | Request::CmgHardwareInventory => "hardware_inventory",
            Request::MpHeartbeat | Request::CmgHeartbeat => "heartbeat_discovery",
            Request::SupScan | Request::CmgSupScan => "software_update_scan",
        }
    }
}

/// What the infrastructure does to the next epoch's requests.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Pressure {
    /// Queue delay (seconds) a request to each component meets (index: `Component::index`).
    pub delay: [Time; COMPONENTS],
    /// Share of requests rejected, as a threshold on a uniform u32 (`0` = none).
    pub reject_below: [u32; COMPONENTS],
}

/// The VM size of a CMG's scale set, with its published concurrent-client figure (docs/model.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmgVmSize {
    /// Standard (A2_v2): 6,000 concurrent clients per VM.
    Standard,
    /// Large (A4_v2): 10,000 concurrent clients per VM.
    Large,
    /// Lab (B2s): 10 concurrent clients per VM.
    Lab,
}

impl CmgVmSize {
    /// All sizes, in scenario-file order.
    pub const ALL: [CmgVmSize; 3] = [CmgVmSize::Standard, CmgVmSize::Large, CmgVmSize::Lab];

    /// Concurrent connected clients one VM of this size serves.
    pub fn clients_per_vm(self) -> u64 {
        match self {
            CmgVmSize::Standard => 6_000,
            CmgVmSize::Large => 10_000,
            CmgVmSize::Lab => 10,
        }
    }

    /// The default price of one VM-hour of this size, USD: an assumption the scenario can override (pay-as-you-go
    /// list prices of the Windows VM sizes in East US as commonly quoted; docs/model.md, load and capacity).
    pub fn default_hour_price(self) -> f64 {
        match self {
            CmgVmSize::Standard => 0.136,
            CmgVmSize::Large => 0.286,
            CmgVmSize::Lab => 0.0496,
        }
    }

    /// Scenario-file name.
    pub fn name(self) -> &'static str {
        match self {
            CmgVmSize::Standard => "standard",
            CmgVmSize::Large => "large",
            CmgVmSize::Lab => "lab",
        }
    }

    /// Parses a scenario-file name.
    pub fn from_name(name: &str) -> Option<CmgVmSize> {
        CmgVmSize::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// Where WSUS of the software update point runs, with its published client figure (docs/model.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SupPlacement {
    /// WSUS co-located with another site role: 25,000 clients.
    Colocated,
    /// WSUS on its own, tuned server: 150,000 clients.
    Remote,
}

impl SupPlacement {
    /// Clients one software update point serves.
    pub fn clients_per_sup(self) -> u64 {
        match self {
            SupPlacement::Colocated => 25_000,
            SupPlacement::Remote => 150_000,
        }
    }

    /// Scenario-file name.
    pub fn name(self) -> &'static str {
        match self {
            SupPlacement::Colocated => "colocated",
            SupPlacement::Remote => "remote",
        }
    }
}
