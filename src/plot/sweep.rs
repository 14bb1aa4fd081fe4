//! A sweep's plots and `report.html`, drawn from its aggregated statistics (the numbers of `sweep.csv`):
//! a variant comparison (one bar per variant and key metric, with 95 % whiskers when replicas give
//! intervals) and sweep curves (a key metric against each numeric or duration `--set` parameter, one line
//! per combination of the other parameters). Same statistics, same bytes.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::figures::{Axis, Figure, Scale, Series, Style, TickFormat};
use super::html::{Section, escape};
use super::render::{self, RenderError};
use crate::report::summary::Summary;
use crate::sweep::combination_name;
use crate::sweep::export::{SweepStats, find};
use crate::sweep::shard::{Files, SweepPlan, comparison_tables};
use crate::units::{human_seconds, parse_duration};

/// The metrics (all means, in seconds) the sweep plots show.
pub const PLOTTED: [(&str, &str); 3] = [
    ("switch_latency.compliance_policies", "mean"),
    ("compliance_latency", "mean"),
    ("time_to_comanaged.existing_client", "mean"),
];

/// One plotted value: (series or variant, x label, mean, 95 % interval).
pub type Plotted = (String, String, f64, Option<(f64, f64)>);

/// A point of a sweep curve: (x, mean, 95 % interval, the `--set` value label).
type CurvePoint = (f64, f64, Option<(f64, f64)>, String);

/// A sweep figure with the values it plots, for the report's table: (series, x label, value, ci).
#[derive(Debug, Clone, PartialEq)]
pub struct SweepFigure {
    /// The figure.
    pub figure: Figure,
    /// (series or variant, x, mean, 95 % interval) of every plotted point.
    pub values: Vec<Plotted>,
}

fn slug(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

fn y_axis(metric: &str, top: f64) -> Axis {
    Axis {
        label: format!("{metric}, mean over replicas"),
        min: 0.0,
        max: if top > 0.0 { top * 1.1 } else { 1.0 },
        scale: Scale::Linear,
        format: TickFormat::Duration,
        ticks: Vec::new(),
    }
}

fn top_of(values: &[Plotted]) -> f64 {
    values
        .iter()
        .map(|(_, _, m, ci)| ci.map_or(*m, |(_, hi)| hi.max(*m)))
        .fold(0.0, f64::max)
}

/// One bar chart per [`PLOTTED`] metric that some variant has: bar `i` is variant `i` (plan order).
pub fn comparison(s: &SweepStats) -> Vec<SweepFigure> {
    let mut out = Vec::new();
    for (metric, statistic) in PLOTTED {
        let mut values = Vec::new();
        let mut bars = Vec::new();
        let mut whiskers = Vec::new();
        for (i, v) in s.variants.iter().enumerate() {
            let Some(e) = find(v, metric, statistic) else {
                continue;
            };
            let x = (i + 1) as f64;
            bars.push(Series {
                name: format!("{}: {}", i + 1, v.name),
                detail: String::new(),
                color: 6 + i % 7,
                style: Style::Bar,
                points: vec![(x, e.mean)],
                marks: Vec::new(),
            });
            if let Some((lo, hi)) = e.ci {
                whiskers.extend([(x, lo), (x, hi)]);
            }
            values.push((v.name.clone(), (i + 1).to_string(), e.mean, e.ci));
        }
        if values.is_empty() {
            continue;
        }
        let top = top_of(&values);
        let mut series = bars;
        if !whiskers.is_empty() {
            series.push(Series {
                name: "95 % confidence interval".into(),
                detail: format!("over {} replicas", s.replicas),
                color: 13,
                style: Style::Whisker,
                points: whiskers,
                marks: Vec::new(),
            });
        }
        let n = s.variants.len();
        let note = if s.replicas < 2 {
            " One replica per variant: no confidence intervals, so no whiskers — run with `--replicas 2` or \
             more to tell a difference from noise."
        } else {
            " Whiskers: 95 % confidence interval of the mean over the replicas."
        };
        out.push(SweepFigure {
            figure: Figure {
                slug: format!("compare_{}", slug(metric)),
                title: format!("{metric} ({statistic}) by variant — {}", s.scenario),
                how_to_read: format!(
                    "One bar per variant (numbered in plan order; names in the legend), its height the {statistic} \
                     of {metric} averaged over the replicas; lower is better.{note}"
                ),
                x: Axis {
                    label: "variant".into(),
                    min: 0.4,
                    max: n as f64 + 0.6,
                    scale: Scale::Linear,
                    format: TickFormat::Decimal,
                    ticks: (1..=n).map(|i| (i as f64, i.to_string())).collect(),
                },
                y: y_axis(metric, top),
                series,
                markers: Vec::new(),
                levels: Vec::new(),
            },
            values,
        });
    }
    out
}

/// A `--set` value as a number on an axis: a plain number, or a duration in seconds.
fn numeric(label: &str) -> Option<(f64, bool)> {
    if let Ok(x) = label.parse::<f64>() {
        return x.is_finite().then_some((x, false));
    }
    parse_duration(label).ok().map(|s| (s as f64, true))
}

/// For each `--set` parameter whose values are all numbers or all durations (at least two of them), and each
/// [`PLOTTED`] metric: the metric against the parameter, one line per combination of the other parameters
/// (and of the file's variants).
pub fn curves(s: &SweepStats) -> Vec<SweepFigure> {
    let mut out = Vec::new();
    for (p, key) in s.param_keys.iter().enumerate() {
        let parsed: Vec<Option<(f64, bool)>> =
            s.variants.iter().map(|v| numeric(&v.params[p])).collect();
        // The base run added to a sweep (`base`, its label `default` where the file leaves the key to its
        // default) has no point on the axis: it is left out of the curve, not the curve out of the report.
        let on_axis = |i: usize| {
            parsed[i].is_some() || s.variants[i].name != crate::scenario::overrides::BASE
        };
        let mut kept = parsed
            .iter()
            .enumerate()
            .filter(|(i, _)| on_axis(*i))
            .map(|(_, x)| *x);
        let Some(Some((_, duration))) = kept.next() else {
            continue;
        };
        if kept.any(|x| x.is_none_or(|(_, d)| d != duration)) {
            continue;
        }
        let distinct: std::collections::BTreeSet<u64> =
            parsed.iter().flatten().map(|(x, _)| x.to_bits()).collect();
        if distinct.len() < 2 {
            continue;
        }
        let xs: Vec<f64> = parsed.iter().flatten().map(|(x, _)| *x).collect();
        let (x_min, x_max) = xs
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                (a.min(x), b.max(x))
            });
        // The line a variant belongs to: its file variant and the other parameters' values.
        let line_of = |i: usize| -> String {
            let v = &s.variants[i];
            let others: Vec<(String, String)> = s
                .param_keys
                .iter()
                .zip(&v.params)
                .enumerate()
                .filter(|(j, _)| *j != p)
                .map(|(_, (k, val))| (k.clone(), val.clone()))
                .collect();
            let all: Vec<(String, String)> = s
                .param_keys
                .iter()
                .cloned()
                .zip(v.params.iter().cloned())
                .collect();
            let set_part = combination_name(crate::scenario::overrides::BASE, &all);
            let file_variant = v
                .name
                .strip_suffix(&set_part)
                .map(|f| f.trim_end_matches('+'))
                .filter(|f| !f.is_empty())
                .unwrap_or(crate::scenario::overrides::BASE);
            let mut parts = vec![file_variant.to_string()];
            parts.extend(others.iter().map(|(k, val)| format!("{k}={val}")));
            parts.join(" ")
        };
        for (metric, statistic) in PLOTTED {
            // Lines in order of first appearance (plan order); points sorted by x.
            let mut order: Vec<String> = Vec::new();
            let mut lines: BTreeMap<String, Vec<CurvePoint>> = BTreeMap::new();
            for (i, v) in s.variants.iter().enumerate() {
                let (Some((x, _)), Some(e)) = (parsed[i], find(v, metric, statistic)) else {
                    continue;
                };
                let line = line_of(i);
                if !lines.contains_key(&line) {
                    order.push(line.clone());
                }
                lines
                    .entry(line)
                    .or_default()
                    .push((x, e.mean, e.ci, v.params[p].clone()));
            }
            if order.is_empty() {
                continue;
            }
            let mut series = Vec::new();
            let mut values = Vec::new();
            for (c, name) in order.iter().enumerate() {
                let mut pts = lines.remove(name).unwrap_or_default();
                pts.sort_by(|a, b| a.0.total_cmp(&b.0));
                let color = 6 + c % 7;
                let mut whiskers = Vec::new();
                for (x, mean, ci, label) in &pts {
                    values.push((name.clone(), label.clone(), *mean, *ci));
                    if let Some((lo, hi)) = ci {
                        whiskers.extend([(*x, *lo), (*x, *hi)]);
                    }
                }
                series.push(Series {
                    name: name.clone(),
                    detail: String::new(),
                    color,
                    style: Style::Line,
                    points: pts.iter().map(|(x, y, _, _)| (*x, *y)).collect(),
                    marks: pts
                        .iter()
                        .map(|(x, y, _, _)| (*x, *y, String::new()))
                        .collect(),
                });
                if !whiskers.is_empty() {
                    series.push(Series {
                        name: format!("{name}: 95 % CI"),
                        detail: String::new(),
                        color,
                        style: Style::Whisker,
                        points: whiskers,
                        marks: Vec::new(),
                    });
                }
            }
            let top = top_of(&values);
            let pad = (x_max - x_min) * 0.05;
            out.push(SweepFigure {
                figure: Figure {
                    slug: format!("curve_{}__{}", slug(key), slug(metric)),
                    title: format!("{metric} ({statistic}) against {key} — {}", s.scenario),
                    how_to_read: format!(
                        "The {statistic} of {metric} (averaged over the replicas) at each value of --set {key}; \
                         one line per combination of the other parameters.{}",
                        if s.replicas < 2 {
                            " One replica: no confidence intervals."
                        } else {
                            " Whiskers: 95 % confidence interval of the mean."
                        }
                    ),
                    x: Axis {
                        label: key.clone(),
                        min: x_min - pad,
                        max: x_max + pad,
                        scale: Scale::Linear,
                        format: if duration {
                            TickFormat::Duration
                        } else {
                            TickFormat::Count
                        },
                        ticks: Vec::new(),
                    },
                    y: y_axis(metric, top),
                    series,
                    markers: Vec::new(),
                    levels: Vec::new(),
                },
                values,
            });
        }
    }
    out
}

/// Inline markdown of `comparison.md` as HTML: `**bold**` and `` `code` ``, the rest escaped.
fn inline_html(text: &str) -> String {
    let mut out = String::new();
    let (mut bold, mut code) = (false, false);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if !code && rest.starts_with("**") {
            out.push_str(if bold { "</strong>" } else { "<strong>" });
            bold = !bold;
            rest = &rest[2..];
            continue;
        }
        if c == '`' {
            out.push_str(if code { "</code>" } else { "<code>" });
            code = !code;
        } else {
            out.push_str(&escape(&c.to_string()));
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// `comparison.md` as HTML (what the sweep report shows): its tables as `<table>` (numbers right-aligned),
/// headings, paragraphs and lists as such — the same text, readable in a browser and wrapped to the page.
pub fn comparison_html(md: &str) -> String {
    let mut out = String::new();
    let mut in_table = false;
    let mut in_list = false;
    for line in md.lines() {
        let cells = line
            .strip_prefix('|')
            .and_then(|l| l.strip_suffix('|'))
            .map(|l| l.split(" | ").map(str::trim).collect::<Vec<_>>());
        if !line.starts_with("- ") && in_list {
            out.push_str("</ul>\n");
            in_list = false;
        }
        match cells {
            Some(cells)
                if cells
                    .iter()
                    .all(|c| c.trim_end_matches(':').trim_matches('-').is_empty()) => {}
            Some(cells) if !in_table => {
                out.push_str("<table class=\"comparison\"><thead><tr>");
                for c in cells {
                    let _ = write!(out, "<th>{}</th>", inline_html(c));
                }
                out.push_str("</tr></thead><tbody>\n");
                in_table = true;
            }
            Some(cells) => {
                out.push_str("<tr>");
                for c in cells {
                    let _ = write!(out, "<td>{}</td>", inline_html(c));
                }
                out.push_str("</tr>\n");
            }
            None => {
                if in_table {
                    out.push_str("</tbody></table>\n");
                    in_table = false;
                }
                if let Some(h) = line.strip_prefix("## ") {
                    let _ = writeln!(out, "<h3>{}</h3>", inline_html(h));
                } else if let Some(h) = line.strip_prefix("# ") {
                    let _ = writeln!(out, "<p><strong>{}</strong></p>", inline_html(h));
                } else if let Some(item) = line.strip_prefix("- ") {
                    if !in_list {
                        out.push_str("<ul>\n");
                        in_list = true;
                    }
                    let _ = writeln!(out, "<li>{}</li>", inline_html(item));
                } else if !line.trim().is_empty() {
                    let _ = writeln!(out, "<p>{}</p>", inline_html(line));
                }
            }
        }
    }
    if in_table {
        out.push_str("</tbody></table>\n");
    }
    if in_list {
        out.push_str("</ul>\n");
    }
    out
}

/// Seconds as `12.5m`, `3.20h` (a confidence bound may be below zero).
fn signed_human(seconds: f64) -> String {
    if seconds < 0.0 {
        format!("−{}", human_seconds(-seconds))
    } else {
        human_seconds(seconds)
    }
}

fn values_table(f: &SweepFigure, x_header: &str) -> String {
    let mut t = format!(
        "<table><thead><tr><th>series</th><th>{}</th><th>mean</th><th>low (95 %)</th><th>high (95 %)</th>\
         </tr></thead><tbody>\n",
        escape(x_header)
    );
    for (name, x, mean, ci) in &f.values {
        let (lo, hi) = ci.map_or((String::new(), String::new()), |(lo, hi)| {
            (signed_human(lo), signed_human(hi))
        });
        let _ = writeln!(
            t,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{lo}</td><td>{hi}</td></tr>",
            escape(name),
            escape(x),
            signed_human(*mean)
        );
    }
    t.push_str("</tbody></table>\n");
    t
}

/// Everything a sweep's folder holds besides its runs: the comparison tables
/// ([`comparison_tables`]) and, drawn from the same statistics, `plots/*.svg` and `report.html`; also
/// `comparison.md` as text, for stdout. The one place both `cofleet sweep` and `cofleet merge` build them.
pub fn comparison_files(
    plan: &SweepPlan,
    summaries: &[Vec<Summary>],
) -> Result<(String, Files), RenderError> {
    let (stats, md, mut files) = comparison_tables(plan, summaries);
    files.extend(sweep_plot_files(&stats, &md, super::Format::Both)?);
    Ok((md, files))
}

/// `plots/<figure>.{svg,png}` (as `format` says) and `report.html` of a sweep whose `comparison.md` is
/// `comparison_md`, as (relative path, bytes) in a fixed order.
pub fn sweep_plot_files(
    s: &SweepStats,
    comparison_md: &str,
    format: super::Format,
) -> Result<Vec<(String, Vec<u8>)>, RenderError> {
    let mut files = Vec::new();
    let mut sections = vec![Section {
        id: "comparison".into(),
        title: "Comparison".into(),
        body: comparison_html(comparison_md),
    }];
    let figures: Vec<(SweepFigure, &str)> = comparison(s)
        .into_iter()
        .map(|f| (f, "variant"))
        .chain(curves(s).into_iter().map(|f| (f, "value")))
        .collect();
    for (f, x_header) in &figures {
        let svg = render::svg(&f.figure)?;
        let mut section = super::html::figure_section(&f.figure, &svg);
        section.body.push_str(&values_table(f, x_header));
        sections.push(section);
        if format != super::Format::Png {
            files.push((format!("plots/{}.svg", f.figure.slug), svg.into_bytes()));
        }
        if format != super::Format::Svg {
            files.push((
                format!("plots/{}.png", f.figure.slug),
                render::png(&f.figure)?,
            ));
        }
    }
    let title = format!("cofleet sweep report — {}", s.scenario);
    files.push((
        "report.html".to_string(),
        super::html::page_titled(&title, &sections).into_bytes(),
    ));
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::ReplicaMean;
    use crate::sweep::Row;
    use crate::sweep::export::VariantStats;

    /// Variants `poll=<p>+n=<n>` for polls 30m, 1h and n 1, 2; the metric's replicas are `values(i)`.
    fn stats(replicas: usize) -> SweepStats {
        let mut variants = Vec::new();
        for (i, (poll, n)) in [("30m", "1"), ("30m", "2"), ("1h", "1"), ("1h", "2")]
            .into_iter()
            .enumerate()
        {
            let vals: Vec<f64> = (0..replicas).map(|k| 100.0 * i as f64 + k as f64).collect();
            variants.push(VariantStats {
                name: format!("poll={poll}+n={n}"),
                params: vec![poll.into(), n.into()],
                rows: vec![Row {
                    metric: "compliance_latency".into(),
                    statistic: "mean",
                    estimate: ReplicaMean::of(&vals),
                }],
            });
        }
        SweepStats {
            scenario: "s".into(),
            param_keys: vec!["poll".into(), "n".into()],
            replicas: replicas as u32,
            devices: 10,
            variants,
            reference: 0,
        }
    }

    #[test]
    fn bars_are_the_means_with_whiskers_only_with_replicas() {
        let s = stats(3);
        let figs = comparison(&s);
        assert_eq!(figs.len(), 1, "only metrics the sweep has");
        let f = &figs[0].figure;
        let bars: Vec<(f64, f64)> = f
            .series
            .iter()
            .filter(|s| s.style == Style::Bar)
            .flat_map(|s| s.points.clone())
            .collect();
        assert_eq!(bars, [(1.0, 1.0), (2.0, 101.0), (3.0, 201.0), (4.0, 301.0)]);
        let whiskers = f.series.iter().find(|s| s.style == Style::Whisker).unwrap();
        assert_eq!(whiskers.points.len(), 8);
        let one = comparison(&stats(1));
        assert!(one[0].figure.series.iter().all(|s| s.style == Style::Bar));
        assert!(one[0].figure.how_to_read.contains("no whiskers"));
    }

    #[test]
    fn curves_follow_each_numeric_parameter() {
        let figs = curves(&stats(1));
        let slugs: Vec<&str> = figs.iter().map(|f| f.figure.slug.as_str()).collect();
        assert_eq!(
            slugs,
            [
                "curve_poll__compliance_latency",
                "curve_n__compliance_latency"
            ]
        );
        let poll = &figs[0].figure;
        assert_eq!(poll.x.format, TickFormat::Duration);
        let lines: Vec<(&str, &[(f64, f64)])> = poll
            .series
            .iter()
            .map(|s| (s.name.as_str(), s.points.as_slice()))
            .collect();
        assert_eq!(
            lines,
            [
                ("base n=1", &[(1800.0, 0.0), (3600.0, 200.0)][..]),
                ("base n=2", &[(1800.0, 100.0), (3600.0, 300.0)][..]),
            ]
        );
        assert_eq!(figs[1].figure.x.format, TickFormat::Count);
        assert!(sweep_plot_files(&stats(2), "md", crate::plot::Format::Svg).is_ok());
    }
}
