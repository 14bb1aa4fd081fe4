//! Load: every request the simulated fleet makes, counted per component, request type and time bucket, and
//! the modelled infrastructure's answer to it (capacity, queueing, rejection).
//!
//! This is the load-testing half of cofleet: the fleet is the load generator, the management points, the
//! cloud management gateway (CMG), Intune and Azure AD are the systems under test.
//!
//! Requests that the engine simulates as events (enrollment attempts, content downloads, registrations,
//! sync-on-switch check-ins) are counted one by one. The periodic requests the engine skips analytically
//! (DESIGN.md, principle 5) — ConfigMgr policy polls and Intune check-ins — are counted *exactly* in aggregate:
//! a task with period `P = M · bucket` ticks in bucket `b0 + k·M` for its k-th tick, so all the ticks of one
//! online window are one `+1` / `−1` pair in a strided difference array, and the per-bucket counts follow
//! from a strided prefix sum (see [`book`]). A tick missed while offline becomes a catch-up request when the
//! device returns, exactly as `model::schedule::next_run` times it. A device's walk over its windows is
//! queued and counted in batches ([`book::LoadBook::periodic`]), its days a block at a time by a vectorized
//! kernel ([`kernel`]): counting the load costs a million-device month about a fifth of its time.

pub mod book;
pub mod export;
pub mod kernel;
pub mod queue;

/// A piece of infrastructure that devices send requests to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Component {
    /// The sites' management points (on-premises ConfigMgr clients' policy requests).
    ManagementPoint,
    /// The cloud management gateway (internet clients' ConfigMgr traffic: policy, registration, content).
    Cmg,
    /// Intune (MDM enrollments and check-ins).
    Intune,
    /// Azure AD device registration (hybrid join attempts).
    AzureAd,
}

impl Component {
    /// All components, in output order.
    pub const ALL: [Component; 4] = [
        Component::ManagementPoint,
        Component::Cmg,
        Component::Intune,
        Component::AzureAd,
    ];

    /// Output name.
    pub fn name(self) -> &'static str {
        match self {
            Component::ManagementPoint => "management_point",
            Component::Cmg => "cmg",
            Component::Intune => "intune",
            Component::AzureAd => "azure_ad",
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
}

impl Request {
    /// All request types, in output order; `index()` is the position here.
    pub const ALL: [Request; 7] = [
        Request::MpPolicyPoll,
        Request::CmgPolicyPoll,
        Request::CmgRegistration,
        Request::CmgContentDownload,
        Request::MdmCheckin,
        Request::MdmEnrollment,
        Request::DeviceRegistration,
    ];

    /// Position in [`Request::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The component that serves it.
    pub fn component(self) -> Component {
        match self {
            Request::MpPolicyPoll => Component::ManagementPoint,
            Request::CmgPolicyPoll | Request::CmgRegistration | Request::CmgContentDownload => {
                Component::Cmg
            }
            Request::MdmCheckin | Request::MdmEnrollment => Component::Intune,
            Request::DeviceRegistration => Component::AzureAd,
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
        }
    }
}
