//! `cofleet sweep`: every variant of a scenario × the `--set` product × seed replicas, all on one rayon pool;
//! one results folder written atomically (each run's folder, `comparison.csv`, `comparison.md`,
//! `sweep.csv`); `comparison.md` on stdout.
//!
//! Runs are independent and each is deterministic, so running them concurrently (the outer `par_iter` and
//! the engine's own parallelism share the pool; rayon's work stealing nests them) changes no byte: every
//! run folder equals what `cofleet run` writes for that scenario and seed.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use super::{Failure, guard, print_stdout};
use crate::cli::SweepArgs;
use crate::engine::estimate::{MemoryEstimate, sweep_memory};
use crate::engine::{simulate_until, with_threads};
use crate::model::Model;
use crate::model::scenario::Scenario;
use crate::model::time::DAY;
use crate::plot::sweep::comparison_files;
use crate::report::run_files;
use crate::report::write::{WriteError, write_results_unless};
use crate::scenario::{self, overrides};
use crate::sweep::shard::{self, MARKER, MARKER_SCHEMA, Marker, Shard, SweepPlan};
use crate::sweep::{SetParam, plan, replica_seed, variant_count};
use crate::units::text::{shown, shown_key};

/// Most runs a sweep starts without `--force`.
pub const MAX_RUNS: usize = 64;
/// CPU time per device-day, a deliberately round upper figure for the current engine (a release build
/// measured 0.07 µs on bench-1m; debug builds are ~10× slower).
pub const SECONDS_PER_DEVICE_DAY: f64 = 1e-6;

/// Runs the sweep.
pub fn sweep(args: &SweepArgs) -> Result<u8, Failure> {
    super::refuse_mpi_launch(&|k| std::env::var(k).ok())?;
    let mut sets: Vec<SetParam> = Vec::new();
    for arg in &args.set {
        let (key, values) = overrides::parse_set(arg).map_err(Failure::bad_input)?;
        if sets.iter().any(|s| s.key == key) {
            return Err(Failure::bad_input(format!(
                "--set {}: `{}` is already set by an earlier --set; give all its values in one",
                shown(arg),
                shown_key(&key)
            )));
        }
        sets.push(SetParam { key, values });
    }
    let file = args.scenario.display().to_string();
    let text = scenario::read_text(&args.scenario).map_err(Failure::bad_input)?;
    let replicas = args.replicas;
    let shard = match &args.shard {
        Some(arg) => {
            Some(Shard::parse(arg, &|k| std::env::var(k).ok()).map_err(Failure::bad_input)?)
        }
        None => None,
    };
    // An oversized plan is refused before its variants are built: 5,000 `[[variant]]` tables (or a large
    // `--set` product) would otherwise be validated one by one only to be refused.
    let planned = variant_count(&text, &file, &sets).map_err(Failure::bad_input)?;
    let planned_runs = planned.saturating_mul(replicas as usize);
    let owned_runs = match shard {
        Some(sh) if planned_runs > sh.index as usize => {
            (planned_runs - sh.index as usize - 1) / sh.count as usize + 1
        }
        Some(_) => 0,
        None => planned_runs,
    };
    if !args.force && owned_runs > MAX_RUNS {
        let base = scenario::parse(&text, &file).map_err(Failure::bad_input)?;
        let threads = args.threads.map_or(0, usize::from);
        let pool_threads = if threads == 0 {
            std::thread::available_parallelism().map_or(1, usize::from)
        } else {
            threads
        };
        let cost = Estimate::of_base(&base, owned_runs, pool_threads);
        return Err(refuse_size(
            owned_runs,
            planned,
            replicas,
            &cost,
            pool_threads,
        ));
    }
    let variants = plan(&text, &file, &sets).map_err(Failure::bad_input)?;
    let base = &variants[0].scenario;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&base.name));
    // Reliability (issue 8): the overwrite policy.
    guard::check_overwrite(&out, &base.name, guard::Kind::Sweep, args.force)?;

    let all_jobs: Vec<(usize, u32, Scenario)> = variants
        .iter()
        .enumerate()
        .flat_map(|(i, v)| {
            (0..replicas).map(move |k| {
                let mut s = v.scenario.clone();
                s.seed = replica_seed(v.scenario.seed, k);
                (i, k, s)
            })
        })
        .collect();
    let runs = all_jobs.len();
    // Run index = position in the fixed order; a shard keeps every N-th (all of them without --shard).
    let (owned, jobs): (Vec<usize>, Vec<(usize, u32, Scenario)>) = all_jobs
        .into_iter()
        .enumerate()
        .filter(|(r, _)| shard.is_none_or(|s| s.owns(*r)))
        .unzip();
    let threads = args.threads.map_or(0, usize::from);
    let pool_threads = if threads == 0 {
        std::thread::available_parallelism().map_or(1, usize::from)
    } else {
        threads
    };
    let cost = Estimate::of(&jobs, pool_threads);
    let what = format!("this sweep of {} runs", jobs.len());
    guard::check_memory(&cost.memory, args.max_memory.as_deref(), args.force, &what)?;
    if !args.force && jobs.len() > MAX_RUNS {
        return Err(refuse_size(
            jobs.len(),
            variants.len(),
            replicas,
            &cost,
            pool_threads,
        ));
    }

    let bar = (!args.quiet && std::io::stderr().is_terminal()).then(|| {
        let bar =
            ProgressBar::with_draw_target(Some(jobs.len() as u64), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} sweeping [{bar:40}] {pos}/{len} runs  {elapsed}",
            )
            .expect("the template is valid")
            .progress_chars("=> "),
        );
        bar
    });
    let started = Instant::now();
    let stop = guard::stop_flag();
    let finished = std::sync::atomic::AtomicUsize::new(0);
    let outcomes = with_threads(threads, || {
        jobs.par_iter()
            .map(|(_, _, s)| {
                let model = Model::new(s.clone());
                let outcome = simulate_until(&model, &|_| {}, Some(stop));
                if outcome.is_ok() {
                    finished.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                if let Some(bar) = &bar {
                    bar.inc(1);
                }
                outcome
            })
            .collect::<Vec<_>>()
    });
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    // Interrupted (Ctrl-C, SIGTERM): runs not yet started stop at once, running ones at their next chunk.
    let outcomes: Vec<_> = match outcomes.into_iter().collect::<Result<_, _>>() {
        Ok(outcomes) if !guard::stop_requested() => outcomes,
        _ => {
            return Err(guard::interrupted(format!(
                "{} of {} runs had finished",
                finished.into_inner(),
                jobs.len()
            )));
        }
    };
    let elapsed = started.elapsed();

    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut summaries = vec![Vec::new(); variants.len()];
    for ((i, k, s), outcome) in jobs.iter().zip(&outcomes) {
        let (summary, run) = run_files(s, outcome);
        let folder = run_folder(&variants[*i].name, *k);
        // A variant's folder is exactly what `cofleet run` writes, plots and report included; the extra
        // replicas' folders carry the data files only (their plots would repeat the variant's).
        if *k == 0 {
            let series = outcome
                .load
                .as_ref()
                .map(crate::report::load_out::load_series);
            let plots = crate::plot::run_plot_files(&out.join(&folder), &run, series)
                .map_err(Failure::bad_input)?;
            files.extend(
                plots
                    .into_iter()
                    .map(|(name, bytes)| (format!("{folder}/{name}"), bytes)),
            );
        }
        files.extend(
            run.into_iter()
                .map(|(name, bytes)| (format!("{folder}/{name}"), bytes)),
        );
        summaries[*i].push(summary);
    }
    let sweep_plan = SweepPlan::new(
        &variants,
        sets.iter().map(|s| s.key.clone()).collect(),
        replicas,
    );
    let md = match shard {
        // A shard has only some runs: no comparison, only the marker `cofleet merge` checks.
        Some(sh) => {
            let marker = Marker {
                schema: MARKER_SCHEMA,
                cofleet_version: env!("CARGO_PKG_VERSION").to_string(),
                sweep_hash: shard::sweep_hash(&variants, replicas),
                shard: sh.index,
                shards: sh.count,
                runs: owned,
                plan: sweep_plan,
            };
            let mut json = serde_json::to_vec_pretty(&marker).expect("a marker always serializes");
            json.push(b'\n');
            files.push((MARKER.into(), json));
            format!(
                "shard {}/{} of sweep {}: {} of {runs} runs; merge all {} shard folders with `cofleet merge`\n",
                sh.index,
                sh.count,
                base.name,
                jobs.len(),
                sh.count
            )
        }
        None => {
            let (md, outputs) =
                comparison_files(&sweep_plan, &summaries).map_err(Failure::bad_input)?;
            files.extend(outputs);
            md
        }
    };
    // A signal after the simulations (while rendering or writing) still means no results.
    let written = if guard::stop_requested() {
        Err(WriteError::Interrupted)
    } else {
        write_results_unless(&out, &files, &guard::stop_requested)
    };
    match written {
        Err(WriteError::Interrupted) => {
            return Err(guard::interrupted(format!(
                "all {} runs had finished, the results were not written",
                jobs.len()
            )));
        }
        other => other.map_err(Failure::bad_input)?,
    }
    print_stdout(&md);
    if !args.quiet {
        eprintln!(
            "{} runs in {:.2} s on {pool_threads} threads; results in {}",
            jobs.len(),
            elapsed.as_secs_f64(),
            out.display()
        );
    }
    Ok(0)
}

/// The refusal of a sweep of more than [`MAX_RUNS`] runs without `--force`.
fn refuse_size(
    runs: usize,
    variants: usize,
    replicas: u32,
    cost: &Estimate,
    threads: usize,
) -> Failure {
    Failure::bad_input(format!(
        "refusing to sweep without --force: {runs} runs is above the limit of {MAX_RUNS} ({variants} \
         variant{} × {replicas} replica{}). {}",
        if variants == 1 { "" } else { "s" },
        if replicas == 1 { "" } else { "s" },
        cost.describe(threads)
    ))
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

/// What a sweep is expected to cost, from fleet sizes and durations (an estimate, not a measurement).
struct Estimate {
    /// CPU seconds over all runs.
    cpu_seconds: f64,
    /// Peak memory: as many of the largest runs as there are threads, in memory at once.
    memory: MemoryEstimate,
}

impl Estimate {
    fn of(jobs: &[(usize, u32, Scenario)], threads: usize) -> Estimate {
        let device_days: f64 = jobs
            .iter()
            .map(|(_, _, s)| f64::from(s.fleet.devices) * f64::from(s.duration) / f64::from(DAY))
            .sum();
        Estimate {
            cpu_seconds: device_days * SECONDS_PER_DEVICE_DAY,
            memory: sweep_memory(jobs.iter().map(|(_, _, s)| s), threads),
        }
    }

    /// `runs` runs the size of `base`: the estimate of a plan refused before its variants are built.
    fn of_base(base: &Scenario, runs: usize, threads: usize) -> Estimate {
        let device_days = f64::from(base.fleet.devices) * f64::from(base.duration) / f64::from(DAY);
        Estimate {
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
            crate::engine::estimate::human_bytes(self.memory.bytes)
        )
    }
}
