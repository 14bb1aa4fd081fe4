//! What co-management's automatic enrollment meets on one path-1 client (docs/model.md §1.1): whether the
//! client is in the enrollment scope, whether its device-token enrollment fails over to the user token, whether
//! an internet client has a VPN for the hybrid join, and its readiness at t = 0. All are keyed draws of the
//! device's `rng::slot::COMANAGEMENT` slot, so they can be asked again at any event without state in the device
//! and adding them moves no other draw.

use super::Model;
use super::availability::{Online, Profile};
use super::calendar::{OFFICE_OPEN, Start, office_hours_resume};
use super::scenario::AutoEnrollment;
use super::time::{NEVER, Time};
use crate::rng::slot;

/// A path-1 client's state at t = 0 (`[fleet.readiness]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    /// An active, healthy client on an eligible build.
    Ready,
    /// An inactive client: nothing happens until it returns at `returns` ([`NEVER`]: not in the run).
    Inactive {
        /// When it is back.
        returns: Time,
    },
    /// An unhealthy client: it never processes the co-management policy.
    Unhealthy,
    /// An OS build co-management cannot enroll: the enrollment fails with 0x80070032.
    IneligibleOs,
    /// Already enrolled in Intune: co-managed once the co-management policy arrives.
    IntuneEnrolled,
    /// A server: skipped.
    Server,
}

/// What automatic enrollment meets on one path-1 client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prospect {
    /// In the automatic-enrollment scope (`[comanagement] auto_enrollment`).
    pub in_scope: bool,
    /// Its device-token enrollment fails and it falls back to the user token.
    pub user_token: bool,
    /// An internet client with a VPN (or a client on the corporate network): it can complete the hybrid join.
    pub line_of_sight: bool,
    /// Its state at t = 0.
    pub readiness: Readiness,
}

impl Prospect {
    /// In scope, device token, line of sight to a domain controller, ready: every client when the scenario sets
    /// none of the keys above.
    pub const DEFAULT: Prospect = Prospect {
        in_scope: true,
        user_token: false,
        line_of_sight: true,
        readiness: Readiness::Ready,
    };

    /// Device `id`'s prospect; `internet` says whether it is an internet client.
    pub fn of(id: u32, model: &Model, internet: bool) -> Prospect {
        if !model.prospects {
            return Prospect::DEFAULT;
        }
        let s = &model.scenario;
        let c = &s.comanagement;
        let r = &s.fleet.readiness;
        let mut rng = model.seeds.stream(id, slot::COMANAGEMENT);
        // Fixed order, one draw each, whatever the shares.
        let u_scope = rng.uniform();
        let u_token = rng.uniform();
        let u_vpn = rng.uniform();
        let u_ready = rng.uniform();
        let u_return = rng.uniform();
        let in_scope = match c.auto_enrollment {
            AutoEnrollment::All => true,
            AutoEnrollment::Pilot => u_scope < c.pilot_share,
            AutoEnrollment::None => false,
        };
        let mut edge = 0.0;
        let mut below = |share: f64| {
            edge += share;
            u_ready < edge
        };
        let readiness = if below(r.inactive) {
            Readiness::Inactive {
                returns: r
                    .inactive_return
                    .map_or(NEVER, |mean| exponential(mean, u_return)),
            }
        } else if below(r.unhealthy) {
            Readiness::Unhealthy
        } else if below(r.ineligible_os) {
            Readiness::IneligibleOs
        } else if below(r.intune_enrolled) {
            Readiness::IntuneEnrolled
        } else if below(r.servers) {
            Readiness::Server
        } else {
            Readiness::Ready
        };
        Prospect {
            in_scope,
            user_token: u_token < c.user_token_share,
            line_of_sight: !internet || u_vpn < s.fleet.vpn_share,
            readiness,
        }
    }

    /// Whether the client ever acts on the co-management policy (in scope, and healthy).
    pub fn takes_policy(&self) -> bool {
        self.in_scope && self.readiness != Readiness::Unhealthy
    }
}

/// An exponential time with mean `mean` from `u` uniform in `[0, 1)`, below [`NEVER`].
fn exponential(mean: Time, u: f64) -> Time {
    let x = -f64::from(mean) * (1.0 - u).ln();
    if x >= f64::from(NEVER - 1) {
        NEVER - 1
    } else {
        x as Time
    }
}

/// When a user next signs in to a device after `t` (docs/model.md §1.1, "Pending user sign in"): at the start of
/// its next online window — a laptop's user signs in when the device comes back — or, for a device that is
/// always on, when office hours next begin (the next weekday's 08:00 local time, after the working day in
/// progress). [`NEVER`] if not before the horizon.
pub fn user_sign_in(online: &Online, start: &Start, t: Time) -> Time {
    if online.profile() == Profile::AlwaysOn {
        let (open, close) = OFFICE_OPEN;
        // Inside office hours the user of the day has signed in already: the next sign-in is the next morning.
        let from = t.saturating_add(1);
        return office_hours_resume(start, from)
            .or_else(|| office_hours_resume(start, from.saturating_add(close - open)))
            .unwrap_or(NEVER);
    }
    match online.window_from(t.saturating_add(1)) {
        Some((a, _)) if a > t => a,
        Some((_, b)) => online.window_from(b).map_or(NEVER, |(a, _)| a.max(b)),
        None => NEVER,
    }
}
