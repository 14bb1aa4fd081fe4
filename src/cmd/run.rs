//! `cofleet run`: simulate a scenario, write its results folder atomically, print the summary table.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{Failure, print_stdout};
use crate::cli::RunArgs;
use crate::model::Model;
use crate::model::time::HOUR;
use crate::report::{run_files, table, write::write_results};
use crate::scenario;

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
    if out.exists() && !out.is_dir() {
        return Err(Failure::bad_input(format!(
            "{}: --out exists and is not a folder",
            out.display()
        )));
    }
    let threads = args.threads.map_or(0, usize::from);
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
    let outcome = launch.simulate(threads, &model, &progress);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    if !launch.is_root() {
        // Another MPI rank: rank 0 writes the results.
        return Ok(0);
    }
    let elapsed = started.elapsed();

    let (summary, files) = run_files(&model.scenario, &outcome);
    // Plots and report.html, drawn from the very bytes about to be written (as `cofleet plot` would).
    let plot_started = Instant::now();
    let plots = crate::plot::run_plot_files(&out, &files).map_err(Failure::bad_input)?;
    let plot_elapsed = plot_started.elapsed();
    let files: Vec<(&str, Vec<u8>)> = files
        .into_iter()
        .chain(
            plots
                .iter()
                .map(|(name, bytes)| (name.as_str(), bytes.clone())),
        )
        .collect();
    write_results(&out, &files).map_err(Failure::bad_input)?;
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
        return super::gate::gate_results(&out, None, &args.gate_options);
    }
    Ok(0)
}
