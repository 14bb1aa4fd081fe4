//! The bundled scenarios: all valid, every key of the reference read and checked, and `run` writing the
//! documented results.

mod common;
use common::*;

#[test]
fn every_bundled_scenario_checks() {
    let mut files: Vec<_> = std::fs::read_dir("scenarios")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 3);
    let out = cofleet().arg("check").args(&files).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count(),
        files.len()
    );
}

/// The reference scenario documents the format by example: every key it sets must be one the format reads
/// and checks. Each key in turn is given a value of the wrong type, and `cofleet check` must refuse it naming
/// the key — a key the format ignored, or read without checking, would pass.
#[test]
fn every_key_of_the_reference_is_read_and_checked() {
    let reference = ScenarioEdit::file("scenarios/reference.toml");
    let keys = reference.keys();
    assert!(keys.len() >= 60, "the reference sets {} keys", keys.len());
    for section in [
        "fleet.",
        "fleet.availability.",
        "fleet.attributes.",
        "timers.",
        "failures.",
    ] {
        assert!(
            keys.iter().any(|k| k.starts_with(section)),
            "no {section}* key"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let mut unchecked = Vec::new();
    for key in &keys {
        let wrong = "{ wrong = 1 }";
        let file = dir.path().join("mistyped.toml");
        let text = ScenarioEdit::file("scenarios/reference.toml")
            .set_any_type(key, wrong)
            .text();
        std::fs::write(&file, text).unwrap();
        let out = cofleet().arg("check").arg(&file).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last = key.rsplit('.').next().unwrap().trim_matches('"');
        if out.status.code() != Some(2) || !stderr.contains(last) || stderr.contains("panicked") {
            unchecked.push(format!(
                "{key} = {wrong}: exit {:?}, {stderr}",
                out.status.code()
            ));
        }
    }
    assert!(
        unchecked.is_empty(),
        "keys not refused when mistyped:\n{}",
        unchecked.join("\n")
    );
}

#[test]
fn reference_run_writes_the_documented_results() {
    let text = std::fs::read_to_string("scenarios/reference.toml").unwrap();
    let run = run_scenario(&text, &[]);
    let s = run.summary();
    assert_eq!(s["scenario"], "reference");
    assert_eq!(s["seed"], 42);
    assert_eq!(s["devices"], 100_000);
    assert_eq!(s["duration_s"], 21 * 86_400);
    assert_eq!(s["complete"], true);
    assert!(s["cofleet_version"].is_string());
    let metrics = s["metrics"].as_object().unwrap();
    // The pooled metrics; each per-ring name is a pooled one at one of the plan's three rings.
    let (mut names, rings): (Vec<&str>, Vec<&str>) = metrics
        .keys()
        .map(String::as_str)
        .partition(|n| !n.contains('@'));
    names.sort();
    for name in &rings {
        let (pooled, ring) = name.split_once('@').unwrap();
        assert!(names.contains(&pooled), "{name}: no pooled {pooled}");
        assert!(
            ["pilot_compliance", "all_compliance_updates", "the_rest"].contains(&ring),
            "{name}: no such ring"
        );
    }
    assert!(rings.contains(&"compliance_latency@pilot_compliance"));
    let mut expected = vec![
        "time_to_comanaged.existing_client",
        "time_to_comanaged.new_internet",
        "hybrid_join",
        "mdm_enrollment",
        "client_install",
        "compliance_latency",
        "switch_to_compliance",
        "ca_ready_latency",
        "ca_block_latency",
        "time_to_comanaged.osd",
        "remote_action_latency.restart",
        "remote_action_latency.sync",
        "remote_action_latency.wipe",
        "remote_action_latency.retire",
        "remote_action_latency.remote_control",
        "queue_delay.management_point",
        "queue_delay.cmg",
        "queue_delay.intune",
        "health_visible_latency",
    ];
    for w in [
        "compliance_policies",
        "windows_update_policies",
        "resource_access",
        "endpoint_protection",
        "device_configuration",
        "office_click_to_run",
        "client_apps",
    ] {
        expected.push(Box::leak(format!("switch_latency.{w}").into_boxed_str()));
        expected.push(Box::leak(
            format!("workload_effective_latency.{w}").into_boxed_str(),
        ));
    }
    expected.sort();
    assert_eq!(names, expected);
    for stat in ["count", "mean", "p50", "p90", "p95", "p99", "max"] {
        assert!(metrics["hybrid_join"].get(stat).is_some(), "missing {stat}");
    }
    let counts = s["counts"].as_object().unwrap();
    let total: u64 = [
        "not_arrived",
        "not_started",
        "joined",
        "enrolled",
        "co_managed",
        "failed",
        "retired",
    ]
    .iter()
    .map(|k| counts[*k].as_u64().unwrap())
    .sum();
    assert_eq!(total, 100_000);
    // The reference plan halts at its pilot gate: ~21% of devices are noncompliant under its attribute mix
    // (1 − 0.90 · 0.92 · 0.98 · 0.97), above the gate's 15%.
    let stages = s["rollout"]["stages"].as_array().unwrap();
    assert_eq!(stages.len(), 3);
    assert_eq!(stages[0]["name"], "pilot compliance");
    assert_eq!(stages[0]["started_at_s"], 3 * 86_400);
    assert_eq!(stages[0]["outcome"], "halted");
    assert_eq!(s["rollout"]["completed"], 0);

    let percentiles = std::fs::read_to_string(run.out.join("percentiles.csv")).unwrap();
    assert!(percentiles.starts_with("metric,percentile,seconds\n"));
    let (header, rows) = run.timeline();
    assert_eq!(header[0], "hour");
    assert_eq!(rows.len(), 21 * 24 + 1);
    assert!(run.stdout().contains("time_to_comanaged.existing_client"));
}

#[test]
fn the_committed_example_is_what_quickstart_writes() {
    let run = run_scenario(
        &std::fs::read_to_string("scenarios/quickstart.toml").unwrap(),
        &[],
    );
    let fresh = read_tree(&run.out);
    let committed = read_tree(std::path::Path::new("results/quickstart"));
    let names = |t: &[(String, Vec<u8>)]| t.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&fresh),
        names(&committed),
        "re-run `cofleet run scenarios/quickstart.toml`"
    );
    for ((name, a), (_, b)) in fresh.iter().zip(&committed) {
        assert!(
            a == b,
            "results/quickstart/{name} is stale: re-run `cargo run --release -- run scenarios/quickstart.toml`"
        );
    }
}
