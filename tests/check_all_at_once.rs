//! `cofleet check` tells everything at once: every mistake of a file in one run, each with what was
//! probably meant — so fixing a scenario takes one round, not one per problem.

use assert_cmd::Command;

fn cofleet() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cofleet"))
}

/// A misspelt key, a share written as a percentage and a misspelt workload name.
const THREE_MISTAKES: &str = r#"name = "three-mistakes"
[fleet]
devices = 1000
new_device_arival = "14d"
existing_client_share = 70

[[stage]]
name = "pilot"
workloads = ["compliance_policy"]
authority = "intune"
"#;

#[test]
fn three_mistakes_are_reported_in_one_check_each_with_its_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("three.toml");
    std::fs::write(&file, THREE_MISTAKES).unwrap();
    let out = cofleet().arg("check").arg(&file).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("invalid scenario (3 problems)"), "{stderr}");
    for expected in [
        "three.toml:4:1: fleet.new_device_arival: unknown field `new_device_arival`, expected one of",
        "`osd_arrivals` — did you mean `new_device_arrival`?",
        "three.toml:5:25: fleet.existing_client_share: must be a number from 0 to 1, got 70 \
         — a share is a fraction: did you mean 0.70?",
        "three.toml:9:14: stage.0.workloads: unknown workload \"compliance_policy\"",
        "client_apps — did you mean \"compliance_policies\"?",
    ] {
        assert!(
            stderr.contains(expected),
            "expected {expected:?} in:\n{stderr}"
        );
    }
}

#[test]
fn a_bad_base_scenario_does_not_hide_a_bad_variant() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("variants.toml");
    let text =
        format!("{THREE_MISTAKES}\n[[variant]]\nname = \"fast\"\ntimers.policy_pol = \"30m\"\n");
    std::fs::write(&file, text).unwrap();
    let out = cofleet().arg("check").arg(&file).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("invalid scenario (4 problems)"), "{stderr}");
    assert!(
        stderr.contains(
            "variants.toml:14:1: variant `fast`, override `timers.policy_pol` = 30m: unknown field `policy_pol`"
        ) && stderr.contains("`phase` — did you mean `policy_poll`?"),
        "{stderr}"
    );
}

#[test]
fn decimal_durations_are_accepted_and_a_fraction_of_a_second_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("decimal.toml");
    let good = "name = \"decimal\"\nduration = \"1.5d\"\n[fleet]\ndevices = 10\n[timers]\npolicy_poll = \"0.5h\"\n";
    std::fs::write(&file, good).unwrap();
    let out = cofleet().arg("check").arg(&file).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(&file, good.replace("0.5h", "0.5s")).unwrap();
    let out = cofleet().arg("check").arg(&file).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("timers.policy_poll: duration \"0.5s\" is not a whole number of seconds"),
        "{stderr}"
    );
}

#[test]
fn a_misspelt_set_key_gets_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(&file, "name = \"s\"\n[fleet]\ndevices = 10\n").unwrap();
    let out = cofleet()
        .arg("sweep")
        .arg(&file)
        .arg("--set")
        .arg("timers.policy_pol=30m,60m")
        .arg("--out")
        .arg(dir.path().join("out"))
        .arg("--quiet")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("unknown field `policy_pol`")
            && stderr.contains("did you mean `policy_poll`?"),
        "{stderr}"
    );
    assert!(!dir.path().join("out").exists());
}
