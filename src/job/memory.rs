//! The memory guard: a job's estimated peak memory ([`crate::engine::estimate`]) checked against
//! `--max-memory` or the memory this process can actually get — the smallest of the machine's available
//! memory, its address-space limit (`ulimit -v`) and its cgroup's memory limit (a container's) — before
//! anything is simulated, so a job too big for its limits is refused with a message instead of aborting on a
//! failed allocation.

use crate::engine::estimate::MemoryEstimate;
use crate::units::human_bytes;

/// Why a memory size is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SizeError {
    /// No number in front.
    #[error("\"{0}\" is not a size; write e.g. 2GB, 500MB or 1.5GiB")]
    NotASize(String),
    /// A unit cofleet does not know.
    #[error("\"{text}\": unknown unit \"{unit}\"; use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB")]
    UnknownUnit {
        /// The size as given.
        text: String,
        /// The unit, lower-cased.
        unit: String,
    },
    /// Below one byte or above 1000 PB.
    #[error("\"{0}\" is out of range; a size is from 1 byte to 1000 PB")]
    OutOfRange(String),
}

/// Parses a memory size: a number with an optional unit — B, KB, MB, GB, TB (powers of 1000) or KiB, MiB,
/// GiB, TiB (powers of 1024), case-insensitive, optional space; a bare number is bytes. `2GB`, `500MB`,
/// `1.5GiB`. The value parser of `--max-memory`.
pub fn parse_size(text: &str) -> Result<u64, SizeError> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| SizeError::NotASize(text.to_string()))?;
    let unit = unit.trim().to_ascii_lowercase();
    let scale: f64 = match unit.as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => {
            return Err(SizeError::UnknownUnit {
                text: text.to_string(),
                unit,
            });
        }
    };
    let bytes = value * scale;
    if !(1.0..=1e18).contains(&bytes) {
        return Err(SizeError::OutOfRange(text.to_string()));
    }
    Ok(bytes as u64)
}

/// Memory the machine can give a new process without swapping (`MemAvailable` in /proc/meminfo); `None`
/// where it cannot be read.
pub fn available_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    kib_field(&info, "MemAvailable:")
}

/// A `Name:  123 kB` field of a /proc file, in bytes.
fn kib_field(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(name))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb.saturating_mul(1024))
}

/// Address space this process may still map: its `RLIMIT_AS` soft limit (`ulimit -v`) minus what it maps
/// already (`VmSize`); `None` when unlimited.
pub fn address_space_left() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one `rlimit` into the struct it is given, which lives across the call.
    if unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut limit) } != 0
        || limit.rlim_cur == libc::RLIM_INFINITY
    {
        return None;
    }
    let limit: u64 = limit.rlim_cur;
    let mapped = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| kib_field(&s, "VmSize:"))
        .unwrap_or(0);
    Some(limit.saturating_sub(mapped))
}

/// Memory this process's cgroup (v2) may still use: `memory.max` minus `memory.current` of the cgroup
/// /proc/self/cgroup names; `None` when there is no limit or no cgroup v2.
pub fn cgroup_memory_left() -> Option<u64> {
    let cgroups = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let path = cgroups.lines().find_map(|l| l.strip_prefix("0::"))?;
    let dir = std::path::Path::new("/sys/fs/cgroup").join(path.trim_start_matches('/'));
    let max = std::fs::read_to_string(dir.join("memory.max")).ok()?;
    let max: u64 = max.trim().parse().ok()?; // "max": no limit
    let current = std::fs::read_to_string(dir.join("memory.current"))
        .ok()
        .and_then(|c| c.trim().parse::<u64>().ok())
        .unwrap_or(0);
    Some(max.saturating_sub(current))
}

/// The tightest memory limit of this process, and where it comes from: the smallest of
/// [`available_memory`], [`address_space_left`] and [`cgroup_memory_left`]; `None` when none can be read,
/// and then only `--max-memory` is checked.
pub fn memory_limit() -> Option<(u64, &'static str)> {
    [
        available_memory().map(|m| (m, "the memory available on this machine (MemAvailable)")),
        address_space_left().map(|m| {
            (
                m,
                "the address space this process may still use (its memory limit, ulimit -v)",
            )
        }),
        cgroup_memory_left().map(|m| (m, "the memory its cgroup may still use (memory.max)")),
    ]
    .into_iter()
    .flatten()
    .min_by_key(|(bytes, _)| *bytes)
}

/// A job refused by the memory guard.
#[derive(Debug, thiserror::Error)]
#[error(
    "refusing to start: {what} needs an estimated {} of memory ({breakdown}), above {limit_source}: {}; \
     make it smaller, or pass --force to run anyway",
    human_bytes(*needed),
    human_bytes(*limit)
)]
pub struct MemoryError {
    /// The job ("this run", "this sweep of 12 runs").
    pub what: String,
    /// Estimated peak bytes.
    pub needed: u64,
    /// Where the estimate's bytes go.
    pub breakdown: String,
    /// The limit in bytes.
    pub limit: u64,
    /// Where the limit comes from (`--max-memory`, the available memory, `ulimit -v`, the cgroup).
    pub limit_source: &'static str,
}

/// The memory guard: refuses when `estimate` exceeds `max_memory` (bytes, `--max-memory`) or, without it,
/// the [`memory_limit`], unless `force`. `what` names the job ("this run", "this sweep of 12 runs").
pub fn check_memory(
    estimate: &MemoryEstimate,
    max_memory: Option<u64>,
    force: bool,
    what: &str,
) -> Result<(), MemoryError> {
    let limit = match max_memory {
        Some(bytes) => Some((bytes, "--max-memory")),
        None => memory_limit(),
    };
    match limit {
        Some((limit, limit_source)) if estimate.bytes > limit && !force => Err(MemoryError {
            what: what.to_string(),
            needed: estimate.bytes,
            breakdown: estimate.breakdown(),
            limit,
            limit_source,
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_decimal_and_binary_units() {
        assert_eq!(parse_size("2GB"), Ok(2_000_000_000));
        assert_eq!(parse_size("500 MB"), Ok(500_000_000));
        assert_eq!(parse_size("1.5GiB"), Ok(1_610_612_736));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("1mb"), Ok(1_000_000));
        for bad in ["", "GB", "2 parsecs", "0MB", "-1GB", "1e400", "1.2.3GB"] {
            assert!(parse_size(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(matches!(
            parse_size("2 parsecs"),
            Err(SizeError::UnknownUnit { unit, .. }) if unit == "parsecs"
        ));
        assert_eq!(
            parse_size("0MB"),
            Err(SizeError::OutOfRange("0MB".to_string()))
        );
    }

    #[test]
    fn the_limit_is_the_smallest_known_one() {
        if let Some((bytes, _)) = memory_limit() {
            for other in [
                available_memory(),
                address_space_left(),
                cgroup_memory_left(),
            ]
            .into_iter()
            .flatten()
            {
                assert!(bytes <= other);
            }
        }
        assert_eq!(kib_field("VmSize:\t  2 kB\n", "VmSize:"), Some(2048));
    }
}
