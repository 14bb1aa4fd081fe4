//! Compliance that takes time and changes (docs/model.md, Compliance mechanics), checked against closed forms
//! on always-online fleets. Every run is compared byte for byte at 1 and 4 threads.

mod common;
use common::*;

const N: u32 = 100_000;

/// Co-managed, always-online devices whose compliance workload moves to Intune at t = 0, with
/// `sync_on_switch` and a 30-min Intune check-in; `compliance` and `attributes` are the bodies of
/// `[compliance]` and `[fleet.attributes]`.
fn fleet(duration: &str, compliance: &str, attributes: &str, extra: &str) -> Run {
    let scenario = format!(
        r#"name = "compliance-mechanics"
seed = 5
duration = "{duration}"
{fleet}
[fleet.attributes]
{attributes}

[timers]
mdm_sync = "30m"
sync_on_switch = true

[load]
feedback = false

[compliance]
{compliance}

[[stage]]
name = "compliance to intune"
start = "0s"
workloads = ["compliance_policies"]
authority = "intune"
{extra}"#,
        fleet = ideal_fleet(N, 1.0, 1.0).replacen(
            "[fleet]\n",
            "[fleet]\nrestart_interval = \"1d\"\n",
            1
        )
    );
    run_on_1_and_4_threads(&scenario, &[])
}

/// The timeline's `column` at hour `h`.
fn at_hour(run: &Run, column: &str, h: usize) -> f64 {
    let (header, rows) = run.timeline();
    let c = header.iter().position(|n| n == column).expect("column");
    let row = rows.iter().find(|r| r[0] == h as i64).expect("hour row");
    row[c] as f64
}

const ALL_OK: &str = "os_build = { 22631 = 1.0 }\nbitlocker = 1.0\nfirewall = 1.0\ndefender = 1.0";
/// Half the fleet below the minimum OS build (19045), nothing else wrong.
const HALF_OLD_OS: &str =
    "os_build = { 19044 = 0.5, 22631 = 0.5 }\nbitlocker = 1.0\nfirewall = 1.0\ndefender = 1.0";
/// Half the fleet without BitLocker (a health-attestation setting), nothing else wrong.
const HALF_NO_BITLOCKER: &str =
    "os_build = { 22631 = 1.0 }\nbitlocker = 0.5\nfirewall = 1.0\ndefender = 1.0";

/// With sync-on-switch the check-in comes at the switch, so `switch_to_compliance` is the evaluation
/// delay: exactly D when fixed, D + Uniform(0, W) with a spread.
#[test]
fn switch_to_compliance_is_the_evaluation_delay() {
    let run = fleet(
        "1d",
        "evaluation_delay = \"20m\"\nevaluation_spread = \"0s\"",
        ALL_OK,
        "",
    );
    let m = "switch_to_compliance";
    assert_eq!(run.stat(m, "count"), f64::from(N));
    assert_eq!(run.stat(m, "min"), 1_200.0);
    assert_eq!(run.stat(m, "max"), 1_200.0);

    let run = fleet(
        "1d",
        "evaluation_delay = \"20m\"\nevaluation_spread = \"40m\"",
        ALL_OK,
        "",
    );
    assert!(run.stat(m, "min") >= 1_200.0);
    assert!(run.stat(m, "max") <= 3_600.0);
    assert_close("mean", run.stat(m, "mean"), 2_400.0, 0.01);
    assert_close("p50", run.stat(m, "p50"), 2_400.0, 0.01);
    // compliance_latency = switch latency (U(0, 60 min) poll) + the delay: mean 30 min + 40 min.
    assert_close(
        "compliance_latency mean",
        run.stat("compliance_latency", "mean"),
        4_200.0,
        0.02,
    );
}

/// Time-to-fix exponential with mean R from t = 0: once every device has reported, the noncompliant count
/// decays as e^(−t/R) (the check-in and evaluation lag is the same for every fix, so it cancels in the
/// ratio to the count at t0). Tolerance 4 %: the smallest count compared is ≈ 7,000 devices (binomial
/// standard error ≈ 1.2 %).
#[test]
fn remediation_decays_the_noncompliant_share_exponentially() {
    let run = fleet(
        "6d",
        "min_os_build = 19045\nremediation = \"2d\"",
        HALF_OLD_OS,
        "",
    );
    let t0 = 6;
    let n0 = at_hour(&run, "noncompliant", t0);
    assert_close(
        "noncompliant at 6 h",
        n0,
        0.5 * f64::from(N) * (-6.0_f64 / 48.0).exp(),
        0.03,
    );
    for h in [24, 48, 96] {
        let expected = n0 * (-((h - t0) as f64) / 48.0).exp();
        assert_close(
            &format!("noncompliant at {h} h"),
            at_hour(&run, "noncompliant", h),
            expected,
            0.04,
        );
    }
}

/// A share q never fixed: the noncompliant count tends to q of the noncompliant devices,
/// n(t) = n_0 (q + (1 − q) e^(−t/R)).
#[test]
fn never_fixed_devices_stay_noncompliant() {
    let run = fleet(
        "6d",
        "min_os_build = 19045\nremediation = \"12h\"\nnever_fixed = 0.2",
        HALF_OLD_OS,
        "",
    );
    let n0 = 0.5 * f64::from(N);
    for h in [24, 120] {
        let expected = n0 * (0.2 + 0.8 * (-(h as f64) / 12.0).exp());
        assert_close(
            &format!("noncompliant at {h} h"),
            at_hour(&run, "noncompliant", h),
            expected,
            0.03,
        );
    }
}

/// BitLocker is reported as of the last restart: a fix at F is seen at the first restart after F, here a
/// daily restart at a uniform phase, F + Uniform(0, T). For t ≥ T, P(F + U > t) = e^(−t/R) · (R/T)(e^(T/R) − 1);
/// with R = T the BitLocker fleet is (e − 1) times as noncompliant as the same fleet failing on its OS build.
#[test]
fn a_bitlocker_fix_is_seen_after_the_next_restart() {
    let compliance = "min_os_build = 19045\nremediation = \"1d\"";
    let os = fleet("4d", compliance, HALF_OLD_OS, "");
    let bitlocker = fleet("4d", compliance, HALF_NO_BITLOCKER, "");
    for h in [48, 72] {
        let ratio = at_hour(&bitlocker, "noncompliant", h) / at_hour(&os, "noncompliant", h);
        assert_close(
            &format!("ratio at {h} h"),
            ratio,
            std::f64::consts::E - 1.0,
            0.04,
        );
    }
}

/// The minimum OS build rises at `min_os_from`: nobody is noncompliant before it; one check-in (30 min) and
/// the evaluation delay (at most 15 min) after it, exactly the devices below the raised minimum (30 %) are.
#[test]
fn a_raised_os_minimum_makes_the_older_builds_noncompliant_at_its_time() {
    let run = fleet(
        "3d",
        "min_os_build = 19045\nmin_os_from = \"2d\"\nraised_min_os_build = 22631",
        "os_build = { 19045 = 0.3, 22631 = 0.7 }\nbitlocker = 1.0\nfirewall = 1.0\ndefender = 1.0",
        "",
    );
    assert_eq!(at_hour(&run, "noncompliant", 47), 0.0);
    let after = at_hour(&run, "noncompliant", 49);
    assert_close("noncompliant at 49 h", after, 0.3 * f64::from(N), 0.02);
    assert_eq!(
        at_hour(&run, "noncompliant", 71),
        after,
        "no fix without remediation"
    );
    assert_eq!(
        at_hour(&run, "compliant", 49) + after,
        f64::from(N),
        "every device reported"
    );
}

/// A raised minimum below the current one is refused with the key's place and the rule.
#[test]
fn a_raised_minimum_below_the_current_one_is_refused() {
    let scenario =
        "[compliance]\nmin_os_build = 22000\nmin_os_from = \"1d\"\nraised_min_os_build = 19045\n";
    let run = invoke("run", scenario, &[]);
    assert_eq!(run.output.status.code(), Some(2));
    let err = String::from_utf8_lossy(&run.output.stderr);
    assert!(err.contains("compliance.raised_min_os_build"), "{err}");
    assert!(err.contains(":4:"), "{err}");
    assert!(
        err.contains("at least compliance.min_os_build (22000)"),
        "{err}"
    );
}

/// New Autopilot hardware (path 2) draws its attributes from `[fleet.attributes.new]`: with every existing
/// client compliant and no new device with BitLocker, the noncompliant devices are exactly the new ones.
#[test]
fn new_hardware_has_its_own_attribute_shares() {
    let scenario = format!(
        r#"name = "new-hardware"
seed = 3
duration = "6d"
{fleet}
[fleet.attributes]
{ALL_OK}

[fleet.attributes.new]
bitlocker = 0.0

[timers]
mdm_sync = "30m"

[load]
enabled = false

[[stage]]
name = "compliance to intune"
start = "0s"
workloads = ["compliance_policies"]
authority = "intune"
"#,
        fleet = ideal_fleet(20_000, 0.7, 1.0).replacen(
            "[fleet]\n",
            "[fleet]\nnew_device_arrival = \"1d\"\n",
            1
        )
    );
    let run = run_on_1_and_4_threads(&scenario, &[]);
    let last = 6 * 24 - 1;
    let noncompliant = at_hour(&run, "noncompliant", last);
    let new = run.stat("time_to_comanaged.new_internet", "count");
    assert!(new > 5_000.0, "{new} new devices co-managed");
    assert_eq!(noncompliant, new);
    assert_eq!(at_hour(&run, "compliant", last), 20_000.0 - new);
}

/// A share outside [0, 1] in `[fleet.attributes.new]` is refused with its place and range.
#[test]
fn a_new_hardware_share_out_of_range_is_refused() {
    let run = invoke("run", "[fleet.attributes.new]\nbitlocker = 1.5\n", &[]);
    assert_eq!(run.output.status.code(), Some(2));
    let err = String::from_utf8_lossy(&run.output.stderr);
    assert!(err.contains("fleet.attributes.new.bitlocker"), "{err}");
    assert!(err.contains(":2:"), "{err}");
}
