//! How `cofleet run` was started: as one process, or — in a build with `--features mpi` — as one rank of
//! `mpirun -n R cofleet run SCENARIO`, where the ranks split the chunks and agree at every epoch boundary
//! (`engine::reduce`), and rank 0 alone writes the results folder, byte-identical to a single-process run.

use std::sync::atomic::AtomicBool;

use super::pool::Threads;
use crate::engine::{Interrupted, Outcome, simulate_until};
use crate::job::error::Error;
use crate::model::Model;
use crate::model::scenario::Scenario;
use crate::model::time::Time;

/// A started run.
pub enum Launch {
    /// One process: the whole fleet on this machine's cores.
    Single,
    /// One rank of an MPI job.
    #[cfg(feature = "mpi")]
    Mpi(crate::engine::mpi::MpiReducer),
}

/// Whether the environment says an MPI launcher started this process (Open MPI: `OMPI_COMM_WORLD_SIZE`;
/// MPICH, Intel MPI: `PMI_SIZE`), with the number of processes.
fn mpi_size() -> Option<(&'static str, u64)> {
    ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE"]
        .into_iter()
        .find_map(|var| {
            std::env::var(var)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(|n| (var, n))
        })
}

impl Launch {
    /// Starts the run for `scenario`: under an MPI launcher, joins the MPI job and checks that every rank
    /// runs the same scenario with the same cofleet version; a build without MPI refuses an MPI launch.
    pub fn start(scenario: &Scenario) -> Result<Launch, Error> {
        #[cfg(feature = "mpi")]
        if let Some((var, _)) = mpi_size() {
            use crate::engine::reduce::{Reducer, all_equal};
            let reducer = crate::engine::mpi::MpiReducer::init().ok_or_else(|| {
                Error::refused(format!(
                    "{var} is set (started by an MPI launcher) but MPI could not be initialized"
                ))
            })?;
            let hash = format!(
                "{}/{}",
                crate::report::summary::scenario_hash(scenario),
                env!("CARGO_PKG_VERSION")
            );
            let hash = hash.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
            if !all_equal(&reducer, hash) {
                return Err(Error::refused(format!(
                    "rank {} of {}: the MPI ranks do not all run the same scenario (seed and every model \
                     parameter) with the same cofleet version; give every rank the same file and binary",
                    reducer.rank(),
                    reducer.ranks()
                )));
            }
            return Ok(Launch::Mpi(reducer));
        }
        let _ = scenario;
        if let Some((var, size)) = mpi_size().filter(|(_, n)| *n > 1) {
            return Err(Error::refused(format!(
                "started as one of {size} MPI processes ({var}={size}), but this cofleet has no MPI backend: \
                 build it with `cargo build --release --features mpi`, or run it as a single process (it \
                 uses every core of its machine)"
            )));
        }
        Ok(Launch::Single)
    }

    /// Whether this process writes the results (the single process, or MPI rank 0).
    pub fn is_root(&self) -> bool {
        match self {
            Launch::Single => true,
            #[cfg(feature = "mpi")]
            Launch::Mpi(r) => crate::engine::reduce::Reducer::rank(r) == 0,
        }
    }

    /// Simulates on `threads` threads; only the root's outcome is the run's. A single
    /// process stops early when `stop` is set (Ctrl-C / SIGTERM); MPI ranks ignore it — a rank that left the
    /// epoch loop alone would leave the others waiting in a reduction, so an MPI run is ended by `mpirun`.
    pub fn simulate(
        &self,
        threads: Threads,
        model: &Model,
        progress: &(dyn Fn(Time) + Sync),
        stop: Option<&AtomicBool>,
    ) -> Result<Outcome, Interrupted> {
        match self {
            Launch::Single => threads.install(|| simulate_until(model, progress, stop)),
            #[cfg(feature = "mpi")]
            Launch::Mpi(reducer) => {
                // MPI is called from this thread only (MPI_THREAD_FUNNELED): the epoch loop stays here and
                // its parallel phases go to the global pool.
                let _ = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads.count())
                    .build_global();
                let _ = stop;
                crate::engine::simulate_with(
                    model,
                    progress,
                    crate::engine::fold::FOLD_THRESHOLD,
                    reducer,
                    None,
                )
            }
        }
    }
}

/// Refuses to run a sweep as one of several processes of an MPI launch (`mpirun -n 4 cofleet sweep …`):
/// sweeps have no MPI backend (only `cofleet run` has, in `--features mpi` builds), so every rank would run
/// the whole sweep and all of them would race to write the same folder. Open MPI exports
/// `OMPI_COMM_WORLD_SIZE`, MPICH and Intel MPI `PMI_SIZE`.
pub fn refuse_mpi_sweep(env: &dyn Fn(&str) -> Option<String>) -> Result<(), Error> {
    for var in ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE"] {
        if let Some(size) = env(var).and_then(|v| v.trim().parse::<u64>().ok())
            && size > 1
        {
            return Err(Error::refused(format!(
                "started as one of {size} MPI processes ({var}={size}), but `cofleet sweep` has no MPI \
                 backend: run it as a single process, or split it over processes with `--shard` and \
                 `cofleet merge`"
            )));
        }
    }
    Ok(())
}
