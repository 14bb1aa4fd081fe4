//! `cofleet merge`: puts the shard folders of a sharded sweep (`cofleet sweep --shard I/N`) back together
//! into exactly the folder the unsharded sweep writes.
//!
//! Every input must be a shard of the same sweep (same [`sweep_hash`](crate::sweep::shard::sweep_hash)), from
//! this cofleet version, and together they must be every shard once: a missing, duplicated or foreign shard
//! is bad input (exit 2), never a silently partial comparison.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::sweep::run_folder;
use super::{Failure, print_stdout};
use crate::cli::MergeArgs;
use crate::plot::sweep::comparison_files;
use crate::report::summary::Summary;
use crate::report::write::write_results;
use crate::sweep::shard::{MARKER, MARKER_SCHEMA, Marker};

/// Merges the shards.
pub fn merge(args: &MergeArgs) -> Result<u8, Failure> {
    let mut shards: Vec<(PathBuf, Marker)> = Vec::new();
    for dir in &args.shards {
        shards.push((dir.clone(), read_marker(dir)?));
    }
    let (first_dir, first) = &shards[0];
    let version = env!("CARGO_PKG_VERSION");
    let mut by_index: BTreeMap<u32, &Path> = BTreeMap::new();
    for (dir, m) in &shards {
        if m.cofleet_version != version {
            return Err(Failure::bad_input(format!(
                "{}: shard written by cofleet {}, but this is cofleet {version}; merge with the version that \
                 ran the shards",
                dir.display(),
                m.cofleet_version
            )));
        }
        if m.sweep_hash != first.sweep_hash || m.plan != first.plan {
            return Err(Failure::bad_input(format!(
                "{} and {}: shards of different sweeps (sweep hash {} vs {}): a merge needs the shards of one \
                 scenario, --set list and --replicas",
                first_dir.display(),
                dir.display(),
                first.sweep_hash,
                m.sweep_hash
            )));
        }
        if m.shards != first.shards {
            return Err(Failure::bad_input(format!(
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
            return Err(Failure::bad_input(format!(
                "{}/{MARKER}: shard {}/{} does not list the runs such a shard runs",
                dir.display(),
                m.shard,
                m.shards
            )));
        }
        if let Some(other) = by_index.insert(m.shard, dir) {
            return Err(Failure::bad_input(format!(
                "shard {} given twice: {} and {}",
                m.shard,
                other.display(),
                dir.display()
            )));
        }
    }
    let missing: Vec<String> = (0..first.shards)
        .filter(|i| !by_index.contains_key(i))
        .map(|i| i.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(Failure::bad_input(format!(
            "missing shard output{} of {}: index {} (give every shard folder of the split)",
            if missing.len() == 1 { "" } else { "s" },
            first.shards,
            missing.join(", ")
        )));
    }

    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for (dir, _) in &shards {
        collect(dir, dir, &mut files)?;
    }
    let plan = &first.plan;
    let mut summaries: Vec<Vec<Summary>> = vec![Vec::new(); plan.variants.len()];
    for run in 0..plan.runs() {
        let (variant, replica) = (run / plan.replicas as usize, run % plan.replicas as usize);
        let folder = run_folder(&plan.variants[variant].0, replica as u32);
        let name = format!("{folder}/summary.json");
        let owner = by_index[&((run % first.shards as usize) as u32)];
        let bytes = files.get(&name).ok_or_else(|| {
            Failure::bad_input(format!(
                "{}: {name} is missing (run {run} of shard {}); rerun that shard",
                owner.display(),
                run % first.shards as usize
            ))
        })?;
        let summary: Summary = serde_json::from_slice(bytes).map_err(|e| {
            Failure::bad_input(format!(
                "{}/{name}: not a readable summary: {e}",
                owner.display()
            ))
        })?;
        summaries[variant].push(summary);
    }
    let (md, outputs) = comparison_files(plan, &summaries).map_err(Failure::bad_input)?;
    files.extend(outputs);
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&plan.scenario));
    let files: Vec<(String, Vec<u8>)> = files.into_iter().collect();
    write_results(&out, &files).map_err(Failure::bad_input)?;
    print_stdout(&md);
    if !args.quiet {
        eprintln!(
            "merged {} shards ({} runs); results in {}",
            first.shards,
            plan.runs(),
            out.display()
        );
    }
    Ok(0)
}

fn read_marker(dir: &Path) -> Result<Marker, Failure> {
    let path = dir.join(MARKER);
    let bytes = fs::read(&path).map_err(|e| {
        Failure::bad_input(format!(
            "{}: cannot read ({e}); a shard folder is written by `cofleet sweep --shard I/N`",
            path.display()
        ))
    })?;
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| Failure::bad_input(format!("{}: not JSON: {e}", path.display())))?;
    if value.get("schema").and_then(|s| s.as_u64()) != Some(u64::from(MARKER_SCHEMA)) {
        return Err(Failure::bad_input(format!(
            "{}: not a shard marker of schema {MARKER_SCHEMA} (written by another cofleet?)",
            path.display()
        )));
    }
    serde_json::from_value(value)
        .map_err(|e| Failure::bad_input(format!("{}: not a shard marker: {e}", path.display())))
}

/// Reads every file below `dir` except the marker into `files`, keyed by its path relative to `root` with
/// `/` separators; a file two shards both hold is an error (shards own disjoint runs).
fn collect(root: &Path, dir: &Path, files: &mut BTreeMap<String, Vec<u8>>) -> Result<(), Failure> {
    let read_err =
        |p: &Path, e: std::io::Error| Failure::bad_input(format!("{}: {e}", p.display()));
    let mut entries: Vec<_> = fs::read_dir(dir)
        .map_err(|e| read_err(dir, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| read_err(dir, e))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, files)?;
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
        let bytes = fs::read(&path).map_err(|e| read_err(&path, e))?;
        if files.insert(rel.clone(), bytes).is_some() {
            return Err(Failure::bad_input(format!(
                "{}: {rel} is also in another shard; shards never share a run",
                root.display()
            )));
        }
    }
    Ok(())
}
