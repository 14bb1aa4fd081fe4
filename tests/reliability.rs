//! Results that cannot lie and a machine that is not overrun: SIGTERM/SIGINT stop a run or a sweep
//! with exit 130 and leave nothing behind; the overwrite policy; the memory guard; unwritable outputs.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// Big enough to run for tens of seconds in a debug build.
const BIG: &str = "name = \"big\"\nduration = \"21d\"\n[fleet]\ndevices = 1_000_000\n";
const TINY: &str = "name = \"tiny\"\nduration = \"1d\"\n[fleet]\ndevices = 100\n";

/// Starts `cofleet args` in `cwd`, sends `signal` after `after`, and returns (exit code, stderr, how long it
/// took to stop after the signal).
fn interrupt(
    cwd: &Path,
    args: &[&str],
    signal: i32,
    after: Duration,
) -> (Option<i32>, String, Duration) {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("cofleet"))
        .current_dir(cwd)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(after);
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run finished before the signal: make it bigger"
    );
    let pid = i32::try_from(child.id()).unwrap();
    // SAFETY: kill(2) on the pid of our own child, which has not been reaped (try_wait saw it running).
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
    let sent = Instant::now();
    let output = child.wait_with_output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        sent.elapsed(),
    )
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn sigterm_stops_a_run_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("big.toml"), BIG).unwrap();
    let (code, stderr, took) = interrupt(
        dir.path(),
        &["run", "big.toml", "--out", "results/big"],
        libc::SIGTERM,
        Duration::from_millis(1500),
    );
    assert_eq!(code, Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted: simulated time had reached ")
            && stderr.contains(" of 21.00d"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(took < Duration::from_secs(3), "took {took:?} to stop");
    assert_eq!(
        names(dir.path()),
        ["big.toml"],
        "no results, no temporary folder"
    );
}

#[test]
fn sigint_stops_a_sweep_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("big.toml"), BIG).unwrap();
    let (code, stderr, took) = interrupt(
        dir.path(),
        &[
            "sweep",
            "big.toml",
            "--replicas",
            "2",
            "--quiet",
            "--out",
            "sweep",
        ],
        libc::SIGINT,
        Duration::from_millis(1500),
    );
    assert_eq!(code, Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted: 0 of 2 runs had finished"),
        "{stderr}"
    );
    assert!(took < Duration::from_secs(3), "took {took:?} to stop");
    assert_eq!(names(dir.path()), ["big.toml"]);
}

fn run_in(dir: &Path, scenario: &str, extra: &[&str]) -> std::process::Output {
    cofleet()
        .current_dir(dir)
        .args(["run", scenario, "--quiet"])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn overwrite_policy() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("tiny.toml"), TINY).unwrap();
    std::fs::write(
        d.join("other.toml"),
        scenario_with(TINY, &[("name", "\"other\"")]),
    )
    .unwrap();

    // The README's set-up command, twice: the default folder holds the same scenario, so it is replaced.
    for _ in 0..2 {
        let out = run_in(d, "tiny.toml", &[]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(d.join("results/tiny/summary.json").is_file());

    // Another scenario's results are kept.
    let out = run_in(d, "other.toml", &["--out", "results/tiny"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("scenario \"tiny\", not \"other\"") && stderr.contains("--force"),
        "{stderr}"
    );

    // A folder with other content is kept, unless --force.
    std::fs::create_dir(d.join("mine")).unwrap();
    std::fs::write(d.join("mine/thesis.tex"), "years of work").unwrap();
    let out = run_in(d, "tiny.toml", &["--out", "mine"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not a complete cofleet run results folder")
    );
    assert_eq!(
        std::fs::read_to_string(d.join("mine/thesis.tex")).unwrap(),
        "years of work"
    );
    let out = run_in(d, "tiny.toml", &["--out", "mine", "--force"]);
    assert!(out.status.success());
    assert!(!d.join("mine/thesis.tex").exists() && d.join("mine/summary.json").is_file());

    // An unfinished run (no "complete": true) is not replaced silently either.
    let summary = d.join("results/tiny/summary.json");
    let text = std::fs::read_to_string(&summary).unwrap();
    std::fs::write(
        &summary,
        text.replace("\"complete\": true", "\"complete\": false"),
    )
    .unwrap();
    let out = run_in(d, "tiny.toml", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("lacks \"complete\": true"));

    // A sweep replaces its own sweep, not a run folder.
    let sweep = |extra: &[&str]| {
        cofleet()
            .current_dir(d)
            .args([
                "sweep",
                "tiny.toml",
                "--quiet",
                "--set",
                "fleet.devices=50,60",
            ])
            .args(extra)
            .output()
            .unwrap()
    };
    for _ in 0..2 {
        let out = sweep(&["--out", "sweeps/tiny"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = sweep(&["--out", "mine"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("not a complete cofleet sweep results folder")
    );
    assert_eq!(
        names(d),
        ["mine", "other.toml", "results", "sweeps", "tiny.toml"],
        "no temporary folders"
    );
}

#[test]
fn memory_guard() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("tiny.toml"), TINY).unwrap();
    let out = run_in(d, "tiny.toml", &["--max-memory", "1MB"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("this run needs an estimated ")
            && stderr.contains("MB of memory (devices ")
            && stderr.contains("above --max-memory: 1.00 MB")
            && stderr.contains("--force"),
        "{stderr}"
    );
    assert!(!d.join("results").exists());
    let out = run_in(d, "tiny.toml", &["--max-memory", "1MB", "--force"]);
    assert!(out.status.success());
    let out = run_in(d, "tiny.toml", &["--max-memory", "2GB"]);
    assert!(out.status.success());
    // A run no machine can hold is refused on MemAvailable alone: 100M devices for ten years in 1-second
    // load buckets is estimated at hundreds of TB (the load ledger alone holds 315M buckets).
    std::fs::write(
        d.join("huge.toml"),
        "name = \"huge\"\nduration = \"3650d\"\n[fleet]\ndevices = 100_000_000\n[load]\nbucket = \"1s\"\n",
    )
    .unwrap();
    let out = run_in(d, "huge.toml", &[]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("MemAvailable"));
}

#[test]
fn unwritable_output_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("tiny.toml"), TINY).unwrap();
    std::fs::write(d.join("a-file"), "x").unwrap();
    for out in ["a-file/sub", "/proc/cofleet/out"] {
        let o = run_in(d, "tiny.toml", &["--out", out]);
        assert_eq!(o.status.code(), Some(2), "{out}");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(
            stderr.contains("cannot create") && !stderr.contains("panicked"),
            "{stderr}"
        );
    }
}

/// A sweep without `--out` goes to `results/<name>-sweep/`, beside the run's `results/<name>/`: a sweep
/// after a run of the same scenario is not refused, and the run's folder is untouched.
#[test]
fn a_sweep_after_a_run_goes_to_its_own_folder() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("tiny.toml"), TINY).unwrap();
    let out = run_in(d, "tiny.toml", &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run_summary = std::fs::read(d.join("results/tiny/summary.json")).unwrap();
    let out = cofleet()
        .current_dir(d)
        .args([
            "sweep",
            "tiny.toml",
            "--quiet",
            "--set",
            "fleet.devices=50,60",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(d.join("results/tiny-sweep/comparison.csv").is_file());
    assert_eq!(
        std::fs::read(d.join("results/tiny/summary.json")).unwrap(),
        run_summary,
        "the run's folder is untouched"
    );
}
