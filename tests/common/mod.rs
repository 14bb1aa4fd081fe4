//! Helpers shared by the integration tests: run the real `cofleet` binary on scenario text (at one thread
//! count or several, compared byte for byte), and edit scenarios by key ([`edit`]).
#![allow(dead_code)]

mod edit;
#[allow(unused_imports)]
pub use edit::{ScenarioEdit, scenario_with};

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

/// A finished `cofleet run` in a temporary folder.
pub struct Run {
    pub dir: tempfile::TempDir,
    pub out: PathBuf,
    pub output: Output,
}

impl Run {
    pub fn summary(&self) -> Value {
        let text = std::fs::read_to_string(self.out.join("summary.json")).expect("summary.json");
        serde_json::from_str(&text).expect("valid JSON")
    }

    /// `metrics.<name>.<stat>` as f64.
    pub fn stat(&self, metric: &str, stat: &str) -> f64 {
        self.summary()["metrics"][metric][stat]
            .as_f64()
            .unwrap_or_else(|| panic!("no {metric}.{stat} in summary"))
    }

    /// timeline.csv as (header, rows of i64), its `date` column left out (see [`Run::timeline_dates`]).
    pub fn timeline(&self) -> (Vec<String>, Vec<Vec<i64>>) {
        let mut r = csv::Reader::from_path(self.out.join("timeline.csv")).expect("timeline.csv");
        let all: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
        let date = all.iter().position(|h| h == "date").expect("a date column");
        let header = all.iter().filter(|h| *h != "date").cloned().collect();
        let rows = r
            .records()
            .map(|rec| {
                let rec = rec.unwrap();
                rec.iter()
                    .enumerate()
                    .filter(|(i, _)| *i != date)
                    .map(|(_, v)| v.parse().unwrap())
                    .collect()
            })
            .collect();
        (header, rows)
    }

    /// timeline.csv's `date` column, row by row.
    pub fn timeline_dates(&self) -> Vec<String> {
        let mut r = csv::Reader::from_path(self.out.join("timeline.csv")).expect("timeline.csv");
        let date = r.headers().unwrap().iter().position(|h| h == "date");
        let date = date.expect("a date column");
        r.records()
            .map(|rec| rec.unwrap()[date].to_string())
            .collect()
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }
}

/// The index of column `name` in a CSV header (see [`Run::timeline`]).
pub fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

pub fn cofleet() -> Command {
    Command::cargo_bin("cofleet").expect("the cofleet binary is built")
}

/// Writes `scenario` to a temp folder and runs `cofleet <command> FILE --out DIR --quiet` with extra `args`,
/// whatever its exit code.
pub fn invoke(command: &str, scenario: &str, args: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scenario.toml");
    std::fs::write(&file, scenario).unwrap();
    let out = dir.path().join("out");
    let output = cofleet()
        .arg(command)
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .arg("--quiet")
        .args(args)
        .output()
        .unwrap();
    Run { dir, out, output }
}

/// Writes `scenario` to a temp folder and runs it with extra `args`; panics unless it exits 0.
pub fn run_scenario(scenario: &str, args: &[&str]) -> Run {
    let run = invoke("run", scenario, args);
    assert!(
        run.output.status.success(),
        "cofleet run failed: {}",
        String::from_utf8_lossy(&run.output.stderr)
    );
    run
}

/// The thread counts [`run_on_1_and_4_threads`] compares: one worker and more workers than the CI's two cores.
pub const THREAD_COUNTS: [&str; 2] = ["1", "4"];

/// Runs `scenario` like [`run_scenario`] at each of [`THREAD_COUNTS`], asserts the result folders are byte
/// for byte the same (every file), and returns the first run: the assertions a test makes on it hold at
/// every thread count.
pub fn run_on_1_and_4_threads(scenario: &str, args: &[&str]) -> Run {
    let [first, rest @ ..] = THREAD_COUNTS;
    let run = run_scenario(scenario, &[args, &["--threads", first]].concat());
    let files = read_tree(&run.out);
    for threads in rest {
        let other =
            read_tree(&run_scenario(scenario, &[args, &["--threads", threads]].concat()).out);
        let names = |t: &[(String, Vec<u8>)]| t.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(&files),
            names(&other),
            "--threads {first} and {threads}"
        );
        for ((name, a), (_, b)) in files.iter().zip(&other) {
            assert!(
                a == b,
                "{name} differs between --threads {first} and --threads {threads}"
            );
        }
    }
    run
}

/// Asserts `actual` is within `tolerance` (relative) of `expected`.
pub fn assert_close(what: &str, actual: f64, expected: f64, tolerance: f64) {
    let err = (actual - expected).abs() / expected;
    assert!(
        err <= tolerance,
        "{what}: got {actual}, expected {expected} (relative error {:.4} > {tolerance})",
        err
    );
}

/// All files below `dir` with their bytes, sorted by relative path.
pub fn read_tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap().display().to_string();
                files.push((rel, std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

/// A fleet of always-online devices with no failures: the base of the closed-form cases.
pub fn ideal_fleet(devices: u32, existing_share: f64, comanaged: f64) -> String {
    format!(
        r#"
[fleet]
devices = {devices}
existing_client_share = {existing_share}
comanaged_at_start = {comanaged}

[fleet.availability]
always_on = 1.0
office_hours = 0.0
intermittent = 0.0

[failures]
hybrid_join = 0.0
mdm_enrollment = 0.0
client_install = 0.0
permanent = 0.0
"#
    )
}
