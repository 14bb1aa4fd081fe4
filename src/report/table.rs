//! The readable summary a run prints on stdout (deterministic: same scenario + seed ⇒ same text).

use std::fmt::Write;

use super::summary::Summary;
use crate::metrics::names::Metric;
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
    let _ = writeln!(
        out,
        "{} · seed {} · {} devices · {} simulated\n",
        shown(&summary.scenario),
        summary.seed,
        grouped(u64::from(summary.devices)),
        human_seconds(f64::from(summary.duration_s))
    );
    let _ = writeln!(
        out,
        "{:<40} {:>11} {:>8} {:>8} {:>8} {:>8} {:>8}",
        "metric", "count", "mean", "p50", "p95", "p99", "max"
    );
    for m in Metric::all() {
        let name = m.name();
        let Some(s) = summary.metrics.get(&name) else {
            continue;
        };
        let _ = writeln!(
            out,
            "{:<40} {:>11} {:>8} {:>8} {:>8} {:>8} {:>8}",
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
    let _ = writeln!(
        out,
        "rollout: {}",
        if summary.rollout.completed == 1 {
            "completed"
        } else {
            "NOT completed"
        }
    );
    for s in &summary.rollout.stages {
        let started = s.started_at_s.map_or_else(
            || "never started".to_string(),
            |t| format!("started {}", human_seconds(f64::from(t))),
        );
        let gate = s
            .gate_passed_at_s
            .map(|t| format!(", gate passed {}", human_seconds(f64::from(t))))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {:<32} {}{} [{}]",
            shown(&s.name),
            started,
            gate,
            s.outcome
        );
    }
    if let Some(load) = &summary.load {
        let _ = writeln!(
            out,
            "\n{:<21} {:>12} {:>11} {:>10} {:>10} {:>10} {:>10} {:>12} {:>10}",
            "load",
            "requests",
            "peak/s",
            "at",
            "capacity/s",
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
            "capacity/s is the model's request-rate reading of the published client counts (an assumption); \
             delayed: waited ≥ 1 s in the queue; rejected: only past [load] queue_limit"
        );
        let e = &load.cmg_egress;
        let _ = writeln!(
            out,
            "CMG egress: {:.1} GB ({:.1} GB client installs, {:.1} GB content for workloads on ConfigMgr)",
            e.total_gb, e.client_install_gb, e.content_gb
        );
        let _ = writeln!(out, "headroom: {}", load.headroom.verdict);
    }
    let _ = writeln!(out, "\nresults: {results_dir}");
    out
}
