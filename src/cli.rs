//! The command line as the user typed it (clap derive). Every value is parsed and checked here, by clap value
//! parsers, before any work starts — a typo in `--max-regression` is refused before the simulation, not after
//! it. `cmd/*` turns these arguments into the clap-free configurations of [`crate::job`] and the gate.
// The doc comments here are clap's help text, written for the terminal (`results/<name>/`, `[[variant]]`),
// not for rustdoc.
#![allow(rustdoc::invalid_html_tags, rustdoc::broken_intra_doc_links)]

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::gate::policy::{parse_override, parse_percent};
use crate::job::memory::parse_size;
use crate::load::Component;
use crate::sweep::SetParam;
use crate::sweep::shard::{Shard, ShardProblem};
use crate::units::parse_duration;

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
    // --- CI gate ---
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
    /// Read a device inventory CSV (docs/inventory.md).
    Inventory(InventoryArgs),
    /// Fit scenario keys to an observed rollout and forecast its milestones with intervals (docs/fit.md).
    Fit(FitArgs),
}

/// `cofleet fit`.
#[derive(Debug, clap::Args)]
pub struct FitArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// The observed progress CSV: `time` and timeline.csv columns with device counts.
    #[arg(long, value_name = "CSV")]
    pub observed: PathBuf,
    /// A free parameter and its bounds (repeatable): `failures.mdm_enrollment=0.01..0.2`, `timers.enrollment_spread=1d..4d`.
    #[arg(long = "param", value_name = "KEY=LOW..HIGH", required = true, value_parser = crate::fit::param::parse_param)]
    pub params: Vec<crate::fit::Param>,
    /// Output folder (default: results/<scenario name>-fit/).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Seed of every candidate's simulation (common random numbers; default: the scenario's).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Simulate this many devices instead of the scenario's (shares are compared, so a smaller fleet fits faster).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub devices: Option<u32>,
    /// Nelder–Mead iterations at most for the fit (each bootstrap refit too).
    #[arg(long, value_name = "N", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub iterations: u64,
    /// Parametric bootstrap replicas for the intervals (0: no intervals).
    #[arg(long, alias = "replicas", value_name = "B", default_value_t = 10, value_parser = clap::value_parser!(u32).range(0..=1000))]
    pub bootstrap: u32,
    /// Replace an --out folder that is not a fit of this scenario.
    #[arg(long)]
    pub force: bool,
    /// Worker threads (default: one per core). Results are identical for any value.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
}

/// `cofleet inventory`.
#[derive(Debug, clap::Args)]
pub struct InventoryArgs {
    /// What to do with the inventory.
    #[command(subcommand)]
    pub action: InventoryAction,
}

/// `cofleet inventory` subcommands.
#[derive(Debug, Subcommand)]
pub enum InventoryAction {
    /// Print what was understood: columns, counts per site, path, state, attribute shares, rows ignored.
    Summarize(InventorySummarizeArgs),
}

/// `cofleet inventory summarize`.
#[derive(Debug, clap::Args)]
pub struct InventorySummarizeArgs {
    /// The inventory CSV.
    pub file: PathBuf,
    /// Column preset: canonical, intune (admin center device export) or configmgr (the SQL query of
    /// docs/inventory.md).
    #[arg(long, value_name = "F", default_value = "canonical", value_parser = ["canonical", "intune", "configmgr"])]
    pub format: String,
    /// Map a column onto a field (repeatable), e.g. `--map Hostname=name --map Encrypted=bitlocker`.
    #[arg(long = "map", value_name = "COLUMN=FIELD", value_parser = crate::inventory::parse_map)]
    pub maps: Vec<crate::inventory::ColumnMap>,
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
    /// Write the data files only: no plots/ and no report.html (`cofleet plot DIR` draws them later from
    /// the files). For scripted runs that read summary.json or the CSVs.
    #[arg(long)]
    pub no_plots: bool,
    // --- CI gate ---
    /// After the run, gate it (thresholds, and the baseline if given); the exit code is the gate's.
    #[arg(long)]
    pub gate: bool,
    /// Gate options (only with --gate).
    #[command(flatten)]
    pub gate_options: GateOptions,
    // --- Reliability ---
    /// Replace an --out folder that is not a complete run of this scenario (and a --junit/--json file that
    /// is not cofleet's own), and run above the memory limit.
    #[arg(long)]
    pub force: bool,
    /// Refuse to start when the estimated peak memory is above SIZE (e.g. 2GB, 500MB; default: the memory
    /// available on this machine).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_memory: Option<u64>,
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
    /// Component whose load to export.
    #[arg(long, value_enum)]
    pub component: ComponentArg,
    /// Output format.
    #[arg(long, value_enum, default_value = "k6")]
    pub format: ExportFormat,
    /// Replay this many times faster than simulated time (the total number of requests is kept).
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..))]
    pub speedup: u32,
    /// Export from this time since the start (a duration, e.g. 3d or 36h; default: the start).
    #[arg(long, value_name = "DURATION", value_parser = duration_seconds, conflicts_with = "window")]
    pub from: Option<u64>,
    /// Export up to this time since the start (a duration; default: the end of the run).
    #[arg(long, value_name = "DURATION", value_parser = duration_seconds, conflicts_with = "window")]
    pub to: Option<u64>,
    /// Export a named window instead of --from/--to: `peak-day`, the simulated day (24 h from the start's
    /// time of day) with the most requests for the component.
    #[arg(long, value_enum, value_name = "WINDOW")]
    pub window: Option<WindowArg>,
    /// Write to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace an --out file that is not an earlier export of cofleet's.
    #[arg(long)]
    pub force: bool,
}

/// The named windows of `export-load --window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[value(rename_all = "kebab-case")]
pub enum WindowArg {
    /// The simulated day with the most requests for the component.
    PeakDay,
}

/// The load components `export-load --component` takes, by their names in `load.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum ComponentArg {
    /// The ConfigMgr management point (on-premises clients).
    ManagementPoint,
    /// The cloud management gateway (ConfigMgr clients on the internet).
    Cmg,
    /// The Intune service.
    Intune,
    /// Microsoft Entra ID (Azure AD).
    AzureAd,
    /// The software update point (WSUS) ConfigMgr clients scan against.
    SoftwareUpdatePoint,
}

impl ComponentArg {
    /// The load component this names.
    pub fn component(self) -> Component {
        match self {
            ComponentArg::ManagementPoint => Component::ManagementPoint,
            ComponentArg::Cmg => Component::Cmg,
            ComponentArg::Intune => Component::Intune,
            ComponentArg::AzureAd => Component::AzureAd,
            ComponentArg::SoftwareUpdatePoint => Component::SoftwareUpdatePoint,
        }
    }
}

/// Formats of `export-load`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// A k6 script with a ramping-arrival-rate scenario.
    K6,
    /// `seconds,requests_per_s` rows (e.g. for Locust's LoadTestShape).
    Csv,
}

// --- CI gate ---

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
    /// Replace a --junit or --json file that is not an earlier one of cofleet's.
    #[arg(long)]
    pub force: bool,
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
        allow_hyphen_values = true,
        value_parser = parse_percent
    )]
    pub max_regression: f64,
    /// Per-statistic limit overriding --max-regression: a glob (`*` spans dots) and a percentage; repeatable,
    /// the last match wins.
    #[arg(long, value_name = "PATTERN=PERCENT", allow_hyphen_values = true, value_parser = parse_override)]
    pub metric_regression: Vec<(String, f64)>,
    /// A latency change smaller than this never counts as a regression.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = duration_seconds)]
    pub noise_floor: u64,
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
    /// Replace a --to folder that is not a baseline of this scenario.
    #[arg(long)]
    pub force: bool,
}

/// `cofleet sweep`.
#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// The scenario file (TOML), with optional [[variant]] tables.
    pub scenario: PathBuf,
    /// A parameter and its values, KEY=V1,V2,... (dotted key path, e.g. timers.policy_poll=30m,60m);
    /// repeat for a cartesian product.
    #[arg(long = "set", value_name = "KEY=V1,V2", value_parser = set_param)]
    pub set: Vec<SetParam>,
    /// Seed replicas per variant (replica 0 uses the scenario's seed).
    #[arg(long, default_value_t = 1, value_name = "K", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub replicas: u32,
    /// Results folder (default: results/<scenario name>-sweep/).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// The variant every other is compared with (default: the base scenario, run as variant `base` when
    /// no --set combination equals it).
    #[arg(long, value_name = "VARIANT")]
    pub reference: Option<String>,
    /// Worker threads shared by all runs (default: one per core). Results are identical for any value.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Run even above 64 runs or the memory limit (estimated), and replace an --out folder that is not a
    /// complete sweep of this scenario.
    #[arg(long)]
    pub force: bool,
    // --- Reliability ---
    /// Refuse to start when the estimated peak memory is above SIZE (e.g. 2GB, 500MB; default: the memory
    /// available on this machine).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_memory: Option<u64>,
    /// No progress bar and no timing line on stderr.
    #[arg(long, short)]
    pub quiet: bool,
    /// Run only shard I of N (runs I, I+N, I+2N, … of the sweep's fixed order) into a partial folder for
    /// `cofleet merge`; `auto` or `auto/N` takes I (and N) from JOB_COMPLETION_INDEX (+ COFLEET_SHARD_COUNT)
    /// or SLURM_ARRAY_TASK_ID (+ SLURM_ARRAY_TASK_COUNT).
    #[arg(long, value_name = "I/N|auto[/N]", value_parser = shard)]
    pub shard: Option<Shard>,
}

/// `cofleet merge` (sharded sweeps).
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The shard folders (one per shard index, in any order).
    #[arg(required = true, value_name = "DIR")]
    pub shards: Vec<PathBuf>,
    /// Results folder (default: results/<scenario name>-sweep/).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace an --out folder that is not a complete sweep of this scenario.
    #[arg(long)]
    pub force: bool,
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

// --- Value parsers: each gives clap a message naming the allowed form; clap adds the flag and exits with 2.

/// A duration in the scenario grammar (`90s`, `5m`, `1h30m`, `1.5h`, `0s`), in seconds.
fn duration_seconds(text: &str) -> Result<u64, String> {
    parse_duration(text)
        .map_err(|e| format!("{e}; write a duration such as \"60s\", \"5m\" or \"0s\""))
}

/// One `--set KEY=V1,V2,…`; the key must be a scenario key. (Values are validated with the scenario.)
fn set_param(text: &str) -> Result<SetParam, String> {
    let (key, values) = crate::scenario::overrides::parse_set(text)?;
    Ok(SetParam { key, values })
}

/// `--shard I/N`, `auto` or `auto/N`; `auto` reads the scheduler's variables from the environment now.
fn shard(text: &str) -> Result<Shard, ShardProblem> {
    Shard::parse(text, &|k| std::env::var(k).ok()).map_err(|e| e.problem)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::error::ErrorKind;

    /// Parses a command line, or the text of clap's error.
    fn parse(args: &[&str]) -> Result<Command, (ErrorKind, String)> {
        Cli::try_parse_from(std::iter::once("cofleet").chain(args.iter().copied()))
            .map(|cli| cli.command)
            .map_err(|e| (e.kind(), e.to_string()))
    }

    fn gate(extra: &[&str]) -> Result<GateOptions, (ErrorKind, String)> {
        match parse(&[&["gate", "--current", "r"], extra].concat())? {
            Command::Gate(args) => Ok(args.options),
            other => panic!("{other:?}"),
        }
    }

    fn refused(result: Result<impl std::fmt::Debug, (ErrorKind, String)>, fragments: &[&str]) {
        let (kind, text) = result.expect_err("should be refused");
        assert_eq!(kind, ErrorKind::ValueValidation, "{text}");
        for f in fragments {
            assert!(text.contains(f), "{f:?} not in {text}");
        }
    }

    #[test]
    fn percentages_are_fractions_and_bad_ones_name_the_flag() {
        let options = gate(&[]).unwrap();
        assert_eq!(options.max_regression, 0.05, "the default, 5%");
        assert_eq!(options.noise_floor, 60, "the default, 60s");
        assert_eq!(
            gate(&["--max-regression", "12.5%"]).unwrap().max_regression,
            0.125
        );
        assert_eq!(
            gate(&["--max-regression", "0"]).unwrap().max_regression,
            0.0
        );
        refused(
            gate(&["--max-regression", "lots"]),
            &["--max-regression", "not a percentage", "5%"],
        );
        refused(
            gate(&["--max-regression", "-5%"]),
            &["--max-regression", "non-negative"],
        );
        let options = gate(&[
            "--metric-regression",
            "*.p95=10%",
            "--metric-regression",
            "counts.*=0",
        ]);
        assert_eq!(
            options.unwrap().metric_regression,
            [("*.p95".to_string(), 0.10), ("counts.*".to_string(), 0.0)]
        );
        refused(
            gate(&["--metric-regression", "p95"]),
            &["--metric-regression", "PATTERN=PERCENT"],
        );
        refused(
            gate(&["--metric-regression", "p95=-1%"]),
            &["--metric-regression", "non-negative"],
        );
    }

    #[test]
    fn durations_use_the_scenario_grammar() {
        assert_eq!(gate(&["--noise-floor", "1h30m"]).unwrap().noise_floor, 5400);
        assert_eq!(gate(&["--noise-floor", "0s"]).unwrap().noise_floor, 0);
        refused(
            gate(&["--noise-floor", "soon"]),
            &["--noise-floor", "\"60s\""],
        );
        refused(gate(&["--noise-floor", ""]), &["--noise-floor"]);
    }

    #[test]
    fn sizes_parse_and_bad_ones_name_the_flag() {
        let max_memory = |size: &str| match parse(&["run", "s.toml", "--max-memory", size]) {
            Ok(Command::Run(args)) => Ok(args.max_memory),
            Ok(other) => panic!("{other:?}"),
            Err(e) => Err(e),
        };
        assert_eq!(max_memory("2GB").unwrap(), Some(2_000_000_000));
        assert_eq!(max_memory("1.5GiB").unwrap(), Some(1_610_612_736));
        refused(max_memory("lots"), &["--max-memory", "\"lots\"", "2GB"]);
        refused(max_memory("0MB"), &["--max-memory", "out of range"]);
        refused(
            max_memory("2 parsecs"),
            &["--max-memory", "unknown unit", "GiB"],
        );
    }

    #[test]
    fn components_are_the_load_components() {
        use clap::ValueEnum;
        let names: Vec<String> = ComponentArg::value_variants()
            .iter()
            .map(|c| {
                c.to_possible_value()
                    .expect("no variant is hidden")
                    .get_name()
                    .to_string()
            })
            .collect();
        let expected: Vec<&str> = Component::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(
            names, expected,
            "one value per component, named as in load.csv"
        );
        for c in ComponentArg::value_variants() {
            let name = c.to_possible_value().expect("shown").get_name().to_string();
            assert_eq!(c.component().name(), name);
        }
        let (kind, text) = parse(&["export-load", "r", "--component", "dp"]).unwrap_err();
        assert_eq!(kind, ErrorKind::InvalidValue, "{text}");
        assert!(
            text.contains("--component") && text.contains("management_point"),
            "{text}"
        );
        refused(
            parse(&["export-load", "r", "--component", "cmg", "--speedup", "0"]),
            &["--speedup"],
        );
    }

    #[test]
    fn shards_and_sets_are_checked_when_parsed() {
        let sweep = |extra: &[&str]| match parse(&[&["sweep", "s.toml"], extra].concat()) {
            Ok(Command::Sweep(args)) => Ok(args),
            Ok(other) => panic!("{other:?}"),
            Err(e) => Err(e),
        };
        let args = sweep(&["--shard", "1/3", "--set", "timers.policy_poll=30m,60m"]).unwrap();
        assert_eq!(args.shard, Some(Shard { index: 1, count: 3 }));
        assert_eq!(args.set[0].key, "timers.policy_poll");
        assert_eq!(args.set[0].values.len(), 2);
        refused(sweep(&["--shard", "3/3"]), &["--shard", "out of range"]);
        refused(sweep(&["--shard", "x"]), &["--shard", "I/N"]);
        refused(sweep(&["--set", "fleet.devices"]), &["--set", "key=value"]);
    }
}
