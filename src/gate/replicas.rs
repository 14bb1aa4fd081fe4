//! Gating sweeps with seed replicas: every statistic of every variant is compared as the mean over its
//! replicas, and a worsening beyond the limit and noise floor counts as a regression only when the 95 %
//! confidence interval of the difference (Welch, `stats::welch`) excludes zero — otherwise it is the
//! luck of the seeds, and the verdict says so.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::compare::{judge, statistics};
use super::policy::Policy;
use super::{Row, Verdict, input};
use crate::report::read::{ReadError, TABLE_CAP, read_result_file};
use crate::report::summary::Summary;
use crate::stats::{ReplicaMean, welch};

/// Whether `dir` is a sweep's results folder (it has `sweep.csv` and `variants/`).
pub fn is_sweep(dir: &Path) -> bool {
    dir.join("sweep.csv").is_file() && dir.join("variants").is_dir()
}

/// Why a sweep folder cannot be gated.
#[derive(Debug, thiserror::Error)]
pub enum SweepReadError {
    /// A folder of the sweep cannot be listed.
    #[error("{role} {}: cannot list: {source}", folder.display())]
    Unlistable {
        /// The flag that named the sweep ("--current", "--baseline").
        role: String,
        /// The folder.
        folder: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A run's summary cannot be used.
    #[error(transparent)]
    Summary(#[from] input::SummaryError),
    /// A variant's replica folders are not the sweep's replicas 1 to N−1.
    #[error("{role} {}: {detail}", dir.display())]
    Replicas {
        /// The flag that named the sweep.
        role: String,
        /// The sweep folder.
        dir: PathBuf,
        /// Which variant holds which replicas, and how many the sweep ran.
        detail: String,
    },
    /// `comparison.csv` is not a regular file, or too large.
    #[error(transparent)]
    File(#[from] ReadError),
    /// `comparison.csv` does not say the replica count.
    #[error("{}: {detail}", file.display())]
    Comparison {
        /// The file.
        file: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// `variants/` holds no variant.
    #[error("{role} {}: a sweep folder without variants", dir.display())]
    NoVariants {
        /// The flag that named the sweep.
        role: String,
        /// The sweep folder.
        dir: PathBuf,
    },
}

/// The replica summaries of every variant of a sweep folder, by variant name (replica 0 first).
pub fn read_sweep(
    dir: &Path,
    role: &str,
) -> Result<BTreeMap<String, Vec<Summary>>, SweepReadError> {
    let variants = dir.join("variants");
    let mut out = BTreeMap::new();
    let mut out_folders: Vec<(String, Vec<u64>)> = Vec::new();
    let unlistable = |folder: &Path| {
        let folder = folder.to_path_buf();
        move |source| SweepReadError::Unlistable {
            role: role.to_string(),
            folder,
            source,
        }
    };
    for entry in std::fs::read_dir(&variants).map_err(unlistable(&variants))? {
        let entry = entry.map_err(unlistable(&variants))?;
        if !entry.path().is_dir() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let mut folders: Vec<(u64, PathBuf)> = vec![(0, entry.path())];
        let replicas = entry.path().join("replicas");
        if replicas.is_dir() {
            for r in std::fs::read_dir(&replicas).map_err(unlistable(&replicas))? {
                let r = r.map_err(unlistable(&replicas))?;
                let file_name = r.file_name().to_string_lossy().into_owned();
                // Only the folders a sweep writes (`1`, `2`, …): not `01`, not `0` (replica 0 is the
                // variant's own folder).
                if let Ok(k) = file_name.parse::<u64>()
                    && k > 0
                    && k.to_string() == file_name
                {
                    folders.push((k, r.path()));
                }
            }
        }
        folders.sort();
        out_folders.push((name.clone(), folders.iter().map(|f| f.0).collect()));
        let summaries = folders
            .iter()
            .map(|(_, f)| input::read_summary(f, role))
            .collect::<Result<Vec<_>, _>>()?;
        out.insert(name, summaries);
    }
    if out.is_empty() {
        return Err(SweepReadError::NoVariants {
            role: role.to_string(),
            dir: dir.to_path_buf(),
        });
    }
    check_replicas(dir, role, &out_folders)?;
    Ok(out)
}

/// Checks that every variant holds replicas 0 to N−1, N the sweep's replica count (`replicas` of its
/// `comparison.csv`, else the count of the first variant): a sweep whose `replicas/` folders were removed
/// would otherwise be compared as fewer replicas than it ran.
fn check_replicas(
    dir: &Path,
    role: &str,
    folders: &[(String, Vec<u64>)],
) -> Result<(), SweepReadError> {
    let written = replicas_written(dir)?;
    let expected = written.unwrap_or_else(|| folders.first().map_or(1, |f| f.1.len()));
    for (name, replicas) in folders {
        let whole = replicas.len() == expected && replicas.iter().zip(0..).all(|(&k, i)| k == i);
        if !whole {
            let source = if written.is_some() {
                "comparison.csv says the sweep ran"
            } else {
                "its first variant holds"
            };
            let held: Vec<String> = replicas.iter().take(10).map(u64::to_string).collect();
            return Err(SweepReadError::Replicas {
                role: role.to_string(),
                dir: dir.to_path_buf(),
                detail: format!(
                    "variant {name} holds replicas {} (its folder is replica 0, replicas/<k> the others), but \
                     {source} {expected}; a sweep folder is compared only whole",
                    held.join(", ")
                ),
            });
        }
    }
    Ok(())
}

/// The replica count `comparison.csv` records (its `replicas` column), when the file is there.
fn replicas_written(dir: &Path) -> Result<Option<usize>, SweepReadError> {
    let path = dir.join("comparison.csv");
    let bytes = match read_result_file(&path, TABLE_CAP) {
        Ok(bytes) => bytes,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let bad = |what: &str| SweepReadError::Comparison {
        file: path.clone(),
        detail: what.to_string(),
    };
    let Some(column) = reader
        .headers()
        .map_err(|e| bad(&e.to_string()))?
        .iter()
        .position(|h| h == "replicas")
    else {
        return Err(bad("no replicas column"));
    };
    match reader.records().next() {
        None => Ok(None),
        Some(row) => {
            let row = row.map_err(|e| bad(&e.to_string()))?;
            row.get(column)
                .and_then(|v| v.parse::<usize>().ok())
                .filter(|&n| n >= 1)
                .map(Some)
                .ok_or_else(|| bad("replicas is not a whole number ≥ 1"))
        }
    }
}

/// What differs between the two sweeps' scenarios (variant by variant, by `scenario_hash` of replica 0).
pub fn differences(
    baseline: &BTreeMap<String, Vec<Summary>>,
    current: &BTreeMap<String, Vec<Summary>>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (name, runs) in current {
        match baseline.get(name) {
            None => out.push(format!("variant {name}: not in the baseline sweep")),
            Some(b) if b[0].scenario_hash != runs[0].scenario_hash => out.push(format!(
                "variant {name}: scenario_hash baseline {}, current {}",
                b[0].scenario_hash, runs[0].scenario_hash
            )),
            _ => {}
        }
    }
    out
}

/// One row per variant and statistic present in both sweeps (`<variant>/<statistic>`), judged on the replica
/// means and the confidence interval of their difference.
pub fn compare(
    baseline: &BTreeMap<String, Vec<Summary>>,
    current: &BTreeMap<String, Vec<Summary>>,
    policy: &Policy,
) -> Vec<Row> {
    let mut rows = Vec::new();
    for (name, runs) in current {
        let Some(base_runs) = baseline.get(name) else {
            continue;
        };
        let per = |runs: &[Summary]| -> BTreeMap<String, Vec<f64>> {
            let mut values: BTreeMap<String, Vec<f64>> = BTreeMap::new();
            for s in runs {
                for (key, v) in statistics(s) {
                    let slot = values.entry(key).or_default();
                    if let Some(v) = v {
                        slot.push(v);
                    }
                }
            }
            values
        };
        let (b_values, c_values) = (per(base_runs), per(runs));
        for (key, c) in &c_values {
            let Some(b) = b_values.get(key) else {
                continue;
            };
            let (b_est, c_est) = (ReplicaMean::of(b), ReplicaMean::of(c));
            let mut row = judge(key, b_est.map(|e| e.mean), c_est.map(|e| e.mean), policy);
            row.key = format!("{name}/{key}");
            if let (Some(b), Some(c)) = (b_est, c_est) {
                match welch(&b, &c) {
                    Some(d) if row.verdict == Verdict::Fail && !d.significant() => {
                        row.verdict = Verdict::Pass;
                        row.reason = format!(
                            "{}; but the 95 % CI of the difference [{:.4}, {:.4}] includes zero ({} vs {} \
                             replicas): not significant",
                            row.reason, d.ci.0, d.ci.1, b.n, c.n
                        );
                    }
                    Some(d) if row.verdict == Verdict::Fail => {
                        row.reason = format!(
                            "{}; the 95 % CI of the difference [{:.4}, {:.4}] excludes zero",
                            row.reason, d.ci.0, d.ci.1
                        );
                    }
                    None if row.verdict == Verdict::Fail => {
                        row.reason = format!(
                            "{} (a single replica on one side: no interval to test)",
                            row.reason
                        );
                    }
                    _ => {}
                }
            }
            rows.push(row);
        }
    }
    rows
}
