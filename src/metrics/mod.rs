//! Metrics: the metric-name contract, per-chunk tallies, and merged histograms.

pub mod histogram;
pub mod names;
pub mod summary_keys;
pub mod tally;
