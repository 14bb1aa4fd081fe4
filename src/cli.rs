//! The command line as the user typed it (clap derive). Nothing here is validated beyond its type: `cmd/*`
//! turns it into what the core needs.
// The doc comments here are clap's help text, written for the terminal (`results/<name>/`, `[[variant]]`),
// not for rustdoc.
#![allow(rustdoc::invalid_html_tags, rustdoc::broken_intra_doc_links)]

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// cofleet — simulate a Windows fleet moving into ConfigMgr + Intune co-management, deterministically.
#[derive(Debug, Parser)]
#[command(name = "cofleet", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario: print a summary table and write results/<name>/ (summary.json, CSVs, plots, report).
    Run(RunArgs),
    /// Validate scenario files; every problem names the file, line, column, key and allowed range.
    Check(CheckArgs),
    /// Export a run's simulated request-rate curve for a component as a k6 script or a rate CSV.
    ExportLoad(ExportLoadArgs),
    // --- CI gate (issue 6) ---
    /// CI gate: check a results folder against its thresholds and a baseline run; exit 1 on a failure.
    Gate(GateArgs),
    /// Manage baselines for the CI gate.
    Baseline(BaselineArgs),
    /// Run a scenario's variants × --set values × seed replicas in parallel; compare them with 95 % CIs.
    Sweep(SweepArgs),
    /// Re-render plots/ and report.html of a results folder from its files (no simulation).
    Plot(PlotArgs),
    /// Combine the shard folders of `cofleet sweep --shard` into exactly the unsharded sweep's folder.
    Merge(MergeArgs),
}

/// `cofleet run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// Results folder (default: results/<scenario name>/).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Worker threads (default: one per core). Results are identical for any value.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// No progress bar and no timing line on stderr.
    #[arg(long, short)]
    pub quiet: bool,
    // --- CI gate (issue 6) ---
    /// After the run, gate it (thresholds, and the baseline if given); the exit code is the gate's.
    #[arg(long)]
    pub gate: bool,
    /// Gate options (only with --gate).
    #[command(flatten)]
    pub gate_options: GateOptions,
    // --- Reliability (issue 8) ---
    /// Replace an --out folder that is not a complete run of this scenario, and run above the memory limit.
    #[arg(long)]
    pub force: bool,
    /// Refuse to start when the estimated peak memory is above SIZE (e.g. 2GB, 500MB; default: the memory
    /// available on this machine).
    #[arg(long, value_name = "SIZE")]
    pub max_memory: Option<String>,
}

/// `cofleet check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Scenario files (TOML).
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
}

/// `cofleet export-load`.
#[derive(Debug, clap::Args)]
pub struct ExportLoadArgs {
    /// A results folder written by `cofleet run` (it must contain load.csv).
    pub results: PathBuf,
    /// Component whose load to export: management_point, cmg, intune or azure_ad.
    #[arg(long)]
    pub component: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "k6")]
    pub format: ExportFormat,
    /// Replay this many times faster than simulated time (the total number of requests is kept).
    #[arg(long, default_value_t = 60)]
    pub speedup: u32,
    /// Write to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Formats of `export-load`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// A k6 script with a ramping-arrival-rate scenario.
    K6,
    /// `seconds,requests_per_s` rows (e.g. for Locust's LoadTestShape).
    Csv,
}

// --- CI gate (issue 6) ---

/// `cofleet gate`.
#[derive(Debug, clap::Args)]
pub struct GateArgs {
    /// The results folder of the run to check.
    #[arg(long, value_name = "DIR")]
    pub current: PathBuf,
    /// Take the thresholds from this scenario file instead of those recorded in the run's summary.json.
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// Gate options.
    #[command(flatten)]
    pub options: GateOptions,
}

/// What the gate checks and how strictly; shared by `cofleet gate` and `cofleet run --gate`.
#[derive(Debug, clap::Args)]
pub struct GateOptions {
    /// Baseline results folder (e.g. results/baselines/<scenario>) to compare every statistic with.
    #[arg(long, value_name = "DIR")]
    pub baseline: Option<PathBuf>,
    /// Allowed relative worsening of any statistic against the baseline.
    #[arg(
        long,
        value_name = "PERCENT",
        default_value = "5%",
        allow_hyphen_values = true
    )]
    pub max_regression: String,
    /// Per-statistic limit overriding --max-regression: a glob (`*` spans dots) and a percentage; repeatable,
    /// the last match wins.
    #[arg(long, value_name = "PATTERN=PERCENT", allow_hyphen_values = true)]
    pub metric_regression: Vec<String>,
    /// A latency change smaller than this never counts as a regression.
    #[arg(long, value_name = "DURATION", default_value = "60s")]
    pub noise_floor: String,
    /// A count change smaller than this many devices never counts as a regression.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub count_noise_floor: u64,
    /// Compare with a baseline of a different scenario (seed, fleet, timers, …) instead of refusing.
    #[arg(long)]
    pub allow_scenario_change: bool,
    /// Skip the thresholds; only compare with the baseline.
    #[arg(long)]
    pub no_thresholds: bool,
    /// Also write the verdicts as JUnit XML to FILE.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Also write the verdicts as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

/// `cofleet baseline`.
#[derive(Debug, clap::Args)]
pub struct BaselineArgs {
    /// What to do with baselines.
    #[command(subcommand)]
    pub action: BaselineAction,
}

/// `cofleet baseline` subcommands.
#[derive(Debug, Subcommand)]
pub enum BaselineAction {
    /// Save a finished run as the baseline the gate compares with.
    Save(BaselineSaveArgs),
}

/// `cofleet baseline save`.
#[derive(Debug, clap::Args)]
pub struct BaselineSaveArgs {
    /// The results folder of a finished run.
    pub results: PathBuf,
    /// Baseline folder (default: results/baselines/<scenario name>/).
    #[arg(long, value_name = "DIR")]
    pub to: Option<PathBuf>,
}

/// `cofleet sweep`.
#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// The scenario file (TOML), with optional [[variant]] tables.
    pub scenario: PathBuf,
    /// A parameter and its values, KEY=V1,V2,... (dotted key path, e.g. timers.policy_poll=30m,60m);
    /// repeat for a cartesian product.
    #[arg(long = "set", value_name = "KEY=V1,V2")]
    pub set: Vec<String>,
    /// Seed replicas per variant (replica 0 uses the scenario's seed).
    #[arg(long, default_value_t = 1, value_name = "K", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub replicas: u32,
    /// Results folder (default: results/<scenario name>/).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Worker threads shared by all runs (default: one per core). Results are identical for any value.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Run even above 64 runs or the memory limit (estimated), and replace an --out folder that is not a
    /// complete sweep of this scenario.
    #[arg(long)]
    pub force: bool,
    // --- Reliability (issue 8) ---
    /// Refuse to start when the estimated peak memory is above SIZE (e.g. 2GB, 500MB; default: the memory
    /// available on this machine).
    #[arg(long, value_name = "SIZE")]
    pub max_memory: Option<String>,
    /// No progress bar and no timing line on stderr.
    #[arg(long, short)]
    pub quiet: bool,
    /// Run only shard I of N (runs I, I+N, I+2N, … of the sweep's fixed order) into a partial folder for
    /// `cofleet merge`; `auto` or `auto/N` takes I (and N) from JOB_COMPLETION_INDEX (+ COFLEET_SHARD_COUNT)
    /// or SLURM_ARRAY_TASK_ID (+ SLURM_ARRAY_TASK_COUNT).
    #[arg(long, value_name = "I/N|auto[/N]")]
    pub shard: Option<String>,
}

/// `cofleet merge` (sharded sweeps, issue 7).
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The shard folders (one per shard index, in any order).
    #[arg(required = true, value_name = "DIR")]
    pub shards: Vec<PathBuf>,
    /// Results folder (default: results/<scenario name>/).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// No summary line on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `cofleet plot`.
#[derive(Debug, clap::Args)]
pub struct PlotArgs {
    /// A results folder written by `cofleet run` (summary.json, timeline.csv, percentiles.csv).
    pub results: PathBuf,
    /// Image files to write under plots/ (report.html always inlines SVG).
    #[arg(long, value_enum, default_value_t = PlotFormat::Both)]
    pub format: PlotFormat,
}

/// Image formats of `cofleet plot --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlotFormat {
    /// plots/*.svg only.
    Svg,
    /// plots/*.png only.
    Png,
    /// Both SVG and PNG.
    Both,
}
