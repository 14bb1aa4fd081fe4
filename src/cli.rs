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
    /// Simulate a scenario: print a summary table and write results/<name>/ (summary.json, CSVs, plots, report).
    Run(RunArgs),
    /// Validate scenario files; every problem names the file, line, column, key and allowed range.
    Check(CheckArgs),
    /// Re-render plots/ and report.html of a results folder from its files (no simulation).
    Plot(PlotArgs),
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
