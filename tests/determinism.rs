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
    ScenarioEdit::file("scenarios/quickstart.toml")
        .set("seed", &seed.to_string())
        .set("fleet.devices", "30_000")
        // One small CMG with a queue limit: the internet devices overload it, so queue delays and
        // rejections feed back.
        .add("infrastructure.cmg_instances", "1")
        .add("load.queue_limit", "\"10m\"")
        // Every co-management enrollment mechanic: scope, user-token fallback, VPN, readiness.
        .add("fleet.internet_share", "0.2")
        .add("fleet.vpn_share", "0.5")
        .add("fleet.readiness.inactive", "0.05")
        .add("fleet.readiness.inactive_return", "\"3d\"")
        .add("fleet.readiness.unhealthy", "0.02")
        .add("fleet.readiness.ineligible_os", "0.02")
        .add("fleet.readiness.intune_enrolled", "0.05")
        .add("fleet.readiness.servers", "0.01")
        .add("comanagement.auto_enrollment", "\"pilot\"")
        .add("comanagement.pilot_share", "0.9")
        .add("comanagement.user_token_share", "0.2")
        .push(
            "failure",
            "code = \"0x8018002B\"\nshare = 0.1\nstep = \"mdm_enrollment\"\nkind = \"transient\"\n",
        )
        .push(
            "failure",
            "code = \"0x80180018\"\nshare = 0.05\nstep = \"mdm_enrollment\"\nkind = \"configuration\"\nfixed_at = \"6d\"\n",
        )
        .push(
            "failure",
            "code = \"0x800705B4\"\nshare = 0.05\nstep = \"client_install\"\nkind = \"configuration\"\n",
        )
        .push(
            "stage",
            "name = \"doomed\"\nstart = \"15d\"\nworkloads = [\"client_apps\"]\nauthority = \"pilot_intune\"\npilot = 0.2\n[gate]\nmin_switched = 1.0\ntimeout = \"1d\"\non_fail = \"rollback\"\n",
        )
        .text()
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

/// A fleet of two chunks (`engine::chunk::chunk_size` is 16,384 devices below 524,288: the smallest fleet whose devices
/// are simulated on two threads) on both paths with every availability profile and one stage: the base each
/// feature family below adds its keys to.
fn family_base() -> ScenarioEdit {
    ScenarioEdit::new(
        r#"name = "family"
seed = 21
duration = "4d"

[fleet]
devices = 20_000
existing_client_share = 0.7
comanaged_at_start = 0.5
new_device_arrival = "2d"

[fleet.availability]
always_on = 0.3
office_hours = 0.5
intermittent = 0.2

[[stage]]
name = "compliance"
start = "1d"
workloads = ["compliance_policies"]
authority = "intune"
"#,
    )
}

/// Runs `cofleet <command>` on `scenario` at 1, 2 and 4 threads, asserts the result folders are byte for byte
/// the same (every file), and returns the `summary.json` found at `summary` in them.
fn same_at_any_thread_count(
    command: &str,
    scenario: &str,
    args: &[&str],
    summary: &str,
) -> serde_json::Value {
    let at = |threads: &str| {
        let run = invoke(command, scenario, &[args, &["--threads", threads]].concat());
        assert!(
            run.output.status.success(),
            "cofleet {command} --threads {threads} failed: {}",
            String::from_utf8_lossy(&run.output.stderr)
        );
        read_tree(&run.out)
    };
    let one = at("1");
    for threads in ["2", "4"] {
        let other = at(threads);
        let names = |t: &[(String, Vec<u8>)]| t.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        assert_eq!(names(&one), names(&other), "--threads {threads}");
        for ((name, a), (_, b)) in one.iter().zip(&other) {
            assert!(
                a == b,
                "{name} differs between --threads 1 and --threads {threads}"
            );
        }
    }
    let (_, bytes) = one
        .iter()
        .find(|(n, _)| n == summary)
        .unwrap_or_else(|| panic!("no {summary} in the results"));
    serde_json::from_slice(bytes).expect("valid JSON")
}

fn count(summary: &serde_json::Value, name: &str) -> u64 {
    summary["counts"][name]
        .as_u64()
        .unwrap_or_else(|| panic!("no count {name} in {}", summary["counts"]))
}

#[test]
fn remote_actions_are_identical_for_any_thread_count() {
    let scenario = family_base()
        .push("action", "kind = \"restart\"\nat = \"1d2h\"\nshare = 0.5\n")
        .push("action", "kind = \"sync\"\nat = \"2d13h\"\nshare = 1.0\n")
        .text();
    let s = same_at_any_thread_count("run", &scenario, &[], "summary.json");
    assert!(count(&s, "action.restart.targeted") > 1_000);
    assert!(count(&s, "action.sync.within_1h") > 1_000);
}

#[test]
fn os_deployment_arrivals_are_identical_for_any_thread_count() {
    let scenario = family_base()
        .add("fleet.osd_arrivals", "{ count = 3000, span = \"2d\" }")
        .text();
    let s = same_at_any_thread_count("run", &scenario, &[], "summary.json");
    assert_eq!(count(&s, "path.osd"), 3_000);
}

#[test]
fn wipes_and_retires_are_identical_for_any_thread_count() {
    let scenario = family_base()
        .push("action", "kind = \"wipe\"\nat = \"1d12h\"\nshare = 0.2\n")
        .push(
            "action",
            "kind = \"retire\"\nat = \"2d\"\nshare = 0.1\nleave_collection = true\n",
        )
        .push("action", "kind = \"retire\"\nat = \"2d6h\"\nshare = 0.1\n")
        .text();
    let s = same_at_any_thread_count("run", &scenario, &[], "summary.json");
    assert!(count(&s, "action.wipe.targeted") > 300);
    assert!(count(&s, "retired") > 300);
    // Two retire actions: the second's devices re-enroll (the counts per kind are summed).
    assert!(count(&s, "action.retire.targeted") > count(&s, "retired") + 300);
}

#[test]
fn overloaded_infrastructure_is_identical_for_any_thread_count() {
    // One site with one small MP and one small CMG for 20,000 devices, half of them on the internet: queues
    // build up, requests past the queue limit are rejected, and the delays feed back into the timing.
    let scenario = family_base()
        .add("fleet.sites", "1")
        .add("fleet.internet_share", "0.5")
        .add("infrastructure.management_points_per_site", "1")
        .add("infrastructure.clients_per_management_point", "3000")
        .add("infrastructure.cmg_instances", "1")
        .add("infrastructure.cmg_clients_per_instance", "2000")
        .add("load.feedback", "true")
        .add("load.queue_limit", "\"30m\"")
        .text();
    let s = same_at_any_thread_count("run", &scenario, &[], "summary.json");
    let components = &s["load"]["components"];
    assert!(
        components["cmg"]["rejected"].as_u64().unwrap() > 0,
        "{components}"
    );
    assert!(
        s["metrics"]["queue_delay.management_point"]["max"]
            .as_f64()
            .unwrap()
            > 0.0
    );
}

#[test]
fn a_gate_rolling_back_is_identical_for_any_thread_count() {
    // Every device switched within a day is out of reach (intermittent devices, permanent failures): the
    // gate times out and the stage rolls back.
    let scenario = family_base()
        .set("stage.0.authority", "\"pilot_intune\"")
        .add("stage.0.pilot", "0.3")
        .add(
            "stage.0.gate",
            "{ min_switched = 1.0, timeout = \"1d\", on_fail = \"rollback\" }",
        )
        .text();
    let s = same_at_any_thread_count("run", &scenario, &[], "summary.json");
    assert_eq!(
        s["rollout"]["stages"][0]["outcome"], "rolled_back",
        "{}",
        s["rollout"]
    );
}

#[test]
fn a_sweep_of_variants_and_replicas_is_identical_for_any_thread_count() {
    let scenario = family_base()
        .push(
            "variant",
            "name = \"poll-30\"\n\"timers.policy_poll\" = \"30m\"\n",
        )
        .push("variant", "name = \"later\"\n\"stage.0.start\" = \"2d\"\n")
        .text();
    let s = same_at_any_thread_count(
        "sweep",
        &scenario,
        &["--replicas", "2"],
        "variants/later/replicas/1/summary.json",
    );
    assert_eq!(s["rollout"]["stages"][0]["started_at_s"], 2 * 86_400);
}
