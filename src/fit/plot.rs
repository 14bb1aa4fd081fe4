//! The fit's figures: per observed column, the observed shares against the fitted curve and the refits' band
//! over the whole horizon (docs/fit.md). Built from `fit.csv` itself, so the plot shows exactly its data; the
//! run plots' renderer and axes draw them.

use crate::plot::figures::{
    Axis, Figure, Level, Scale, Series, Style, TickFormat, time_axis, time_axis_of,
};

const HOUR: f64 = 3_600.0;

/// Palette indices (src/plot/render.rs): the fitted curve in the co-managed green, observed points dark,
/// the band in the reference grey.
const FITTED_COLOR: usize = 0;
const OBSERVED_COLOR: usize = 13;
const BAND_COLOR: usize = 18;

/// One observed column of `fit.csv`, as shares (0..=1) per hour.
#[derive(Debug, Clone, PartialEq)]
pub struct Curves {
    /// The timeline column.
    pub column: String,
    /// Observed share, where observed.
    pub observed: Vec<Option<f64>>,
    /// The fitted run's share.
    pub fitted: Vec<f64>,
    /// The refit runs' 2.5 percentile, when there are refits.
    pub low: Vec<Option<f64>>,
    /// Their 97.5 percentile.
    pub high: Vec<Option<f64>>,
}

/// `fit.csv` parsed: the hour of each row and the curves of each observed column.
#[derive(Debug, Clone, PartialEq)]
pub struct FitTable {
    /// Hours since the start.
    pub hours: Vec<f64>,
    /// Per observed column.
    pub curves: Vec<Curves>,
}

/// Parses `fit.csv` (its header: `hour,date` then `<column>.observed/.fitted/.low/.high` per column).
pub fn parse(bytes: &[u8]) -> Result<FitTable, String> {
    let mut reader = csv::Reader::from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("fit.csv: {e}"))?
        .iter()
        .map(str::to_string)
        .collect();
    let columns: Vec<String> = header
        .iter()
        .skip(2)
        .step_by(4)
        .map(|h| h.trim_end_matches(".observed").to_string())
        .collect();
    let mut table = FitTable {
        hours: Vec::new(),
        curves: columns
            .into_iter()
            .map(|column| Curves {
                column,
                observed: Vec::new(),
                fitted: Vec::new(),
                low: Vec::new(),
                high: Vec::new(),
            })
            .collect(),
    };
    let cell = |v: &str| -> Result<Option<f64>, String> {
        if v.is_empty() {
            Ok(None)
        } else {
            v.parse()
                .map(Some)
                .map_err(|_| format!("fit.csv: `{v}` is not a number"))
        }
    };
    for record in reader.records() {
        let record = record.map_err(|e| format!("fit.csv: {e}"))?;
        table.hours.push(cell(&record[0])?.unwrap_or(0.0));
        for (j, c) in table.curves.iter_mut().enumerate() {
            let at = 2 + 4 * j;
            c.observed.push(cell(&record[at])?);
            c.fitted.push(cell(&record[at + 1])?.unwrap_or(0.0));
            c.low.push(cell(&record[at + 2])?);
            c.high.push(cell(&record[at + 3])?);
        }
    }
    Ok(table)
}

/// The file stem of a column's figure (`fit_co_managed`, `fit_compliance_policies_intune`).
pub fn slug(column: &str) -> String {
    format!("fit_{}", column.replace(['.', '@'], "_"))
}

/// One figure per observed column, over a horizon of `duration_s` seconds from `start` (RFC 3339); `subtitle`
/// names the scenario and the fit.
pub fn figures(table: &FitTable, start: &str, duration_s: u32, subtitle: &str) -> Vec<Figure> {
    let (unit, _) = time_axis(duration_s);
    let xs: Vec<f64> = table.hours.iter().map(|h| h * HOUR / unit).collect();
    let percent = |v: f64| v * 100.0;
    let line = |values: &[Option<f64>]| -> Vec<(f64, f64)> {
        xs.iter()
            .zip(values)
            .filter_map(|(&x, v)| v.map(|v| (x, percent(v))))
            .collect()
    };
    table
        .curves
        .iter()
        .map(|c| {
            let observed: Vec<(f64, f64)> = line(&c.observed);
            let mut series = vec![
                Series {
                    name: "observed".into(),
                    detail: format!("{} point(s) from progress.csv", observed.len()),
                    color: OBSERVED_COLOR,
                    style: Style::Line,
                    points: Vec::new(),
                    marks: observed
                        .iter()
                        .map(|&(x, y)| (x, y, String::new()))
                        .collect(),
                },
                Series {
                    name: "fitted".into(),
                    detail: "the fitted scenario's run".into(),
                    color: FITTED_COLOR,
                    style: Style::Line,
                    points: xs
                        .iter()
                        .zip(&c.fitted)
                        .map(|(&x, &v)| (x, percent(v)))
                        .collect(),
                    marks: Vec::new(),
                },
            ];
            let (low, high) = (line(&c.low), line(&c.high));
            if !low.is_empty() {
                series.push(Series {
                    name: "refits 2.5 %".into(),
                    detail: "band: refit runs, other seeds".into(),
                    color: BAND_COLOR,
                    style: Style::Dashed,
                    points: low,
                    marks: Vec::new(),
                });
                series.push(Series {
                    name: "refits 97.5 %".into(),
                    detail: String::new(),
                    color: BAND_COLOR,
                    style: Style::Dashed,
                    points: high,
                    marks: Vec::new(),
                });
            }
            // A column that stays low (`failed`) gets an axis to a little above its highest value, so its
            // curve is not flattened against 0; one that nears the whole fleet keeps 0–100 % and the 95 % line.
            let top = series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.1).chain(s.marks.iter().map(|m| m.1)))
                .fold(0.0, f64::max);
            let (y_max, levels) = if top > 50.0 {
                (
                    100.0,
                    vec![Level {
                        y: 95.0,
                        label: "95 %".into(),
                    }],
                )
            } else {
                (((top * 1.2) / 5.0).ceil().max(1.0) * 5.0, Vec::new())
            };
            Figure {
                slug: slug(&c.column),
                title: format!("Observed vs fitted: {} — {subtitle}", c.column),
                how_to_read: format!(
                    "Dots: the observed share of the fleet in `{}`; solid line: the fitted scenario's run to \
                     the end of the horizon; dashed lines: the 2.5 and 97.5 percentiles of the bootstrap \
                     refits' runs (docs/fit.md).",
                    c.column
                ),
                x: time_axis_of(start, duration_s, "time since co-management was enabled"),
                y: Axis {
                    label: format!("{} (% of the fleet)", c.column),
                    min: 0.0,
                    max: y_max,
                    scale: Scale::Linear,
                    format: TickFormat::Percent,
                    ticks: Vec::new(),
                },
                series,
                markers: Vec::new(),
                levels,
            }
        })
        .collect()
}
