//! Latency distributions: samples from every chunk folded into one `hdrhistogram` per metric.
//!
//! Percentiles come from the histogram (3 significant digits: at most 0.1 % relative error); the mean and the
//! maximum are kept exactly beside it, from integer sums, so they do not depend on bucketing.

use hdrhistogram::Histogram;

/// Samples from which [`Distribution::record_all`] counts them per bucket first (below, the pass over every
/// bucket costs more than recording each sample).
const COUNTED_FIRST: usize = 2048;

/// The histogram's bucket of `v`: hdrhistogram's counts index at 3 significant digits from a lowest
/// discernible value of 1 — 2,048 sub-buckets, half of them per doubling past the first 2,048 values, which
/// are exact (a test holds it equal to the library's equivalent ranges).
#[inline]
fn bucket_index(v: u64) -> usize {
    if v < SUB_BUCKETS {
        v as usize
    } else {
        // The doubling `v` is in past the first 2,048 values, and its top 11 bits.
        let shift = 63 - v.leading_zeros() - HALF_MAGNITUDE;
        (((shift + 1) << HALF_MAGNITUDE) as u64 + (v >> shift) - SUB_BUCKETS / 2) as usize
    }
}

/// The lowest value of bucket `i` ([`bucket_index`]'s inverse on bucket boundaries).
#[inline]
fn bucket_value(i: usize) -> u64 {
    let i = i as u64;
    if i < SUB_BUCKETS {
        i
    } else {
        let shift = (i >> HALF_MAGNITUDE) - 1;
        ((i & (SUB_BUCKETS / 2 - 1)) + SUB_BUCKETS / 2) << shift
    }
}

/// hdrhistogram's sub-buckets at 3 significant digits (the power of two above 2 × 10³), and the magnitude of
/// half of them.
const SUB_BUCKETS: u64 = 2048;
const HALF_MAGNITUDE: u32 = 10;

/// One metric's merged distribution.
#[derive(Debug, Clone)]
pub struct Distribution {
    /// Made at the first sample: a run keeps one distribution per metric and stage, most of them empty, and a
    /// month's histogram is a hundred kilobytes of counters to clear — most of a small run's page faults.
    hist: Option<Box<Histogram<u64>>>,
    /// The highest value the histogram is made for.
    highest: u64,
    count: u64,
    sum: u128,
    min: u64,
    max: u64,
}

impl Distribution {
    /// An empty distribution for values up to `highest` seconds.
    pub fn new(highest: u64) -> Self {
        Distribution {
            hist: None,
            highest: highest.max(2),
            count: 0,
            sum: 0,
            min: u64::MAX,
            max: 0,
        }
    }

    /// The histogram, made now if it was not yet.
    fn hist_mut(&mut self) -> &mut Histogram<u64> {
        let highest = self.highest;
        self.hist.get_or_insert_with(|| {
            Box::new(
                Histogram::new_with_max(highest, 3)
                    .expect("bounds are valid: highest >= 2 and 3 significant digits"),
            )
        })
    }

    /// Records samples (values above the histogram's range are clamped to it; the engine never produces one,
    /// since no latency exceeds the simulated span).
    pub fn record_all(&mut self, samples: &[u32]) {
        if samples.is_empty() {
            return;
        }
        let hist = self.hist_mut();
        let high = hist.high();
        if samples.len() < COUNTED_FIRST {
            for &s in samples {
                hist.saturating_record(u64::from(s).min(high));
            }
        } else {
            // Counted per bucket first, then recorded a bucket at a time: the same counts (each bucket's count
            // at its lowest value lands in that bucket), in a few instructions a sample where the library's
            // general record path takes some sixty.
            let mut counts = vec![0u32; bucket_index(high) + 1];
            for &s in samples {
                counts[bucket_index(u64::from(s).min(high))] += 1;
            }
            for (i, &n) in counts.iter().enumerate() {
                if n > 0 {
                    hist.saturating_record_n(bucket_value(i), u64::from(n));
                }
            }
        }
        for &s in samples {
            let v = u64::from(s);
            self.count += 1;
            self.sum += u128::from(v);
            self.min = self.min.min(v);
            self.max = self.max.max(v);
        }
    }

    /// Records `n` samples of the same value.
    pub fn record_n(&mut self, value: u32, n: u64) {
        if n == 0 {
            return;
        }
        let v = u64::from(value);
        let hist = self.hist_mut();
        hist.saturating_record_n(v.min(hist.high()), n);
        self.count += n;
        self.sum += u128::from(v) * u128::from(n);
        self.min = self.min.min(v);
        self.max = self.max.max(v);
    }

    /// The distribution as integers, for another process to merge with [`Distribution::merge_words`]:
    /// count, sum (low and high 64 bits), min, max, then the number of non-empty histogram buckets and one
    /// (value, count) pair per bucket, the value being the bucket's highest equivalent value — recording it
    /// lands in the same bucket, so the merged histogram equals one that recorded the raw samples.
    pub fn to_words(&self) -> Vec<u64> {
        let mut words = vec![
            self.count,
            self.sum as u64,
            (self.sum >> 64) as u64,
            self.min,
            self.max,
            0,
        ];
        for v in self.hist.iter().flat_map(|h| h.iter_recorded()) {
            words.push(v.value_iterated_to());
            words.push(v.count_at_value());
        }
        words[5] = ((words.len() - 6) / 2) as u64;
        words
    }

    /// Adds a distribution written by [`Distribution::to_words`] (of the same range) at the start of `words`;
    /// returns how many words it used.
    pub fn merge_words(&mut self, words: &[u64]) -> usize {
        let pairs = words[5] as usize;
        if pairs > 0 {
            let hist = self.hist_mut();
            for pair in words[6..6 + 2 * pairs].chunks_exact(2) {
                hist.saturating_record_n(pair[0].min(hist.high()), pair[1]);
            }
        }
        self.count += words[0];
        self.sum += u128::from(words[1]) | (u128::from(words[2]) << 64);
        self.min = self.min.min(words[3]);
        self.max = self.max.max(words[4]);
        6 + 2 * pairs
    }

    /// Number of samples.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Exact mean in seconds (`None` when empty).
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum as f64 / self.count as f64)
    }

    /// Exact minimum (`None` when empty).
    pub fn min(&self) -> Option<u64> {
        (self.count > 0).then_some(self.min)
    }

    /// Exact maximum (`None` when empty).
    pub fn max(&self) -> Option<u64> {
        (self.count > 0).then_some(self.max)
    }

    /// The value at percentile `p` (0–100), `None` when empty. The 100th percentile is the exact maximum.
    pub fn percentile(&self, p: f64) -> Option<u64> {
        // A distribution with a sample has its histogram.
        let hist = self.hist.as_ref().filter(|_| self.count > 0)?;
        if p >= 100.0 {
            return Some(self.max);
        }
        Some(hist.value_at_percentile(p).min(self.max))
    }

    /// [`Distribution::percentile`] at each of `ps`, in one pass over the histogram when `ps` ascend (a
    /// results file asks for two hundred percentiles of each metric; one by one, each scanned the histogram
    /// from its start).
    pub fn percentiles(&self, ps: &[f64]) -> Vec<Option<u64>> {
        let Some(hist) = self.hist.as_ref().filter(|_| self.count > 0) else {
            return vec![None; ps.len()];
        };
        if !ps.is_sorted() {
            return ps.iter().map(|&p| self.percentile(p)).collect();
        }
        let below = ps.partition_point(|&p| p < 100.0);
        let mut out: Vec<Option<u64>> = hist
            .value_at_percentiles(ps[..below].iter().copied())
            .map(|v| Some(v.min(self.max)))
            .collect();
        out.resize(ps.len(), Some(self.max));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bucket arithmetic is the library's: every value's bucket starts at its lowest equivalent value
    /// and the next bucket at its next non-equivalent one, over the whole range a run can record.
    #[test]
    fn buckets_are_the_histograms_equivalent_ranges() {
        let hist = Histogram::<u64>::new_with_max(u64::from(u32::MAX), 3).unwrap();
        let mut state = 3u64;
        let values = (0..5_000u64)
            .chain((0..32).flat_map(|k| {
                let p = 1u64 << k;
                [p - 1, p, p + 1]
            }))
            .chain((0..200_000).map(|_| {
                state = crate::rng::mix64(state);
                (state >> 32) >> (state % 32)
            }));
        for v in values {
            let i = bucket_index(v);
            assert_eq!(bucket_value(i), hist.lowest_equivalent(v), "value {v}");
            assert_eq!(
                bucket_index(hist.next_non_equivalent(v)),
                i + 1,
                "value {v}"
            );
        }
    }

    /// Recorded per bucket or one by one, a distribution is the same: its words, every percentile, its
    /// mean and maximum — samples across the exact values, bucket boundaries and the clamp to the range.
    #[test]
    fn samples_counted_per_bucket_record_what_one_by_one_records() {
        let ps = crate::metrics::names::percentiles();
        let mut state = 11u64;
        for highest in [2u64, 1_000, 30 * 86_400, u64::from(u32::MAX)] {
            for len in [COUNTED_FIRST - 1, COUNTED_FIRST, 50_000] {
                let samples: Vec<u32> = (0..len)
                    .map(|i| {
                        state = crate::rng::mix64(state);
                        match i % 4 {
                            0 => (state % 4_096) as u32,
                            1 => (state >> 40) as u32,
                            2 => (state % (highest + 10)) as u32,
                            _ => [0, 2_047, 2_048, 4_095, 4_096, u32::MAX][(state % 6) as usize],
                        }
                    })
                    .collect();
                let mut batched = Distribution::new(highest);
                batched.record_all(&samples);
                let mut single = Distribution::new(highest);
                for chunk in samples.chunks(COUNTED_FIRST - 1) {
                    single.record_all(chunk);
                }
                assert_eq!(
                    batched.to_words(),
                    single.to_words(),
                    "highest {highest}, {len} samples"
                );
                assert_eq!(batched.percentiles(&ps), single.percentiles(&ps));
                assert_eq!(
                    (batched.mean(), batched.max()),
                    (single.mean(), single.max())
                );
            }
        }
    }

    #[test]
    fn percentiles_at_once_equal_percentiles_one_by_one() {
        let ps = crate::metrics::names::percentiles();
        let mut state = 7u64;
        for case in 0..40u64 {
            let mut d = Distribution::new(30 * 86_400);
            let n = [0, 1, 2, 10, 1_000, 50_000][case as usize % 6];
            let samples: Vec<u32> = (0..n)
                .map(|_| {
                    state = crate::rng::mix64(state.wrapping_add(case));
                    // Heavy-tailed, and past the histogram's highest value now and then.
                    ((state >> 40) % 1_000).pow(1 + (case % 3) as u32) as u32
                })
                .collect();
            d.record_all(&samples);
            let one_by_one: Vec<Option<u64>> = ps.iter().map(|&p| d.percentile(p)).collect();
            assert_eq!(d.percentiles(&ps), one_by_one, "case {case}");
            let unsorted = [90.0, 50.0, 100.0, 0.0];
            let want: Vec<Option<u64>> = unsorted.iter().map(|&p| d.percentile(p)).collect();
            assert_eq!(d.percentiles(&unsorted), want);
        }
    }

    #[test]
    fn uniform_samples_give_uniform_percentiles() {
        let mut d = Distribution::new(10_000);
        let samples: Vec<u32> = (0..10_000).collect();
        d.record_all(&samples);
        assert_eq!(d.count(), 10_000);
        assert_eq!(d.mean(), Some(4_999.5));
        assert_eq!(d.max(), Some(9_999));
        let p50 = d.percentile(50.0).unwrap() as f64;
        assert!((p50 - 5_000.0).abs() <= 5.0, "{p50}");
        let p95 = d.percentile(95.0).unwrap() as f64;
        assert!((p95 - 9_500.0).abs() <= 10.0, "{p95}");
        assert_eq!(d.percentile(100.0), Some(9_999));
    }

    #[test]
    fn merged_words_equal_recording_every_sample() {
        let all: Vec<u32> = (0..50_000).map(|i| (i * 7919 % 200_000) as u32).collect();
        let mut one = Distribution::new(1_000_000);
        one.record_all(&all);
        let (a, b) = all.split_at(17_000);
        let mut left = Distribution::new(1_000_000);
        left.record_all(a);
        let mut right = Distribution::new(1_000_000);
        right.record_all(b);
        let words = right.to_words();
        assert_eq!(left.merge_words(&words), words.len());
        assert_eq!(left.count(), one.count());
        assert_eq!(left.mean(), one.mean());
        assert_eq!((left.min(), left.max()), (one.min(), one.max()));
        for p in [1.0, 50.0, 90.0, 95.0, 99.0, 99.9, 100.0] {
            assert_eq!(left.percentile(p), one.percentile(p), "p{p}");
        }
        assert_eq!(left.to_words(), one.to_words());
    }

    #[test]
    fn empty_has_no_statistics() {
        let d = Distribution::new(100);
        assert_eq!(d.mean(), None);
        assert_eq!(d.percentile(50.0), None);
    }
}
