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

/// The run's distributions, filled from the chunks' buffers as they grow: one per ring and metric, the
/// pooled distribution of a metric being the merge of its rings' (and of the devices no stage targets) —
/// each sample is recorded once, whatever the number of rings.
pub struct SampleFold {
    /// Index `slot · METRIC_COUNT + Metric::index` (slots as `Tally::samples`).
    pub slots: Vec<Distribution>,
    highest: u64,
}

impl SampleFold {
    /// Empty distributions for values up to `highest` seconds, for a run of `stages` stages.
    pub fn new(highest: u64, stages: usize) -> Self {
        SampleFold {
            slots: (0..METRIC_COUNT * (stages + 1))
                .map(|_| Distribution::new(highest))
                .collect(),
            highest,
        }
    }

    /// Records every tally's buffered samples (one slot per task, tallies in order) and empties the
    /// buffers.
    pub fn fold(&mut self, tallies: &mut [&mut Tally]) {
        let shared: Vec<&Tally> = tallies.iter().map(|t| &**t).collect();
        self.slots.par_iter_mut().enumerate().for_each(|(i, d)| {
            for tally in &shared {
                d.record_all(&tally.samples[i]);
            }
        });
        for t in tallies.iter_mut() {
            t.clear_samples();
        }
    }

    /// The pooled distribution of every metric (the merge of its slots), then each ring's.
    pub fn finish(self) -> (Vec<Distribution>, Vec<Vec<Distribution>>) {
        let mut pooled: Vec<Distribution> = (0..METRIC_COUNT)
            .map(|_| Distribution::new(self.highest))
            .collect();
        for (i, d) in self.slots.iter().enumerate() {
            if d.count() > 0 {
                pooled[i % METRIC_COUNT].merge_words(&d.to_words());
            }
        }
        let rings = self
            .slots
            .chunks(METRIC_COUNT)
            .skip(1)
            .map(<[Distribution]>::to_vec)
            .collect();
        (pooled, rings)
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
            assert_eq!(
                late.rings[0][i].to_words(),
                early.rings[0][i].to_words(),
                "{m:?}"
            );
            recorded += late.distributions[i].count();
        }
        assert!(
            recorded > 9000,
            "the scenario must record samples: {recorded}"
        );
        assert_eq!(late.timeline, early.timeline);
    }
}
