//! A chunk's pending events, bucketed by epoch (a calendar queue).
//!
//! Within an epoch, devices never affect each other (docs/model.md, engine principle 4), so the engine need not process a
//! chunk's events in global time order — only each device's own events in order, which its state machine does
//! (it handles events until its next one falls past the epoch). So pending events are kept per epoch: a ring
//! of the next [`RING`] epochs, each an unordered list of device indices, and for events further out, lists
//! of [`BLOCK`] epochs each, moved into the ring as a whole once the ring reaches past their last epoch.
//! Pushing and draining are O(1) and touch only the current bucket, where a binary heap of the whole chunk
//! cost a cache-missing sift per event (and the heap of far events, a sift per event moved: with ten million
//! devices those heaps no longer stayed in cache, and popping them grew to a tenth of the run). Results do not
//! depend on the order within a bucket: a chunk's records are sums and multisets (`metrics::tally`).
//!
//! An entry is a hint, not a promise: a device whose `next_event` moved leaves its old entry behind, and the
//! chunk skips entries whose device no longer has an event in the epoch being drained.

use crate::model::time::Time;

/// Epochs held in the ring (42.7 h at the default 5-minute collection evaluation).
pub const RING: usize = 512;

/// Epochs per list of far events: half the ring, so a list moves into the ring whole, when the ring first
/// reaches its end, while the ring's slots for its epochs are free.
pub const BLOCK: u64 = RING as u64 / 2;

/// Pending events of one chunk.
pub struct Calendar {
    epoch: Time,
    /// Epoch index of the ring's first live slot: slots hold epochs `[cursor, cursor + RING)`.
    cursor: u64,
    ring: Vec<Vec<u32>>,
    /// Far events, (time, device index), by block: `far[b]` holds epochs `[b·BLOCK, (b + 1)·BLOCK)`.
    far: Vec<Vec<(Time, u32)>>,
    /// Blocks before this one have been moved into the ring.
    moved: u64,
}

impl Calendar {
    /// An empty calendar with epochs of `epoch` seconds.
    pub fn new(epoch: Time) -> Self {
        Calendar {
            epoch: epoch.max(1),
            cursor: 0,
            ring: vec![Vec::new(); RING],
            far: Vec::new(),
            moved: 0,
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
            // Not yet moved: a block is moved once the ring reaches its end, and this epoch is past the ring.
            let b = (e / BLOCK) as usize;
            if self.far.len() <= b {
                self.far.resize_with(b + 1, Vec::new);
            }
            self.far[b].push((t, index));
        }
    }

    /// The entries of the epoch starting at `start` (the ring advances to it; far blocks that now fit move
    /// into the ring). Give the list back with [`Calendar::recycle`] to reuse its memory.
    pub fn drain(&mut self, start: Time) -> Vec<u32> {
        let k = self.epoch_of(start);
        self.cursor = k;
        // Every block whose last epoch is inside the ring `[k, k + RING)`.
        while (self.moved + 1) * BLOCK <= k + RING as u64 {
            let b = self.moved as usize;
            self.moved += 1;
            if let Some(block) = self.far.get_mut(b) {
                for (t, i) in std::mem::take(block) {
                    let e = self.epoch_of(t).max(k);
                    self.ring[(e % RING as u64) as usize].push(i);
                }
            }
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

    /// Random pushes, near and far, while draining epoch after epoch: every entry comes back exactly in the
    /// epoch of its time, once.
    #[test]
    fn every_entry_is_drained_in_its_epoch() {
        let epoch: Time = 300;
        let epochs = 8 * RING as u64;
        let mut c = Calendar::new(epoch);
        let mut want: std::collections::BTreeMap<u64, Vec<u32>> = Default::default();
        let mut state = 7u64;
        let mut next = |bound: u64| {
            state = crate::rng::mix64(state);
            state % bound
        };
        let mut id = 0u32;
        for k in 0..epochs {
            for _ in 0..next(4) {
                // Mostly near, sometimes several blocks ahead.
                let ahead = if next(3) == 0 {
                    next(4 * RING as u64)
                } else {
                    next(64)
                };
                let e = k + ahead;
                let t = (e * u64::from(epoch) + next(u64::from(epoch))) as Time;
                c.push(t, id);
                want.entry(e).or_default().push(id);
                id += 1;
            }
            let mut got = c.drain((k * u64::from(epoch)) as Time);
            got.sort_unstable();
            let expected = want.remove(&k).unwrap_or_default();
            assert_eq!(got, expected, "epoch {k}");
            c.recycle((k * u64::from(epoch)) as Time, got);
        }
    }
}
