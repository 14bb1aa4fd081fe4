//! When a workload switch takes effect on the device (docs/model.md §2): Office Click-to-Run at its next
//! Office update check (daily, ~24 h) or restart, Endpoint Protection at the next Intune check-in, the others
//! at the switch. `workload_effective_latency.<workload>` has the switch latency's origin, so the difference of
//! the two means is the mean wait after the switch — a closed form for always-on devices.

mod common;
use common::*;

const N: u32 = 10_000;
const HOUR: f64 = 3600.0;

fn scenario(sync_on_switch: bool, restart_interval: &str) -> String {
    let text = format!(
        r#"name = "effective"
seed = 11
duration = "4d"
{fleet}
[timers]
sync_on_switch = {sync_on_switch}

[load]
feedback = false

[[stage]]
name = "move"
start = "1d"
workloads = ["office_click_to_run", "endpoint_protection", "windows_update_policies"]
authority = "intune"
"#,
        fleet = ideal_fleet(N, 1.0, 1.0)
    );
    ScenarioEdit::new(&text)
        .add("fleet.restart_interval", &format!("\"{restart_interval}\""))
        .text()
}

fn wait(run: &Run, w: &str) -> f64 {
    let effective = format!("workload_effective_latency.{w}");
    let switch = format!("switch_latency.{w}");
    assert_eq!(run.stat(&effective, "count"), f64::from(N), "{effective}");
    run.stat(&effective, "mean") - run.stat(&switch, "mean")
}

/// Restarts far apart: Office waits for its daily update check, uniform over the day after the switch
/// (mean 12 h, at most 24 h); without sync on switch, Endpoint Protection waits for the next steady Intune
/// check-in, uniform over the 8-h interval (mean 4 h); Windows Update policies take effect at the switch.
#[test]
fn office_waits_for_its_update_check_and_endpoint_protection_for_the_next_check_in() {
    let run = run_on_1_and_4_threads(&scenario(false, "1000d"), &[]);
    assert_close(
        "Office wait",
        wait(&run, "office_click_to_run"),
        12.0 * HOUR,
        0.02,
    );
    assert!(
        run.stat("workload_effective_latency.office_click_to_run", "max")
            <= run.stat("switch_latency.office_click_to_run", "max") + 24.0 * HOUR
    );
    assert_close(
        "EP wait",
        wait(&run, "endpoint_protection"),
        4.0 * HOUR,
        0.02,
    );
    assert!(
        run.stat("workload_effective_latency.endpoint_protection", "max")
            <= run.stat("switch_latency.endpoint_protection", "max") + 8.0 * HOUR
    );
    for stat in ["count", "mean", "min", "p50", "max"] {
        assert_eq!(
            run.stat("workload_effective_latency.windows_update_policies", stat),
            run.stat("switch_latency.windows_update_policies", stat),
            "{stat}"
        );
    }
    // Per ring, like every latency metric.
    assert_eq!(
        run.stat(
            "workload_effective_latency.office_click_to_run@move",
            "count"
        ),
        f64::from(N)
    );
}

/// An hourly restart comes first: the wait is min(U(0, 24 h), U(0, 1 h)), whose mean is
/// ∫₀¹ (1 − s/24)(1 − s) ds = 1/2 − 1/48 + 1/72 h. With sync on switch Endpoint Protection is overwritten by
/// the check-in the switch triggers: its effective latency is its switch latency.
#[test]
fn a_restart_applies_office_and_sync_on_switch_applies_endpoint_protection() {
    let run = run_scenario(&scenario(true, "1h"), &[]);
    let expected = (0.5 - 1.0 / 48.0 + 1.0 / 72.0) * HOUR;
    assert_close(
        "Office wait",
        wait(&run, "office_click_to_run"),
        expected,
        0.03,
    );
    for stat in ["count", "mean", "min", "p50", "max"] {
        assert_eq!(
            run.stat("workload_effective_latency.endpoint_protection", stat),
            run.stat("switch_latency.endpoint_protection", stat),
            "{stat}"
        );
    }
}
