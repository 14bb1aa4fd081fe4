//! `cofleet sweep` as a library function: every variant of a scenario × the `--set` product × seed replicas,
//! all on one rayon pool; writes the sweep folder (each run's folder as soon as the run ends, then
//! `comparison.csv`, `comparison.md`, `sweep.csv`, or a shard's marker) and returns the text for stdout.
//!
//! Runs are independent and each is deterministic, so running them concurrently (the outer `par_iter` and
//! the engine's own parallelism share the pool; rayon's work stealing nests them) changes no byte: every
//! run folder equals what `cofleet run` writes for that scenario and seed.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use super::interrupt::{self, interrupted};
use super::memory::check_memory;
use super::overwrite::{Kind, check_overwrite};
use super::pool::Threads;
use super::run::{commit_unless_stopped, default_sweep_out, write_run_folder};
use crate::engine::estimate::{MemoryEstimate, sweep_memory};
use crate::engine::{Outcome, simulate_until};
use crate::job::error::Error;
use crate::model::Model;
use crate::model::scenario::Scenario;
use crate::model::time::DAY;
use crate::report::leftovers::Leftover;
use crate::report::summary::Summary;
use crate::report::write::Staging;
use crate::scenario;
use crate::sweep::shard::{self, MARKER, MARKER_SCHEMA, Marker, Shard, SweepPlan};
use crate::sweep::{SetParam, Variant, plan, reference_index, replica_seed, variant_count};
use crate::units::human_bytes;

/// Most runs a sweep starts without `--force`.
pub const MAX_RUNS: usize = 64;
/// CPU time per device-day, a deliberately round upper figure for the current engine (a release build
/// measured 0.07 µs on bench-1m; debug builds are ~10× slower).
pub const SECONDS_PER_DEVICE_DAY: f64 = 1e-6;

/// What `cofleet sweep` was asked to do, validated.
#[derive(Debug, Clone)]
pub struct SweepConfig {
    /// The scenario file, with optional `[[variant]]` tables.
    pub scenario: PathBuf,
    /// The `--set` parameters, distinct keys, in order.
    pub sets: Vec<SetParam>,
    /// Seed replicas per variant (≥ 1).
    pub replicas: u32,
    /// The results folder (default: `results/<scenario name>/`).
    pub out: Option<PathBuf>,
    /// `--reference`: the variant the others are compared with (default: the base scenario).
    pub reference: Option<String>,
    /// Worker threads shared by all runs.
    pub threads: Threads,
    /// Run above [`MAX_RUNS`] or the memory limit, and replace a folder the overwrite policy keeps.
    pub force: bool,
    /// `--max-memory` in bytes (default: the memory available on this machine).
    pub max_memory: Option<u64>,
    /// Only this shard's runs (`--shard`).
    pub shard: Option<Shard>,
}

/// One run of a sweep: its variant (index into the plan), its replica, and its scenario with the replica's
/// seed.
struct Job {
    variant: usize,
    replica: u32,
    scenario: Scenario,
}

/// A sweep that passed its guards and is ready to run.
pub struct PreparedSweep {
    variants: Vec<Variant>,
    reference: usize,
    param_keys: Vec<String>,
    replicas: u32,
    out: PathBuf,
    threads: Threads,
    shard: Option<Shard>,
    /// Run indices (in the sweep's fixed order) this process runs, and their jobs.
    owned: Vec<usize>,
    jobs: Vec<Job>,
    /// All runs of the sweep, every shard's.
    runs: usize,
}

/// A finished sweep (or shard), written, and what to tell about it.
#[derive(Debug)]
pub struct SweepResults {
    /// The sweep folder.
    pub out: PathBuf,
    /// Leftovers of killed processes found beside it when it was written.
    pub leftovers: Vec<Leftover>,
    /// `comparison.md`, or a shard's one-line account, for stdout.
    pub text: String,
    /// Runs this process ran.
    pub runs: usize,
    /// Threads they shared.
    pub threads: usize,
    /// Wall time of the runs and their folders.
    pub elapsed: Duration,
}

/// Plans the sweep and applies the guards, before anything is simulated: the overwrite policy, the memory
/// guard and the run limit.
pub fn prepare(config: &SweepConfig) -> Result<PreparedSweep, Error> {
    let file = config.scenario.display().to_string();
    let text = scenario::read_text(&config.scenario)?;
    let replicas = config.replicas;
    let threads = config.threads.count();
    // An oversized plan is refused before its variants are built: 5,000 `[[variant]]` tables (or a large
    // `--set` product) would otherwise be validated one by one only to be refused.
    let planned = variant_count(&text, &file, &config.sets)?;
    let planned_runs = planned.saturating_mul(replicas as usize);
    let owned_runs = match config.shard {
        Some(sh) if planned_runs > sh.index as usize => {
            (planned_runs - sh.index as usize - 1) / sh.count as usize + 1
        }
        Some(_) => 0,
        None => planned_runs,
    };
    if !config.force && owned_runs > MAX_RUNS {
        let base = scenario::parse(&text, &file)?;
        let cost = SweepCost::of_base(&base, owned_runs, threads);
        return Err(refuse_size(owned_runs, planned, replicas, &cost, threads));
    }
    let mut variants = plan(&text, &file, &config.sets)?;
    // The inventory is read once; variants that keep its file and format share the rows.
    let mut read: Option<crate::model::scenario::FleetInventory> = None;
    for v in &mut variants {
        let fleet = &mut v.scenario.fleet;
        match (fleet.inventory.as_mut(), &read) {
            (Some(inv), Some(done)) if inv.file == done.file && inv.format == done.format => {
                inv.facts = done.facts.clone();
                if fleet.devices == 0 {
                    fleet.devices = u32::try_from(inv.facts.len()).unwrap_or(u32::MAX);
                }
            }
            _ => {
                scenario::attach_inventory(&mut v.scenario, &config.scenario)?;
                read.clone_from(&v.scenario.fleet.inventory);
            }
        }
    }
    let (mut base_scenario, _) = scenario::overrides::base_and_variants(&text, &file)?;
    if let (Some(inv), Some(done)) = (base_scenario.fleet.inventory.as_mut(), &read) {
        inv.facts = done.facts.clone();
        if base_scenario.fleet.devices == 0 {
            base_scenario.fleet.devices = u32::try_from(inv.facts.len()).unwrap_or(u32::MAX);
        }
    }
    let reference = reference_index(&variants, &base_scenario, config.reference.as_deref())
        .map_err(Error::refused)?;
    let base = &variants[0].scenario;
    let out = config
        .out
        .clone()
        .unwrap_or_else(|| default_sweep_out(&base.name));
    check_overwrite(&out, &base.name, Kind::Sweep, config.force)?;

    let all_jobs: Vec<Job> = variants
        .iter()
        .enumerate()
        .flat_map(|(variant, v)| {
            (0..replicas).map(move |replica| {
                let mut scenario = v.scenario.clone();
                scenario.seed = replica_seed(v.scenario.seed, replica);
                Job {
                    variant,
                    replica,
                    scenario,
                }
            })
        })
        .collect();
    let runs = all_jobs.len();
    // Run index = position in the fixed order; a shard keeps every N-th (all of them without --shard).
    let (owned, jobs): (Vec<usize>, Vec<Job>) = all_jobs
        .into_iter()
        .enumerate()
        .filter(|(r, _)| config.shard.is_none_or(|s| s.owns(*r)))
        .unzip();
    let cost = SweepCost::of(&jobs, threads);
    let what = format!("this sweep of {} runs", jobs.len());
    check_memory(&cost.memory, config.max_memory, config.force, &what)?;
    if !config.force && jobs.len() > MAX_RUNS {
        return Err(refuse_size(
            jobs.len(),
            variants.len(),
            replicas,
            &cost,
            threads,
        ));
    }
    Ok(PreparedSweep {
        param_keys: config.sets.iter().map(|s| s.key.clone()).collect(),
        variants,
        reference,
        replicas,
        out,
        threads: config.threads,
        shard: config.shard,
        owned,
        jobs,
        runs,
    })
}

impl PreparedSweep {
    /// Runs this process will run.
    pub fn runs(&self) -> usize {
        self.jobs.len()
    }

    /// Runs every job, calling `run_done` after each, and writes the sweep folder: each run's folder goes into
    /// the folder's temporary as soon as the run ends — formatted, drawn and flushed while other runs still
    /// simulate, where it waited for the last run and then went file by file — and the comparison last; the
    /// folder is committed in one step. A Ctrl-C or SIGTERM stops it (exit 130, nothing written): runs not
    /// yet started stop at once, running ones at their next chunk.
    pub fn run(self, run_done: &(dyn Fn() + Sync)) -> Result<SweepResults, Error> {
        let started = Instant::now();
        let stop = interrupt::stop_flag();
        let finished = AtomicUsize::new(0);
        let staging = Staging::open(&self.out)?;
        // Per job: its summary, `None` when it was stopped.
        let done: Vec<Result<Option<Summary>, Error>> = self.threads.install(|| {
            self.jobs
                .par_iter()
                .map(|job| {
                    let model = Model::new(job.scenario.clone());
                    let outcome = simulate_until(&model, &|_| {}, Some(stop));
                    if outcome.is_ok() {
                        finished.fetch_add(1, Ordering::Relaxed);
                    }
                    run_done();
                    match outcome {
                        Ok(outcome) if !interrupt::stop_requested() => {
                            self.write_run(&staging, job, &outcome).map(Some)
                        }
                        _ => Ok(None),
                    }
                })
                .collect()
        });
        let mut summaries = vec![Vec::new(); self.variants.len()];
        let mut stopped = interrupt::stop_requested();
        for (job, summary) in self.jobs.iter().zip(done) {
            match summary? {
                Some(summary) => summaries[job.variant].push(summary),
                None => stopped = true,
            }
        }
        if stopped {
            return Err(interrupted(format!(
                "{} of {} runs had finished",
                finished.into_inner(),
                self.jobs.len()
            )));
        }
        let mut files = Vec::new();
        let text = self.finish(&mut files, &summaries)?;
        for (name, bytes) in &files {
            staging.write(name, bytes)?;
        }
        let elapsed = started.elapsed();
        let how_far = "every run had finished; the sweep's results were not yet committed";
        let leftovers = commit_unless_stopped(staging, how_far)?;
        Ok(SweepResults {
            out: self.out,
            leftovers,
            text,
            runs: self.jobs.len(),
            threads: self.threads.count(),
            elapsed,
        })
    }

    /// Writes the folder of `job`'s run into `staging`, and returns its summary. A variant's folder is exactly
    /// what `cofleet run` writes, plots and report included; the extra replicas' folders carry the data files
    /// only (their plots would repeat the variant's).
    fn write_run(&self, staging: &Staging, job: &Job, outcome: &Outcome) -> Result<Summary, Error> {
        let folder = run_folder(&self.variants[job.variant].name, job.replica);
        let dir = self.out.join(&folder);
        write_run_folder(
            staging,
            &folder,
            &dir,
            &job.scenario,
            outcome,
            job.replica == 0,
        )
    }

    /// Adds the comparison files (or, for a shard, the marker `cofleet merge` checks) to `files`; returns the
    /// text for stdout.
    fn finish(
        &self,
        files: &mut Vec<(String, Vec<u8>)>,
        summaries: &[Vec<crate::report::summary::Summary>],
    ) -> Result<String, Error> {
        let sweep_plan = SweepPlan::new(
            &self.variants,
            self.param_keys.clone(),
            self.replicas,
            self.reference,
        );
        let Some(sh) = self.shard else {
            let (md, outputs) = crate::plot::sweep::comparison_files(&sweep_plan, summaries)?;
            files.extend(outputs);
            return Ok(md);
        };
        // A shard has only some runs: no comparison, only the marker.
        let marker = Marker {
            schema: MARKER_SCHEMA,
            cofleet_version: env!("CARGO_PKG_VERSION").to_string(),
            sweep_hash: shard::sweep_hash(&self.variants, self.replicas),
            shard: sh.index,
            shards: sh.count,
            runs: self.owned.clone(),
            plan: sweep_plan,
        };
        let mut json = serde_json::to_vec_pretty(&marker).expect("a marker always serializes");
        json.push(b'\n');
        files.push((MARKER.into(), json));
        Ok(format!(
            "shard {}/{} of sweep {}: {} of {} runs; merge all {} shard folders with `cofleet merge`\n",
            sh.index,
            sh.count,
            self.variants[0].scenario.name,
            self.jobs.len(),
            self.runs,
            sh.count
        ))
    }
}

/// Where a run's folder goes inside the sweep folder: replica 0 (the scenario's own seed) is the variant's
/// folder itself; replica k ≥ 1 goes below it in `replicas/<k>/`.
pub fn run_folder(variant: &str, replica: u32) -> String {
    if replica == 0 {
        format!("variants/{variant}")
    } else {
        format!("variants/{variant}/replicas/{replica}")
    }
}

/// The refusal of a sweep of more than [`MAX_RUNS`] runs without `--force`.
fn refuse_size(
    runs: usize,
    variants: usize,
    replicas: u32,
    cost: &SweepCost,
    threads: usize,
) -> Error {
    Error::refused(format!(
        "refusing to sweep without --force: {runs} runs is above the limit of {MAX_RUNS} ({variants} \
         variant{} × {replicas} replica{}). {}",
        if variants == 1 { "" } else { "s" },
        if replicas == 1 { "" } else { "s" },
        cost.describe(threads)
    ))
}

/// What a sweep is expected to cost, from fleet sizes and durations (an estimate, not a measurement).
struct SweepCost {
    /// CPU seconds over all runs.
    cpu_seconds: f64,
    /// Peak memory: as many of the largest runs as there are threads, in memory at once.
    memory: MemoryEstimate,
}

impl SweepCost {
    fn of(jobs: &[Job], threads: usize) -> SweepCost {
        let device_days: f64 = jobs
            .iter()
            .map(|j| {
                f64::from(j.scenario.fleet.devices) * f64::from(j.scenario.duration)
                    / f64::from(DAY)
            })
            .sum();
        SweepCost {
            cpu_seconds: device_days * SECONDS_PER_DEVICE_DAY,
            memory: sweep_memory(jobs.iter().map(|j| &j.scenario), threads),
        }
    }

    /// The cost of `runs` runs the size of `base`: the estimate before the variants are built.
    fn of_base(base: &Scenario, runs: usize, threads: usize) -> SweepCost {
        let device_days = f64::from(base.fleet.devices) * f64::from(base.duration) / f64::from(DAY);
        SweepCost {
            cpu_seconds: device_days * runs as f64 * SECONDS_PER_DEVICE_DAY,
            memory: sweep_memory(std::iter::repeat_n(base, runs.min(threads)), threads),
        }
    }

    fn describe(&self, threads: usize) -> String {
        format!(
            "Estimated (~1 µs of CPU per device-day): {:.0} s of CPU, about {:.0} s on {threads} thread{}, \
             {} peak memory.",
            self.cpu_seconds,
            self.cpu_seconds / threads as f64,
            if threads == 1 { "" } else { "s" },
            human_bytes(self.memory.bytes)
        )
    }
}
