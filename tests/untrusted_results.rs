//! Result folders are untrusted input: `summary.json`, `shard.json` and `load.csv` may be forged, truncated,
//! a FIFO, a symlink or gigabytes long, and `gate`, `plot`, `merge`, `export-load` and `baseline save` must
//! still end quickly with exit 2 and a message naming the file and the field — never a panic, an abort, a
//! hang, a read outside the folder named, or an exit 0 on nonsense.
//!
//! Each case starts from a real tiny run or sharded sweep (made once, `hostile::fixture`) and forges one
//! thing in a copy.

mod hostile;

use std::path::{Path, PathBuf};
use std::time::Duration;

use hostile::*;

const LOAD_HEADER: &str = "bucket_start_s,component,request_type,requests,capacity_per_s,utilisation,\
queue_delay_p50_s,queue_delay_p95_s,served,bucket_start_date\n";

/// A copy of the tiny run in a fresh temporary folder: (guard, the run folder).
fn run_copy() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    fixture("run", &run);
    (tmp, run)
}

/// Copies of both shards of the sharded sweep: (guard, shard 0, shard 1).
fn shards_copy() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let (s0, s1) = (tmp.path().join("s0"), tmp.path().join("s1"));
    fixture("s0", &s0);
    fixture("s1", &s1);
    (tmp, s0, s1)
}

fn merge(tmp: &Path, s0: &Path, s1: &Path) -> Outcome {
    cofleet([
        "merge".as_ref(),
        s0.as_os_str(),
        s1.as_os_str(),
        "--quiet".as_ref(),
    ])
    .arg("--out")
    .arg(tmp.join("merged"))
    .run()
}

fn export_load(run: &Path) -> Outcome {
    cofleet(["export-load", "--component", "intune", "--format", "csv"])
        .arg(run)
        .deadline(20)
        .run()
}

fn plot(run: &Path) -> Outcome {
    cofleet(["plot", "--format", "svg"])
        .arg(run)
        .deadline(20)
        .run()
}

/// Collects the failures of a loop over commands, so one test reports every command that fails.
#[derive(Default)]
struct Failures(Vec<String>);

impl Failures {
    fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if !ok {
            self.0.push(what());
        }
    }

    fn assert_none(self) {
        assert!(
            self.0.is_empty(),
            "{} failing command(s):\n{}",
            self.0.len(),
            self.0.join("\n")
        );
    }
}

// ---- Crashes ------------------------------------------------------------------------------------------------

/// `"shards": 0` in both markers: today `merge` panics on a remainder by zero.
#[test]
fn merge_refuses_a_marker_with_zero_shards() {
    let (tmp, s0, s1) = shards_copy();
    for s in [&s0, &s1] {
        edit_json(&s.join("shard.json"), |m| m["shards"] = 0.into());
    }
    let o = merge(tmp.path(), &s0, &s1);
    o.assert_refused(&["shard.json", "shards"]);
    assert!(!tmp.path().join("merged").exists(), "{o}");
}

/// A forged `plan.replicas` of four billion: today `merge` tries to allocate for every run and aborts.
#[test]
fn merge_refuses_a_forged_replica_count() {
    let (tmp, s0, s1) = shards_copy();
    for s in [&s0, &s1] {
        edit_json(&s.join("shard.json"), |m| {
            m["plan"]["replicas"] = 4_000_000_000u32.into()
        });
    }
    let o = merge(tmp.path(), &s0, &s1);
    o.assert_refused(&["shard.json", "replicas"]);
}

/// A named edit of a `shard.json`.
type Forgery = (&'static str, fn(&mut serde_json::Value));

/// A plan whose `--set` keys and variant labels disagree in number (found by `tests/result_fuzz.rs`):
/// today `merge` panics writing `comparison.csv` ("writing to memory cannot fail: UnequalLengths").
#[test]
fn merge_refuses_a_plan_whose_labels_do_not_match_its_keys() {
    let mut failures = Failures::default();
    let forgeries: [Forgery; 2] = [
        ("param_keys = []", |m| {
            m["plan"]["param_keys"] = serde_json::json!([])
        }),
        ("variants[0] without labels", |m| {
            m["plan"]["variants"][0][1] = serde_json::json!([])
        }),
    ];
    for (what, forge) in forgeries {
        let (tmp, s0, s1) = shards_copy();
        for s in [&s0, &s1] {
            edit_json(&s.join("shard.json"), forge);
        }
        let o = merge(tmp.path(), &s0, &s1);
        failures.check(
            !o.crashed() && o.code == Some(2) && o.stderr().contains("shard.json"),
            || format!("{what}: {o}"),
        );
    }
    failures.assert_none();
}

/// A replica's `summary.json` missing one count its sibling replica has (found by `tests/result_fuzz.rs`):
/// today `merge` panics aggregating the replicas ("index out of bounds").
#[test]
fn merge_refuses_replicas_with_different_statistics() {
    let (tmp, s0, s1) = shards_copy();
    let replica = std::fs::read_dir(s1.join("variants"))
        .unwrap()
        .map(|e| e.unwrap().path().join("replicas/1/summary.json"))
        .find(|p| p.is_file())
        .expect("shard 1 holds a replica 1");
    edit_json(&replica, |s| {
        s["counts"].as_object_mut().unwrap().remove("enrolled");
    });
    let o = merge(tmp.path(), &s0, &s1);
    o.assert_refused(&["summary.json"]);
}

/// Bucket starts 0, 1 and 1e11 s: today `export-load` sizes one step per bucket of the span (800 GB) and
/// aborts.
#[test]
fn export_load_refuses_a_bucket_layout_spanning_1e11_seconds() {
    let (_tmp, run) = run_copy();
    std::fs::write(
        run.join("load.csv"),
        format!(
            "{LOAD_HEADER}0,intune,sync,1,10,0,0,0,1,\n1,intune,sync,1,10,0,0,0,1,\n\
             100000000000,intune,sync,1,10,0,0,0,1,\n"
        ),
    )
    .unwrap();
    export_load(&run).assert_refused(&["load.csv", "bucket_start_s"]);
}

/// The same layout through `plot`, and starts 0 and 2⁶⁴−1 (today `plot` grows to gigabytes).
#[test]
fn plot_refuses_a_bucket_layout_beyond_the_horizon() {
    let mut failures = Failures::default();
    for rows in [
        "0,intune,sync,1,10,0,0,0,1,\n1,intune,sync,1,10,0,0,0,1,\n100000000000,intune,sync,1,10,0,0,0,1,\n",
        "0,intune,sync,1,10,0,0,0,1,\n18446744073709551615,intune,sync,1,10,0,0,0,1,\n",
    ] {
        let (_tmp, run) = run_copy();
        std::fs::write(run.join("load.csv"), format!("{LOAD_HEADER}{rows}")).unwrap();
        let o = plot(&run);
        failures.check(
            !o.crashed() && o.code == Some(2) && o.stderr().contains("load.csv"),
            || format!("rows {rows:?}: {o}"),
        );
    }
    failures.assert_none();
}

// ---- Hangs and blow-ups -------------------------------------------------------------------------------------

/// Two finite 1e308 rows of one bucket sum to infinity: today the plotting backend loops forever.
#[test]
fn plot_refuses_rows_summing_to_infinity() {
    let (_tmp, run) = run_copy();
    std::fs::write(
        run.join("load.csv"),
        format!(
            "{LOAD_HEADER}60,intune,sync,1e308,10,0,0,0,1,\n60,intune,policy,1e308,10,0,0,0,1,\n"
        ),
    )
    .unwrap();
    let o = plot(&run);
    o.assert_refused(&["load.csv"]);
}

/// 100,000 distinct component names (one plot each): refused quickly instead of rendering for minutes.
#[test]
fn plot_refuses_a_hundred_thousand_components_quickly() {
    let (_tmp, run) = run_copy();
    let mut text = String::from(LOAD_HEADER);
    for i in 0..100_000 {
        text.push_str(&format!("60,c{i},sync,1,10,0,0,0,1,\n"));
    }
    std::fs::write(run.join("load.csv"), text).unwrap();
    let o = plot(&run);
    o.assert_within(Duration::from_secs(10));
    o.assert_refused(&["load.csv", "component"]);
}

/// A FIFO where a result file is expected: refused at once ("not a regular file"), never a blocked read.
#[test]
fn a_fifo_where_a_result_file_is_expected_is_refused_quickly() {
    let mut failures = Failures::default();
    let cases: [(&str, &str); 5] = [
        ("gate", "summary.json"),
        ("baseline save", "summary.json"),
        ("plot", "timeline.csv"),
        ("export-load", "load.csv"),
        ("merge", "shard.json"),
    ];
    for (command, file) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let o = if command == "merge" {
            let (s0, s1) = (tmp.path().join("s0"), tmp.path().join("s1"));
            fixture("s0", &s0);
            fixture("s1", &s1);
            std::fs::remove_file(s1.join(file)).unwrap();
            mkfifo(&s1.join(file));
            cofleet(["merge".as_ref(), s0.as_os_str(), s1.as_os_str()])
                .arg("--out")
                .arg(tmp.path().join("m"))
                .deadline(5)
                .run()
        } else {
            let run = tmp.path().join("run");
            fixture("run", &run);
            std::fs::remove_file(run.join(file)).unwrap();
            mkfifo(&run.join(file));
            let args: Vec<&str> = match command {
                "gate" => vec!["gate", "--current"],
                "baseline save" => vec!["baseline", "save"],
                "plot" => vec!["plot"],
                _ => vec!["export-load", "--component", "intune"],
            };
            let mut inv = cofleet(args).arg(&run).deadline(5);
            if command == "baseline save" {
                inv = inv.arg("--to").arg(tmp.path().join("b"));
            }
            inv.run()
        };
        failures.check(
            !o.crashed() && o.code == Some(2) && o.stderr().contains(file),
            || format!("{command} with {file} a FIFO: {o}"),
        );
    }
    failures.assert_none();
}

/// `load.csv` and `summary.json` as symlinks to an endless device: refused, never read until memory runs
/// out. (The child's address space is capped, so today's behaviour is an abort, not a swamped machine.)
#[test]
fn an_endless_file_where_a_result_file_is_expected_is_refused() {
    let mut failures = Failures::default();
    for (file, args) in [
        ("load.csv", vec!["export-load", "--component", "intune"]),
        ("summary.json", vec!["gate", "--current"]),
    ] {
        let (_tmp, run) = run_copy();
        std::fs::remove_file(run.join(file)).unwrap();
        std::os::unix::fs::symlink("/dev/zero", run.join(file)).unwrap();
        let o = cofleet(args)
            .arg(&run)
            .deadline(15)
            .address_space(1 << 30)
            .run();
        // "out of memory" would mean it was read until the address-space cap stopped it.
        failures.check(
            !o.crashed()
                && o.code == Some(2)
                && o.stderr().contains(file)
                && !o.stderr().contains("out of memory"),
            || format!("{file} -> /dev/zero: {o}"),
        );
    }
    failures.assert_none();
}

/// A 2 GiB `summary.json` (sparse: no disk used) is refused by its size with a message saying so, not read
/// whole (the child's address space is 1 GiB, so a whole read fails as an allocation).
#[test]
fn a_huge_summary_is_refused_by_its_size() {
    let (_tmp, run) = run_copy();
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(run.join("summary.json"))
        .unwrap();
    f.set_len(2 << 30).unwrap();
    drop(f);
    let o = cofleet(["gate", "--current"])
        .arg(&run)
        .deadline(15)
        .address_space(1 << 30)
        .run();
    o.assert_refused(&["summary.json"]);
    let err = o.stderr().to_lowercase();
    assert!(
        !err.contains("memory")
            && ["too large", "too big", "size", "limit"]
                .iter()
                .any(|w| err.contains(w)),
        "expected a size limit in the message: {o}"
    );
    o.assert_within(Duration::from_secs(5));
}

// ---- Reading outside what was named -------------------------------------------------------------------------

/// A symlinked file and a symlinked folder inside a shard point outside it: `merge` must never copy what
/// they point to into the merged results (copy the link, or refuse and say so).
#[test]
fn merge_never_follows_symlinks_inside_shards() {
    let (tmp, s0, s1) = shards_copy();
    let secret = tmp.path().join("secret");
    std::fs::create_dir(&secret).unwrap();
    std::fs::write(secret.join("id_rsa"), "PRIVATE KEY").unwrap();
    let variant = std::fs::read_dir(s1.join("variants"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::os::unix::fs::symlink(secret.join("id_rsa"), variant.join("notes.txt")).unwrap();
    std::os::unix::fs::symlink(&secret, variant.join("extra")).unwrap();
    let o = merge(tmp.path(), &s0, &s1);
    o.assert_code_in(&[0, 2]);
    let merged = tmp.path().join("merged");
    if o.code == Some(2) {
        assert!(
            o.stderr().contains("symlink") || o.stderr().contains("symbolic link"),
            "{o}"
        );
    }
    if merged.exists() {
        let copied: Vec<String> = regular_files(&merged)
            .into_iter()
            .filter(|p| std::fs::read(p).is_ok_and(|b| b == b"PRIVATE KEY"))
            .map(|p| p.display().to_string())
            .collect();
        assert!(
            copied.is_empty(),
            "merge copied the symlinks' targets into {copied:?}: {o}"
        );
    }
}

/// Regular files below `dir`, not following symlinks.
fn regular_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            out.extend(regular_files(&entry.path()));
        } else if kind.is_file() {
            out.push(entry.path());
        }
    }
    out
}

/// A symlink inside a results folder stays a symlink after `plot` (today `plot` rewrites the folder and
/// turns it into a copy of its target).
#[test]
fn plot_keeps_symlinks_as_links() {
    let (tmp, run) = run_copy();
    let secret = tmp.path().join("secret.txt");
    std::fs::write(&secret, "PRIVATE").unwrap();
    std::os::unix::fs::symlink(&secret, run.join("notes.txt")).unwrap();
    let o = plot(&run);
    o.assert_code_in(&[0, 2]);
    if o.code == Some(0) {
        assert!(
            is_symlink(&run.join("notes.txt")),
            "the link became a copy: {o}"
        );
    } else {
        assert!(o.stderr().contains("notes.txt"), "{o}");
    }
    assert_eq!(std::fs::read_to_string(&secret).unwrap(), "PRIVATE");
}

// ---- Wrong exit codes ---------------------------------------------------------------------------------------

/// A marker whose plan has no variants (and shards owning no runs): today an empty comparison, exit 0.
#[test]
fn merge_refuses_an_empty_plan() {
    let (tmp, s0, s1) = shards_copy();
    for s in [&s0, &s1] {
        edit_json(&s.join("shard.json"), |m| {
            m["plan"]["variants"] = serde_json::json!([]);
            m["runs"] = serde_json::json!([]);
        });
    }
    let o = merge(tmp.path(), &s0, &s1);
    o.assert_refused(&["shard.json"]);
    assert!(!tmp.path().join("merged").exists(), "{o}");
}

/// A bucket gap of 2³² s wraps the bucket length to 0: today `export-load` prints `inf` rates, exit 0.
#[test]
fn export_load_refuses_a_bucket_gap_of_two_to_the_32() {
    let (_tmp, run) = run_copy();
    std::fs::write(
        run.join("load.csv"),
        format!("{LOAD_HEADER}0,intune,sync,5,10,0,0,0,1,\n4294967296,intune,sync,5,10,0,0,0,1,\n"),
    )
    .unwrap();
    let o = export_load(&run);
    assert!(!o.stdout().contains("inf"), "{o}");
    o.assert_refused(&["load.csv", "bucket_start_s"]);
}

/// A baseline sweep of 2 replicas whose `replicas/` folders were removed is refused, not compared as one
/// replica against two.
#[test]
fn gate_refuses_a_baseline_sweep_missing_its_replicas() {
    let tmp = tempfile::tempdir().unwrap();
    let (current, baseline) = (tmp.path().join("current"), tmp.path().join("baseline"));
    fixture("sweep", &current);
    fixture("sweep", &baseline);
    for variant in std::fs::read_dir(baseline.join("variants")).unwrap() {
        std::fs::remove_dir_all(variant.unwrap().path().join("replicas")).unwrap();
    }
    let o = cofleet(["gate", "--no-thresholds", "--current"])
        .arg(&current)
        .arg("--baseline")
        .arg(&baseline)
        .run();
    o.assert_refused(&["replicas"]);
}

/// `cofleet plot .` from inside the results folder: today EBUSY (the folder cannot be renamed).
#[test]
fn plot_dot_exits_0() {
    let (_tmp, run) = run_copy();
    let o = cofleet(["plot", "--format", "svg", "."]).cwd(&run).run();
    o.assert_code(0);
    assert!(run.join("summary.json").is_file() && run.join("report.html").is_file());
}

// ---- Unclear or unsafe messages -----------------------------------------------------------------------------

/// `"schema": "1"` is a schema of the wrong type, not a missing one.
#[test]
fn a_string_schema_is_not_reported_as_missing() {
    let (_tmp, run) = run_copy();
    edit_json(&run.join("summary.json"), |s| s["schema"] = "1".into());
    let o = cofleet(["gate", "--current"]).arg(&run).run();
    o.assert_refused(&["summary.json", "schema"]);
    assert!(!o.stderr().contains("no \"schema\" field"), "{o}");
}

/// A negative count names its field (today: "invalid value: integer `-5`, expected u64" and no field).
#[test]
fn a_negative_value_names_its_field() {
    let mut failures = Failures::default();
    let (_tmp, run) = run_copy();
    edit_json(&run.join("summary.json"), |s| s["devices"] = (-5).into());
    let o = cofleet(["gate", "--current"]).arg(&run).run();
    failures.check(
        !o.crashed() && o.code == Some(2) && o.stderr().contains("devices"),
        || format!("summary.json devices = -5: {o}"),
    );
    let (tmp, s0, s1) = shards_copy();
    edit_json(&s1.join("shard.json"), |m| m["shard"] = (-1).into());
    let o = merge(tmp.path(), &s0, &s1);
    failures.check(
        !o.crashed()
            && o.code == Some(2)
            && ["\"shard\"", "`shard`", "field shard", " shard:"]
                .iter()
                .any(|n| o.stderr().contains(n)),
        || format!("shard.json shard = -1: {o}"),
    );
    failures.assert_none();
}

/// ESC sequences and control characters in a forged scenario name never reach the terminal raw.
#[test]
fn control_characters_from_a_summary_are_escaped() {
    let mut failures = Failures::default();
    let name = "evil\u{1b}[2J\u{1b}]0;pwned\u{7}\r";
    for args in [
        vec!["baseline", "save"],
        vec!["gate", "--current"],
        vec!["plot"],
    ] {
        let (tmp, run) = run_copy();
        let baseline = tmp.path().join("baseline");
        fixture("run", &baseline);
        for dir in [&run, &baseline] {
            edit_json(&dir.join("summary.json"), |s| s["scenario"] = name.into());
        }
        let mut inv = cofleet(&args).arg(&run);
        if args[0] == "baseline" {
            inv = inv.arg("--to").arg(tmp.path().join("b"));
        } else if args[0] == "gate" {
            inv = inv.arg("--baseline").arg(&baseline);
        }
        let o = inv.run();
        let raw = |b: &[u8]| b.iter().any(|&c| c == 0x1b || c == 0x07 || c == b'\r');
        failures.check(!o.crashed() && !raw(&o.stdout) && !raw(&o.stderr), || {
            format!("{args:?}: {o}")
        });
    }
    failures.assert_none();
}

/// U+FFFF (not an XML character) in the scenario name: the JUnit report stays well-formed XML.
#[test]
fn a_noncharacter_in_a_name_keeps_junit_well_formed() {
    let (tmp, run) = run_copy();
    let baseline = tmp.path().join("baseline");
    fixture("run", &baseline);
    for dir in [&run, &baseline] {
        edit_json(&dir.join("summary.json"), |s| {
            s["scenario"] = "a\u{ffff}b".into()
        });
    }
    let junit = tmp.path().join("gate.xml");
    let o = cofleet(["gate", "--current"])
        .arg(&run)
        .arg("--baseline")
        .arg(&baseline)
        .arg("--junit")
        .arg(&junit)
        .run();
    o.assert_code_in(&[0, 1]);
    let xml = std::fs::read_to_string(&junit).unwrap();
    if let Err(e) = roxmltree::Document::parse(&xml) {
        panic!("ill-formed JUnit XML ({e}): {o}");
    }
}
