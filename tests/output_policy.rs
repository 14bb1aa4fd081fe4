//! One output policy for every command that writes: no user file is lost with exit 0.
//!
//! `run` and `sweep` replace an existing `--out` only when it is empty or a complete result of the same kind
//! (else `--force`); the same rule holds for `baseline save --to`, `merge --out` and the single-file outputs
//! (`--junit`, `--json`, `export-load --out`). Default output folders are built only from validated names, so
//! a forged scenario name in `summary.json` or `shard.json` never leaves `results/`. A FIFO or a symlink given
//! as a single-file output is written through, never replaced; an `--out` symlink is not replaced by a
//! folder; leftovers of a killed process are cleaned or reported; concurrent runs on one `--out` never leave
//! it missing.

mod hostile;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use hostile::*;

/// A temporary folder holding a copy of the tiny run at `run/` and its scenario at `tiny.toml`.
fn workspace() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    fixture("run", &run);
    std::fs::write(tmp.path().join("tiny.toml"), tiny_scenario("tiny")).unwrap();
    (tmp, run)
}

fn baseline_save(cwd: &Path, run: &Path, extra: &[&str]) -> Outcome {
    cofleet(["baseline", "save"])
        .arg(run)
        .args_from(extra)
        .cwd(cwd)
        .run()
}

fn merge(cwd: &Path, extra: &[&str]) -> Outcome {
    cofleet(["merge", "s0", "s1", "--quiet"])
        .args_from(extra)
        .cwd(cwd)
        .run()
}

/// Both shards of the sharded sweep in `dir` (`s0/`, `s1/`).
fn shards_in(dir: &Path) {
    fixture("s0", &dir.join("s0"));
    fixture("s1", &dir.join("s1"));
}

// ---- Folders: the overwrite rule ----------------------------------------------------------------------------

/// `baseline save --to DIR` keeps a folder of the user's files (today: replaced by a folder holding only
/// summary.json, exit 0); `--force` replaces it; re-saving over a baseline needs no `--force`.
#[test]
fn baseline_save_keeps_a_user_folder_unless_forced() {
    let (tmp, run) = workspace();
    let mine = tmp.path().join("mine");
    user_folder(&mine);
    let o = baseline_save(tmp.path(), &run, &["--to", "mine"]);
    assert!(
        user_folder_intact(&mine),
        "the user's folder was replaced: {o}"
    );
    o.assert_refused(&["mine", "--force"]);
    baseline_save(tmp.path(), &run, &["--to", "mine", "--force"]).assert_code(0);
    assert!(mine.join("summary.json").is_file());
    baseline_save(tmp.path(), &run, &["--to", "mine"]).assert_code(0);
}

/// `merge --out DIR` keeps a folder of the user's files unless `--force`; merging again over the merged
/// sweep needs no `--force`.
#[test]
fn merge_keeps_a_user_folder_unless_forced() {
    let tmp = tempfile::tempdir().unwrap();
    shards_in(tmp.path());
    let mine = tmp.path().join("mine");
    user_folder(&mine);
    let o = merge(tmp.path(), &["--out", "mine"]);
    assert!(
        user_folder_intact(&mine),
        "the user's folder was replaced: {o}"
    );
    o.assert_refused(&["mine", "--force"]);
    merge(tmp.path(), &["--out", "mine", "--force"]).assert_code(0);
    assert!(mine.join("comparison.md").is_file());
    merge(tmp.path(), &["--out", "mine"]).assert_code(0);
}

// ---- Default output folders from untrusted names ------------------------------------------------------------

/// A scenario name of `../../../victim` or an absolute path in `summary.json` never makes `baseline save`
/// write outside `results/baselines/` (today it replaces the folder it names, exit 0).
#[test]
fn baseline_save_default_folder_never_leaves_results() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path().join("project");
    std::fs::create_dir(&cwd).unwrap();
    let victim = tmp.path().join("victim");
    for forged in ["../../../victim".to_string(), victim.display().to_string()] {
        user_folder(&victim);
        let run = tmp.path().join("run");
        let _ = std::fs::remove_dir_all(&run);
        fixture("run", &run);
        edit_json(&run.join("summary.json"), |s| {
            s["scenario"] = forged.clone().into()
        });
        let o = baseline_save(&cwd, &run, &[]);
        assert!(
            user_folder_intact(&victim),
            "scenario {forged:?}: a folder outside results/ was replaced: {o}"
        );
        o.assert_refused(&["summary.json", "scenario"]);
    }
}

/// The same for `merge`, whose default folder comes from `plan.scenario` in `shard.json`.
#[test]
fn merge_default_folder_never_leaves_results() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path().join("project");
    let victim = tmp.path().join("victim");
    for forged in ["../../victim".to_string(), victim.display().to_string()] {
        let _ = std::fs::remove_dir_all(&cwd);
        std::fs::create_dir(&cwd).unwrap();
        shards_in(&cwd);
        user_folder(&victim);
        for s in ["s0", "s1"] {
            edit_json(&cwd.join(s).join("shard.json"), |m| {
                m["plan"]["scenario"] = forged.clone().into()
            });
        }
        let o = merge(&cwd, &[]);
        assert!(
            user_folder_intact(&victim),
            "plan.scenario {forged:?}: a folder outside results/ was replaced: {o}"
        );
        o.assert_refused(&["shard.json", "scenario"]);
    }
}

// ---- Single-file outputs ------------------------------------------------------------------------------------

/// The three single-file outputs, each as (what, arguments before the target path) for the run at `run`
/// (gated against itself as its baseline, so the gate has something to check).
fn single_file_outputs(run: &Path) -> Vec<(&'static str, Vec<String>)> {
    let run = run.display().to_string();
    let gate = |flag: &str| {
        vec![
            "gate".into(),
            "--current".into(),
            run.clone(),
            "--baseline".into(),
            run.clone(),
            flag.into(),
        ]
    };
    vec![
        ("gate --junit", gate("--junit")),
        ("gate --json", gate("--json")),
        (
            "export-load --out",
            vec![
                "export-load".into(),
                "--component".into(),
                "intune".into(),
                run.clone(),
                "--out".into(),
            ],
        ),
    ]
}

/// A file of the user's given as `--junit`, `--json` or `export-load --out` is kept (today it is replaced,
/// exit 0); writing again over cofleet's own previous output of that kind is fine.
#[test]
fn single_file_outputs_keep_a_user_file() {
    let (tmp, run) = workspace();
    let mut failures = Vec::new();
    for (what, args) in single_file_outputs(&run) {
        let own = tmp.path().join(format!("own-{}", what.replace(' ', "_")));
        cofleet(&args).arg(&own).run().assert_code_in(&[0, 1]);
        let again = cofleet(&args).arg(&own).run();
        if again.crashed() || !matches!(again.code, Some(0 | 1)) {
            failures.push(format!("{what} over its own previous output: {again}"));
        }
        let thesis = tmp.path().join("thesis.tex");
        std::fs::write(&thesis, "years of work").unwrap();
        let o = cofleet(&args).arg(&thesis).run();
        let kept = std::fs::read_to_string(&thesis).is_ok_and(|t| t == "years of work");
        if !kept || o.crashed() || o.code != Some(2) {
            failures.push(format!("{what} thesis.tex (kept: {kept}): {o}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A FIFO given as a single-file output receives the bytes by plain writes and is still a FIFO afterwards
/// (the case of `/dev/null`, `/dev/stdout` or a named pipe; today it is replaced by a regular file).
#[test]
fn single_file_outputs_write_into_a_fifo() {
    let (tmp, run) = workspace();
    let mut failures = Vec::new();
    for (what, args) in single_file_outputs(&run) {
        let fifo = tmp.path().join(format!("pipe-{}", what.replace(' ', "_")));
        mkfifo(&fifo);
        let (tx, rx) = mpsc::channel();
        let reader_path = fifo.clone();
        // Blocks until a writer opens the FIFO; leaked if cofleet never does (it replaced the FIFO).
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Ok(mut f) = std::fs::File::open(&reader_path) {
                let _ = f.read_to_string(&mut text);
            }
            let _ = tx.send(text);
        });
        let o = cofleet(&args).arg(&fifo).deadline(15).run();
        let received = rx.recv_timeout(Duration::from_secs(2)).unwrap_or_default();
        let still_fifo = is_fifo(&fifo);
        if o.crashed() || !matches!(o.code, Some(0 | 1)) || !still_fifo || received.is_empty() {
            failures.push(format!(
                "{what} FIFO (still a FIFO: {still_fifo}, bytes read from it: {}): {o}",
                received.len()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A symlink given as `--json` stays a symlink and its target receives the verdict (today the link is
/// replaced by a regular file and the target left stale).
#[test]
fn a_single_file_output_through_a_symlink_keeps_the_link() {
    let (tmp, run) = workspace();
    let target = tmp.path().join("verdicts/gate.json");
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::write(&target, "").unwrap();
    let link = tmp.path().join("gate.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let o = cofleet(["gate", "--current"])
        .arg(&run)
        .arg("--baseline")
        .arg(&run)
        .arg("--json")
        .arg(&link)
        .run();
    o.assert_code_in(&[0, 1]);
    assert!(is_symlink(&link), "the symlink was replaced: {o}");
    let written = std::fs::read_to_string(&target).unwrap();
    assert!(
        written.contains("verdict"),
        "the link's target holds {written:?}: {o}"
    );
}

// ---- Results folders: symlinks, leftovers, concurrency ------------------------------------------------------

/// `run --out LINK` where LINK is a symlink to a results folder: the link is not replaced by a folder.
#[test]
fn an_out_symlink_is_not_replaced_by_a_folder() {
    let (tmp, _run) = workspace();
    let real = tmp.path().join("real");
    fixture("run", &real);
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let o = cofleet(["run", "tiny.toml", "--quiet", "--out", "link"])
        .cwd(tmp.path())
        .run();
    o.assert_code_in(&[0, 2]);
    assert!(
        is_symlink(&link),
        "--out's symlink was replaced by a folder: {o}"
    );
    assert!(real.join("summary.json").is_file(), "{o}");
}

/// The state a SIGKILL between the two renames of a replacement leaves (no results folder, the previous
/// results in `.tiny.old-PID`, a half-written `.tiny.partial-PID`, PID dead): the next run cleans or reports
/// both leftovers (today they stay hidden forever).
#[test]
fn leftovers_of_a_killed_process_are_cleaned_or_reported() {
    let (tmp, _run) = workspace();
    let results = tmp.path().join("results");
    let dead = dead_pid();
    let old = results.join(format!(".tiny.old-{dead}"));
    let partial = results.join(format!(".tiny.partial-{dead}"));
    fixture("run", &old);
    std::fs::create_dir_all(&partial).unwrap();
    std::fs::write(partial.join("load.csv"), "bucket_start_s,comp").unwrap();
    let o = cofleet(["run", "tiny.toml", "--quiet"])
        .cwd(tmp.path())
        .run();
    o.assert_code_in(&[0, 2]);
    let err = o.stderr();
    for leftover in [&old, &partial] {
        let name = leftover.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            !leftover.exists() || err.contains(&name),
            "{name} neither cleaned nor reported: {o}"
        );
    }
}

/// A real SIGKILL while a run writes its folder (caught when its temporary folder appears): the next run
/// on that `--out` cleans or reports the half-written folder (today it stays, hidden, forever).
#[test]
fn a_run_killed_while_writing_leaves_nothing_hidden_for_good() {
    let (tmp, _run) = workspace();
    let partial = (0..5).find_map(|_| {
        let mut child = cofleet(["run", "tiny.toml", "--quiet", "--out", "out"])
            .cwd(tmp.path())
            .spawn();
        while child.is_running() {
            if let Some(name) = names(tmp.path())
                .into_iter()
                .find(|n| n.starts_with(".out.partial-"))
            {
                child.signal(libc::SIGKILL);
                child.finish();
                return Some(name);
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        child.finish().assert_code(0);
        let _ = std::fs::remove_dir_all(tmp.path().join("out"));
        None
    });
    let Some(partial) = partial else {
        panic!("five runs finished writing before their temporary folder was seen");
    };
    let o = cofleet(["run", "tiny.toml", "--quiet", "--out", "out"])
        .cwd(tmp.path())
        .run();
    o.assert_code_in(&[0, 2]);
    assert!(
        !tmp.path().join(&partial).exists() || o.stderr().contains(&partial),
        "{partial} neither cleaned nor reported: {o}"
    );
}

/// A process id that no process has now: a child that has exited and been reaped.
fn dead_pid() -> u32 {
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

/// Four runs of one scenario on one `--out` at once, twice: each exits 0 or 2, and afterwards the folder is
/// a complete run with no hidden `.partial`/`.old` folder beside it.
#[test]
fn concurrent_runs_on_one_out_leave_a_complete_folder() {
    let (tmp, _run) = workspace();
    for round in 0..2 {
        let children: Vec<Running> = (0..4)
            .map(|_| {
                cofleet(["run", "tiny.toml", "--quiet", "--out", "out"])
                    .cwd(tmp.path())
                    .spawn()
            })
            .collect();
        for child in children {
            child.finish().assert_code_in(&[0, 2]);
        }
        let summary = tmp.path().join("out/summary.json");
        assert!(summary.is_file(), "round {round}: no results folder left");
        assert_eq!(
            names(tmp.path()),
            ["out", "run", "tiny.toml"],
            "round {round}: leftovers beside --out"
        );
    }
}
