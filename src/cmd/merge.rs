//! `cofleet merge`: [`crate::job::merge`] puts the shard folders back together; this writes the sweep folder
//! and prints `comparison.md`.

use super::{note_leftovers, print_stdout};
use crate::cli::MergeArgs;
use crate::job::error::{Error, ExitCode};
use crate::job::merge::merge as merge_shards;
use crate::report::write::write_results;

/// Merges the shards.
pub fn merge(args: &MergeArgs) -> Result<ExitCode, Error> {
    let merged = merge_shards(&args.shards, args.out.clone(), args.force)?;
    note_leftovers(&write_results(&merged.out, &merged.files)?);
    print_stdout(&merged.text)?;
    if !args.quiet {
        eprintln!(
            "merged {} shards ({} runs); results in {}",
            merged.shards,
            merged.runs,
            merged.out.display()
        );
    }
    Ok(ExitCode::Ok)
}
