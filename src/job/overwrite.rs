//! The overwrite policy for an existing results folder (`run`, `sweep`, `merge --out`, `baseline save --to`):
//! a typo in `--out` must not delete someone's files.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::sweep::shard::MARKER;

/// What kind of results folder a command is about to write, for the overwrite policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A `cofleet run` folder: `summary.json` at its top.
    Run,
    /// A `cofleet sweep` (or `merge`) folder: `variants/<name>/summary.json` for every variant; or a shard
    /// folder (`shard.json`, and `variants/` only for the runs the shard owns — none for a shard that owns
    /// no run).
    Sweep,
    /// A `cofleet baseline save` folder: a `summary.json` and nothing else.
    Baseline,
    /// A `cofleet fit` folder: `fit.json` (written last) naming its scenario.
    Fit,
}

impl Kind {
    /// The flag that names a folder of this kind.
    pub fn flag(self) -> &'static str {
        match self {
            Kind::Run | Kind::Sweep | Kind::Fit => "--out",
            Kind::Baseline => "--to",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Run => "run",
            Kind::Sweep => "sweep",
            Kind::Baseline => "baseline",
            Kind::Fit => "fit",
        })
    }
}

/// Why an existing `--out` is kept.
#[derive(Debug, thiserror::Error)]
pub enum OverwriteError {
    /// The output folder's path is a file.
    #[error("{}: {} exists and is not a folder", .0.display(), .1.flag())]
    NotAFolder(PathBuf, Kind),
    /// The folder cannot be listed.
    #[error("{}: cannot read the existing folder: {source}", out.display())]
    Unreadable {
        /// The folder.
        out: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Another scenario's complete results.
    #[error(
        "{}: holds the results of scenario \"{found}\", not \"{scenario}\"; refusing to replace them \
         (choose another {}, or pass --force to replace them)",
        out.display(),
        kind.flag()
    )]
    OtherScenario {
        /// The folder.
        out: PathBuf,
        /// The scenario whose results it holds.
        found: String,
        /// The scenario about to run.
        scenario: String,
        /// The kind of folder about to be written.
        kind: Kind,
    },
    /// Anything but a complete results folder of this kind.
    #[error(
        "{}: exists and is not a complete cofleet {kind} results folder ({why}); refusing to replace it \
         (choose another {}, or pass --force to replace it)",
        out.display(),
        kind.flag()
    )]
    NotResults {
        /// The folder.
        out: PathBuf,
        /// The kind of folder about to be written.
        kind: Kind,
        /// What is missing.
        why: Incomplete,
    },
}

/// Why a folder is not a complete results folder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Incomplete {
    /// A sweep folder without `variants/`.
    #[error("no variants/ folder")]
    NoVariants,
    /// `variants/` with nothing in it.
    #[error("variants/ is empty")]
    EmptyVariants,
    /// A `summary.json` that is absent or unreadable.
    #[error("no readable {}", .0.display())]
    NoSummary(PathBuf),
    /// A `summary.json` that does not parse.
    #[error("{} is not JSON", .0.display())]
    NotJson(PathBuf),
    /// An unfinished run's `summary.json`.
    #[error("{} lacks \"complete\": true", .0.display())]
    Unfinished(PathBuf),
    /// A `summary.json` without a scenario name.
    #[error("{} names no scenario", .0.display())]
    Unnamed(PathBuf),
    /// A shard marker that does not parse or names no scenario.
    #[error("{} is not a shard marker naming its scenario", .0.display())]
    BadMarker(PathBuf),
    /// A baseline folder holding more than its `summary.json`.
    #[error("it holds more than summary.json")]
    NotOnlySummary,
    /// A fit folder without a `fit.json` naming its scenario.
    #[error("no {} naming its scenario", .0.display())]
    NoFitReport(PathBuf),
}

/// The overwrite policy: an existing `out` is replaced only when it is empty or a complete cofleet results
/// folder of the same kind and the same scenario name (so re-running a scenario, `scripts/update-baselines.sh`
/// and `.ci/run` keep working), or with `--force`. Anything else — a folder with other content, an unfinished
/// run, another scenario's results — is refused.
pub fn check_overwrite(
    out: &Path,
    scenario: &str,
    kind: Kind,
    force: bool,
) -> Result<(), OverwriteError> {
    if !out.exists() {
        return Ok(());
    }
    if !out.is_dir() {
        return Err(OverwriteError::NotAFolder(out.to_path_buf(), kind));
    }
    if force {
        return Ok(());
    }
    let empty = std::fs::read_dir(out)
        .map(|mut d| d.next().is_none())
        .map_err(|source| OverwriteError::Unreadable {
            out: out.to_path_buf(),
            source,
        })?;
    if empty {
        return Ok(());
    }
    match results_identity(out, kind) {
        Ok(found) if found == scenario => Ok(()),
        Ok(found) => Err(OverwriteError::OtherScenario {
            out: out.to_path_buf(),
            found,
            scenario: scenario.to_string(),
            kind,
        }),
        Err(why) => Err(OverwriteError::NotResults {
            out: out.to_path_buf(),
            kind,
            why,
        }),
    }
}

/// The scenario name of a complete results folder of `kind`, or why it is not one.
fn results_identity(dir: &Path, kind: Kind) -> Result<String, Incomplete> {
    match kind {
        Kind::Run => complete_summary_scenario(&dir.join("summary.json")),
        Kind::Fit => fit_scenario(&dir.join("fit.json")),
        Kind::Baseline => {
            let only_summary = std::fs::read_dir(dir)
                .map_err(|_| Incomplete::NoSummary(dir.join("summary.json")))?
                .filter_map(Result::ok)
                .all(|e| e.file_name() == "summary.json");
            if !only_summary {
                return Err(Incomplete::NotOnlySummary);
            }
            complete_summary_scenario(&dir.join("summary.json"))
        }
        Kind::Sweep => {
            let marker = dir.join(MARKER);
            let shard = marker
                .exists()
                .then(|| marker_scenario(&marker))
                .transpose()?;
            let variants = dir.join("variants");
            let entries = match std::fs::read_dir(&variants) {
                Ok(read) => read.filter_map(Result::ok).map(|e| e.path()).collect(),
                // A shard that owns no run has no variants/ folder.
                Err(_) if shard.is_some() => Vec::new(),
                Err(_) => return Err(Incomplete::NoVariants),
            };
            let mut entries: Vec<_> = entries;
            entries.sort();
            let mut name = shard;
            for entry in entries {
                let found = complete_summary_scenario(&entry.join("summary.json"))?;
                name.get_or_insert(found);
            }
            name.ok_or(Incomplete::EmptyVariants)
        }
    }
}

/// The scenario a shard marker's plan names.
fn marker_scenario(file: &Path) -> Result<String, Incomplete> {
    let bad = || Incomplete::BadMarker(file.to_path_buf());
    let text = std::fs::read_to_string(file).map_err(|_| bad())?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|_| bad())?;
    value
        .pointer("/plan/scenario")
        .and_then(serde_json::Value::as_str)
        .map(String::from)
        .ok_or_else(bad)
}

/// The `scenario` a fit's `fit.json` names.
fn fit_scenario(file: &Path) -> Result<String, Incomplete> {
    let bad = || Incomplete::NoFitReport(file.to_path_buf());
    let text = std::fs::read_to_string(file).map_err(|_| bad())?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|_| bad())?;
    value
        .get("scenario")
        .and_then(serde_json::Value::as_str)
        .map(String::from)
        .ok_or_else(bad)
}

/// The `scenario` of a `summary.json` that parses and says `"complete": true`.
fn complete_summary_scenario(file: &Path) -> Result<String, Incomplete> {
    let text =
        std::fs::read_to_string(file).map_err(|_| Incomplete::NoSummary(file.to_path_buf()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|_| Incomplete::NotJson(file.to_path_buf()))?;
    if value.get("complete") != Some(&serde_json::Value::Bool(true)) {
        return Err(Incomplete::Unfinished(file.to_path_buf()));
    }
    value
        .get("scenario")
        .and_then(serde_json::Value::as_str)
        .map(String::from)
        .ok_or_else(|| Incomplete::Unnamed(file.to_path_buf()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overwrite_policy_keeps_foreign_folders() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        assert!(
            check_overwrite(&out, "a", Kind::Run, false).is_ok(),
            "absent"
        );
        std::fs::create_dir(&out).unwrap();
        assert!(
            check_overwrite(&out, "a", Kind::Run, false).is_ok(),
            "empty"
        );
        std::fs::write(out.join("notes.txt"), "mine").unwrap();
        let err = check_overwrite(&out, "a", Kind::Run, false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("--force"), "{err}");
        assert!(
            check_overwrite(&out, "a", Kind::Run, true).is_ok(),
            "forced"
        );
        std::fs::write(
            out.join("summary.json"),
            r#"{"scenario": "a", "complete": true}"#,
        )
        .unwrap();
        assert!(
            check_overwrite(&out, "a", Kind::Run, false).is_ok(),
            "same scenario"
        );
        let err = check_overwrite(&out, "b", Kind::Run, false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("scenario \"a\", not \"b\""), "{err}");
        std::fs::write(
            out.join("summary.json"),
            r#"{"scenario": "a", "complete": false}"#,
        )
        .unwrap();
        assert!(
            check_overwrite(&out, "a", Kind::Run, false).is_err(),
            "unfinished"
        );
        assert!(matches!(
            check_overwrite(&out, "a", Kind::Sweep, false),
            Err(OverwriteError::NotResults {
                why: Incomplete::NoVariants,
                ..
            })
        ));
    }

    #[test]
    fn a_shard_that_owns_no_run_can_be_replaced() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(MARKER),
            r#"{"schema": 1, "plan": {"scenario": "a"}}"#,
        )
        .unwrap();
        assert!(check_overwrite(dir.path(), "a", Kind::Sweep, false).is_ok());
        assert!(check_overwrite(dir.path(), "b", Kind::Sweep, false).is_err());
    }

    #[test]
    fn a_baseline_folder_holds_only_its_summary() {
        let dir = tempfile::tempdir().unwrap();
        let summary = r#"{"scenario": "a", "complete": true}"#;
        std::fs::write(dir.path().join("summary.json"), summary).unwrap();
        assert!(check_overwrite(dir.path(), "a", Kind::Baseline, false).is_ok());
        std::fs::write(dir.path().join("timeline.csv"), "t").unwrap();
        assert!(check_overwrite(dir.path(), "a", Kind::Baseline, false).is_err());
    }
}
