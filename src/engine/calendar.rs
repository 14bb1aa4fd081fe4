//! A chunk's pending events, bucketed by epoch (a calendar queue).
//!
//! Within an epoch, devices never affect each other (DESIGN.md, principle 4), so the engine need not process a
//! chunk's events in global time order — only each device's own events in order, which its state machine does
//! (it handles events until its next one falls past the epoch). So pending events are kept per epoch: a ring
//! of the next [`RING`] epochs, each an unordered list of device indices, and a heap for the few events
//! further out. Pushing and draining are O(1) and touch only the current bucket, where a binary heap of the
//! whole chunk cost a cache-missing sift per event. Results do not depend on the order within a bucket: a
//! chunk's records are sums and multisets (`metrics::tally`).
//!
//! An entry is a hint, not a promise: a device whose `next_event` moved leaves its old entry behind, and the
//! chunk skips entries whose device no longer has an event in the epoch being drained.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::model::time::Time;

/// Epochs held in the ring (42.7 h at the default 5-minute collection evaluation).
pub const RING: usize = 512;

/// Pending events of one chunk.
pub struct Calendar {
    epoch: Time,
    /// Epoch index of the ring's first live slot: slots hold epochs `[cursor, cursor + RING)`.
    cursor: u64,
    ring: Vec<Vec<u32>>,
    far: BinaryHeap<Reverse<(Time, u32)>>,
}

impl Calendar {
    /// An empty calendar with epochs of `epoch` seconds.
    pub fn new(epoch: Time) -> Self {
        Calendar {
            epoch: epoch.max(1),
            cursor: 0,
            ring: vec![Vec::new(); RING],
            far: BinaryHeap::new(),
        }
    }

    fn epoch_of(&self, t: Time) -> u64 {
        u64::from(t / self.epoch)
    }

    /// Device `index` has an event at `t` (at or after the current epoch).
    pub fn push(&mut self, t: Time, index: u32) {
        let e = self.epoch_of(t).max(self.cursor);
        if e < self.cursor + RING as u64 {
            self.ring[(e % RING as u64) as usize].push(index);
        } else {
            self.far.push(Reverse((t, index)));
        }
    }

    /// The entries of the epoch starting at `start` (the ring advances to it; far events that now fit move
    /// into the ring). Give the list back with [`Calendar::recycle`] to reuse its memory.
    pub fn drain(&mut self, start: Time) -> Vec<u32> {
        let k = self.epoch_of(start);
        self.cursor = k;
        let horizon = (k + RING as u64).saturating_mul(u64::from(self.epoch));
        while let Some(&Reverse((t, i))) = self.far.peek() {
            if u64::from(t) >= horizon {
                break;
            }
            self.far.pop();
            let e = self.epoch_of(t).max(k);
            self.ring[(e % RING as u64) as usize].push(i);
        }
        std::mem::take(&mut self.ring[(k % RING as u64) as usize])
    }

    /// Returns a drained list's memory to the slot it came from (which now holds epoch `start`'s successor
    /// `RING` epochs on), unless that slot has filled again meanwhile.
    pub fn recycle(&mut self, start: Time, mut list: Vec<u32>) {
        let index = (self.epoch_of(start) % RING as u64) as usize;
        let slot = &mut self.ring[index];
        if slot.is_empty() {
            list.clear();
            *slot = list;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_come_back_in_their_epoch_near_or_far() {
        let mut c = Calendar::new(300);
        c.push(10, 1);
        c.push(299, 2);
        c.push(300, 3);
        c.push(300 * (RING as Time + 5) + 7, 4);
        let mut first = c.drain(0);
        first.sort_unstable();
        assert_eq!(first, [1, 2]);
        c.recycle(0, first);
        assert_eq!(c.drain(300), [3]);
        let far = 300 * (RING as Time + 5);
        assert_eq!(c.drain(far), [4]);
    }
}
