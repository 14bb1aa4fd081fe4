//! What can stop a command, and the exit code each outcome maps to. Every error keeps what caused it (the
//! I/O error with its path, the scenario's problems, the unreadable summary), so `main` can print the whole
//! chain; nothing is flattened to a string on the way up.

use std::fmt;
use std::path::PathBuf;

use crate::gate::input::SummaryError;
use crate::gate::replicas::SweepReadError;
use crate::job::memory::MemoryError;
use crate::job::overwrite::OverwriteError;
use crate::plot::PlotError;
use crate::plot::data::DataError;
use crate::plot::render::RenderError;
use crate::report::output_file::WriteError;
use crate::scenario::ScenarioError;

/// The process exit codes, the contract scripts and CI rely on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// The command did its job (and a gate passed).
    Ok,
    /// A gate ran and a threshold or a regression check failed.
    GateFailed,
    /// Bad input: flags, scenario, results folders, files that cannot be read or written.
    BadInput,
    /// Stopped by Ctrl-C or SIGTERM (128 + SIGINT, the shell's convention).
    Interrupted,
}

impl ExitCode {
    /// The number the process exits with.
    pub fn code(self) -> u8 {
        match self {
            ExitCode::Ok => 0,
            ExitCode::GateFailed => 1,
            ExitCode::BadInput => 2,
            ExitCode::Interrupted => 130,
        }
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code.code())
    }
}

/// Why a command could not do its job. Variants wrapping another module's error show its message unchanged.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A scenario file could not be read or is invalid.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A results folder or output file could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// A run's plots could not be drawn.
    #[error(transparent)]
    Plot(#[from] PlotError),
    /// A results folder's files could not be read back for plotting.
    #[error(transparent)]
    Data(#[from] DataError),
    /// A figure could not be drawn.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// A results folder's `summary.json` is missing, corrupt, unfinished or of another schema.
    #[error(transparent)]
    Summary(#[from] SummaryError),
    /// A sweep folder could not be read for the gate.
    #[error(transparent)]
    SweepRead(#[from] SweepReadError),
    /// The output folder holds something the overwrite policy keeps.
    #[error(transparent)]
    Overwrite(#[from] OverwriteError),
    /// The job would need more memory than allowed.
    #[error(transparent)]
    Memory(#[from] MemoryError),
    /// A result file is not a regular file, or too large.
    #[error(transparent)]
    ResultFile(#[from] crate::report::read::ReadError),
    /// A file or folder could not be read.
    #[error("{}: cannot read", path.display())]
    Read {
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A file cofleet reads back (a shard marker, a run's summary, `load.csv`) is not what cofleet writes.
    #[error("{}: {what}", path.display())]
    Unparsable {
        /// The file.
        path: PathBuf,
        /// What it is not ("not JSON", "not a shard marker").
        what: &'static str,
        /// The parser's error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A folder given to `cofleet merge` has no readable shard marker.
    #[error(
        "{}: cannot read; a shard folder is written by `cofleet sweep --shard I/N`",
        path.display()
    )]
    NoShardMarker {
        /// The marker file it should hold.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// An output a flag names could not be written (`--junit`, `--json`, `--to`).
    #[error("{flag}")]
    FlagOutput {
        /// The flag.
        flag: &'static str,
        /// Why the file could not be written.
        source: WriteError,
    },
    /// A name read from a results file (`summary.json`'s `scenario`, `shard.json`'s `plan.scenario`) that
    /// would make the default output folder reach outside `results/`.
    #[error(
        "{}: field \"{field}\" is {name:?}, which cannot name a results folder ({}); {flag} chooses the \
         folder instead",
        file.display(),
        crate::scenario::name::RULE
    )]
    UnsafeName {
        /// The file the name was read from.
        file: PathBuf,
        /// Its field.
        field: &'static str,
        /// The name.
        name: String,
        /// The flag that names the output folder instead.
        flag: &'static str,
    },
    /// The input is refused by a rule of the command (conflicting flags, a foreign shard, an incomparable
    /// baseline); the message says which rule and what to do.
    #[error("{0}")]
    Refused(String),
    /// Ctrl-C or SIGTERM stopped the job before its results were written.
    #[error("interrupted: {how_far}; nothing was written (no results folder, no temporary folder)")]
    Interrupted {
        /// How far the job had got.
        how_far: String,
    },
    /// Standard output could not be written (a full disk, an I/O error; a closed pipe is not an error).
    #[error("cannot write to standard output")]
    Stdout(#[source] std::io::Error),
}

impl Error {
    /// A file at `path` that is `what` ("not JSON"), because of `source`.
    pub fn unparsable(
        path: impl Into<PathBuf>,
        what: &'static str,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Error {
        Error::Unparsable {
            path: path.into(),
            what,
            source: source.into(),
        }
    }

    /// A refusal with its message.
    pub fn refused(message: impl fmt::Display) -> Self {
        Error::Refused(message.to_string())
    }

    /// The exit code this error maps to.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Interrupted { .. } => ExitCode::Interrupted,
            _ => ExitCode::BadInput,
        }
    }
}

/// The error and its causes on one line, `outer: cause: cause`. A cause whose text the message before it
/// already contains is left out: several error types of the model's edges (scenario, results files) say
/// their cause in their own message.
pub fn report(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        let said = c.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        cause = c.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_the_documented_ones() {
        let codes: Vec<u8> = [
            ExitCode::Ok,
            ExitCode::GateFailed,
            ExitCode::BadInput,
            ExitCode::Interrupted,
        ]
        .map(ExitCode::code)
        .to_vec();
        assert_eq!(codes, [0, 1, 2, 130]);
        let interrupted = Error::Interrupted {
            how_far: "1 of 2 runs had finished".into(),
        };
        assert_eq!(interrupted.exit_code(), ExitCode::Interrupted);
        assert_eq!(Error::refused("no").exit_code(), ExitCode::BadInput);
    }

    #[test]
    fn the_report_shows_each_cause_once() {
        let io = || std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
        let read = Error::Read {
            path: PathBuf::from("results/x"),
            source: io(),
        };
        assert_eq!(report(&read), "results/x: cannot read: denied");
        // WriteError already says its cause: it is not repeated.
        let written = Error::FlagOutput {
            flag: "--junit",
            source: WriteError::Io {
                path: PathBuf::from("a/gate.xml"),
                what: "cannot create",
                source: io(),
            },
        };
        assert_eq!(
            report(&written),
            "--junit: a/gate.xml: cannot create: denied"
        );
    }
}
