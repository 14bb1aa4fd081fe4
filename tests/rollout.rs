//! Rollout semantics: pilot shares, stage timing, gates that pass, halt and roll back; path-2 arrivals.

mod common;
use common::*;

const N: u32 = 100_000;

#[test]
fn pilot_switches_its_share_and_nobody_switches_early() {
    let scenario = format!(
        r#"name = "pilot"
seed = 21
duration = "4d"
{}
[[stage]]
name = "pilot"
start = "1d30m"
workloads = ["compliance_policies"]
authority = "pilot_intune"
pilot = 0.1

[stage.gate]
min_switched = 0.95
min_age = "12h"

[[stage]]
name = "everyone"
workloads = ["client_apps"]
authority = "intune"
"#,
        ideal_fleet(N, 1.0, 1.0)
    );
    let run = run_on_1_and_4_threads(&scenario, &[]);
    let switched = run.stat("switch_latency.compliance_policies", "count");
    let share = switched / f64::from(N);
    assert!((share - 0.1).abs() < 0.01, "pilot share {share}");

    let (header, rows) = run.timeline();
    let (t, intune) = (
        col(&header, "time_s"),
        col(&header, "compliance_policies.intune"),
    );
    let start = 86_400 + 1_800;
    for row in &rows {
        if row[t] < start {
            assert_eq!(
                row[intune], 0,
                "a device switched before the stage started (t = {})",
                row[t]
            );
        }
    }
    assert!(rows.iter().any(|r| r[intune] > 0));

    // The pilot members' membership becomes effective at the next collection evaluation (the stage starts on
    // the 5-minute grid here), then they switch at their next poll: Uniform(0, 60m).
    assert_close(
        "pilot switch mean",
        run.stat("switch_latency.compliance_policies", "mean"),
        1_800.0,
        0.05,
    );

    // The gate passes at its minimum age and the next stage starts at that very evaluation.
    let summary = run.summary();
    let stages = summary["rollout"]["stages"].as_array().unwrap();
    assert_eq!(stages[0]["outcome"], "passed");
    assert_eq!(stages[0]["gate_passed_at_s"], start + 12 * 3_600);
    assert_eq!(stages[1]["started_at_s"], stages[0]["gate_passed_at_s"]);
    assert_eq!(stages[1]["outcome"], "no_gate");
    assert_eq!(summary["rollout"]["completed"], 1);
    assert_eq!(
        run.stat("switch_latency.client_apps", "count"),
        f64::from(N)
    );
}

fn failing_gate(on_fail: &str) -> Run {
    // About 21% of devices are noncompliant with the default attributes; the gate allows none.
    let scenario = format!(
        r#"name = "gate"
seed = 4
duration = "4d"
{}
[[stage]]
name = "pilot"
start = "6h"
workloads = ["compliance_policies"]
authority = "pilot_intune"
pilot = 0.2

[stage.gate]
max_noncompliant = 0.0
timeout = "1d"
on_fail = "{on_fail}"

[[stage]]
name = "later"
start = "2d"
workloads = ["client_apps"]
authority = "intune"
"#,
        ideal_fleet(20_000, 1.0, 1.0)
    );
    run_on_1_and_4_threads(&scenario, &[])
}

#[test]
fn a_gate_that_cannot_pass_halts_the_rollout() {
    let run = failing_gate("halt");
    let summary = run.summary();
    let stages = summary["rollout"]["stages"].as_array().unwrap();
    assert_eq!(stages[0]["outcome"], "halted");
    assert_eq!(stages[1]["outcome"], "not_started");
    assert!(stages[1]["started_at_s"].is_null());
    assert_eq!(summary["rollout"]["completed"], 0);
    assert_eq!(run.stat("switch_latency.client_apps", "count"), 0.0);
    // Halt leaves the pilot on Intune.
    let (header, rows) = run.timeline();
    assert!(rows.last().unwrap()[col(&header, "compliance_policies.intune")] > 3_000);
}

#[test]
fn a_gate_that_cannot_pass_rolls_back_when_told_to() {
    let run = failing_gate("rollback");
    let summary = run.summary();
    let stages = summary["rollout"]["stages"].as_array().unwrap();
    assert_eq!(stages[0]["outcome"], "rolled_back");
    assert_eq!(stages[1]["outcome"], "not_started");
    let (header, rows) = run.timeline();
    let (t, intune) = (
        col(&header, "time_s"),
        col(&header, "compliance_policies.intune"),
    );
    let (unknown, devices) = (col(&header, "unknown"), 20_000);
    let rollback = 6 * 3_600 + 86_400;
    let peak = rows.iter().map(|r| r[intune]).max().unwrap();
    assert!(peak > 3_000, "the pilot switched first ({peak})");
    for row in &rows {
        // Every device polls within the hour after the rollback and moves back to ConfigMgr.
        if row[t] >= rollback + 3_600 {
            assert_eq!(row[intune], 0, "t = {}", row[t]);
            assert_eq!(
                row[unknown], devices,
                "compliance reports are withdrawn (t = {})",
                row[t]
            );
        }
    }
}

#[test]
fn new_devices_are_never_comanaged_before_they_arrive() {
    let fleet = ScenarioEdit::new(&ideal_fleet(20_000, 0.0, 0.0))
        .set("fleet.availability.always_on", "0.2")
        .set("fleet.availability.office_hours", "0.6")
        .set("fleet.availability.intermittent", "0.2")
        .add("fleet.new_device_arrival", "\"7d\"")
        .text();
    let run = run_on_1_and_4_threads(
        &format!("name = \"arrivals\"\nduration = \"14d\"\n{fleet}"),
        &[],
    );
    assert!(run.stat("time_to_comanaged.new_internet", "min") >= 600.0);
    let (header, rows) = run.timeline();
    let (t, not_arrived, comanaged) = (
        col(&header, "time_s"),
        col(&header, "not_arrived"),
        col(&header, "co_managed"),
    );
    for row in &rows {
        // Arrivals are uniform over 7 days: at time t at most a t/7d share (plus noise) can be co-managed.
        let arrived_bound = (row[t] as f64 / (7.0 * 86_400.0)).min(1.0) * 20_000.0 + 500.0;
        assert!((row[comanaged] as f64) <= arrived_bound, "t = {}", row[t]);
        assert!(row[comanaged] + row[not_arrived] <= 20_000);
    }
    assert_eq!(rows[0][not_arrived], 20_000);
}
