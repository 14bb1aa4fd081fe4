//! Fuzzing of result files through the commands that read them: a real run's `summary.json`, `load.csv` or
//! `timeline.csv`, or a shard's `shard.json` or run `summary.json`, with one mutation (a field removed, a
//! value replaced by a huge, negative, NaN-like or non-numeric one, a token out of range, the file cut short,
//! a row repeated) goes through `gate`, `plot`, `export-load`, `baseline save` or `merge`. Whatever the
//! input, the command ends within its deadline with exit 0, 1 or 2 — no panic, no abort, no hang.
//!
//! 64 fixed cases by default; set `COFLEET_FUZZ_CASES=N` for a longer session of N fresh cases (each case runs
//! the binary once; the failure message holds the case and the mutated file's start).

mod hostile;

use std::path::{Path, PathBuf};

use hostile::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRng, TestRunner};
use serde_json::{Value, json};

/// The file a case mutates.
#[derive(Debug, Clone, Copy)]
enum Target {
    RunSummary,
    RunLoad,
    RunTimeline,
    ShardMarker,
    ShardSummary,
}

const TARGETS: [Target; 5] = [
    Target::RunSummary,
    Target::RunLoad,
    Target::RunTimeline,
    Target::ShardMarker,
    Target::ShardSummary,
];

/// Values a JSON leaf is replaced with.
fn json_values() -> Vec<Value> {
    vec![
        json!(1e308),
        json!(-1),
        json!(-1e308),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(4_294_967_296u64),
        json!(0),
        json!(-0.5),
        json!("NaN"),
        json!("abc"),
        json!("../../x"),
        json!(""),
        json!("\u{1b}[2J\u{ffff}"),
        json!(null),
        json!(true),
        json!([]),
        json!({}),
    ]
}

/// Raw tokens a JSON leaf is replaced with (some are not valid JSON).
const RAW_TOKENS: [&str; 5] = [
    "1e999",
    "-99999999999999999999999",
    "NaN",
    "Infinity",
    "0x10",
];

/// Values a CSV field is replaced with.
const CSV_VALUES: [&str; 14] = [
    "",
    "-1",
    "1e308",
    "NaN",
    "inf",
    "-inf",
    "18446744073709551615",
    "18446744073709551616",
    "100000000000",
    "4294967296",
    "abc",
    "0",
    "-0",
    "\u{1b}[2J",
];

/// One mutation, chosen by proptest.
#[derive(Debug, Clone)]
struct Case {
    target: usize,
    command: usize,
    kind: usize,
    position: u32,
    value: usize,
}

fn cases() -> impl Strategy<Value = Case> {
    (
        0..TARGETS.len(),
        0..4usize,
        0..4usize,
        any::<u32>(),
        0..64usize,
    )
        .prop_map(|(target, command, kind, position, value)| Case {
            target,
            command,
            kind,
            position,
            value,
        })
}

/// Paths (object keys and array indices) of every leaf of `value`.
fn leaves(value: &Value, path: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                path.push(json!(k));
                leaves(v, path, out);
                path.pop();
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (i, v) in items.iter().enumerate() {
                path.push(json!(i));
                leaves(v, path, out);
                path.pop();
            }
        }
        _ => out.push(path.clone()),
    }
}

fn parent_of<'a>(root: &'a mut Value, path: &[Value]) -> &'a mut Value {
    let mut at = root;
    for seg in path {
        at = match seg {
            Value::String(k) => &mut at[k.as_str()],
            _ => &mut at[seg.as_u64().unwrap() as usize],
        };
    }
    at
}

fn mutate_json(bytes: &[u8], case: &Case) -> Vec<u8> {
    if case.kind == 2 {
        return bytes[..case.position as usize % bytes.len()].to_vec();
    }
    let mut value: Value = serde_json::from_slice(bytes).unwrap();
    let mut paths = Vec::new();
    leaves(&value, &mut Vec::new(), &mut paths);
    let path = &paths[case.position as usize % paths.len()];
    let (last, parent_path) = path.split_last().unwrap();
    let parent = parent_of(&mut value, parent_path);
    const PLACEHOLDER: &str = "@@fuzz@@";
    match case.kind {
        0 => match (parent, last) {
            (Value::Object(map), Value::String(k)) => {
                map.remove(k);
            }
            (Value::Array(items), i) => {
                items.remove(i.as_u64().unwrap() as usize);
            }
            _ => {}
        },
        1 => {
            let values = json_values();
            *parent_of(parent, std::slice::from_ref(last)) =
                values[case.value % values.len()].clone();
        }
        _ => *parent_of(parent, std::slice::from_ref(last)) = json!(PLACEHOLDER),
    }
    let text = serde_json::to_string_pretty(&value).unwrap();
    text.replace(
        &format!("\"{PLACEHOLDER}\""),
        RAW_TOKENS[case.value % RAW_TOKENS.len()],
    )
    .into_bytes()
}

fn mutate_csv(bytes: &[u8], case: &Case) -> Vec<u8> {
    if case.kind == 2 {
        return bytes[..case.position as usize % bytes.len()].to_vec();
    }
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let mut rows: Vec<Vec<String>> = text
        .lines()
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    let row = case.position as usize % rows.len();
    let column = (case.position as usize / rows.len()) % rows[row].len();
    match case.kind {
        0 => {
            rows[row].remove(column);
        }
        1 => rows[row][column] = CSV_VALUES[case.value % CSV_VALUES.len()].to_string(),
        _ => {
            // A row repeated a thousand times, out of order.
            let copy = rows[row].clone();
            for _ in 0..1000 {
                rows.insert(1, copy.clone());
            }
        }
    }
    let mut out = rows
        .iter()
        .map(|r| r.join(","))
        .collect::<Vec<_>>()
        .join("\n");
    out.push('\n');
    out.into_bytes()
}

/// Runs one case; an error names what went wrong.
fn run_case(case: &Case) -> Result<(), String> {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let target = TARGETS[case.target];
    let (file, args): (PathBuf, Vec<Vec<String>>) = match target {
        Target::RunSummary | Target::RunLoad | Target::RunTimeline => {
            let run = t.join("run");
            let pristine = t.join("pristine");
            fixture("run", &run);
            fixture("run", &pristine);
            let name = match target {
                Target::RunSummary => "summary.json",
                Target::RunLoad => "load.csv",
                _ => "timeline.csv",
            };
            let s = |p: &Path| p.display().to_string();
            let commands = vec![
                vec![
                    "gate".into(),
                    "--current".into(),
                    s(&run),
                    "--baseline".into(),
                    s(&pristine),
                ],
                vec!["plot".into(), "--format".into(), "svg".into(), s(&run)],
                vec![
                    "export-load".into(),
                    "--component".into(),
                    "intune".into(),
                    "--format".into(),
                    "csv".into(),
                    s(&run),
                ],
                vec![
                    "baseline".into(),
                    "save".into(),
                    s(&run),
                    "--to".into(),
                    s(&t.join("b")),
                ],
            ];
            (run.join(name), commands)
        }
        Target::ShardMarker | Target::ShardSummary => {
            let (s0, s1) = (t.join("s0"), t.join("s1"));
            fixture("s0", &s0);
            fixture("s1", &s1);
            let file = match target {
                Target::ShardMarker => s1.join("shard.json"),
                _ => first_summary(&s1),
            };
            let merge = vec![
                "merge".into(),
                s0.display().to_string(),
                s1.display().to_string(),
                "--quiet".into(),
                "--out".into(),
                t.join("m").display().to_string(),
            ];
            (file, vec![merge])
        }
    };
    let mutate = |file: &Path| {
        let bytes = std::fs::read(file).unwrap();
        let mutated = if file.extension().is_some_and(|e| e == "json") {
            mutate_json(&bytes, case)
        } else {
            mutate_csv(&bytes, case)
        };
        std::fs::write(file, &mutated).unwrap();
        mutated
    };
    let mutated = mutate(&file);
    if let Target::ShardMarker = target {
        // Both markers forged alike, so the forgery reaches past the "shards agree" checks.
        mutate(&t.join("s0").join("shard.json"));
    }
    let command = &args[case.command % args.len()];
    let o = cofleet(command).deadline(20).address_space(2 << 30).run();
    if o.crashed() || !matches!(o.code, Some(0..=2)) {
        let shown = String::from_utf8_lossy(&mutated);
        let head: String = shown.chars().take(300).collect();
        return Err(format!(
            "{target:?} {} mutated ({case:?}; starts {head:?}): {o}",
            file.file_name().unwrap().to_string_lossy()
        ));
    }
    Ok(())
}

/// The `summary.json` of the first run folder below `dir`.
fn first_summary(dir: &Path) -> PathBuf {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.file_name().is_some_and(|n| n == "summary.json") {
                return p;
            }
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    panic!("no summary.json below {}", dir.display());
}

#[test]
fn mutated_result_files_never_crash_or_hang_a_command() {
    // CI runs 64 fixed cases (the same every time); a long session draws new ones on every run.
    let long: Option<u32> = std::env::var("COFLEET_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok());
    let config = Config {
        cases: long.unwrap_or(64),
        failure_persistence: None,
        max_shrink_iters: 16,
        ..Config::default()
    };
    let mut runner = match long {
        Some(_) => TestRunner::new(config),
        None => {
            let rng = TestRng::deterministic_rng(config.rng_algorithm);
            TestRunner::new_with_rng(config, rng)
        }
    };
    let result = runner.run(&cases(), |case| {
        run_case(&case).map_err(TestCaseError::fail)
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
