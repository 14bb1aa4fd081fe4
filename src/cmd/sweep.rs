//! `cofleet sweep`: the flags become a [`SweepConfig`], [`crate::job::sweep`] runs every variant × `--set`
//! value × replica and writes the sweep folder; this prints `comparison.md`.

use super::{note_leftovers, print_stdout, progress};
use crate::cli::SweepArgs;
use crate::job::error::{Error, ExitCode};
use crate::job::launch::refuse_mpi_sweep;
use crate::job::pool::Threads;
use crate::job::sweep::{SweepConfig, prepare};
use crate::sweep::SetParam;

/// Runs the sweep.
pub fn sweep(args: &SweepArgs) -> Result<ExitCode, Error> {
    refuse_mpi_sweep(&|k| std::env::var(k).ok())?;
    let prepared = prepare(&SweepConfig {
        scenario: args.scenario.clone(),
        sets: distinct_keys(&args.set)?,
        replicas: args.replicas,
        out: args.out.clone(),
        reference: args.reference.clone(),
        threads: Threads::from_flag(args.threads),
        force: args.force,
        max_memory: args.max_memory,
        shard: args.shard,
    })?;
    let bar = progress::bar(!args.quiet, prepared.runs() as u64, "sweeping", "runs");
    let run_done = || {
        if let Some(bar) = &bar {
            bar.inc(1);
        }
    };
    let results = prepared.run(&run_done);
    progress::finish(bar);
    let results = results?;
    note_leftovers(&results.leftovers);
    print_stdout(&results.text)?;
    if !args.quiet {
        eprintln!(
            "{} runs in {:.2} s on {} threads; results in {}",
            results.runs,
            results.elapsed.as_secs_f64(),
            results.threads,
            results.out.display()
        );
    }
    Ok(ExitCode::Ok)
}

/// The `--set` parameters, refusing a key given twice: its values belong in one `--set`.
fn distinct_keys(sets: &[SetParam]) -> Result<Vec<SetParam>, Error> {
    for (i, set) in sets.iter().enumerate() {
        if sets[..i].iter().any(|s| s.key == set.key) {
            return Err(Error::refused(format!(
                "--set {key}=…: `{key}` is already set by an earlier --set; give all its values in one",
                key = crate::units::shown_key(&set.key)
            )));
        }
    }
    Ok(sets.to_vec())
}
