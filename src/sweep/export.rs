//! A sweep's statistics as bytes: `sweep.csv` (long form, every statistic, for plotting), `comparison.csv`
//! and `comparison.md` (one row per variant, the key metrics with their intervals, the best value per column
//! marked, and each variant against the first — the reference).

use std::fmt::Write;

use super::Row;
use crate::stats::{ReplicaMean, welch};
use crate::units::grouped;
use crate::units::human_seconds;

/// One variant's statistics.
#[derive(Debug, Clone)]
pub struct VariantStats {
    /// Variant (folder) name.
    pub name: String,
    /// Value label of each `--set` parameter.
    pub params: Vec<String>,
    /// Every statistic across the replicas (see `sweep::aggregate`).
    pub rows: Vec<Row>,
}

/// The whole sweep, variants in plan order, with the reference the others are compared with.
#[derive(Debug, Clone)]
pub struct SweepStats {
    /// Scenario name.
    pub scenario: String,
    /// `--set` keys, in order (one column each).
    pub param_keys: Vec<String>,
    /// Replicas per variant.
    pub replicas: u32,
    /// Devices of the base scenario (for the heading).
    pub devices: u32,
    /// Variants in plan order.
    pub variants: Vec<VariantStats>,
    /// Index of the reference variant (`--reference`; by default the base scenario).
    pub reference: usize,
}

#[derive(Clone, Copy, PartialEq)]
enum Better {
    Lower,
    Higher,
}

/// The key metrics of the comparison: the latencies a rollout plan is judged by, and its outcome.
const KEY: [(&str, &str, Better); 8] = [
    ("time_to_comanaged.existing_client", "mean", Better::Lower),
    ("time_to_comanaged.new_internet", "mean", Better::Lower),
    ("switch_latency.compliance_policies", "mean", Better::Lower),
    ("switch_latency.compliance_policies", "p95", Better::Lower),
    ("compliance_latency", "mean", Better::Lower),
    ("compliance_latency", "p95", Better::Lower),
    ("counts.co_managed", "value", Better::Higher),
    ("rollout.completed", "value", Better::Higher),
];

/// Load and capacity statistics shown as columns (for every component a variant has, in the order of the
/// first variant's statistics): the load peak and peak utilisation per component, the instances the
/// capacity verdict says are needed, and whether the infrastructure given is enough.
const LOAD_KEY: [(&str, Better); 6] = [
    ("peak_requests_per_s", Better::Lower),
    ("peak_utilisation", Better::Lower),
    ("needed_per_site", Better::Lower),
    ("vms_needed", Better::Lower),
    ("needed", Better::Lower),
    ("enough", Better::Higher),
];

/// The rule for the bold "best" value, stated under every comparison table.
pub const BEST_RULE: &str = "**Bold**: in each column, the best mean — lowest for latencies, load, \
                             utilisation and capacity needed; highest for co-managed devices, completed stages \
                             and capacity enough — every variant holding it marked, and nothing marked when all \
                             variants are equal.";

fn column_name(metric: &str, statistic: &str) -> String {
    if statistic == "value" {
        metric.to_string()
    } else {
        format!("{metric}.{statistic}")
    }
}

fn is_seconds(metric: &str, statistic: &str) -> bool {
    matches!(statistic, "mean" | "p50" | "p95" | "p99")
        && !metric.starts_with("counts.")
        && !metric.starts_with("load.")
        && !metric.starts_with("capacity")
}

/// A number for CSV: rounded to the millisecond (or 1/1000 of a count), no `-0`.
pub fn num(x: f64) -> String {
    let r = (x * 1000.0).round() / 1000.0;
    if r == 0.0 { "0".into() } else { r.to_string() }
}

fn human(metric: &str, statistic: &str, x: f64) -> String {
    if is_seconds(metric, statistic) {
        human_seconds(x.abs())
    } else if statistic == "peak_requests_per_s" {
        format!("{:.2}/s", x.abs())
    } else if statistic == "peak_utilisation" {
        format!("{:.1} %", x.abs() * 100.0)
    } else if statistic == "enough" {
        match x {
            1.0 => "yes".into(),
            0.0 => "no".into(),
            _ => format!("{:.0} % of replicas", x.abs() * 100.0),
        }
    } else if metric == "rollout.completed" {
        format!("{:.2}", x.abs())
    } else if x.fract() == 0.0 {
        grouped(x.abs() as u64)
    } else {
        format!("{:.1}", x.abs())
    }
}

/// The estimate of one statistic of a variant, when any replica had a value.
pub fn find<'a>(v: &'a VariantStats, metric: &str, statistic: &str) -> Option<&'a ReplicaMean> {
    v.rows
        .iter()
        .find(|r| r.metric == metric && r.statistic == statistic)
        .and_then(|r| r.estimate.as_ref())
}

fn csv_bytes(rows: Vec<Vec<String>>) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in rows {
        w.write_record(&row).expect("writing to memory cannot fail");
    }
    w.into_inner().expect("writing to memory cannot fail")
}

/// `sweep.csv`: `variant, <one column per --set key>, metric, statistic, value, ci_low, ci_high`, one row per
/// statistic of each variant; `value` is the mean over replicas, the interval is empty with one replica or
/// when no replica had a value.
pub fn sweep_csv(s: &SweepStats) -> Vec<u8> {
    let mut header = vec!["variant".to_string()];
    header.extend(s.param_keys.iter().cloned());
    header.extend(["metric", "statistic", "value", "ci_low", "ci_high"].map(String::from));
    let mut rows = vec![header];
    for v in &s.variants {
        for r in &v.rows {
            let mut row = vec![v.name.clone()];
            row.extend(v.params.iter().cloned());
            row.push(r.metric.clone());
            row.push(r.statistic.to_string());
            let (value, lo, hi) = match &r.estimate {
                None => (String::new(), String::new(), String::new()),
                Some(e) => match e.ci {
                    Some((lo, hi)) => (num(e.mean), num(lo), num(hi)),
                    None => (num(e.mean), String::new(), String::new()),
                },
            };
            row.extend([value, lo, hi]);
            rows.push(row);
        }
    }
    csv_bytes(rows)
}

/// A key column present in the sweep (some variant has a value for it).
struct Column {
    metric: String,
    statistic: &'static str,
    better: Better,
    /// Indices of the variants holding the best mean ([`BEST_RULE`]).
    best: Vec<usize>,
}

fn columns(s: &SweepStats) -> Vec<Column> {
    let mut keys: Vec<(String, &'static str, Better)> = KEY
        .iter()
        .map(|&(m, st, b)| (m.to_string(), st, b))
        .collect();
    for v in &s.variants {
        for r in &v.rows {
            if !(r.metric.starts_with("load.") || r.metric.starts_with("capacity")) {
                continue;
            }
            if let Some(&(statistic, better)) = LOAD_KEY.iter().find(|(st, _)| *st == r.statistic)
                && !keys
                    .iter()
                    .any(|(m, st, _)| *m == r.metric && *st == statistic)
            {
                keys.push((r.metric.clone(), statistic, better));
            }
        }
    }
    keys.into_iter()
        .filter_map(|(metric, statistic, better)| {
            let means: Vec<Option<f64>> = s
                .variants
                .iter()
                .map(|v| find(v, &metric, statistic).map(|e| e.mean))
                .collect();
            let present: Vec<f64> = means.iter().flatten().copied().collect();
            let best_value = present.iter().copied().reduce(|a, b| match better {
                Better::Lower => a.min(b),
                Better::Higher => a.max(b),
            })?;
            let all_equal =
                present.iter().all(|&m| m == best_value) && present.len() == means.len();
            let best = if all_equal {
                Vec::new()
            } else {
                means
                    .iter()
                    .enumerate()
                    .filter(|(_, m)| **m == Some(best_value))
                    .map(|(i, _)| i)
                    .collect()
            };
            Some(Column {
                metric,
                statistic,
                better,
                best,
            })
        })
        .collect()
}

fn relative(value: f64, reference: f64) -> Option<f64> {
    (reference != 0.0).then(|| (value - reference) / reference * 100.0)
}

/// How a variant compares with the reference on one column, and whether the difference is significant.
struct Versus {
    /// `faster by 12.0m (−40.0 %)` / `higher by 3` …
    text: String,
    /// `Some(true)` when Welch's interval on the difference excludes zero; `None` without intervals.
    significant: Option<bool>,
}

fn versus(col: &Column, reference: &ReplicaMean, e: &ReplicaMean) -> Versus {
    let diff = e.mean - reference.mean;
    let word = match (col.better, is_seconds(&col.metric, col.statistic)) {
        (_, false) if diff >= 0.0 => "higher",
        (_, false) => "lower",
        (_, true) if diff <= 0.0 => "faster",
        (_, true) => "slower",
    };
    let rel = relative(e.mean, reference.mean)
        .map(|r| format!(" ({r:+.1} %)"))
        .unwrap_or_default();
    let text = if diff == 0.0 {
        "the same".to_string()
    } else {
        let by = if col.statistic == "enough" {
            format!("{:.0} % of replicas", diff.abs() * 100.0)
        } else {
            human(&col.metric, col.statistic, diff)
        };
        format!("{word} by {by}{rel}")
    };
    Versus {
        text,
        significant: welch(reference, e).map(|d| d.significant()),
    }
}

/// `comparison.csv`: one row per variant; per key metric its mean, 95 % interval, relative difference to
/// the reference (%), whether that difference is significant (Welch; empty with one replica) and whether it
/// is the best value of its column.
pub fn comparison_csv(s: &SweepStats) -> Vec<u8> {
    let cols = columns(s);
    let mut header = vec!["variant".to_string()];
    header.extend(s.param_keys.iter().cloned());
    header.push("replicas".into());
    for c in &cols {
        let k = column_name(&c.metric, c.statistic);
        header.extend(
            [
                "",
                ".ci_low",
                ".ci_high",
                ".vs_base_pct",
                ".significant",
                ".best",
            ]
            .map(|suffix| format!("{k}{suffix}")),
        );
    }
    let mut rows = vec![header];
    let reference = s.variants.get(s.reference);
    for (i, v) in s.variants.iter().enumerate() {
        let mut row = vec![v.name.clone()];
        row.extend(v.params.iter().cloned());
        row.push(s.replicas.to_string());
        for c in &cols {
            let e = find(v, &c.metric, c.statistic);
            let r = reference.and_then(|r| find(r, &c.metric, c.statistic));
            let (mean, lo, hi) = match e {
                None => (String::new(), String::new(), String::new()),
                Some(e) => match e.ci {
                    Some((lo, hi)) => (num(e.mean), num(lo), num(hi)),
                    None => (num(e.mean), String::new(), String::new()),
                },
            };
            let (rel, sig) = match (e, r) {
                (Some(e), Some(r)) => (
                    relative(e.mean, r.mean).map(num).unwrap_or_default(),
                    welch(r, e)
                        .map(|d| d.significant().to_string())
                        .unwrap_or_default(),
                ),
                _ => (String::new(), String::new()),
            };
            row.extend([mean, lo, hi, rel, sig, c.best.contains(&i).to_string()]);
        }
        rows.push(row);
    }
    csv_bytes(rows)
}

/// `comparison.md`: the table a capacity planner reads (also printed on stdout).
pub fn comparison_md(s: &SweepStats) -> String {
    let cols = columns(s);
    let mut out = String::new();
    let n = s.variants.len();
    let _ = writeln!(
        out,
        "# Sweep: {} · {} variant{} × {} replica{} · {} devices\n",
        s.scenario,
        n,
        if n == 1 { "" } else { "s" },
        s.replicas,
        if s.replicas == 1 { "" } else { "s" },
        grouped(u64::from(s.devices)),
    );
    if s.replicas >= 2 {
        let _ = writeln!(
            out,
            "Mean over {} seed replicas with its 95 % confidence interval [low, high] (Student t, {} degrees of \
             freedom). (±x %): relative difference to the reference, `{}`.\n",
            s.replicas,
            s.replicas - 1,
            s.variants.get(s.reference).map_or("", |v| v.name.as_str())
        );
    } else {
        let _ = writeln!(
            out,
            "One replica per variant: no confidence intervals (null in sweep.csv) and no significance test — run \
             with `--replicas 2` or more to tell a difference from noise. (±x %): relative difference to the \
             reference, `{}`.\n",
            s.variants.get(s.reference).map_or("", |v| v.name.as_str())
        );
    }
    let mut header = vec!["variant".to_string()];
    header.extend(s.param_keys.iter().cloned());
    header.extend(cols.iter().map(|c| column_name(&c.metric, c.statistic)));
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(
        out,
        "|{}",
        header
            .iter()
            .enumerate()
            .map(|(i, _)| if i <= s.param_keys.len() {
                " --- |"
            } else {
                " ---: |"
            })
            .collect::<String>()
    );
    let reference = s.variants.get(s.reference);
    for (i, v) in s.variants.iter().enumerate() {
        let mut cells = vec![format!("`{}`", v.name)];
        cells.extend(v.params.iter().cloned());
        for c in &cols {
            let cell = match find(v, &c.metric, c.statistic) {
                None => "–".to_string(),
                Some(e) => {
                    let mut cell = human(&c.metric, c.statistic, e.mean);
                    if c.best.contains(&i) {
                        cell = format!("**{cell}**");
                    }
                    if let Some((lo, hi)) = e.ci.filter(|(lo, hi)| lo < hi) {
                        let _ = write!(
                            cell,
                            " [{}, {}]",
                            human(&c.metric, c.statistic, lo),
                            human(&c.metric, c.statistic, hi)
                        );
                    }
                    if i != s.reference
                        && let Some(rel) = reference
                            .and_then(|r| find(r, &c.metric, c.statistic))
                            .and_then(|r| relative(e.mean, r.mean))
                    {
                        let _ = write!(cell, " ({rel:+.1} %)");
                    }
                    cell
                }
            };
            cells.push(cell);
        }
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    let _ = writeln!(out, "\n{BEST_RULE}");
    if let Some(reference) = reference.filter(|_| n > 1) {
        let _ = writeln!(
            out,
            "\n## Against `{}` (Welch 95 % interval of the difference)\n",
            reference.name
        );
        for v in s
            .variants
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != s.reference)
            .map(|(_, v)| v)
        {
            let parts: Vec<String> = cols
                .iter()
                .filter_map(|c| {
                    let (r, e) = (
                        find(reference, &c.metric, c.statistic)?,
                        find(v, &c.metric, c.statistic)?,
                    );
                    let vs = versus(c, r, e);
                    let name = column_name(&c.metric, c.statistic);
                    Some(match vs.significant {
                        Some(true) => {
                            format!("{name}: {} (CI of the difference excludes zero)", vs.text)
                        }
                        Some(false) => format!("{name}: no significant difference"),
                        None => format!("{name}: {} (one replica: not assessed)", vs.text),
                    })
                })
                .collect();
            let _ = writeln!(out, "- `{}`: {}", v.name, parts.join("; "));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(replicas: u32, values: &[&[f64]]) -> SweepStats {
        let variants = values
            .iter()
            .enumerate()
            .map(|(i, vals)| VariantStats {
                name: format!("v{i}"),
                params: vec![format!("{i}")],
                rows: vec![Row {
                    metric: "switch_latency.compliance_policies".into(),
                    statistic: "mean",
                    estimate: ReplicaMean::of(vals),
                }],
            })
            .collect();
        SweepStats {
            scenario: "s".into(),
            param_keys: vec!["k".into()],
            replicas,
            devices: 10,
            variants,
            reference: 0,
        }
    }

    #[test]
    fn comparison_marks_best_and_significance() {
        let s = stats(
            3,
            &[
                &[1800.0, 1810.0, 1790.0],
                &[900.0, 905.0, 895.0],
                &[1801.0, 1795.0, 1809.0],
            ],
        );
        let md = comparison_md(&s);
        assert!(md.contains("| `v1` | 1 | **15.0m**"), "{md}");
        assert!(md.contains("- `v1`: switch_latency.compliance_policies.mean: faster by 15.0m (-50.0 %) (CI of the difference excludes zero)"), "{md}");
        assert!(
            md.contains(
                "- `v2`: switch_latency.compliance_policies.mean: no significant difference"
            ),
            "{md}"
        );
        let csv = String::from_utf8(comparison_csv(&s)).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert!(
            lines[0].starts_with("variant,k,replicas,switch_latency.compliance_policies.mean,")
        );
        assert!(lines[2].ends_with(",-50,true,true"), "{csv}");
        assert!(lines[3].ends_with(",false,false"), "{csv}");
    }

    #[test]
    fn one_replica_has_no_intervals() {
        let s = stats(1, &[&[1800.0], &[900.0]]);
        let long = String::from_utf8(sweep_csv(&s)).unwrap();
        assert_eq!(
            long,
            "variant,k,metric,statistic,value,ci_low,ci_high\n\
             v0,0,switch_latency.compliance_policies,mean,1800,,\n\
             v1,1,switch_latency.compliance_policies,mean,900,,\n"
        );
        let md = comparison_md(&s);
        assert!(md.contains("no confidence intervals"), "{md}");
        assert!(md.contains("(one replica: not assessed)"), "{md}");
    }
}
