//! Load and capacity: request rates against closed forms, the thundering herd of aligned phases, overload
//! feeding back into timing, and the k6 export.

mod common;
use common::*;

const N: u32 = 30_000;

fn steady_fleet(extra: &str) -> String {
    format!(
        "name = \"load\"\nseed = 13\nduration = \"2d\"\n{}\n{extra}",
        ideal_fleet(N, 1.0, 1.0)
    )
}

fn component(run: &Run, name: &str) -> serde_json::Value {
    run.summary()["load"]["components"][name].clone()
}

/// N always-on devices polling every P with uniform phases put N/P requests/s on the management points;
/// already enrolled devices check in with Intune at N/S.
#[test]
fn steady_request_rates_match_the_closed_form() {
    let run = run_on_1_and_4_threads(
        &steady_fleet("[timers]\npolicy_poll = \"30m\"\nmdm_sync = \"8h\"\n"),
        &[],
    );
    let duration = 2.0 * 86_400.0;
    let mp = component(&run, "management_point");
    let polls = mp["total_requests"].as_f64().unwrap();
    assert_close(
        "MP requests/s",
        polls / duration,
        f64::from(N) / 1_800.0,
        0.01,
    );
    let intune = component(&run, "intune");
    let checkins = intune["requests_by_type"]["mdm_checkin"].as_f64().unwrap();
    assert_close(
        "Intune check-ins/s",
        checkins / duration,
        f64::from(N) / 28_800.0,
        0.01,
    );
    // No internet clients, no path-2 devices: the CMG sees nothing.
    assert_eq!(component(&run, "cmg")["total_requests"], 0);
    // Per-bucket rows add up to the totals.
    let csv = std::fs::read_to_string(run.out.join("load.csv")).unwrap();
    let mp_rows: u64 = csv
        .lines()
        .skip(1)
        .filter(|l| l.contains(",management_point,"))
        .map(|l| l.split(',').nth(3).unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(mp_rows as f64, polls);
}

/// Per bucket start (seconds), the requests of one component and request type in a run's `load.csv`.
fn load_rows(run: &Run, component: &str, request_type: &str) -> Vec<(u64, u64)> {
    let csv = std::fs::read_to_string(run.out.join("load.csv")).unwrap();
    csv.lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[1] == component && f[2] == request_type)
        .map(|f| (f[0].parse().unwrap(), f[3].parse().unwrap()))
        .collect()
}

fn requests_from(rows: &[(u64, u64)], from_s: u64) -> u64 {
    rows.iter()
        .filter(|(b, _)| *b >= from_s)
        .map(|(_, n)| n)
        .sum()
}

/// A retired device that leaves the co-management collection stops checking in with Intune but keeps its
/// ConfigMgr client, which goes on polling; one that stays in it enrolls again; a wiped one stops both, then provisions again as a new internet device (its polls now through the CMG).
/// Every device is co-managed and always on, and the action reaches all of them within minutes of day 1.
#[test]
fn retired_and_wiped_devices_stop_their_requests() {
    let base = format!(
        "name = \"act\"\nseed = 5\nduration = \"3d\"\n{}",
        ideal_fleet(4_000, 1.0, 1.0)
    );
    let action =
        |kind: &str| format!("{base}\n[[action]]\nkind = \"{kind}\"\nat = \"1d\"\nshare = 1.0\n");
    let plain = run_on_1_and_4_threads(&base, &[]);
    let retired = run_on_1_and_4_threads(
        &format!("{}leave_collection = true\n", action("retire")),
        &[],
    );
    let re_enrolled = run_scenario(&action("retire"), &[]);
    let wiped = run_on_1_and_4_threads(&action("wipe"), &[]);
    let after = 86_400 + 15 * 60;

    let checkins = |run: &Run| load_rows(run, "intune", "mdm_checkin");
    let polls = |run: &Run| load_rows(run, "management_point", "policy_poll");
    assert!(
        requests_from(&checkins(&plain), after) > 4_000,
        "the plain fleet checks in after day 1"
    );
    assert_eq!(
        requests_from(&checkins(&retired), after),
        0,
        "retired: no check-in after it acted"
    );
    assert_eq!(
        polls(&retired),
        polls(&plain),
        "retired: its ConfigMgr client polls as before"
    );
    // Still in the co-management collection: each device enrolls again at its next poll (within the
    // hour) and checks in again.
    assert_eq!(
        requests_from(&load_rows(&re_enrolled, "intune", "mdm_enrollment"), 86_400),
        4_000,
        "re-enrolled: one enrollment each"
    );
    assert!(
        requests_from(&checkins(&re_enrolled), 86_400 + 2 * 3_600) > 4_000,
        "re-enrolled: checking in again"
    );

    assert_eq!(
        requests_from(&polls(&wiped), after),
        0,
        "wiped: no management-point poll after it acted"
    );
    assert!(
        requests_from(&load_rows(&wiped, "cmg", "policy_poll"), after) > 0,
        "wiped devices come back through the CMG"
    );
    assert!(
        requests_from(&checkins(&wiped), after) > 0,
        "and enroll again"
    );
}

/// A sync pushed to online devices makes each check in once more; sent on a Saturday to office-hours devices,
/// it waits for their first scheduled check-in on Monday, which is no extra request.
#[test]
fn a_pushed_action_adds_one_check_in_and_a_waiting_one_none() {
    let checkins = |scenario: &str| -> (f64, f64) {
        let run = run_on_1_and_4_threads(scenario, &[]);
        let total = component(&run, "intune")["requests_by_type"]["mdm_checkin"]
            .as_f64()
            .unwrap();
        (total, run.stat("remote_action_latency.sync", "count"))
    };
    let sync = "\n[[action]]\nkind = \"sync\"\nat = \"5d12h\"\nshare = 1.0\n";
    for (profile, extra) in [("always_on", true), ("office_hours", false)] {
        let base = scenario_with(
            &format!(
                "name = \"sync\"\nseed = 8\nduration = \"9d\"\n{}",
                ideal_fleet(3_000, 1.0, 1.0)
            ),
            &[
                ("fleet.availability.always_on", "0.0"),
                (&format!("fleet.availability.{profile}"), "1.0"),
            ],
        );
        let (plain, _) = checkins(&base);
        let (synced, reached) = checkins(&format!("{base}{sync}"));
        assert_eq!(reached, 3_000.0, "{profile}: every device acts");
        let want = if extra { plain + reached } else { plain };
        assert_eq!(synced, want, "{profile}");
    }
}

/// Several CMGs add up: the CMG capacity is CMGs × VMs × clients per VM at one request per client per hour,
/// and the headroom verdict counts VMs over all CMGs, asking for more CMGs past 16 VMs each.
#[test]
fn cmg_capacity_is_the_sum_over_cmgs() {
    let run = run_on_1_and_4_threads(
        &steady_fleet("[infrastructure]\ncmgs = 3\ncmg_instances = 4\n"),
        &[],
    );
    let cmg = component(&run, "cmg");
    assert_eq!(
        cmg["capacity_per_s"].as_f64().unwrap(),
        (3.0 * 4.0 * 6_000.0 / 3_600.0 * 1000.0_f64).round() / 1000.0
    );
    let verdict = run.summary()["load"]["headroom"]["verdict"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        verdict.contains("CMG VM instance(s) in all (have 12)"),
        "{verdict}"
    );
    // All 30,000 devices on the internet (8.3 polls/s), VMs sized for 1,000 clients each: 30 VMs at 100 %,
    // more than one CMG holds.
    let crowded = run_on_1_and_4_threads(
        &ScenarioEdit::new(&steady_fleet(
            "[infrastructure]\ncmg_instances = 2\ncmg_clients_per_instance = 1000\n",
        ))
        .add("fleet.internet_share", "1.0")
        .text(),
        &[],
    );
    let verdict = crowded.summary()["load"]["headroom"]["verdict"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(verdict.contains("CMG(s) needed (have 1)"), "{verdict}");
}

/// Every device at phase 0: all N polls land in the first bucket — the thundering herd that the clients'
/// randomised phases exist to avoid.
#[test]
fn aligned_phases_make_a_thundering_herd() {
    let run = run_on_1_and_4_threads(&steady_fleet("[timers]\nphase = \"aligned\"\n"), &[]);
    let csv = std::fs::read_to_string(run.out.join("load.csv")).unwrap();
    let first = csv
        .lines()
        .find(|l| l.starts_with("0,management_point,policy_poll,"))
        .expect("a first-bucket row");
    assert_eq!(first.split(',').nth(3).unwrap(), N.to_string());
    // The first bucket holds the N polls and, aligned too, the N heartbeat records (hardware inventory
    // spreads over its random delay): the peak, at 0.
    let mp = component(&run, "management_point");
    assert!(mp["peak_requests_per_s"].as_f64().unwrap() >= 2.0 * f64::from(N) / 60.0);
    let heartbeats = csv
        .lines()
        .find(|l| l.starts_with("0,management_point,heartbeat_discovery,"))
        .expect("a first-bucket heartbeat row");
    assert_eq!(heartbeats.split(',').nth(3).unwrap(), N.to_string());
    assert_eq!(mp["peak_at_s"], 0);
    let random = run_on_1_and_4_threads(&steady_fleet(""), &[]);
    assert!(
        component(&random, "management_point")["peak_requests_per_s"]
            .as_f64()
            .unwrap()
            < f64::from(N) / 600.0
    );
}

fn switch_scenario(infrastructure: &str, load: &str) -> String {
    format!(
        r#"name = "overload"
seed = 17
duration = "3d"
{}
[infrastructure]
{infrastructure}

[load]
{load}

[[stage]]
name = "compliance"
start = "1d"
workloads = ["compliance_policies"]
authority = "intune"
"#,
        ideal_fleet(N, 1.0, 1.0)
    )
}

/// With capacity well below demand the queue delays requests and switches come later; with ample capacity the
/// results are those of a run without capacity modelling.
#[test]
fn overload_delays_switches_and_ample_capacity_changes_nothing() {
    let ample =
        run_on_1_and_4_threads(&switch_scenario("management_points_per_site = 15", ""), &[]);
    let off = run_on_1_and_4_threads(
        &switch_scenario("management_points_per_site = 15", "enabled = false"),
        &[],
    );
    // 30k devices polling hourly = 8.3 requests/s; 1 site with 1 MP of 300 clients serves 0.083/s.
    let starved = run_on_1_and_4_threads(
        &ScenarioEdit::new(&switch_scenario(
            "management_points_per_site = 1\nclients_per_management_point = 300",
            "queue_limit = \"30m\"",
        ))
        .add("fleet.sites", "1")
        .text(),
        &[],
    );
    let m = "switch_latency.compliance_policies";
    assert_eq!(ample.stat("queue_delay.management_point", "max"), 0.0);
    for stat in ["count", "mean", "p50", "p95", "max"] {
        assert_eq!(ample.stat(m, stat), off.stat(m, stat), "{stat}");
    }
    assert_eq!(
        std::fs::read(ample.out.join("timeline.csv")).unwrap(),
        std::fs::read(off.out.join("timeline.csv")).unwrap()
    );
    assert!(!off.out.join("load.csv").exists());

    assert!(starved.stat("queue_delay.management_point", "p50") > 600.0);
    assert!(
        starved.stat(m, "mean") > 2.0 * ample.stat(m, "mean"),
        "starved {} vs ample {}",
        starved.stat(m, "mean"),
        ample.stat(m, "mean")
    );
    let mp = component(&starved, "management_point");
    assert!(mp["peak_utilisation"].as_f64().unwrap() > 10.0);
    assert!(mp["rejected"].as_u64().unwrap() > 0);
    let headroom = &starved.summary()["load"]["headroom"];
    assert_eq!(headroom["enough"], false);
    assert!(starved.stdout().contains("request-rate view ("));
}

#[test]
fn k6_export_integrates_to_the_simulated_total() {
    let run = run_on_1_and_4_threads(&steady_fleet("[timers]\npolicy_poll = \"30m\"\n"), &[]);
    let total = component(&run, "management_point")["total_requests"]
        .as_u64()
        .unwrap();
    let out = cofleet()
        .arg("export-load")
        .arg(&run.out)
        .args(["--component", "management_point", "--speedup", "60"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let script = String::from_utf8(out.stdout).unwrap();
    assert!(script.contains("executor: 'ramping-arrival-rate'"));
    let unit_ms: u64 = script
        .split("timeUnit: '")
        .nth(1)
        .unwrap()
        .split("ms")
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let mut integral = 0u64;
    for line in script
        .lines()
        .filter(|l| l.contains("target:") && !l.contains("'0s'"))
    {
        let target: u64 = line
            .split("target: ")
            .nth(1)
            .unwrap()
            .split(',')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let ms: u64 = line
            .split("duration: '")
            .nth(1)
            .unwrap()
            .split("ms")
            .next()
            .unwrap()
            .parse()
            .unwrap();
        integral += target * ms / unit_ms;
    }
    assert_eq!(integral, total);

    let csv = cofleet()
        .arg("export-load")
        .arg(&run.out)
        .args([
            "--component",
            "management_point",
            "--format",
            "csv",
            "--speedup",
            "1",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(csv.stdout).unwrap();
    let sum: f64 = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse::<f64>().unwrap() * 60.0)
        .sum();
    assert!((sum - total as f64).abs() < 1e-6 * total as f64);
}

/// The management point's requests per bucket start, from load.csv.
fn mp_buckets(run: &Run) -> Vec<(u64, u64)> {
    let mut r = csv::Reader::from_path(run.out.join("load.csv")).unwrap();
    let mut out: Vec<(u64, u64)> = Vec::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        if &rec[1] != "management_point" {
            continue;
        }
        let (start, n): (u64, u64) = (rec[0].parse().unwrap(), rec[3].parse().unwrap());
        match out.last_mut() {
            Some((s, m)) if *s == start => *m += n,
            _ => out.push((start, n)),
        }
    }
    out
}

fn export(run: &Run, args: &[&str]) -> std::process::Output {
    cofleet()
        .arg("export-load")
        .arg(&run.out)
        .args(["--component", "management_point"])
        .args(args)
        .output()
        .unwrap()
}

/// (simulated_s, simulated requests in the bucket) of a CSV export; checks the header states the speedup.
fn exported(out: &std::process::Output, bucket: f64) -> Vec<(u64, f64)> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "seconds,requests_per_s,simulated_s,simulated_requests_per_s,speedup"
    );
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[2].parse().unwrap(), f[3].parse::<f64>().unwrap() * bucket)
        })
        .collect()
}

#[test]
fn export_windows_hold_exactly_the_requests_of_their_buckets() {
    let run = run_scenario(&steady_fleet("[timers]\npolicy_poll = \"30m\"\n"), &[]);
    let buckets = mp_buckets(&run);
    let bucket = (buckets[1].0 - buckets[0].0) as f64;
    let in_range = |from: u64, to: u64| -> f64 {
        buckets
            .iter()
            .filter(|(s, _)| *s >= from && *s < to)
            .map(|(_, n)| *n as f64)
            .sum()
    };
    // --from/--to: the buckets of [1d, 36h), at their simulated times.
    let out = export(&run, &["--format", "csv", "--from", "1d", "--to", "36h"]);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(stderr.contains("compressed 60x (--speedup 60)"), "{stderr}");
    let rows = exported(&out, bucket);
    assert_eq!(rows[0].0, 86_400);
    assert_eq!(rows.len() as f64, 43_200.0 / bucket);
    let sum: f64 = rows.iter().map(|r| r.1).sum();
    assert!((sum - in_range(86_400, 129_600)).abs() < 1e-6 * sum.max(1.0));
    // --window peak-day: the whole day (from the start) with the most requests.
    let day_total = |d: u64| in_range(d * 86_400, (d + 1) * 86_400);
    let peak = if day_total(1) > day_total(0) { 1 } else { 0 };
    let rows = exported(
        &export(&run, &["--format", "csv", "--window", "peak-day"]),
        bucket,
    );
    assert_eq!(rows[0].0, peak * 86_400);
    let sum: f64 = rows.iter().map(|r| r.1).sum();
    assert!((sum - day_total(peak)).abs() < 1e-6 * sum.max(1.0));
    // A k6 export of a window names it.
    let k6 = export(&run, &["--window", "peak-day"]);
    assert!(String::from_utf8_lossy(&k6.stdout).contains("since the start"));
    // --from after --to, or beyond the run: exit 2.
    for (args, needle) in [
        (&["--from", "36h", "--to", "1d"][..], "is not before --to"),
        (&["--from", "3d"][..], "after the end of the run"),
        (
            &["--from", "1d", "--window", "peak-day"][..],
            "cannot be used with",
        ),
    ] {
        let out = export(&run, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn load_bad_inputs() {
    let run = run_on_1_and_4_threads(&steady_fleet(""), &[]);
    let out = cofleet()
        .arg("export-load")
        .arg(&run.out)
        .args(["--component", "dp"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("'dp' for '--component <COMPONENT>'"));

    let off = run_on_1_and_4_threads(&steady_fleet("[load]\nenabled = false\n"), &[]);
    let out = cofleet()
        .arg("export-load")
        .arg(&off.out)
        .args(["--component", "cmg"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no load data"));

    for (text, expected) in [
        ("[load]\nbucket = \"7m\"\n", "must divide an hour"),
        (
            "[infrastructure]\ncmg_instances = 0\n",
            "infrastructure.cmg_instances",
        ),
        ("[infrastructure]\ncmgs = 0\n", "infrastructure.cmgs"),
        (
            "[infrastructure]\ncmgs = 1001\n",
            "from 1 to 1000, got 1001",
        ),
        (
            "[infrastructure]\nintune_requests_per_s = -1.0\n",
            "infrastructure.intune_requests_per_s",
        ),
        (
            "[load]\nbucket = \"10m\"\n[timers]\npolicy_poll = \"45m\"\n",
            "whole number of load buckets",
        ),
        ("[timers]\nphase = \"lockstep\"\n", "unknown phase mode"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.toml");
        std::fs::write(&file, steady_fleet(text)).unwrap();
        let out = cofleet().arg("check").arg(&file).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{text}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{text}: {stderr}");
    }
}
