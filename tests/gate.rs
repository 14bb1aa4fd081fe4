//! The CI gate end to end: `cofleet gate`, `cofleet run --gate` and `cofleet baseline save` on real runs.

mod common;

use std::path::Path;

use common::{ScenarioEdit, cofleet, run_scenario};
use serde_json::Value;

/// Always-online devices, one stage: switch latency ~ Uniform(0, policy_poll), so a slower poll is a clear,
/// known regression.
fn scenario(policy_poll: &str, seed: u64) -> String {
    format!(
        r#"
name = "gatetest"
seed = {seed}
duration = "5d"

[fleet]
devices = 3000

[fleet.availability]
always_on = 1.0
office_hours = 0.0
intermittent = 0.0

[timers]
policy_poll = "{policy_poll}"

[[stage]]
name = "compliance"
start = "3d"
workloads = ["compliance_policies"]
authority = "intune"

[thresholds]
"switch_latency.compliance_policies.p95" = "< 2h"
"#
    )
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `cofleet gate` with `args`.
fn gate(args: &[&str]) -> std::process::Output {
    cofleet().arg("gate").args(args).output().unwrap()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A copy of a results folder's summary.json, edited by `edit`, as a new results folder.
fn edited_copy(from: &Path, to: &Path, edit: impl FnOnce(&mut Value)) {
    let mut v: Value =
        serde_json::from_str(&std::fs::read_to_string(from.join("summary.json")).unwrap()).unwrap();
    edit(&mut v);
    std::fs::create_dir_all(to).unwrap();
    std::fs::write(
        to.join("summary.json"),
        serde_json::to_vec_pretty(&v).unwrap(),
    )
    .unwrap();
}

#[test]
fn an_unchanged_run_passes_with_run_gate() {
    let base = run_scenario(&scenario("60m", 3), &[]);
    let file = base.dir.path().join("again.toml");
    std::fs::write(&file, scenario("60m", 3)).unwrap();
    let out = cofleet()
        .arg("run")
        .arg(&file)
        .args(["--out", path(&base.dir.path().join("again")), "--quiet"])
        .args(["--gate", "--baseline", path(&base.out)])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(text.contains("**gate: PASS** — 0 of "), "{text}");
    assert!(
        text.contains("| threshold | `switch_latency.compliance_policies.p95` |"),
        "{text}"
    );
    // The verdict is recorded in the folder and shown in its report; `cofleet plot` keeps it.
    let again = base.dir.path().join("again");
    let verdict: Value =
        serde_json::from_str(&std::fs::read_to_string(again.join("gate.json")).unwrap()).unwrap();
    assert_eq!(verdict["verdict"], "pass");
    let html = std::fs::read_to_string(again.join("report.html")).unwrap();
    assert!(html.contains("<h2>Gate verdict</h2>"), "gate section");
    assert!(html.contains("<b>PASS</b>"));
    assert!(html.contains("<td>switch_latency.compliance_policies.p95</td>"));
    let plotted = cofleet().arg("plot").arg(&again).output().unwrap();
    assert!(plotted.status.success(), "{}", stderr(&plotted));
    assert_eq!(
        std::fs::read_to_string(again.join("report.html")).unwrap(),
        html
    );
    // A plain run has no gate.json and no gate section.
    assert!(!base.out.join("gate.json").exists());
    let plain = std::fs::read_to_string(base.out.join("report.html")).unwrap();
    assert!(!plain.contains("Gate verdict"));
}

#[test]
fn a_slower_policy_poll_fails_the_gate_with_the_right_rows() {
    let base = run_scenario(&scenario("60m", 3), &[]);
    let slow = run_scenario(&scenario("90m", 3), &[]);
    let junit = slow.dir.path().join("reports/gate.xml");
    let json = slow.dir.path().join("gate.json");

    // A different scenario is refused unless allowed, naming what differs.
    let refused = gate(&["--current", path(&slow.out), "--baseline", path(&base.out)]);
    assert_eq!(refused.status.code(), Some(2));
    // The refusal names the parameter that differs (from the scenario parameters both summaries store),
    // and only that one.
    let err = stderr(&refused);
    assert!(
        err.contains("timers.policy_poll: baseline 3600, current 5400"),
        "{err}"
    );
    assert!(!err.contains("scenario_hash"), "{err}");
    assert_eq!(err.matches(": baseline ").count(), 1, "{err}");

    let out = gate(&[
        "--current",
        path(&slow.out),
        "--baseline",
        path(&base.out),
        "--allow-scenario-change",
        "--junit",
        path(&junit),
        "--json",
        path(&json),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    let row = text
        .lines()
        .find(|l| l.starts_with("| regression | `switch_latency.compliance_policies.p95`"))
        .unwrap_or_else(|| panic!("no p95 row in\n{text}"));
    assert!(row.contains("**FAIL**: worse by"), "{row}");
    assert!(row.contains("5% worse"), "{row}");
    // p95 of U(0, 90m) ≈ 1.43h: still under the 2h threshold.
    assert!(
        text.contains("| threshold | `switch_latency.compliance_policies.p95` | — | 1.4"),
        "{text}"
    );
    assert!(text.contains("scenario changed (allowed): timers.policy_poll: baseline 3600"));

    let report: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(report["verdict"], "fail");
    let failures = report["failures"].as_u64().unwrap();
    assert!(failures >= 1);

    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("JUnit output is valid XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let failed: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .map(|f| f.parent().unwrap().attribute("name").unwrap())
        .collect();
    assert_eq!(failed.len() as u64, failures);
    assert_eq!(root.attribute("failures").unwrap(), failures.to_string());
    assert!(failed.contains(&"switch_latency.compliance_policies.p95"));
    let cases = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .count();
    assert_eq!(
        cases,
        report["rows"].as_array().unwrap().len(),
        "one testcase per threshold and per compared statistic"
    );
}

#[test]
fn another_seed_is_refused_naming_the_seed() {
    let base = run_scenario(&scenario("60m", 3), &[]);
    let other = run_scenario(&scenario("60m", 4), &[]);
    let out = gate(&["--current", path(&other.out), "--baseline", path(&base.out)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("seed: baseline 3, current 4"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_noise_floor_absorbs_small_absolute_changes() {
    let base = run_scenario(&scenario("60m", 3), &[]);
    let current = base.dir.path().join("current");
    let key = "switch_latency.compliance_policies";
    let min = base.stat(key, "min");
    edited_copy(&base.out, &current, |v| {
        v["metrics"][key]["min"] = Value::from(min as u64 + 30);
    });
    let args = [
        "--current",
        path(&current),
        "--baseline",
        path(&base.out),
        "--no-thresholds",
    ];
    let out = gate(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("within the noise floor of 1m"));
    let out = gate(&[&args[..], &["--noise-floor", "10s"]].concat());
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains(&format!("`{key}.min`")));
}

#[test]
fn regressions_are_direction_aware_and_overridable() {
    let base = run_scenario(&scenario("60m", 3), &[]);
    let co_managed = base.summary()["counts"]["co_managed"].as_u64().unwrap();
    let p95 = base.stat("switch_latency.compliance_policies", "p95");
    let dir = base.dir.path();
    let gate_against = |name: &str, extra: &[&str], edit: &dyn Fn(&mut Value)| {
        let current = dir.join(name);
        edited_copy(&base.out, &current, edit);
        let args = [
            "--current",
            path(&current),
            "--baseline",
            path(&base.out),
            "--no-thresholds",
        ];
        gate(&[&args[..], extra].concat())
    };

    // More devices co-managed and faster switches are improvements.
    let better = gate_against("better", &[], &|v| {
        v["counts"]["co_managed"] = Value::from(co_managed + 100);
        v["metrics"]["switch_latency.compliance_policies"]["p95"] = Value::from(p95 as u64 / 2);
    });
    assert_eq!(better.status.code(), Some(0), "{}", stdout(&better));
    assert!(stdout(&better).contains("pass (better by"));

    // Fewer co-managed devices and more failures are regressions.
    let worse = gate_against("worse", &[], &|v| {
        v["counts"]["co_managed"] = Value::from(co_managed - co_managed / 5);
        v["counts"]["failed"] = Value::from(1000);
    });
    assert_eq!(worse.status.code(), Some(1));
    let text = stdout(&worse);
    assert!(
        text.contains("| regression | `counts.co_managed` |"),
        "{text}"
    );
    assert!(text.contains("| regression | `counts.failed` |"), "{text}");
    assert!(text.contains("— 2 of "), "{text}");

    // A per-metric limit (glob) lets a larger change of that metric through; others keep the default.
    let slower = |v: &mut Value| {
        v["metrics"]["switch_latency.compliance_policies"]["p95"] = Value::from(p95 as u64 * 2);
    };
    let out = gate_against("slower", &[], &slower);
    assert_eq!(out.status.code(), Some(1));
    let out = gate_against(
        "slower2",
        &["--metric-regression", "switch_latency.*.p95=150%"],
        &slower,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = gate_against(
        "slower3",
        &[
            "--max-regression",
            "150%",
            "--metric-regression",
            "*.p95=5%",
        ],
        &slower,
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
}

#[test]
fn a_threshold_on_a_metric_without_samples_fails() {
    let text = ScenarioEdit::new(&scenario("60m", 3))
        .add("fleet.existing_client_share", "1.0")
        .add("thresholds.\"client_install.p95\"", "\"< 1h\"")
        .text();
    let run = run_scenario(&text, &[]);
    let out = gate(&["--current", path(&run.out)]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("| threshold | `client_install.p95` | — | no samples |"),
        "{text}"
    );
    assert!(text.contains("has no samples in this run"));
}

#[test]
fn typod_threshold_metrics_are_refused_at_check_time() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("typo.toml");
    std::fs::write(
        &file,
        ScenarioEdit::new(&scenario("60m", 3))
            .remove("thresholds.\"switch_latency.compliance_policies.p95\"")
            .add(
                "thresholds.\"switch_latency.compliance_policy.p95\"",
                "\"< 2h\"",
            )
            .text(),
    )
    .unwrap();
    let out = cofleet().arg("check").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown metric \"switch_latency.compliance_policy\""));
    let out = gate(&["--current", path(dir.path()), "--scenario", path(&file)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("typo.toml"));
}

#[test]
fn bad_summaries_and_flags_exit_2_naming_the_file_or_flag() {
    let base = run_scenario(&scenario("60m", 3), &[]);
    let dir = base.dir.path();
    let current = path(&base.out);

    let missing = dir.join("nowhere");
    let out = gate(&["--current", path(&missing)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--current") && stderr(&out).contains("nowhere"));

    let corrupt = dir.join("corrupt");
    std::fs::create_dir(&corrupt).unwrap();
    std::fs::write(corrupt.join("summary.json"), "{\"schema\": 1, ").unwrap();
    let out = gate(&["--current", current, "--baseline", path(&corrupt)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("corrupt/summary.json: not valid JSON"),
        "{}",
        stderr(&out)
    );

    let future = dir.join("future");
    edited_copy(&base.out, &future, |v| v["schema"] = Value::from(2));
    let out = gate(&["--current", current, "--baseline", path(&future)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("future/summary.json: summary schema 2 is not supported"));

    let unfinished = dir.join("unfinished");
    edited_copy(&base.out, &unfinished, |v| {
        v["complete"] = Value::from(false)
    });
    let out = gate(&["--current", path(&unfinished)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("did not finish"));

    for (flags, expected) in [
        (
            &["--max-regression", "-5%"][..],
            "'--max-regression <PERCENT>': \"-5%\": the limit must be a non-negative",
        ),
        (
            &["--max-regression", "lots"][..],
            "'--max-regression <PERCENT>': \"lots\" is not a percentage",
        ),
        (
            &["--metric-regression", "hybrid_join.p95"][..],
            "is not PATTERN=PERCENT",
        ),
        (
            &["--metric-regression", "hybrid_join.p95=-1%"][..],
            "non-negative",
        ),
        (
            &["--metric-regression", "hybrid_jion.*=10%"][..],
            "\"hybrid_jion.*\" matches no statistic",
        ),
        (&["--noise-floor", "60"][..], "--noise-floor"),
    ] {
        let out = gate(&[&["--current", current, "--baseline", current][..], flags].concat());
        assert_eq!(out.status.code(), Some(2), "{flags:?}");
        assert!(
            stderr(&out).contains(expected),
            "{flags:?}: {}",
            stderr(&out)
        );
    }

    let out = cofleet()
        .args(["run", "scenarios/quickstart.toml", "--baseline", current])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("need --gate"));
}

#[test]
fn baseline_save_copies_the_summary_and_the_gate_reads_it_back() {
    let base = run_scenario(&scenario("60m", 3), &[]);
    let to = base.dir.path().join("baselines/gatetest");
    let out = cofleet()
        .args(["baseline", "save", path(&base.out), "--to", path(&to)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(to.join("summary.json")).unwrap(),
        std::fs::read(base.out.join("summary.json")).unwrap()
    );
    // Without --to it goes to results/baselines/<scenario>/ below the working directory.
    let out = cofleet()
        .current_dir(base.dir.path())
        .args(["baseline", "save", path(&base.out)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        base.dir
            .path()
            .join("results/baselines/gatetest/summary.json")
            .is_file()
    );
    // Thresholds recorded in the summary travel with the baseline: it can be gated on its own.
    let out = gate(&["--current", path(&to)]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("`switch_latency.compliance_policies.p95`"));

    let out = cofleet()
        .args(["baseline", "save", path(&base.dir.path().join("nothing"))])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn heavier_load_on_less_infrastructure_fails_the_gate() {
    let base = scenario("60m", 1);
    let baseline = run_scenario(&base, &[]);
    // Same fleet and plan on one management point per site instead of two: the same demand is twice the
    // utilisation of the sized capacity.
    let fewer = ScenarioEdit::new(&base)
        .add("infrastructure.management_points_per_site", "1")
        .text();
    let current = run_scenario(&fewer, &[]);
    let out = gate(&[
        "--current",
        path(&current.out),
        "--baseline",
        path(&baseline.out),
        "--allow-scenario-change",
        "--no-thresholds",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let table = stdout(&out);
    let row = table
        .lines()
        .find(|l| l.contains("load.management_point.peak_utilisation"))
        .unwrap_or_else(|| panic!("no utilisation row in:\n{table}"));
    assert!(row.contains("FAIL"), "{row}");
    // The demand itself did not change: the request totals pass.
    assert!(
        !table
            .lines()
            .any(|l| l.contains("load.management_point.total_requests") && l.contains("FAIL"))
    );
}

/// A sweep with `--replicas 4` of `scenario(poll, seed)`, in a temp folder.
fn replica_sweep(poll: &str, seed: u64) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(&file, scenario(poll, seed)).unwrap();
    let out = dir.path().join("sweep");
    let o = cofleet()
        .arg("sweep")
        .arg(&file)
        .args(["--replicas", "4", "--quiet", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    (dir, out)
}

#[test]
fn sweeps_with_replicas_count_only_significant_regressions() {
    let (_b, baseline) = replica_sweep("60m", 1);
    // Twice the poll interval: a real regression, far outside the replicas' spread.
    let (_s, slower) = replica_sweep("120m", 1);
    let out = gate(&[
        "--current",
        path(&slower),
        "--baseline",
        path(&baseline),
        "--allow-scenario-change",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let table = stdout(&out);
    let row = table
        .lines()
        .find(|l| l.contains("base/switch_latency.compliance_policies.mean"))
        .unwrap_or_else(|| panic!("no row in:\n{table}"));
    assert!(
        row.contains("FAIL") && row.contains("excludes zero"),
        "{row}"
    );

    // Another seed, same plan: with no noise floor and no allowance every worsening would fail a
    // single-run comparison, but most are within the replicas' spread and the gate says so.
    let (_o, reseeded) = replica_sweep("60m", 2);
    let json = _o.path().join("verdict.json");
    let out = gate(&[
        "--current",
        path(&reseeded),
        "--baseline",
        path(&baseline),
        "--allow-scenario-change",
        "--noise-floor",
        "0s",
        "--count-noise-floor",
        "0",
        "--max-regression",
        "0%",
        "--json",
        path(&json),
    ]);
    assert!(out.status.code() == Some(0) || out.status.code() == Some(1));
    let verdict: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let text = verdict.to_string();
    assert!(
        text.contains("includes zero"),
        "some worsening is not significant: {text}"
    );

    // A sweep is gated against a sweep.
    let single = run_scenario(&scenario("60m", 1), &[]);
    let out = gate(&[
        "--current",
        path(&reseeded),
        "--baseline",
        path(&single.out),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not a sweep folder"),
        "{}",
        stderr(&out)
    );
}

/// Thresholds on the `load` section: one the run breaks fails `run --gate` with its row, one it keeps
/// passes, and `cofleet gate` on the folder agrees (the thresholds are recorded in summary.json).
#[test]
fn thresholds_on_load_values_gate_the_run() {
    let failing = ScenarioEdit::new(&scenario("60m", 3))
        .remove("thresholds.\"switch_latency.compliance_policies.p95\"")
        .add("thresholds.\"load.cmg.peak_utilisation\"", "\"< 0.0001\"")
        .text();
    let run = common::invoke("run", &failing, &["--gate"]);
    assert_eq!(run.output.status.code(), Some(1), "{}", stderr(&run.output));
    let peak = run.summary()["load"]["components"]["cmg"]["peak_utilisation"]
        .as_f64()
        .unwrap();
    assert!(peak >= 0.0001, "the CMG carries load: {peak}");
    let text = run.stdout();
    assert!(
        text.contains("| threshold | `load.cmg.peak_utilisation` | — |"),
        "{text}"
    );
    assert!(text.contains("is not < "), "{text}");
    let out = gate(&["--current", path(&run.out)]);
    assert_eq!(out.status.code(), Some(1));

    let holding = ScenarioEdit::new(&scenario("60m", 3))
        .remove("thresholds.\"switch_latency.compliance_policies.p95\"")
        .add(
            "thresholds.\"load.cmg.peak_utilisation\"",
            &format!("\"<= {peak}\""),
        )
        .add(
            "thresholds.\"load.management_point.total_requests\"",
            "\"> 0\"",
        )
        .add("thresholds.\"load.headroom.enough\"", "\"== 1\"")
        .text();
    let run = common::invoke("run", &holding, &["--gate"]);
    assert_eq!(
        run.output.status.code(),
        Some(0),
        "{}{}",
        run.stdout(),
        stderr(&run.output)
    );
    assert!(
        run.stdout().contains("**gate: PASS** — 0 of 3"),
        "{}",
        run.stdout()
    );
}

/// A misspelt `load.`/`capacity.` key is refused before any run (exit 2) with the closest key; so is a load
/// threshold in a scenario that does not model load.
#[test]
fn misspelt_load_and_capacity_threshold_keys_exit_2_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("typo.toml");
    for (key, value, expected) in [
        (
            "load.cmg.peak_utlisation",
            "< 0.7",
            "did you mean \"load.cmg.peak_utilisation\"?",
        ),
        (
            "capacity.cmg.vm_needed",
            "<= 4",
            "did you mean \"capacity.cmg.vms_needed\"?",
        ),
        ("capacity.cmg.reason", "== 1", "is text in summary.json"),
    ] {
        std::fs::write(
            &file,
            ScenarioEdit::new(&scenario("60m", 3))
                .add(&format!("thresholds.\"{key}\""), &format!("\"{value}\""))
                .text(),
        )
        .unwrap();
        for command in ["check", "run"] {
            let out_dir = dir.path().join("out");
            let extra: &[&str] = if command == "run" {
                &["--out", path(&out_dir), "--quiet"]
            } else {
                &[]
            };
            let out = cofleet()
                .arg(command)
                .arg(&file)
                .args(extra)
                .output()
                .unwrap();
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{command} {key}: {err}");
            assert!(err.contains("typo.toml:"), "{err}");
            assert!(err.contains(key) && err.contains(expected), "{err}");
        }
    }
    std::fs::write(
        &file,
        ScenarioEdit::new(&scenario("60m", 3))
            .add("load.enabled", "false")
            .add("thresholds.\"load.cmg.peak_utilisation\"", "\"< 0.7\"")
            .text(),
    )
    .unwrap();
    let out = cofleet().arg("check").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("load is not modelled ([load] enabled = false)"),
        "{}",
        stderr(&out)
    );
}

/// Every number and boolean a run writes under `load` and `capacity` in summary.json can be named by a
/// threshold: `cofleet check` accepts each key (the list it checks against is complete) and the gate reads
/// each value back (the dotted-path lookup finds it).
#[test]
fn every_load_and_capacity_value_of_a_run_can_be_gated() {
    let run = run_scenario(&scenario("60m", 3), &[]);
    let summary = run.summary();
    fn leaves(prefix: &str, v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    // `load.components.<c>.x` is named `load.<c>.x`.
                    let key = if prefix == "load" && k == "components" {
                        prefix.to_string()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    leaves(&key, child, out);
                }
            }
            Value::Number(_) | Value::Bool(_) => out.push(prefix.to_string()),
            _ => {}
        }
    }
    let mut keys = Vec::new();
    for section in ["load", "capacity"] {
        if let Some(v) = summary.get(section) {
            leaves(section, v, &mut keys);
        }
    }
    assert!(keys.contains(&"load.cmg.peak_utilisation".to_string()));
    assert!(keys.contains(&"load.management_point.requests_by_type.policy_poll".to_string()));
    let mut edit = ScenarioEdit::new(&scenario("60m", 3))
        .remove("thresholds.\"switch_latency.compliance_policies.p95\"");
    for key in &keys {
        edit = edit.add(&format!("thresholds.\"{key}\""), "\">= 0\"");
    }
    let file = run.dir.path().join("all.toml");
    std::fs::write(&file, edit.text()).unwrap();
    let out = cofleet().arg("check").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = gate(&["--current", path(&run.out), "--scenario", path(&file)]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(
        text.contains(&format!(
            "**gate: PASS** — 0 of {} checks failed",
            keys.len()
        )),
        "{text}"
    );
}
