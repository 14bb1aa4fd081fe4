//! How the processes of one run agree: the boundary reductions of the epoch loop, behind a small trait so
//! that the single-process engine ([`Local`]) and a multi-process one (the `mpi` feature) run the same loop.
//!
//! Process `r` of `R` owns the chunks `r, r + R, r + 2R, …` (chunks are fixed, so this split never changes a
//! device's draws). Everything that couples devices is a sum over chunks — gate counts, the per-bucket
//! request counts of finalized load buckets — so summing each process's partial sums gives every process the
//! same totals, and every process takes the same gate and queue decisions. At the end, process 0 gathers the
//! others' partial results (histogram buckets, exact sums, timelines, counts) and merges them: integer sums
//! again, hence results byte-identical to one process for any `R` and any thread count.

use std::collections::BTreeMap;

use crate::metrics::histogram::Distribution;
use crate::metrics::tally::TRACKED_COLUMNS;
use crate::model::rollout::GateCounts;

/// The collective operations the engine needs; called from one thread, in the same order on every process.
pub trait Reducer {
    /// This process's index, `0..ranks()`.
    fn rank(&self) -> usize;
    /// Number of processes in the run.
    fn ranks(&self) -> usize;
    /// Replaces every element with its sum over all processes (wrapping, so `i64` partial sums may travel as
    /// their two's-complement bits).
    fn sum(&self, values: &mut [u64]);
    /// Replaces every element with its maximum over all processes.
    fn max(&self, values: &mut [u64]);
    /// On process 0: every process's `mine`, in process order (its own first); elsewhere: nothing.
    fn gather(&self, mine: Vec<u64>) -> Vec<Vec<u64>>;
}

/// One process: every reduction is the identity.
pub struct Local;

impl Reducer for Local {
    fn rank(&self) -> usize {
        0
    }
    fn ranks(&self) -> usize {
        1
    }
    fn sum(&self, _: &mut [u64]) {}
    fn max(&self, _: &mut [u64]) {}
    fn gather(&self, mine: Vec<u64>) -> Vec<Vec<u64>> {
        vec![mine]
    }
}

/// Sums the gate counts over all processes.
pub fn sum_gate_counts(reducer: &dyn Reducer, counts: &mut GateCounts) {
    if reducer.ranks() == 1 {
        return;
    }
    let mut words: Vec<u64> = counts
        .targeted
        .iter()
        .chain(&counts.switched)
        .copied()
        .collect();
    words.extend([counts.reported, counts.noncompliant]);
    reducer.sum(&mut words);
    let stages = counts.targeted.len();
    counts.targeted.copy_from_slice(&words[..stages]);
    counts.switched.copy_from_slice(&words[stages..2 * stages]);
    counts.reported = words[2 * stages];
    counts.noncompliant = words[2 * stages + 1];
}

/// Sums the timeline over all processes (every process has all rows; `i64` travels as its bits).
pub fn sum_timeline(reducer: &dyn Reducer, rows: &mut [[i64; TRACKED_COLUMNS]]) {
    if reducer.ranks() == 1 {
        return;
    }
    let mut words: Vec<u64> = rows.as_flattened().iter().map(|&v| v as u64).collect();
    reducer.sum(&mut words);
    for (v, w) in rows.as_flattened_mut().iter_mut().zip(words) {
        *v = w as i64;
    }
}

/// Sums the per-group counts over all processes (every process has all columns and rows).
pub fn sum_groups(reducer: &dyn Reducer, columns: &mut [Vec<i64>]) {
    if reducer.ranks() == 1 {
        return;
    }
    let mut words: Vec<u64> = columns.iter().flatten().map(|&v| v as u64).collect();
    reducer.sum(&mut words);
    for (v, w) in columns.iter_mut().flatten().zip(words) {
        *v = w as i64;
    }
}

/// Sums the end-of-run counts (every process has the same keys) and the event count over all processes.
pub fn sum_counts(reducer: &dyn Reducer, counts: &mut BTreeMap<String, u64>, events: &mut u64) {
    if reducer.ranks() == 1 {
        return;
    }
    let mut words: Vec<u64> = counts.values().copied().collect();
    words.push(*events);
    reducer.sum(&mut words);
    *events = words.pop().expect("the event count was pushed");
    for (v, w) in counts.values_mut().zip(words) {
        *v = w;
    }
}

/// Merges every process's distributions into process 0's, in process order.
pub fn gather_distributions(reducer: &dyn Reducer, distributions: &mut [Distribution]) {
    if reducer.ranks() == 1 {
        return;
    }
    let mine: Vec<u64> = distributions.iter().flat_map(|d| d.to_words()).collect();
    for words in reducer.gather(mine).iter().skip(1) {
        let mut at = 0;
        for d in distributions.iter_mut() {
            at += d.merge_words(&words[at..]);
        }
    }
}

/// Whether every process holds the same `value` (e.g. a hash of the scenario and the binary's version): the
/// maximum of `value` and the maximum of its complement must both be this process's own.
pub fn all_equal(reducer: &dyn Reducer, value: u64) -> bool {
    let mut v = [value, !value];
    reducer.max(&mut v);
    v[0] == value && !v[1] == value
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Simulated processes for the merge logic: `sum`/`max` over a fixed set of peers' values.
    struct Peers(Vec<u64>);

    impl Reducer for Peers {
        fn rank(&self) -> usize {
            0
        }
        fn ranks(&self) -> usize {
            self.0.len()
        }
        fn sum(&self, _: &mut [u64]) {}
        fn max(&self, values: &mut [u64]) {
            let top = self.0.iter().copied().max().unwrap();
            let top_not = self.0.iter().map(|v| !v).max().unwrap();
            values[0] = values[0].max(top);
            values[1] = values[1].max(top_not);
        }
        fn gather(&self, mine: Vec<u64>) -> Vec<Vec<u64>> {
            vec![mine]
        }
    }

    #[test]
    fn all_equal_sees_any_differing_peer() {
        assert!(all_equal(&Local, 42));
        assert!(all_equal(&Peers(vec![7, 7, 7]), 7));
        assert!(!all_equal(&Peers(vec![7, 9]), 7));
        assert!(!all_equal(&Peers(vec![7, 3]), 7));
    }
}
