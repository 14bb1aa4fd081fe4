//! What the run records, one tally per worker thread.
//!
//! A chunk's step records into the tally of the thread that runs it. Everything a tally holds is a sum or a
//! multiset (timeline differences, gate counts, action counts, latency samples folded into histograms, request
//! counts), so which thread recorded which chunk changes nothing: the totals are the same for any thread count
//! (docs/model.md, engine principle 3). One tally per thread stays in its core's cache; one per chunk — a 60 KB
//! timeline of differences each, 37 MB over 611 chunks at ten million devices — did not.

use std::sync::{Mutex, MutexGuard};

use crossbeam_utils::CachePadded;

use super::record::ThreadRecorder;
use crate::load::book::{LoadBook, ThreadLedger};
use crate::metrics::tally::Tally;
use crate::model::rollout::GateCounts;
use crate::model::time::Time;

/// What one thread records: its tally and, when load is counted, its part of the request ledger.
pub struct ThreadTally {
    /// Timelines, samples, gate and action counts.
    pub tally: Tally,
    /// This thread's request counters (`None` when load is not counted).
    pub ledger: Option<ThreadLedger>,
}

impl ThreadTally {
    /// The recorder a chunk's devices write into while this thread steps it; `book` is the run's ledger,
    /// when load is counted.
    pub fn recorder<'a>(&'a mut self, book: Option<&'a LoadBook>) -> ThreadRecorder<'a> {
        ThreadRecorder::new(&mut self.tally, book.zip(self.ledger.as_mut()))
    }
}

/// One tally per thread of the current rayon pool.
pub struct Tallies {
    /// Each tally alone on its cache lines (`CachePadded` aligns to 128 bytes on x86-64: adjacent-line
    /// prefetching pairs 64-byte lines), so that one thread's writes never evict another's line. Without it,
    /// load accounting cost 1.39× the run instead of 1.24× (bench-1m, 2 threads).
    per_thread: Vec<CachePadded<Mutex<ThreadTally>>>,
}

impl Tallies {
    /// Empty tallies for a run of `duration` seconds and `stages` stages, with request counters when `load`
    /// is counted.
    pub fn new(duration: Time, stages: usize, load: Option<&LoadBook>) -> Self {
        Tallies {
            per_thread: (0..rayon::current_num_threads().max(1))
                .map(|_| {
                    CachePadded::new(Mutex::new(ThreadTally {
                        tally: Tally::new(duration, stages),
                        ledger: load.map(LoadBook::thread_ledger),
                    }))
                })
                .collect(),
        }
    }

    /// The calling thread's tally.
    pub fn mine(&self) -> MutexGuard<'_, ThreadTally> {
        let i = rayon::current_thread_index().unwrap_or(0) % self.per_thread.len();
        // A poisoned lock means another thread panicked mid-step; the process is failing anyway.
        self.per_thread[i].lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every thread's tally, in thread order (between parallel passes, when no thread holds one).
    fn every(&mut self) -> impl Iterator<Item = &mut ThreadTally> {
        self.per_thread
            .iter_mut()
            .map(|t| t.get_mut().unwrap_or_else(|e| e.into_inner()))
    }

    /// Every tally, in thread order.
    pub fn all(&mut self) -> Vec<&mut Tally> {
        self.every().map(|t| &mut t.tally).collect()
    }

    /// Every thread's request counters, in thread order (empty when load is not counted).
    pub fn ledgers(&mut self) -> Vec<&ThreadLedger> {
        self.every().filter_map(|t| t.ledger.as_ref()).collect()
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
