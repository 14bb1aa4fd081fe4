//! The worker threads of a run or a sweep: how many, and the rayon pool they run on — decided here only.
//! Results are identical for any number (`docs/model.md, engine principle 3`), so this is purely speed.

use crate::engine::with_threads;

/// How many worker threads a job uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Threads {
    /// One per core (`--threads` not given).
    #[default]
    PerCore,
    /// Exactly this many (`--threads N`, N ≥ 1).
    Exactly(usize),
}

impl Threads {
    /// `--threads`, when given.
    pub fn from_flag(threads: Option<u16>) -> Threads {
        threads.map_or(Threads::PerCore, |n| {
            Threads::Exactly(usize::from(n).max(1))
        })
    }

    /// The number of threads the pool will have (for the memory estimate and the timing line).
    pub fn count(self) -> usize {
        match self {
            Threads::PerCore => std::thread::available_parallelism().map_or(1, usize::from),
            Threads::Exactly(n) => n,
        }
    }

    /// Runs `f` on a pool of this many threads; one per core is rayon's default pool size (which
    /// `RAYON_NUM_THREADS` can still set).
    pub fn install<T: Send>(self, f: impl FnOnce() -> T + Send) -> T {
        match self {
            Threads::PerCore => with_threads(0, f),
            Threads::Exactly(n) => with_threads(n, f),
        }
    }
}
