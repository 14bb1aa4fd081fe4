//! Remote control sessions (docs/model.md §3): a session starts when the device is online and, where the user
//! must consent, when a user is at it — at an always-on device during office hours (Monday to Friday
//! 08:00–18:00), at any other device whenever it is online. The run starts on Monday 00:00 UTC.

mod common;
use common::*;

const N: u32 = 5_000;
const HOUR: f64 = 3_600.0;
const DAY: f64 = 86_400.0;

fn scenario(at: &str, consent: bool) -> String {
    format!(
        r#"name = "remote-control"
seed = 3
duration = "10d"
{fleet}
[load]
feedback = false

[[action]]
kind = "remote_control"
at = "{at}"
share = 1.0
user_consent = {consent}
"#,
        fleet = ideal_fleet(N, 1.0, 1.0)
    )
}

fn latency(run: &Run, stat: &str) -> f64 {
    run.stat("remote_action_latency.remote_control", stat)
}

/// Always-on devices asked on Saturday 00:00: with consent every session waits for Monday 08:00 (2 d 8 h
/// exactly); without, every session starts at once. On Tuesday 10:00 both start at once.
#[test]
fn always_on_devices_wait_for_office_hours_only_when_the_user_must_consent() {
    let run = run_on_1_and_4_threads(&scenario("5d", true), &[]);
    assert_eq!(latency(&run, "count"), f64::from(N));
    assert_eq!(latency(&run, "min"), 2.0 * DAY + 8.0 * HOUR);
    assert_eq!(latency(&run, "max"), 2.0 * DAY + 8.0 * HOUR);
    let s = run.summary();
    assert_eq!(s["counts"]["action.remote_control.targeted"], N);
    assert_eq!(s["counts"]["action.remote_control.within_1d"], 0);
    // A session changes nothing of the device: still co-managed, no extra Intune check-in.
    assert_eq!(s["counts"]["co_managed"], N);

    let run = run_scenario(&scenario("5d", false), &[]);
    assert_eq!(latency(&run, "max"), 0.0);
    let run = run_scenario(&scenario("1d10h", true), &[]);
    assert_eq!(latency(&run, "count"), f64::from(N));
    assert_eq!(latency(&run, "max"), 0.0);
}

/// Office-hours devices asked on Saturday 00:00 are offline until their Monday window, which opens in
/// 07:30–08:30: consent or not, the session starts then.
#[test]
fn office_hours_devices_start_when_they_come_online() {
    let office = |consent: bool| {
        scenario_with(
            &scenario("5d", consent),
            &[
                ("fleet.availability.always_on", "0.0"),
                ("fleet.availability.office_hours", "1.0"),
            ],
        )
    };
    let with = run_scenario(&office(true), &[]);
    assert_eq!(latency(&with, "count"), f64::from(N));
    assert!(latency(&with, "min") >= 2.0 * DAY + 7.5 * HOUR);
    assert!(latency(&with, "max") <= 2.0 * DAY + 8.5 * HOUR);
    let without = run_scenario(&office(false), &[]);
    for stat in ["count", "mean", "min", "max"] {
        assert_eq!(latency(&with, stat), latency(&without, stat), "{stat}");
    }
}

/// `user_consent` belongs to remote control only.
#[test]
fn user_consent_is_refused_on_other_kinds() {
    let text = scenario("5d", true).replace("kind = \"remote_control\"", "kind = \"restart\"");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rc.toml");
    std::fs::write(&file, text).unwrap();
    let out = cofleet().arg("check").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("action.0.user_consent") && stderr.contains("only a remote_control action"),
        "{stderr}"
    );
}
