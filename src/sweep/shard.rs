//! Sharded sweeps: one sweep split over N independent processes (a Slurm job array, a Kubernetes Indexed
//! Job, N shells), then `cofleet merge` to put it back together.
//!
//! A sweep's runs have a fixed order (variant by variant, replica by replica: run index `i · replicas + k`),
//! so shard `I` of `N` simply owns the runs whose index is `I` modulo `N` — no coordination, no shared
//! storage during the runs. Each shard writes the run folders it owns and a marker, [`MARKER`], naming the
//! shard, the count, a hash of the whole sweep definition and the cofleet version. Every run is deterministic
//! and independent, so the merged folder is byte-identical to the unsharded sweep: the merge copies the run
//! folders and recomputes `comparison.*` and `sweep.csv` from their `summary.json` files.

use serde::{Deserialize, Serialize};

use super::export::{SweepStats, VariantStats, comparison_csv, comparison_md, sweep_csv};
use super::{Variant, aggregate};
use crate::report::summary::{Summary, scenario_hash};

/// The shard marker file in a shard's results folder.
pub const MARKER: &str = "shard.json";

/// Layout version of [`MARKER`]; `cofleet merge` refuses any other.
pub const MARKER_SCHEMA: u32 = 1;

/// Environment variable with the shard count for `--shard auto` under a Kubernetes Indexed Job (which
/// exports the index, `JOB_COMPLETION_INDEX`, but not the count): set it to the Job's `completions`.
pub const COUNT_ENV: &str = "COFLEET_SHARD_COUNT";

/// Which part of a sweep this process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 0-based shard index, `< count`.
    pub index: u32,
    /// Number of shards (≥ 1).
    pub count: u32,
}

impl Shard {
    /// Whether this shard runs the sweep's run number `run`.
    pub fn owns(&self, run: usize) -> bool {
        run % self.count as usize == self.index as usize
    }

    /// Parses `--shard`: `I/N` (0 ≤ I < N), or `auto` / `auto/N`, which take the index (and the count when
    /// `/N` is absent) from the scheduler's environment, read through `env`:
    /// - Kubernetes Indexed Job: `JOB_COMPLETION_INDEX`, count from `/N` or [`COUNT_ENV`];
    /// - Slurm job array: `SLURM_ARRAY_TASK_ID` minus `SLURM_ARRAY_TASK_MIN` (0 when unset), count from `/N`
    ///   or `SLURM_ARRAY_TASK_COUNT`.
    pub fn parse(arg: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Shard, ShardError> {
        let bad = |problem: ShardProblem| ShardError {
            arg: arg.to_string(),
            problem,
        };
        let (index_part, count_part) = match arg.split_once('/') {
            Some((i, n)) => (i, Some(n)),
            None => (arg, None),
        };
        let number = |what: &str, text: &str| -> Result<u32, ShardError> {
            text.trim().parse::<u32>().map_err(|_| {
                bad(ShardProblem::NotANumber {
                    what: what.to_string(),
                    text: text.to_string(),
                })
            })
        };
        let given_count = count_part
            .map(|n| number("the shard count", n))
            .transpose()?;
        let (index, count) = if index_part == "auto" {
            if let Some(i) = env("JOB_COMPLETION_INDEX") {
                let index = number("JOB_COMPLETION_INDEX", &i)?;
                let count = match given_count {
                    Some(n) => n,
                    None => match env(COUNT_ENV) {
                        Some(n) => number(COUNT_ENV, &n)?,
                        None => return Err(bad(ShardProblem::NoJobCount)),
                    },
                };
                (index, count)
            } else if let Some(id) = env("SLURM_ARRAY_TASK_ID") {
                let id = number("SLURM_ARRAY_TASK_ID", &id)?;
                let min = match env("SLURM_ARRAY_TASK_MIN") {
                    Some(m) => number("SLURM_ARRAY_TASK_MIN", &m)?,
                    None => 0,
                };
                let count = match given_count {
                    Some(n) => n,
                    None => match env("SLURM_ARRAY_TASK_COUNT") {
                        Some(n) => number("SLURM_ARRAY_TASK_COUNT", &n)?,
                        None => return Err(bad(ShardProblem::NoSlurmCount)),
                    },
                };
                let index = id
                    .checked_sub(min)
                    .ok_or_else(|| bad(ShardProblem::BelowSlurmMin { id, min }))?;
                (index, count)
            } else {
                return Err(bad(ShardProblem::NoScheduler));
            }
        } else {
            let Some(count) = given_count else {
                return Err(bad(ShardProblem::Syntax));
            };
            (number("the shard index", index_part)?, count)
        };
        if count == 0 {
            return Err(bad(ShardProblem::NoShards));
        }
        if index >= count {
            return Err(bad(ShardProblem::OutOfRange { index, count }));
        }
        Ok(Shard { index, count })
    }
}

/// A `--shard` value that names no shard, with the value as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--shard {arg}: {problem}")]
pub struct ShardError {
    /// The value as given.
    pub arg: String,
    /// What is wrong with it.
    pub problem: ShardProblem,
}

/// What is wrong with a `--shard` value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardProblem {
    /// A part (or a scheduler variable) is not a whole number.
    #[error("{what} `{text}` is not a whole number ≥ 0")]
    NotANumber {
        /// Which part or variable.
        what: String,
        /// Its text.
        text: String,
    },
    /// Neither `I/N` nor `auto[/N]`.
    #[error("expected I/N (e.g. 0/4), auto or auto/N")]
    Syntax,
    /// A Kubernetes index without a count.
    #[error(
        "JOB_COMPLETION_INDEX is set but not the shard count: use --shard auto/N or set {COUNT_ENV} to the \
         Job's completions"
    )]
    NoJobCount,
    /// A Slurm task id without a count.
    #[error("SLURM_ARRAY_TASK_ID is set but not SLURM_ARRAY_TASK_COUNT: use --shard auto/N")]
    NoSlurmCount,
    /// A Slurm task id below the array's first id.
    #[error("SLURM_ARRAY_TASK_ID {id} is below SLURM_ARRAY_TASK_MIN {min}")]
    BelowSlurmMin {
        /// `SLURM_ARRAY_TASK_ID`.
        id: u32,
        /// `SLURM_ARRAY_TASK_MIN`.
        min: u32,
    },
    /// `auto` outside a scheduler.
    #[error(
        "auto needs JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or SLURM_ARRAY_TASK_ID (Slurm job array) in \
         the environment; neither is set"
    )]
    NoScheduler,
    /// `I/0`.
    #[error("the shard count must be at least 1")]
    NoShards,
    /// `I/N` with `I ≥ N`.
    #[error("shard index {index} is out of range: with {count} shards it must be 0 to {}", count - 1)]
    OutOfRange {
        /// The index.
        index: u32,
        /// The count.
        count: u32,
    },
}

/// What a merge needs to know about the whole sweep, besides the run folders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepPlan {
    /// Scenario name (the default output folder and the comparison heading).
    pub scenario: String,
    /// `--set` keys, in order.
    pub param_keys: Vec<String>,
    /// Replicas per variant.
    pub replicas: u32,
    /// Devices of the base scenario.
    pub devices: u32,
    /// Variants in plan order: (folder name, `--set` value labels).
    pub variants: Vec<(String, Vec<String>)>,
    /// Index of the variant the others are compared with (`--reference`; by default the base scenario).
    #[serde(default)]
    pub reference: usize,
}

impl SweepPlan {
    /// The plan of a sweep over `variants` with `replicas` replicas each.
    pub fn new(
        variants: &[Variant],
        param_keys: Vec<String>,
        replicas: u32,
        reference: usize,
    ) -> SweepPlan {
        SweepPlan {
            scenario: variants[0].scenario.name.clone(),
            param_keys,
            replicas,
            devices: variants[0].scenario.fleet.devices,
            variants: variants
                .iter()
                .map(|v| (v.name.clone(), v.params.clone()))
                .collect(),
            reference,
        }
    }

    /// Number of runs.
    pub fn runs(&self) -> usize {
        self.variants.len() * self.replicas as usize
    }
}

/// The marker a shard writes beside its run folders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Marker {
    /// [`MARKER_SCHEMA`].
    pub schema: u32,
    /// The cofleet version that ran the shard.
    pub cofleet_version: String,
    /// [`sweep_hash`] of the sweep: shards of different sweeps never merge.
    pub sweep_hash: String,
    /// This shard's index.
    pub shard: u32,
    /// Number of shards.
    pub shards: u32,
    /// Run indices this shard ran (those ≡ `shard` mod `shards`).
    pub runs: Vec<usize>,
    /// The sweep.
    pub plan: SweepPlan,
}

/// A hash of everything that decides a sweep's results: every variant's name, `--set` labels and
/// [`scenario_hash`] (which covers the seed and every model parameter), and the replica count. FNV-1a 64
/// (stable across platforms and versions of Rust, unlike `std`'s hasher).
pub fn sweep_hash(variants: &[Variant], replicas: u32) -> String {
    let mut text = format!("replicas={replicas}\n");
    for v in variants {
        text.push_str(&format!(
            "{}\t{}\t{}\t{}\n",
            v.name,
            v.params.join("\t"),
            v.scenario.name,
            scenario_hash(&v.scenario)
        ));
    }
    let h = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{h:016x}")
}

/// Output files as (relative path, bytes).
pub type Files = Vec<(String, Vec<u8>)>;

/// The statistics of a sweep from its runs' summaries (per variant, replicas in order), with the tables that
/// show them: `comparison.md` (also returned as text, for stdout), `comparison.csv` and `sweep.csv`. Both
/// `cofleet sweep` and `cofleet merge` build them here, so a merged sweep cannot drift from an unsharded one;
/// the figures are drawn from the same statistics, by the plots.
pub fn comparison_tables(
    plan: &SweepPlan,
    summaries: &[Vec<Summary>],
) -> (SweepStats, String, Files) {
    let stats = SweepStats {
        scenario: plan.scenario.clone(),
        param_keys: plan.param_keys.clone(),
        replicas: plan.replicas,
        devices: plan.devices,
        variants: plan
            .variants
            .iter()
            .zip(summaries)
            .map(|((name, params), runs)| VariantStats {
                name: name.clone(),
                params: params.clone(),
                rows: aggregate(runs),
            })
            .collect(),
        reference: plan.reference,
    };
    let md = comparison_md(&stats);
    let files = vec![
        ("comparison.md".to_string(), md.clone().into_bytes()),
        ("comparison.csv".to_string(), comparison_csv(&stats)),
        ("sweep.csv".to_string(), sweep_csv(&stats)),
    ];
    (stats, md, files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn explicit_shards_parse_and_own_every_nth_run() {
        let s = Shard::parse("1/3", &env(&[])).unwrap();
        assert_eq!(s, Shard { index: 1, count: 3 });
        let owned: Vec<usize> = (0..8).filter(|&r| s.owns(r)).collect();
        assert_eq!(owned, [1, 4, 7]);
    }

    #[test]
    fn malformed_and_out_of_range_shards_are_refused() {
        for bad in [
            "3/3", "4/3", "0/0", "1", "a/2", "1/b", "-1/2", "", "/2", "auto/x",
        ] {
            assert!(
                Shard::parse(bad, &env(&[("JOB_COMPLETION_INDEX", "0")])).is_err(),
                "{bad}"
            );
        }
        let e = Shard::parse("5/4", &env(&[])).unwrap_err();
        let e = e.to_string();
        assert!(e.contains("out of range") && e.contains("0 to 3"), "{e}");
    }

    #[test]
    fn auto_reads_kubernetes_then_slurm() {
        let k8s = [("JOB_COMPLETION_INDEX", "2"), (COUNT_ENV, "5")];
        assert_eq!(
            Shard::parse("auto", &env(&k8s)).unwrap(),
            Shard { index: 2, count: 5 }
        );
        assert_eq!(
            Shard::parse("auto/3", &env(&k8s)).unwrap(),
            Shard { index: 2, count: 3 }
        );
        assert!(Shard::parse("auto", &env(&[("JOB_COMPLETION_INDEX", "2")])).is_err());
        let slurm = [
            ("SLURM_ARRAY_TASK_ID", "4"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ];
        assert_eq!(
            Shard::parse("auto", &env(&slurm)).unwrap(),
            Shard { index: 3, count: 4 }
        );
        let e = Shard::parse("auto", &env(&[])).unwrap_err().to_string();
        assert!(
            e.contains("JOB_COMPLETION_INDEX") && e.contains("SLURM_ARRAY_TASK_ID"),
            "{e}"
        );
        let e = Shard::parse(
            "auto",
            &env(&[
                ("SLURM_ARRAY_TASK_ID", "7"),
                ("SLURM_ARRAY_TASK_COUNT", "4"),
            ]),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("out of range"), "{e}");
    }
}
