//! The `capacity` section of `summary.json` and its breakdown: the instances a ConfigMgr architect would
//! size from Microsoft's published figures for this run's fleet (docs/model.md §4), with every input of the
//! arithmetic, so that each count can be redone by hand.
//!
//! Client counts come from the run: on-premises clients of the management points and internet clients of the
//! CMG are the devices that run ConfigMgr's policy poll and are online at least once; the CMG's peak is the
//! most of its clients online at one moment (`engine::LoadOutcome::cmg_online`).

use serde::{Deserialize, Serialize};

use super::load_out;
use crate::capacity::{self, Reason};
use crate::engine::LoadOutcome;
use crate::load::book::Presence;
use crate::model::scenario::Scenario;
use crate::units::grouped;

/// Management points: clients per site against the published clients per MP.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManagementPointCapacity {
    /// On-premises ConfigMgr clients seen online.
    pub clients: u64,
    /// Sites they are spread over.
    pub sites: u32,
    /// Clients of the largest site (the fleet is spread evenly: ⌈clients / sites⌉).
    pub clients_per_site_max: u64,
    /// Clients one MP supports (`[infrastructure] clients_per_management_point`, published 25,000).
    pub clients_per_instance: u64,
    /// The high-availability minimum per site.
    pub ha_minimum: u64,
    /// Management points per site needed.
    pub needed_per_site: u64,
    /// `load` or `high_availability`.
    pub reason: String,
    /// Management points per site installed.
    pub have_per_site: u32,
    /// The most a primary site supports (15): past it, the site must be split.
    pub max_per_site: u64,
    /// Whether what is installed covers what is needed.
    pub enough: bool,
}

/// The CMG: the peak of concurrent connected clients against the published clients per VM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CmgCapacity {
    /// Internet clients of the CMG seen online (path 2 and the internet share of path 1).
    pub clients: u64,
    /// The most of them online at one moment.
    pub peak_concurrent_clients: u64,
    /// When that peak was first reached, seconds.
    pub peak_at_s: u32,
    /// `peak_at_s` as an RFC 3339 date-time in the scenario start's offset.
    pub peak_at_date: String,
    /// `[infrastructure] cmg_vm_size`.
    pub vm_size: String,
    /// Concurrent clients one VM supports (the size's published figure unless the scenario sets its own).
    pub clients_per_vm: u64,
    /// The high-availability minimum of VMs and of connection points.
    pub ha_minimum: u64,
    /// VM instances needed in all CMGs.
    pub vms_needed: u64,
    /// `load` or `high_availability`.
    pub reason: String,
    /// CMGs needed (at most 16 VMs each).
    pub cmgs_needed: u64,
    /// CMG connection points needed: one per 4 VMs and one per 16,384 clients, at least the HA minimum.
    pub connection_points_needed: u64,
    /// Why that many connection points.
    pub connection_points_reason: String,
    /// VM instances installed in all CMGs (`cmgs × cmg_instances`).
    pub have_vms: u32,
    /// Whether the installed VMs cover what is needed.
    pub enough: bool,
    /// What the CMG costs a month in Azure.
    pub cost: CmgCost,
}

/// A monthly estimate of the CMG's Azure cost: VM-hours and egress at the scenario's prices (assumptions,
/// printed with the estimate because prices change).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CmgCost {
    /// Currency of the prices and costs.
    pub currency: String,
    /// `[infrastructure] cmg_vm_hour_price`.
    pub vm_hour_price: f64,
    /// `[infrastructure] cmg_egress_gb_price`.
    pub egress_gb_price: f64,
    /// Hours in a month (365 × 24 / 12).
    pub hours_per_month: f64,
    /// The run's CMG egress (`load.cmg_egress.total_gb`) at its average rate over a 30-day month.
    pub egress_gb_per_month: f64,
    /// The installed VMs' hours a month × the VM-hour price.
    pub monthly_vm_cost_installed: f64,
    /// The needed VMs' hours a month × the VM-hour price.
    pub monthly_vm_cost_needed: f64,
    /// `egress_gb_per_month` × the GB price.
    pub monthly_egress_cost: f64,
    /// Installed VMs and egress.
    pub monthly_cost_installed: f64,
    /// Needed VMs and egress.
    pub monthly_cost_needed: f64,
}

/// Hours in an average month.
const HOURS_PER_MONTH: f64 = 730.0;

fn cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The CMG's monthly cost for `installed` and `needed` VMs, with the run's egress scaled to 30 days.
fn cmg_cost(scenario: &Scenario, load: &LoadOutcome, installed: u64, needed: u64) -> CmgCost {
    let infra = &scenario.infrastructure;
    let egress = load_out::cmg_egress(scenario, load).total_gb;
    let egress_month = egress * 30.0 * 86_400.0 / f64::from(scenario.duration.max(1));
    let vm = |n: u64| n as f64 * HOURS_PER_MONTH * infra.cmg_vm_hour_price;
    let egress_cost = egress_month * infra.cmg_egress_gb_price;
    CmgCost {
        currency: "USD".into(),
        vm_hour_price: infra.cmg_vm_hour_price,
        egress_gb_price: infra.cmg_egress_gb_price,
        hours_per_month: HOURS_PER_MONTH,
        egress_gb_per_month: (egress_month * 1_000.0).round() / 1_000.0,
        monthly_vm_cost_installed: cents(vm(installed)),
        monthly_vm_cost_needed: cents(vm(needed)),
        monthly_egress_cost: cents(egress_cost),
        monthly_cost_installed: cents(vm(installed) + egress_cost),
        monthly_cost_needed: cents(vm(needed) + egress_cost),
    }
}

/// Software update points: every ConfigMgr client scans against one of its site's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupCapacity {
    /// ConfigMgr clients seen online (on-premises and internet).
    pub clients: u64,
    /// Clients of the largest site (⌈clients / sites⌉).
    pub clients_per_site_max: u64,
    /// `[infrastructure] sup`: `colocated` or `remote`.
    pub placement: String,
    /// Clients one SUP supports with that placement.
    pub clients_per_instance: u64,
    /// Software update points per site needed.
    pub needed_per_site: u64,
    /// `load`.
    pub reason: String,
    /// Software update points per site installed.
    pub have_per_site: u32,
    /// Whether what is installed covers what is needed.
    pub enough: bool,
}

/// The `capacity` section of `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapacitySummary {
    /// The utilisation aimed for (`[load] headroom_target`): a count is needed when its published capacity
    /// times this covers the peak.
    pub target_utilisation: f64,
    /// `[infrastructure] high_availability`.
    pub high_availability: bool,
    /// Management points.
    pub management_point: ManagementPointCapacity,
    /// Cloud management gateway.
    pub cmg: CmgCapacity,
    /// Software update points.
    pub sup: SupCapacity,
    /// Published limits this fleet passes (site and hierarchy sizes, MPs per site).
    pub warnings: Vec<String>,
    /// Whether every component is enough.
    pub enough: bool,
}

/// Sizes this run's fleet.
pub fn capacity_summary(scenario: &Scenario, load: &LoadOutcome) -> CapacitySummary {
    let infra = &scenario.infrastructure;
    let target = scenario.load.headroom_target;
    let ha = infra.high_availability;
    let sites = scenario.fleet.sites;

    let mp_clients = load.clients[Presence::ManagementPoint as usize];
    let per_site = mp_clients.div_ceil(u64::from(sites));
    let mp = capacity::needed(
        per_site,
        u64::from(infra.clients_per_management_point),
        target,
        capacity::ha_minimum(ha),
    );
    let management_point = ManagementPointCapacity {
        clients: mp_clients,
        sites,
        clients_per_site_max: per_site,
        clients_per_instance: u64::from(infra.clients_per_management_point),
        ha_minimum: capacity::ha_minimum(ha),
        needed_per_site: mp.count,
        reason: mp.reason.name().into(),
        have_per_site: infra.management_points_per_site,
        max_per_site: capacity::MAX_MPS_PER_SITE,
        enough: mp.count <= u64::from(infra.management_points_per_site),
    };

    let (peak, peak_bucket) = load.cmg_online.iter().enumerate().fold(
        (0, 0),
        |(best, at), (b, &n)| {
            if n > best { (n, b) } else { (best, at) }
        },
    );
    let peak_at = (peak_bucket as u64 * u64::from(load.bucket)) as u32;
    let per_vm = u64::from(infra.cmg_clients_per_instance);
    let vms = capacity::needed(peak, per_vm, target, capacity::ha_minimum(ha));
    let connection_points = capacity::connection_points(peak, vms.count, ha);
    let cmg = CmgCapacity {
        clients: load.clients[Presence::Cmg as usize],
        peak_concurrent_clients: peak,
        peak_at_s: peak_at,
        peak_at_date: scenario.start.date(peak_at),
        vm_size: infra.cmg_vm_size.name().into(),
        clients_per_vm: per_vm,
        ha_minimum: capacity::ha_minimum(ha),
        vms_needed: vms.count,
        reason: vms.reason.name().into(),
        cmgs_needed: vms.count.div_ceil(capacity::MAX_VMS_PER_CMG).max(1),
        connection_points_needed: connection_points.count,
        connection_points_reason: connection_points.reason.name().into(),
        have_vms: infra.cmg_vms(),
        enough: vms.count <= u64::from(infra.cmg_vms()),
        cost: cmg_cost(scenario, load, u64::from(infra.cmg_vms()), vms.count),
    };

    let sup_clients = management_point.clients + cmg.clients;
    let sup_per_site = sup_clients.div_ceil(u64::from(sites));
    let sup_needed = capacity::software_update_points(sup_per_site, infra.sup, target);
    let sup = SupCapacity {
        clients: sup_clients,
        clients_per_site_max: sup_per_site,
        placement: infra.sup.name().into(),
        clients_per_instance: infra.sup.clients_per_sup(),
        needed_per_site: sup_needed.count,
        reason: sup_needed.reason.name().into(),
        have_per_site: infra.software_update_points_per_site,
        enough: sup_needed.count <= u64::from(infra.software_update_points_per_site),
    };

    let mut warnings = capacity::site_warnings(&vec![sup_per_site; sites as usize], sites == 1);
    if mp.count > capacity::MAX_MPS_PER_SITE {
        warnings.push(format!(
            "a site needs {} management points, more than the {} a primary site supports: split the site",
            mp.count,
            capacity::MAX_MPS_PER_SITE
        ));
    }
    if ha && u64::from(infra.management_points_per_site) < capacity::HA_MINIMUM {
        warnings.push(format!(
            "high availability asks for {} management points per site; {} installed",
            capacity::HA_MINIMUM,
            infra.management_points_per_site
        ));
    }
    if ha && u64::from(infra.cmg_vms()) < capacity::HA_MINIMUM {
        warnings.push(format!(
            "high availability asks for {} CMG VMs; {} installed",
            capacity::HA_MINIMUM,
            infra.cmg_vms()
        ));
    }
    let enough = management_point.enough && cmg.enough && sup.enough;
    CapacitySummary {
        target_utilisation: target,
        high_availability: ha,
        management_point,
        cmg,
        sup,
        warnings,
        enough,
    }
}

/// One line of the breakdown: a component's inputs, the arithmetic and the answer, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakdownRow {
    /// What is sized.
    pub component: String,
    /// The clients it is sized for (and when, for a peak).
    pub clients: String,
    /// The published figure per instance.
    pub per_instance: String,
    /// The count as a formula with its result, e.g. `⌈21,000 / (25,000 × 0.70)⌉ = 2`.
    pub arithmetic: String,
    /// The count needed.
    pub needed: u64,
    /// Why that many: `load` or `high availability`.
    pub reason: String,
    /// What is installed (`-` when the scenario does not say).
    pub have: String,
    /// `ok`, `NOT enough` or `-`.
    pub verdict: String,
}

fn verdict(enough: bool) -> String {
    if enough { "ok" } else { "NOT enough" }.into()
}

fn reason_text(reason: &str) -> String {
    reason.replace('_', " ")
}

/// `⌈clients / (per × target)⌉ = n`, and the floor when high availability raised it.
fn formula(clients: u64, per: u64, target: f64, needed: u64, reason: &str) -> String {
    let by_load = capacity::needed(clients, per, target, 0).count;
    let mut text = format!(
        "⌈{} / ({} × {:.2})⌉ = {}",
        grouped(clients),
        grouped(per),
        target,
        by_load
    );
    if reason == Reason::HighAvailability.name() {
        text.push_str(&format!(", HA minimum {needed}"));
    }
    text
}

/// A run time for people: its date and local time from the RFC 3339 `date`, and the day of the run, e.g.
/// `2027-01-26 16:50 (day 22)`.
fn when(t: u32, date: &str) -> String {
    match (date.get(..10), date.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time} (day {})", t / 86_400),
        _ => format!("day {}", t / 86_400),
    }
}

/// The breakdown a human can check: one row per component.
pub fn breakdown(c: &CapacitySummary) -> Vec<BreakdownRow> {
    let t = c.target_utilisation;
    let mp = &c.management_point;
    let cmg = &c.cmg;
    let sup = &c.sup;
    let cp_by_vms = cmg.vms_needed.div_ceil(capacity::VMS_PER_CONNECTION_POINT);
    let cp_by_clients = cmg
        .peak_concurrent_clients
        .div_ceil(capacity::CLIENTS_PER_CONNECTION_POINT);
    let mut cp_formula = format!(
        "max(⌈{} VMs / {}⌉, ⌈{} / {}⌉) = {}",
        cmg.vms_needed,
        capacity::VMS_PER_CONNECTION_POINT,
        grouped(cmg.peak_concurrent_clients),
        grouped(capacity::CLIENTS_PER_CONNECTION_POINT),
        cp_by_vms.max(cp_by_clients)
    );
    if cmg.connection_points_reason == Reason::HighAvailability.name() {
        cp_formula.push_str(&format!(", HA minimum {}", cmg.connection_points_needed));
    }
    vec![
        BreakdownRow {
            component: "management points per site".into(),
            clients: format!(
                "{} ({} on-premises / {} sites)",
                grouped(mp.clients_per_site_max),
                grouped(mp.clients),
                mp.sites
            ),
            per_instance: format!("{} clients", grouped(mp.clients_per_instance)),
            arithmetic: formula(
                mp.clients_per_site_max,
                mp.clients_per_instance,
                t,
                mp.needed_per_site,
                &mp.reason,
            ),
            needed: mp.needed_per_site,
            reason: reason_text(&mp.reason),
            have: mp.have_per_site.to_string(),
            verdict: verdict(mp.enough),
        },
        BreakdownRow {
            component: format!("CMG VMs ({})", cmg.vm_size),
            clients: format!(
                "{} concurrent at {} (of {} internet clients)",
                grouped(cmg.peak_concurrent_clients),
                when(cmg.peak_at_s, &cmg.peak_at_date),
                grouped(cmg.clients)
            ),
            per_instance: format!("{} concurrent", grouped(cmg.clients_per_vm)),
            arithmetic: formula(
                cmg.peak_concurrent_clients,
                cmg.clients_per_vm,
                t,
                cmg.vms_needed,
                &cmg.reason,
            ),
            needed: cmg.vms_needed,
            reason: reason_text(&cmg.reason),
            have: cmg.have_vms.to_string(),
            verdict: verdict(cmg.enough),
        },
        BreakdownRow {
            component: "CMGs".into(),
            clients: format!("{} VMs", cmg.vms_needed),
            per_instance: format!("{} VMs", capacity::MAX_VMS_PER_CMG),
            arithmetic: format!(
                "⌈{} / {}⌉ = {}",
                cmg.vms_needed,
                capacity::MAX_VMS_PER_CMG,
                cmg.cmgs_needed
            ),
            needed: cmg.cmgs_needed,
            reason: "load".into(),
            have: "-".into(),
            verdict: "-".into(),
        },
        BreakdownRow {
            component: "CMG connection points".into(),
            clients: format!("{} concurrent", grouped(cmg.peak_concurrent_clients)),
            per_instance: format!(
                "{} VMs, {} clients",
                capacity::VMS_PER_CONNECTION_POINT,
                grouped(capacity::CLIENTS_PER_CONNECTION_POINT)
            ),
            arithmetic: cp_formula,
            needed: cmg.connection_points_needed,
            reason: reason_text(&cmg.connection_points_reason),
            have: "-".into(),
            verdict: "-".into(),
        },
        BreakdownRow {
            component: format!("software update points per site ({})", sup.placement),
            clients: format!(
                "{} ({} clients / {} sites)",
                grouped(sup.clients_per_site_max),
                grouped(sup.clients),
                mp.sites
            ),
            per_instance: format!("{} clients", grouped(sup.clients_per_instance)),
            arithmetic: formula(
                sup.clients_per_site_max,
                sup.clients_per_instance,
                t,
                sup.needed_per_site,
                &sup.reason,
            ),
            needed: sup.needed_per_site,
            reason: reason_text(&sup.reason),
            have: sup.have_per_site.to_string(),
            verdict: verdict(sup.enough),
        },
    ]
}

/// The CMG cost estimate in one line, its prices first (they are assumptions and change).
pub fn cost_line(c: &CapacitySummary) -> String {
    let k = &c.cmg.cost;
    let money = |x: f64| format!("{} {}", k.currency, grouped(x.round() as u64));
    format!(
        "CMG cost a month (prices: {} {} per VM-hour, {} per GB of egress — assumptions, set yours): \
         {} VMs installed × {} h = {}, {} needed = {}; egress {} GB a month = {}; total {} installed, {} needed",
        k.currency,
        k.vm_hour_price,
        k.egress_gb_price,
        c.cmg.have_vms,
        k.hours_per_month,
        money(k.monthly_vm_cost_installed),
        c.cmg.vms_needed,
        money(k.monthly_vm_cost_needed),
        grouped(k.egress_gb_per_month.round() as u64),
        money(k.monthly_egress_cost),
        money(k.monthly_cost_installed),
        money(k.monthly_cost_needed)
    )
}

/// The breakdown's heading line.
pub fn heading(c: &CapacitySummary) -> String {
    format!(
        "capacity (Microsoft's published sizing, target {:.0}% of it, high availability {}): {}",
        c.target_utilisation * 100.0,
        if c.high_availability { "on" } else { "off" },
        if c.enough { "enough" } else { "NOT enough" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_show_the_published_arithmetic() {
        assert_eq!(
            formula(21_000, 25_000, 0.7, 2, "load"),
            "⌈21,000 / (25,000 × 0.70)⌉ = 2"
        );
        assert_eq!(
            formula(10_000, 25_000, 0.7, 2, "high_availability"),
            "⌈10,000 / (25,000 × 0.70)⌉ = 1, HA minimum 2"
        );
        assert_eq!(
            when(86_400 + 8 * 3600 + 5 * 60, "2027-01-05T08:05:00Z"),
            "2027-01-05 08:05 (day 1)"
        );
    }
}
