//! Same scenario + seed ⇒ byte-identical results folder, whatever the thread count; another seed ⇒ different.

mod common;
use common::*;

fn run_with(scenario: &str, args: &[&str]) -> Vec<(String, Vec<u8>)> {
    let run = run_scenario(scenario, args);
    read_tree(&run.out)
}

/// The quickstart plan plus a rollback stage, on a fleet spread over many chunks, both paths, every
/// availability profile and every failure kind.
fn busy_scenario(seed: u64) -> String {
    let quickstart = std::fs::read_to_string("scenarios/quickstart.toml").unwrap();
    quickstart
        .replace("seed = 7", &format!("seed = {seed}"))
        .replace("devices = 20_000", "devices = 30_000")
        // One small CMG: the internet devices overload it, so queue delays and rejections feed back.
        .replace("[[stage]]\nname = \"pilot compliance\"", "[infrastructure]\ncmg_instances = 1\n\n[[stage]]\nname = \"pilot compliance\"")
        .replace("[thresholds]", "[[stage]]\nname = \"doomed\"\nstart = \"15d\"\nworkloads = [\"client_apps\"]\nauthority = \"pilot_intune\"\npilot = 0.2\n[stage.gate]\nmin_switched = 1.0\ntimeout = \"1d\"\non_fail = \"rollback\"\n\n[thresholds]")
}

#[test]
fn results_are_identical_for_any_thread_count() {
    let scenario = busy_scenario(7);
    let one = run_with(&scenario, &["--threads", "1"]);
    assert!(one.len() >= 4, "summary, percentiles, timeline and load");
    let summary = &one.iter().find(|(n, _)| n == "summary.json").unwrap().1;
    let summary: serde_json::Value = serde_json::from_slice(summary).unwrap();
    assert!(
        summary["load"]["components"]["cmg"]["rejected"]
            .as_u64()
            .unwrap()
            > 0,
        "the scenario must exercise the load coupling"
    );
    for threads in ["2", "4"] {
        let other = run_with(&scenario, &["--threads", threads]);
        assert_eq!(one.len(), other.len());
        for ((name_a, a), (name_b, b)) in one.iter().zip(&other) {
            assert_eq!(name_a, name_b);
            assert!(
                a == b,
                "{name_a} differs between --threads 1 and --threads {threads}"
            );
        }
    }
}

#[test]
fn another_seed_gives_other_results() {
    let a = run_with(&busy_scenario(7), &["--threads", "2"]);
    let b = run_with(&busy_scenario(8), &["--threads", "2"]);
    let summary = |files: &[(String, Vec<u8>)]| {
        files
            .iter()
            .find(|(n, _)| n == "summary.json")
            .unwrap()
            .1
            .clone()
    };
    assert_ne!(summary(&a), summary(&b));
}

#[test]
fn stdout_table_is_deterministic_too() {
    let scenario = busy_scenario(9);
    let a = run_scenario(&scenario, &["--threads", "1"]);
    let b = run_scenario(&scenario, &["--threads", "3"]);
    let strip = |s: String| {
        s.lines()
            .filter(|l| !l.starts_with("results:"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(a.stdout()), strip(b.stdout()));
}
