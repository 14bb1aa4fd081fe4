//! The [`Reducer`] of a multi-process run over MPI (`--features mpi`; Open MPI or any MPI with `mpicc`).
//!
//! Only the thread that called [`MpiReducer::init`] talks to MPI (MPI_THREAD_FUNNELED): the reductions happen
//! at epoch boundaries, between the rayon-parallel phases, in the same order on every process.

use mpi::collective::SystemOperation;
use mpi::environment::Universe;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

use super::reduce::Reducer;

/// `MPI_COMM_WORLD` of this run; dropping it finalizes MPI.
pub struct MpiReducer {
    world: SimpleCommunicator,
    // Kept for its `Drop` (MPI_Finalize), after `world`.
    _universe: Universe,
}

impl MpiReducer {
    /// Initializes MPI; `None` if it cannot be initialized (or already was).
    pub fn init() -> Option<MpiReducer> {
        let (universe, _) = mpi::initialize_with_threading(mpi::Threading::Funneled)?;
        let world = universe.world();
        Some(MpiReducer {
            world,
            _universe: universe,
        })
    }
}

impl Reducer for MpiReducer {
    fn rank(&self) -> usize {
        self.world.rank() as usize
    }

    fn ranks(&self) -> usize {
        self.world.size() as usize
    }

    fn sum(&self, values: &mut [u64]) {
        let mine = values.to_vec();
        self.world
            .all_reduce_into(&mine[..], values, SystemOperation::sum());
    }

    fn max(&self, values: &mut [u64]) {
        let mine = values.to_vec();
        self.world
            .all_reduce_into(&mine[..], values, SystemOperation::max());
    }

    fn gather(&self, mine: Vec<u64>) -> Vec<Vec<u64>> {
        if self.world.rank() == 0 {
            let mut all = vec![mine];
            for r in 1..self.world.size() {
                let (words, _) = self.world.process_at_rank(r).receive_vec::<u64>();
                all.push(words);
            }
            all
        } else {
            self.world.process_at_rank(0).send(&mine[..]);
            Vec::new()
        }
    }
}
