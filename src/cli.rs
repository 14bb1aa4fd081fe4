//! The command line as the user typed it (clap derive). Nothing here is validated beyond its type: `cmd/*`
//! turns it into what the core needs.

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
    /// Simulate a scenario: print a summary table and write results/<name>/ (summary.json, CSVs).
    Run(RunArgs),
    /// Validate scenario files; every problem names the file, line, column, key and allowed range.
    Check(CheckArgs),
    /// Export a run's simulated request-rate curve for a component as a k6 script or a rate CSV.
    ExportLoad(ExportLoadArgs),
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
