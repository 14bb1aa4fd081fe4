//! The command line's contract through the real binary: a bad flag value is refused by the command-line
//! parser (exit 2, the flag and the allowed form named) before a scenario is even read; a shard folder with a
//! symbolic link in it — a loop back up the tree would once recurse until the stack overflowed — is refused
//! by `cofleet merge` with the link named; output that cannot be written to stdout is an error.

mod common;
use common::*;

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn refused(o: &Output, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    for n in needles {
        assert!(err.contains(n), "expected `{n}` in: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

/// A million-device scenario with a typo in `--max-regression`: refused at once, nothing simulated or
/// written (the simulation alone takes far longer than the limit here in a debug build).
#[test]
fn a_bad_max_regression_is_refused_before_the_simulation() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/bench-1m.toml");
    let out = dir.path().join("out");
    let started = Instant::now();
    let o = cofleet()
        .arg("run")
        .arg(&scenario)
        .arg("--out")
        .arg(&out)
        .args(["--quiet", "--gate", "--max-regression", "5 percent"])
        .output()
        .unwrap();
    refused(&o, &["--max-regression", "not a percentage", "5%"]);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}: refused after work started",
        started.elapsed()
    );
    assert!(!out.exists(), "nothing may be written");
}

#[test]
fn bad_values_name_the_flag_and_the_allowed_form() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/bench-1m.toml");
    let run = |flags: &[&str]| {
        cofleet()
            .arg("run")
            .arg(&scenario)
            .arg("--out")
            .arg(dir.path().join("out"))
            .arg("--quiet")
            .args(flags)
            .output()
            .unwrap()
    };
    refused(
        &run(&["--gate", "--noise-floor", "a minute"]),
        &["--noise-floor", "\"60s\""],
    );
    refused(
        &run(&["--gate", "--metric-regression", "p95"]),
        &["--metric-regression", "PATTERN=PERCENT"],
    );
    refused(&run(&["--max-memory", "lots"]), &["--max-memory", "2GB"]);
    let sweep = cofleet()
        .arg("sweep")
        .arg(&scenario)
        .args(["--quiet", "--shard", "4/4"])
        .output()
        .unwrap();
    refused(&sweep, &["--shard", "out of range", "0 to 3"]);
    assert!(!dir.path().join("out").exists());
}

/// Two-shard sweep of a tiny scenario; returns the shard folders.
fn shards(dir: &Path) -> [std::path::PathBuf; 2] {
    let scenario = dir.join("s.toml");
    std::fs::write(
        &scenario,
        "name = \"links\"\nseed = 3\nduration = \"1d\"\n[fleet]\ndevices = 200\n",
    )
    .unwrap();
    [0, 1].map(|i| {
        let out = dir.join(format!("shard{i}"));
        let o = cofleet()
            .arg("sweep")
            .arg(&scenario)
            .args(["--quiet", "--replicas", "2", "--shard", &format!("{i}/2")])
            .arg("--out")
            .arg(&out)
            .env_remove("JOB_COMPLETION_INDEX")
            .env_remove("SLURM_ARRAY_TASK_ID")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        out
    })
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_in_a_shard_folder_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let [a, b] = shards(dir.path());
    let merge = || {
        cofleet()
            .arg("merge")
            .arg(&a)
            .arg(&b)
            .arg("--out")
            .arg(dir.path().join("merged"))
            .arg("--quiet")
            .output()
            .unwrap()
    };
    // A link from deep inside the shard back to the shard itself: a walk that followed it never ends.
    let link = a.join("variants/base/loop");
    std::os::unix::fs::symlink(&a, &link).unwrap();
    refused(
        &merge(),
        &["loop", "symbolic link", &a.display().to_string()],
    );
    assert!(!dir.path().join("merged").exists());
    // Without the link, the same shards merge.
    std::fs::remove_file(&link).unwrap();
    let o = merge();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir.path().join("merged/comparison.md").is_file());
}

/// A full disk behind stdout loses the output: exit 2 and say so (only a closed pipe is ignored).
#[cfg(target_os = "linux")]
#[test]
fn a_failed_write_to_stdout_is_an_error() {
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml");
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    // The real binary with stdout on /dev/full (assert_cmd would pipe stdout).
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_cofleet"))
        .arg("check")
        .arg(&scenario)
        .stdout(full)
        .output()
        .unwrap();
    refused(&o, &["cannot write to standard output"]);
}
