//! Sweeps: a scenario's plan variants (`[[variant]]`) × the cartesian product of `--set` values × seed
//! replicas, as a list of runs in a fixed order, and the statistics across replicas of each variant.
//!
//! This module decides *what* runs and *what it means*; `cmd::sweep` runs them on one rayon pool and
//! [`export`] turns the statistics into `comparison.csv`, `comparison.md` and `sweep.csv`.

pub mod export;
pub mod shard;

use std::collections::HashSet;

use toml::Value;

use crate::model::scenario::Scenario;
use crate::report::summary::Summary;
use crate::rng::mix64;
use crate::scenario::overrides::{self, BASE, Override, value_label};
use crate::scenario::{Problem, ScenarioError};
use crate::stats::ReplicaMean;
use crate::units::text::{shown, shown_key};

/// Longest variant name in bytes: it names a folder, and file systems refuse a longer component
/// (`NAME_MAX`).
pub const MAX_FOLDER_NAME: usize = 255;

/// One `--set key=v1,v2,...`: a parameter and the values it takes, in the order given.
#[derive(Debug, Clone, PartialEq)]
pub struct SetParam {
    /// Dotted key path.
    pub key: String,
    /// Its values (at least one).
    pub values: Vec<Value>,
}

/// One variant of the sweep: a validated scenario and how it differs from the file.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Folder-safe, unique name (see [`combination_name`]).
    pub name: String,
    /// The value label of each `--set` parameter, in `--set` order (empty without `--set`).
    pub params: Vec<String>,
    /// The scenario of replica 0 (the seed is the file's, or the variant's if it overrides `seed`).
    pub scenario: Scenario,
}

/// The seed of replica `k` of a scenario with seed `seed`: replica 0 is the scenario's own seed (so it is
/// exactly `cofleet run`), replica k ≥ 1 is the k-th output of a SplitMix64 generator started at `seed`
/// (`mix64(seed + k · 0x9E3779B97F4A7C15)`): well spread, and the same for every variant, so variants are
/// compared on the same random streams.
pub fn replica_seed(seed: u64, k: u32) -> u64 {
    if k == 0 {
        seed
    } else {
        mix64(seed.wrapping_add(u64::from(k).wrapping_mul(0x9E37_79B9_7F4A_7C15)))
    }
}

/// Replaces every character that is not a letter, digit or `-_.=+` with `_`, so a name can be a folder.
pub fn folder_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.=+".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The name of a file variant combined with one `--set` combination: `key=value` parts joined with `+`,
/// after the file variant's name unless it is the base (`timers.policy_poll=30m+fleet.devices=5000`,
/// `pilot-10+timers.policy_poll=30m`), made [`folder_safe`].
pub fn combination_name(file_variant: &str, parts: &[(String, String)]) -> String {
    let set: Vec<String> = parts.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let name = match (file_variant, set.is_empty()) {
        (_, true) => file_variant.to_string(),
        (BASE, false) => set.join("+"),
        (_, false) => format!("{file_variant}+{}", set.join("+")),
    };
    folder_safe(&name)
}

/// Every variant of a sweep, validated, in order: the file's variants (base first), each with the
/// cartesian product of the `--set` values (last parameter varying fastest). Every problem of every
/// variant is reported, each naming its variant and override.
///
/// Linear in the plan: the text is parsed once, each variant validates a copy of the parsed document, and
/// names are checked for uniqueness in a hash set.
pub fn plan(text: &str, file: &str, sets: &[SetParam]) -> Result<Vec<Variant>, ScenarioError> {
    let (base, file_variants) = overrides::base_and_variants(text, file)?;
    let needs_doc = !sets.is_empty() || file_variants.len() > 1;
    let doc = if needs_doc {
        overrides::document(text, file)?
    } else {
        toml::Table::new()
    };
    let combos = cartesian(sets);
    let mut problems: Vec<Problem> = Vec::new();
    let mut variants: Vec<Variant> = Vec::new();
    let mut names: HashSet<String> = HashSet::new();
    for fv in &file_variants {
        for combo in &combos {
            let parts: Vec<(String, String)> = sets
                .iter()
                .zip(combo)
                .map(|(s, v)| (s.key.clone(), value_label(v)))
                .collect();
            let name = combination_name(&fv.name, &parts);
            let mut all = fv.overrides.clone();
            all.extend(sets.iter().zip(combo).map(|(s, v)| Override {
                key: s.key.clone(),
                value: v.clone(),
                place: None,
            }));
            // Only for messages: values escaped and cut.
            let set_label = parts
                .iter()
                .map(|(k, v)| format!("{}={}", shown_key(k), shown(v)))
                .collect::<Vec<_>>()
                .join(" ");
            let label = match (fv.name.as_str(), parts.is_empty()) {
                (BASE, _) => format!("--set {set_label}"),
                (n, true) => format!("variant `{n}`"),
                (n, false) => format!("variant `{n}` with --set {set_label}"),
            };
            if name.len() > MAX_FOLDER_NAME {
                problems.push(Problem {
                    place: None,
                    key: String::new(),
                    message: format!(
                        "{}: its name `{}` is {} bytes, above the {MAX_FOLDER_NAME} a folder name may have; \
                         use shorter values or a [[variant]] with a short name",
                        label,
                        shown(&name),
                        name.len()
                    ),
                });
                continue;
            }
            let scenario = if all.is_empty() {
                Ok(base.clone())
            } else {
                overrides::build_on(&doc, file, &label, &all)
            };
            match scenario {
                Ok(scenario) => {
                    if !names.insert(name.clone()) {
                        problems.push(Problem {
                            place: None,
                            key: String::new(),
                            message: format!(
                                "{}: its name `{}` is the name of an earlier variant (names are made folder-safe); give distinct values or variant names",
                                label,
                                shown(&name)
                            ),
                        });
                    }
                    variants.push(Variant {
                        name,
                        params: parts.into_iter().map(|(_, v)| v).collect(),
                        scenario,
                    });
                }
                Err(ScenarioError::Invalid { problems: p, .. }) => problems.extend(p),
                Err(e) => return Err(e),
            }
        }
    }
    // The base scenario is the default reference: when no variant is exactly the base (a `--set` product
    // that leaves out the file's own values), the base is run too, first, named `base`.
    if problems.is_empty() && !sets.is_empty() && !variants.iter().any(|v| v.scenario == base) {
        let params = sets
            .iter()
            .map(|s| {
                lookup(&doc, &s.key)
                    .map(value_label)
                    .unwrap_or_else(|| DEFAULT_LABEL.to_string())
            })
            .collect();
        variants.insert(
            0,
            Variant {
                name: BASE.to_string(),
                params,
                scenario: base.clone(),
            },
        );
    }
    if problems.is_empty() {
        Ok(variants)
    } else {
        Err(ScenarioError::Invalid {
            file: file.to_string(),
            problems,
        })
    }
}

/// The `--set` label of the added base variant for a key the scenario file does not set (its default).
pub const DEFAULT_LABEL: &str = "default";

/// The value at a dotted key path (`timers.policy_poll`, `stage.0.start`) of a scenario document.
fn lookup<'a>(doc: &'a toml::Table, key: &str) -> Option<&'a Value> {
    let mut parts = key.split('.');
    let mut value = doc.get(parts.next()?)?;
    for part in parts {
        value = match value {
            Value::Table(t) => t.get(part)?,
            Value::Array(a) => a.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(value)
}

/// The variant the others are compared with: the one named `reference`, or by default the base scenario
/// (the file's base with no `--set` value changed, which [`plan`] always includes). A name no variant has
/// is an error listing the variants.
pub fn reference_index(
    variants: &[Variant],
    base: &Scenario,
    reference: Option<&str>,
) -> Result<usize, String> {
    match reference {
        Some(name) => variants.iter().position(|v| v.name == name).ok_or_else(|| {
            format!(
                "--reference {}: no variant has this name; the variants are: {}",
                shown(name),
                variants
                    .iter()
                    .map(|v| v.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }),
        None => Ok(variants
            .iter()
            .position(|v| v.scenario == *base)
            .unwrap_or(0)),
    }
}

/// How many variants [`plan`] builds, without building them: the base scenario validated and the
/// `[[variant]]` tables read, times every `--set` parameter's number of values (saturating) — so an
/// oversized sweep is refused before its variants are expanded.
pub fn variant_count(text: &str, file: &str, sets: &[SetParam]) -> Result<usize, ScenarioError> {
    let file_variants = overrides::base_and_variants(text, file)?.1.len();
    Ok(sets
        .iter()
        .fold(file_variants, |n, s| n.saturating_mul(s.values.len())))
}

fn cartesian(sets: &[SetParam]) -> Vec<Vec<Value>> {
    let mut combos: Vec<Vec<Value>> = vec![Vec::new()];
    for set in sets {
        combos = combos
            .into_iter()
            .flat_map(|prefix| {
                set.values.iter().map(move |v| {
                    let mut c = prefix.clone();
                    c.push(v.clone());
                    c
                })
            })
            .collect();
    }
    combos
}

/// One statistic of one variant across its replicas.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// `metrics` name (`switch_latency.compliance_policies`), `counts.<key>` or `rollout.completed`.
    pub metric: String,
    /// `count`, `mean`, `p50`, `p95`, `p99` for latency metrics; `value` for counts and the rollout.
    pub statistic: &'static str,
    /// Across replicas; `None` when no replica had a value (a metric without samples).
    pub estimate: Option<ReplicaMean>,
}

/// Latency statistics compared across replicas.
pub const LATENCY_STATISTICS: [&str; 5] = ["count", "mean", "p50", "p95", "p99"];

/// The values a summary contributes, in output order: each metric's [`LATENCY_STATISTICS`] (in seconds,
/// `None` without samples), every count, and `rollout.completed`.
pub fn observations(summary: &Summary) -> Vec<(String, &'static str, Option<f64>)> {
    let mut out = Vec::new();
    for (name, m) in &summary.metrics {
        let as_f = |v: Option<u64>| v.map(|v| v as f64);
        let values = [
            Some(m.count as f64),
            m.mean,
            as_f(m.p50),
            as_f(m.p95),
            as_f(m.p99),
        ];
        for (stat, v) in LATENCY_STATISTICS.into_iter().zip(values) {
            out.push((name.clone(), stat, v));
        }
    }
    for (name, v) in &summary.counts {
        out.push((format!("counts.{name}"), "value", Some(*v as f64)));
    }
    out.push((
        "rollout.completed".into(),
        "value",
        Some(f64::from(summary.rollout.completed)),
    ));
    if let Some(load) = &summary.load {
        for (name, c) in &load.components {
            let metric = format!("load.{name}");
            out.push((
                metric.clone(),
                "total_requests",
                Some(c.total_requests as f64),
            ));
            out.push((
                metric.clone(),
                "peak_requests_per_s",
                Some(c.peak_requests_per_s),
            ));
            out.push((metric, "peak_utilisation", c.peak_utilisation));
        }
        let headroom = &load.headroom;
        out.push((
            "load.request_rate_view".into(),
            "management_points_per_site",
            Some(f64::from(headroom.management_points_per_site)),
        ));
        out.push((
            "load.request_rate_view".into(),
            "cmg_instances",
            Some(f64::from(headroom.cmg_instances)),
        ));
    }
    if let Some(c) = &summary.capacity {
        let yes = |b: bool| Some(if b { 1.0 } else { 0.0 });
        out.push((
            "capacity.management_point".into(),
            "needed_per_site",
            Some(c.management_point.needed_per_site as f64),
        ));
        out.push((
            "capacity.cmg".into(),
            "vms_needed",
            Some(c.cmg.vms_needed as f64),
        ));
        out.push((
            "capacity.sup".into(),
            "needed_per_site",
            Some(c.sup.needed_per_site as f64),
        ));
        // 1 when the infrastructure given is enough, 0 when not: the mean over replicas is the share of
        // replicas in which it is enough.
        out.push(("capacity".into(), "enough", yes(c.enough)));
    }
    out
}

/// The statistics of one variant across its replicas' summaries (replica order), in the order of replica
/// 0's. Values are matched by statistic name, not position, so replicas that list different statistics (a
/// results folder edited by hand) never mix one statistic's values into another's; a statistic a replica
/// lacks counts as a replica without a value.
pub fn aggregate(replicas: &[Summary]) -> Vec<Row> {
    let per: Vec<_> = replicas.iter().map(observations).collect();
    let Some(first) = per.first() else {
        return Vec::new();
    };
    let by_name: Vec<std::collections::HashMap<(&str, &str), Option<f64>>> = per
        .iter()
        .map(|obs| {
            obs.iter()
                .map(|(metric, statistic, v)| ((metric.as_str(), *statistic), *v))
                .collect()
        })
        .collect();
    first
        .iter()
        .map(|(metric, statistic, _)| {
            let key = (metric.as_str(), *statistic);
            let values: Vec<f64> = by_name
                .iter()
                .filter_map(|obs| obs.get(&key).copied().flatten())
                .collect();
            Row {
                metric: metric.clone(),
                statistic,
                estimate: ReplicaMean::of(&values),
            }
        })
        .collect()
}

/// A statistic one of two summaries lists and the other does not (`counts.enrolled value`), if any:
/// replicas of one variant must list the same statistics.
pub fn statistic_in_one_only(a: &Summary, b: &Summary) -> Option<String> {
    let names = |s: &Summary| -> std::collections::BTreeSet<(String, &'static str)> {
        observations(s)
            .into_iter()
            .map(|(metric, statistic, _)| (metric, statistic))
            .collect()
    };
    let (a, b) = (names(a), names(b));
    a.symmetric_difference(&b)
        .next()
        .map(|(metric, statistic)| format!("{metric} {statistic}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "name = \"t\"\n[fleet]\ndevices = 100\n[[variant]]\nname = \"big\"\n\"fleet.devices\" = 200\n";

    fn set(key: &str, values: &[&str]) -> SetParam {
        SetParam {
            key: key.into(),
            values: values.iter().map(|v| overrides::parse_value(v)).collect(),
        }
    }

    #[test]
    fn replica_zero_keeps_the_seed_and_the_others_differ() {
        assert_eq!(replica_seed(42, 0), 42);
        let seeds: std::collections::BTreeSet<u64> =
            (0..100).map(|k| replica_seed(42, k)).collect();
        assert_eq!(seeds.len(), 100);
        assert_eq!(replica_seed(42, 3), replica_seed(42, 3));
    }

    #[test]
    fn plan_orders_file_variants_then_the_product() {
        let v = plan(
            TEXT,
            "f.toml",
            &[
                set("timers.policy_poll", &["30m", "60m"]),
                set("seed", &["1"]),
            ],
        )
        .unwrap();
        let names: Vec<_> = v.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "base",
                "timers.policy_poll=30m+seed=1",
                "timers.policy_poll=60m+seed=1",
                "big+timers.policy_poll=30m+seed=1",
                "big+timers.policy_poll=60m+seed=1",
            ]
        );
        // No combination is the file's base (its seed differs): the base is run first, as the reference.
        assert_eq!(v[0].params, ["default", "default"]);
        assert_eq!(v[0].scenario, crate::scenario::parse(TEXT, "f").unwrap());
        let base = &v[0].scenario;
        assert_eq!(reference_index(&v, base, None), Ok(0));
        assert_eq!(
            reference_index(&v, base, Some("big+timers.policy_poll=30m+seed=1")),
            Ok(3)
        );
        assert!(
            reference_index(&v, base, Some("x"))
                .unwrap_err()
                .contains("base, timers")
        );
        assert_eq!(v[3].scenario.fleet.devices, 200);
        assert_eq!(v[2].scenario.timers.policy_poll, 3_600);
        assert_eq!(v[4].params, ["60m", "1"]);
        let plain = plan(TEXT, "f.toml", &[]).unwrap();
        assert_eq!(plain[0].name, "base");
        assert_eq!(
            plain[0].scenario,
            crate::scenario::parse(TEXT, "f").unwrap()
        );
    }

    #[test]
    fn plan_reports_every_bad_variant() {
        let e = plan(TEXT, "f.toml", &[set("fleet.devices", &["0", "x"])])
            .unwrap_err()
            .to_string();
        assert!(e.contains("4 problems"), "{e}");
        assert!(e.contains("--set fleet.devices=0"), "{e}");
        assert!(
            e.contains("variant `big` with --set fleet.devices=x"),
            "{e}"
        );
        let e = plan(TEXT, "f.toml", &[set("duration", &["1d", "\"1d\""])])
            .unwrap_err()
            .to_string();
        assert!(e.contains("earlier variant"), "{e}");
    }

    #[test]
    fn names_are_folder_safe() {
        assert_eq!(folder_safe("a/b c=\"x\""), "a_b_c=_x_");
        assert_eq!(
            combination_name("base", &[("k".into(), "[1, 2]".into())]),
            "k=_1__2_"
        );
    }

    #[test]
    fn replica_statistics_are_matched_by_name() {
        let text = "name = \"t\"\nseed = 1\nduration = \"1d\"\n[fleet]\ndevices = 50\n";
        let scenario = crate::scenario::parse(text, "t.toml").unwrap();
        let model = crate::model::Model::new(scenario.clone());
        let outcome = crate::engine::simulate(&model, &|_| {});
        let full = Summary::new(&scenario, &outcome);
        let mut short = full.clone();
        let first = short.counts.keys().next().unwrap().clone();
        short.counts.remove(&first);
        assert_eq!(statistic_in_one_only(&full, &full), None);
        assert_eq!(
            statistic_in_one_only(&full, &short),
            Some(format!("counts.{first} value"))
        );
        // Without the count, the other replica's statistics keep their own values, none shifted.
        let rows = aggregate(&[full.clone(), short]);
        let alone = aggregate(std::slice::from_ref(&full));
        assert_eq!(rows.len(), alone.len());
        for (r, a) in rows.iter().zip(&alone) {
            assert_eq!((&r.metric, r.statistic), (&a.metric, a.statistic));
            assert_eq!(r.estimate.map(|e| e.mean), a.estimate.map(|e| e.mean));
        }
    }
}
