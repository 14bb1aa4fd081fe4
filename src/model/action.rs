//! Remote actions (`[[action]]`): Intune's restart, sync, wipe and retire, sent to co-managed devices at a
//! known time, and help-desk remote control sessions.
//!
//! Delivery (MD memdocs/intune/remote-actions/device-restart.md, device-sync.md,
//! memdocs/configmgr/comanage/quickstart-remote-actions.md; docs/model.md §3): Intune sends a WNS push; a device
//! that is online acts within minutes — a restart within 5 min (after a 5-min countdown message) — and a device
//! that is offline acts "the next time the device checks in", i.e. at its first Intune check-in after it comes
//! back online. Intune "makes three more attempts" to push; a device that is online gets the first push, and
//! one that is offline through the retries still acts at its next check-in, so the retries change no
//! device's outcome here and are not simulated one by one.

use super::time::{MINUTE, Time};

/// What the action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ActionKind {
    /// Restart the device.
    Restart,
    /// Force an immediate Intune check-in.
    Sync,
    /// Factory-reset the device: it goes back through provisioning (path 2) as a new arrival.
    Wipe,
    /// Remove the device from Intune management (state `retired`); a device still in the co-management
    /// collection re-enrolls at its next evaluation of the co-management policy (docs/model.md §3).
    Retire,
    /// A help-desk remote control session (ConfigMgr remote control or Intune Remote Help): it starts when the
    /// device is online and, where the user must consent, the user is at the device (docs/model.md §3).
    RemoteControl,
}

impl ActionKind {
    /// Every kind, in output order.
    pub const ALL: [ActionKind; 5] = [
        ActionKind::Restart,
        ActionKind::Sync,
        ActionKind::Wipe,
        ActionKind::Retire,
        ActionKind::RemoteControl,
    ];

    /// Scenario-file and metric name.
    pub fn name(self) -> &'static str {
        match self {
            ActionKind::Restart => "restart",
            ActionKind::Sync => "sync",
            ActionKind::Wipe => "wipe",
            ActionKind::Retire => "retire",
            ActionKind::RemoteControl => "remote_control",
        }
    }

    /// Looks a kind up by its scenario-file name.
    pub fn from_name(name: &str) -> Option<ActionKind> {
        ActionKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Position in [`ActionKind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether the action is a Graph device write, paced by Graph's throttling limit (Intune's remote
    /// actions: `rebootNow`, `syncDevice`, `wipe`, `retire`); a remote control session is not.
    pub fn through_graph(self) -> bool {
        self != ActionKind::RemoteControl
    }
}

/// Graph's limit on Intune device writes (POST/PUT/DELETE/PATCH of the "devices" service, remote actions
/// included): 400 per 20 s per tenant, over all apps (GRAPH includes/throttling-intune-devices.md; docs/model.md
/// §4). A bulk action sends one request per device, so the k-th device's request (0-based, in device-index
/// order) cannot leave before `⌊k / 400⌋ · 20 s` after the action's `at`.
pub const GRAPH_DEVICE_WRITES: u64 = 400;
/// The window of [`GRAPH_DEVICE_WRITES`].
pub const GRAPH_WINDOW: Time = 20;

/// When the `rank`-th targeted device's request of a Graph-paced action sent at `at` leaves.
pub fn graph_issue(at: Time, rank: u64) -> Time {
    let windows = rank / GRAPH_DEVICE_WRITES;
    let delay = windows.saturating_mul(u64::from(GRAPH_WINDOW));
    at.saturating_add(Time::try_from(delay).unwrap_or(Time::MAX))
}

/// How long an online device takes from the push to acting: uniform in `(0, PUSH_ACT_WINDOW]`. The restart
/// documentation gives "within 5 minutes" (a 5-min countdown; MD device-restart.md); the other actions are
/// taken to act within the same window. \[assumption\] for sync, wipe and retire: the docs say only that an
/// online device gets the push at once; WNS delivery is seconds, so 5 min is a conservative bound.
pub const PUSH_ACT_WINDOW: Time = 5 * MINUTE;

/// Which co-managed devices an action targets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ActionTarget {
    /// Each co-managed device independently with this probability (drawn per device and action).
    Share(f64),
    /// The members of this stage's pilot collection (every co-managed device for a stage without a pilot).
    Stage(usize),
}

/// One `[[action]]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Action {
    /// What it does.
    pub kind: ActionKind,
    /// When Intune sends it.
    pub at: Time,
    /// Who gets it (devices co-managed at `at`).
    pub target: ActionTarget,
    /// Retire only: the devices also leave the co-management collection, so they stay retired. Otherwise a
    /// retired device re-enrolls at its next ConfigMgr policy poll, since "if a user unenrolls the device, it
    /// re-enrolls at the next evaluation of the policy" (MD includes/enable-co-management-1906-2107.md).
    pub leave_collection: bool,
    /// Remote control only: the user must accept the session, so it waits for the user to be at the device.
    pub user_consent: bool,
}
