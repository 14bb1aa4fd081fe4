//! Runs and sweeps as library functions, between the command line and the engine: the validated
//! configuration of a job, the guards that refuse it before anything is simulated (overwrite policy, memory,
//! MPI launch), the thread pool, the stop flag, the files a finished job writes, and the errors that stop a
//! command ([`error`], with their exit codes). Nothing here parses
//! flags or prints: `cmd/` wires the command line to it and its results to the terminal.

pub mod error;
pub mod interrupt;
pub mod launch;
pub mod memory;
pub mod merge;
pub mod overwrite;
pub mod pool;
pub mod run;
pub mod sweep;
