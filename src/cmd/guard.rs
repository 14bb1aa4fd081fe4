//! Guards that keep `run` and `sweep` from lying or hurting the machine (issue 8): the overwrite policy for an
//! existing results folder, the memory guard (an estimate checked against `--max-memory`, or against the
//! memory the machine has available, the control group's limit and the address-space limit), and the
//! Ctrl-C / SIGTERM stop flag the engine polls.
//!
//! They live at the command layer because each is a policy about the user's files, flags and process; the
//! estimate itself is clap-free ([`crate::engine::estimate`]).

use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::AtomicBool;

use super::Failure;
use crate::engine::estimate::MemoryEstimate;
use crate::units::human_bytes;

/// Exit code of a run stopped by Ctrl-C or SIGTERM (128 + SIGINT, the shell's convention).
pub const INTERRUPTED: u8 = 130;

/// Set by the Ctrl-C / SIGTERM handler; the engine stops at the next chunk or epoch once it is set.
static STOP: AtomicBool = AtomicBool::new(false);

/// The stop flag, installing the signal handler on first use. Installing replaces the default "die at once"
/// reaction to SIGINT/SIGTERM, so the process can remove what it started and say how far it got. When the
/// handler cannot be installed (another one owns the signals, as in a test harness), the flag still exists;
/// it is just never set, and the default reaction stays.
pub fn stop_flag() -> &'static AtomicBool {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let _ = ctrlc::set_handler(|| STOP.store(true, std::sync::atomic::Ordering::SeqCst));
    });
    &STOP
}

/// Whether a stop was requested (after [`stop_flag`] installed the handler).
pub fn stop_requested() -> bool {
    STOP.load(std::sync::atomic::Ordering::SeqCst)
}

/// The failure of an interrupted command: exit 130, and what was (not) kept.
pub fn interrupted(how_far: String) -> Failure {
    Failure {
        code: INTERRUPTED,
        message: format!(
            "interrupted: {how_far}; nothing was written (no results folder, no temporary folder)"
        ),
    }
}

/// What kind of results folder `run` or `sweep` is about to write, for the overwrite policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A `cofleet run` folder: `summary.json` at its top.
    Run,
    /// A `cofleet sweep` folder: `variants/<name>/summary.json` for every variant.
    Sweep,
}

/// The overwrite policy: an existing `out` is replaced only when it is empty or a complete cofleet results
/// folder of the same kind and the same scenario name (so re-running a scenario, `scripts/update-baselines.sh`
/// and `.ci/run` keep working), or with `--force`. Anything else — a folder with other content, an unfinished
/// run, another scenario's results — is refused: a typo in `--out` must not delete someone's files.
pub fn check_overwrite(out: &Path, scenario: &str, kind: Kind, force: bool) -> Result<(), Failure> {
    if !out.exists() {
        return Ok(());
    }
    if !out.is_dir() {
        return Err(Failure::bad_input(format!(
            "{}: --out exists and is not a folder",
            out.display()
        )));
    }
    if force {
        return Ok(());
    }
    let empty = std::fs::read_dir(out)
        .map(|mut d| d.next().is_none())
        .map_err(|e| {
            Failure::bad_input(format!(
                "{}: cannot read the existing folder: {e}",
                out.display()
            ))
        })?;
    if empty {
        return Ok(());
    }
    match results_identity(out, kind) {
        Ok(found) if found == scenario => Ok(()),
        Ok(found) => Err(Failure::bad_input(format!(
            "{}: holds the results of scenario \"{found}\", not \"{scenario}\"; refusing to replace them \
             (choose another --out, or pass --force to replace them)",
            out.display()
        ))),
        Err(why) => Err(Failure::bad_input(format!(
            "{}: exists and is not a complete cofleet {} results folder ({why}); refusing to replace it \
             (choose another --out, or pass --force to replace it)",
            out.display(),
            match kind {
                Kind::Run => "run",
                Kind::Sweep => "sweep",
            }
        ))),
    }
}

/// The scenario name of a complete results folder of `kind`, or why it is not one.
fn results_identity(dir: &Path, kind: Kind) -> Result<String, String> {
    match kind {
        Kind::Run => complete_summary_scenario(&dir.join("summary.json")),
        Kind::Sweep => {
            let variants = dir.join("variants");
            if !variants.exists()
                && let Some(name) = empty_shard_scenario(dir)
            {
                return Ok(name);
            }
            let mut entries: Vec<_> = std::fs::read_dir(&variants)
                .map_err(|_| "no variants/ folder".to_string())?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .collect();
            entries.sort();
            let mut name = None;
            for entry in entries {
                let found = complete_summary_scenario(&entry.join("summary.json"))?;
                name.get_or_insert(found);
            }
            name.ok_or_else(|| "variants/ is empty".to_string())
        }
    }
}

/// The scenario of a shard folder that owns no runs (a shard of a sweep with fewer runs than shards):
/// only its `shard.json`, with an empty `runs` list, and no `variants/` — complete as it is.
fn empty_shard_scenario(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join(crate::sweep::shard::MARKER)).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    if !value.get("runs")?.as_array()?.is_empty() {
        return None;
    }
    value
        .get("plan")?
        .get("scenario")?
        .as_str()
        .map(String::from)
}

/// The `scenario` of a `summary.json` that parses and says `"complete": true`.
fn complete_summary_scenario(file: &Path) -> Result<String, String> {
    let text =
        std::fs::read_to_string(file).map_err(|_| format!("no readable {}", file.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|_| format!("{} is not JSON", file.display()))?;
    if value.get("complete") != Some(&serde_json::Value::Bool(true)) {
        return Err(format!("{} lacks \"complete\": true", file.display()));
    }
    value
        .get("scenario")
        .and_then(serde_json::Value::as_str)
        .map(String::from)
        .ok_or_else(|| format!("{} names no scenario", file.display()))
}

/// Parses a memory size: a number with an optional unit — B, KB, MB, GB, TB (powers of 1000) or KiB, MiB,
/// GiB, TiB (powers of 1024), case-insensitive, optional space; a bare number is bytes. `2GB`, `500MB`,
/// `1.5GiB`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("\"{text}\" is not a size; write e.g. 2GB, 500MB or 1.5GiB"))?;
    let scale: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        other => {
            return Err(format!(
                "\"{text}\": unknown unit \"{other}\"; use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB"
            ));
        }
    };
    let bytes = value * scale;
    if !(1.0..=1e18).contains(&bytes) {
        return Err(format!(
            "\"{text}\" is out of range; a size is from 1 byte to 1000 PB"
        ));
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

/// What this process may still allocate under its address-space limit (`ulimit -v`, `RLIMIT_AS`): the limit
/// less the address space already mapped; `None` without a limit or where `/proc` cannot be read.
pub fn address_space_left() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max address space"))?;
    let soft: u64 = line
        .trim_start_matches("Max address space")
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(soft.saturating_sub(status_kb("VmSize:").unwrap_or(0).saturating_mul(1024)))
}

/// What the control group of this process may still use (cgroup v2 `memory.max` less `memory.current`, or
/// v1 `memory.limit_in_bytes` less `memory.usage_in_bytes`); `None` without a limit.
pub fn cgroup_memory_left() -> Option<u64> {
    let read =
        |path: &str| -> Option<u64> { std::fs::read_to_string(path).ok()?.trim().parse().ok() };
    let (limit, used) = match read("/sys/fs/cgroup/memory.max") {
        Some(limit) => (limit, read("/sys/fs/cgroup/memory.current")),
        None => (
            read("/sys/fs/cgroup/memory/memory.limit_in_bytes")?,
            read("/sys/fs/cgroup/memory/memory.usage_in_bytes"),
        ),
    };
    // cgroup v1 writes "no limit" as a number near 2⁶³.
    (limit < 1 << 60).then(|| limit.saturating_sub(used.unwrap_or(0)))
}

fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The tightest of the limits the machine and the process's environment set: the memory available, the
/// control group's limit and the address-space limit, with what each is called in a message.
fn machine_limit() -> Option<(u64, &'static str)> {
    [
        available_memory().map(|m| (m, "the memory available on this machine (MemAvailable)")),
        cgroup_memory_left().map(|m| (m, "what this process's control group may still use")),
        address_space_left().map(|m| {
            (
                m,
                "the address space left under this process's limit (ulimit -v)",
            )
        }),
    ]
    .into_iter()
    .flatten()
    .min_by_key(|(m, _)| *m)
}

/// The memory guard: refuses (exit 2) when `estimate` exceeds `--max-memory` or the available memory, unless
/// `force`. `what` names the job ("this run", "this sweep of 12 runs").
pub fn check_memory(
    estimate: &MemoryEstimate,
    max_memory: Option<&str>,
    force: bool,
    what: &str,
) -> Result<(), Failure> {
    let limit = match max_memory {
        Some(text) => Some((
            parse_size(text).map_err(|e| Failure::bad_input(format!("--max-memory: {e}")))?,
            "--max-memory",
        )),
        None => machine_limit(),
    };
    match limit {
        Some((limit, source)) if estimate.bytes > limit && !force => {
            Err(Failure::bad_input(format!(
                "refusing to start: {what} needs an estimated {} of memory ({}), above {source}: {}; \
             make it smaller, or pass --force to run anyway",
                human_bytes(estimate.bytes),
                estimate.breakdown(),
                human_bytes(limit)
            )))
        }
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
    }

    #[test]
    fn overwrite_policy_keeps_foreign_folders() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        assert!(
            check_overwrite(&out, "a", Kind::Run, false).is_ok(),
            "absent"
        );
        std::fs::create_dir(&out).unwrap();
        assert!(
            check_overwrite(&out, "a", Kind::Run, false).is_ok(),
            "empty"
        );
        std::fs::write(out.join("notes.txt"), "mine").unwrap();
        let err = check_overwrite(&out, "a", Kind::Run, false).unwrap_err();
        assert!(err.message.contains("--force"), "{}", err.message);
        assert!(
            check_overwrite(&out, "a", Kind::Run, true).is_ok(),
            "forced"
        );
        std::fs::write(
            out.join("summary.json"),
            r#"{"scenario": "a", "complete": true}"#,
        )
        .unwrap();
        assert!(
            check_overwrite(&out, "a", Kind::Run, false).is_ok(),
            "same scenario"
        );
        let err = check_overwrite(&out, "b", Kind::Run, false).unwrap_err();
        assert!(
            err.message.contains("scenario \"a\", not \"b\""),
            "{}",
            err.message
        );
        std::fs::write(
            out.join("summary.json"),
            r#"{"scenario": "a", "complete": false}"#,
        )
        .unwrap();
        assert!(
            check_overwrite(&out, "a", Kind::Run, false).is_err(),
            "unfinished"
        );
        assert!(
            check_overwrite(&out, "a", Kind::Sweep, false).is_err(),
            "not a sweep"
        );
    }
}
