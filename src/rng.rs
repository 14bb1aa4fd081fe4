//! Per-device random streams (docs/model.md, engine principle 2).
//!
//! Every draw of device *d* comes from a ChaCha8 stream keyed by (scenario seed, d): the key is the seed
//! expanded to 256 bits, the stream number is *d*. Draws are addressed by *slot* (a 16-word ChaCha block), so
//! the value of a draw depends only on (seed, device, slot) — never on thread count, chunk order or on how many
//! other draws happened first. That is what makes results byte-identical for any `--threads` and shard split.
//!
//! Day-level availability jitter is the one exception: it is evaluated millions of times (every "when is this
//! device next online?" question), so it uses [`day_hash`], a counter-based SplitMix64 hash of
//! (seed, device, day) — equally a pure function of its key, at a hundredth of the cost of a ChaCha block.

/// Fixed slot numbers: what is drawn where in a device's stream. Generation-time draws come first; each
/// retried step owns a range of 65,536 slots, one per attempt.
pub mod slot {
    /// Draws made when the fleet is generated (sequential from here, at most 4 blocks).
    pub const GENERATION: u32 = 0;
    /// Hybrid Azure AD join attempt outcomes.
    pub const HYBRID_JOIN: u32 = 1 << 16;
    /// MDM enrollment attempt outcomes.
    pub const MDM_ENROLLMENT: u32 = 2 << 16;
    /// ConfigMgr client install attempt outcomes and durations.
    pub const CLIENT_INSTALL: u32 = 3 << 16;
    /// The device's access-token lifetime (conditional access without CAE); one draw per device.
    pub const CA_TOKEN: u32 = 4 << 16;
    /// Remote actions: one slot per `[[action]]` (targeting and act delay), by index in the scenario.
    pub const ACTION: u32 = 5 << 16;
    /// OS-deployment arrival times; one draw per device.
    pub const OSD_ARRIVAL: u32 = 6 << 16;
    /// Whether the device's ConfigMgr client health evaluation is broken; one draw per device.
    pub const CLIENT_HEALTH: u32 = 7 << 16;
    /// Compliance mechanics: whether the device is ever fixed, then its two times-to-fix; one draw each.
    pub const COMPLIANCE: u32 = 8 << 16;
    /// Re-enrollment attempt outcomes of a retired device that stays in the co-management collection.
    pub const REENROLLMENT: u32 = 32 << 16;
    /// Co-management enrollment of a path-1 client: its scope, token, VPN, readiness and return; one draw each
    /// (`model::enrollment`).
    pub const COMANAGEMENT: u32 = 9 << 16;
    /// `[[failure]]` codes: one draw per step (hybrid join, MDM enrollment, client install), in that order.
    pub const FAILURE_CODE: u32 = 10 << 16;
}

/// Expands a 64-bit seed into a 256-bit ChaCha key with SplitMix64.
fn key_from_seed(seed: u64) -> [u8; 32] {
    let mut state = seed;
    let mut key = [0u8; 32];
    for part in key.chunks_exact_mut(8) {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        part.copy_from_slice(&mix64(state).to_le_bytes());
    }
    key
}

/// SplitMix64's finaliser: a bijective 64-bit mixer.
pub const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The random stream of one device, positioned at a slot: ChaCha8 (Bernstein's variant: a 64-bit block
/// counter and a 64-bit stream number) over the seed's key, stream = the device, read as one sequence of
/// 32-bit words from block `slot` on — the words `rand_chacha`'s `ChaCha8Rng` gives after `set_stream(device)`
/// and `set_word_pos(slot · 16)`, a `u64` being two consecutive words, low first (a test holds them equal).
/// Computed here one 16-word block at a time: a device draws a few words at a slot, where the library
/// computes four blocks at once (a tenth of a million-device run went to setting up and refilling streams).
pub struct DeviceStream {
    key: [u32; 8],
    stream: u64,
    /// The block the next refill computes.
    block: u64,
    words: [u32; 16],
    /// Next unread word of `words` (16: none left).
    index: usize,
}

/// "expand 32-byte k".
const SIGMA: [u32; 4] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574];

/// ChaCha's quarter round on words `a, b, c, d` of `x`.
#[inline(always)]
fn quarter_round(x: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
    x[a] = x[a].wrapping_add(x[b]);
    x[d] = (x[d] ^ x[a]).rotate_left(16);
    x[c] = x[c].wrapping_add(x[d]);
    x[b] = (x[b] ^ x[c]).rotate_left(12);
    x[a] = x[a].wrapping_add(x[b]);
    x[d] = (x[d] ^ x[a]).rotate_left(8);
    x[c] = x[c].wrapping_add(x[d]);
    x[b] = (x[b] ^ x[c]).rotate_left(7);
}

/// Block `block` of stream `stream` under `key`, ChaCha with 8 rounds: with SSE2 (every x86-64 processor
/// has it) the state's four rows as four vectors, each round's four quarter rounds at once; elsewhere one
/// quarter round at a time. A test holds the two equal.
#[inline]
fn chacha8_block(key: &[u32; 8], stream: u64, block: u64) -> [u32; 16] {
    #[cfg(target_arch = "x86_64")]
    {
        sse2::chacha8_block(key, stream, block)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        chacha8_block_scalar(key, stream, block)
    }
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_add_epi32, _mm_loadu_si128, _mm_or_si128, _mm_set_epi32, _mm_shuffle_epi32,
        _mm_slli_epi32, _mm_srli_epi32, _mm_storeu_si128, _mm_xor_si128,
    };

    /// Each lane of `x` rotated left by `N` bits (`M` = 32 − `N`).
    #[inline(always)]
    fn rotl<const N: i32, const M: i32>(x: __m128i) -> __m128i {
        // SAFETY: SSE2 is part of x86-64; these intrinsics only compute on registers.
        unsafe { _mm_or_si128(_mm_slli_epi32::<N>(x), _mm_srli_epi32::<M>(x)) }
    }

    /// The four quarter rounds of one ChaCha round on rows `a, b, c, d` (columns, or diagonals once the rows
    /// are rotated).
    #[inline(always)]
    fn quarter_rounds(a: &mut __m128i, b: &mut __m128i, c: &mut __m128i, d: &mut __m128i) {
        // SAFETY: as in `rotl`.
        unsafe {
            *a = _mm_add_epi32(*a, *b);
            *d = rotl::<16, 16>(_mm_xor_si128(*d, *a));
            *c = _mm_add_epi32(*c, *d);
            *b = rotl::<12, 20>(_mm_xor_si128(*b, *c));
            *a = _mm_add_epi32(*a, *b);
            *d = rotl::<8, 24>(_mm_xor_si128(*d, *a));
            *c = _mm_add_epi32(*c, *d);
            *b = rotl::<7, 25>(_mm_xor_si128(*b, *c));
        }
    }

    pub fn chacha8_block(key: &[u32; 8], stream: u64, block: u64) -> [u32; 16] {
        let mut out = [0u32; 16];
        // SAFETY: SSE2 is part of x86-64; the unaligned loads and stores read `key` (8 words) and write `out`
        // (16 words) within their bounds.
        unsafe {
            let s = super::SIGMA;
            let in_a = _mm_set_epi32(s[3] as i32, s[2] as i32, s[1] as i32, s[0] as i32);
            let in_b = _mm_loadu_si128(key.as_ptr().cast());
            let in_c = _mm_loadu_si128(key.as_ptr().add(4).cast());
            let in_d = _mm_set_epi32(
                (stream >> 32) as i32,
                stream as i32,
                (block >> 32) as i32,
                block as i32,
            );
            let (mut a, mut b, mut c, mut d) = (in_a, in_b, in_c, in_d);
            for _ in 0..4 {
                quarter_rounds(&mut a, &mut b, &mut c, &mut d);
                // Diagonals into columns: row b by one lane, c by two, d by three.
                b = _mm_shuffle_epi32::<0b00_11_10_01>(b);
                c = _mm_shuffle_epi32::<0b01_00_11_10>(c);
                d = _mm_shuffle_epi32::<0b10_01_00_11>(d);
                quarter_rounds(&mut a, &mut b, &mut c, &mut d);
                b = _mm_shuffle_epi32::<0b10_01_00_11>(b);
                c = _mm_shuffle_epi32::<0b01_00_11_10>(c);
                d = _mm_shuffle_epi32::<0b00_11_10_01>(d);
            }
            let rows = [
                _mm_add_epi32(a, in_a),
                _mm_add_epi32(b, in_b),
                _mm_add_epi32(c, in_c),
                _mm_add_epi32(d, in_d),
            ];
            for (i, row) in rows.into_iter().enumerate() {
                _mm_storeu_si128(out.as_mut_ptr().add(4 * i).cast(), row);
            }
        }
        out
    }
}

/// [`chacha8_block`] one quarter round at a time.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn chacha8_block_scalar(key: &[u32; 8], stream: u64, block: u64) -> [u32; 16] {
    let input = [
        SIGMA[0],
        SIGMA[1],
        SIGMA[2],
        SIGMA[3],
        key[0],
        key[1],
        key[2],
        key[3],
        key[4],
        key[5],
        key[6],
        key[7],
        block as u32,
        (block >> 32) as u32,
        stream as u32,
        (stream >> 32) as u32,
    ];
    let mut x = input;
    for _ in 0..4 {
        quarter_round(&mut x, 0, 4, 8, 12);
        quarter_round(&mut x, 1, 5, 9, 13);
        quarter_round(&mut x, 2, 6, 10, 14);
        quarter_round(&mut x, 3, 7, 11, 15);
        quarter_round(&mut x, 0, 5, 10, 15);
        quarter_round(&mut x, 1, 6, 11, 12);
        quarter_round(&mut x, 2, 7, 8, 13);
        quarter_round(&mut x, 3, 4, 9, 14);
    }
    std::array::from_fn(|i| x[i].wrapping_add(input[i]))
}

/// Precomputed key material for a scenario seed (expanding the seed once per run, not per draw).
#[derive(Clone, Copy, Debug)]
pub struct SeedKey {
    /// The ChaCha key, as its eight little-endian words.
    key: [u32; 8],
    /// A 64-bit digest of the seed for [`day_hash`].
    pub hash_key: u64,
}

impl SeedKey {
    /// Key material for `seed`.
    pub fn new(seed: u64) -> Self {
        let bytes = key_from_seed(seed);
        SeedKey {
            key: std::array::from_fn(|i| {
                u32::from_le_bytes([
                    bytes[4 * i],
                    bytes[4 * i + 1],
                    bytes[4 * i + 2],
                    bytes[4 * i + 3],
                ])
            }),
            hash_key: mix64(seed ^ 0xC0F1_EE70_0000_0001),
        }
    }

    /// Device `device`'s stream, positioned at `slot`.
    pub fn stream(&self, device: u32, slot: u32) -> DeviceStream {
        DeviceStream {
            key: self.key,
            stream: u64::from(device),
            block: u64::from(slot),
            words: [0; 16],
            index: 16,
        }
    }

    /// Per-device key for [`day_hash`].
    pub fn device_key(&self, device: u32) -> u64 {
        mix64(self.hash_key ^ mix64(u64::from(device).wrapping_add(0x5851_F42D_4C95_7F2D)))
    }
}

impl DeviceStream {
    /// The next 32-bit word of the stream.
    #[inline]
    fn next_word(&mut self) -> u32 {
        if self.index >= 16 {
            self.words = chacha8_block(&self.key, self.stream, self.block);
            self.block = self.block.wrapping_add(1);
            self.index = 0;
        }
        let word = self.words[self.index];
        self.index += 1;
        word
    }

    /// The next two words, the first as the low half.
    #[inline]
    fn next_u64(&mut self) -> u64 {
        let lo = self.next_word();
        let hi = self.next_word();
        (u64::from(hi) << 32) | u64::from(lo)
    }

    /// A uniform `f64` in [0, 1) with 53 bits of precision.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform `u32`.
    pub fn next_u32(&mut self) -> u32 {
        self.next_word()
    }

    /// A uniform integer in `[0, n)` (`n > 0`), by Lemire's multiply-shift (bias < n / 2^64).
    pub fn below(&mut self, n: u32) -> u32 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u32
    }

    /// `true` with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.uniform() < p
    }
}

/// The device-independent half of [`day_hash`].
const fn day_mix(day: u32) -> u64 {
    mix64((day as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
}

/// Days whose [`day_mix`] is tabulated: a year and a half, past any rollout the benchmarks run. Availability is
/// looked up per device and day for every periodic task the load ledger counts, so this halves the hashing.
const DAY_MIX_DAYS: usize = 512;

static DAY_MIX: [u64; DAY_MIX_DAYS] = {
    let mut table = [0u64; DAY_MIX_DAYS];
    let mut day = 0;
    while day < DAY_MIX_DAYS {
        table[day] = day_mix(day as u32);
        day += 1;
    }
    table
};

/// The device-independent half of [`day_hash`] for `day`: `day_hash(key, day) == mixed_day_hash(key,
/// day_part(day))`. The load ledger tabulates it for the days of a run and hashes many devices' days from the
/// table.
#[inline]
pub fn day_part(day: u32) -> u64 {
    match DAY_MIX.get(day as usize) {
        Some(&m) => m,
        None => day_mix(day),
    }
}

/// [`day_hash`] from the day's [`day_part`].
#[inline(always)]
pub fn mixed_day_hash(device_key: u64, day_part: u64) -> u64 {
    mix64(device_key ^ day_part)
}

/// A pure hash of (device key, day) for day-level availability jitter.
#[inline]
pub fn day_hash(device_key: u64, day: u32) -> u64 {
    mixed_day_hash(device_key, day_part(day))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabulated_day_hash_equals_the_formula() {
        for day in [0u32, 1, 511, 512, 513, 40_000] {
            let direct = mix64(
                77 ^ mix64(
                    u64::from(day).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03,
                ),
            );
            assert_eq!(day_hash(77, day), direct, "day {day}");
        }
    }

    /// The stream is `rand_chacha`'s ChaCha8 word for word: every seed, device and slot tried, through
    /// several blocks and across the library's four-block buffer, with 32- and 64-bit draws mixed (a 64-bit
    /// draw straddling a block boundary included).
    #[test]
    fn streams_are_rand_chacha_chacha8() {
        use rand_chacha::ChaCha8Rng;
        use rand_chacha::rand_core::{Rng, SeedableRng};
        for seed in [0u64, 7, 42, u64::MAX] {
            let keys = SeedKey::new(seed);
            for device in [0u32, 1, 4_095, 1_000_003, u32::MAX] {
                for slot in [0u32, 1, 3, 1 << 16, (9 << 16) + 5, u32::MAX - 2] {
                    let mut want = ChaCha8Rng::from_seed(key_from_seed(seed));
                    want.set_stream(u64::from(device));
                    want.set_word_pos(u128::from(slot) * 16);
                    let mut got = keys.stream(device, slot);
                    let mut pattern = mix64(u64::from(device) ^ u64::from(slot) ^ seed);
                    for draw in 0..150 {
                        pattern = mix64(pattern);
                        if pattern & 1 == 0 {
                            assert_eq!(
                                got.next_u32(),
                                want.next_u32(),
                                "seed {seed} device {device} slot {slot} draw {draw}"
                            );
                        } else {
                            assert_eq!(
                                got.next_u64(),
                                want.next_u64(),
                                "seed {seed} device {device} slot {slot} draw {draw}"
                            );
                        }
                    }
                }
            }
        }
    }

    /// The vector block function computes the scalar one's words.
    #[test]
    fn block_function_variants_agree() {
        let keys = SeedKey::new(99);
        for (stream, block) in [
            (0u64, 0u64),
            (1, 2),
            (u64::MAX, 7),
            (123_456, u64::MAX),
            (5, 1 << 32),
        ] {
            assert_eq!(
                chacha8_block(&keys.key, stream, block),
                chacha8_block_scalar(&keys.key, stream, block),
                "stream {stream} block {block}"
            );
        }
    }

    #[test]
    fn draws_depend_only_on_seed_device_and_slot() {
        let k = SeedKey::new(42);
        let a: Vec<u32> = (0..5).map(|_| k.stream(7, 3).next_u32()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut s = k.stream(7, 3);
        let first = s.next_u32();
        let second = s.next_u32();
        assert_ne!(first, second);
        assert_ne!(k.stream(8, 3).next_u32(), first);
        assert_ne!(k.stream(7, 4).next_u32(), first);
        assert_ne!(SeedKey::new(43).stream(7, 3).next_u32(), first);
    }

    #[test]
    fn uniform_and_below_are_in_range_and_roughly_uniform() {
        let k = SeedKey::new(1);
        let mut s = k.stream(0, 0);
        let n = 100_000;
        let mut sum = 0.0;
        for _ in 0..n {
            let u = s.uniform();
            assert!((0.0..1.0).contains(&u));
            sum += u;
            assert!(s.below(10) < 10);
        }
        assert!((sum / n as f64 - 0.5).abs() < 0.01);
    }
}
