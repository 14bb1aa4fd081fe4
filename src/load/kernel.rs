//! The walk kernel: where the load ledger spends most of its time.
//!
//! A million-device month is about thirty million device-days of polls and check-ins to count
//! (`book::LoadBook::periodic`): for each, the day's hash gives the window (`availability`), and the window
//! gives three counter cells — the catch-up request at its start, the first tick after it, and the first tick
//! at or after its end (where the strided difference array steps back down). The cells of a block of days
//! are computed here all at once — the same arithmetic lane by lane, which the compiler turns into vector
//! code — and then incremented one by one. The hash's 64-bit multiplications vectorize with AVX-512 (and,
//! emulated, with AVX2); the kernel is compiled for both and for plain x86-64, and the best one the
//! processor has is picked at run time. Every variant computes exactly the same integers (a test holds them
//! equal), so results do not depend on the machine.

use crate::model::availability::{intermittent_offsets_mixed, office_offsets_mixed};
use crate::model::time::{DAY, Time};

/// Days per block.
pub const BLOCK: usize = 32;

/// What one walk's days need besides the day, for a task whose period divides a day (so that its ticks fall
/// at the same offsets every day: tick `k` of day `d` is tick `d · ticks_per_day + k` of the run, at
/// `phase + k · period` from the day's midnight).
#[derive(Debug, Clone, Copy)]
pub struct Kernel {
    /// The device's day-hash key.
    pub key: u64,
    /// `period − phase`: the first tick after a start offset `s` is `(s + start_bias) / period`.
    pub start_bias: u32,
    /// `period − 1 − phase`: the first tick at or after an end offset `e` is `(e + end_bias) / period`.
    pub end_bias: u32,
    /// Division by the period, as a multiplication (see [`period_magic`]).
    pub period_magic: u64,
    /// Day 0's strided cell of tick 0.
    pub column: u32,
    /// Strided cells from one tick to the next.
    pub per_tick: u32,
    /// Strided cells per day.
    pub cells_per_day: u32,
    /// One-off buckets per day.
    pub buckets_per_day: u32,
    /// Division by the bucket length, as a multiplication (see [`bucket_magic`]).
    pub bucket_magic: u32,
    /// The bucket length less one: `x + bucket_round` divided by the bucket rounds up.
    pub bucket_round: u32,
}

/// The multiplier `m` such that `(x · m) >> 31 == x / bucket` for every `x` under 2¹⁷ (an offset within a
/// day, rounded up to the next bucket): `m = ⌊2³¹ / bucket⌋ + 1` errs by less than `x / 2³¹ < 2⁻¹⁴` over
/// `x / bucket`, which never reaches the next integer while `1 / bucket > 2⁻¹⁴`, i.e. for buckets up to
/// 16,384 s (a bucket divides an hour). Fits in 32
/// bits, so the product is one 32 × 32 → 64-bit lane multiplication.
pub fn bucket_magic(bucket: Time) -> u32 {
    debug_assert!((1..=16_384).contains(&bucket));
    ((1u64 << 31) / u64::from(bucket) + 1) as u32
}

/// Numerators the kernel divides by the period stay under 2¹⁸ (an offset within a day plus a period of at
/// most a day).
const PERIOD_SHIFT: u32 = 35;

/// The multiplier `m` such that `(x · m) >> 35 == x / period` for `x < 2¹⁸` and a period of at most a day
/// (`< 2¹⁷`): the same argument as [`bucket_magic`], the error staying under `2¹⁸ / 2³⁵ = 2⁻¹⁷ < 1 / period`.
pub fn period_magic(period: Time) -> u64 {
    debug_assert!((1..=DAY).contains(&period));
    (1u64 << PERIOD_SHIFT) / u64::from(period) + 1
}

/// The cells of a block of days.
#[derive(Debug, Clone)]
pub struct Cells {
    /// One-off bucket of the catch-up request at the window's start.
    pub catch_up: [u32; BLOCK],
    /// Strided cell of the first tick after the start.
    pub first: [u32; BLOCK],
    /// Strided cell of the first tick at or after the end.
    pub after_last: [u32; BLOCK],
    /// Whether the day has a window (1) or not (0).
    pub present: [u32; BLOCK],
    /// One-off bucket of the first bucket start at or after the window's start (where a CMG connection
    /// starts counting).
    pub opens: [u32; BLOCK],
    /// The same for the window's end (where it stops).
    pub closes: [u32; BLOCK],
}

impl Default for Cells {
    fn default() -> Self {
        Cells {
            catch_up: [0; BLOCK],
            first: [0; BLOCK],
            after_last: [0; BLOCK],
            present: [0; BLOCK],
            opens: [0; BLOCK],
            closes: [0; BLOCK],
        }
    }
}

/// Whose windows a block's days are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Days {
    /// Office hours (weekdays only: every day listed has a window).
    Office,
    /// Intermittent (any day; some have a window).
    Intermittent,
}

/// The cells of day `i` of a block; with `CONNECTED`, also where its window counts as a CMG connection.
#[inline(always)]
fn cells_of<const CONNECTED: bool>(
    k: &Kernel,
    i: usize,
    day: u32,
    start: Time,
    end: Time,
    out: &mut Cells,
) {
    let bucket = |x: Time| ((u64::from(x) * u64::from(k.bucket_magic)) >> 31) as u32;
    let day_bucket = day.wrapping_mul(k.buckets_per_day);
    out.catch_up[i] = day_bucket.wrapping_add(bucket(start));
    if CONNECTED {
        out.opens[i] = day_bucket.wrapping_add(bucket(start + k.bucket_round));
        out.closes[i] = day_bucket.wrapping_add(bucket(end + k.bucket_round));
    }
    let tick = |x: Time| ((u64::from(x) * k.period_magic) >> PERIOD_SHIFT) as u32;
    let cell = k.column.wrapping_add(day.wrapping_mul(k.cells_per_day));
    out.first[i] = cell.wrapping_add(tick(start + k.start_bias).wrapping_mul(k.per_tick));
    out.after_last[i] = cell.wrapping_add(tick(end + k.end_bias).wrapping_mul(k.per_tick));
}

#[inline(always)]
fn fill_any<const CONNECTED: bool>(
    which: Days,
    k: &Kernel,
    days: &[u32; BLOCK],
    parts: &[u64; BLOCK],
    out: &mut Cells,
) {
    match which {
        Days::Office => {
            for i in 0..BLOCK {
                let (start, end) = office_offsets_mixed(k.key, parts[i]);
                cells_of::<CONNECTED>(k, i, days[i], start, end, out);
                out.present[i] = 1;
            }
        }
        Days::Intermittent => {
            for i in 0..BLOCK {
                let (present, start, end) = intermittent_offsets_mixed(k.key, parts[i]);
                cells_of::<CONNECTED>(k, i, days[i], start, end, out);
                out.present[i] = u32::from(present);
            }
        }
    }
}

/// Which compilation of the kernel this processor runs. Only [`Isa::detect`] and [`Isa::available`] make
/// one, so a variant is only ever run where the processor has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Isa(Level);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
// Only x86-64 has more than the baseline.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
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

    /// The cells of `which` profile's days `days` (each with its `rng::day_part` in `parts`); with
    /// `CONNECTED`, also [`Cells::opens`] and [`Cells::closes`].
    #[inline]
    pub fn fill<const CONNECTED: bool>(
        self,
        which: Days,
        k: &Kernel,
        days: &[u32; BLOCK],
        parts: &[u64; BLOCK],
        out: &mut Cells,
    ) {
        match self.0 {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Isa::detect` found AVX-512 F, DQ and VL on this processor (an `Isa` is only made by
            // `detect`, or by `available`, which asks it).
            Level::Avx512 => unsafe { fill_avx512::<CONNECTED>(which, k, days, parts, out) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above, AVX2.
            Level::Avx2 => unsafe { fill_avx2::<CONNECTED>(which, k, days, parts, out) },
            _ => fill_any::<CONNECTED>(which, k, days, parts, out),
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl")]
fn fill_avx512<const CONNECTED: bool>(
    which: Days,
    k: &Kernel,
    days: &[u32; BLOCK],
    parts: &[u64; BLOCK],
    out: &mut Cells,
) {
    fill_any::<CONNECTED>(which, k, days, parts, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn fill_avx2<const CONNECTED: bool>(
    which: Days,
    k: &Kernel,
    days: &[u32; BLOCK],
    parts: &[u64; BLOCK],
    out: &mut Cells,
) {
    fill_any::<CONNECTED>(which, k, days, parts, out)
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
            for x in 0..DAY + bucket {
                assert_eq!(
                    ((u64::from(x) * m) >> 31) as Time,
                    x / bucket,
                    "{x} / {bucket}"
                );
            }
        }
    }

    #[test]
    fn the_period_magic_divides_every_numerator_exactly() {
        let divisors: Vec<Time> = (1..=DAY).filter(|p| DAY.is_multiple_of(*p)).collect();
        let mut x = 0u32;
        while x < 1 << 18 {
            for &p in &divisors {
                let m = period_magic(p);
                assert_eq!(
                    ((u64::from(x) * m) >> PERIOD_SHIFT) as Time,
                    x / p,
                    "{x} / {p}"
                );
            }
            // Every numerator near a multiple of an hour (where the divisions change), and a stride elsewhere.
            x += if x % 60 < 2 || x % 60 > 57 { 1 } else { 7 };
        }
    }

    #[test]
    fn every_variant_computes_the_same_cells() {
        let mut days = [0u32; BLOCK];
        let mut parts = [0u64; BLOCK];
        for (i, (d, p)) in days.iter_mut().zip(parts.iter_mut()).enumerate() {
            *d = 3 + i as u32;
            *p = day_part(*d);
        }
        for key in 0..200u64 {
            let key = mix64(key);
            let period = [HOUR, 8 * HOUR, 15 * 60, DAY][key as usize % 4];
            let phase = (key >> 20) as Time % period;
            let k = Kernel {
                key,
                start_bias: period - phase,
                end_bias: period - 1 - phase,
                period_magic: period_magic(period),
                column: 451,
                per_tick: 60,
                cells_per_day: 1_440,
                buckets_per_day: 1_440,
                bucket_magic: bucket_magic(60),
                bucket_round: 59,
            };
            for which in [Days::Office, Days::Intermittent] {
                let mut want = Cells::default();
                fill_any::<true>(which, &k, &days, &parts, &mut want);
                for isa in Isa::available() {
                    let mut got = Cells::default();
                    isa.fill::<true>(which, &k, &days, &parts, &mut got);
                    assert_eq!(got.catch_up, want.catch_up, "{isa:?}");
                    assert_eq!(got.first, want.first, "{isa:?}");
                    assert_eq!(got.after_last, want.after_last, "{isa:?}");
                    assert_eq!(got.present, want.present, "{isa:?}");
                    assert_eq!(got.opens, want.opens, "{isa:?}");
                    assert_eq!(got.closes, want.closes, "{isa:?}");
                }
            }
        }
    }
}
