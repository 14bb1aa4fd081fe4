//! How much memory a run will need, estimated from the scenario before it starts, so `cofleet run` and
//! `cofleet sweep` can refuse a job the machine cannot hold instead of being killed by the OOM killer an hour
//! in. Clap-free and I/O-free: the commands compare it with `--max-memory` and `MemAvailable`.
//!
//! The shape follows the engine's data structures (docs/model.md, engine principle 6); the constants are fitted to the
//! peak resident set size (`/usr/bin/time -v`, 2 threads, median of 3) of `scenarios/bench-1m.toml` at several
//! sizes, re-measured when the distributions became lazily allocated (a histogram is made at its metric's
//! first sample) and `load.csv` stopped being held whole (it is written a few days of buckets at a time):
//!
//! | devices | duration | buckets (1 min) | measured peak RSS | estimate |
//! | ---: | ---: | ---: | ---: | ---: |
//! | 100,000 | 30 d | 43,200 | 60.5 MB | 58.1 MB |
//! | 300,000 | 30 d | 43,200 | 73.3 MB | 76.9 MB |
//! | 600,000 | 30 d | 43,200 | 102.8 MB | 105.1 MB |
//! | 1,000,000 | 30 d | 43,200 | 143.8 MB | 142.7 MB |
//! | 300,000 | 90 d | 129,600 | 123.4 MB | 122.2 MB |
//!
//! Fit: the 30-day sizes from 300,000 up give 94 bytes per device: 64 of hot state and
//! [`SAMPLE_BYTES_PER_DEVICE`] of latency samples and their share of the per-chunk buffers (many devices
//! record only a few samples: not every workload switches within the run). The same sizes at 10-minute
//! buckets against 1-minute ones give the bytes per load bucket — the ledger's shards
//! ([`LEDGER_BYTES_PER_BUCKET_AND_THREAD`] per thread) and [`BYTES_PER_BUCKET`] for the finalized counts,
//! the queues and the plots' series; the per-thread timelines are computed from their shape; the intercept is
//! [`BASE_BYTES`] (the binary, thread stacks, the histograms, the plots' bitmaps, a batch of `load.csv`).
//! Within 5 % of every measurement above; re-measure when the engine's data structures change
//! (`/usr/bin/time -v cofleet run scenarios/bench-1m.toml --quiet`).

use crate::metrics::tally::{GROUP_EVENTS, TRACKED_COLUMNS, group_count, timeline_rows};
use crate::model::scenario::Scenario;
use crate::model::time::Time;
use crate::units::human_bytes;

/// A device's hot state (`model::device::Device`, at most 64 bytes by design).
pub const HOT_BYTES_PER_DEVICE: u64 = 64;
/// Latency samples per device, as fitted (see the module table).
pub const SAMPLE_BYTES_PER_DEVICE: u64 = 30;
/// Per load bucket, whatever the thread count: finalized counts, queue state, the CMG's connected clients
/// and plot data.
pub const BYTES_PER_BUCKET: u64 = 368;
/// Per load bucket and worker thread: the ledger shard's eighteen `i32` arrays (a lane per request type,
/// three strided difference arrays, the CMG's connected clients).
pub const LEDGER_BYTES_PER_BUCKET_AND_THREAD: u64 = 72;
/// Independent of the scenario's size.
pub const BASE_BYTES: u64 = 26_000_000;

/// The estimated peak memory of one run, with its parts (bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryEstimate {
    /// Total.
    pub bytes: u64,
    /// Devices: hot state and latency samples.
    pub devices: u64,
    /// Per-thread timeline difference arrays.
    pub timeline: u64,
    /// Load ledger, queues and their outputs.
    pub load: u64,
    /// Fixed part.
    pub base: u64,
}

impl MemoryEstimate {
    /// `parts` summed into an estimate.
    fn from_parts(devices: u64, timeline: u64, load: u64, base: u64) -> Self {
        MemoryEstimate {
            bytes: devices
                .saturating_add(timeline)
                .saturating_add(load)
                .saturating_add(base),
            devices,
            timeline,
            load,
            base,
        }
    }

    /// "devices 1.2 GB + timeline 3 MB + load 60 MB + base 30 MB".
    pub fn breakdown(&self) -> String {
        format!(
            "devices {} + timeline {} + load {} + base {}",
            human_bytes(self.devices),
            human_bytes(self.timeline),
            human_bytes(self.load),
            human_bytes(self.base)
        )
    }
}

/// The estimated peak memory of running `scenario` on `threads` worker threads.
pub fn run_memory(scenario: &Scenario, threads: usize) -> MemoryEstimate {
    let devices = u64::from(scenario.fleet.devices);
    let rows = timeline_rows(scenario.duration) as u64;
    let columns = TRACKED_COLUMNS + group_count(scenario.stages.len()) * GROUP_EVENTS;
    let timeline = threads.max(1) as u64 * rows * columns as u64 * 4;
    let load = if scenario.load.enabled {
        buckets(scenario.duration, scenario.load.bucket).saturating_mul(
            BYTES_PER_BUCKET + LEDGER_BYTES_PER_BUCKET_AND_THREAD * threads.max(1) as u64,
        )
    } else {
        0
    };
    MemoryEstimate::from_parts(
        devices * (HOT_BYTES_PER_DEVICE + SAMPLE_BYTES_PER_DEVICE),
        timeline,
        load,
        BASE_BYTES,
    )
}

/// The estimated peak memory of `runs` run concurrently, at most `threads` at a time (a sweep): the largest
/// runs, as many as can be in flight, plus one process's fixed part.
pub fn sweep_memory<'a>(
    runs: impl IntoIterator<Item = &'a Scenario>,
    threads: usize,
) -> MemoryEstimate {
    let mut each: Vec<MemoryEstimate> = runs.into_iter().map(|s| run_memory(s, threads)).collect();
    each.sort_by_key(|e| std::cmp::Reverse(e.bytes));
    let in_flight = &each[..threads.max(1).min(each.len())];
    let sum =
        |f: fn(&MemoryEstimate) -> u64| in_flight.iter().map(f).fold(0u64, u64::saturating_add);
    MemoryEstimate::from_parts(
        sum(|e| e.devices),
        sum(|e| e.timeline),
        sum(|e| e.load),
        BASE_BYTES,
    )
}

fn buckets(duration: Time, bucket: Time) -> u64 {
    u64::from(duration.div_ceil(bucket.max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario;

    fn bench(devices: u32, duration: &str) -> Scenario {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scenarios/bench-1m.toml"
        ))
        .unwrap()
        .replace("devices = 1_000_000", &format!("devices = {devices}"))
        .replace("duration = \"30d\"", &format!("duration = \"{duration}\""));
        scenario::parse(&text, "bench-1m.toml").unwrap()
    }

    /// The measurements of the module table (peak RSS in KiB): the estimate stays within 5 % of each.
    #[test]
    fn estimate_matches_the_measured_peaks() {
        for (devices, duration, measured_kb) in [
            (100_000, "30d", 59_048u64),
            (300_000, "30d", 71_600),
            (600_000, "30d", 100_348),
            (300_000, "90d", 120_536),
            (1_000_000, "30d", 140_476),
        ] {
            let estimate = run_memory(&bench(devices, duration), 2).bytes as f64;
            let measured = (measured_kb * 1024) as f64;
            let error = (estimate - measured).abs() / measured;
            assert!(
                error < 0.05,
                "{devices} devices, {duration}: estimate {estimate}, measured {measured} ({error:.3})"
            );
        }
    }

    #[test]
    fn a_sweep_counts_the_runs_in_flight() {
        let small = bench(10_000, "30d");
        let large = bench(1_000_000, "30d");
        let one = run_memory(&large, 2);
        let sweep = sweep_memory([&small, &large, &large], 2);
        assert_eq!(sweep.devices, 2 * one.devices);
        assert_eq!(sweep.base, one.base);
        assert!(sweep_memory([&small], 8).bytes < one.bytes);
    }
}
