//! The memory guard: a job's estimated peak memory ([`crate::engine::estimate`]) checked against
//! `--max-memory` or the memory this machine has available, before anything is simulated.

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
/// where it cannot be read, and then only `--max-memory` is checked.
pub fn available_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb.saturating_mul(1024))
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
    /// Where the limit comes from (`--max-memory`, the available memory).
    pub limit_source: &'static str,
}

/// The memory guard: refuses when `estimate` exceeds `max_memory` (bytes, `--max-memory`) or, without it,
/// the available memory, unless `force`. `what` names the job ("this run", "this sweep of 12 runs").
pub fn check_memory(
    estimate: &MemoryEstimate,
    max_memory: Option<u64>,
    force: bool,
    what: &str,
) -> Result<(), MemoryError> {
    let limit = match max_memory {
        Some(bytes) => Some((bytes, "--max-memory")),
        None => {
            available_memory().map(|m| (m, "the memory available on this machine (MemAvailable)"))
        }
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
}
