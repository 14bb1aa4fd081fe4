//! The bad-input corpus, organised as data: every case is a bad input to a real `cofleet`
//! invocation, with the exit code it must give (2 for bad input, 1 only for a gate verdict) and the fragments
//! its message must contain (file, line:column, key, what is allowed). No case may panic (exit 101) or leave
//! results behind.
//!
//! - `tests/bad_inputs/scenarios/*.toml`: bad scenarios, each ending in `# expect: FRAGMENT` lines (a
//!   fragment starting with `:` is a `:line:column` of that file). Each runs through `check` and `run`
//!   (`check` only, for a file with a `# only: check` line).
//! - corrupt or foreign results folders for `gate`, `plot`, `export-load` and `baseline save`: built from a
//!   tiny real run by the mutations in [`folder_cases`], each tried on every reader.
//! - bad command lines and files (empty, binary, non-UTF-8 paths, unreadable, missing, outputs under a file,
//!   bad `--set` values): the table in [`invocation_cases`].

mod common;

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};

use common::*;

/// One invocation and what it must give.
struct Case {
    name: String,
    args: Vec<OsString>,
    code: i32,
    expect: Vec<String>,
}

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

/// Runs `case` in `cwd`; returns a description of what went wrong, if anything.
fn check_case(case: &Case, cwd: &Path) -> Option<String> {
    let out = cofleet()
        .current_dir(cwd)
        .args(&case.args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut wrong = Vec::new();
    if out.status.code() != Some(case.code) {
        wrong.push(format!(
            "exit code {:?}, expected {}",
            out.status.code(),
            case.code
        ));
    }
    if stderr.contains("panicked") || out.status.code() == Some(101) {
        wrong.push("panicked".into());
    }
    for e in &case.expect {
        if !stderr.contains(e.as_str()) {
            wrong.push(format!("message lacks {e:?}"));
        }
    }
    (!wrong.is_empty())
        .then(|| format!("{}: {}\n    stderr: {stderr}", case.name, wrong.join("; ")))
}

/// Runs every case and fails listing all the wrong ones at once.
fn check_all(cases: &[Case], cwd: &Path) {
    let failures: Vec<String> = cases.iter().filter_map(|c| check_case(c, cwd)).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_inputs")
}

#[test]
fn every_bad_scenario_is_refused_with_its_place() {
    let dir = corpus_dir().join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 60,
        "the corpus has {} scenarios",
        files.len()
    );
    let tmp = tempfile::tempdir().unwrap();
    let mut cases = Vec::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let text = String::from_utf8_lossy(&std::fs::read(file).unwrap()).into_owned();
        let mut expect: Vec<String> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# expect: "))
            .map(|e| {
                if e.starts_with(':') {
                    format!("{name}{e}")
                } else {
                    e.to_string()
                }
            })
            .collect();
        assert!(!expect.is_empty(), "{name} has no `# expect:` line");
        // `# only: check` marks what only `check` validates: `run` ignores [[variant]] tables.
        let check_only = text.lines().any(|l| l == "# only: check");
        expect.push(name.clone());
        let out = tmp.path().join(name.replace(".toml", ""));
        cases.push(Case {
            name: format!("check {name}"),
            args: vec!["check".into(), file.clone().into()],
            code: 2,
            expect: expect.clone(),
        });
        if check_only {
            continue;
        }
        cases.push(Case {
            name: format!("run {name}"),
            args: vec![
                "run".into(),
                file.clone().into(),
                "--quiet".into(),
                "--out".into(),
                out.into(),
            ],
            code: 2,
            expect,
        });
    }
    check_all(&cases, tmp.path());
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "a bad scenario left results: {left:?}");
}

/// A tiny finished run to corrupt.
fn tiny_run(dir: &Path) -> PathBuf {
    let scenario = dir.join("tiny.toml");
    std::fs::write(
        &scenario,
        "name = \"tiny\"\nduration = \"1d\"\n[fleet]\ndevices = 200\n[load]\nbucket = \"5m\"\n\
         [thresholds]\n\"hybrid_join.count\" = \">= 0\"\n",
    )
    .unwrap();
    let out = dir.join("good");
    let status = cofleet()
        .arg("run")
        .arg(&scenario)
        .arg("--quiet")
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    out
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A mutation of a good results folder: (name, mutate, the readers it breaks, expected fragments).
type Mutation = (
    &'static str,
    fn(&Path),
    &'static [&'static str],
    &'static [&'static str],
);

const READERS: &[&str] = &["gate", "plot", "export-load", "baseline"];
const SUMMARY_READERS: &[&str] = READERS;

fn set_summary(dir: &Path, f: impl FnOnce(&mut serde_json::Value)) {
    let path = dir.join("summary.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
}

fn folder_cases() -> Vec<Mutation> {
    vec![
        (
            "summary_missing",
            |d| std::fs::remove_file(d.join("summary.json")).unwrap(),
            SUMMARY_READERS,
            &["summary.json"],
        ),
        (
            "summary_empty",
            |d| std::fs::write(d.join("summary.json"), "").unwrap(),
            SUMMARY_READERS,
            &["summary.json", "JSON"],
        ),
        (
            "summary_binary_garbage",
            |d| std::fs::write(d.join("summary.json"), [0xff, 0x00, 0x13, 0x37, 0xfe]).unwrap(),
            SUMMARY_READERS,
            &["summary.json"],
        ),
        (
            "summary_truncated",
            |d| {
                let p = d.join("summary.json");
                let bytes = std::fs::read(&p).unwrap();
                std::fs::write(&p, &bytes[..bytes.len() / 2]).unwrap();
            },
            SUMMARY_READERS,
            &["summary.json", "JSON"],
        ),
        (
            "summary_not_complete",
            |d| set_summary(d, |v| v["complete"] = false.into()),
            SUMMARY_READERS,
            &["summary.json", "complete"],
        ),
        (
            "summary_complete_missing",
            |d| {
                set_summary(d, |v| {
                    v.as_object_mut().unwrap().remove("complete");
                })
            },
            SUMMARY_READERS,
            &["summary.json", "complete"],
        ),
        (
            "summary_other_schema",
            |d| set_summary(d, |v| v["schema"] = 99.into()),
            SUMMARY_READERS,
            &["summary.json", "schema 99"],
        ),
        (
            "summary_foreign_json",
            |d| {
                std::fs::write(
                    d.join("summary.json"),
                    r#"{"name": "left-pad", "version": "1.3.0"}"#,
                )
                .unwrap()
            },
            SUMMARY_READERS,
            &["summary.json", "schema"],
        ),
        (
            "summary_is_an_array",
            |d| std::fs::write(d.join("summary.json"), "[1, 2, 3]").unwrap(),
            SUMMARY_READERS,
            &["summary.json"],
        ),
        (
            "summary_is_a_folder",
            |d| {
                std::fs::remove_file(d.join("summary.json")).unwrap();
                std::fs::create_dir(d.join("summary.json")).unwrap();
            },
            SUMMARY_READERS,
            &["summary.json"],
        ),
        (
            "summary_metrics_wrong_type",
            |d| set_summary(d, |v| v["metrics"] = "fast".into()),
            SUMMARY_READERS,
            &["summary.json", "metrics"],
        ),
        (
            "summary_threshold_garbage",
            |d| {
                set_summary(d, |v| {
                    v["thresholds"] = serde_json::json!({"hybrid_join.p95": "< soon"})
                })
            },
            &["gate"],
            &["summary.json", "hybrid_join.p95"],
        ),
        (
            "summary_threshold_unknown_metric",
            |d| {
                set_summary(d, |v| {
                    v["thresholds"] = serde_json::json!({"boot.p95": "< 1h"})
                })
            },
            &["gate"],
            &["summary.json", "unknown metric \"boot\""],
        ),
        (
            "percentiles_garbage",
            |d| std::fs::write(d.join("percentiles.csv"), "\u{1}\u{2}not,a\ncsv").unwrap(),
            &["plot"],
            &["percentiles.csv"],
        ),
        (
            "percentiles_missing",
            |d| std::fs::remove_file(d.join("percentiles.csv")).unwrap(),
            &["plot"],
            &["percentiles.csv"],
        ),
        (
            "timeline_truncated_row",
            |d| {
                let p = d.join("timeline.csv");
                let text = std::fs::read_to_string(&p).unwrap();
                let cut = text.trim_end().rfind(',').unwrap();
                std::fs::write(&p, &text[..cut]).unwrap();
            },
            &["plot"],
            &["timeline.csv"],
        ),
        (
            "timeline_missing",
            |d| std::fs::remove_file(d.join("timeline.csv")).unwrap(),
            &["plot"],
            &["timeline.csv"],
        ),
        (
            "load_foreign_header",
            |d| std::fs::write(d.join("load.csv"), "a,b,c,d\n1,2,3,4\n").unwrap(),
            &["export-load"],
            &["load.csv:1", "not a cofleet load.csv"],
        ),
        (
            "load_not_numeric",
            |d| {
                let p = d.join("load.csv");
                let text = std::fs::read_to_string(&p).unwrap();
                let header = text.lines().next().unwrap();
                let fields = header.split(',').count();
                let row = ["soon", "cmg", "x", "lots"]
                    .into_iter()
                    .chain(std::iter::repeat_n("1", fields - 4))
                    .collect::<Vec<_>>()
                    .join(",");
                std::fs::write(&p, format!("{header}\n{row}\n")).unwrap();
            },
            &["export-load"],
            &["load.csv:2", "not a whole number"],
        ),
        (
            "load_out_of_order",
            |d| {
                let p = d.join("load.csv");
                let text = std::fs::read_to_string(&p).unwrap();
                let mut lines: Vec<&str> = text.lines().collect();
                lines[1..].reverse();
                std::fs::write(&p, lines.join("\n")).unwrap();
            },
            &["export-load"],
            &["load.csv", "not in bucket order"],
        ),
        (
            "load_missing",
            |d| std::fs::remove_file(d.join("load.csv")).unwrap(),
            &["export-load"],
            &["load.csv", "no load data"],
        ),
    ]
}

fn reader_args(reader: &str, dir: &Path, scratch: &Path) -> Vec<OsString> {
    let mut args: Vec<OsString> = match reader {
        "gate" => os(&["gate", "--current"]),
        "plot" => os(&["plot"]),
        "export-load" => os(&["export-load"]),
        "baseline" => os(&["baseline", "save"]),
        other => unreachable!("{other}"),
    };
    args.push(dir.into());
    match reader {
        "export-load" => args.extend(os(&["--component", "cmg"])),
        "baseline" => {
            args.push("--to".into());
            args.push(scratch.join("baseline").into());
        }
        _ => {}
    }
    args
}

#[test]
fn corrupt_and_foreign_results_folders_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tiny_run(tmp.path());
    let mut cases = Vec::new();
    // The good folder passes every reader: the mutations, not the setup, make the cases fail.
    for reader in READERS {
        let args = reader_args(reader, &good, &tmp.path().join("good-baseline"));
        let out = cofleet().args(&args).output().unwrap();
        assert!(
            out.status.success(),
            "{reader} on the good folder: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for (name, mutate, readers, expect) in folder_cases() {
        let dir = tmp.path().join(name);
        copy_tree(&good, &dir);
        mutate(&dir);
        for reader in readers {
            cases.push(Case {
                name: format!("{reader} on {name}"),
                args: reader_args(reader, &dir, &tmp.path().join("baselines").join(name)),
                code: 2,
                expect: expect.iter().map(|e| e.to_string()).collect(),
            });
        }
    }
    // A corrupt baseline is as bad as a corrupt current run.
    let broken = tmp.path().join("summary_not_complete");
    let mut args = os(&["gate", "--current"]);
    args.extend([good.clone().into(), "--baseline".into(), broken.into()]);
    cases.push(Case {
        name: "gate with an unfinished baseline".into(),
        args,
        code: 2,
        expect: vec!["summary_not_complete".into(), "complete".into()],
    });
    assert!(cases.len() >= 50, "{} folder cases", cases.len());
    check_all(&cases, tmp.path());
    assert!(
        !tmp.path().join("baselines").exists(),
        "baseline save wrote a baseline from a bad folder"
    );
}

#[test]
fn bad_invocations_and_files_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let good = tiny_run(t);
    let tiny = t.join("tiny.toml");
    let s = |p: &Path| p.display().to_string();
    std::fs::write(t.join("empty.toml"), "").unwrap();
    std::fs::write(
        t.join("garbage.toml"),
        [0x7f, 0x45, 0x4c, 0x46, 0xff, 0x00, 0xc3],
    )
    .unwrap();
    std::fs::write(t.join("a-file"), "not a folder").unwrap();
    std::fs::create_dir(t.join("a-folder.toml")).unwrap();
    // A file name that is not UTF-8 (bytes 0xff 0xfe), holding a bad scenario.
    let non_utf8 = t.join(OsString::from_vec(b"bad-\xff\xfe.toml".to_vec()));
    std::fs::write(&non_utf8, "name = \"x\"\n[fleet]\ndevices = 0\n").unwrap();

    let mut cases: Vec<Case> = Vec::new();
    let mut add = |name: &str, args: Vec<OsString>, code: i32, expect: &[&str]| {
        cases.push(Case {
            name: name.into(),
            args,
            code,
            expect: expect.iter().map(|e| e.to_string()).collect(),
        })
    };
    let run = |extra: &[&str]| {
        let mut a = os(&["run", &s(&tiny), "--quiet"]);
        a.extend(os(extra));
        a
    };
    add(
        "check an empty file",
        os(&["check", "empty.toml"]),
        2,
        &["empty.toml", "the file is empty"],
    );
    add(
        "check binary garbage",
        os(&["check", "garbage.toml"]),
        2,
        &["garbage.toml", "not UTF-8"],
    );
    add(
        "run binary garbage",
        os(&["run", "garbage.toml"]),
        2,
        &["garbage.toml", "not UTF-8"],
    );
    add(
        "check a folder",
        os(&["check", "a-folder.toml"]),
        2,
        &["a-folder.toml", "cannot read"],
    );
    add(
        "check a missing file",
        os(&["check", "nope.toml"]),
        2,
        &["nope.toml", "cannot read"],
    );
    add(
        "sweep a missing file",
        os(&["sweep", "nope.toml"]),
        2,
        &["nope.toml", "cannot read"],
    );
    add("check with no file", os(&["check"]), 2, &["SCENARIO"]);
    add("unknown subcommand", os(&["simulate"]), 2, &["simulate"]);
    add(
        "check a non-UTF-8 file name",
        vec!["check".into(), non_utf8.clone().into()],
        2,
        &["bad-", ".toml", "fleet.devices"],
    );
    add(
        "run a non-UTF-8 missing file name",
        vec![
            "run".into(),
            t.join(OsString::from_vec(b"gone-\xff.toml".to_vec()))
                .into(),
        ],
        2,
        &["gone-", "cannot read"],
    );
    add(
        "run --out under a file",
        run(&["--out", "a-file/sub"]),
        2,
        &["a-file"],
    );
    add(
        "run --out a file",
        run(&["--out", "a-file"]),
        2,
        &["a-file", "not a folder"],
    );
    add(
        "run --out in /proc",
        run(&["--out", "/proc/cofleet-cannot-write-here/x"]),
        2,
        &["/proc/cofleet-cannot-write-here"],
    );
    add(
        "run --threads 0",
        run(&["--threads", "0"]),
        2,
        &["--threads"],
    );
    add(
        "run --threads 5000",
        run(&["--threads", "5000"]),
        2,
        &["--threads"],
    );
    add(
        "run --max-memory garbage",
        run(&["--max-memory", "lots"]),
        2,
        &["--max-memory", "\"lots\""],
    );
    add(
        "run --max-memory 0",
        run(&["--max-memory", "0MB"]),
        2,
        &["--max-memory", "out of range"],
    );
    add(
        "run --max-memory bad unit",
        run(&["--max-memory", "2 parsecs"]),
        2,
        &["--max-memory", "unknown unit"],
    );
    add(
        "run --max-memory 1MB",
        run(&["--max-memory", "1MB", "--out", "never"]),
        2,
        &["estimated", "--max-memory", "--force"],
    );
    add(
        "run gate options without --gate",
        run(&["--baseline", "x"]),
        2,
        &["need --gate"],
    );
    add(
        "run --gate on a corrupt baseline",
        run(&["--out", "gated", "--gate", "--baseline", "a-file"]),
        2,
        &["a-file"],
    );
    let sweep = |set: &str| {
        os(&[
            "sweep",
            &s(&tiny),
            "--quiet",
            "--out",
            "never",
            "--set",
            set,
        ])
    };
    add(
        "sweep --set without =",
        sweep("fleet.devices"),
        2,
        &["--set", "fleet.devices"],
    );
    add("sweep --set without key", sweep("=1,2"), 2, &["--set"]);
    add(
        "sweep --set without values",
        sweep("fleet.devices="),
        2,
        &["--set"],
    );
    add(
        "sweep --set unknown key",
        sweep("fleet.devicez=1,2"),
        2,
        &["fleet.devicez", "unknown field"],
    );
    add(
        "sweep --set wrong type",
        sweep("fleet.devices=many,more"),
        2,
        &["fleet.devices"],
    );
    add(
        "sweep --set out of range",
        sweep("fleet.devices=0,10"),
        2,
        &["fleet.devices", "from 1 to 100000000"],
    );
    add(
        "sweep --set absurd fleet",
        sweep("fleet.devices=100000000000"),
        2,
        &["fleet.devices"],
    );
    add(
        "sweep --set overflowing duration",
        sweep("duration=99999999999999999999d"),
        2,
        &["duration"],
    );
    add(
        "sweep --set share sum",
        sweep("fleet.availability.always_on=0.9,0.95"),
        2,
        &["fleet.availability", "sum to 1"],
    );
    add(
        "sweep --set into a non-table",
        sweep("name.x=1,2"),
        2,
        &["name.x"],
    );
    add(
        "sweep --replicas 0",
        os(&["sweep", &s(&tiny), "--replicas", "0"]),
        2,
        &["--replicas"],
    );
    add(
        "sweep --max-memory 1MB",
        os(&[
            "sweep",
            &s(&tiny),
            "--quiet",
            "--out",
            "never",
            "--max-memory",
            "1MB",
        ]),
        2,
        &["estimated", "sweep of 1 runs"],
    );
    add(
        "sweep --out a file",
        os(&["sweep", &s(&tiny), "--quiet", "--out", "a-file"]),
        2,
        &["a-file", "not a folder"],
    );
    let gate = |extra: &[&str]| {
        let mut a = os(&["gate", "--current", &s(&good)]);
        a.extend(os(extra));
        a
    };
    add("gate without --current", os(&["gate"]), 2, &["--current"]);
    add(
        "gate --current missing",
        os(&["gate", "--current", "nowhere"]),
        2,
        &["nowhere", "cannot read"],
    );
    add(
        "gate --max-regression garbage",
        gate(&["--max-regression", "lots"]),
        2,
        &["--max-regression"],
    );
    add(
        "gate --noise-floor garbage",
        gate(&["--noise-floor", "soon"]),
        2,
        &["--noise-floor"],
    );
    add(
        "gate --metric-regression without =",
        gate(&["--baseline", &s(&good), "--metric-regression", "p95"]),
        2,
        &["--metric-regression"],
    );
    add(
        "gate --metric-regression matching nothing",
        gate(&["--baseline", &s(&good), "--metric-regression", "boot.*=5%"]),
        2,
        &["matches no statistic"],
    );
    add(
        "gate --metric-regression without baseline",
        gate(&["--metric-regression", "*=5%"]),
        2,
        &["needs --baseline"],
    );
    add(
        "gate --junit under a file",
        gate(&["--junit", "a-file/gate.xml"]),
        2,
        &["--junit", "a-file"],
    );
    add(
        "gate --json into a folder",
        gate(&["--json", "a-folder.toml"]),
        2,
        &["--json", "a-folder.toml"],
    );
    add(
        "gate --scenario and --no-thresholds",
        gate(&["--scenario", &s(&tiny), "--no-thresholds"]),
        2,
        &["--no-thresholds"],
    );
    add(
        "gate --scenario invalid",
        gate(&["--scenario", "garbage.toml"]),
        2,
        &["garbage.toml"],
    );
    add(
        "gate with nothing to gate",
        gate(&["--no-thresholds"]),
        2,
        &["nothing to gate"],
    );
    add(
        "gate threshold failing is a verdict",
        gate(&["--scenario", &s(&t.join("strict.toml"))]),
        1,
        &[],
    );
    add(
        "export-load --component unknown",
        os(&["export-load", &s(&good), "--component", "dp"]),
        2,
        &["'dp'", "--component", "management_point"],
    );
    add(
        "export-load --speedup 0",
        os(&[
            "export-load",
            &s(&good),
            "--component",
            "cmg",
            "--speedup",
            "0",
        ]),
        2,
        &["--speedup"],
    );
    add(
        "export-load --format unknown",
        os(&[
            "export-load",
            &s(&good),
            "--component",
            "cmg",
            "--format",
            "jmeter",
        ]),
        2,
        &["jmeter"],
    );
    add(
        "export-load --out under a file",
        os(&[
            "export-load",
            &s(&good),
            "--component",
            "cmg",
            "--out",
            "a-file/k6.js",
        ]),
        2,
        &["a-file"],
    );
    add(
        "export-load on a file",
        os(&["export-load", "a-file", "--component", "cmg"]),
        2,
        &["a-file"],
    );
    add(
        "plot a file",
        os(&["plot", "a-file"]),
        2,
        &["a-file", "not a results folder"],
    );
    add(
        "plot a missing folder",
        os(&["plot", "nowhere"]),
        2,
        &["nowhere"],
    );
    add(
        "plot --format unknown",
        os(&["plot", &s(&good), "--format", "gif"]),
        2,
        &["gif"],
    );
    add(
        "baseline save --to a file",
        os(&["baseline", "save", &s(&good), "--to", "a-file"]),
        2,
        &["--to", "a-file"],
    );
    add(
        "baseline save --to under a file",
        os(&["baseline", "save", &s(&good), "--to", "a-file/b"]),
        2,
        &["--to", "a-file"],
    );
    add(
        "baseline save a missing folder",
        os(&["baseline", "save", "nowhere"]),
        2,
        &["nowhere"],
    );
    std::fs::write(
        t.join("strict.toml"),
        "name = \"tiny\"\nduration = \"1d\"\n[fleet]\ndevices = 200\n[thresholds]\n\"hybrid_join.count\" = \">= 1000000\"\n",
    )
    .unwrap();
    assert!(cases.len() >= 55, "{} invocation cases", cases.len());
    check_all(&cases, t);
    for never in ["never", "gated"] {
        assert!(
            !t.join(never).exists(),
            "{never}: a refused command wrote results"
        );
    }
}

/// What cannot be read as a scenario — a directory, a file path with a trailing slash, and (unless running as
/// root, which chmod 000 does not stop) a file without read permission — is refused with exit 2 naming the
/// path, by `check` and by `run`. Root (as in CI) still checks the first two.
#[test]
fn unreadable_scenario_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("folder.toml");
    std::fs::create_dir(&folder).unwrap();
    let file = tmp.path().join("plain.toml");
    std::fs::write(&file, "name = \"x\"\n[fleet]\ndevices = 10\n").unwrap();
    let mut slashed = file.clone().into_os_string();
    slashed.push("/");
    let mut unreadable = vec![
        (folder.into_os_string(), "folder.toml"),
        (slashed, "plain.toml/"),
    ];
    let locked = tmp.path().join("locked.toml");
    std::fs::write(&locked, "name = \"x\"\n[fleet]\ndevices = 10\n").unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&locked).is_err() {
        unreadable.push((locked.into_os_string(), "locked.toml"));
    }
    let out = tmp.path().join("out");
    let mut cases = Vec::new();
    for (path, name) in unreadable {
        cases.push(Case {
            name: format!("check {name}"),
            args: vec!["check".into(), path.clone()],
            code: 2,
            expect: vec![name.into(), "cannot read".into()],
        });
        cases.push(Case {
            name: format!("run {name}"),
            args: vec!["run".into(), path, "--out".into(), out.clone().into()],
            code: 2,
            expect: vec![name.into(), "cannot read".into()],
        });
    }
    check_all(&cases, tmp.path());
    assert!(!out.exists(), "no results from an unreadable scenario");
}

#[test]
fn a_non_utf8_output_folder_and_a_bom_work() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("bom.toml");
    // Notepad's UTF-8 byte-order mark is not content.
    std::fs::write(
        &scenario,
        "\u{feff}name = \"bom\"\nduration = \"1h\"\n[fleet]\ndevices = 10\n",
    )
    .unwrap();
    let out = tmp
        .path()
        .join(OsString::from_vec(b"out-\xff\xfe".to_vec()));
    let output = cofleet()
        .arg("run")
        .arg(&scenario)
        .arg("--quiet")
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(out.join("summary.json").is_file());
    let names: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "no temporary folder left: {names:?}");
}
