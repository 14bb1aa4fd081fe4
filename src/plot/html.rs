//! `report.html`: one self-contained page (inline CSS and SVG; no script, font or network request) that a
//! reader can open from a results folder or attach to a ticket.
//!
//! The page is a list of [`Section`]s. [`sections`] builds the ones every run has (overview, then one per
//! figure); a later addition such as a gate verdict is one more `Section` passed to [`page`], e.g. inserted
//! after the overview — nothing here needs to change for it.

use std::fmt::Write;

use super::data::Results;
use super::figures::Figure;
use crate::metrics::names::Metric;
use crate::model::calendar::Start;
use crate::model::states::Funnel;
use crate::report::capacity_out::{self, CapacitySummary};
use crate::report::summary::MetricStats;
use crate::units::grouped;
use crate::units::human_seconds;

/// One part of the report: a heading and its HTML body.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// Anchor id (letters, digits, `_`).
    pub id: String,
    /// Heading text (escaped when written).
    pub title: String,
    /// Body, already HTML (escape user text with [`escape`]).
    pub body: String,
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn opt_seconds(v: Option<u64>) -> String {
    v.map_or_else(|| "–".to_string(), |s| human_seconds(s as f64))
}

/// The overview: fleet, summary table of metrics, final states, rollout stages.
pub fn overview(results: &Results) -> Section {
    let s = &results.summary;
    let start = Start::parse(&s.start).unwrap_or_default();
    let mut body = String::new();
    let _ = writeln!(
        body,
        "<p>Scenario <b>{}</b> · seed {} · {} devices · {} simulated from {} {} · cofleet {}</p>",
        escape(&s.scenario),
        s.seed,
        grouped(u64::from(s.devices)),
        human_seconds(f64::from(s.duration_s)),
        escape(&start.short(0)),
        escape(&start.offset_text()),
        escape(&s.cofleet_version)
    );
    body.push_str(
        "<table><thead><tr><th>metric</th><th>count</th><th>mean</th><th>p50</th><th>p95</th>\
         <th>p99</th><th>max</th></tr></thead><tbody>\n",
    );
    for m in Metric::all() {
        let name = m.name();
        let Some(st) = s.metrics.get(&name) else {
            continue;
        };
        let _ = writeln!(
            body,
            "<tr><td>{}</td>{}</tr>",
            escape(&name),
            stats_cells(st)
        );
    }
    body.push_str("</tbody></table>\n<h3>Final states</h3>\n<table><tbody>\n");
    for state in [
        "not_arrived",
        "not_started",
        "joined",
        "enrolled",
        "co_managed",
        "failed",
    ] {
        let _ = writeln!(
            body,
            "<tr><td>{state}</td><td>{}</td></tr>",
            grouped(s.counts.get(state).copied().unwrap_or(0))
        );
    }
    body.push_str(
        "</tbody></table>\n<h3>Enrollment funnel</h3>\n<p>Path-1 clients per state of the co-management \
         dashboard's funnel at the end of the run (<code>funnel.*</code> in timeline.csv, hour by hour).</p>\n\
         <table><tbody>\n",
    );
    for f in Funnel::ALL {
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td>{}</td></tr>",
            f.name(),
            grouped(s.funnel.get(f.name()).copied().unwrap_or(0))
        );
    }
    let _ = writeln!(
        body,
        "</tbody></table>\n<h3>Rollout: {}</h3>",
        if s.rollout.completed == 1 {
            "completed"
        } else {
            "NOT completed"
        }
    );
    body.push_str(
        "<table><thead><tr><th>stage</th><th>started</th><th>gate passed</th><th>outcome</th></tr>\
         </thead><tbody>\n",
    );
    for st in &s.rollout.stages {
        let at = |t: Option<u32>| {
            t.map_or_else(
                || "–".to_string(),
                |t| format!("{} ({})", human_seconds(f64::from(t)), start.short(t)),
            )
        };
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&st.name),
            at(st.started_at_s),
            at(st.gate_passed_at_s),
            escape(&st.outcome)
        );
    }
    body.push_str("</tbody></table>\n");
    Section {
        id: "overview".into(),
        title: "Summary".into(),
        body,
    }
}

/// The milestones of `summary.json`: per group and state, when 50/90/95/99 % of the group reached it.
pub fn milestones_section(results: &Results) -> Option<Section> {
    let s = &results.summary;
    let first = s.milestones.first()?;
    let start = Start::parse(&s.start).unwrap_or_default();
    let mut body = format!(
        "<p class=\"read\">The first hourly snapshot of <code>timeline.csv</code> at which the share of the group \
         was in the state, as a date in the start's offset ({}) and as time since the start; \
         \"not reached\" gives the share at the end. A stage's group is the devices it targets.</p>\n\
         <table><thead><tr><th>group</th><th>state</th><th>devices</th>",
        escape(&start.offset_text())
    );
    for (percent, _) in first.reached() {
        let _ = write!(body, "<th>{percent}%</th>");
    }
    body.push_str("<th>at the end</th></tr></thead><tbody>\n");
    for m in &s.milestones {
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td>",
            escape(&m.group),
            escape(&m.event),
            grouped(m.devices)
        );
        for (_, at) in m.reached() {
            let cell = at.map_or_else(
                || "not reached".to_string(),
                |t| format!("{} ({})", start.short(t), human_seconds(f64::from(t))),
            );
            let _ = write!(body, "<td>{}</td>", escape(&cell));
        }
        let _ = writeln!(body, "<td>{:.1}%</td></tr>", m.final_share * 100.0);
    }
    body.push_str("</tbody></table>\n");
    Some(Section {
        id: "milestones".into(),
        title: "Milestones".into(),
        body,
    })
}

/// A metric's count, mean, p50, p95, p99 and max as table cells (the summary's and the rings' tables).
fn stats_cells(st: &MetricStats) -> String {
    format!(
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
        grouped(st.count),
        st.mean.map_or_else(|| "–".to_string(), human_seconds),
        opt_seconds(st.p50),
        opt_seconds(st.p95),
        opt_seconds(st.p99),
        opt_seconds(st.max)
    )
}

/// The latency metrics per ring (`<metric>@<ring>` of `summary.json`): each stage's ring, every metric
/// with samples there.
pub fn rings_section(results: &Results) -> Option<Section> {
    let s = &results.summary;
    if s.rollout.stages.is_empty() {
        return None;
    }
    let mut body = String::from(
        "<p class=\"read\">A device counts in the ring of the first stage that targets it (a pilot device \
         is in the pilot's ring only); the pooled figures of the summary are the sum of the rings and of the \
         devices no stage targets. <code>summary.json</code> and <code>percentiles.csv</code> name them \
         <code>&lt;metric&gt;@&lt;ring&gt;</code>.</p>\n\
         <table><thead><tr><th>ring</th><th>metric</th><th>count</th><th>mean</th><th>p50</th><th>p95</th>\
         <th>p99</th><th>max</th></tr></thead><tbody>\n",
    );
    for (slug, stats) in s.ring_stats() {
        for (m, st) in stats {
            let _ = writeln!(
                body,
                "<tr><td>{}</td><td>{}</td>{}</tr>",
                escape(&slug),
                escape(&m.name()),
                stats_cells(st)
            );
        }
    }
    body.push_str("</tbody></table>\n");
    Some(Section {
        id: "rings".into(),
        title: "Per ring".into(),
        body,
    })
}

/// A figure's section: how to read it, then the inline SVG.
pub fn figure_section(figure: &Figure, svg: &str) -> Section {
    Section {
        id: figure.slug.clone(),
        title: figure
            .title
            .split(" — ")
            .next()
            .unwrap_or(&figure.title)
            .to_string(),
        body: format!(
            "<p class=\"read\">{}</p>\n<figure>{}</figure>\n",
            escape(&figure.how_to_read),
            svg.trim()
        ),
    }
}

/// The gate verdict of `gate.json` (the JSON of `cofleet gate --json`): pass or fail, then every row.
pub fn gate_section(gate: &serde_json::Value) -> Section {
    use serde_json::Value;
    let text = |v: Option<&Value>| match v {
        None | Some(Value::Null) => "–".to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    let verdict = text(gate.get("verdict"));
    let mut body = format!(
        "<p class=\"verdict {}\"><b>{}</b> · {} failing row{}</p>\n",
        if verdict == "pass" { "pass" } else { "fail" },
        escape(&verdict.to_uppercase()),
        escape(&text(gate.get("failures"))),
        if gate.get("failures").and_then(Value::as_u64) == Some(1) {
            ""
        } else {
            "s"
        }
    );
    if let Some(baseline) = gate.get("baseline").and_then(Value::as_str) {
        let _ = writeln!(body, "<p>Baseline: {}</p>", escape(baseline));
    }
    const COLUMNS: [&str; 8] = [
        "check", "key", "unit", "baseline", "current", "limit", "verdict", "reason",
    ];
    body.push_str("<table><thead><tr>");
    for c in COLUMNS {
        let _ = write!(body, "<th>{c}</th>");
    }
    body.push_str("</tr></thead><tbody>\n");
    for row in gate
        .get("rows")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice)
    {
        body.push_str("<tr>");
        for c in COLUMNS {
            let _ = write!(body, "<td>{}</td>", escape(&text(row.get(c))));
        }
        body.push_str("</tr>\n");
    }
    body.push_str("</tbody></table>\n");
    Section {
        id: "gate".into(),
        title: "Gate verdict".into(),
        body,
    }
}

/// The capacity breakdown: per component the clients, the published figure, the arithmetic, what is needed
/// and why, what is installed, and the verdict — so the counts can be redone by hand.
pub fn capacity_section(capacity: &CapacitySummary) -> Section {
    let mut body = format!("<p>{}</p>\n", escape(&capacity_out::heading(capacity)));
    body.push_str(
        "<table><thead><tr><th>component</th><th>sized for</th><th>published, per instance</th>\
         <th>arithmetic</th><th>needed</th><th>why</th><th>installed</th><th>verdict</th></tr></thead><tbody>\n",
    );
    for row in capacity_out::breakdown(capacity) {
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&row.component),
            escape(&row.clients),
            escape(&row.per_instance),
            escape(&row.arithmetic),
            row.needed,
            escape(&row.reason),
            escape(&row.have),
            escape(&row.verdict)
        );
    }
    body.push_str("</tbody></table>\n");
    let _ = writeln!(
        body,
        "<p>{}</p>",
        escape(&capacity_out::cost_line(capacity))
    );
    for w in &capacity.warnings {
        let _ = writeln!(body, "<p>Warning: {}</p>", escape(w));
    }
    body.push_str(
        "<p class=\"read\">Sizing from Microsoft's published figures (docs/model.md §4): management points by \
         clients per site, the CMG by its peak of concurrent connected clients, software update points by \
         clients. The load section's request rates are the model's own second view.</p>\n",
    );
    Section {
        id: "capacity".into(),
        title: "Capacity".into(),
        body,
    }
}

/// The load table (when the run counted load): per component the requests offered and served, those
/// delayed and rejected by its queue, the peak against the modelled capacity; then the CMG's content egress
/// and the headroom verdict.
pub fn load_section(results: &Results) -> Option<Section> {
    let load = results.summary.load.as_ref()?;
    let mut body = String::from(
        "<p class=\"read\">Offered: requests the fleet sent; served: those answered (all, unless \
         <code>[load] queue_limit</code> is set: an over-capacity component answers with delay); delayed: \
         waited at least a second in the component's queue. Assumed/s is the model's request-rate reading of \
         the published client counts, an assumption.</p>\n<table><thead><tr><th>component</th>\
         <th>offered</th><th>served</th><th>delayed</th><th>rejected</th><th>peak/s</th><th>at</th>\
         <th>assumed/s</th><th>peak utilisation</th></tr></thead><tbody>\n",
    );
    for (name, c) in &load.components {
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2}</td><td>{}</td>\
             <td>{}</td><td>{}</td></tr>",
            escape(name),
            grouped(c.total_requests),
            grouped(c.served),
            grouped(c.delayed),
            grouped(c.rejected),
            c.peak_requests_per_s,
            human_seconds(f64::from(c.peak_at_s)),
            c.capacity_per_s
                .map_or_else(|| "–".to_string(), |x| format!("{x:.2}")),
            c.peak_utilisation
                .map_or_else(|| "–".to_string(), |u| format!("{:.0}%", u * 100.0)),
        );
    }
    let e = &load.cmg_egress;
    let _ = writeln!(
        body,
        "</tbody></table>\n<p>CMG egress: <b>{:.1} GB</b> ({:.1} GB client installs, {:.1} GB content for \
         workloads on ConfigMgr).</p>\n<p>Request-rate view (a second opinion, not the capacity verdict): {}</p>",
        e.total_gb,
        e.client_install_gb,
        e.content_gb,
        escape(&load.headroom.verdict)
    );
    Some(Section {
        id: "load".into(),
        title: "Load".into(),
        body,
    })
}

/// The sections every run's report has: overview, the gate verdict when the folder has one, the capacity
/// breakdown and the load table when load was counted, then each figure with its SVG.
pub fn sections(results: &Results, figures: &[(Figure, String)]) -> Vec<Section> {
    let mut out = vec![overview(results)];
    out.extend(milestones_section(results));
    out.extend(rings_section(results));
    out.extend(results.gate.as_ref().map(gate_section));
    out.extend(results.summary.capacity.as_ref().map(capacity_section));
    out.extend(load_section(results));
    out.extend(figures.iter().map(|(f, svg)| figure_section(f, svg)));
    out
}

const STYLE: &str = "body{font-family:sans-serif;max-width:1240px;margin:2em auto;padding:0 1em;color:#222}\
table{border-collapse:collapse;margin:.5em 0 1em}th,td{padding:.25em .8em;border-bottom:1px solid #ddd;\
text-align:right}th:first-child,td:first-child{text-align:left}thead th{background:#f4f4f4}\
figure{margin:0}figure svg{max-width:100%;height:auto;border:1px solid #eee}.read{color:#444}";

/// The whole page.
pub fn page(results: &Results, sections: &[Section]) -> String {
    let s = &results.summary;
    page_titled(
        &format!("cofleet report — {} (seed {})", s.scenario, s.seed),
        sections,
    )
}

/// A page with this title and these sections (a run's report, or a sweep's).
pub fn page_titled(title: &str, sections: &[Section]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n\
         <style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>",
        escape(title),
        escape(title)
    );
    out.push_str("<nav><ul>\n");
    for sec in sections {
        let _ = writeln!(
            out,
            "<li><a href=\"#{}\">{}</a></li>",
            escape(&sec.id),
            escape(&sec.title)
        );
    }
    out.push_str("</ul></nav>\n");
    for sec in sections {
        let _ = writeln!(
            out,
            "<section id=\"{}\">\n<h2>{}</h2>\n{}</section>",
            escape(&sec.id),
            escape(&sec.title),
            sec.body
        );
    }
    out.push_str("</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(escape("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
    }
}
