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
use crate::engine::{Outcome, estimate};
use crate::job::error::Error;
use crate::model::Model;
use crate::model::scenario::Scenario;
use crate::model::time::{HOUR, Time};
use crate::report::leftovers::Leftover;
use crate::report::output_file::WriteError;
use crate::report::summary::Summary;
use crate::report::write::Staging;
use crate::report::{LOAD_CSV, data_files, table, write_load_file};
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
    /// Leftovers of killed processes found beside it when it was written.
    pub leftovers: Vec<Leftover>,
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
    /// Wall time from the end of the simulation to the last file written (the data files, and the plots
    /// and the report when drawn).
    pub written_in: Duration,
    /// Whether the plots and the report were drawn.
    pub plots: bool,
}

/// Loads the scenario and applies the guards, before anything is simulated: the overwrite policy for the
/// results folder and the memory guard. Under MPI, joins the job (every rank must run the same scenario).
pub fn prepare(config: &RunConfig) -> Result<PreparedRun, Error> {
    let (scenario, warnings) = scenario::load_noting(&config.scenario)?;
    let launch = Launch::start(&scenario)?;
    if launch.is_root() {
        // Every rank of an MPI job reads the file; one says what it warns of.
        scenario::say(warnings);
    }
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

        let how_far = "the simulation had finished; its results were not yet written";
        if interrupt::stop_requested() {
            return Err(interrupted(how_far.into()));
        }
        let staging = Staging::open(&self.out)?;
        let plot_started = Instant::now();
        let summary = write_run_folder(
            &staging,
            "",
            &self.out,
            &model.scenario,
            &outcome,
            self.plots,
        )?;
        let written_in = plot_started.elapsed();
        let leftovers = commit_unless_stopped(staging, how_far)?;
        Ok(Some(RunResults {
            table: table::render(&summary, &self.out.display().to_string()),
            out: self.out,
            leftovers,
            devices: model.scenario.fleet.devices,
            events: outcome.events,
            threads: self.threads.count(),
            simulated_in,
            written_in,
            plots: self.plots,
        }))
    }
}

/// Writes one finished run's folder into `staging`, below `folder` (empty: the staged folder itself), and
/// returns the run's summary. The files go in as they are ready: `load.csv`, the largest, is formatted and
/// written on one side while the data files are written and — with `plots` — the plots and report.html are
/// drawn from their very bytes (as `cofleet plot` would) and written on the other. `dir` is where the folder
/// will be (errors name it).
pub fn write_run_folder(
    staging: &Staging,
    folder: &str,
    dir: &Path,
    scenario: &Scenario,
    outcome: &Outcome,
    plots: bool,
) -> Result<Summary, Error> {
    let path = |name: &str| match folder {
        "" => name.to_string(),
        _ => format!("{folder}/{name}"),
    };
    let (load_written, drawn) = rayon::join(
        || match outcome.load {
            Some(_) => {
                staging.write_with(&path(LOAD_CSV), |f| write_load_file(scenario, outcome, f))
            }
            None => Ok(()),
        },
        || -> Result<_, Error> {
            let (summary, data) = data_files(scenario, outcome);
            for (name, bytes) in &data {
                staging.write(&path(name), bytes)?;
            }
            if plots {
                let series = outcome
                    .load
                    .as_ref()
                    .map(crate::report::load_out::load_series);
                for (name, bytes) in &crate::plot::run_plot_files(dir, &data, series)? {
                    staging.write(&path(name), bytes)?;
                }
            }
            Ok(summary)
        },
    );
    load_written?;
    drawn
}

/// Commits a results folder written into `staging` — unless a stop was requested before it is committed
/// (during the simulation, the rendering, or while the files were written): exit 130 with nothing written;
/// `how_far` says where the job was.
pub fn commit_unless_stopped(staging: Staging, how_far: &str) -> Result<Vec<Leftover>, Error> {
    match staging.commit_unless(&interrupt::stop_requested) {
        Err(WriteError::Stopped(_)) => Err(interrupted(how_far.into())),
        other => Ok(other?),
    }
}
