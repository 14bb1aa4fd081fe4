//! What the run records, one tally per worker thread.
//!
//! A chunk's step records into the tally of the thread that runs it. Everything a tally holds is a sum or a
//! multiset (timeline differences, gate counts, action counts, latency samples folded into histograms), so
//! which thread recorded which chunk changes nothing: the totals are the same for any thread count
//! (DESIGN.md, principle 3). One tally per thread stays in its core's cache; one per chunk — a 60 KB
//! timeline of differences each, 37 MB over 611 chunks at ten million devices — did not.

use std::sync::{Mutex, MutexGuard};

use crate::load::book::LoadBook;
use crate::metrics::tally::Tally;
use crate::model::rollout::GateCounts;
use crate::model::time::Time;
use crate::padded::Padded;

/// One tally per thread of the current rayon pool.
pub struct Tallies {
    per_thread: Vec<Padded<Mutex<Tally>>>,
}

impl Tallies {
    /// Empty tallies for a run of `duration` seconds and `stages` stages, with request counters when `load`
    /// is counted.
    pub fn new(duration: Time, stages: usize, load: Option<&LoadBook>) -> Self {
        Tallies {
            per_thread: (0..rayon::current_num_threads().max(1))
                .map(|_| {
                    let mut tally = Tally::new(duration, stages);
                    tally.load = load.map(LoadBook::shard);
                    Padded(Mutex::new(tally))
                })
                .collect(),
        }
    }

    /// The calling thread's tally.
    pub fn mine(&self) -> MutexGuard<'_, Tally> {
        let i = rayon::current_thread_index().unwrap_or(0) % self.per_thread.len();
        // A poisoned lock means another thread panicked mid-step; the process is failing anyway.
        self.per_thread[i]
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Every tally, in thread order (between parallel passes, when no thread holds one).
    pub fn all(&mut self) -> Vec<&mut Tally> {
        self.per_thread
            .iter_mut()
            .map(|t| t.0.get_mut().unwrap_or_else(|e| e.into_inner()))
            .collect()
    }

    /// The gate counts and the number of buffered latency samples, summed over the tallies.
    pub fn sums(&mut self, stages: usize) -> (GateCounts, usize) {
        let mut gate = GateCounts::new(stages);
        let mut buffered = 0;
        for t in self.all() {
            gate.add(&t.gate);
            buffered += t.buffered;
        }
        (gate, buffered)
    }
}
