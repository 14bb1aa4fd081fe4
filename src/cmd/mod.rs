//! One module per subcommand, wiring only: turn the parsed arguments into a validated configuration, call
//! the library, print what it returns, and hand an [`ExitCode`] or an [`Error`] back to `main`.

pub mod baseline;
pub mod check;
pub mod export_load;
pub mod fit;
pub mod gate;
pub mod inventory;
pub mod merge;
pub mod plot;
pub mod progress;
pub mod run;
pub mod sweep;

use std::io::Write;

use crate::cli::Command;
use crate::job::error::{Error, ExitCode};
use crate::report::leftovers::Leftover;

/// Runs the subcommand.
pub fn dispatch(command: &Command) -> Result<ExitCode, Error> {
    match command {
        Command::Run(args) => run::run(args),
        Command::Check(args) => check::check(args),
        Command::ExportLoad(args) => export_load::export_load(args),
        Command::Gate(args) => gate::gate(args),
        Command::Baseline(args) => baseline::baseline(args),
        Command::Sweep(args) => sweep::sweep(args),
        Command::Plot(args) => plot::plot(args),
        Command::Merge(args) => merge::merge(args),
        Command::Inventory(args) => inventory::inventory(args),
        Command::Fit(args) => fit::fit(args),
    }
}

/// Writes to stdout. A closed pipe (`cofleet run … | head`) is success — the reader has what it wanted —
/// but any other failure (a full disk, an I/O error behind a redirection) is an error: the output is lost.
pub fn print_stdout(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Stdout(e)),
        _ => Ok(()),
    }
}

/// Says on stderr which temporaries of killed processes a write found beside its output (and removed, when
/// it could): never silent, as they may have held someone's results.
pub fn note_leftovers(found: &[Leftover]) {
    for leftover in found {
        eprintln!("{}", leftover.note());
    }
}
