//! The load sources co-management changes, against closed forms: software update scans on the software
//! update point (and how moving `windows_update_policies` to Intune cuts them), hardware inventory and
//! heartbeat discovery on the management points or the CMG, Autopilot registrations on Azure AD, the CMG's
//! content egress — and all of them byte-identical for any thread count.

mod common;
use common::*;

const N: u32 = 20_000;
const DAY: u64 = 86_400;

fn fleet(name: &str, days: u32, existing: f64, extra: &str) -> String {
    format!(
        "name = \"{name}\"\nseed = 21\nduration = \"{days}d\"\n{}\n{extra}",
        ideal_fleet(N, existing, 1.0)
    )
}

/// Per bucket start (seconds), the requests of one component and request type in a run's `load.csv`.
fn rows(run: &Run, component: &str, request_type: &str) -> Vec<(u64, u64)> {
    let csv = std::fs::read_to_string(run.out.join("load.csv")).unwrap();
    csv.lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[1] == component && f[2] == request_type)
        .map(|f| (f[0].parse().unwrap(), f[3].parse().unwrap()))
        .collect()
}

/// Requests in `[from, to)` seconds.
fn between(rows: &[(u64, u64)], from: u64, to: u64) -> f64 {
    rows.iter()
        .filter(|(b, _)| (from..to).contains(b))
        .map(|(_, n)| *n as f64)
        .sum()
}

fn by_type(run: &Run, component: &str, request_type: &str) -> f64 {
    run.summary()["load"]["components"][component]["requests_by_type"][request_type]
        .as_f64()
        .unwrap_or(0.0)
}

/// N always-on ConfigMgr clients, half of them on the internet: every 7-day stretch holds one software update
/// scan per client on the software update point (each cycle is its tick plus at most 2 h, so a stretch away
/// from the run's start holds exactly one tick per device), one hardware inventory and one heartbeat per
/// client — on the management points for on-premises clients, on the CMG for internet ones, which also relays
/// their scans. Tolerance: 3 % (the internet share is a binomial draw, ±0.7 % at one standard deviation).
#[test]
fn weekly_tasks_are_one_per_client_per_cycle() {
    let run = run_scenario(
        &fleet("weekly", 15, 1.0, "").replace(
            "comanaged_at_start = 1\n",
            "comanaged_at_start = 1\ninternet_share = 0.5\n",
        ),
        &[],
    );
    let (from, to) = (7 * DAY, 14 * DAY);
    let n = f64::from(N);
    let scans = between(
        &rows(&run, "software_update_point", "software_update_scan"),
        from,
        to,
    );
    assert_close("SUP scans per 7 days", scans, n, 0.001);
    let relayed = between(&rows(&run, "cmg", "software_update_scan"), from, to);
    assert_close("scans relayed by the CMG", relayed, n / 2.0, 0.03);
    for request in ["hardware_inventory", "heartbeat_discovery"] {
        let mp = between(&rows(&run, "management_point", request), from, to);
        let cmg = between(&rows(&run, "cmg", request), from, to);
        assert_close(&format!("{request} per 7 days"), mp + cmg, n, 0.001);
        assert_close(&format!("{request} on the CMG"), cmg, n / 2.0, 0.03);
    }
}

/// Moving `windows_update_policies` to Intune for a pilot share s at day 1 stops those devices' scans: from
/// day 2 on, a 7-day stretch holds N(1 − s) scans. Tolerance 3 % (pilot membership is a per-device draw, ±0.6 %
/// at one standard deviation for s = 0.4).
#[test]
fn moving_update_policies_to_intune_cuts_the_scans_by_the_switched_share() {
    let s = 0.4;
    let stage = format!(
        "[[stage]]\nname = \"updates\"\nstart = \"1d\"\nworkloads = [\"windows_update_policies\"]\n\
         authority = \"pilot_intune\"\npilot = {s}\n"
    );
    let run = run_scenario(&fleet("wufb", 10, 1.0, &stage), &[]);
    let scans = rows(&run, "software_update_point", "software_update_scan");
    let n = f64::from(N);
    // Before the switch: the devices whose first cycle (uniform phase, plus 1 h of delay on average) falls in
    // the first day. Tolerance 5 % (±1.8 % at one standard deviation).
    let first_day = n * (DAY - 3_600) as f64 / (7 * DAY) as f64;
    assert_close(
        "scans in the first day",
        between(&scans, 0, DAY),
        first_day,
        0.05,
    );
    assert_close(
        "scans per 7 days after the switch",
        between(&scans, 2 * DAY, 9 * DAY),
        n * (1.0 - s),
        0.03,
    );
    // The switch stops the scans but not the inventory.
    let inventory = between(
        &rows(&run, "management_point", "hardware_inventory"),
        2 * DAY,
        9 * DAY,
    );
    assert_close("hardware inventory after the switch", inventory, n, 0.001);
}

/// Path-2 devices, all arriving within the first day and never failing (nor delayed): one Autopilot registration on Azure
/// AD and one client install download through the CMG each, so the install egress is N × the content size.
/// Internet ConfigMgr clients with every content workload on ConfigMgr for the whole run egress
/// `cmg_content_per_client_month` per 30 days each: N internet clients over 15 days, N/2 GB at 1,000 MB.
#[test]
fn autopilot_registrations_and_cmg_egress_follow_the_fleet() {
    let path2 = fleet(
        "autopilot",
        3,
        0.0,
        // Queue delays off: an overloaded CMG would push installs past the ESP timeout and retry them.
        "[load]\nclient_install_content = 250\nfeedback = false\n",
    )
    .replace(
        "comanaged_at_start = 1\n",
        "comanaged_at_start = 1\nnew_device_arrival = \"1d\"\n",
    );
    let run = run_scenario(&path2, &[]);
    assert_eq!(
        by_type(&run, "azure_ad", "autopilot_registration"),
        f64::from(N)
    );
    assert_eq!(by_type(&run, "cmg", "content_download"), f64::from(N));
    let egress = &run.summary()["load"]["cmg_egress"];
    assert_eq!(egress["client_install_gb"], f64::from(N) * 0.25);

    let internet = fleet("content", 15, 1.0, "").replace(
        "comanaged_at_start = 1\n",
        "comanaged_at_start = 1\ninternet_share = 1\n",
    );
    let run = run_scenario(&internet, &[]);
    let egress = &run.summary()["load"]["cmg_egress"];
    assert_eq!(egress["client_install_gb"], 0.0);
    assert_eq!(egress["content_gb"], f64::from(N) / 2.0);
    assert_eq!(egress["total_gb"], f64::from(N) / 2.0);
}

/// Every new source at once — office-hours and intermittent devices, internet clients, path-2 arrivals,
/// update policies moving to Intune and back, a wipe — gives the same bytes on 1 and 4 threads.
#[test]
fn all_new_sources_are_byte_identical_for_any_thread_count() {
    let scenario = r#"
name = "sources"
seed = 5
duration = "16d"

[fleet]
devices = 6000
existing_client_share = 0.7
comanaged_at_start = 0.5
internet_share = 0.3
new_device_arrival = "5d"

[fleet.availability]
always_on = 0.2
office_hours = 0.6
intermittent = 0.2

[[stage]]
name = "updates"
start = "3d"
workloads = ["windows_update_policies", "client_apps"]
authority = "intune"

[[stage]]
name = "back"
start = "9d"
workloads = ["windows_update_policies"]
authority = "configmgr"

[[action]]
kind = "wipe"
at = "11d"
share = 0.05
"#;
    let run = run_on_1_and_4_threads(scenario, &[]);
    for (component, request) in [
        ("software_update_point", "software_update_scan"),
        ("management_point", "hardware_inventory"),
        ("cmg", "heartbeat_discovery"),
        ("azure_ad", "autopilot_registration"),
    ] {
        assert!(
            by_type(&run, component, request) > 0.0,
            "{component} {request}"
        );
    }
    assert!(
        run.summary()["load"]["cmg_egress"]["content_gb"]
            .as_f64()
            .unwrap()
            > 0.0
    );
}
