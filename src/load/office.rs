//! The office-hours walk kernel: where the load ledger spends most of its time.
//!
//! A million-device month is about thirty million office-hours device-days of polls and check-ins to count
//! (`book::LoadBook::periodic`). For each, the day's hash gives the window (`availability`), and the window
//! gives three counter cells: the catch-up request at its start, the first tick after it, the tick after its
//! last (`book::OfficeTicks`). The cells of a block of days are computed here all at once — the same
//! arithmetic lane by lane, which the compiler turns into vector code — and then incremented one by one. The
//! hash's 64-bit multiplications vectorize with AVX-512 (and, emulated, with AVX2); the kernel is compiled for
//! both and for plain x86-64, and the best one the processor has is picked at run time. Every variant computes
//! exactly the same integers (a test holds them equal), so results do not depend on the machine.

use crate::model::availability::office_offsets_mixed;
use crate::model::time::Time;

/// Days per block.
pub const BLOCK: usize = 32;

/// What one walk's office-hours days need, besides the day: see `book::OfficeTicks`.
#[derive(Debug, Clone, Copy)]
pub struct Kernel {
    /// The device's day-hash key.
    pub key: u64,
    /// The first tick after the earliest start (an offset from midnight).
    pub after_start: Time,
    /// The first tick at or after the earliest end.
    pub from_end: Time,
    /// Day 0's strided cell of the tick at `after_start` (the tick after it is `per_tick` cells on).
    pub first: u32,
    /// Day 0's strided cell of the tick at `from_end`.
    pub after_last: u32,
    /// Strided cells from one tick to the next.
    pub per_tick: u32,
    /// Strided cells per day.
    pub cells_per_day: u32,
    /// One-off buckets per day.
    pub buckets_per_day: u32,
    /// Division by the bucket length of an offset within a day, as a multiplication (see [`bucket_magic`]).
    pub bucket_magic: u32,
}

/// The multiplier `m` such that `(x · m) >> 31 == x / bucket` for every offset `x` within a day: `m =
/// ⌊2³¹ / bucket⌋ + 1` errs by less than `x / 2³¹ < 2⁻¹⁴` over `x / bucket`, which never reaches the next
/// integer while `1 / bucket > 2⁻¹⁴`, i.e. for buckets up to 16,384 s (a bucket divides an hour). Fits in 32
/// bits, so the product is one 32 × 32 → 64-bit lane multiplication.
pub fn bucket_magic(bucket: Time) -> u32 {
    debug_assert!((1..=16_384).contains(&bucket));
    ((1u64 << 31) / u64::from(bucket) + 1) as u32
}

/// The cells of a block of days: the catch-up bucket, the first tick's cell and the cell after the last tick.
#[derive(Debug, Clone)]
pub struct Cells {
    /// One-off bucket of the catch-up request at the window's start.
    pub catch_up: [u32; BLOCK],
    /// Strided cell of the first tick after the start.
    pub first: [u32; BLOCK],
    /// Strided cell of the first tick at or after the end.
    pub after_last: [u32; BLOCK],
}

impl Default for Cells {
    fn default() -> Self {
        Cells {
            catch_up: [0; BLOCK],
            first: [0; BLOCK],
            after_last: [0; BLOCK],
        }
    }
}

#[inline(always)]
fn fill_any(k: &Kernel, days: &[u32; BLOCK], parts: &[u64; BLOCK], out: &mut Cells) {
    for i in 0..BLOCK {
        let (start, end) = office_offsets_mixed(k.key, parts[i]);
        let day = days[i];
        out.catch_up[i] = day
            .wrapping_mul(k.buckets_per_day)
            .wrapping_add(((u64::from(start) * u64::from(k.bucket_magic)) >> 31) as u32);
        let cell = day.wrapping_mul(k.cells_per_day);
        out.first[i] = cell
            .wrapping_add(k.first)
            .wrapping_add(if start >= k.after_start {
                k.per_tick
            } else {
                0
            });
        out.after_last[i] = cell
            .wrapping_add(k.after_last)
            .wrapping_add(if end > k.from_end { k.per_tick } else { 0 });
    }
}

/// Which compilation of the kernel this processor runs. Only [`Isa::detect`] and [`Isa::available`] make
/// one, so a variant is only ever run where the processor has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Isa(Level);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    /// Plain x86-64 (or another architecture).
    Baseline,
    /// AVX2.
    Avx2,
    /// AVX-512 with 64-bit lane multiplications (F, DQ, VL).
    Avx512,
}

impl Isa {
    /// The best the running processor has.
    pub fn detect() -> Isa {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512dq")
                && std::arch::is_x86_feature_detected!("avx512vl")
            {
                return Isa(Level::Avx512);
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                return Isa(Level::Avx2);
            }
        }
        Isa(Level::Baseline)
    }

    /// Every variant this processor can run (for tests).
    pub fn available() -> Vec<Isa> {
        let levels = match Isa::detect().0 {
            Level::Avx512 => vec![Level::Baseline, Level::Avx2, Level::Avx512],
            Level::Avx2 => vec![Level::Baseline, Level::Avx2],
            Level::Baseline => vec![Level::Baseline],
        };
        levels.into_iter().map(Isa).collect()
    }

    /// The cells of the office-hours days `days` (each with its `rng::day_part` in `parts`).
    #[inline]
    pub fn fill(self, k: &Kernel, days: &[u32; BLOCK], parts: &[u64; BLOCK], out: &mut Cells) {
        match self.0 {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Isa::detect` found AVX-512 F, DQ and VL on this processor (an `Isa` is only made by
            // `detect`, or by `available`, which asks it).
            Level::Avx512 => unsafe { fill_avx512(k, days, parts, out) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above, AVX2.
            Level::Avx2 => unsafe { fill_avx2(k, days, parts, out) },
            _ => fill_any(k, days, parts, out),
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl")]
fn fill_avx512(k: &Kernel, days: &[u32; BLOCK], parts: &[u64; BLOCK], out: &mut Cells) {
    fill_any(k, days, parts, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn fill_avx2(k: &Kernel, days: &[u32; BLOCK], parts: &[u64; BLOCK], out: &mut Cells) {
    fill_any(k, days, parts, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::time::{DAY, HOUR};
    use crate::rng::{day_part, mix64};

    #[test]
    fn the_bucket_magic_divides_every_offset_of_a_day_exactly() {
        for bucket in (1..=HOUR).filter(|b| HOUR.is_multiple_of(*b)) {
            let m = u64::from(bucket_magic(bucket));
            for x in 0..DAY {
                assert_eq!(
                    ((u64::from(x) * m) >> 31) as Time,
                    x / bucket,
                    "{x} / {bucket}"
                );
            }
        }
    }

    #[test]
    fn every_variant_computes_the_same_cells() {
        let mut days = [0u32; BLOCK];
        let mut parts = [0u64; BLOCK];
        for (i, (d, p)) in days.iter_mut().zip(parts.iter_mut()).enumerate() {
            *d = 3 + 7 * i as u32 / 5;
            *p = day_part(*d);
        }
        for key in 0..200u64 {
            let key = mix64(key);
            let k = Kernel {
                key,
                after_start: 27_000 + (key % 3_600) as Time,
                from_end: 63_000 + (key >> 20) as Time % 3_600,
                first: 451,
                after_last: 1_051,
                per_tick: 60,
                cells_per_day: 1_440,
                buckets_per_day: 1_440,
                bucket_magic: bucket_magic(60),
            };
            let mut want = Cells::default();
            fill_any(&k, &days, &parts, &mut want);
            for isa in Isa::available() {
                let mut got = Cells::default();
                isa.fill(&k, &days, &parts, &mut got);
                assert_eq!(got.catch_up, want.catch_up, "{isa:?}");
                assert_eq!(got.first, want.first, "{isa:?}");
                assert_eq!(got.after_last, want.after_last, "{isa:?}");
            }
        }
    }
}
