//! A fixed-size chunk of devices: its own devices, event queue and tally. Chunks never talk to each other
//! within an epoch (DESIGN.md, principles 3 and 4).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::load::book::LoadBook;
use crate::metrics::tally::Tally;
use crate::model::Model;
use crate::model::action::Action;
use crate::model::device::{Device, Env};
use crate::model::time::{NEVER, Time};

/// Devices per chunk. Fixed — never derived from the thread count — so that results do not depend on it.
pub const CHUNK_SIZE: u32 = 4_096;

/// One chunk of consecutive devices.
pub struct Chunk {
    /// Id of the first device.
    first: u32,
    /// The devices, `first..first + len`.
    pub devices: Vec<Device>,
    /// Pending events as (time, local index); an entry whose time no longer matches the device's
    /// `next_event` is stale and skipped.
    queue: BinaryHeap<Reverse<(Time, u32)>>,
    /// What the chunk has recorded.
    pub tally: Tally,
    /// Events processed so far.
    pub events: u64,
}

impl Chunk {
    /// Generates devices `first..first + count`.
    pub fn generate(first: u32, count: u32, model: &Model, load: Option<&LoadBook>) -> Chunk {
        let mut tally = Tally::new(model.scenario.duration, model.scenario.stages.len());
        let devices: Vec<Device> = (first..first + count)
            .map(|id| Device::generate(id, model, load, &mut tally))
            .collect();
        let queue = devices
            .iter()
            .enumerate()
            .filter(|(_, d)| d.next_event != NEVER)
            .map(|(i, d)| Reverse((d.next_event, i as u32)))
            .collect();
        Chunk {
            first,
            devices,
            queue,
            tally,
            events: 0,
        }
    }

    /// Time of the earliest pending event (possibly stale), [`NEVER`] if none.
    pub fn next_time(&self) -> Time {
        self.queue.peek().map_or(NEVER, |Reverse((t, _))| *t)
    }

    /// Processes every event before `end`.
    pub fn step(&mut self, end: Time, env: &Env<'_>) {
        while let Some(&Reverse((t, i))) = self.queue.peek() {
            if t >= end {
                break;
            }
            self.queue.pop();
            let device = &mut self.devices[i as usize];
            if device.next_event != t {
                continue;
            }
            let id = self.first + i;
            while device.next_event < end {
                device.handle(id, env, &mut self.tally);
                self.events += 1;
            }
            if device.next_event != NEVER {
                self.queue.push(Reverse((device.next_event, i)));
            }
        }
    }

    /// The rollout plan changed at `now`: every co-managed device finds its next relevant poll.
    pub fn replan(&mut self, now: Time, env: &Env<'_>) {
        for (i, device) in self.devices.iter_mut().enumerate() {
            let before = device.next_event;
            device.replan(self.first + i as u32, now, env);
            if device.next_event != before && device.next_event != NEVER {
                self.queue.push(Reverse((device.next_event, i as u32)));
            }
        }
    }

    /// Remote action `index` reaches this chunk's devices at the epoch boundary `now` (at or after its `at`).
    pub fn remote_action(&mut self, index: usize, action: &Action, now: Time, env: &Env<'_>) {
        for (i, device) in self.devices.iter_mut().enumerate() {
            let before = device.next_event;
            device.remote_action(
                self.first + i as u32,
                index,
                action,
                now,
                env,
                &mut self.tally,
            );
            if device.next_event != before && device.next_event != NEVER {
                self.queue.push(Reverse((device.next_event, i as u32)));
            }
        }
    }
}
