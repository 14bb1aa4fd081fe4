//! Capacity verdicts in Microsoft's published units against closed forms: the CMG's peak of concurrent
//! connected clients, VMs and connection points from it, management points per site from clients per site,
//! and overload that delays rather than rejects.

mod common;
use common::*;

/// A fleet of `devices` already co-managed ConfigMgr clients, all on the internet (through the CMG) or all
/// on-premises, with one availability profile, over `sites` sites.
fn fleet(devices: u32, internet: f64, profile: &str, sites: u32, extra: &str) -> String {
    let fleet = ideal_fleet(devices, 1.0, 1.0)
        .replace(
            "comanaged_at_start = 1",
            &format!("comanaged_at_start = 1\ninternet_share = {internet:?}\nsites = {sites}"),
        )
        .replace(
            "always_on = 1.0\noffice_hours = 0.0\nintermittent = 0.0",
            match profile {
                "always_on" => "always_on = 1.0\noffice_hours = 0.0\nintermittent = 0.0",
                "office_hours" => "always_on = 0.0\noffice_hours = 1.0\nintermittent = 0.0",
                _ => "always_on = 0.0\noffice_hours = 0.0\nintermittent = 1.0",
            },
        );
    format!("name = \"capacity\"\nseed = 5\nduration = \"7d\"\n{fleet}\n{extra}")
}

fn capacity(run: &Run) -> serde_json::Value {
    run.summary()["capacity"].clone()
}

fn u(v: &serde_json::Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

/// N always-on internet clients are all connected at once: the peak is N, and the VMs are
/// max(2, ⌈N / (6,000 × 0.7)⌉), connection points max(2, ⌈VMs / 4⌉, ⌈N / 16,384⌉).
#[test]
fn always_on_internet_clients_are_all_concurrent() {
    const N: u64 = 12_000;
    let run = run_on_1_and_4_threads(&fleet(N as u32, 1.0, "always_on", 1, ""), &[]);
    let cmg = capacity(&run)["cmg"].clone();
    assert_eq!(u(&cmg["clients"]), N);
    assert_eq!(u(&cmg["peak_concurrent_clients"]), N);
    let vms = (N as f64 / (6_000.0 * 0.7)).ceil() as u64;
    assert_eq!(vms, 3);
    assert_eq!(u(&cmg["vms_needed"]), vms.max(2));
    assert_eq!(cmg["reason"], "load");
    assert_eq!(u(&cmg["cmgs_needed"]), 1);
    assert_eq!(u(&cmg["connection_points_needed"]), 2);
    assert_eq!(cmg["connection_points_reason"], "high_availability");
    // The default installs 2 VMs: not enough.
    assert_eq!(u(&cmg["have_vms"]), 2);
    assert_eq!(cmg["enough"], false);
    assert_eq!(capacity(&run)["enough"], false);
    // No on-premises client: the MPs are there for redundancy only.
    let mp = capacity(&run)["management_point"].clone();
    assert_eq!(u(&mp["clients"]), 0);
    assert_eq!(u(&mp["needed_per_site"]), 2);
    assert_eq!(mp["reason"], "high_availability");
    // The breakdown shows the arithmetic in stdout.
    let stdout = run.stdout();
    assert!(stdout.contains("⌈12,000 / (6,000 × 0.70)⌉ = 3"), "{stdout}");
    assert!(stdout.contains("CMG VMs (standard): need 3 (load), have 2 — NOT enough"));
}

/// A larger VM size and more installed VMs: Large VMs carry 10,000 each, so 12,000 need
/// max(2, ⌈12,000 / 7,000⌉) = 2, for redundancy as much as load; with HA off, 2 by load.
#[test]
fn the_vm_size_sets_the_published_figure() {
    let run = run_scenario(
        &fleet(
            12_000,
            1.0,
            "always_on",
            1,
            "[infrastructure]\ncmg_vm_size = \"large\"\nhigh_availability = false\n",
        ),
        &[],
    );
    let cmg = capacity(&run)["cmg"].clone();
    assert_eq!(u(&cmg["clients_per_vm"]), 10_000);
    assert_eq!(u(&cmg["vms_needed"]), 2);
    assert_eq!(cmg["reason"], "load");
    assert_eq!(u(&cmg["connection_points_needed"]), 1);
    assert_eq!(cmg["enough"], true);
}

/// Intermittent internet clients are online a few short windows a week: their peak is far below N, and
/// comes inside the hours their windows can span (08:00 to 23:00).
#[test]
fn intermittent_clients_peak_below_the_fleet() {
    const N: u64 = 10_000;
    let run = run_scenario(&fleet(N as u32, 1.0, "intermittent", 1, ""), &[]);
    let cmg = capacity(&run)["cmg"].clone();
    // A few have no window in the week: never seen online, they are not active clients.
    let clients = u(&cmg["clients"]);
    assert!(clients > N * 97 / 100 && clients < N, "{clients} clients");
    let peak = u(&cmg["peak_concurrent_clients"]);
    assert!(peak > 0 && peak < N / 5, "peak {peak} of {N}");
    let hour = u(&cmg["peak_at_s"]) % 86_400 / 3_600;
    assert!((8..23).contains(&hour), "peak at hour {hour}");
}

/// Office-hours clients are all online between 08:30 and 18:30 of a weekday (windows start by 08:30 and end
/// after 17:30): the peak is N, on a weekday inside that span.
#[test]
fn office_hours_clients_peak_in_office_hours() {
    const N: u64 = 8_000;
    let run = run_scenario(&fleet(N as u32, 1.0, "office_hours", 1, ""), &[]);
    let cmg = capacity(&run)["cmg"].clone();
    assert_eq!(u(&cmg["peak_concurrent_clients"]), N);
    let at = u(&cmg["peak_at_s"]);
    assert!(at / 86_400 % 7 < 5, "a weekday");
    let seconds = at % 86_400;
    assert!(
        (7 * 3_600 + 1_800..=17 * 3_600 + 1_800).contains(&seconds),
        "at {seconds} s into the day"
    );
}

/// Management points per site: ⌈clients per site / (25,000 × target)⌉, never below the HA minimum.
#[test]
fn management_points_follow_clients_per_site() {
    const N: u32 = 40_000;
    // One site of 40,000: ⌈40,000 / 17,500⌉ = 3 by load.
    let run = run_scenario(&fleet(N, 0.0, "office_hours", 1, ""), &[]);
    let mp = capacity(&run)["management_point"].clone();
    assert_eq!(u(&mp["clients"]), u64::from(N));
    assert_eq!(u(&mp["clients_per_site_max"]), 40_000);
    assert_eq!(u(&mp["needed_per_site"]), 3);
    assert_eq!(mp["reason"], "load");
    assert_eq!(mp["enough"], false);
    // Four sites of 10,000: one MP each by load, two with high availability (the default) ...
    let run = run_scenario(&fleet(N, 0.0, "office_hours", 4, ""), &[]);
    let mp = capacity(&run)["management_point"].clone();
    assert_eq!(u(&mp["clients_per_site_max"]), 10_000);
    assert_eq!(u(&mp["needed_per_site"]), 2);
    assert_eq!(mp["reason"], "high_availability");
    assert_eq!(mp["enough"], true);
    // ... and one without it.
    let run = run_scenario(
        &fleet(
            N,
            0.0,
            "office_hours",
            4,
            "[infrastructure]\nhigh_availability = false\n",
        ),
        &[],
    );
    let mp = capacity(&run)["management_point"].clone();
    assert_eq!(u(&mp["needed_per_site"]), 1);
    assert_eq!(mp["reason"], "load");
    // SUPs per site: every client scans; 10,000 per site need one co-located SUP each ...
    let sup = capacity(&run)["sup"].clone();
    assert_eq!(u(&sup["clients"]), u64::from(N));
    assert_eq!(u(&sup["clients_per_site_max"]), 10_000);
    assert_eq!(u(&sup["needed_per_site"]), 1);
    // ... and 40,000 on one site ⌈40,000 / 17,500⌉ = 3 co-located, one remote (105,000).
    let one_site = |extra: &str| run_scenario(&fleet(N, 0.0, "office_hours", 1, extra), &[]);
    let sup = capacity(&one_site(""))["sup"].clone();
    assert_eq!(u(&sup["needed_per_site"]), 3);
    assert_eq!(sup["enough"], false);
    let sup = capacity(&one_site("[infrastructure]\nsup = \"remote\"\n"))["sup"].clone();
    assert_eq!(u(&sup["needed_per_site"]), 1);
    assert_eq!(sup["enough"], true);
}

/// An overloaded CMG (Lab VMs: 10 clients each) answers with delay: nothing is rejected by default and the
/// internet devices' path takes longer; with a queue limit, requests are rejected.
#[test]
fn an_overloaded_cmg_delays_and_rejects_only_past_a_queue_limit() {
    let scenario = |extra: &str| {
        let text = ideal_fleet(6_000, 0.0, 0.0);
        format!(
            "name = \"overload\"\nseed = 3\nduration = \"7d\"\n{text}\n[fleet.osd_arrivals]\ncount = 0\n{extra}"
        )
        .replace("existing_client_share = 0", "existing_client_share = 0\nnew_device_arrival = \"2d\"")
    };
    let p50 = |run: &Run| {
        run.summary()["metrics"]["time_to_comanaged.new_internet"]["p50"]
            .as_u64()
            .unwrap()
    };
    let fine = run_scenario(&scenario(""), &[]);
    let lab = run_scenario(&scenario("[infrastructure]\ncmg_vm_size = \"lab\"\n"), &[]);
    let rejected = |run: &Run| u(&run.summary()["load"]["components"]["cmg"]["rejected"]);
    assert_eq!(rejected(&fine), 0);
    assert_eq!(rejected(&lab), 0, "no queue limit: nothing is rejected");
    assert!(
        p50(&lab) > p50(&fine),
        "overload delays: {} vs {}",
        p50(&lab),
        p50(&fine)
    );
    assert_eq!(capacity(&lab)["cmg"]["clients_per_vm"], 10);
    let limited = run_scenario(
        &scenario("[infrastructure]\ncmg_vm_size = \"lab\"\n[load]\nqueue_limit = \"10m\"\n"),
        &[],
    );
    assert!(rejected(&limited) > 0);
}

/// The CMG cost: VMs × 730 h × the VM-hour price, plus the run's egress scaled to 30 days × the GB price.
#[test]
fn the_cmg_cost_is_vm_hours_and_egress_at_the_scenario_prices() {
    let run = run_scenario(
        &fleet(
            3_000,
            1.0,
            "always_on",
            1,
            "[infrastructure]\ncmg_instances = 3\ncmg_vm_hour_price = 0.5\ncmg_egress_gb_price = 0.1\n",
        ),
        &[],
    );
    let summary = run.summary();
    let cost = &summary["capacity"]["cmg"]["cost"];
    let f = |v: &serde_json::Value| v.as_f64().unwrap();
    assert_eq!(f(&cost["vm_hour_price"]), 0.5);
    assert_eq!(f(&cost["monthly_vm_cost_installed"]), 3.0 * 730.0 * 0.5);
    assert_eq!(f(&cost["monthly_vm_cost_needed"]), 2.0 * 730.0 * 0.5);
    // 7 days of egress at the same rate for 30.
    let egress = f(&summary["load"]["cmg_egress"]["total_gb"]);
    assert!(egress > 0.0);
    assert_close(
        "egress a month",
        f(&cost["egress_gb_per_month"]),
        egress * 30.0 / 7.0,
        0.001,
    );
    assert_close(
        "egress cost",
        f(&cost["monthly_egress_cost"]),
        egress * 30.0 / 7.0 * 0.1,
        0.001,
    );
    assert!(
        run.stdout().contains("USD 0.5 per VM-hour"),
        "{}",
        run.stdout()
    );
}

/// An unknown VM size is refused, naming the key and the sizes.
#[test]
fn an_unknown_vm_size_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scenario.toml");
    std::fs::write(
        &file,
        fleet(
            100,
            1.0,
            "always_on",
            1,
            "[infrastructure]\ncmg_vm_size = \"huge\"\n",
        ),
    )
    .unwrap();
    let output = cofleet().arg("check").arg(&file).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cmg_vm_size"), "{stderr}");
    assert!(stderr.contains("standard"), "{stderr}");
}
