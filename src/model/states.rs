//! The states a device shows the world outside it: how far it has come on its path, its compliance as Intune
//! reports it, what conditional access does with its sign-ins, and its client health as Intune shows it. The
//! device moves between them; the timeline counts devices in each (`metrics::tally`).

/// How far a device has come on its path (the fleet-flow states of the timeline).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Milestone {
    /// Path 2: not delivered yet.
    NotArrived,
    /// Waiting for its enrollment to start (path 1) / being set up (path 2).
    NotStarted,
    /// Hybrid Azure AD joined (path 1) or Azure AD joined (path 2).
    Joined,
    /// Enrolled in Intune.
    Enrolled,
    /// Co-managed (ConfigMgr client and MDM enrollment, co-management policy applied).
    CoManaged,
    /// Hit a permanent configuration error.
    Failed,
    /// Taken out of management by a `retire` remote action.
    Retired,
}

impl Milestone {
    /// All milestones, in column order.
    pub const ALL: [Milestone; 7] = [
        Milestone::NotArrived,
        Milestone::NotStarted,
        Milestone::Joined,
        Milestone::Enrolled,
        Milestone::CoManaged,
        Milestone::Failed,
        Milestone::Retired,
    ];

    /// Output name.
    pub fn name(self) -> &'static str {
        match self {
            Milestone::NotArrived => "not_arrived",
            Milestone::NotStarted => "not_started",
            Milestone::Joined => "joined",
            Milestone::Enrolled => "enrolled",
            Milestone::CoManaged => "co_managed",
            Milestone::Failed => "failed",
            Milestone::Retired => "retired",
        }
    }
}

/// Where a path-1 client is in co-management's enrollment, in the co-management dashboard's states (MD
/// memdocs/configmgr/comanage/how-to-monitor.md: Eligible → Scheduled → Enrollment initiated → Enrolled, and
/// the enrollment statuses Failure and Pending user sign in), plus the clients the dashboard does not count as
/// eligible (docs/model.md, the enrollment funnel).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Funnel {
    /// In scope and ready; the co-management policy has not arrived yet.
    Eligible,
    /// The co-management policy arrived and queued the enrollment timer; waiting for it (or for the join).
    Scheduled,
    /// Enrollment attempts in progress.
    Initiated,
    /// The device-token attempt failed; waiting for a user to sign in.
    PendingUserSignIn,
    /// Enrolled with the co-management policy: co-managed.
    Enrolled,
    /// A configuration error (a permanent failure, or an ineligible OS build).
    Failed,
    /// Outside the automatic-enrollment scope, or an unhealthy client that never processes the policy.
    NotEligible,
    /// An inactive client that has not returned.
    Inactive,
    /// A server, skipped by co-management.
    Server,
    /// An internet client without a VPN: no line of sight to a domain controller, so never joined.
    NoLineOfSight,
}

impl Funnel {
    /// All funnel states, in column order.
    pub const ALL: [Funnel; 10] = [
        Funnel::Eligible,
        Funnel::Scheduled,
        Funnel::Initiated,
        Funnel::PendingUserSignIn,
        Funnel::Enrolled,
        Funnel::Failed,
        Funnel::NotEligible,
        Funnel::Inactive,
        Funnel::Server,
        Funnel::NoLineOfSight,
    ];

    /// Output name (`funnel.<name>` in timeline.csv and summary.json).
    pub fn name(self) -> &'static str {
        match self {
            Funnel::Eligible => "eligible",
            Funnel::Scheduled => "scheduled",
            Funnel::Initiated => "enrollment_initiated",
            Funnel::PendingUserSignIn => "pending_user_sign_in",
            Funnel::Enrolled => "enrolled",
            Funnel::Failed => "failed",
            Funnel::NotEligible => "not_eligible",
            Funnel::Inactive => "inactive",
            Funnel::Server => "server",
            Funnel::NoLineOfSight => "no_line_of_sight",
        }
    }
}

/// A device's compliance as Intune reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComplianceState {
    /// No report on Intune (compliance still on ConfigMgr, or no sync yet).
    Unknown,
    /// Reported compliant.
    Compliant,
    /// Reported noncompliant, inside the `noncompliant_grace` period.
    InGrace,
    /// Reported noncompliant and past the grace period.
    Noncompliant,
}

/// What conditional access does with a device's sign-ins (Azure AD's view, once the user's token has it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaState {
    /// No Intune compliance state has reached the session yet.
    Unknown,
    /// "Require device to be marked as compliant" lets the device in (compliant, or noncompliant within its
    /// grace period).
    Ready,
    /// Conditional access blocks the device (noncompliant past its grace period, or its report expired).
    Blocked,
}

impl CaState {
    /// The conditional-access consequence of a compliance state.
    pub fn of(c: ComplianceState) -> CaState {
        match c {
            ComplianceState::Unknown => CaState::Unknown,
            ComplianceState::Compliant | ComplianceState::InGrace => CaState::Ready,
            ComplianceState::Noncompliant => CaState::Blocked,
        }
    }
}

/// A co-managed device's ConfigMgr client health as Intune shows it (docs/model.md §1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthState {
    /// Not co-managed, or its health has not reached Intune yet.
    Unknown,
    /// Shown healthy.
    Healthy,
    /// Shown unhealthy (its last sync is too old for its health status).
    Unhealthy,
}
