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
    /// Run a scenario's variants × --set values × seed replicas in parallel; compare them with 95 % CIs.
    Sweep(SweepArgs),
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
    /// Run even above 64 runs or the machine's memory (estimated).
    #[arg(long)]
    pub force: bool,
    /// No progress bar and no timing line on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}
