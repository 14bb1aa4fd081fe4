//! Capacity sizing in Microsoft's published units: client counts (management points, software update
//! points) and concurrent connected clients (cloud management gateway VMs and connection points), turned
//! into the number of instances a planner needs. Pure arithmetic, no I/O: inputs in, verdicts out, so the
//! answer can be redone by hand from the published figures (docs/model.md §4).

/// Windows clients one management point serves (docs/model.md §4).
pub const CLIENTS_PER_MP: u64 = 25_000;
/// Most management points one primary site supports (docs/model.md §4).
pub const MAX_MPS_PER_SITE: u64 = 15;
/// Most VM instances one CMG holds; past that, another CMG (docs/model.md §4).
pub const MAX_VMS_PER_CMG: u64 = 16;
/// CMG VM instances one CMG connection point serves (docs/model.md §4).
pub const VMS_PER_CONNECTION_POINT: u64 = 4;
/// Clients one CMG connection point holds a connection for: the default Windows dynamic port range
/// (docs/model.md §4).
pub const CLIENTS_PER_CONNECTION_POINT: u64 = 16_384;
/// Clients a child primary site holds (docs/model.md §4).
pub const CLIENTS_PER_CHILD_PRIMARY: u64 = 150_000;
/// Clients a stand-alone primary site holds (docs/model.md §4).
pub const CLIENTS_PER_STANDALONE_PRIMARY: u64 = 175_000;
/// Windows clients a hierarchy holds (docs/model.md §4).
pub const CLIENTS_PER_HIERARCHY: u64 = 700_000;
/// Instances of a component high availability asks for: two, so one can fail (docs/model.md §4).
pub const HA_MINIMUM: u64 = 2;

pub use crate::model::infrastructure::{CmgVmSize, SupPlacement};

/// Why a count is what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The load needs it.
    Load,
    /// The load needs fewer; high availability asks for this many.
    HighAvailability,
}

impl Reason {
    /// Output name.
    pub fn name(self) -> &'static str {
        match self {
            Reason::Load => "load",
            Reason::HighAvailability => "high_availability",
        }
    }
}

/// A count of instances and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needed {
    /// Instances needed.
    pub count: u64,
    /// Why: load, or redundancy when the load alone would need fewer.
    pub reason: Reason,
}

/// The smallest count whose published capacity `per_instance` × `target` covers `clients`, never below
/// `minimum` (the high-availability minimum, or 1 when there is load).
pub fn needed(clients: u64, per_instance: u64, target: f64, minimum: u64) -> Needed {
    let usable = per_instance as f64 * target;
    let by_load = if clients == 0 {
        0
    } else {
        let n = (clients as f64 / usable).ceil() as u64;
        // Guard the float division against an off-by-one at exact multiples.
        if ((n - 1) as f64) * usable >= clients as f64 {
            n - 1
        } else {
            n
        }
    };
    if by_load >= minimum {
        Needed {
            count: by_load,
            reason: Reason::Load,
        }
    } else {
        Needed {
            count: minimum,
            reason: Reason::HighAvailability,
        }
    }
}

/// The high-availability minimum of a component.
pub fn ha_minimum(high_availability: bool) -> u64 {
    if high_availability { HA_MINIMUM } else { 1 }
}

/// The CMG's answer: VMs, CMGs and connection points for a peak of concurrent connected clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CmgSizing {
    /// VM instances in all CMGs.
    pub vms: Needed,
    /// CMGs (at most 16 VMs each).
    pub cmgs: u64,
    /// Connection points: one per 4 VMs and one per 16,384 clients, at least the HA minimum.
    pub connection_points: Needed,
}

/// Sizes the CMG for `peak` concurrent clients on VMs of `size` at utilisation `target`.
pub fn cmg(peak: u64, size: CmgVmSize, target: f64, high_availability: bool) -> CmgSizing {
    let vms = needed(
        peak,
        size.clients_per_vm(),
        target,
        ha_minimum(high_availability),
    );
    CmgSizing {
        vms,
        cmgs: vms.count.div_ceil(MAX_VMS_PER_CMG).max(1),
        connection_points: connection_points(peak, vms.count, high_availability),
    }
}

/// CMG connection points for `peak` concurrent clients on `vms` VMs: one per 4 VMs and one per 16,384
/// clients, whichever asks for more, never below the high-availability minimum.
pub fn connection_points(peak: u64, vms: u64, high_availability: bool) -> Needed {
    let minimum = ha_minimum(high_availability);
    let by_load = vms
        .div_ceil(VMS_PER_CONNECTION_POINT)
        .max(peak.div_ceil(CLIENTS_PER_CONNECTION_POINT));
    if by_load >= minimum {
        Needed {
            count: by_load,
            reason: Reason::Load,
        }
    } else {
        Needed {
            count: minimum,
            reason: Reason::HighAvailability,
        }
    }
}

/// Management points per site for the largest site's `clients`; above 15 per site the site is too big.
pub fn management_points(
    clients_per_site_max: u64,
    target: f64,
    high_availability: bool,
) -> Needed {
    needed(
        clients_per_site_max,
        CLIENTS_PER_MP,
        target,
        ha_minimum(high_availability),
    )
}

/// Software update points for `clients` scanning against them.
pub fn software_update_points(clients: u64, placement: SupPlacement, target: f64) -> Needed {
    needed(clients, placement.clients_per_sup(), target, 1)
}

/// Site-size warnings: a primary site past its published client figure, or the hierarchy past 700,000.
pub fn site_warnings(clients_per_site: &[u64], standalone: bool) -> Vec<String> {
    let limit = if standalone {
        CLIENTS_PER_STANDALONE_PRIMARY
    } else {
        CLIENTS_PER_CHILD_PRIMARY
    };
    let mut warnings = Vec::new();
    for (i, &c) in clients_per_site.iter().enumerate() {
        if c > limit {
            warnings.push(format!(
                "site {} holds {c} clients, more than the {limit} a primary site supports",
                i + 1
            ));
        }
    }
    let total: u64 = clients_per_site.iter().sum();
    if total > CLIENTS_PER_HIERARCHY {
        warnings.push(format!(
            "the hierarchy holds {total} clients, more than the {CLIENTS_PER_HIERARCHY} it supports"
        ));
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needed_is_the_ceiling_of_clients_over_usable_capacity() {
        // 57,000 concurrent at 6,000 × 0.7 = 4,200 per VM: ⌈13.57⌉ = 14.
        let n = needed(57_000, 6_000, 0.7, 2);
        assert_eq!((n.count, n.reason), (14, Reason::Load));
        // An exact multiple needs no extra instance: 4,200 × 3 = 12,600.
        assert_eq!(needed(12_600, 6_000, 0.7, 1).count, 3);
        assert_eq!(needed(12_601, 6_000, 0.7, 1).count, 4);
    }

    #[test]
    fn high_availability_sets_the_floor_and_says_so() {
        // 15,000 clients fit one MP at 70 % (17,500): the second is for redundancy.
        let n = needed(15_000, CLIENTS_PER_MP, 0.7, 2);
        assert_eq!((n.count, n.reason), (2, Reason::HighAvailability));
        // 21,000 need two by load at 70 %.
        let n = management_points(21_000, 0.7, false);
        assert_eq!((n.count, n.reason), (2, Reason::Load));
        let n = management_points(10_000, 0.7, false);
        assert_eq!((n.count, n.reason), (1, Reason::Load));
    }

    #[test]
    fn cmg_for_the_120k_fleet() {
        // ≈57k internet clients, all online at once: 14 Standard VMs at 70 %, one CMG, 4 connection points
        // (⌈14 / 4⌉ = 4 ≥ ⌈57,000 / 16,384⌉ = 4).
        let s = cmg(57_000, CmgVmSize::Standard, 0.7, true);
        assert_eq!(s.vms.count, 14);
        assert_eq!(s.cmgs, 1);
        assert_eq!(s.connection_points.count, 4);
        // At 100 % the published figure alone: ⌈57,000 / 6,000⌉ = 10.
        assert_eq!(cmg(57_000, CmgVmSize::Standard, 1.0, true).vms.count, 10);
    }

    #[test]
    fn cmg_past_16_vms_needs_another_cmg_and_small_peaks_get_the_ha_pair() {
        let s = cmg(200_000, CmgVmSize::Standard, 1.0, true);
        assert_eq!(s.vms.count, 34);
        assert_eq!(s.cmgs, 3);
        assert_eq!(s.connection_points.count, 13);
        let s = cmg(100, CmgVmSize::Large, 0.7, true);
        assert_eq!(s.vms.reason, Reason::HighAvailability);
        assert_eq!(
            s.connection_points,
            Needed {
                count: 2,
                reason: Reason::HighAvailability
            }
        );
    }

    #[test]
    fn connection_points_follow_the_port_range_when_vms_are_large() {
        // 10 Large VMs carry 100,000 clients: ⌈10 / 4⌉ = 3 by VMs, ⌈100,000 / 16,384⌉ = 7 by ports.
        let s = cmg(100_000, CmgVmSize::Large, 1.0, true);
        assert_eq!(s.vms.count, 10);
        assert_eq!(s.connection_points.count, 7);
    }

    #[test]
    fn sup_by_placement_and_site_warnings() {
        assert_eq!(
            software_update_points(63_000, SupPlacement::Colocated, 1.0).count,
            3
        );
        assert_eq!(
            software_update_points(63_000, SupPlacement::Remote, 1.0).count,
            1
        );
        assert_eq!(CmgVmSize::from_name("lab"), Some(CmgVmSize::Lab));
        assert_eq!(CmgVmSize::from_name("huge"), None);
        assert!(site_warnings(&[150_000], false).is_empty());
        assert_eq!(site_warnings(&[150_001], false).len(), 1);
        assert!(site_warnings(&[160_000], true).is_empty());
        assert_eq!(site_warnings(&[140_000; 6], false).len(), 1);
    }
}
