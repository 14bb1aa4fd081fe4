//! `cofleet` binary: parse the command line (clap refuses a bad value with exit 2 before any work), dispatch,
//! print an error with its causes, and exit with the outcome's code.

use clap::Parser;
use cofleet::cli::Cli;
use cofleet::cmd;
use cofleet::job::error;

fn main() -> std::process::ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // clap echoes the value it refuses, which may be megabytes or hold terminal sequences.
        Err(refusal) if refusal.use_stderr() => {
            let text = refusal.render().to_string();
            eprint!("{}", cofleet::units::text::without_long_words(&text));
            return std::process::ExitCode::from(u8::try_from(refusal.exit_code()).unwrap_or(2));
        }
        Err(help) => help.exit(),
    };
    match cmd::dispatch(&cli.command) {
        Ok(code) => code.into(),
        Err(failure) => {
            // Messages echo names and values from input files: no control character reaches the terminal.
            eprintln!(
                "error: {}",
                cofleet::units::text::without_controls(&error::report(&failure))
            );
            failure.exit_code().into()
        }
    }
}
