//! One module per subcommand. Each returns an exit code or a [`Failure`] that `main` prints.

pub mod check;
pub mod export_load;
pub mod plot;
pub mod run;
// CI gate (issue 6)
pub mod baseline;
pub mod gate;
pub mod sweep;
// sharded sweeps (issue 7)
pub mod merge;

use std::fmt;

/// A command that could not do its job, with the exit code it maps to.
#[derive(Debug)]
pub struct Failure {
    /// Process exit code: 2 for bad input (scenario, flags, files), 1 for a failed verdict.
    pub code: u8,
    /// What to tell the user.
    pub message: String,
}

impl Failure {
    /// Bad input: exit code 2.
    pub fn bad_input(message: impl fmt::Display) -> Self {
        Failure {
            code: 2,
            message: message.to_string(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Writes to stdout, treating a closed pipe (`cofleet run … | head`) as success.
pub fn print_stdout(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
}
