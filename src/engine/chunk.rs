//! A fixed-size chunk of devices: its own devices and event queue (it records into its thread's tally).
//! Chunks never talk to each other within an epoch (docs/model.md, engine principles 3 and 4).

use super::calendar::Calendar;
use super::prefetch::prefetch;
use super::record::ThreadRecorder;
use super::records::Records;
use crate::model::Model;
use crate::model::action::Action;
use crate::model::device::{Device, Env};
use crate::model::record::Recorder;
use crate::model::time::{NEVER, Time};

/// Devices per chunk of a fleet of `devices`: set by the fleet's size alone — never by the thread count or
/// the process split — so that results do not depend on them (nor do they on the size itself: everything a
/// chunk records is a sum or a multiset). Each epoch costs a little per chunk however few events it holds (its
/// calendar slot, a rayon task, then its tally) — a five-minute epoch averages a couple of events per 4,096
/// devices — and with ten million devices the per-chunk state of 2,442 chunks fell out of cache every epoch:
/// `bench-10m` took 63 s of CPU at 4,096 devices per chunk and 46 s at 16,384 (same machine, back to back;
/// results identical). Larger chunks would starve threads on small fleets (100,000 devices are 7 chunks of
/// 16,384), so only fleets of at least [`LARGE_FLEET`] devices — 16 chunks or more — take chunks of 32,768.
pub fn chunk_size(devices: u32) -> u32 {
    if devices >= LARGE_FLEET {
        32_768
    } else {
        16_384
    }
}

/// The smallest fleet whose chunks are 32,768 devices (see [`chunk_size`]).
pub const LARGE_FLEET: u32 = 16 * 32_768;

/// How many due devices ahead of the one being handled the step asks the memory for: the due devices of an
/// epoch are a sparse, sorted subset of the chunk, whose records the hardware prefetcher cannot foresee, and
/// loading each one when it is handled left the core waiting on memory for a third of the run.
const PREFETCH_AHEAD: usize = 8;

/// One chunk of consecutive devices.
pub struct Chunk {
    /// Index of this chunk in the fleet.
    number: usize,
    /// Id of the first device.
    first: u32,
    /// The devices, `first..first + len`.
    pub devices: Records,
    /// Which devices' software update scans the ledger counts late (`record::DeferredScans`); empty when
    /// load is not counted.
    scans: Vec<u64>,
    /// Pending events by epoch; an entry whose device no longer has an event in that epoch is stale and
    /// skipped.
    queue: Calendar,
    /// Events processed so far.
    pub events: u64,
}

impl Chunk {
    /// Generates chunk `number`, devices `first..first + count`, recording into `rec`.
    pub fn generate(
        number: usize,
        first: u32,
        count: u32,
        model: &Model,
        rec: ThreadRecorder<'_>,
    ) -> Chunk {
        let mut scans = if rec.counts_requests() {
            vec![0; (count as usize).div_ceil(64)]
        } else {
            Vec::new()
        };
        let mut rec = rec.with_scans(first, &mut scans);
        let devices = Records::collect(count as usize, |i| {
            Device::generate(first + i as u32, model, &mut rec)
        });
        rec.flush();
        let mut queue = Calendar::new(model.scenario.timers.collection_eval);
        for (i, d) in devices.iter().enumerate() {
            if d.next_event != NEVER {
                queue.push(d.next_event, i as u32);
            }
        }
        Chunk {
            number,
            first,
            devices,
            scans,
            queue,
            events: 0,
        }
    }

    /// Processes every event of the epoch `[start, end)`, recording into `rec`.
    pub fn step(&mut self, start: Time, end: Time, env: &Env<'_>, rec: ThreadRecorder<'_>) {
        let mut rec = rec.with_scans(self.first, &mut self.scans);
        let mut due = self.queue.drain(start);
        // In index order the walk over the device array is sequential (prefetchable) instead of a cache miss
        // per event; duplicates collapse.
        due.sort_unstable();
        due.dedup();
        for (j, &i) in due.iter().enumerate() {
            if let Some(&ahead) = due.get(j + PREFETCH_AHEAD) {
                prefetch(&self.devices, ahead as usize);
                rec.prefetch_scans(ahead as usize);
            }
            let device = &mut self.devices[i as usize];
            // Stale (the device's event moved) or already handled through a duplicate entry.
            if device.next_event < start || device.next_event >= end {
                continue;
            }
            let id = self.first + i;
            rec.device(device.cohort(env.model));
            while device.next_event < end {
                device.handle(id, env, &mut rec);
                self.events += 1;
            }
            if device.next_event != NEVER {
                self.queue.push(device.next_event, i);
            }
        }
        self.queue.recycle(start, due);
        rec.flush();
    }

    /// The run has ended: counts the software update scans still going (`record::DeferredScans`).
    pub fn finish_update_scans(&mut self, model: &Model, mut rec: ThreadRecorder<'_>) {
        for (w, &word) in self.scans.iter().enumerate() {
            let mut bits = word;
            while bits != 0 {
                let i = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                self.devices[i].finish_update_scans(self.first + i as u32, model, &mut rec);
            }
        }
        rec.flush();
    }

    /// The rollout plan changed at `now`: every co-managed device finds its next relevant poll.
    pub fn replan(&mut self, now: Time, env: &Env<'_>) {
        for (i, device) in self.devices.iter_mut().enumerate() {
            let before = device.next_event;
            device.replan(self.first + i as u32, now, env);
            if device.next_event != before && device.next_event != NEVER {
                self.queue.push(device.next_event, i as u32);
            }
        }
    }

    /// Index of this chunk in the fleet.
    pub fn number(&self) -> usize {
        self.number
    }

    /// How many of this chunk's devices remote action `index` targets (sent at the boundary `now`).
    pub fn action_targets(&self, index: usize, action: &Action, env: &Env<'_>) -> u64 {
        self.devices
            .iter()
            .enumerate()
            .filter(|(i, d)| {
                d.action_target(self.first + *i as u32, index, action, env.model)
                    .is_some()
            })
            .count() as u64
    }

    /// Remote action `index` reaches this chunk's devices at the epoch boundary `now` (at or after its `at`);
    /// `rank`: how many devices before this chunk's it targets.
    #[allow(clippy::too_many_arguments)]
    pub fn remote_action(
        &mut self,
        index: usize,
        action: &Action,
        mut rank: u64,
        now: Time,
        env: &Env<'_>,
        rec: ThreadRecorder<'_>,
    ) {
        let mut rec = rec.with_scans(self.first, &mut self.scans);
        for (i, device) in self.devices.iter_mut().enumerate() {
            let before = device.next_event;
            let id = self.first + i as u32;
            let Some(delay) = device.action_target(id, index, action, env.model) else {
                continue;
            };
            rec.device(device.cohort(env.model));
            device.remote_action(id, index, action, (delay, rank), now, env, &mut rec);
            rank += 1;
            if device.next_event != before && device.next_event != NEVER {
                self.queue.push(device.next_event, i as u32);
            }
        }
        rec.flush();
    }
}
