//! Every bad input gets a clear error naming the file, line, column and key, exit code 2, and never a panic.

mod common;
use common::*;

const BASE: &str = "name = \"bad\"\n[fleet]\ndevices = 100\n";

/// Runs `cofleet check` and `cofleet run` on `text`; both must exit 2 and say every `expected` fragment.
fn rejects(text: &str, expected: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, text).unwrap();
    for cmd in ["check", "run"] {
        let mut command = cofleet();
        command.arg(cmd).arg(&file);
        if cmd == "run" {
            command
                .arg("--quiet")
                .arg("--out")
                .arg(dir.path().join("out"));
        }
        let out = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{cmd}: exit code for {text:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{cmd} panicked: {stderr}");
        assert!(
            stderr.contains("bad.toml"),
            "{cmd}: the file is not named: {stderr}"
        );
        for e in expected {
            assert!(stderr.contains(e), "{cmd}: expected {e:?} in: {stderr}");
        }
        assert!(
            !dir.path().join("out").exists(),
            "no results for a bad scenario"
        );
    }
}

#[test]
fn unknown_keys_are_errors() {
    rejects(
        &format!("{BASE}devicez = 3\n"),
        &["bad.toml:4:1", "fleet.devicez", "unknown field"],
    );
    rejects(
        &format!("{BASE}[timers]\npolicy_pol = \"1h\"\n"),
        &["bad.toml:5:1", "timers.policy_pol", "unknown field"],
    );
    rejects(
        &format!("colour = \"red\"\n{BASE}"),
        &["bad.toml:1:1", "colour"],
    );
}

#[test]
fn shares_outside_zero_one_are_errors() {
    rejects(
        &format!("{BASE}existing_client_share = 1.2\n"),
        &[
            "bad.toml:4:25",
            "fleet.existing_client_share",
            "from 0 to 1",
            "1.2",
        ],
    );
    rejects(
        &format!("{BASE}[failures]\npermanent = -0.1\n"),
        &["failures.permanent", "from 0 to 1"],
    );
    rejects(
        &format!("{BASE}[failures]\nmdm_enrollment = 1.0\n"),
        &["failures.mdm_enrollment", "from 0 to 0.99"],
    );
}

#[test]
fn availability_shares_must_sum_to_one() {
    rejects(
        &format!(
            "{BASE}[fleet.availability]\nalways_on = 0.5\noffice_hours = 0.4\nintermittent = 0.2\n"
        ),
        &["bad.toml:4:1", "fleet.availability", "sum to 1", "1.1"],
    );
}

#[test]
fn readiness_shares_and_the_enrollment_scope_are_checked() {
    rejects(
        &format!("{BASE}vpn_share = 1.5\n"),
        &["bad.toml:4:13", "fleet.vpn_share", "from 0 to 1"],
    );
    rejects(
        &format!("{BASE}[fleet.readiness]\ninactive = 0.6\nservers = 0.5\n"),
        &[
            "bad.toml:4:1",
            "fleet.readiness",
            "at most 1",
            "inactive 0.6 + servers 0.5",
        ],
    );
    rejects(
        &format!("{BASE}[comanagement]\nauto_enrollment = \"pilot\"\n"),
        &[
            "bad.toml:5:19",
            "comanagement.pilot_share",
            "missing required key",
        ],
    );
    rejects(
        &format!("{BASE}[comanagement]\npilot_share = 0.2\n"),
        &[
            "bad.toml:5:15",
            "comanagement.pilot_share",
            "only auto_enrollment = \"pilot\"",
        ],
    );
    rejects(
        &format!("{BASE}[comanagement]\nauto_enrollment = \"some\"\n"),
        &["bad.toml:5:19", "comanagement.auto_enrollment", "pilot"],
    );
    rejects(
        &format!("{BASE}[comanagement]\nuser_token_share = 2\n"),
        &["comanagement.user_token_share", "from 0 to 1"],
    );
}

#[test]
fn failure_codes_are_checked() {
    let code = |body: &str| format!("{BASE}[[failure]]\ncode = \"0x80180014\"\n{body}");
    rejects(
        &code("share = 0.1\nstep = \"enrolment\"\nkind = \"transient\"\n"),
        &["bad.toml:7:8", "failure.0.step", "mdm_enrollment"],
    );
    rejects(
        &code("share = 1.5\nstep = \"mdm_enrollment\"\nkind = \"transient\"\n"),
        &["bad.toml:6:9", "failure.0.share", "from 0 to 1"],
    );
    rejects(
        &format!(
            "{}[[failure]]\ncode = \"0x8018002B\"\nshare = 0.7\nstep = \"mdm_enrollment\"\nkind = \"transient\"\n",
            code("share = 0.6\nstep = \"mdm_enrollment\"\nkind = \"configuration\"\n")
        ),
        &[
            "bad.toml:11:9",
            "failure.1.share",
            "sum to 1.3",
            "at most 1",
        ],
    );
    rejects(
        &code("share = 0.1\nstep = \"hybrid_join\"\nkind = \"transient\"\nfixed_at = \"1d\"\n"),
        &[
            "bad.toml:9:12",
            "failure.0.fixed_at",
            "only a configuration error",
        ],
    );
    rejects(
        &format!(
            "{BASE}[[failure]]\ncode = \"not a code\"\nshare = 0.1\nstep = \"hybrid_join\"\nkind = \"transient\"\n"
        ),
        &["bad.toml:5:8", "failure.0.code", "letters and digits"],
    );
}

#[test]
fn unknown_workloads_and_authorities_are_errors() {
    rejects(
        &format!(
            "{BASE}[[stage]]\nname = \"a\"\nworkloads = [\"compliance\"]\nauthority = \"intune\"\n"
        ),
        &[
            "bad.toml:6:14",
            "stage.0.workloads",
            "unknown workload \"compliance\"",
            "compliance_policies",
        ],
    );
    rejects(
        &format!(
            "{BASE}[[stage]]\nname = \"a\"\nworkloads = [\"client_apps\"]\nauthority = \"cloud\"\n"
        ),
        &["stage.0.authority", "unknown authority"],
    );
}

#[test]
fn empty_and_duplicate_stage_names_are_errors() {
    let stage = |name: &str| {
        format!(
            "[[stage]]\nname = \"{name}\"\nworkloads = [\"client_apps\"]\nauthority = \"intune\"\n"
        )
    };
    rejects(
        &format!("{BASE}{}", stage("")),
        &["bad.toml:5:8", "stage.0.name", "must not be empty"],
    );
    rejects(
        &format!("{BASE}{}{}", stage("a"), stage("a")),
        &["bad.toml:9:8", "stage.1.name", "duplicate stage name \"a\""],
    );
}

#[test]
fn unparseable_durations_are_errors() {
    rejects(
        &format!("{BASE}[timers]\npolicy_poll = \"60\"\n"),
        &["bad.toml:5:15", "timers.policy_poll", "without a unit"],
    );
    rejects(
        &format!("duration = \"3 days\"\n{BASE}"),
        &["bad.toml:1:12", "duration", "unexpected character"],
    );
    rejects(
        &format!("{BASE}[timers]\nmdm_sync_after_enroll = [\"3m every 15m\"]\n"),
        &["timers.mdm_sync_after_enroll.0", "<interval> for <span>"],
    );
    rejects(
        &format!("{BASE}[timers]\npolicy_poll = \"1m\"\n"),
        &["timers.policy_poll", "from 3m to 1d"],
    );
    rejects(
        &format!("duration = \"99999999999999d\"\n{BASE}"),
        &["duration", "from 1h to 3650d"],
    );
}

#[test]
fn syntax_type_and_missing_key_errors() {
    rejects("name = \"x\"\n[fleet\ndevices = 1\n", &["bad.toml:2:"]);
    rejects(
        "name = \"x\"\n[fleet]\ndevices = \"lots\"\n",
        &["bad.toml:3:11", "fleet.devices"],
    );
    rejects(
        "name = \"x\"\n[fleet]\nexisting_client_share = 0.5\n",
        &["fleet.devices", "missing required key"],
    );
    rejects("[fleet]\ndevices = 10\n", &["name", "missing required key"]);
    rejects("", &["empty"]);
    rejects(
        &format!("{BASE}[fleet]\ndevices = 5\n"),
        &["bad.toml:4:", "duplicate key"],
    );
    rejects(
        "name = \"x\"\n[fleet]\ndevices = 0\n",
        &["fleet.devices", "from 1 to 100000000"],
    );
    rejects(
        "name = \"../evil\"\n[fleet]\ndevices = 5\n",
        &["name", "results folder name"],
    );
}

#[test]
fn gates_and_thresholds_that_cannot_work_are_errors() {
    rejects(
        &format!(
            "{BASE}[[stage]]\nname = \"a\"\nworkloads = [\"client_apps\"]\nauthority = \"intune\"\n\
             [stage.gate]\nmax_noncompliant = 0.1\n"
        ),
        &["stage.0.gate.max_noncompliant", "never be evaluated"],
    );
    rejects(
        &format!("{BASE}[thresholds]\n\"switch_latency.complianc.p95\" = \"< 4h\"\n"),
        &[
            "bad.toml:5:1",
            "unknown metric \"switch_latency.complianc\"",
        ],
    );
    rejects(
        &format!("{BASE}[thresholds]\n\"hybrid_join.p42\" = \"< 4h\"\n"),
        &["unknown statistic \"p42\""],
    );
}

#[test]
fn unreadable_and_non_utf8_files() {
    let out = cofleet()
        .args(["run", "does/not/exist.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("does/not/exist.toml") && stderr.contains("cannot read"),
        "{stderr}"
    );

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("binary.toml");
    std::fs::write(&file, [0xff, 0xfe, 0x00, 0x41]).unwrap();
    let out = cofleet().arg("check").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not UTF-8"));
}

#[test]
fn bad_flags_and_output_folders() {
    let out = cofleet()
        .args(["run", "scenarios/quickstart.toml", "--threads", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--threads"));

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let out = cofleet()
        .args(["run", "scenarios/quickstart.toml", "--quiet", "--out"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a folder"));
}

#[test]
fn every_problem_is_listed() {
    rejects(
        &format!("{BASE}sites = 0\n[timers]\nmdm_sync = \"0s\"\n"),
        &["2 problems", "fleet.sites", "timers.mdm_sync"],
    );
}
