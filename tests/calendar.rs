//! The calendar (`start`) and the milestones: office hours and weekends follow the start's local weekday and
//! time, milestones equal the first `timeline.csv` snapshot at each share (its time and its date), and a bad
//! `start` is refused.

mod common;
use common::*;
use serde_json::Value;

const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;

/// An office-hours fleet, co-managed and failure-free, whose one stage moves the compliance workload at t = 0.
fn office_fleet(start: &str) -> String {
    format!(
        r#"name = "calendar"
seed = 3
duration = "4d"
start = {start}

[fleet]
devices = 5000
existing_client_share = 1.0
comanaged_at_start = 1.0

[fleet.availability]
always_on = 0.0
office_hours = 1.0
intermittent = 0.0

[failures]
hybrid_join = 0.0
mdm_enrollment = 0.0
client_install = 0.0
permanent = 0.0

[[stage]]
name = "all"
start = "0s"
workloads = ["compliance_policies"]
authority = "intune"
"#
    )
}

/// Started on a Saturday 00:00, office-hours devices are offline until Monday, when each comes online between
/// 07:30 and 08:30 local (docs/model.md §5) and switches at once (the policy polls it missed run then): every
/// switch latency — from t = 0, the stage start — lies in [2 d 7 h 30 m, 2 d 8 h 30 m). min and max are exact.
#[test]
fn a_saturday_start_waits_for_monday_office_hours() {
    let run = run_on_1_and_4_threads(&office_fleet("2027-01-09T00:00:00+01:00"), &[]);
    let (min, max) = (
        run.stat("switch_latency.compliance_policies", "min") as i64,
        run.stat("switch_latency.compliance_policies", "max") as i64,
    );
    let (open, close) = (2 * DAY + 7 * HOUR + 1_800, 2 * DAY + 8 * HOUR + 1_800);
    assert!(min >= open && max < close, "switches in [{min}, {max}]");
    let (header, rows) = run.timeline();
    let (t, intune) = (
        col(&header, "time_s"),
        col(&header, "compliance_policies.intune"),
    );
    for row in &rows {
        if row[t] <= open {
            assert_eq!(
                row[intune], 0,
                "switched before Monday 07:30 (t = {})",
                row[t]
            );
        }
        if row[t] >= close {
            assert_eq!(row[intune], 5000, "not all switched by Monday 08:30");
        }
    }
    // No device is online before Monday 07:30, so no request is counted before then (load.csv lists the
    // buckets with requests).
    // Each row's last column is its bucket's start as a date: Saturday 2027-01-09 00:00 +01:00 plus the
    // bucket's seconds.
    let mut load = csv::Reader::from_path(run.out.join("load.csv")).expect("load.csv");
    let date_col = load
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "bucket_start_date");
    assert_eq!(date_col, Some(9), "bucket_start_date is the last column");
    let mut first_request = i64::MAX;
    for r in load.records() {
        let r = r.unwrap();
        let t: i64 = r[0].parse().unwrap();
        let (d, rest) = (t / DAY, t % DAY);
        let (h, m, sec) = (rest / 3_600, rest % 3_600 / 60, rest % 60);
        assert_eq!(
            &r[9],
            format!("2027-01-{:02}T{h:02}:{m:02}:{sec:02}+01:00", 9 + d)
        );
        first_request = first_request.min(t);
    }
    assert!(
        (open..close).contains(&first_request),
        "first request at {first_request}"
    );
    let summary = run.summary();
    assert_eq!(summary["start"], "2027-01-09T00:00:00+01:00");
    assert_eq!(
        summary["rollout"]["stages"][0]["started_at_date"],
        "2027-01-09T00:00:00+01:00"
    );
    let stdout = run.stdout();
    assert!(
        stdout.contains("note: \"all\" starts on a weekend (Saturday 00:00)")
            && stdout.contains("from about Mon 2027-01-11 08:00"),
        "{stdout}"
    );
}

/// Started on a Monday at 08:00 local, devices whose window opened at 07:30–08:00 are online at t = 0 and
/// switch at their next policy poll (60 min); the others come online by 08:30 and switch then: every switch
/// is within the first hour. Without the start's time of day, the first switches would wait 7.5 h.
#[test]
fn a_start_during_office_hours_finds_devices_online() {
    let run = run_scenario(&office_fleet("\"2027-01-11T08:00:00+01:00\""), &[]);
    let max = run.stat("switch_latency.compliance_policies", "max") as i64;
    assert!(max < HOUR, "max switch latency {max}");
    assert_eq!(
        run.stat("switch_latency.compliance_policies", "count"),
        5000.0
    );
    assert!(!run.stdout().contains("note:"), "{}", run.stdout());
}

/// The fleet's milestones equal the first hourly `timeline.csv` row at which the column reaches the share
/// (rounded up to whole devices); the groups' devices add up; shares never reached are `null` with the share
/// at the end.
#[test]
fn milestones_are_the_first_timeline_rows_at_each_share() {
    let scenario = ScenarioEdit::file("scenarios/quickstart.toml")
        .add("start", "2027-01-09T00:00:00+01:00")
        .set("fleet.devices", "6000")
        .set("duration", "\"5d\"")
        .text();
    let run = run_on_1_and_4_threads(&scenario, &[]);
    let summary = run.summary();
    let (header, rows) = run.timeline();
    let dates = run.timeline_dates();
    let devices = summary["devices"].as_i64().unwrap();
    let milestones = summary["milestones"].as_array().unwrap();
    let fleet: Vec<&Value> = milestones
        .iter()
        .filter(|m| m["group"] == "fleet")
        .collect();
    assert_eq!(
        fleet.len(),
        9,
        "co_managed, 7 workloads, compliance_reported"
    );
    let mut not_reached = 0;
    for m in &fleet {
        let event = m["event"].as_str().unwrap();
        let count = |row: &Vec<i64>| -> i64 {
            match event {
                "co_managed" => row[col(&header, "co_managed")],
                "compliance_reported" => ["compliant", "in_grace", "noncompliant"]
                    .iter()
                    .map(|c| row[col(&header, c)])
                    .sum(),
                e => row[col(&header, &format!("{}.intune", &e["intune.".len()..]))],
            }
        };
        let last = count(rows.last().unwrap());
        assert_eq!(
            m["final_share"].as_f64().unwrap(),
            (last as f64 / devices as f64 * 10_000.0).round() / 10_000.0,
            "{event}"
        );
        for percent in [50, 90, 95, 99] {
            let need = (percent * devices + 99) / 100;
            let want = rows
                .iter()
                .find(|row| count(row) >= need)
                .map(|row| row[col(&header, "time_s")]);
            let at = &m[format!("reached_{percent}_s").as_str()];
            let date = &m[format!("reached_{percent}_date").as_str()];
            assert_eq!(at.as_i64(), want, "{event} {percent}%");
            not_reached += usize::from(want.is_none());
            if let Some(t) = want {
                // Saturday 2027-01-09 00:00 +01:00 plus whole hours, and the date of that timeline row.
                let (d, h) = (t / DAY, t % DAY / HOUR);
                assert_eq!(
                    date.as_str().unwrap(),
                    format!("2027-01-{:02}T{h:02}:00:00+01:00", 9 + d)
                );
                assert_eq!(date.as_str().unwrap(), dates[(t / HOUR) as usize]);
            } else {
                assert!(date.is_null());
            }
        }
    }
    // Its last stage starts on day 6, after the end: its workloads are never on Intune.
    assert!(not_reached > 0, "expected some share not reached");
    let size = |group: &str| -> i64 {
        milestones
            .iter()
            .find(|m| m["group"] == group)
            .map_or(0, |m| m["devices"].as_i64().unwrap())
    };
    assert_eq!(
        size("path.existing_client") + size("path.new_internet") + size("path.osd"),
        devices
    );
    assert_eq!(
        size("path.existing_client") as u64,
        summary["counts"]["path.existing_client"].as_u64().unwrap()
    );
    let pilot = size("stage.pilot compliance") as f64 / devices as f64;
    assert!((pilot - 0.05).abs() < 0.01, "pilot share {pilot}");
    assert_eq!(size("stage.the rest"), devices);
    assert!(run.stdout().contains("\nmilestones: first hourly snapshot"));
}

/// Writing the default start out changes no byte of the results (nor the scenario hash).
#[test]
fn the_default_start_written_out_changes_nothing() {
    let base = ScenarioEdit::file("scenarios/quickstart.toml")
        .set("fleet.devices", "3000")
        .set("duration", "\"8d\"");
    let plain = run_scenario(&base.text(), &[]);
    let written = ScenarioEdit::file("scenarios/quickstart.toml")
        .set("fleet.devices", "3000")
        .set("duration", "\"8d\"")
        .add("start", "2027-01-04T00:00:00Z");
    let written = run_scenario(&written.text(), &[]);
    assert_eq!(read_tree(&plain.out), read_tree(&written.out));
    assert_eq!(plain.summary()["start"], "2027-01-04T00:00:00Z");
}

#[test]
fn an_unparseable_start_is_refused_naming_the_key_and_the_form() {
    for (value, why) in [
        ("\"next monday\"", "not an RFC 3339 date-time"),
        ("2027-01-11T08:00:00", "UTC offset"),
        ("\"2027-02-30T08:00:00Z\"", "no such date"),
        ("42", "invalid type"),
    ] {
        let run = invoke("run", &office_fleet(value), &[]);
        let stderr = String::from_utf8_lossy(&run.output.stderr);
        assert_eq!(run.output.status.code(), Some(2), "{value}: {stderr}");
        assert!(
            stderr.contains("start")
                && stderr.contains(why)
                && stderr.contains("2027-01-11T08:00:00+01:00"),
            "{value}: {stderr}"
        );
        assert!(stderr.contains("scenario.toml:4:9"), "{value}: {stderr}");
    }
}
