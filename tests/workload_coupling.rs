//! Workloads as the product couples them (docs/model.md §2): Device configuration carries Resource access
//! and Endpoint Protection, and Resource access cannot move alone.

mod common;
use common::*;

const N: u32 = 10_000;

fn scenario(workloads: &str) -> String {
    format!(
        r#"name = "coupling"
seed = 5
duration = "2d"
{fleet}
[load]
feedback = false

[[stage]]
name = "configuration"
start = "1d"
workloads = [{workloads}]
authority = "intune"
"#,
        fleet = ideal_fleet(N, 1.0, 1.0)
    )
}

/// A stage that lists Device configuration alone moves all three workloads, at the same poll: every
/// co-managed device switches each of them, with the same latency distribution.
#[test]
fn device_configuration_moves_resource_access_and_endpoint_protection() {
    let run = run_on_1_and_4_threads(&scenario("\"device_configuration\""), &[]);
    let dc = "switch_latency.device_configuration";
    assert_eq!(run.stat(dc, "count"), f64::from(N));
    for w in ["resource_access", "endpoint_protection"] {
        let m = format!("switch_latency.{w}");
        for stat in ["count", "mean", "p50", "max"] {
            assert_eq!(run.stat(&m, stat), run.stat(dc, stat), "{m} {stat}");
        }
    }
    // Workloads not carried stay on ConfigMgr.
    assert_eq!(run.stat("switch_latency.client_apps", "count"), 0.0);
}

/// Endpoint Protection has its own slider: moving it alone moves nothing else.
#[test]
fn endpoint_protection_moves_alone() {
    let run = run_scenario(&scenario("\"endpoint_protection\""), &[]);
    assert_eq!(
        run.stat("switch_latency.endpoint_protection", "count"),
        f64::from(N)
    );
    for w in ["resource_access", "device_configuration"] {
        assert_eq!(run.stat(&format!("switch_latency.{w}"), "count"), 0.0);
    }
}

/// `cofleet check` says that Device configuration carries the other two.
#[test]
fn check_notes_the_coupling() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plan.toml");
    std::fs::write(&file, scenario("\"device_configuration\"")).unwrap();
    let out = cofleet().arg("check").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("stage \"configuration\" moves device_configuration, which also moves resource_access and endpoint_protection"),
        "{stderr}"
    );
    std::fs::write(&file, scenario("\"client_apps\"")).unwrap();
    let out = cofleet().arg("check").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A plan moving Resource access without Device configuration is refused, naming the place and key.
#[test]
fn resource_access_alone_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    let text = scenario("\"resource_access\", \"client_apps\"");
    let line = text
        .lines()
        .position(|l| l.starts_with("workloads"))
        .unwrap()
        + 1;
    std::fs::write(&file, &text).unwrap();
    for cmd in ["check", "run"] {
        let out = cofleet()
            .arg(cmd)
            .arg(&file)
            .args(if cmd == "run" {
                vec![
                    "--quiet".to_string(),
                    "--out".to_string(),
                    dir.path().join("out").display().to_string(),
                ]
            } else {
                vec![]
            })
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{cmd}: {stderr}");
        for e in [
            format!("bad.toml:{line}:13"),
            "stage.0.workloads".to_string(),
            "resource_access cannot move alone".to_string(),
        ] {
            assert!(stderr.contains(&e), "{cmd}: expected {e:?} in {stderr}");
        }
        assert!(!dir.path().join("out").exists());
    }
}

/// From ConfigMgr 2203 on Resource access is no longer a workload of its own: a stage that lists it gets a
/// warning from `check` and `run` (stderr, exit 0); before 2203, or without listing it, none. A version
/// that is not YYMM is refused with the key's place.
#[test]
fn resource_access_listed_warns_from_2203() {
    let listed = scenario("\"device_configuration\", \"resource_access\"");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plan.toml");
    let warning = "lists resource_access, unsupported from ConfigMgr 2203";
    for (version, warns) in [(None, true), (Some("2203"), true), (Some("2111"), false)] {
        let text = match version {
            Some(v) => ScenarioEdit::new(&listed)
                .add("comanagement.configmgr_version", v)
                .text(),
            None => listed.clone(),
        };
        std::fs::write(&file, &text).unwrap();
        let out = cofleet().arg("check").arg(&file).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.contains(warning), warns, "{version:?}: {stderr}");
        let run = invoke("run", &text, &[]);
        assert_eq!(run.output.status.code(), Some(0));
        let stderr = String::from_utf8_lossy(&run.output.stderr);
        assert_eq!(stderr.contains(warning), warns, "{version:?}: {stderr}");
    }
    // Listing device_configuration alone moves resource_access too, without a warning.
    std::fs::write(&file, scenario("\"device_configuration\"")).unwrap();
    let out = cofleet().arg("check").arg(&file).output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains(warning));
    // Not a YYMM version.
    let bad = ScenarioEdit::new(&listed)
        .add("comanagement.configmgr_version", "2213")
        .text();
    std::fs::write(&file, bad).unwrap();
    let out = cofleet().arg("check").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("comanagement.configmgr_version") && stderr.contains("YYMM"),
        "{stderr}"
    );
}
