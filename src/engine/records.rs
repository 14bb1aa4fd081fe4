//! A chunk's device records, in memory the processor can address through huge pages.
//!
//! An epoch's due devices are a sparse subset of a chunk's records, so nearly every one the step loads is on a
//! different 4 KB page: a million devices' 64 MB of records are 16,384 pages, several times what the
//! processor's address-translation cache holds, and each load (and each prefetch) waited for a page walk as
//! well as for memory. A chunk of 32,768 records is 2 MB, one huge page: its records are mapped on their own,
//! aligned to 2 MB, and the kernel is asked to back them with a huge page (`madvise(MADV_HUGEPAGE)`; Linux's
//! transparent huge pages, in their default `madvise` mode — nothing changes where they are off). Smaller
//! chunks (fleets under `chunk::LARGE_FLEET`) and other systems keep an ordinary allocation. Which memory holds
//! the records changes no result.

use std::ops::{Deref, DerefMut};

use crate::model::device::Device;

/// The huge page size the records are aligned to (x86-64 and most 64-bit ARM kernels).
const HUGE: usize = 2 << 20;

/// A chunk's records: a boxed slice, or a mapping of their own.
pub struct Records(Memory);

enum Memory {
    Heap(Box<[Device]>),
    #[cfg(target_os = "linux")]
    Mapped(Mapping),
}

impl Records {
    /// The records `make(0), make(1), …, make(len − 1)`, made in that order.
    pub fn collect(len: usize, make: impl FnMut(usize) -> Device) -> Records {
        #[cfg(target_os = "linux")]
        if len * std::mem::size_of::<Device>() >= HUGE
            && let Some(mapping) = Mapping::new(len)
        {
            return Records(Memory::Mapped(mapping.fill(len, make)));
        }
        Records(Memory::Heap((0..len).map(make).collect()))
    }
}

impl Deref for Records {
    type Target = [Device];

    fn deref(&self) -> &[Device] {
        match &self.0 {
            Memory::Heap(records) => records,
            #[cfg(target_os = "linux")]
            Memory::Mapped(mapping) => mapping.records(),
        }
    }
}

impl DerefMut for Records {
    fn deref_mut(&mut self) -> &mut [Device] {
        match &mut self.0 {
            Memory::Heap(records) => records,
            #[cfg(target_os = "linux")]
            Memory::Mapped(mapping) => mapping.records_mut(),
        }
    }
}

/// An anonymous mapping aligned to [`HUGE`], holding `len` records once filled.
#[cfg(target_os = "linux")]
struct Mapping {
    start: std::ptr::NonNull<Device>,
    len: usize,
    /// Bytes mapped: the records' size rounded up to whole huge pages.
    bytes: usize,
}

// SAFETY: a `Mapping` owns its memory exclusively, as a `Box<[Device]>` does; `Device` is `Send` and `Sync`.
#[cfg(target_os = "linux")]
unsafe impl Send for Mapping {}
// SAFETY: as above; shared access only reads through `records`.
#[cfg(target_os = "linux")]
unsafe impl Sync for Mapping {}

#[cfg(target_os = "linux")]
impl Mapping {
    /// Maps room for `len` records at a huge-page boundary (`None` if the system refuses: the caller
    /// allocates ordinarily).
    fn new(len: usize) -> Option<Mapping> {
        let bytes = (len * std::mem::size_of::<Device>()).div_ceil(HUGE) * HUGE;
        // One huge page more than needed, so that an aligned start lies inside; the rest is unmapped again.
        let span = bytes + HUGE;
        // SAFETY: a fresh private anonymous mapping; no existing memory is touched.
        let raw = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                span,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if raw == libc::MAP_FAILED {
            return None;
        }
        let base = raw as usize;
        let aligned = base.next_multiple_of(HUGE);
        let (head, tail) = (aligned - base, base + span - (aligned + bytes));
        // SAFETY: both ranges lie inside the mapping just made and outside the part kept; page-aligned,
        // since the mapping's start and `HUGE` are.
        unsafe {
            if head > 0 {
                libc::munmap(raw, head);
            }
            if tail > 0 {
                libc::munmap((aligned + bytes) as *mut libc::c_void, tail);
            }
            // A hint: refused (huge pages off, an old kernel), the records live in ordinary pages.
            libc::madvise(aligned as *mut libc::c_void, bytes, libc::MADV_HUGEPAGE);
        }
        Some(Mapping {
            start: std::ptr::NonNull::new(aligned as *mut Device)?,
            len: 0,
            bytes,
        })
    }

    /// Writes records `make(0)…make(len − 1)` in order (`len` as given to [`Mapping::new`]).
    fn fill(mut self, len: usize, mut make: impl FnMut(usize) -> Device) -> Mapping {
        debug_assert!(len * std::mem::size_of::<Device>() <= self.bytes);
        for i in 0..len {
            // SAFETY: `i` is within the mapping (`new` sized it for `len`); each slot is written once,
            // before `len` counts it as readable.
            unsafe { self.start.as_ptr().add(i).write(make(i)) };
            self.len = i + 1;
        }
        self
    }

    fn records(&self) -> &[Device] {
        // SAFETY: the first `len` records are written; the mapping lives as long as `self`.
        unsafe { std::slice::from_raw_parts(self.start.as_ptr(), self.len) }
    }

    fn records_mut(&mut self) -> &mut [Device] {
        // SAFETY: as in `records`, borrowed mutably through `&mut self` only.
        unsafe { std::slice::from_raw_parts_mut(self.start.as_ptr(), self.len) }
    }
}

#[cfg(target_os = "linux")]
impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: the range is exactly the part of the mapping `new` kept; `Device` needs no drop.
        unsafe {
            libc::munmap(self.start.as_ptr().cast(), self.bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;

    /// The records are the ones made, in order, however they are held: a chunk of 32,768 (mapped on Linux,
    /// at a huge-page boundary), a partial last chunk over a huge page, and a small chunk on the heap.
    #[test]
    fn records_hold_what_was_made_in_order() {
        let text = "name = \"records\"\nseed = 3\nduration = \"1d\"\n[fleet]\ndevices = 40000\n";
        let model = Model::new(crate::scenario::parse(text, "records.toml").unwrap());
        let mut tally = crate::metrics::tally::Tally::new(model.scenario.duration, 0);
        for len in [32_768usize, 33_000, 100] {
            let made: Vec<Device> = (0..len)
                .map(|i| {
                    let mut rec = crate::engine::record::ThreadRecorder::new(&mut tally, None);
                    Device::generate(i as u32, &model, &mut rec)
                })
                .collect();
            let records = Records::collect(len, |i| made[i]);
            assert_eq!(records.len(), len);
            let same = records
                .iter()
                .zip(&made)
                .all(|(a, b)| format!("{a:?}") == format!("{b:?}"));
            assert!(same, "{len} records");
            #[cfg(target_os = "linux")]
            if len >= 32_768 {
                assert_eq!(records.as_ptr() as usize % HUGE, 0, "{len} records");
            }
        }
    }
}
