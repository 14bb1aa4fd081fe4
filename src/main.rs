//! `cofleet` binary: parse the command line, dispatch, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;
use cofleet::cli::{Cli, Command};
use cofleet::cmd;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Run(args) => cmd::run::run(args),
        Command::Check(args) => cmd::check::check(args),
        Command::ExportLoad(args) => cmd::export_load::export_load(args),
        Command::Gate(args) => cmd::gate::gate(args),
        Command::Baseline(args) => cmd::baseline::baseline(args),
        Command::Sweep(args) => cmd::sweep::sweep(args),
        Command::Plot(args) => cmd::plot::plot(args),
        Command::Merge(args) => cmd::merge::merge(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            // Messages echo names and values from input files: no control character reaches the terminal.
            let message = failure.to_string();
            eprintln!(
                "error: {}",
                cofleet::units::text::without_controls(&message)
            );
            ExitCode::from(failure.code)
        }
    }
}
