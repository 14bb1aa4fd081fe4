//! `cofleet run` as a library function: load and guard (overwrite policy, memory), simulate, and build every
//! file of the results folder and the summary table — returned, not written or printed, so the command only
//! wires flags to it and its results to the terminal.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::interrupt::{self, interrupted};
use super::launch::Launch;
use super::memory::check_memory;
use super::overwrite::{Kind, check_overwrite};
use super::pool::Threads;
use crate::engine::estimate;
use crate::job::error::Error;
use crate::model::Model;
use crate::model::scenario::Scenario;
use crate::model::time::{HOUR, Time};
use crate::report::leftovers::Leftover;
use crate::report::output_file::WriteError;
use crate::report::write::write_results_unless;
use crate::report::{data_files, load_file, table};
use crate::scenario;
use crate::units::human_seconds;

/// What `cofleet run` was asked to do, validated.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// The scenario file.
    pub scenario: PathBuf,
    /// The results folder (default: `results/<scenario name>/`).
    pub out: Option<PathBuf>,
    /// Worker threads.
    pub threads: Threads,
    /// Replace a folder the overwrite policy keeps, and run above the memory limit.
    pub force: bool,
    /// `--max-memory` in bytes (default: the memory available on this machine).
    pub max_memory: Option<u64>,
    /// Draw plots/ and report.html (off: the data files only).
    pub plots: bool,
}

/// A run that passed its guards and is ready to simulate.
pub struct PreparedRun {
    scenario: Scenario,
    out: PathBuf,
    launch: Launch,
    threads: Threads,
    plots: bool,
}

/// Everything a finished run writes, and what to tell about it.
#[derive(Debug)]
pub struct RunResults {
    /// The results folder.
    pub out: PathBuf,
    /// Its files (relative path, bytes).
    pub files: Vec<(String, Vec<u8>)>,
    /// The summary table for stdout.
    pub table: String,
    /// Devices simulated.
    pub devices: u32,
    /// Events simulated.
    pub events: u64,
    /// Threads the simulation ran on.
    pub threads: usize,
    /// Wall time of the simulation.
    pub simulated_in: Duration,
    /// Wall time of the plots and the report (`None` when none were drawn).
    pub plotted_in: Option<Duration>,
}

/// Loads the scenario and applies the guards, before anything is simulated: the overwrite policy for the
/// results folder and the memory guard. Under MPI, joins the job (every rank must run the same scenario).
pub fn prepare(config: &RunConfig) -> Result<PreparedRun, Error> {
    let scenario = scenario::load(&config.scenario)?;
    let launch = Launch::start(&scenario)?;
    let out = config
        .out
        .clone()
        .unwrap_or_else(|| default_out(&scenario.name));
    check_overwrite(&out, &scenario.name, Kind::Run, config.force)?;
    let estimate = estimate::run_memory(&scenario, config.threads.count());
    check_memory(&estimate, config.max_memory, config.force, "this run")?;
    Ok(PreparedRun {
        scenario,
        out,
        launch,
        threads: config.threads,
        plots: config.plots,
    })
}

/// `results/<name>/`, where a run goes without `--out`.
pub fn default_out(name: &str) -> PathBuf {
    PathBuf::from("results").join(name)
}

/// `results/<name>-sweep/`, where a sweep (and the merge of its shards) goes without `--out`: a folder of its
/// own, so a sweep after a run of the same scenario is not refused for the run's folder.
pub fn default_sweep_out(name: &str) -> PathBuf {
    PathBuf::from("results").join(format!("{name}-sweep"))
}

impl PreparedRun {
    /// The results folder.
    pub fn out(&self) -> &Path {
        &self.out
    }

    /// Whether this process writes the results (not another MPI rank).
    pub fn is_root(&self) -> bool {
        self.launch.is_root()
    }

    /// Simulated hours, the length of a progress bar.
    pub fn hours(&self) -> u64 {
        u64::from(self.scenario.duration / HOUR)
    }

    /// Simulates, calling `progress` with the simulated time after each epoch, and builds the results; a
    /// Ctrl-C or SIGTERM stops it (exit 130). `None` on an MPI rank other than 0, which writes nothing.
    pub fn simulate(self, progress: &(dyn Fn(Time) + Sync)) -> Result<Option<RunResults>, Error> {
        let stop = interrupt::stop_flag();
        let started = Instant::now();
        let model = Model::new(self.scenario);
        let outcome = self
            .launch
            .simulate(self.threads, &model, progress, Some(stop))
            .map_err(|stopped| {
                interrupted(format!(
                    "simulated time had reached {} of {}",
                    human_seconds(f64::from(stopped.at)),
                    human_seconds(f64::from(model.scenario.duration))
                ))
            })?;
        if !self.launch.is_root() {
            return Ok(None);
        }
        let simulated_in = started.elapsed();

        let (summary, data) = data_files(&model.scenario, &outcome);
        // Plots and report.html, drawn from the very bytes about to be written (as `cofleet plot` would),
        // while load.csv is formatted.
        let plot_started = Instant::now();
        let series = outcome
            .load
            .as_ref()
            .map(crate::report::load_out::load_series);
        let (load_csv, plots) = rayon::join(
            || load_file(&model.scenario, &outcome),
            || match self.plots {
                true => crate::plot::run_plot_files(&self.out, &data, series),
                false => Ok(Vec::new()),
            },
        );
        let plots = plots?;
        let plotted_in = self.plots.then(|| plot_started.elapsed());
        let files = data
            .into_iter()
            .chain(load_csv)
            .map(|(name, bytes)| (name.to_string(), bytes))
            .chain(plots)
            .collect();
        Ok(Some(RunResults {
            table: table::render(&summary, &self.out.display().to_string()),
            out: self.out,
            files,
            devices: model.scenario.fleet.devices,
            events: outcome.events,
            threads: self.threads.count(),
            simulated_in,
            plotted_in,
        }))
    }
}

impl RunResults {
    /// Writes the results folder atomically — unless a stop was requested before it was committed (exit
    /// 130, nothing written). Returns the leftovers of killed processes found beside it.
    pub fn write(&self) -> Result<Vec<Leftover>, Error> {
        commit_unless_stopped(
            &self.out,
            &self.files,
            "the simulation had finished; its results were not yet written",
        )
    }
}

/// Writes a results folder with [`write_results_unless`] and the stop flag: a stop requested before the
/// folder is committed — during the simulation, the rendering, or while the files are written — is exit
/// 130 with nothing written; `how_far` says where the job was.
pub fn commit_unless_stopped(
    out: &Path,
    files: &[(String, Vec<u8>)],
    how_far: &str,
) -> Result<Vec<Leftover>, Error> {
    if interrupt::stop_requested() {
        return Err(interrupted(how_far.into()));
    }
    match write_results_unless(out, files, &interrupt::stop_requested) {
        Err(WriteError::Stopped(_)) => Err(interrupted(how_far.into())),
        other => Ok(other?),
    }
}
