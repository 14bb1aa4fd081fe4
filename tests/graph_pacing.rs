//! Graph pacing of bulk remote actions (docs/model.md §4): Intune's device writes are limited to 400 per 20 s
//! per tenant, so the k-th targeted device (0-based, in device-index order) cannot get its request before
//! ⌊k/400⌋·20 s after the action's `at`; an online device then acts within 5 min (U(1 s, 300 s)). A remote
//! control session is not a Graph write and is not paced.

mod common;
use common::*;

/// Mean of ⌊k/400⌋·20 s over k = 0..targets.
fn mean_pacing(targets: u64) -> f64 {
    (0..targets).map(|k| (k / 400 * 20) as f64).sum::<f64>() / targets as f64
}

fn scenario(devices: u32) -> String {
    format!(
        r#"name = "graph"
seed = 8
duration = "2d"
{fleet}
[load]
feedback = false

[[action]]
kind = "restart"
at = "1d"
share = 1.0

[[action]]
kind = "remote_control"
at = "1d"
share = 1.0
user_consent = false
"#,
        fleet = ideal_fleet(devices, 1.0, 1.0)
    )
}

/// 40,000 always-on devices (three engine chunks): the last request leaves ⌊39,999/400⌋·20 s = 1,980 s after
/// `at`, so the slowest device acts within (1,980 s, 2,280 s], and the mean is the mean pacing plus 150.5 s.
#[test]
fn a_fleet_wide_restart_is_paced_at_400_devices_per_20_seconds() {
    const N: u32 = 40_000;
    let run = run_on_1_and_4_threads(&scenario(N), &[]);
    let m = "remote_action_latency.restart";
    assert_eq!(run.stat(m, "count"), f64::from(N));
    let last_issue = f64::from((N - 1) / 400 * 20);
    assert_eq!(last_issue, 1_980.0);
    let max = run.stat(m, "max");
    // 400 devices share the last window: the largest of 400 uniform delays is within 10 s of 300 s.
    assert!(
        max > last_issue + 290.0 && max <= last_issue + 300.0,
        "{max}"
    );
    assert!(run.stat(m, "min") >= 1.0);
    assert_close(
        "mean restart latency",
        run.stat(m, "mean"),
        mean_pacing(u64::from(N)) + 150.5,
        0.01,
    );
    // Remote control is no Graph write: every session starts at once.
    assert_eq!(run.stat("remote_action_latency.remote_control", "max"), 0.0);
}

/// Up to 400 targets fit one window: no pacing.
#[test]
fn four_hundred_devices_are_not_paced() {
    let run = run_scenario(&scenario(400), &[]);
    assert!(run.stat("remote_action_latency.restart", "max") <= 300.0);
}
