//! The engine: generates the fleet in fixed chunks, steps them in parallel epoch by epoch, resolves the
//! couplings (rollout gates, collection evaluation) serially at epoch boundaries, and merges the results in
//! chunk order.
//!
//! An epoch is one collection evaluation interval (`timers.collection_eval`): gates are checked at every
//! evaluation, and a pilot's new members become effective at it, so nothing couples devices more often.
//! Every input of a boundary decision is a sum over chunks, and every draw is addressed by device
//! (`crate::rng`): results are byte-identical for any thread count.

pub mod calendar;
pub mod chunk;
// Reliability: the memory estimate the run and sweep guards check before simulating.
pub mod estimate;
pub mod fold;
#[cfg(feature = "mpi")]
pub mod mpi;
mod prefetch;
pub mod record;
mod records;
pub mod reduce;
pub mod tallies;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::load::book::{DEFERRED, LoadBook};
use crate::load::queue::{Queue, component_requests};
use crate::metrics::histogram::Distribution;
use crate::metrics::names::Metric;
use crate::metrics::tally::{
    ActionCounts, GROUP_EVENTS, Milestone, TRACKED_COLUMNS, Tally, group_count, merged_groups,
    merged_timeline, timeline_rows,
};
use crate::model::Model;
use crate::model::action::Action;
use crate::model::device::{Env, Path};
use crate::model::infrastructure::{Component, Pressure};
use crate::model::record::Cohort;
use crate::model::rollout::{Rollout, StageStatus};
use crate::model::time::Time;
use chunk::{Chunk, chunk_size};
use fold::{FOLD_THRESHOLD, SampleFold};
use reduce::{Local, Reducer};
use tallies::Tallies;

/// Everything a run produces, in memory; `report` turns it into files.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// One distribution per metric, index = `Metric::index`.
    pub distributions: Vec<Distribution>,
    /// Per ring (stage order: a device's ring is the first stage whose target contains it), one
    /// distribution per metric, index = `Metric::index`; queue delays are pooled only.
    pub rings: Vec<Vec<Distribution>>,
    /// Hourly snapshots of the tracked timeline columns.
    pub timeline: Vec<[i64; TRACKED_COLUMNS]>,
    /// Devices per final state and other end-of-run counts (names are the `counts` contract).
    pub counts: BTreeMap<String, u64>,
    /// Final status of each stage.
    pub stages: Vec<StageStatus>,
    /// Whether every stage started and every gated stage passed.
    pub completed: bool,
    /// Device events processed (a measure of work, for throughput figures).
    pub events: u64,
    /// Load on the infrastructure (`None` when `[load] enabled = false`).
    pub load: Option<LoadOutcome>,
    /// Per group (the paths, then the stages' targets: `metrics::tally::group_count`) and group event
    /// (index `group · GROUP_EVENTS + event`), the devices in that state at each hourly snapshot.
    pub groups: Vec<Vec<i64>>,
    /// Devices per group, in the same order.
    pub group_sizes: Vec<u64>,
}

/// The load a run put on the infrastructure.
#[derive(Debug, Clone)]
pub struct LoadOutcome {
    /// Bucket length in seconds.
    pub bucket: Time,
    /// Per bucket, requests per type (index: `Request::index`).
    pub counts: Vec<[u64; crate::model::infrastructure::REQUESTS]>,
    /// Per component (index: `Component::index`), its queue over the run.
    pub queues: Vec<Queue>,
    /// Per bucket, the CMG's concurrent connected clients at the bucket's start.
    pub cmg_online: Vec<u64>,
    /// ConfigMgr clients seen online: of the management points directly, and through the CMG
    /// (index: `load::book::Presence`).
    pub clients: [u64; 2],
    /// Internet ConfigMgr clients' content-bearing workloads on ConfigMgr, summed over the run in
    /// workload-seconds (`LoadBook::content`): the CMG's content egress follows it.
    pub content_workload_seconds: i64,
}

/// The queues of the modelled infrastructure, from the scenario's capacities.
fn queues_for(model: &Model) -> Vec<Queue> {
    let s = &model.scenario;
    let infra = &s.infrastructure;
    Component::ALL
        .iter()
        .map(|&c| {
            let rate = match c {
                Component::ManagementPoint => Some(
                    infra.mp_requests_per_s()
                        * f64::from(infra.management_points_per_site)
                        * f64::from(s.fleet.sites),
                ),
                Component::Cmg => Some(infra.cmg_requests_per_s() * f64::from(infra.cmg_vms())),
                Component::Intune => infra.intune_requests_per_s,
                Component::AzureAd => None,
                Component::SoftwareUpdatePoint => Some(
                    infra.sup_requests_per_s()
                        * f64::from(infra.software_update_points_per_site)
                        * f64::from(s.fleet.sites),
                ),
            };
            Queue::new(c, rate, s.load.queue_limit, s.duration)
        })
        .collect()
}

/// Whether queue `q` serves the requests the ledger counts late (`load::book::DEFERRED`): it serves them
/// once the run has ended.
fn deferred(q: &Queue) -> bool {
    q.component() == DEFERRED.component()
}

/// A run stopped on request (Ctrl-C, SIGTERM) before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted {
    /// Simulated time every device had reached when the run stopped.
    pub at: Time,
}

/// Runs the simulation on the current rayon pool. `progress` is called with the simulated time reached after
/// each epoch.
pub fn simulate(model: &Model, progress: &(dyn Fn(Time) + Sync)) -> Outcome {
    match simulate_until(model, progress, None) {
        Ok(outcome) => outcome,
        Err(stopped) => unreachable!("a run without a stop flag stopped at {}", stopped.at),
    }
}

/// [`simulate`], stopping early once `stop` is set: it is checked at every epoch boundary and before each
/// chunk's step, so a signal handler that sets it ends the run within one chunk's work of one epoch. The
/// partial state is dropped — an interrupted run has no results, only how far it got.
pub fn simulate_until(
    model: &Model,
    progress: &(dyn Fn(Time) + Sync),
    stop: Option<&AtomicBool>,
) -> Result<Outcome, Interrupted> {
    simulate_with(model, progress, FOLD_THRESHOLD, &Local, stop)
}

/// [`simulate_until`] as one of the processes of `reducer` (see [`reduce`]; only process 0's outcome is the
/// run's), folding the chunks' latency samples into the distributions at the first epoch boundary where more
/// than `fold_threshold` are buffered. Any threshold gives the same outcome (see [`fold`]); it only trades
/// memory for passes, and tests use 0 and `usize::MAX` to show it.
pub fn simulate_with(
    model: &Model,
    progress: &(dyn Fn(Time) + Sync),
    fold_threshold: usize,
    reducer: &dyn Reducer,
    stop: Option<&AtomicBool>,
) -> Result<Outcome, Interrupted> {
    let size = chunk_size(model.scenario.fleet.total_devices());
    simulate_chunked(model, progress, fold_threshold, reducer, stop, size)
}

/// [`simulate_with`] in chunks of `size` devices.
fn simulate_chunked(
    model: &Model,
    progress: &(dyn Fn(Time) + Sync),
    fold_threshold: usize,
    reducer: &dyn Reducer,
    stop: Option<&AtomicBool>,
    size: u32,
) -> Result<Outcome, Interrupted> {
    let stopped = || stop.is_some_and(|s| s.load(Ordering::Relaxed));
    let scenario = &model.scenario;
    let n = scenario.fleet.total_devices();
    let (rank, ranks) = (reducer.rank(), reducer.ranks());
    let numbers: Vec<u32> = (0..n.div_ceil(size))
        .filter(|c| *c as usize % ranks == rank)
        .collect();
    let mut book = scenario.load.enabled.then(|| {
        LoadBook::new(
            scenario.duration,
            scenario.load.bucket,
            scenario.timers.policy_poll,
            scenario.timers.mdm_sync,
        )
    });
    let mut queues = queues_for(model);
    let mut tallies = Tallies::new(scenario.duration, scenario.stages.len(), book.as_ref());
    let chunks: Option<Vec<Chunk>> = numbers
        .par_iter()
        .map(|&number| {
            (!stopped()).then(|| {
                let first = number * size;
                let count = size.min(n - first);
                let mut mine = tallies.mine();
                Chunk::generate(
                    number as usize,
                    first,
                    count,
                    model,
                    mine.recorder(book.as_ref()),
                )
            })
        })
        .collect();
    let Some(mut chunks) = chunks else {
        return Err(Interrupted { at: 0 });
    };

    let epoch = scenario.timers.collection_eval;
    let duration = scenario.duration;
    let mut rollout = Rollout::new(&scenario.stages, epoch);
    let mut pressure = Pressure::default();
    let stages = scenario.stages.len();
    let mut folded = SampleFold::new(u64::from(duration.max(2)), stages);
    let mut now: Time = 0;
    // What the boundary decisions read: the gate counts, summed over the threads' tallies after each step.
    let (mut gate, _) = tallies.sums(stages);
    loop {
        let mut counts = gate.clone();
        reduce::sum_gate_counts(reducer, &mut counts);
        if stopped() {
            return Err(Interrupted { at: now });
        }
        let at_end = now >= duration;
        let changed = rollout.evaluate(now, now.saturating_add(epoch), &counts, !at_end);
        if at_end {
            break;
        }
        let env = Env {
            model,
            plan: rollout.plan(),
            pressure,
        };
        // Remote actions reach the devices at the first boundary at or after they are sent.
        for (index, action) in scenario.actions.iter().enumerate() {
            if action.at <= now && action.at + epoch > now {
                let ranks = action_ranks(&chunks, index, action, &env, n.div_ceil(size), reducer);
                chunks.par_iter_mut().for_each(|c| {
                    let mut mine = tallies.mine();
                    let rank = ranks.get(c.number()).copied().unwrap_or(0);
                    c.remote_action(index, action, rank, now, &env, mine.recorder(book.as_ref()))
                });
            }
        }
        if changed {
            chunks.par_iter_mut().for_each(|c| c.replan(now, &env));
        }
        let end = now.saturating_add(epoch).min(duration);
        chunks.par_iter_mut().for_each(|c| {
            // Once stopped, the remaining chunks skip the epoch: the run's state is discarded anyway.
            if !stopped() {
                c.step(now, end, &env, tallies.mine().recorder(book.as_ref()));
            }
        });
        if stopped() {
            return Err(Interrupted { at: now });
        }
        let (stepped, buffered) = tallies.sums(stages);
        gate = stepped;
        if buffered > fold_threshold {
            folded.fold(&mut tallies.all());
        }
        if let Some(book) = book.as_mut() {
            // Every chunk has finished the epoch: its buckets are final. Serve them, then tell the next epoch.
            let first = book.counts().len();
            let complete = if end >= duration {
                book.buckets()
            } else {
                (end / book.bucket()) as usize
            };
            book.finalize(complete, &tallies.ledgers());
            reducer.sum(book.counts_from_mut(first).as_flattened_mut());
            for row in &book.counts()[first..] {
                for q in queues.iter_mut().filter(|q| !deferred(q)) {
                    q.serve(component_requests(row, q.component()), book.bucket());
                }
            }
            if scenario.load.feedback {
                for q in queues.iter().filter(|q| !deferred(q)) {
                    let (delay, reject) = q.pressure(first);
                    pressure.delay[q.component().index()] = delay;
                    pressure.reject_below[q.component().index()] = reject;
                }
            }
        }
        now = end;
        progress(now);
    }

    if let Some(book) = book.as_mut() {
        // The software update scans still going are counted now, and the software update point's queue,
        // which nothing read during the run, serves its whole run.
        let counting: &LoadBook = book;
        chunks.par_iter_mut().for_each(|c| {
            c.finish_update_scans(model, tallies.mine().recorder(Some(counting)));
        });
        let mut deferred_counts = book.deferred(&tallies.ledgers());
        reducer.sum(&mut deferred_counts);
        book.set_deferred(&deferred_counts);
        for q in queues.iter_mut().filter(|q| deferred(q)) {
            for row in book.counts() {
                q.serve(component_requests(row, q.component()), book.bucket());
            }
        }
    }
    folded.fold(&mut tallies.all());
    // Every walk was counted when its chunk's task ended; presence is summed over all processes' devices.
    let presence = book.as_ref().map(|b| {
        let ledgers = tallies.ledgers();
        let mut online = b.cmg_online(&ledgers);
        let mut clients = b.clients(&ledgers);
        reducer.sum(&mut online);
        reducer.sum(&mut clients);
        (online, clients)
    });
    reduce::gather_distributions(reducer, &mut folded.slots);
    let (mut distributions, rings) = folded.finish();
    for q in &queues {
        // A scan's wait delays nothing the model times; `load.csv` shows the software update point's queue.
        if q.rate().is_some() && q.component() != Component::SoftwareUpdatePoint {
            distributions[Metric::QueueDelay(q.component()).index()] = q.delays.clone();
        }
    }
    // Every process's part, summed (`i64` travels as its bits).
    let content_workload_seconds = book.as_ref().map_or(0, |b| {
        let mut words = [b.content_seconds(&tallies.ledgers()) as u64];
        if reducer.ranks() > 1 {
            reducer.sum(&mut words);
        }
        words[0] as i64
    });
    let all = tallies.all();
    let mut timeline = merged_timeline(all.iter().map(|t| &**t));
    timeline.resize(timeline_rows(duration), [0; TRACKED_COLUMNS]);
    reduce::sum_timeline(reducer, &mut timeline);
    let columns = group_count(stages) * GROUP_EVENTS;
    let mut groups = merged_groups(all.iter().map(|t| &**t));
    groups.resize(columns, Vec::new());
    for column in &mut groups {
        column.resize(timeline_rows(duration), 0);
    }
    reduce::sum_groups(reducer, &mut groups);
    let mut group_sizes = group_sizes(&chunks, model);
    reducer.sum(&mut group_sizes);
    let mut counts = final_counts(&chunks, &all, &scenario.actions);
    // Devices per failure code, as `failure_code.<code>` (summed if a code is on several steps).
    for (index, f) in scenario.failure_codes.iter().enumerate() {
        let n: u64 = all
            .iter()
            .map(|t| t.failure_codes.get(index).copied().unwrap_or(0))
            .sum();
        *counts
            .entry(format!("{FAILURE_CODE_PREFIX}{}", f.code))
            .or_default() += n;
    }
    let mut events: u64 = chunks.iter().map(|c| c.events).sum();
    reduce::sum_counts(reducer, &mut counts, &mut events);
    Ok(Outcome {
        distributions,
        rings,
        timeline,
        counts,
        stages: rollout.status().to_vec(),
        completed: rollout.completed(),
        events,
        load: book
            .zip(presence)
            .map(|(b, (cmg_online, clients))| LoadOutcome {
                bucket: b.bucket(),
                counts: b.counts().to_vec(),
                queues,
                content_workload_seconds,
                cmg_online,
                clients,
            }),
        groups,
        group_sizes,
    })
}

/// Per chunk of the fleet (by chunk number), how many devices of the chunks before it remote action `index`
/// targets: the rank of each chunk's first target in device-index order, the order Graph's pacing follows
/// (docs/model.md §4). Every process counts its own chunks and the counts are summed, so the ranks are the same
/// for any thread count and any split. Empty for an action Graph does not pace.
fn action_ranks(
    chunks: &[Chunk],
    index: usize,
    action: &Action,
    env: &Env<'_>,
    chunks_in_fleet: u32,
    reducer: &dyn Reducer,
) -> Vec<u64> {
    if !action.kind.through_graph() {
        return Vec::new();
    }
    let mut counts = vec![0u64; chunks_in_fleet as usize];
    let mine: Vec<(usize, u64)> = chunks
        .par_iter()
        .map(|c| (c.number(), c.action_targets(index, action, env)))
        .collect();
    for (number, count) in mine {
        counts[number] = count;
    }
    reducer.sum(&mut counts);
    let mut before = 0u64;
    for c in &mut counts {
        let n = *c;
        *c = before;
        before += n;
    }
    counts
}

/// Prefix of the `counts` entries that hold devices per `[[failure]]` code (`summary.json` moves them to
/// `failures.<code>.devices`).
pub const FAILURE_CODE_PREFIX: &str = "failure_code.";

/// Devices per group (the paths, then the stages' targets).
fn group_sizes(chunks: &[Chunk], model: &Model) -> Vec<u64> {
    let n = group_count(model.stage_targets.len());
    chunks
        .par_iter()
        .map(|c| {
            let mut sizes = vec![0u64; n];
            for device in c.devices.iter() {
                let cohort = device.cohort(model);
                sizes[usize::from(cohort.path)] += 1;
                for (k, size) in sizes[Cohort::PATHS.len()..].iter_mut().enumerate() {
                    *size += cohort.stages >> k & 1;
                }
            }
            sizes
        })
        .reduce(
            || vec![0u64; n],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    *x += y;
                }
                a
            },
        )
}

/// Runs `f` on a rayon pool of `threads` threads (0 = one per core).
pub fn with_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool.install(f),
        // A pool that cannot be built (the OS refused a thread) still leaves the global pool.
        Err(_) => f(),
    }
}

fn final_counts(
    chunks: &[Chunk],
    tallies: &[&mut Tally],
    actions: &[Action],
) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    // Remote actions, summed per kind: targeted, reached within 1 h / 1 d, never reached in the run.
    for (index, action) in actions.iter().enumerate() {
        let mut sum = ActionCounts::default();
        for tally in tallies {
            if let Some(c) = tally.actions.get(index) {
                sum.targeted += c.targeted;
                sum.within_1h += c.within_1h;
                sum.within_1d += c.within_1d;
                sum.reached += c.reached;
            }
        }
        let kind = action.kind.name();
        for (key, value) in [
            ("targeted", sum.targeted),
            ("within_1h", sum.within_1h),
            ("within_1d", sum.within_1d),
            ("never", sum.targeted - sum.reached),
        ] {
            *counts.entry(format!("action.{kind}.{key}")).or_default() += value;
        }
    }
    for m in Milestone::ALL {
        counts.insert(m.name().to_string(), 0);
    }
    for key in [
        "path.existing_client",
        "path.new_internet",
        "path.osd",
        "failed_at.hybrid_join",
        "failed_at.mdm_enrollment",
        "failed_at.client_install",
    ] {
        counts.insert(key.to_string(), 0);
    }
    // Counted per chunk in parallel into fixed slots (ten million map lookups by string were seconds of a
    // single thread), then named.
    const PATHS: [&str; 3] = ["path.osd", "path.existing_client", "path.new_internet"];
    const FAILED_AT: [&str; 3] = [
        "failed_at.hybrid_join",
        "failed_at.client_install",
        "failed_at.mdm_enrollment",
    ];
    let tallies = chunks
        .par_iter()
        .map(|c| {
            let mut t = [0u64; Milestone::ALL.len() + PATHS.len() + FAILED_AT.len()];
            for device in c.devices.iter() {
                let milestone = device.milestone();
                t[Milestone::ALL
                    .iter()
                    .position(|&m| m == milestone)
                    .unwrap_or(0)] += 1;
                let path = match device.path() {
                    _ if device.is_osd() => 0,
                    Path::ExistingClient => 1,
                    Path::NewInternet => 2,
                };
                t[Milestone::ALL.len() + path] += 1;
                if milestone == Milestone::Failed {
                    let step = match (device.path(), device.fail_step()) {
                        (Path::ExistingClient, Some(1)) => 0,
                        (Path::NewInternet, Some(2)) => 1,
                        _ => 2,
                    };
                    t[Milestone::ALL.len() + PATHS.len() + step] += 1;
                }
            }
            t
        })
        .reduce(
            || [0u64; Milestone::ALL.len() + PATHS.len() + FAILED_AT.len()],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    *x += y;
                }
                a
            },
        );
    let names = Milestone::ALL
        .iter()
        .map(|m| m.name())
        .chain(PATHS)
        .chain(FAILED_AT);
    for (name, n) in names.zip(tallies) {
        *counts.entry(name.to_string()).or_default() += n;
    }
    counts
}

/// The metric a distribution index stands for.
pub fn metric_at(index: usize) -> Metric {
    Metric::all()[index]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Everything a chunk records is a sum or a multiset, so the chunk size changes no result: every file of
    /// a run — load, presence, Graph-paced actions, scans stopped and still going included — is the same
    /// byte for byte in chunks of 4,096, 16,384 and 32,768 devices.
    #[test]
    fn results_do_not_depend_on_the_chunk_size() {
        let text = r#"name = "chunks"
seed = 11
duration = "6d"
[fleet]
devices = 40_000
existing_client_share = 0.7
new_device_arrival = "3d"
[[stage]]
name = "pilot"
start = "0s"
workloads = ["compliance_policies", "windows_update_policies"]
authority = "pilot_intune"
pilot = 0.3
[[stage]]
name = "all"
start = "2d"
workloads = ["compliance_policies", "windows_update_policies", "endpoint_protection"]
authority = "intune"
[[action]]
kind = "wipe"
at = "3d"
share = 0.02
[[action]]
kind = "retire"
at = "4d"
share = 0.02
"#;
        let scenario = crate::scenario::parse(text, "chunks.toml").unwrap();
        let model = Model::new(scenario);
        let files = |size: u32| {
            let outcome =
                simulate_chunked(&model, &|_| {}, FOLD_THRESHOLD, &Local, None, size).unwrap();
            crate::report::run_files(&model.scenario, &outcome).1
        };
        let want = files(16_384);
        assert!(want.iter().any(|(name, _)| *name == "load.csv"));
        for size in [4_096, 32_768] {
            for ((name, bytes), (_, expected)) in files(size).iter().zip(&want) {
                assert!(bytes == expected, "{name} differs in chunks of {size}");
            }
        }
    }
}
