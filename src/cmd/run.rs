//! `cofleet run`: the flags become a [`RunConfig`], [`crate::job::run`] simulates and builds the results
//! folder; this writes it, prints the summary table, and gates it with `--gate`.

use super::{gate, note_leftovers, print_stdout, progress};
use crate::cli::RunArgs;
use crate::job::error::{Error, ExitCode};
use crate::job::pool::Threads;
use crate::job::run::{RunConfig, prepare};
use crate::model::time::{HOUR, Time};
use crate::units::grouped;

/// Runs the scenario.
pub fn run(args: &RunArgs) -> Result<ExitCode, Error> {
    if !args.gate && gate::any_option_given(&args.gate_options) {
        return Err(Error::refused(
            "--baseline, --junit, --json and the other gate options need --gate",
        ));
    }
    let gate_config = args
        .gate
        .then(|| gate::config(&args.gate_options, args.force));
    let prepared = prepare(&RunConfig {
        scenario: args.scenario.clone(),
        out: args.out.clone(),
        threads: Threads::from_flag(args.threads),
        force: args.force,
        max_memory: args.max_memory,
        plots: !args.no_plots,
    })?;
    if let Some(config) = &gate_config {
        // A user's file given as --junit/--json would be refused only after the whole simulation.
        gate::check_outputs(config)?;
    }
    if let Some(baseline) = gate_config.as_ref().and_then(|g| g.baseline.as_ref()) {
        // A baseline that cannot be read would fail the gate only after the whole simulation.
        crate::gate::input::read_summary(baseline, "--baseline")?;
    }
    let bar = progress::bar(
        !args.quiet && prepared.is_root(),
        prepared.hours(),
        "simulating",
        "h",
    );
    let on_epoch = |t: Time| {
        if let Some(bar) = &bar {
            bar.set_position(u64::from(t / HOUR));
        }
    };
    let results = prepared.simulate(&on_epoch);
    progress::finish(bar);
    let Some(results) = results? else {
        // Another MPI rank: rank 0 writes the results.
        return Ok(ExitCode::Ok);
    };
    note_leftovers(&results.leftovers);
    print_stdout(&results.table)?;
    if !args.quiet {
        eprintln!(
            "simulated {} devices, {} events in {:.2} s ({} threads)",
            grouped(u64::from(results.devices)),
            grouped(results.events),
            results.simulated_in.as_secs_f64(),
            results.threads
        );
        let what = match results.plots {
            true => "results, plots and report",
            false => "results",
        };
        eprintln!(
            "{what} written in {:.2} s",
            results.written_in.as_secs_f64()
        );
    }
    match gate_config {
        // The summary just written carries the scenario's thresholds: gate exactly what a later
        // `cofleet gate --current <out>` would see.
        Some(config) => gate::gate_results(&results.out, None, &config, true),
        None => Ok(ExitCode::Ok),
    }
}
