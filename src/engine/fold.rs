//! Folding the recorded latency samples into the run's distributions while the run goes on.
//!
//! Each worker thread's tally buffers raw samples (`Tally::samples`) so that stepping never touches shared state. Kept to the end,
//! those buffers cost ~12 samples × 4 bytes per device — about half a gigabyte at 10M devices, more with
//! `Vec` growth slack. Recording into a histogram is commutative (counts, sums, minimum and maximum are
//! order-free), so folding the buffers into the run's distributions at any epoch boundary, in any grouping,
//! gives exactly the distributions that one fold at the end gives: results stay byte-identical while the
//! buffered samples stay under [`FOLD_THRESHOLD`].

use rayon::prelude::*;

use crate::metrics::histogram::Distribution;
use crate::metrics::names::METRIC_COUNT;
use crate::metrics::tally::Tally;

/// Buffered samples (over all chunks and metrics) above which the engine folds them at the next epoch
/// boundary: 4M samples = 16 MB of `u32`, small next to the devices themselves at the fleet sizes where it
/// matters, and large enough that a fold (a pass over every chunk's buffers) happens rarely.
pub const FOLD_THRESHOLD: usize = 4 << 20;

/// The run's distributions, filled from the chunks' buffers as they grow.
pub struct SampleFold {
    /// One distribution per metric, index = `Metric::index`.
    pub distributions: Vec<Distribution>,
}

impl SampleFold {
    /// Empty distributions for values up to `highest` seconds.
    pub fn new(highest: u64) -> Self {
        SampleFold {
            distributions: (0..METRIC_COUNT)
                .map(|_| Distribution::new(highest))
                .collect(),
        }
    }

    /// Records every tally's buffered samples (one metric per task, tallies in order) and empties the
    /// buffers.
    pub fn fold(&mut self, tallies: &mut [&mut Tally]) {
        let shared: Vec<&Tally> = tallies.iter().map(|t| &**t).collect();
        self.distributions
            .par_iter_mut()
            .enumerate()
            .for_each(|(m, d)| {
                for tally in &shared {
                    d.record_all(&tally.samples[m]);
                }
            });
        for t in tallies.iter_mut() {
            t.clear_samples();
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::simulate;
    use crate::metrics::names::Metric;
    use crate::model::Model;

    /// Folding at every boundary (threshold 0) and folding once at the end give the same distributions.
    #[test]
    fn folding_early_changes_no_statistic() {
        let text = "name = \"fold\"\nseed = 7\nduration = \"3d\"\n[fleet]\ndevices = 9000\n\
                    [[stage]]\nname = \"all\"\nstart = \"1d\"\nworkloads = [\"compliance_policies\"]\n\
                    authority = \"intune\"\n";
        let scenario = crate::scenario::parse(text, "fold.toml").unwrap();
        let model = Model::new(scenario);
        let late = crate::engine::simulate_with(
            &model,
            &|_| {},
            usize::MAX,
            &crate::engine::reduce::Local,
            None,
        )
        .unwrap();
        let early =
            crate::engine::simulate_with(&model, &|_| {}, 0, &crate::engine::reduce::Local, None)
                .unwrap();
        let plain = simulate(&model, &|_| {});
        let mut recorded = 0;
        for m in Metric::all() {
            let i = m.index();
            let a = late.distributions[i].to_words();
            assert_eq!(a, early.distributions[i].to_words(), "{m:?}");
            assert_eq!(a, plain.distributions[i].to_words(), "{m:?}");
            recorded += late.distributions[i].count();
        }
        assert!(
            recorded > 9000,
            "the scenario must record samples: {recorded}"
        );
        assert_eq!(late.timeline, early.timeline);
    }
}
