//! `cofleet run`: simulate a scenario, write its results folder atomically, print the summary table.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{Failure, guard, print_stdout};
use crate::cli::RunArgs;
use crate::engine::estimate;
use crate::model::Model;
use crate::model::time::HOUR;
use crate::report::write::{WriteError, write_results_unless};
use crate::report::{data_files, load_file, table};
use crate::scenario;
use crate::units::human_seconds;

/// Runs the scenario.
pub fn run(args: &RunArgs) -> Result<u8, Failure> {
    if !args.gate && super::gate::any_option_given(&args.gate_options) {
        return Err(Failure::bad_input(
            "--baseline, --junit, --json and the other gate options need --gate",
        ));
    }
    let scenario = scenario::load(&args.scenario).map_err(Failure::bad_input)?;
    let launch = super::launch::Launch::start(&scenario)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&scenario.name));
    let threads = args.threads.map_or(0, usize::from);
    // Reliability (issue 8): refuse before simulating, not after.
    guard::check_overwrite(&out, &scenario.name, guard::Kind::Run, args.force)?;
    let estimate = estimate::run_memory(&scenario, pool_threads(threads));
    guard::check_memory(
        &estimate,
        args.max_memory.as_deref(),
        args.force,
        "this run",
    )?;
    if let (true, Some(baseline)) = (args.gate, &args.gate_options.baseline) {
        // A baseline that cannot be read would fail the gate only after the whole simulation.
        crate::gate::input::read_summary(baseline, "--baseline").map_err(Failure::bad_input)?;
    }
    let stop = guard::stop_flag();
    let show_progress = !args.quiet && launch.is_root() && std::io::stderr().is_terminal();
    let bar = if show_progress {
        let bar = ProgressBar::with_draw_target(
            Some(u64::from(scenario.duration / HOUR)),
            ProgressDrawTarget::stderr(),
        );
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} simulating [{bar:40}] {pos}/{len} h  {elapsed}",
            )
            .expect("the template is valid")
            .progress_chars("=> "),
        );
        Some(bar)
    } else {
        None
    };

    let started = Instant::now();
    let model = Model::new(scenario);
    let progress = |t: u32| {
        if let Some(bar) = &bar {
            bar.set_position(u64::from(t / HOUR));
        }
    };
    let outcome = launch.simulate(threads, &model, &progress, Some(stop));
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let outcome = outcome.map_err(|stopped| {
        guard::interrupted(format!(
            "simulated time had reached {} of {}",
            human_seconds(f64::from(stopped.at)),
            human_seconds(f64::from(model.scenario.duration))
        ))
    })?;
    if !launch.is_root() {
        // Another MPI rank: rank 0 writes the results.
        return Ok(0);
    }
    let elapsed = started.elapsed();

    let (summary, mut files) = data_files(&model.scenario, &outcome);
    // Plots and report.html, drawn from the very bytes about to be written (as `cofleet plot` would), while
    // load.csv is formatted.
    let plot_started = Instant::now();
    let series = outcome
        .load
        .as_ref()
        .map(crate::report::load_out::load_series);
    let (load_csv, plots) = rayon::join(
        || load_file(&model.scenario, &outcome),
        || crate::plot::run_plot_files(&out, &files, series),
    );
    let plots = plots.map_err(Failure::bad_input)?;
    files.extend(load_csv);
    let plot_elapsed = plot_started.elapsed();
    let files: Vec<(&str, Vec<u8>)> = files
        .into_iter()
        .chain(
            plots
                .iter()
                .map(|(name, bytes)| (name.as_str(), bytes.clone())),
        )
        .collect();
    if guard::stop_requested() {
        return Err(guard::interrupted(
            "the simulation had finished; its results were not yet written".into(),
        ));
    }
    match write_results_unless(&out, &files, &guard::stop_requested) {
        Err(WriteError::Interrupted) => {
            return Err(guard::interrupted(
                "the simulation had finished; its results were not written".into(),
            ));
        }
        other => other.map_err(Failure::bad_input)?,
    }
    print_stdout(&table::render(&summary, &out.display().to_string()));
    if !args.quiet {
        eprintln!(
            "simulated {} devices, {} events in {:.2} s ({} threads)",
            table::grouped(u64::from(model.scenario.fleet.devices)),
            table::grouped(outcome.events),
            elapsed.as_secs_f64(),
            if threads == 0 {
                rayon::current_num_threads()
            } else {
                threads
            }
        );
        eprintln!("plots and report in {:.2} s", plot_elapsed.as_secs_f64());
    }
    if args.gate {
        // The summary just written carries the scenario's thresholds: gate exactly what a later
        // `cofleet gate --current <out>` would see.
        return super::gate::gate_results(&out, None, &args.gate_options, true);
    }
    Ok(0)
}

/// The threads a run will use (`0` = one per core), for the memory estimate.
pub fn pool_threads(threads: usize) -> usize {
    if threads == 0 {
        std::thread::available_parallelism().map_or(1, usize::from)
    } else {
        threads
    }
}
