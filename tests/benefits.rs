//! What co-management is for: conditional-access readiness (Azure AD propagation, token renewal, CAE,
//! grace, validity period), remote actions and OS-deployment arrivals — closed forms against the real binary.

mod common;
use common::*;

/// Every device compliant, compliance moved to Intune for everyone at `start`.
fn ca_scenario(devices: u32, compliance: &str, start: &str, extra_timers: &str) -> String {
    format!(
        r#"name = "ca"
seed = 5
duration = "4d"
{}
[timers]
sync_on_switch = false
{extra_timers}

[compliance]
min_os_build = 0
require_bitlocker = false
require_firewall = false
require_defender = false
{compliance}

[[stage]]
name = "compliance"
start = "{start}"
workloads = ["compliance_policies"]
authority = "intune"
"#,
        ideal_fleet(devices, 1.0, 1.0)
    )
}

#[test]
fn with_cae_and_no_propagation_ca_ready_is_the_compliance_report() {
    let run = run_on_1_and_4_threads(
        &ca_scenario(20_000, "aad_propagation = \"0s\"\ncae = true", "1d", ""),
        &[],
    );
    for stat in ["count", "mean", "min", "p50", "p95", "max"] {
        assert_eq!(
            run.stat("ca_ready_latency", stat),
            run.stat("compliance_latency", stat),
            "{stat}"
        );
    }
    assert!(run.summary()["metrics"]["ca_block_latency"]["count"] == 0);
}

#[test]
fn without_cae_ca_ready_adds_a_token_lifetime_of_60_to_90_minutes() {
    let run = run_on_1_and_4_threads(
        &ca_scenario(50_000, "aad_propagation = \"0s\"", "1d", ""),
        &[],
    );
    let extra = run.stat("ca_ready_latency", "mean") - run.stat("compliance_latency", "mean");
    assert_close("mean token wait", extra, 4_500.0, 0.02);
    // Propagation adds on top, exactly.
    let run15 = run_on_1_and_4_threads(
        &ca_scenario(50_000, "aad_propagation = \"15m\"", "1d", ""),
        &[],
    );
    let extra15 = run15.stat("ca_ready_latency", "mean") - run15.stat("compliance_latency", "mean");
    assert_close("mean token wait + 15 min", extra15, 4_500.0 + 900.0, 0.02);
    // Timeline: ready devices lag reported-compliant ones; every device is ready by the end.
    let (header, rows) = run.timeline();
    let (ready, compliant, unknown) = (
        col(&header, "ca_ready"),
        col(&header, "compliant"),
        col(&header, "ca_unknown"),
    );
    for row in &rows {
        assert!(row[ready] <= row[compliant]);
    }
    let last = rows.last().unwrap();
    assert_eq!(last[ready], 50_000);
    assert_eq!(last[unknown], 0);
}

#[test]
fn noncompliant_devices_are_blocked_when_their_grace_ends() {
    let scenario = format!(
        r#"name = "grace"
seed = 3
duration = "6d"
{}
[timers]
sync_on_switch = false

[compliance]
min_os_build = 99999
noncompliant_grace = "2d"
aad_propagation = "0s"
cae = true

[[stage]]
name = "compliance"
start = "1d"
workloads = ["compliance_policies"]
authority = "intune"
"#,
        ideal_fleet(20_000, 1.0, 1.0)
    );
    let run = run_on_1_and_4_threads(&scenario, &[]);
    let block = run.stat("ca_block_latency", "mean");
    let report = run.stat("compliance_latency", "mean");
    assert_close(
        "block = report + grace",
        block - report,
        2.0 * 86_400.0,
        0.001,
    );
    let (header, rows) = run.timeline();
    let (t, blocked, ready) = (
        col(&header, "time_s"),
        col(&header, "ca_blocked"),
        col(&header, "ca_ready"),
    );
    for row in &rows {
        if row[t] <= 3 * 86_400 {
            assert_eq!(
                row[blocked], 0,
                "blocked inside the grace period at {}",
                row[t]
            );
        }
    }
    let last = rows.last().unwrap();
    assert_eq!((last[blocked], last[ready]), (20_000, 0));
}

#[test]
fn a_check_in_gap_longer_than_the_validity_period_makes_a_device_noncompliant() {
    // Always-on devices checking in every 2 days with a 1-day validity period: once every device is on its
    // steady schedule, each is noncompliant for the second half of every gap, so half the fleet is.
    let run = run_on_1_and_4_threads(
        &scenario_with(
            &ca_scenario(
                20_000,
                "validity = \"1d\"\naad_propagation = \"0s\"\ncae = true",
                "0s",
                "mdm_sync = \"2d\"",
            ),
            &[("duration", "\"10d\"")],
        ),
        &[],
    );
    let (header, rows) = run.timeline();
    let (t, nc, blocked) = (
        col(&header, "time_s"),
        col(&header, "noncompliant"),
        col(&header, "ca_blocked"),
    );
    let steady: Vec<&Vec<i64>> = rows.iter().filter(|r| r[t] >= 3 * 86_400).collect();
    let share = steady.iter().map(|r| r[nc] as f64).sum::<f64>() / (steady.len() as f64 * 20_000.0);
    assert_close("share noncompliant by lapsed validity", share, 0.5, 0.02);
    for r in &steady {
        assert_eq!(
            r[nc], r[blocked],
            "CAE and no propagation: blocked = noncompliant"
        );
    }
    // Reporting often enough (validity ≥ the check-in interval) never lapses.
    let fine = run_on_1_and_4_threads(
        &ca_scenario(5_000, "validity = \"2d\"", "0s", "mdm_sync = \"2d\""),
        &[],
    );
    let (header, rows) = fine.timeline();
    let nc = col(&header, "noncompliant");
    assert!(rows.iter().all(|r| r[nc] == 0));
}

#[test]
fn an_intermittent_device_offline_longer_than_the_validity_period_turns_noncompliant() {
    let scenario = |validity: &str| {
        scenario_with(
            &ca_scenario(10_000, &format!("validity = \"{validity}\""), "0s", ""),
            &[
                ("fleet.availability.always_on", "0.0"),
                ("fleet.availability.intermittent", "1.0"),
                ("duration", "\"21d\""),
            ],
        )
    };
    let (header, rows) = run_on_1_and_4_threads(&scenario("1d"), &[]).timeline();
    let nc = col(&header, "noncompliant");
    assert!(rows.iter().any(|r| r[nc] > 1_000), "lapses expected");
    let (header, rows) = run_on_1_and_4_threads(&scenario("120d"), &[]).timeline();
    let nc = col(&header, "noncompliant");
    assert!(rows.iter().all(|r| r[nc] == 0));
}

fn check_fails(scenario: &str, expect: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, scenario).unwrap();
    let out = cofleet().arg("check").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for e in expect {
        assert!(err.contains(e), "expected {e:?} in:\n{err}");
    }
}

#[test]
fn a_grace_period_longer_than_the_validity_period_is_refused() {
    check_fails(
        "name = \"x\"\n[fleet]\ndevices = 10\n[compliance]\nnoncompliant_grace = \"40d\"\n",
        &[
            "bad.toml:5:22",
            "compliance.noncompliant_grace",
            "must not exceed compliance.validity (30d)",
        ],
    );
    check_fails(
        "name = \"x\"\n[fleet]\ndevices = 10\n[compliance]\nvalidity = \"121d\"\n",
        &["compliance.validity", "1d to 120d"],
    );
}

#[test]
fn a_restart_reaches_always_on_devices_within_five_minutes_of_its_request() {
    let scenario = format!(
        r#"name = "restart"
seed = 9
duration = "2d"
{}
[[action]]
kind = "restart"
at = "1d2m"
share = 0.5

[[action]]
kind = "retire"
at = "1d"
share = 0.1
leave_collection = true
"#,
        ideal_fleet(20_000, 1.0, 1.0)
    );
    let run = run_on_1_and_4_threads(&scenario, &[]);
    let s = run.summary();
    let counts = &s["counts"];
    let targeted = counts["action.restart.targeted"].as_f64().unwrap();
    // Each device acts within 5 min of its request, which Graph paces at 400 per 20 s (tests/graph_pacing.rs).
    let k = targeted as u64;
    let last_issue = ((k - 1) / 400 * 20) as f64;
    let mean_issue = (0..k).map(|i| (i / 400 * 20) as f64).sum::<f64>() / targeted;
    assert!(run.stat("remote_action_latency.restart", "max") <= last_issue + 300.0);
    assert!(run.stat("remote_action_latency.restart", "min") >= 1.0);
    assert_close(
        "mean restart delay",
        run.stat("remote_action_latency.restart", "mean"),
        mean_issue + 150.5,
        0.02,
    );
    // Half of the devices still co-managed after the retire of 10 % two minutes earlier.
    assert!((targeted / 20_000.0 - 0.45).abs() < 0.01, "{targeted}");
    assert_eq!(
        counts["action.restart.within_1h"],
        counts["action.restart.targeted"]
    );
    assert_eq!(counts["action.restart.never"], 0);
    // Retired devices that also left the co-management collection never come back.
    let retired = counts["retired"].as_u64().unwrap();
    assert_eq!(retired, counts["action.retire.targeted"].as_u64().unwrap());
    assert_eq!(counts["co_managed"].as_u64().unwrap() + retired, 20_000);
}

#[test]
fn offline_devices_act_at_their_next_check_in_and_a_wipe_reprovisions() {
    let scenario = scenario_with(
        &format!(
            r#"name = "wipe"
seed = 9
duration = "10d"
{}
[[action]]
kind = "wipe"
at = "5d"
share = 0.2
"#,
            ideal_fleet(10_000, 1.0, 1.0)
        ),
        &[
            ("fleet.availability.always_on", "0.0"),
            ("fleet.availability.office_hours", "1.0"),
        ],
    );
    let run = run_on_1_and_4_threads(&scenario, &[]);
    // Sent Saturday 00:00: office-hours devices are offline until Monday morning (≈ 2 d 8 h).
    let min = run.stat("remote_action_latency.wipe", "min");
    assert!(min >= 2.0 * 86_400.0 + 7.0 * 3_600.0, "{min}");
    let s = run.summary();
    assert_eq!(s["counts"]["action.wipe.within_1d"], 0);
    // Wiped devices go through path 2 again and become co-managed as new internet devices.
    let wiped = s["counts"]["action.wipe.targeted"].as_f64().unwrap();
    assert!(run.stat("time_to_comanaged.new_internet", "count") > 0.9 * wiped);
}

#[test]
fn osd_arrivals_are_never_co_managed_before_they_arrive() {
    let scenario = ScenarioEdit::new(&format!(
        r#"name = "osd"
seed = 4
duration = "10d"
{}
"#,
        ideal_fleet(2_000, 1.0, 1.0)
    ))
    .add("fleet.osd_arrivals", "{ count = 8000, span = \"5d\" }")
    .text();
    let run = run_on_1_and_4_threads(&scenario, &[]);
    let s = run.summary();
    assert_eq!(s["devices"], 10_000);
    assert_eq!(s["counts"]["path.osd"], 8_000);
    assert!(run.stat("time_to_comanaged.osd", "min") >= 0.0);
    assert_eq!(run.stat("time_to_comanaged.osd", "count"), 8_000.0);
    let (header, rows) = run.timeline();
    let (t, not_arrived, co) = (
        col(&header, "time_s"),
        col(&header, "not_arrived"),
        col(&header, "co_managed"),
    );
    for r in &rows {
        // Arrivals are uniform over 5 days (binomial counts: 200 devices of slack is > 4 σ): the co-managed
        // count never exceeds the arrived ones, and an arrived device is never counted as not arrived.
        let expected_arrived = 2_000 + 8_000 * r[t].min(5 * 86_400) / (5 * 86_400);
        assert!(r[co] <= expected_arrived + 200, "t = {}", r[t]);
        assert!(r[co] + r[not_arrived] <= 10_000, "t = {}", r[t]);
    }
    assert!(
        rows.windows(2)
            .all(|w| w[1][not_arrived] <= w[0][not_arrived])
    );
    assert_eq!(rows[0][not_arrived], 8_000);
    assert_eq!(rows.last().unwrap()[co], 10_000);
}

#[test]
fn bad_actions_are_refused() {
    let base = "name = \"x\"\nduration = \"2d\"\n[fleet]\ndevices = 10\n";
    check_fails(
        &format!("{base}[[action]]\nkind = \"reboot\"\nat = \"1d\"\nshare = 0.5\n"),
        &[
            "action.0.kind",
            "unknown action kind \"reboot\"",
            "restart, sync, wipe, retire or remote_control",
        ],
    );
    check_fails(
        &format!("{base}[[action]]\nkind = \"sync\"\nat = \"3d\"\nshare = 0.5\n"),
        &["bad.toml:7:6", "action.0.at", "outside the simulated span"],
    );
    check_fails(
        &format!("{base}[[action]]\nkind = \"sync\"\nat = \"1d\"\nshare = 1.5\n"),
        &["action.0.share", "from 0 to 1"],
    );
    check_fails(
        &format!("{base}[[action]]\nkind = \"sync\"\nat = \"1d\"\nstage = \"nope\"\n"),
        &["action.0.stage", "no stage is named \"nope\""],
    );
    check_fails(
        &format!("{base}osd_arrivals = {{ count = 5, span = \"-1d\" }}\n"),
        &["fleet.osd_arrivals.span"],
    );
}

#[test]
fn devices_that_retried_their_path_are_not_mistaken_for_pending_actions() {
    // Retried steps count attempts in the same field a pending wipe/retire uses once co-managed.
    let scenario = r#"name = "retries"
seed = 2
duration = "5d"
[fleet]
devices = 5000
[failures]
hybrid_join = 0.5
mdm_enrollment = 0.5
client_install = 0.5
permanent = 0.0
"#;
    let run = run_on_1_and_4_threads(scenario, &[]);
    let s = run.summary();
    assert_eq!(s["counts"]["retired"], 0);
    // Without actions every device becomes co-managed at most once.
    assert_eq!(
        run.stat("time_to_comanaged.new_internet", "count")
            + run.stat("time_to_comanaged.existing_client", "count"),
        s["counts"]["co_managed"].as_f64().unwrap()
    );
}

#[test]
fn client_health_shows_at_the_first_check_in_after_co_managed() {
    // Always online, co-managed at t = 0, sync interval S = 8 h: the first check-in is at the device's phase,
    // Uniform(0, S), so the mean latency is S / 2.
    let scenario = format!(
        "name = \"health\"\nseed = 11\nduration = \"2d\"\n{}",
        ideal_fleet(50_000, 1.0, 1.0)
    );
    let run = run_on_1_and_4_threads(&scenario, &[]);
    assert_eq!(run.stat("health_visible_latency", "count"), 50_000.0);
    let mean = run.stat("health_visible_latency", "mean");
    let expected = 4.0 * 3_600.0;
    eprintln!(
        "health_visible_latency mean {mean} s vs closed form {expected} s: relative error {:.5}",
        (mean - expected).abs() / expected
    );
    assert_close("mean health_visible_latency", mean, expected, 0.02);
    assert!(run.stat("health_visible_latency", "max") < 8.0 * 3_600.0);
    let (header, rows) = run.timeline();
    let (healthy, unhealthy, unknown) = (
        col(&header, "health_healthy"),
        col(&header, "health_unhealthy"),
        col(&header, "health_unknown"),
    );
    // Row 0 is the snapshot at t = 0: only devices whose check-in phase is 0 show there.
    assert!(rows[0][unknown] > 49_900);
    let last = rows.last().unwrap();
    assert_eq!(last[healthy], 50_000);
    assert_eq!(last[unhealthy], 0);
    assert_eq!(last[unknown], 0);
}

#[test]
fn broken_client_health_turns_intermittent_devices_unhealthy_while_offline() {
    let scenario = |broken: f64| {
        format!(
            r#"name = "broken-health"
seed = 4
duration = "21d"
[fleet]
devices = 5000
existing_client_share = 1.0
comanaged_at_start = 1.0
broken_client_health = {broken}

[fleet.availability]
always_on = 0.0
office_hours = 0.0
intermittent = 1.0
"#
        )
    };
    let (header, rows) = run_on_1_and_4_threads(&scenario(1.0), &[]).timeline();
    let (healthy, unhealthy, unknown) = (
        col(&header, "health_healthy"),
        col(&header, "health_unhealthy"),
        col(&header, "health_unknown"),
    );
    assert!(rows.iter().any(|r| r[unhealthy] > 100), "lapses expected");
    for r in &rows {
        assert_eq!(r[healthy] + r[unhealthy] + r[unknown], 5_000);
    }
    let (header, rows) = run_on_1_and_4_threads(&scenario(0.0), &[]).timeline();
    let unhealthy = col(&header, "health_unhealthy");
    assert!(rows.iter().all(|r| r[unhealthy] == 0));
}

#[test]
fn a_broken_client_health_share_out_of_range_is_refused() {
    check_fails(
        "name = \"x\"\n[fleet]\ndevices = 10\nbroken_client_health = 1.5\n",
        &["bad.toml:4:24", "fleet.broken_client_health", "from 0 to 1"],
    );
}
