//! `[[failure]]` codes (docs/model.md §1.1): a share of the devices reaching a step fails it with a code —
//! transient (the first attempt fails, then the step retries as it does) or a configuration error (every
//! attempt fails until its `fixed_at`, or for good) — counted per code in summary.json and named on stdout.

mod common;
use common::*;

const N: u32 = 100_000;

fn run_with_codes(name: &str, duration: &str, codes: &[&str], edit: &[(&str, &str)]) -> Run {
    let mut fleet = ScenarioEdit::new(&ideal_fleet(N, 1.0, 0.0));
    for (key, value) in edit {
        fleet = fleet.add(key, value);
    }
    for code in codes {
        fleet = fleet.push("failure", code);
    }
    let scenario = format!(
        "name = \"{name}\"\nseed = 13\nduration = \"{duration}\"\n{}",
        fleet.text()
    );
    run_on_1_and_4_threads(&scenario, &[])
}

fn devices_with(run: &Run, code: &str) -> f64 {
    run.summary()["failures"][code]["devices"]
        .as_f64()
        .unwrap_or_else(|| panic!("no failures.{code}.devices"))
}

fn assert_binomial(what: &str, actual: f64, p: f64) {
    let n = f64::from(N);
    let sd = (n * p * (1.0 - p)).sqrt();
    assert!(
        (actual - p * n).abs() < 4.0 * sd,
        "{what}: {actual} of {n}, {p} expected"
    );
}

/// A transient join code with share s: s·N devices hit it, each loses one hourly retry, so the join takes
/// 30m + U(0, 60m) + s · 60m on average; everyone is co-managed. A configuration error on the enrollment
/// without a fix fails its share for good (failed_at.mdm_enrollment). Stdout names the top codes.
#[test]
fn codes_hit_their_share_and_act_by_kind() {
    let run = run_with_codes(
        "codes",
        "5d",
        &[
            "code = \"0x80072EE2\"\nshare = 0.25\nstep = \"hybrid_join\"\nkind = \"transient\"\n",
            "code = \"0x80180014\"\nshare = 0.1\nstep = \"mdm_enrollment\"\nkind = \"configuration\"\n",
        ],
        &[("timers.enrollment_spread", "\"1d\"")],
    );
    assert_binomial("0x80072EE2", devices_with(&run, "0x80072EE2"), 0.25);
    assert_binomial("0x80180014", devices_with(&run, "0x80180014"), 0.1);
    assert_close(
        "hybrid_join mean",
        run.stat("hybrid_join", "mean"),
        3_600.0 + 0.25 * 3_600.0,
        0.02,
    );
    let counts = &run.summary()["counts"];
    assert_eq!(counts["failed"], counts["failed_at.mdm_enrollment"]);
    assert_eq!(
        counts["failed"].as_f64().unwrap(),
        devices_with(&run, "0x80180014")
    );
    assert_eq!(
        counts["co_managed"].as_f64().unwrap() + counts["failed"].as_f64().unwrap(),
        f64::from(N)
    );
    assert!(counts.get("failure_code.0x80180014").is_none());
    let stdout = run.stdout();
    assert!(
        stdout.contains("top failure codes: 0x80072EE2 ") && stdout.contains("· 0x80180014 "),
        "{stdout}"
    );
}

/// A configuration error fixed at T: its devices (every enrollment attempt before T fails; their timers all
/// fire before T) are co-managed after T and no later than T + the wait for the next round (a policy poll,
/// 60 min, after the 15-min retries); the others before T, as without the code.
#[test]
fn a_configuration_error_fixed_at_t_releases_its_devices_after_t() {
    let t = 3.0 * 86_400.0;
    let run = run_with_codes(
        "fixed",
        "5d",
        &[
            "code = \"0x80180018\"\nshare = 0.3\nstep = \"mdm_enrollment\"\nkind = \"configuration\"\nfixed_at = \"3d\"\n",
        ],
        &[("timers.enrollment_spread", "\"1d\"")],
    );
    assert_binomial("0x80180018", devices_with(&run, "0x80180018"), 0.3);
    let metric = "time_to_comanaged.existing_client";
    assert_eq!(run.stat(metric, "count"), f64::from(N));
    assert!(run.stat(metric, "max") <= t + 3_600.0 + 900.0);
    // 70 % before T (their timer and join end within 1 d + 1.5 h), 30 % in (T, T + 75 min].
    assert!(run.stat(metric, "p50") < 86_400.0 + 5_400.0);
    assert!(run.stat(metric, "p90") > t);
    assert_eq!(run.summary()["counts"]["failed"], 0);
}

/// A fix after the end of the run is a warning (stderr, exit 0), not an error.
#[test]
fn a_fix_after_the_run_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("late.toml");
    std::fs::write(
        &file,
        "name = \"late\"\nduration = \"2d\"\n[fleet]\ndevices = 100\n[[failure]]\ncode = \"0x80180014\"\nshare = 0.1\nstep = \"mdm_enrollment\"\nkind = \"configuration\"\nfixed_at = \"3d\"\n",
    )
    .unwrap();
    let out = cofleet().arg("check").arg(&file).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("warning:") && stderr.contains("failure.0.fixed_at"),
        "{stderr}"
    );
}
