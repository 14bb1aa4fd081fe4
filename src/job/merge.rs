//! `cofleet merge` as a library function: puts the shard folders of a sharded sweep (`cofleet sweep --shard I/N`) back together
//! into exactly the folder the unsharded sweep writes, returned as files for the command to write.
//!
//! Every input must be a shard of the same sweep (same [`sweep_hash`](crate::sweep::shard::sweep_hash)), from
//! this cofleet version, and together they must be every shard once: a missing, duplicated or foreign shard
//! is bad input (exit 2), never a silently partial comparison.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use super::overwrite::{Kind, check_overwrite};
use super::run::default_sweep_out;
use super::sweep::run_folder;
use crate::job::error::Error;
use crate::plot::sweep::comparison_files;
use crate::report::read::{
    FILE_CAP, MARKER_CAP, ReadError, from_json, json_type, read_result_file,
};
use crate::report::summary::Summary;
use crate::scenario::name::is_folder_name;
use crate::sweep::shard::{MARKER, MARKER_SCHEMA, Marker};
use crate::sweep::statistic_in_one_only;

/// The merged sweep folder, and what to tell about it.
#[derive(Debug)]
pub struct MergeResults {
    /// The sweep folder.
    pub out: PathBuf,
    /// Its files (relative path, bytes): every shard's run folders and the recomputed comparison.
    pub files: Vec<(String, Vec<u8>)>,
    /// `comparison.md`, for stdout.
    pub text: String,
    /// Shards merged.
    pub shards: u32,
    /// Runs of the sweep.
    pub runs: usize,
}

/// Merges the shard folders `dirs` (in any order) into the folder `out` (default:
/// `results/<scenario name>/`, the name checked like a scenario's), which the overwrite policy must let be
/// replaced (a complete sweep of this scenario, or `force`).
pub fn merge(dirs: &[PathBuf], out: Option<PathBuf>, force: bool) -> Result<MergeResults, Error> {
    if dirs.is_empty() {
        return Err(Error::refused("no shard folders to merge"));
    }
    let mut shards: Vec<(PathBuf, Marker)> = Vec::new();
    for dir in dirs {
        shards.push((dir.clone(), read_marker(dir)?));
    }
    let by_index = check_split(&shards)?;
    let first = &shards[0].1;
    let plan = &first.plan;
    let out = match out {
        Some(out) => out,
        None if is_folder_name(&plan.scenario) => default_sweep_out(&plan.scenario),
        None => {
            return Err(Error::UnsafeName {
                file: shards[0].0.join(MARKER),
                field: "plan.scenario",
                name: plan.scenario.clone(),
                flag: "--out",
            });
        }
    };
    check_overwrite(&out, &plan.scenario, Kind::Sweep, force)?;

    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for (dir, _) in &shards {
        collect(dir, &mut files)?;
    }
    let mut summaries: Vec<Vec<Summary>> = vec![Vec::new(); plan.variants.len()];
    for run in 0..plan.runs() {
        let (variant, replica) = (run / plan.replicas as usize, run % plan.replicas as usize);
        let folder = run_folder(&plan.variants[variant].0, replica as u32);
        let name = format!("{folder}/summary.json");
        let owner = by_index[&((run % first.shards as usize) as u32)];
        let bytes = files.get(&name).ok_or_else(|| {
            Error::refused(format!(
                "{}: {name} is missing (run {run} of shard {}); rerun that shard",
                owner.display(),
                run % first.shards as usize
            ))
        })?;
        let value: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|e| Error::unparsable(owner.join(&name), "not JSON", e))?;
        let summary: Summary = from_json(value)
            .map_err(|e| Error::unparsable(owner.join(&name), "not a readable summary", e))?;
        if let Some(first) = summaries[variant].first()
            && let Some(statistic) = statistic_in_one_only(first, &summary)
        {
            return Err(Error::refused(format!(
                "{}: lists other statistics than replica 0 of its variant ({statistic} is in one of them \
                 only); the replicas of a variant come from one cofleet and one scenario",
                owner.join(&name).display()
            )));
        }
        summaries[variant].push(summary);
    }
    let (text, outputs) = comparison_files(plan, &summaries)?;
    files.extend(outputs);
    Ok(MergeResults {
        out,
        files: files.into_iter().collect(),
        text,
        shards: first.shards,
        runs: plan.runs(),
    })
}

/// Checks that the shards are every shard of one split of one sweep, once each, from this cofleet; returns
/// their folders by shard index.
fn check_split(shards: &[(PathBuf, Marker)]) -> Result<BTreeMap<u32, &Path>, Error> {
    let (first_dir, first) = &shards[0];
    let version = env!("CARGO_PKG_VERSION");
    let mut by_index: BTreeMap<u32, &Path> = BTreeMap::new();
    for (dir, m) in shards {
        if m.cofleet_version != version {
            return Err(Error::refused(format!(
                "{}: shard written by cofleet {}, but this is cofleet {version}; merge with the version that \
                 ran the shards",
                dir.display(),
                m.cofleet_version
            )));
        }
        if m.sweep_hash != first.sweep_hash || m.plan != first.plan {
            return Err(Error::refused(format!(
                "{} and {}: shards of different sweeps (sweep hash {} vs {}): a merge needs the shards of one \
                 scenario, --set list and --replicas",
                first_dir.display(),
                dir.display(),
                first.sweep_hash,
                m.sweep_hash
            )));
        }
        if m.shards != first.shards {
            return Err(Error::refused(format!(
                "{} is shard {}/{} but {} is shard {}/{}: all shards must come from one split",
                first_dir.display(),
                first.shard,
                first.shards,
                dir.display(),
                m.shard,
                m.shards
            )));
        }
        let expected: Vec<usize> = (0..m.plan.runs())
            .filter(|r| r % m.shards as usize == m.shard as usize)
            .collect();
        if m.shard >= m.shards || m.runs != expected {
            return Err(Error::refused(format!(
                "{}/{MARKER}: shard {}/{} does not list the runs such a shard runs",
                dir.display(),
                m.shard,
                m.shards
            )));
        }
        if let Some(other) = by_index.insert(m.shard, dir) {
            return Err(Error::refused(format!(
                "shard {} given twice: {} and {}",
                m.shard,
                other.display(),
                dir.display()
            )));
        }
    }
    // The count comes from the marker: list a few missing indices, never all of them.
    let missing_count = first.shards as usize - by_index.len();
    let mut missing: Vec<String> = (0..first.shards)
        .filter(|i| !by_index.contains_key(i))
        .take(10)
        .map(|i| i.to_string())
        .collect();
    if missing_count > missing.len() {
        missing.push(format!("… ({missing_count} in all)"));
    }
    if missing_count > 0 {
        return Err(Error::refused(format!(
            "missing shard output{} of {}: index {} (give every shard folder of the split)",
            if missing_count == 1 { "" } else { "s" },
            first.shards,
            missing.join(", ")
        )));
    }

    Ok(by_index)
}

/// Most runs a merged sweep may have: far beyond any sweep worth running (each run is a results folder),
/// and a bound on what a forged `plan.replicas` or variant list could make the merge allocate.
pub const MAX_MERGE_RUNS: usize = 1_000_000;

/// Reads and checks the shard marker of `dir`: every field is checked before it sizes or indexes anything.
fn read_marker(dir: &Path) -> Result<Marker, Error> {
    let path = dir.join(MARKER);
    let bytes = match read_result_file(&path, MARKER_CAP) {
        Ok(bytes) => bytes,
        Err(ReadError::Io { source, .. }) => return Err(Error::NoShardMarker { path, source }),
        Err(e) => return Err(Error::ResultFile(e)),
    };
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| Error::unparsable(&path, "not JSON", e))?;
    if value.get("schema").and_then(|s| s.as_u64()) != Some(u64::from(MARKER_SCHEMA)) {
        let said = match value.get("schema") {
            None => "no \"schema\" field".to_string(),
            Some(v @ serde_json::Value::Number(_)) => format!("\"schema\" is {v}"),
            Some(v) => format!("\"schema\" is {}", json_type(v)),
        };
        return Err(Error::refused(format!(
            "{}: {said}; not a shard marker of schema {MARKER_SCHEMA} (written by another cofleet?)",
            path.display()
        )));
    }
    let marker: Marker =
        from_json(value).map_err(|e| Error::unparsable(&path, "not a shard marker", e))?;
    check_marker(&marker).map_err(|detail| {
        Error::refused(format!(
            "{}: {detail}; not a marker `cofleet sweep --shard` writes",
            path.display()
        ))
    })?;
    Ok(marker)
}

/// The consistency of a marker read from disk: a split into at least one shard with this shard in it, a
/// plan with at least one variant and replica and at most [`MAX_MERGE_RUNS`] runs, variant names that are
/// one distinct folder name each, and one label per `--set` key for every variant.
fn check_marker(m: &Marker) -> Result<(), String> {
    if m.shards == 0 {
        return Err("shards is 0; a split has at least 1 shard".into());
    }
    if m.shard >= m.shards {
        return Err(format!(
            "shard is {}, but with {} shards it must be 0 to {}",
            m.shard,
            m.shards,
            m.shards - 1
        ));
    }
    let plan = &m.plan;
    if plan.variants.is_empty() {
        return Err("plan.variants is empty; a sweep has at least 1 variant".into());
    }
    if plan.reference >= plan.variants.len() {
        return Err(format!(
            "plan.reference is {} but the plan has {} variant(s)",
            plan.reference,
            plan.variants.len()
        ));
    }
    if plan.replicas == 0 {
        return Err("plan.replicas is 0; a sweep has at least 1 replica per variant".into());
    }
    let runs = plan.variants.len().checked_mul(plan.replicas as usize);
    if runs.is_none_or(|r| r > MAX_MERGE_RUNS) {
        return Err(format!(
            "plan.replicas is {} with {} variants: more than {MAX_MERGE_RUNS} runs",
            plan.replicas,
            plan.variants.len()
        ));
    }
    let mut names = std::collections::BTreeSet::new();
    for (i, (name, labels)) in plan.variants.iter().enumerate() {
        let safe = !name.is_empty()
            && name != "."
            && name != ".."
            && !name.contains(['/', '\\'])
            && !name.chars().any(char::is_control);
        if !safe {
            return Err(format!(
                "plan.variants[{i}] is named {name:?}, not a folder name"
            ));
        }
        if !names.insert(name.as_str()) {
            return Err(format!(
                "plan.variants[{i}]: the name {name:?} is given twice"
            ));
        }
        if labels.len() != plan.param_keys.len() {
            return Err(format!(
                "plan.variants[{i}] has {} label(s) but plan.param_keys has {} key(s); every variant has one \
                 label per --set key",
                labels.len(),
                plan.param_keys.len()
            ));
        }
    }
    Ok(())
}

/// Reads every file below the shard folder `root` except the marker into `files`, keyed by its path relative
/// to `root` with `/` separators; a file two shards both hold is an error (shards own disjoint runs). A
/// shard folder holds only what `cofleet sweep --shard` wrote: a symbolic link in it is refused, not
/// followed (a link back up the tree would otherwise be walked forever).
fn collect(root: &Path, files: &mut BTreeMap<String, Vec<u8>>) -> Result<(), Error> {
    for entry in WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .min_depth(1)
    {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(root).to_path_buf();
            match e.into_io_error() {
                Some(source) => Error::Read { path, source },
                None => Error::refused(format!("{}: cannot walk the shard folder", path.display())),
            }
        })?;
        let path = entry.path();
        if entry.path_is_symlink() {
            return Err(Error::refused(format!(
                "{}: a symbolic link in shard folder {}; a shard folder holds only the files `cofleet sweep \
                 --shard` wrote: replace the link by what it points to, or rerun the shard",
                path.display(),
                root.display()
            )));
        }
        if entry.file_type().is_dir() {
            continue;
        }
        let rel = path
            .strip_prefix(root)
            .expect("walked below root")
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        if rel == MARKER {
            continue;
        }
        let bytes = read_result_file(path, FILE_CAP)?;
        if files.insert(rel.clone(), bytes).is_some() {
            return Err(Error::refused(format!(
                "{}: {rel} is also in another shard; shards never share a run",
                root.display()
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::shard::SweepPlan;

    fn marker() -> Marker {
        Marker {
            schema: MARKER_SCHEMA,
            cofleet_version: env!("CARGO_PKG_VERSION").into(),
            sweep_hash: "0".into(),
            shard: 1,
            shards: 2,
            runs: vec![1, 3],
            plan: SweepPlan {
                scenario: "s".into(),
                param_keys: vec!["timers.policy_poll".into()],
                replicas: 2,
                devices: 300,
                variants: vec![
                    ("a".into(), vec!["30m".into()]),
                    ("b".into(), vec!["60m".into()]),
                ],
                reference: 0,
            },
        }
    }

    #[test]
    fn a_marker_as_sweep_writes_it_passes() {
        assert_eq!(check_marker(&marker()), Ok(()));
    }

    #[test]
    fn each_inconsistency_of_a_marker_names_its_field() {
        type Forgery = (fn(&mut Marker), &'static str);
        let cases: [Forgery; 8] = [
            (|m| m.shards = 0, "shards is 0"),
            (|m| m.shard = 2, "shard is 2"),
            (|m| m.plan.variants.clear(), "plan.variants is empty"),
            (|m| m.plan.replicas = 0, "plan.replicas is 0"),
            (
                |m| m.plan.replicas = u32::MAX,
                "plan.replicas is 4294967295",
            ),
            (|m| m.plan.param_keys.clear(), "plan.param_keys has 0"),
            (
                |m| m.plan.variants[1].0 = "..".into(),
                "plan.variants[1] is named",
            ),
            (|m| m.plan.variants[1].0 = "a".into(), "given twice"),
        ];
        for (forge, said) in cases {
            let mut m = marker();
            forge(&mut m);
            let err = check_marker(&m).unwrap_err();
            assert!(err.contains(said), "{err}");
        }
    }
}
