//! One module per subcommand. Each returns an exit code or a [`Failure`] that `main` prints.

pub mod check;
pub mod export_load;
pub mod plot;
pub mod run;
// CI gate (issue 6)
pub mod baseline;
pub mod gate;
pub mod sweep;
// Reliability (issue 8): overwrite policy, memory guard, Ctrl-C / SIGTERM.
pub mod guard;
// sharded sweeps (issue 7)
pub mod launch;
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

/// Refuses to run a sweep as one of several processes of an MPI launch (`mpirun -n 4 cofleet sweep …`):
/// sweeps have no MPI backend (only `cofleet run` has, in `--features mpi` builds), so every rank would run
/// the whole sweep and all of them would race to write the same folder. Open MPI exports
/// `OMPI_COMM_WORLD_SIZE`, MPICH and Intel MPI `PMI_SIZE`.
pub fn refuse_mpi_launch(env: &dyn Fn(&str) -> Option<String>) -> Result<(), Failure> {
    for var in ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE"] {
        if let Some(size) = env(var).and_then(|v| v.trim().parse::<u64>().ok())
            && size > 1
        {
            return Err(Failure::bad_input(format!(
                "started as one of {size} MPI processes ({var}={size}), but `cofleet sweep` has no MPI \
                 backend: run it as a single process, or split it over processes with `--shard` and \
                 `cofleet merge`"
            )));
        }
    }
    Ok(())
}

/// Writes to stdout, treating a closed pipe (`cofleet run … | head`) as success.
pub fn print_stdout(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
}
