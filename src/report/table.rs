//! The readable summary a run prints on stdout (deterministic: same scenario + seed ⇒ same text).

use std::fmt::Write;

use super::capacity_out;
use super::summary::{MetricStats, Summary};
use crate::metrics::names::Metric;
use crate::model::calendar::{Start, WEEKDAYS, office_hours_resume};
use crate::model::states::Funnel;
use crate::units::{grouped, human_seconds, shown};

/// `part` as a share of `whole`, in percent ("-" when there is nothing).
fn share(part: u64, whole: u64) -> String {
    if whole == 0 {
        "-".to_string()
    } else {
        format!("{:.1}%", 100.0 * part as f64 / whole as f64)
    }
}

fn opt(v: Option<u64>) -> String {
    v.map_or_else(|| "-".to_string(), |s| human_seconds(s as f64))
}

/// The summary table.
pub fn render(summary: &Summary, results_dir: &str) -> String {
    let mut out = String::new();
    let start = Start::parse(&summary.start).unwrap_or_default();
    let _ = writeln!(
        out,
        "{} · seed {} · {} devices · {} simulated from {} {}\n",
        shown(&summary.scenario),
        summary.seed,
        grouped(u64::from(summary.devices)),
        human_seconds(f64::from(summary.duration_s)),
        start.short(0),
        start.offset_text()
    );
    let shown_metrics: Vec<(String, &MetricStats)> = Metric::all()
        .into_iter()
        .filter_map(|m| summary.metrics.get(&m.name()).map(|s| (m.name(), s)))
        .collect();
    // The names column fits the longest name shown (`workload_effective_latency.windows_update_policies`).
    let width = shown_metrics
        .iter()
        .map(|(n, _)| n.chars().count())
        .max()
        .unwrap_or(0)
        .max(40);
    let _ = writeln!(
        out,
        "{:<width$} {:>11} {:>8} {:>8} {:>8} {:>8} {:>8}",
        "metric", "count", "mean", "p50", "p95", "p99", "max"
    );
    for (name, s) in shown_metrics {
        let _ = writeln!(
            out,
            "{:<width$} {:>11} {:>8} {:>8} {:>8} {:>8} {:>8}",
            name,
            grouped(s.count),
            s.mean.map_or_else(|| "-".to_string(), human_seconds),
            opt(s.p50),
            opt(s.p95),
            opt(s.p99),
            opt(s.max)
        );
    }
    let states = [
        "not_arrived",
        "not_started",
        "joined",
        "enrolled",
        "co_managed",
        "failed",
    ];
    let parts: Vec<String> = states
        .iter()
        .map(|k| {
            format!(
                "{k} {}",
                grouped(summary.counts.get(*k).copied().unwrap_or(0))
            )
        })
        .collect();
    let _ = writeln!(out, "\nfinal state: {}", parts.join(" · "));
    // The co-management dashboard's funnel, the states that hold devices, in the dashboard's order.
    let funnel: Vec<String> = Funnel::ALL
        .iter()
        .filter_map(|f| {
            let n = summary.funnel.get(f.name()).copied().unwrap_or(0);
            (n > 0).then(|| format!("{} {}", f.name(), grouped(n)))
        })
        .collect();
    if !funnel.is_empty() {
        let _ = writeln!(
            out,
            "enrollment funnel (path-1 clients at the end): {}",
            funnel.join(" · ")
        );
    }
    if !summary.failures.is_empty() {
        // The codes that hit the most devices first (ties in code order).
        let mut codes: Vec<(&String, u64)> = summary
            .failures
            .iter()
            .map(|(code, f)| (code, f.devices))
            .collect();
        codes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let top: Vec<String> = codes
            .iter()
            .take(3)
            .map(|(code, n)| format!("{code} {} devices", grouped(*n)))
            .collect();
        let more = codes.len().saturating_sub(3);
        let _ = writeln!(
            out,
            "top failure codes: {}{}",
            top.join(" · "),
            if more > 0 {
                format!(" (+{more} more in summary.json)")
            } else {
                String::new()
            }
        );
    }
    let _ = writeln!(
        out,
        "rollout: {}",
        if summary.rollout.completed == 1 {
            "completed"
        } else {
            "NOT completed"
        }
    );
    let at = |t: u32| format!("{} ({})", human_seconds(f64::from(t)), start.short(t));
    let mut notes = Vec::new();
    for s in &summary.rollout.stages {
        let started = s.started_at_s.map_or_else(
            || "never started".to_string(),
            |t| format!("started {}", at(t)),
        );
        let gate = s
            .gate_passed_at_s
            .map(|t| format!(", gate passed {}", at(t)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {:<32} {}{} [{}]",
            shown(&s.name),
            started,
            gate,
            s.outcome
        );
        if let Some(note) = s
            .started_at_s
            .and_then(|t| off_hours_note(&start, &s.name, t))
        {
            notes.push(note);
        }
    }
    for note in notes {
        let _ = writeln!(out, "{note}");
    }
    milestones(&mut out, summary, &start);
    rings(&mut out, summary);
    if let Some(load) = &summary.load {
        let _ = writeln!(
            out,
            "\n{:<21} {:>12} {:>11} {:>10} {:>10} {:>10} {:>10} {:>12} {:>10}",
            "load",
            "requests",
            "peak/s",
            "at",
            "assumed/s",
            "peak util",
            "delayed",
            "rejected",
            "served"
        );
        for (name, c) in &load.components {
            let _ = writeln!(
                out,
                "{:<21} {:>12} {:>11.2} {:>10} {:>10} {:>10} {:>10} {:>12} {:>10}",
                name,
                grouped(c.total_requests),
                c.peak_requests_per_s,
                human_seconds(f64::from(c.peak_at_s)),
                c.capacity_per_s
                    .map_or_else(|| "-".to_string(), |x| format!("{x:.2}")),
                c.peak_utilisation
                    .map_or_else(|| "-".to_string(), |u| format!("{:.0}%", u * 100.0)),
                share(c.delayed, c.total_requests),
                grouped(c.rejected),
                share(c.served, c.total_requests),
            );
        }
        let _ = writeln!(
            out,
            "assumed/s: the model's request-rate reading of the published client counts (an assumption); \
             delayed: waited ≥ 1 s in the queue; rejected: only past [load] queue_limit"
        );
        let e = &load.cmg_egress;
        let _ = writeln!(
            out,
            "CMG egress: {:.1} GB ({:.1} GB client installs, {:.1} GB content for workloads on ConfigMgr)",
            e.total_gb, e.client_install_gb, e.content_gb
        );
        // A second opinion from request rates; the capacity verdict sizes by published client counts.
        let _ = writeln!(
            out,
            "request-rate view (a second opinion, not the capacity verdict; assumed/s and peak util above \
             are against it):\n  {}",
            load.headroom.verdict
        );
    }
    if let Some(capacity) = &summary.capacity {
        let _ = writeln!(out, "\n{}", capacity_out::heading(capacity));
        for row in capacity_out::breakdown(capacity) {
            let have = if row.have == "-" {
                String::new()
            } else {
                format!(", have {} — {}", row.have, row.verdict)
            };
            let _ = writeln!(
                out,
                "  {}: need {} ({}){have}\n      {}; {} each: {}",
                row.component,
                row.needed,
                row.reason,
                row.clients,
                row.per_instance,
                row.arithmetic
            );
        }
        let _ = writeln!(out, "  {}", capacity_out::cost_line(capacity));
        for w in &capacity.warnings {
            let _ = writeln!(out, "  warning: {w}");
        }
    }
    let _ = writeln!(out, "\nresults: {results_dir}");
    out
}

/// A one-line note for a stage that starts on a weekend or outside office hours (08:00–18:00 local,
/// docs/model.md §5): office-hours devices see it only when they next come online.
fn off_hours_note(start: &Start, name: &str, t: u32) -> Option<String> {
    let resume = office_hours_resume(start, t)?;
    let (weekday, _) = start.weekday_time(t);
    let why = if weekday >= 5 {
        "on a weekend"
    } else {
        "outside office hours"
    };
    Some(format!(
        "  note: \"{}\" starts {why} ({} {}): office-hours devices act on it from about {}, {} later",
        shown(name),
        WEEKDAYS[weekday],
        &start.short(t)[15..],
        start.short(resume),
        human_seconds(f64::from(resume - t)),
    ))
}

/// A milestone cell: `Mon 01-11 10:00`, or `not reached 93.2%` (the share at the end).
fn cell(start: &Start, at: Option<u32>, final_share: f64) -> String {
    match at {
        Some(t) => {
            let short = start.short(t);
            format!("{}{}", &short[..4], &short[9..])
        }
        None => format!("not reached {:.1}%", final_share * 100.0),
    }
}

/// The milestones section: per group, when 50/90/95/99 % reached each state. A row equal to the fleet's
/// (a group of the whole fleet, a path all devices take) is left out, and a run of equal rows is one line
/// (`intune.resource_access +4 alike`); `summary.json` has every row.
fn milestones(out: &mut String, summary: &Summary, start: &Start) {
    let Some(first) = summary.milestones.first() else {
        return;
    };
    let _ = writeln!(
        out,
        "\nmilestones: first hourly snapshot with the share reached ({} time)",
        start.offset_text()
    );
    let _ = write!(out, "{:<40}", "group / state");
    for (percent, _) in first.reached() {
        let _ = write!(out, " {:>17}", format!("{percent}%"));
    }
    out.push('\n');
    let fleet: Vec<_> = summary
        .milestones
        .iter()
        .filter(|m| m.group == "fleet")
        .collect();
    let mut i = 0;
    while i < summary.milestones.len() {
        let group = &summary.milestones[i].group;
        let rows: Vec<_> = summary.milestones[i..]
            .iter()
            .take_while(|m| &m.group == group)
            .collect();
        i += rows.len();
        let own: Vec<_> = rows
            .iter()
            .filter(|m| {
                m.group == "fleet"
                    || !fleet.iter().any(|f| {
                        f.event == m.event
                            && f.reached() == m.reached()
                            && f.final_share == m.final_share
                    })
            })
            .collect();
        let title = format!("{} ({} devices)", shown(group), grouped(rows[0].devices));
        if own.is_empty() {
            let _ = writeln!(out, "{title}: as the fleet");
            continue;
        }
        let _ = writeln!(out, "{title}");
        // Workloads a stage moves together usually reach each share together: one line for a run of equal rows.
        let mut k = 0;
        while k < own.len() {
            let m = own[k];
            let alike = own[k + 1..]
                .iter()
                .take_while(|o| {
                    m.event.starts_with("intune.")
                        && o.event.starts_with("intune.")
                        && o.reached() == m.reached()
                        && o.final_share == m.final_share
                })
                .count();
            k += 1 + alike;
            let label = match alike {
                0 => m.event.clone(),
                n => format!("{} +{n} alike", m.event),
            };
            let _ = write!(out, "  {label:<38}");
            for (_, at) in m.reached() {
                let _ = write!(out, " {:>17}", cell(start, at, m.final_share));
            }
            out.push('\n');
        }
    }
}

/// The per-ring section: for each stage's ring, its latency figures where it has samples (queue delays are
/// pooled only); rows with the same figures fold into the first of them (`+4 alike`). Every
/// figure is in summary.json and percentiles.csv as `<metric>@<ring>`.
fn rings(out: &mut String, summary: &Summary) {
    let rings = summary.ring_stats();
    if rings.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\nper ring: a device counts in the first stage that targets it (all figures: <metric>@<ring>)"
    );
    // Each ring's heading, then its rows (label, figures), the labels' column as wide as the longest.
    let mut lines: Vec<(String, Option<[String; 5]>)> = Vec::new();
    for (slug, stats) in rings {
        let rows: Vec<(String, [String; 5])> = stats
            .into_iter()
            .map(|(m, s)| {
                (
                    m.name(),
                    [
                        grouped(s.count),
                        opt(s.p50),
                        opt(s.p95),
                        opt(s.p99),
                        opt(s.max),
                    ],
                )
            })
            .collect();
        if rows.is_empty() {
            lines.push((format!("{slug}: no samples"), None));
            continue;
        }
        lines.push((slug, None));
        let mut done = vec![false; rows.len()];
        for i in 0..rows.len() {
            if done[i] {
                continue;
            }
            let alike: Vec<usize> = (i + 1..rows.len())
                .filter(|&j| !done[j] && rows[j].1 == rows[i].1)
                .collect();
            for &j in &alike {
                done[j] = true;
            }
            let name = match alike.len() {
                0 => rows[i].0.clone(),
                n => format!("{} +{n} alike", rows[i].0),
            };
            lines.push((name, Some(rows[i].1.clone())));
        }
    }
    let width = lines
        .iter()
        .filter(|(_, cells)| cells.is_some())
        .map(|(name, _)| name.chars().count())
        .max()
        .unwrap_or(0)
        .max(44);
    let _ = writeln!(
        out,
        "{:<w$} {:>11} {:>8} {:>8} {:>8} {:>8}",
        "ring / metric",
        "count",
        "p50",
        "p95",
        "p99",
        "max",
        w = width + 2
    );
    for (name, cells) in &lines {
        match cells {
            None => {
                let _ = writeln!(out, "{name}");
            }
            Some([count, p50, p95, p99, max]) => {
                let _ = writeln!(
                    out,
                    "  {name:<width$} {count:>11} {p50:>8} {p95:>8} {p99:>8} {max:>8}"
                );
            }
        }
    }
}
