//! `cofleet fit`: recovery of a known parameter from observations cofleet itself produced, determinism
//! across thread counts, and bad input refused with exit 2.

mod common;

use std::path::Path;

use common::cofleet;
use serde_json::Value;

const PILOT: &str = include_str!("../scenarios/pilot.toml");
/// The enrollment spread the observations are simulated with, in seconds (3 days).
const TRUE_SPREAD: f64 = 259_200.0;

/// The pilot scenario with another seed and a 3-day enrollment spread: the "real" rollout.
fn truth() -> String {
    format!(
        "{}\n[timers]\nenrollment_spread = \"3d\"\n",
        PILOT.replace("seed = 7", "seed = 99")
    )
}

/// The first `days` daily rows of the true run's timeline, as a progress CSV of co_managed counts.
fn progress(dir: &Path, days: usize) -> std::path::PathBuf {
    let scenario = dir.join("truth.toml");
    std::fs::write(&scenario, truth()).unwrap();
    let out = dir.join("truth");
    let status = cofleet()
        .args(["run", "--quiet", "--out"])
        .arg(&out)
        .arg(&scenario)
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    let timeline = std::fs::read_to_string(out.join("timeline.csv")).unwrap();
    let mut lines = timeline.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = header.iter().position(|c| *c == "co_managed").unwrap();
    let rows: Vec<&str> = lines.collect();
    let mut csv = String::from("time,co_managed\n");
    for d in 1..=days {
        let count = rows[d * 24].split(',').nth(col).unwrap();
        csv.push_str(&format!("{d}d,{count}\n"));
    }
    let path = dir.join("progress.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

fn fit(dir: &Path, observed: &Path, out: &str, extra: &[&str]) -> std::process::Output {
    cofleet()
        .arg("fit")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/pilot.toml"))
        .arg("--observed")
        .arg(observed)
        .arg("--out")
        .arg(dir.join(out))
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn recovers_the_enrollment_spread_and_is_identical_on_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let observed = progress(dir.path(), 10);
    let args = [
        "--param",
        "timers.enrollment_spread=1d..5d",
        "--iterations",
        "20",
        "--bootstrap",
        "4",
    ];
    let one = fit(
        dir.path(),
        &observed,
        "t1",
        &[&args[..], &["--threads", "1"]].concat(),
    );
    assert!(one.status.code().unwrap() <= 1, "{one:?}");
    let json = std::fs::read(dir.path().join("t1/fit.json")).unwrap();
    let report: Value = serde_json::from_slice(&json).unwrap();
    let p = &report["params"]["timers.enrollment_spread"];
    let value = p["value"].as_f64().unwrap();
    assert!(
        (value - TRUE_SPREAD).abs() <= 0.1 * TRUE_SPREAD,
        "estimate {value} s, truth {TRUE_SPREAD} s"
    );
    let (low, high) = (p["low"].as_f64().unwrap(), p["high"].as_f64().unwrap());
    // The basic bootstrap interval holds the estimate and, for this case, the truth (docs/fit.md).
    assert!(
        low <= value && value <= high,
        "estimate {value} outside [{low}, {high}]"
    );
    assert!(
        low <= TRUE_SPREAD && TRUE_SPREAD <= high,
        "truth {TRUE_SPREAD} outside [{low}, {high}]"
    );
    assert!(report["forecast"]["co_managed"]["95"]["date"].is_string());
    let two = fit(
        dir.path(),
        &observed,
        "t2",
        &[&args[..], &["--threads", "2"]].concat(),
    );
    assert_eq!(one.status.code(), two.status.code());
    assert_eq!(json, std::fs::read(dir.path().join("t2/fit.json")).unwrap());
    assert!(dir.path().join("t1/fitted.toml").is_file());
    assert!(dir.path().join("t1/fit.csv").is_file());
}

/// Runs a fit expected to be refused; returns its stderr.
fn refused(csv: &str, param: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("progress.csv");
    std::fs::write(&path, csv).unwrap();
    let out = fit(dir.path(), &path, "out", &["--param", param]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn bad_input_is_refused_with_exit_2() {
    let good = "time,co_managed\n1d,100\n";
    let spread = "timers.enrollment_spread=1d..4d";
    let err = refused("time,co_manged\n1d,100\n", spread);
    assert!(err.contains("did you mean `co_managed`"), "{err}");
    let err = refused("time,co_managed\nyesterday,100\n", spread);
    assert!(err.contains("progress.csv:2: column `time`"), "{err}");
    let err = refused("time,co_managed\n", spread);
    assert!(err.contains("no observations"), "{err}");
    let err = refused(good, "timers.enrollment_spread=4d..1d");
    assert!(err.contains("lower bound"), "{err}");
    let err = refused(good, "name=1..2");
    assert!(err.contains("not a numeric or duration key"), "{err}");
    let err = refused(good, "fleet.no_such_key=1..2");
    assert!(err.contains("no_such_key"), "{err}");
    let err = refused(good, "fleet.existing_client_share=0.5..1.5");
    assert!(err.contains("outside the range"), "{err}");
    let err = refused("time,co_managed\n40d,100\n", spread);
    assert!(err.contains("horizon"), "{err}");
}

#[test]
fn the_output_folder_is_replaced_only_when_it_is_a_fit_of_this_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("progress.csv");
    std::fs::write(&path, "time,co_managed\n1d,400\n2d,900\n").unwrap();
    let quick = [
        "--param",
        "timers.enrollment_spread=1d..4d",
        "--iterations",
        "2",
        "--bootstrap",
        "0",
        "--devices",
        "200",
    ];
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let refused = fit(dir.path(), &path, "out", &quick);
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    let err = String::from_utf8(refused.stderr).unwrap();
    assert!(
        err.contains("not a complete cofleet fit") && err.contains("--force"),
        "{err}"
    );
    assert!(!out.join("fit.json").exists(), "nothing written");
    let forced = fit(
        dir.path(),
        &path,
        "out",
        &[&quick[..], &["--force"]].concat(),
    );
    assert!(forced.status.code().unwrap() <= 1, "{forced:?}");
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
    // A fit folder of the same scenario is replaced without --force.
    let again = fit(dir.path(), &path, "out", &quick);
    assert!(again.status.code().unwrap() <= 1, "{again:?}");
    // Another scenario's fit folder is kept.
    let report = std::fs::read_to_string(out.join("fit.json")).unwrap();
    std::fs::write(
        out.join("fit.json"),
        report.replace("\"pilot\"", "\"other\""),
    )
    .unwrap();
    let other = fit(dir.path(), &path, "out", &quick);
    assert_eq!(other.status.code(), Some(2), "{other:?}");
    assert!(
        String::from_utf8(other.stderr)
            .unwrap()
            .contains("\"other\"")
    );
}
