//! The model checked against results computable by hand (docs/model.md, "Checking the model against truth").
//! Each case uses ≥ 100k devices so that sampling error is far below the 2 % tolerance.

mod common;
use common::*;

const N: u32 = 100_000;

/// Co-managed, always-online devices; one stage moves compliance to Intune at 1 d. A device switches at its
/// first policy poll after the stage starts: switch latency ~ Uniform(0, P). Without sync-on-switch, the report
/// waits for the next Intune check-in: compliance latency ~ Uniform(0, P) + Uniform(0, S) (the evaluation
/// delay is set to 0 here; tests/compliance_mechanics.rs checks it). Queue delays are
/// off: at a 30-min poll this fleet's polls alone fill the default management points' sized rate, and the
/// weekly inventory and heartbeat would tip them over — a load question, not this timing one.
fn switch_case(poll: &str, sync: &str, sync_on_switch: bool) -> Run {
    let scenario = format!(
        r#"name = "closed-form"
seed = 11
duration = "3d"
{fleet}
[timers]
policy_poll = "{poll}"
mdm_sync = "{sync}"
sync_on_switch = {sync_on_switch}

[load]
feedback = false

[compliance]
evaluation_delay = "0s"
evaluation_spread = "0s"

[[stage]]
name = "compliance to intune"
start = "1d"
workloads = ["compliance_policies"]
authority = "intune"
"#,
        fleet = ideal_fleet(N, 1.0, 1.0)
    );
    run_on_1_and_4_threads(&scenario, &[])
}

#[test]
fn switch_latency_is_uniform_over_the_poll_interval() {
    for (poll, p) in [("60m", 3_600.0), ("30m", 1_800.0)] {
        let run = switch_case(poll, "8h", true);
        let m = "switch_latency.compliance_policies";
        assert_eq!(run.stat(m, "count"), f64::from(N));
        assert_close("mean", run.stat(m, "mean"), p / 2.0, 0.02);
        assert_close("p50", run.stat(m, "p50"), p / 2.0, 0.02);
        assert_close("p95", run.stat(m, "p95"), 0.95 * p, 0.02);
        assert!(run.stat(m, "max") < p);
        // With sync-on-switch the report lands at the switch.
        assert_eq!(run.stat("switch_to_compliance", "max"), 0.0);
    }
}

#[test]
fn compliance_latency_is_poll_plus_sync_without_sync_on_switch() {
    let run = switch_case("60m", "8h", false);
    let (p, s) = (1.0_f64, 8.0_f64); // hours
    // Uniform(0, 1 h) + Uniform(0, 8 h): mean 4.5 h; median 4.5 h; p95 where 1 - (9 - x)^2 / 16 = 0.95.
    let p95 = p + s - (2.0 * p * s * 0.05).sqrt();
    let m = "compliance_latency";
    assert_close("mean", run.stat(m, "mean"), 4.5 * 3_600.0, 0.02);
    assert_close("p50", run.stat(m, "p50"), 4.5 * 3_600.0, 0.02);
    assert_close("p95", run.stat(m, "p95"), p95 * 3_600.0, 0.02);
    assert_close(
        "switch_to_compliance mean",
        run.stat("switch_to_compliance", "mean"),
        4.0 * 3_600.0,
        0.02,
    );
}

/// Path 1 with always-online devices and no failures, in the product's order: the hybrid join starts at t = 0;
/// its first registration fails, the object syncs at the 30-min Azure AD Connect cycle and the hourly task
/// registers it at its next run (U(0, 60m) later): join ≈ 30m + U(0, 60m). The first policy poll (U(0, P),
/// P = 60m) brings the co-management policy and the enrollment timer fires U(0, S) later (S = 2 d); enrollment
/// starts at the later of timer and join and succeeds at once (a session of 0 without queues), and the device
/// is co-managed then: mean ≈ P/2 + S/2 (the join outlasts the timer for ~3 % of devices, ~40 s on the mean).
/// The old order (policy after enrollment, spread before the join) gives S/2 + 45m + 30m, 3 % higher.
#[test]
fn existing_client_path_timing() {
    let scenario = format!(
        "name = \"path1\"\nseed = 3\nduration = \"5d\"\n{}\n[timers]\nenrollment_spread = \"2d\"\n",
        ideal_fleet(N, 1.0, 0.0)
    );
    let run = run_on_1_and_4_threads(&scenario, &[]);
    assert_close(
        "hybrid_join mean",
        run.stat("hybrid_join", "mean"),
        1_800.0 + 1_800.0,
        0.02,
    );
    assert_eq!(run.stat("mdm_enrollment", "max"), 0.0);
    assert_close(
        "time_to_comanaged mean",
        run.stat("time_to_comanaged.existing_client", "mean"),
        1_800.0 + 86_400.0,
        0.02,
    );
    assert_eq!(run.summary()["counts"]["co_managed"], N);
}

/// Path 1 with a share already hybrid-joined at t = 0: those devices record no join and wait only for their
/// enrollment timer (U(0, P) then U(0, S): mean P/2 + S/2, as the others, whose join ends well within it).
#[test]
fn devices_joined_before_the_run_skip_the_join() {
    let fleet = ScenarioEdit::new(&ideal_fleet(N, 1.0, 0.0))
        .add("fleet.hybrid_joined_at_start", "0.6")
        .text();
    let scenario = format!(
        "name = \"joined\"\nseed = 3\nduration = \"5d\"\n{fleet}\n[timers]\nenrollment_spread = \"2d\"\n"
    );
    let run = run_on_1_and_4_threads(&scenario, &[]);
    // Binomial(N, 0.4) joins: within 4 standard deviations.
    let joins = run.stat("hybrid_join", "count");
    let sd = (f64::from(N) * 0.4 * 0.6).sqrt();
    assert!(
        (joins - 0.4 * f64::from(N)).abs() < 4.0 * sd,
        "{joins} joins of {N} devices, 40 % expected"
    );
    assert_close(
        "time_to_comanaged mean",
        run.stat("time_to_comanaged.existing_client", "mean"),
        1_800.0 + 86_400.0,
        0.02,
    );
    assert_eq!(run.summary()["counts"]["co_managed"], N);
}

/// Path 2 with always-online devices: a client install attempt takes U(10m, 30m); a failed one (p) ends at the
/// 60-min ESP timeout and is retried, so the install takes 20m + p/(1-p) · 60m on average. A failed enrollment
/// attempt is retried after 15 min: p/(1-p) · 15m on average.
#[test]
fn new_internet_path_retries() {
    let fleet = ScenarioEdit::new(&ideal_fleet(N, 0.0, 0.0))
        .set("failures.mdm_enrollment", "0.2")
        .set("failures.client_install", "0.2")
        .add("fleet.new_device_arrival", "\"5d\"")
        .text();
    // 100k internet devices polling hourly overload the default CMG (2 × 6,000 clients); the closed form
    // assumes an infrastructure that answers at once, so queue feedback is off here.
    let scenario = format!(
        "name = \"path2\"\nseed = 5\nduration = \"10d\"\n{fleet}\n[load]\nfeedback = false\n"
    );
    let run = run_on_1_and_4_threads(&scenario, &[]);
    let odds = 0.2 / 0.8;
    assert_close(
        "client_install mean",
        run.stat("client_install", "mean"),
        1_200.0 + odds * 3_600.0,
        0.02,
    );
    assert_close(
        "mdm_enrollment mean",
        run.stat("mdm_enrollment", "mean"),
        odds * 900.0,
        0.03,
    );
    assert_close(
        "time_to_comanaged mean",
        run.stat("time_to_comanaged.new_internet", "mean"),
        1_200.0 + odds * 3_600.0 + odds * 900.0,
        0.02,
    );
    // Nobody is co-managed sooner than the shortest possible install after arrival.
    assert!(run.stat("time_to_comanaged.new_internet", "min") >= 600.0);
}
