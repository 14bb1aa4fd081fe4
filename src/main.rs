//! `cofleet` binary: parse the command line (clap refuses a bad value with exit 2 before any work), dispatch,
//! print an error with its causes, and exit with the outcome's code.

use clap::Parser;
use cofleet::cli::Cli;
use cofleet::{cmd, error};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match cmd::dispatch(&cli.command) {
        Ok(code) => code.into(),
        Err(failure) => {
            eprintln!("error: {}", error::report(&failure));
            failure.exit_code().into()
        }
    }
}
