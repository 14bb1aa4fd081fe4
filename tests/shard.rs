//! Sharded sweeps through the real binary: `cofleet sweep --shard I/N` for every I, then `cofleet merge`,
//! gives exactly the unsharded sweep's folder; `--shard auto` reads the schedulers' variables; every bad
//! input (malformed or out-of-range shard, missing, duplicated or foreign shards, another version) exits 2.

mod common;
use common::*;

use std::path::{Path, PathBuf};
use std::process::Output;

/// A small sweep: 2 poll intervals × 2 replicas = 4 runs, with a rollout stage so summaries carry latencies.
const SCENARIO: &str = "name = \"shards\"\nseed = 5\nduration = \"2d\"\n[fleet]\ndevices = 3000\n\
[[stage]]\nname = \"compliance\"\nstart = \"12h\"\nworkloads = [\"compliance_policies\"]\nauthority = \"intune\"\n";
const SWEEP: [&str; 4] = ["--set", "timers.policy_poll=30m,60m", "--replicas", "2"];

struct Dir {
    _tmp: tempfile::TempDir,
    path: PathBuf,
}

fn scenario_dir(text: &str) -> Dir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("s.toml"), text).unwrap();
    let path = tmp.path().to_path_buf();
    Dir { _tmp: tmp, path }
}

fn sweep(dir: &Path, out: &str, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = cofleet();
    cmd.arg("sweep")
        .arg(dir.join("s.toml"))
        .arg("--out")
        .arg(dir.join(out))
        .arg("--quiet")
        .args(SWEEP)
        .args(extra);
    for var in [
        "JOB_COMPLETION_INDEX",
        "COFLEET_SHARD_COUNT",
        "SLURM_ARRAY_TASK_ID",
        "SLURM_ARRAY_TASK_MIN",
        "SLURM_ARRAY_TASK_COUNT",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    cmd.output().unwrap()
}

fn merge(dir: &Path, shards: &[&str], out: &str) -> Output {
    cofleet()
        .arg("merge")
        .args(shards.iter().map(|s| dir.join(s)))
        .arg("--out")
        .arg(dir.join(out))
        .arg("--quiet")
        .output()
        .unwrap()
}

fn ok(o: &Output) {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn bad(o: &Output, needles: &[&str]) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    for n in needles {
        assert!(err.contains(n), "expected `{n}` in: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

/// Three shards of a four-run sweep (one shard gets two runs) in a shuffled order merge into the very
/// bytes of the unsharded sweep; a shard holds only its runs and the marker.
#[test]
fn merged_shards_equal_the_unsharded_sweep() {
    let d = scenario_dir(SCENARIO);
    ok(&sweep(&d.path, "full", &[], &[]));
    for i in 0..3 {
        ok(&sweep(
            &d.path,
            &format!("s{i}"),
            &["--shard", &format!("{i}/3")],
            &[],
        ));
    }
    let shard1: Vec<String> = read_tree(&d.path.join("s1"))
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert!(shard1.contains(&"shard.json".to_string()), "{shard1:?}");
    assert!(
        !shard1.iter().any(|p| p.starts_with("comparison")),
        "{shard1:?}"
    );
    // Run 1 = variant 0 replica 1; run 3 would be shard 0's, not shard 1's.
    assert!(
        shard1
            .iter()
            .any(|p| p.ends_with("replicas/1/summary.json")),
        "{shard1:?}"
    );
    assert_eq!(
        shard1
            .iter()
            .filter(|p| p.ends_with("summary.json"))
            .count(),
        1
    );
    let merged = merge(&d.path, &["s2", "s0", "s1"], "merged");
    ok(&merged);
    let full = read_tree(&d.path.join("full"));
    assert!(full.iter().any(|(p, _)| p == "comparison.md"));
    assert_eq!(full, read_tree(&d.path.join("merged")));
}

/// `--shard auto` takes the index from a Kubernetes Indexed Job or a Slurm array and runs what the explicit
/// shard runs.
#[test]
fn auto_shards_read_the_scheduler_environment() {
    let d = scenario_dir(SCENARIO);
    ok(&sweep(&d.path, "explicit", &["--shard", "1/2"], &[]));
    ok(&sweep(
        &d.path,
        "k8s",
        &["--shard", "auto"],
        &[("JOB_COMPLETION_INDEX", "1"), ("COFLEET_SHARD_COUNT", "2")],
    ));
    ok(&sweep(
        &d.path,
        "slurm",
        &["--shard", "auto"],
        &[
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "2"),
        ],
    ));
    let explicit = read_tree(&d.path.join("explicit"));
    assert_eq!(explicit, read_tree(&d.path.join("k8s")));
    assert_eq!(explicit, read_tree(&d.path.join("slurm")));
    bad(
        &sweep(&d.path, "none", &["--shard", "auto"], &[]),
        &["JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID"],
    );
    assert!(!d.path.join("none").exists());
}

#[test]
fn malformed_or_out_of_range_shards_exit_2() {
    let d = scenario_dir(SCENARIO);
    bad(
        &sweep(&d.path, "o", &["--shard", "2/2"], &[]),
        &["out of range", "0 to 1"],
    );
    bad(
        &sweep(&d.path, "o", &["--shard", "0/0"], &[]),
        &["at least 1"],
    );
    bad(&sweep(&d.path, "o", &["--shard", "x"], &[]), &["I/N"]);
    assert!(!d.path.join("o").exists());
}

/// Missing, duplicated, foreign and other-version shards, and a folder that is no shard, are refused.
#[test]
fn bad_merges_exit_2_and_say_why() {
    let d = scenario_dir(SCENARIO);
    for i in 0..3 {
        ok(&sweep(
            &d.path,
            &format!("s{i}"),
            &["--shard", &format!("{i}/3")],
            &[],
        ));
    }
    bad(
        &merge(&d.path, &["s0", "s2"], "m"),
        &["missing shard output", "index 1"],
    );
    bad(
        &merge(&d.path, &["s0", "s1", "s1", "s2"], "m"),
        &["shard 1 given twice"],
    );
    // Another sweep (other --set values) is another hash.
    ok(&sweep(
        &d.path,
        "other",
        &["--shard", "1/3", "--set", "timers.mdm_sync=4h"],
        &[],
    ));
    bad(
        &merge(&d.path, &["s0", "other", "s2"], "m"),
        &["different sweeps"],
    );
    // Another split.
    ok(&sweep(&d.path, "half", &["--shard", "1/2"], &[]));
    bad(&merge(&d.path, &["s0", "half", "s2"], "m"), &["one split"]);
    // Another cofleet version.
    let marker = d.path.join("s1/shard.json");
    let text = std::fs::read_to_string(&marker).unwrap();
    let version = format!("\"cofleet_version\": \"{}\"", env!("CARGO_PKG_VERSION"));
    assert!(text.contains(&version), "{text}");
    std::fs::write(
        &marker,
        text.replace(&version, "\"cofleet_version\": \"0.0.1-old\""),
    )
    .unwrap();
    bad(
        &merge(&d.path, &["s0", "s1", "s2"], "m"),
        &["cofleet 0.0.1-old"],
    );
    // A plain sweep folder is no shard.
    ok(&sweep(&d.path, "plain", &[], &[]));
    bad(&merge(&d.path, &["plain"], "m"), &["shard.json", "--shard"]);
    assert!(!d.path.join("m").exists());
}

/// Under `mpirun -n 2` a build without an MPI backend refuses to run (each rank would simulate everything
/// and race on the same folder), exit 2, for `run` and `sweep` alike; a single-process "launch" is fine.
/// (A `--features mpi` build joins the MPI job instead: `.ci/run` tests that with real ranks.)
#[cfg(not(feature = "mpi"))]
#[test]
fn an_mpi_launch_is_refused_without_an_mpi_backend() {
    let d = scenario_dir(SCENARIO);
    for (var, size) in [("OMPI_COMM_WORLD_SIZE", "2"), ("PMI_SIZE", "3")] {
        let run = cofleet()
            .arg("run")
            .arg(d.path.join("s.toml"))
            .arg("--out")
            .arg(d.path.join("run"))
            .arg("--quiet")
            .env(var, size)
            .output()
            .unwrap();
        bad(&run, &["MPI processes", var, "no MPI backend"]);
        assert!(!d.path.join("run").exists());
        bad(
            &sweep(&d.path, "sw", &[], &[(var, size)]),
            &["no MPI backend"],
        );
    }
    ok(&sweep(
        &d.path,
        "single",
        &[],
        &[("OMPI_COMM_WORLD_SIZE", "1")],
    ));
}
