//! Each plot as plain data: a [`Figure`] is built from the parsed results by a pure function, so tests can
//! check plotted points against the CSV without decoding an image, and one renderer draws every figure.

use super::data::{Results, STATES};
use crate::model::workload::Workload;
use crate::units::human_seconds;

const DAY: f64 = 86_400.0;
const HOUR: f64 = 3_600.0;

/// How an axis maps values to positions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scale {
    /// Evenly spaced values; tick labels chosen by the renderer.
    Linear,
    /// log10 spacing; tick labels are the axis's `ticks`.
    Log,
}

/// How tick values are written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TickFormat {
    /// Plain number with thousands separators (device counts, requests/s).
    Count,
    /// Seconds written as `42s`, `12.5m`, `3.20h`, `2.15d`.
    Duration,
    /// A number followed by `%`.
    Percent,
    /// A plain decimal (times already in hours or days: the unit is in the label).
    Decimal,
}

/// One axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// Label, with the unit.
    pub label: String,
    /// Lowest value shown.
    pub min: f64,
    /// Highest value shown.
    pub max: f64,
    /// Linear or log.
    pub scale: Scale,
    /// How ticks are written.
    pub format: TickFormat,
    /// Explicit ticks (value, label); empty = the renderer picks them.
    pub ticks: Vec<(f64, String)>,
}

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Style {
    /// Solid line.
    Line,
    /// Dashed line (reference values such as capacity or an upper bound).
    Dashed,
    /// Filled from the x axis up to the points: stacked layers are given cumulatively, top layer first.
    Area,
    /// One filled bar per point, centred on its x (width 0.7 in x units), from 0 up to its y.
    Bar,
    /// Error bars: points taken in pairs `(x, low), (x, high)`, each drawn as a vertical line with caps.
    Whisker,
}

/// One named series.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend text.
    pub name: String,
    /// Second legend line (e.g. the series' p50/p95/p99), may be empty.
    pub detail: String,
    /// Palette index (stable per meaning, so colours agree between plots).
    pub color: usize,
    /// How to draw it.
    pub style: Style,
    /// (x, y) in axis units.
    pub points: Vec<(f64, f64)>,
    /// Points to mark with a dot and a short label (percentiles, a peak).
    pub marks: Vec<(f64, f64, String)>,
}

/// A vertical line across the chart at an x value (a stage start, a gate pass).
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    /// x in axis units.
    pub x: f64,
    /// Short tag drawn at the line (`S1`, `G1`).
    pub tag: String,
    /// What the tag means, for the legend.
    pub label: String,
}

/// A horizontal reference line at a y value (p50, p95, p99).
#[derive(Debug, Clone, PartialEq)]
pub struct Level {
    /// y in axis units.
    pub y: f64,
    /// Label at the line's end.
    pub label: String,
}

/// A whole plot, ready to render.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// File stem under `plots/`.
    pub slug: String,
    /// Title: what, for which scenario and seed.
    pub title: String,
    /// One sentence on how to read it (shown in report.html).
    pub how_to_read: String,
    /// Horizontal axis.
    pub x: Axis,
    /// Vertical axis.
    pub y: Axis,
    /// Series in drawing order.
    pub series: Vec<Series>,
    /// Vertical markers.
    pub markers: Vec<Marker>,
    /// Horizontal reference lines.
    pub levels: Vec<Level>,
}

impl Figure {
    /// True when no series has a point: the renderer then writes "no data" instead of a chart.
    pub fn is_empty(&self) -> bool {
        self.series.iter().all(|s| s.points.is_empty())
    }
}

/// Time unit of the x axis: days for runs of two days or more, else hours.
pub fn time_axis(duration_s: u32) -> (f64, &'static str) {
    if f64::from(duration_s) >= 2.0 * DAY {
        (DAY, "days")
    } else {
        (HOUR, "hours")
    }
}

fn time_x(results: &Results, what: &str) -> Axis {
    time_axis_of(&results.summary.start, results.summary.duration_s, what)
}

/// The time axis of a run lasting `duration_s` from `start` (RFC 3339, as summary.json states it): days or
/// hours, with date ticks on an axis in days.
pub fn time_axis_of(start_text: &str, duration_s: u32, what: &str) -> Axis {
    let (unit, name) = time_axis(duration_s);
    // The start as a date, so that a day on the axis can be read as a weekday and date.
    let start = crate::model::calendar::Start::parse(start_text).unwrap_or_default();
    Axis {
        label: format!(
            "{what} ({name}; 0 = {} {})",
            start.short(0),
            start.offset_text()
        ),
        min: 0.0,
        max: f64::from(duration_s.max(1)) / unit,
        scale: Scale::Linear,
        format: TickFormat::Decimal,
        ticks: date_ticks(start_text, duration_s, unit),
    }
}

/// At most this many date ticks on a time axis, so that their labels never overlap.
const MAX_DATE_TICKS: f64 = 8.0;

/// Day ticks labelled with their date (`Mon 11 Jan`) on an axis in days, when `summary.json` states the start;
/// every 1, 2, 3, 7, 14 or 28 days, the smallest step that keeps at most [`MAX_DATE_TICKS`]. Empty (the
/// renderer's day numbers) on an axis in hours or without a start.
fn date_ticks(start_text: &str, duration_s: u32, unit: f64) -> Vec<(f64, String)> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let Ok(start) = crate::model::calendar::Start::parse(start_text) else {
        return Vec::new();
    };
    if unit != DAY {
        return Vec::new();
    }
    let days = f64::from(duration_s) / DAY;
    let step = [1u32, 2, 3, 7, 14, 28]
        .into_iter()
        .find(|&s| (days / f64::from(s)).floor() + 1.0 <= MAX_DATE_TICKS)
        .unwrap_or(28);
    (0..)
        .map(|i| i * step)
        .take_while(|&d| f64::from(d) <= days)
        .map(|d| {
            let t = d * 86_400;
            // `Mon 2027-01-11 08:00` → `Mon 11 Jan`.
            let short = start.short(t);
            let month = short[9..11].parse::<usize>().unwrap_or(1);
            let label = format!(
                "{} {} {}",
                &short[..3],
                short[12..14].trim_start_matches('0'),
                MONTHS[(month + 11) % 12]
            );
            (f64::from(d), label)
        })
        .collect()
}

fn subtitle(results: &Results) -> String {
    format!(
        "{} · seed {} · {} devices",
        results.summary.scenario,
        results.summary.seed,
        crate::units::grouped(u64::from(results.summary.devices))
    )
}

/// Stage starts (`S<n>`) and gate passes (`G<n>`) from `summary.json`, in time order.
pub fn stage_markers(results: &Results) -> Vec<Marker> {
    let (unit, _) = time_axis(results.summary.duration_s);
    let mut out = Vec::new();
    for (i, stage) in results.summary.rollout.stages.iter().enumerate() {
        if let Some(t) = stage.started_at_s {
            out.push(Marker {
                x: f64::from(t) / unit,
                tag: format!("S{}", i + 1),
                label: format!(
                    "S{}: \"{}\" starts at {}",
                    i + 1,
                    stage.name,
                    human_seconds(f64::from(t))
                ),
            });
        }
        if let Some(t) = stage.gate_passed_at_s {
            out.push(Marker {
                x: f64::from(t) / unit,
                tag: format!("G{}", i + 1),
                label: format!(
                    "G{}: its gate passes at {}",
                    i + 1,
                    human_seconds(f64::from(t))
                ),
            });
        }
    }
    out.sort_by(|a, b| a.x.total_cmp(&b.x));
    out
}

/// Fleet flow: devices per state over time, stacked (co-managed at the bottom).
pub fn fleet_flow(results: &Results) -> Figure {
    let (unit, _) = time_axis(results.summary.duration_s);
    let tl = &results.timeline;
    let xs: Vec<f64> = tl.time_s.iter().map(|&t| t as f64 / unit).collect();
    let mut cumulative = vec![0i64; xs.len()];
    let mut layers = Vec::new();
    for (i, state) in STATES.iter().enumerate() {
        let values = tl.column(state).unwrap_or(&[]);
        for (c, v) in cumulative.iter_mut().zip(values) {
            *c += v;
        }
        layers.push(Series {
            name: state.to_string(),
            detail: String::new(),
            color: i,
            style: Style::Area,
            points: xs
                .iter()
                .zip(&cumulative)
                .map(|(&x, &c)| (x, c as f64))
                .collect(),
            marks: Vec::new(),
        });
    }
    // Top layer first, so each lower layer is drawn over the one above it.
    layers.reverse();
    Figure {
        slug: "fleet_flow".into(),
        title: format!("Fleet flow — {}", subtitle(results)),
        how_to_read: "Each band is the number of devices in that state at that time (bands are stacked, \
                      co-managed at the bottom); vertical lines mark stage starts (S) and gate passes (G)."
            .into(),
        x: time_x(results, "time since co-management was enabled"),
        y: Axis {
            label: "devices".into(),
            min: 0.0,
            max: f64::from(results.summary.devices.max(1)),
            scale: Scale::Linear,
            format: TickFormat::Count,
            ticks: Vec::new(),
        },
        series: layers,
        markers: stage_markers(results),
        levels: Vec::new(),
    }
}

/// Authority over time: per workload, the co-managed devices whose authority for it is Intune.
pub fn authority(results: &Results) -> Figure {
    let (unit, _) = time_axis(results.summary.duration_s);
    let tl = &results.timeline;
    let xs: Vec<f64> = tl.time_s.iter().map(|&t| t as f64 / unit).collect();
    let line = |values: &[i64]| -> Vec<(f64, f64)> {
        xs.iter()
            .zip(values)
            .map(|(&x, &v)| (x, v as f64))
            .collect()
    };
    let mut series = vec![Series {
        name: "co-managed devices (upper bound)".into(),
        detail: String::new(),
        color: 18,
        style: Style::Dashed,
        points: line(tl.column("co_managed").unwrap_or(&[])),
        marks: Vec::new(),
    }];
    for (i, w) in Workload::ALL.iter().enumerate() {
        let values = tl.column(&format!("{}.intune", w.name())).unwrap_or(&[]);
        series.push(Series {
            name: w.name().to_string(),
            detail: String::new(),
            color: 6 + i,
            style: Style::Line,
            points: line(values),
            marks: Vec::new(),
        });
    }
    Figure {
        slug: "authority".into(),
        title: format!("Workload authority on Intune — {}", subtitle(results)),
        how_to_read:
            "Each line counts the co-managed devices that have switched that workload to Intune; \
                      the dashed line is all co-managed devices, the most any workload can reach."
                .into(),
        x: time_x(results, "time since co-management was enabled"),
        y: Axis {
            label: "co-managed devices with Intune authority".into(),
            min: 0.0,
            // Headroom, so lines at the fleet size do not hide in the frame.
            max: f64::from(results.summary.devices.max(1)) * 1.05,
            scale: Scale::Linear,
            format: TickFormat::Count,
            ticks: Vec::new(),
        },
        series,
        markers: stage_markers(results),
        levels: Vec::new(),
    }
}

/// Human tick values for a log time axis, from 1 s to a year: the durations a planner thinks in (5m, 15m,
/// 1h, 6h, 1d, 1w), never a computed 1.39h.
const LOG_TICKS: [(f64, &str); 15] = [
    (1.0, "1s"),
    (10.0, "10s"),
    (60.0, "1m"),
    (300.0, "5m"),
    (900.0, "15m"),
    (3_600.0, "1h"),
    (6.0 * 3_600.0, "6h"),
    (86_400.0, "1d"),
    (3.0 * 86_400.0, "3d"),
    (7.0 * 86_400.0, "1w"),
    (14.0 * 86_400.0, "2w"),
    (30.0 * 86_400.0, "30d"),
    (90.0 * 86_400.0, "90d"),
    (182.0 * 86_400.0, "26w"),
    (365.0 * 86_400.0, "365d"),
];

/// The percentiles marked on every CDF curve.
pub const MARKED: [f64; 3] = [50.0, 95.0, 99.0];

/// Latency CDFs of `metrics` (name, legend text) from `percentiles.csv` (203 quantiles per metric, from the
/// exact minimum to the exact maximum), on a log time axis; metrics with identical quantiles share one
/// curve whose legend names them all (comma-separated); a metric without samples keeps its legend entry,
/// marked "no data".
pub fn latency_cdf(
    results: &Results,
    slug: &str,
    what: &str,
    metrics: &[(String, String)],
    color_base: usize,
) -> Figure {
    let mut series: Vec<Series> = Vec::new();
    let mut lowest = f64::INFINITY;
    let mut highest: f64 = 1.0;
    // Curves with exactly the same quantiles would hide each other: each distinct curve is drawn once,
    // labelled with every metric it stands for (in the given order).
    let mut drawn: Vec<&[super::data::Quantile]> = Vec::new();
    for (i, (metric, legend)) in metrics.iter().enumerate() {
        let quantiles = results
            .percentiles
            .get(metric)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        if !quantiles.is_empty() {
            if let Some(k) = drawn.iter().position(|d| *d == quantiles) {
                let same = series
                    .iter_mut()
                    .filter(|s| !s.points.is_empty())
                    .nth(k)
                    .expect("one series per drawn curve");
                same.name = format!("{}, {legend}", same.name);
                continue;
            }
            drawn.push(quantiles);
        }
        for q in quantiles {
            if q.seconds > 0 {
                lowest = lowest.min(q.seconds as f64);
            }
            highest = highest.max(q.seconds as f64);
        }
        let points: Vec<(f64, f64)> = quantiles
            .iter()
            .map(|q| (q.seconds as f64, q.percentile))
            .collect();
        let marks: Vec<(f64, f64, String)> = quantiles
            .iter()
            .filter(|q| MARKED.contains(&q.percentile))
            .map(|q| (q.seconds as f64, q.percentile, String::new()))
            .collect();
        let detail = if points.is_empty() {
            "no data (no samples in this run)".to_string()
        } else {
            marks
                .iter()
                .map(|(s, p, _)| format!("p{p} {}", human_seconds(*s)))
                .collect::<Vec<_>>()
                .join(" · ")
        };
        series.push(Series {
            name: legend.clone(),
            detail,
            color: color_base + i,
            style: Style::Line,
            points,
            marks,
        });
    }
    // Axis from the smallest positive sample (no empty stretch before the first sample) to the tick at or
    // above the largest; zero latencies sit on the left edge.
    let min = if lowest.is_finite() { lowest } else { 1.0 };
    let max = LOG_TICKS
        .iter()
        .map(|t| t.0)
        .find(|&t| t >= highest && t > min)
        .unwrap_or(LOG_TICKS[LOG_TICKS.len() - 1].0);
    for s in &mut series {
        for p in &mut s.points {
            p.0 = p.0.clamp(min, max);
        }
        for m in &mut s.marks {
            m.0 = m.0.clamp(min, max);
        }
    }
    Figure {
        slug: slug.to_string(),
        title: format!("{what} — {}", subtitle(results)),
        how_to_read: "Each curve gives, for a latency on the (log) x axis, the share of samples at or below \
                      it; dots mark p50, p95 and p99, whose values are in the legend; zero latencies sit on \
                      the left edge; metrics with the same distribution share one curve, named together."
            .into(),
        x: Axis {
            label: "latency (log scale; s = seconds, m = minutes, h = hours, d = days)".into(),
            min,
            max,
            scale: Scale::Log,
            format: TickFormat::Duration,
            ticks: LOG_TICKS
                .iter()
                .filter(|t| t.0 >= min && t.0 <= max)
                .map(|t| (t.0, t.1.to_string()))
                .collect(),
        },
        y: Axis {
            label: "share of samples at or below (%)".into(),
            min: 0.0,
            max: 100.0,
            scale: Scale::Linear,
            format: TickFormat::Percent,
            ticks: Vec::new(),
        },
        series,
        markers: Vec::new(),
        levels: MARKED
            .iter()
            .map(|&p| Level {
                y: p,
                label: format!("p{p}"),
            })
            .collect(),
    }
}

/// Switch latency per workload and compliance latency.
pub fn switch_latency(results: &Results) -> Figure {
    let mut metrics: Vec<(String, String)> = Workload::ALL
        .iter()
        .map(|w| (format!("switch_latency.{}", w.name()), w.name().to_string()))
        .collect();
    metrics.push(("compliance_latency".into(), "compliance_latency".into()));
    latency_cdf(
        results,
        "latency_switch",
        "Switch latency per workload and compliance latency",
        &metrics,
        6,
    )
}

/// Time to co-managed per path.
pub fn time_to_comanaged(results: &Results) -> Figure {
    let metrics = ["existing_client", "new_internet"]
        .map(|p| (format!("time_to_comanaged.{p}"), format!("path: {p}")));
    latency_cdf(
        results,
        "latency_comanaged",
        "Time to co-managed per path",
        &metrics,
        14,
    )
}

/// Most points a load line is drawn with: a month of 1-minute buckets is 43,200 points, more than a
/// 1,200-pixel plot can show.
const MAX_LOAD_POINTS: usize = 2_400;

/// Keeps the shape of a dense series for drawing: consecutive points in groups, each group drawn as its
/// highest value at its first x (so peaks are never flattened away). Series up to `max` points are unchanged.
fn envelope(points: &[(f64, f64)], max: usize) -> Vec<(f64, f64)> {
    if points.len() <= max {
        return points.to_vec();
    }
    let group = points.len().div_ceil(max);
    points
        .chunks(group)
        .map(|g| {
            let top = g.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
            (g[0].0, top)
        })
        .collect()
}

/// Load vs capacity, one figure per component of `load.csv` (none when the run wrote no load.csv).
pub fn load(results: &Results) -> Vec<Figure> {
    let Some(components) = results.load.as_ref().filter(|c| !c.is_empty()) else {
        return Vec::new();
    };
    let (unit, _) = time_axis(results.summary.duration_s);
    // Distinct bucket starts.
    let mut starts: Vec<u64> = components
        .iter()
        .flat_map(|c| c.buckets.iter().map(|b| b.0))
        .collect();
    starts.sort_unstable();
    starts.dedup();
    // Every bucket has the same length: the smallest gap between distinct starts (a bucket without any
    // request has no row in load.csv). A single bucket runs to the end of the simulation.
    let bucket = starts
        .windows(2)
        .map(|w| w[1] - w[0])
        .min()
        .unwrap_or_else(|| u64::from(results.summary.duration_s).saturating_sub(starts[0]))
        .max(1);
    let (first, last) = (starts[0], *starts.last().unwrap_or(&starts[0]));
    components
        .iter()
        .map(|c| {
            let component = c.component.as_str();
            // Every bucket from the first to the last start (a bucket without a row held no request), and any
            // start off that grid (a hand-edited file), in time order.
            let mut buckets: Vec<(u64, f64, Option<f64>)> =
                Vec::with_capacity(((last - first) / bucket + 1) as usize);
            let mut rows = c.buckets.iter().peekable();
            let mut grid = first;
            loop {
                let next_row = rows.peek().map(|r| r.0);
                let at = match next_row {
                    Some(r) if grid > last || r <= grid => r,
                    _ if grid <= last => grid,
                    _ => break,
                };
                if next_row == Some(at) {
                    buckets.extend(rows.next().copied());
                } else {
                    buckets.push((at, 0.0, None));
                }
                if at == grid {
                    grid += bucket;
                }
            }
            let rate: Vec<(f64, f64)> = buckets
                .iter()
                .map(|&(s, req, _)| (s as f64 / unit, req / bucket as f64))
                .collect();
            // Served per bucket on the same grid (a bucket without a row served nothing new to show: 0).
            let mut served_rows = c.served.iter().peekable();
            let served: Vec<(f64, f64)> = buckets
                .iter()
                .map(|&(s, _, _)| {
                    while served_rows.peek().is_some_and(|p| p.0 < s) {
                        served_rows.next();
                    }
                    let n = served_rows.peek().filter(|p| p.0 == s).map_or(0.0, |p| p.1);
                    (s as f64 / unit, n / bucket as f64)
                })
                .collect();
            // Only when the queue held requests back is served a line of its own; else it is the offered line.
            let held_back = served.iter().zip(&rate).any(|(a, b)| (a.1 - b.1).abs() > 1e-9);
            // The capacity is constant over a run: carry it to the buckets that had no row.
            let known = buckets.iter().find_map(|&(_, _, cap)| cap);
            let capacity: Vec<(f64, f64)> = match known {
                Some(cap) => buckets.iter().map(|&(s, _, _)| (s as f64 / unit, cap)).collect(),
                None => Vec::new(),
            };
            let cap = known.unwrap_or(0.0);
            let peak = rate.iter().fold(None, |best: Option<((f64, f64), f64)>, &p| match best {
                Some((b, _)) if b.1 >= p.1 => best,
                _ => Some((p, cap)),
            });
            let top = rate
                .iter()
                .chain(&capacity)
                .map(|p| p.1)
                .fold(1.0_f64, f64::max);
            let mut marks = Vec::new();
            let mut detail = String::new();
            if let Some(((x, y), cap)) = peak {
                let share = if cap > 0.0 {
                    format!(" = {:.0}% of the assumed rate", 100.0 * y / cap)
                } else {
                    String::new()
                };
                detail = format!("peak {y:.1}/s at {}{share}", human_seconds(x * unit));
                marks.push((x, y, format!("peak {y:.1}/s")));
            }
            Figure {
                slug: format!("load_{component}"),
                title: format!("Load on {component} — {}", subtitle(results)),
                how_to_read: if known.is_some() {
                    "The solid line is the requests per second the component received (offered, all \
                     request types; on long runs each point is the highest bucket of a few consecutive ones); \
                     when its queue held requests back, a second solid line shows those it served; the \
                     dashed line is the request rate the model assumes it serves — the model's assumption, \
                     derived from the published client count at one policy request per 60 min, not a \
                     published figure (the request-rate view, a second opinion beside the capacity \
                     verdict); the dot marks the peak."
                        .into()
                } else {
                    "The line is the requests per second the component received (all request types; on \
                     long runs each point is the highest bucket of a few consecutive ones); no capacity is \
                     modelled for it (counted only); the dot marks the peak."
                        .into()
                },
                x: time_x(results, "time since co-management was enabled"),
                y: Axis {
                    label: "requests per second".into(),
                    min: 0.0,
                    max: top * 1.1,
                    scale: Scale::Linear,
                    format: TickFormat::Count,
                    ticks: Vec::new(),
                },
                series: {
                    let mut series = vec![Series {
                        name: if held_back { "offered/s" } else { "requests/s" }.into(),
                        detail,
                        color: 16,
                        style: Style::Line,
                        points: envelope(&rate, MAX_LOAD_POINTS),
                        marks,
                    }];
                    if held_back {
                        series.push(Series {
                            name: "served/s".into(),
                            detail: "requests answered: up to the assumed rate, the rest later".into(),
                            color: 19,
                            style: Style::Line,
                            points: envelope(&served, MAX_LOAD_POINTS),
                            marks: Vec::new(),
                        });
                    }
                    if !capacity.is_empty() {
                        series.push(Series {
                            name: "assumed rate/s".into(),
                            detail: String::new(),
                            color: 17,
                            style: Style::Dashed,
                            points: capacity,
                            marks: Vec::new(),
                        });
                    }
                    series
                },
                markers: stage_markers(results),
                levels: Vec::new(),
            }
        })
        .collect()
}

/// Every figure of a results folder, in report order.
pub fn all(results: &Results) -> Vec<Figure> {
    let mut figures = vec![
        fleet_flow(results),
        authority(results),
        switch_latency(results),
        time_to_comanaged(results),
    ];
    figures.extend(load(results));
    figures
}
