//! `cofleet fit`: recovery of a known parameter from observations cofleet itself produced, determinism
//! across thread counts, and bad input refused with exit 2.

mod common;

use std::path::{Path, PathBuf};

use common::cofleet;
use serde_json::Value;

const PILOT: &str = include_str!("../scenarios/pilot.toml");
const DAY: f64 = 86_400.0;

/// One recovery case: the pilot scenario on `devices` devices, run with another seed (99) and `truth` appended
/// (the "real" rollout); its first `days` daily counts of `columns` are the observations, and `param` is
/// fitted with the pilot's own seed.
struct Case {
    devices: u32,
    truth: &'static str,
    days: usize,
    columns: &'static [&'static str],
    param: &'static str,
    /// The fitted key's true value (seconds for a duration).
    value: f64,
}

/// The pilot scenario on `devices` devices.
fn pilot(devices: u32) -> String {
    PILOT.replace("devices = 2_000", &format!("devices = {devices}"))
}

/// Runs the true rollout and writes its first days as progress.csv; returns the CSV's path and the true
/// run's time (seconds) to 95 % co-managed, if reached.
fn observe(dir: &Path, case: &Case) -> (PathBuf, Option<f64>) {
    let scenario = dir.join("truth.toml");
    let text = format!(
        "{}\n{}",
        pilot(case.devices).replace("seed = 7", "seed = 99"),
        case.truth
    );
    std::fs::write(&scenario, text).unwrap();
    let out = dir.join("truth");
    let status = cofleet()
        .args(["run", "--quiet", "--no-plots", "--out"])
        .arg(&out)
        .arg(&scenario)
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    let timeline = std::fs::read_to_string(out.join("timeline.csv")).unwrap();
    let mut lines = timeline.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<&str> = lines.collect();
    let mut csv = format!("time,{}\n", case.columns.join(","));
    for d in 1..=case.days {
        let fields: Vec<&str> = rows[d * 24].split(',').collect();
        let counts: Vec<&str> = case
            .columns
            .iter()
            .map(|c| fields[header.iter().position(|h| h == c).unwrap()])
            .collect();
        csv.push_str(&format!("{d}d,{}\n", counts.join(",")));
    }
    let path = dir.join("progress.csv");
    std::fs::write(&path, csv).unwrap();
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let fleet = summary["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["group"] == "fleet" && m["event"] == "co_managed")
        .unwrap();
    (path, fleet["reached_95_s"].as_f64())
}

fn fit_scenario(
    dir: &Path,
    scenario: &Path,
    observed: &Path,
    out: &str,
    extra: &[&str],
) -> std::process::Output {
    cofleet()
        .arg("fit")
        .arg(scenario)
        .arg("--observed")
        .arg(observed)
        .arg("--out")
        .arg(dir.join(out))
        .args(extra)
        .output()
        .unwrap()
}

fn fit(dir: &Path, observed: &Path, out: &str, extra: &[&str]) -> std::process::Output {
    let pilot = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/pilot.toml");
    fit_scenario(dir, &pilot, observed, out, extra)
}

/// Few iterations and replicas: enough for these well-identified cases, fast in a debug build.
const QUICK: [&str; 4] = ["--iterations", "15", "--bootstrap", "4"];

/// Fits the case and checks the recovery: the estimate within 10 % of the truth and inside its interval, the
/// forecast 95 % co-managed time within a day of the true run's (or not reached in both), each forecast's
/// low ≤ value ≤ high. Returns the fit folder's fit.json bytes.
fn recovers(dir: &Path, case: &Case, extra: &[&str]) -> Vec<u8> {
    let (observed, true_95) = observe(dir, case);
    let scenario = dir.join("base.toml");
    std::fs::write(&scenario, pilot(case.devices)).unwrap();
    let out = fit_scenario(
        dir,
        &scenario,
        &observed,
        "fit",
        &[&["--param", case.param][..], &QUICK, extra].concat(),
    );
    assert!(out.status.code().unwrap() <= 1, "{out:?}");
    let json = std::fs::read(dir.join("fit/fit.json")).unwrap();
    let report: Value = serde_json::from_slice(&json).unwrap();
    let key = case.param.split('=').next().unwrap();
    let p = &report["params"][key];
    let (value, low, high) = (
        p["value"].as_f64().unwrap(),
        p["low"].as_f64().unwrap(),
        p["high"].as_f64().unwrap(),
    );
    let truth = case.value;
    assert!(
        (value - truth).abs() <= 0.1 * truth,
        "{key}: estimate {value}, truth {truth}"
    );
    assert!(
        low <= truth && truth <= high,
        "{key}: truth {truth} outside [{low}, {high}]"
    );
    let forecast = &report["forecast"]["co_managed"]["95"];
    match (true_95, forecast["time_s"].as_f64()) {
        (Some(t), Some(f)) => assert!(
            (t - f).abs() <= DAY,
            "{key}: 95 % co-managed forecast at {f} s, true run {t} s"
        ),
        (None, None) => {}
        (t, f) => panic!("{key}: 95 % co-managed forecast {f:?} s, true run {t:?} s"),
    }
    for share in report["forecast"]["co_managed"]
        .as_object()
        .unwrap()
        .values()
    {
        let at = |v: &Value| v["time_s"].as_f64().unwrap_or(f64::INFINITY);
        let point = at(share);
        if !share["low"].is_null() {
            assert!(at(&share["low"]) <= point, "{share}");
        }
        if !share["high"].is_null() {
            assert!(point <= at(&share["high"]), "{share}");
        }
    }
    json
}

#[test]
fn recovers_the_enrollment_spread_and_is_identical_on_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let case = Case {
        devices: 2_000,
        truth: "[timers]\nenrollment_spread = \"3d\"\n",
        days: 10,
        columns: &["co_managed"],
        param: "timers.enrollment_spread=1d..5d",
        value: 3.0 * DAY,
    };
    let one = recovers(dir.path(), &case, &["--threads", "1"]);
    std::fs::rename(dir.path().join("fit"), dir.path().join("fit1")).unwrap();
    let two = recovers(dir.path(), &case, &["--threads", "2"]);
    assert_eq!(one, two, "fit.json differs between 1 and 2 threads");
    assert!(dir.path().join("fit/fitted.toml").is_file());
    plot_shows_fit_csv(&dir.path().join("fit"));
}

/// The fit's figure shows exactly fit.csv: observed points, the fitted curve to the end of the horizon and the
/// refits' band, in percent; drawn to SVG and PNG and inlined in report.html.
fn plot_shows_fit_csv(fit: &Path) {
    let text = std::fs::read_to_string(fit.join("fit.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "hour,date,co_managed.observed,co_managed.fitted,co_managed.low,co_managed.high"
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    // 21 days, hourly, both ends.
    assert_eq!(rows.len(), 21 * 24 + 1);
    let table = cofleet::fit::plot::parse(text.as_bytes()).unwrap();
    let figures = cofleet::fit::plot::figures(&table, "2027-01-04T00:00:00Z", 21 * 86_400, "t");
    assert_eq!(figures.len(), 1);
    let figure = &figures[0];
    assert_eq!(figure.slug, "fit_co_managed");
    let named = |name: &str| figure.series.iter().find(|s| s.name == name).unwrap();
    let column = |i: usize| -> Vec<(f64, f64)> {
        rows.iter()
            .filter(|r| !r[i].is_empty())
            .map(|r| {
                let hour: f64 = r[0].parse().unwrap();
                (hour / 24.0, r[i].parse::<f64>().unwrap() * 100.0)
            })
            .collect()
    };
    let close = |a: &[(f64, f64)], b: &[(f64, f64)]| {
        assert_eq!(a.len(), b.len());
        for (p, q) in a.iter().zip(b) {
            assert!(
                (p.0 - q.0).abs() < 1e-9 && (p.1 - q.1).abs() < 1e-9,
                "{p:?} vs {q:?}"
            );
        }
    };
    let observed: Vec<(f64, f64)> = named("observed").marks.iter().map(|m| (m.0, m.1)).collect();
    assert_eq!(observed.len(), 10, "one dot per observed day");
    close(&observed, &column(2));
    close(&named("fitted").points, &column(3));
    assert_eq!(
        named("fitted").points.last().unwrap().0,
        21.0,
        "to the horizon's end"
    );
    close(&named("refits 2.5 %").points, &column(4));
    close(&named("refits 97.5 %").points, &column(5));
    for r in &rows {
        let (low, high): (f64, f64) = (r[4].parse().unwrap(), r[5].parse().unwrap());
        assert!(low <= high, "{r:?}");
    }
    let svg = std::fs::read_to_string(fit.join("plots/fit_co_managed.svg")).unwrap();
    assert!(svg.starts_with("<svg"));
    let png = std::fs::read(fit.join("plots/fit_co_managed.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    let report = std::fs::read_to_string(fit.join("report.html")).unwrap();
    assert!(
        report.contains(svg.trim()),
        "report.html inlines the figure"
    );
    assert!(
        report.contains("timers.enrollment_spread"),
        "and the fit's table"
    );
}

/// A failure rate: the share of devices that fail for good, read from the `failed` count. Its noise is the
/// binomial count's, so the fleet is large enough for 10 %: 5,000 devices, 10 % failing.
#[test]
fn recovers_the_permanent_failure_share() {
    let dir = tempfile::tempdir().unwrap();
    let case = Case {
        devices: 5_000,
        truth: "[failures]\npermanent = 0.1\n",
        days: 12,
        columns: &["co_managed", "failed"],
        param: "failures.permanent=0.02..0.3",
        value: 0.1,
    };
    recovers(dir.path(), &case, &[]);
}

/// An availability share: 30 % intermittent devices instead of 10 %, the other two profiles scaled in
/// proportion (the rule the fit applies to the shares it does not fit).
#[test]
fn recovers_the_intermittent_share() {
    let dir = tempfile::tempdir().unwrap();
    let case = Case {
        devices: 3_000,
        truth: "[fleet.availability]\nalways_on = 0.19444444444444445\n\
                office_hours = 0.5055555555555555\nintermittent = 0.3\n",
        days: 14,
        columns: &["co_managed"],
        param: "fleet.availability.intermittent=0.05..0.6",
        value: 0.3,
    };
    recovers(dir.path(), &case, &[]);
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
    // Availability shares sum to 1: fitted ones whose upper bounds could exceed it are refused.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("progress.csv");
    std::fs::write(&path, good).unwrap();
    let out = fit(
        dir.path(),
        &path,
        "out",
        &[
            "--param",
            "fleet.availability.always_on=0.1..0.6",
            "--param",
            "fleet.availability.intermittent=0.1..0.6",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("sum to 1.2"), "{err}");
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
        "1",
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
    // One iteration cannot converge: reported as such, with the best point written, exit 1.
    assert_eq!(forced.status.code(), Some(1), "{forced:?}");
    assert!(
        String::from_utf8(forced.stdout)
            .unwrap()
            .contains("not converged")
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("fit.json")).unwrap()).unwrap();
    assert_eq!(report["converged"], false);
    assert!(report["params"]["timers.enrollment_spread"]["value"].is_number());
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
