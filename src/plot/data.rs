//! Reading a results folder's files (`summary.json`, `timeline.csv`, `percentiles.csv`, optional `load.csv`)
//! into typed, aggregated data — never per device. Plots are drawn only from this, so `cofleet plot` can
//! re-render an old run from its files, and `cofleet run` renders from the very bytes it is about to write.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::report::load_out::{LoadLayout, LoadSeries};
use crate::report::read::{
    FILE_CAP, ReadError, SUMMARY_CAP, TABLE_CAP, from_json, read_result_file,
};
use crate::report::summary::Summary;

/// Why a results folder cannot be plotted. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// A required file is not in the folder.
    #[error("{0}: missing (is this a cofleet results folder?)")]
    Missing(PathBuf),
    /// The file exists but cannot be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not a regular file, or too large.
    #[error(transparent)]
    File(#[from] ReadError),
    /// The file's content is not what cofleet writes (corrupt, truncated, wrong columns).
    #[error("{path}: {detail}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, with line and column where known.
        detail: String,
    },
}

/// The six path states of `timeline.csv`, bottom to top of the fleet-flow stack.
pub const STATES: [&str; 6] = [
    "co_managed",
    "enrolled",
    "joined",
    "not_started",
    "not_arrived",
    "failed",
];

/// `timeline.csv`: one snapshot per hour.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    /// Snapshot times in seconds.
    pub time_s: Vec<u64>,
    /// Column name → one value per snapshot (every numeric column but `hour` and `time_s`).
    pub columns: BTreeMap<String, Vec<i64>>,
}

impl Timeline {
    /// A column by name, if present.
    pub fn column(&self, name: &str) -> Option<&[i64]> {
        self.columns.get(name).map(Vec::as_slice)
    }
}

/// One point of a latency distribution from `percentiles.csv`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quantile {
    /// Percentile in [0, 100] (0 is the exact minimum).
    pub percentile: f64,
    /// Latency at that percentile, seconds.
    pub seconds: u64,
}

/// Everything a plot or the report may use.
#[derive(Debug, Clone)]
pub struct Results {
    /// `summary.json`.
    pub summary: Summary,
    /// `timeline.csv`.
    pub timeline: Timeline,
    /// `percentiles.csv`: metric → quantiles in file order (metrics without samples are absent).
    pub percentiles: BTreeMap<String, Vec<Quantile>>,
    /// `load.csv` per component (in name order), when the run wrote one.
    pub load: Option<Vec<LoadSeries>>,
    /// `gate.json` (what `cofleet run --gate` decided, the JSON of `cofleet gate --json`), when present.
    pub gate: Option<serde_json::Value>,
}

impl Results {
    /// Reads the results folder `dir`.
    pub fn read_dir(dir: &Path) -> Result<Results, DataError> {
        let read = |name: &str, cap: u64| -> Result<Option<Vec<u8>>, DataError> {
            match read_result_file(&dir.join(name), cap) {
                Ok(bytes) => Ok(Some(bytes)),
                Err(e) if e.is_not_found() => Ok(None),
                Err(ReadError::Io { path, source }) => Err(DataError::Read { path, source }),
                Err(e) => Err(e.into()),
            }
        };
        let files = [
            ("summary.json", SUMMARY_CAP),
            ("timeline.csv", TABLE_CAP),
            ("percentiles.csv", TABLE_CAP),
            ("load.csv", FILE_CAP),
            ("gate.json", TABLE_CAP),
        ]
        .into_iter()
        .map(|(name, cap)| Ok((name, read(name, cap)?)))
        .collect::<Result<Vec<_>, DataError>>()?;
        Results::parse(dir, |name| {
            files
                .iter()
                .find(|(n, _)| *n == name)
                .and_then(|(_, b)| b.as_deref())
        })
    }

    /// Parses results from file bytes looked up by name (`file("timeline.csv")`); `dir` only names files in
    /// errors.
    pub fn parse<'a>(
        dir: &Path,
        file: impl Fn(&str) -> Option<&'a [u8]>,
    ) -> Result<Results, DataError> {
        let need = |name: &str| file(name).ok_or_else(|| DataError::Missing(dir.join(name)));
        let summary = parse_summary(&dir.join("summary.json"), need("summary.json")?)?;
        let timeline = parse_timeline(&dir.join("timeline.csv"), need("timeline.csv")?, &summary)?;
        let percentiles =
            parse_percentiles(&dir.join("percentiles.csv"), need("percentiles.csv")?)?;
        let load = file("load.csv")
            .map(|b| parse_load(&dir.join("load.csv"), b, summary.load_layout()))
            .transpose()?;
        let gate = file("gate.json")
            .map(|b| {
                serde_json::from_slice::<serde_json::Value>(b)
                    .ok()
                    .filter(|v| v.get("verdict").is_some_and(serde_json::Value::is_string))
                    .ok_or_else(|| {
                        invalid(
                            &dir.join("gate.json"),
                            "not a gate verdict (the JSON of `cofleet gate --json`)",
                        )
                    })
            })
            .transpose()?;
        Ok(Results {
            summary,
            timeline,
            percentiles,
            load,
            gate,
        })
    }
}

fn invalid(path: &Path, detail: impl Into<String>) -> DataError {
    DataError::Invalid {
        path: path.to_path_buf(),
        detail: detail.into(),
    }
}

fn parse_summary(path: &Path, bytes: &[u8]) -> Result<Summary, DataError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| invalid(path, format!("not valid JSON: {e}")))?;
    if value.get("complete") != Some(&serde_json::Value::Bool(true)) {
        return Err(invalid(
            path,
            "lacks \"complete\": true — the run did not finish; re-run it",
        ));
    }
    let summary: Summary =
        from_json(value).map_err(|e| invalid(path, format!("not a cofleet summary: {e}")))?;
    crate::gate::input::check_ranges(&summary).map_err(|e| invalid(path, e))?;
    Ok(summary)
}

/// Reads a CSV with a header into (header, rows of fields); a row with a different field count, a
/// non-UTF-8 field or no data row at all is an error naming the line.
/// Reads a CSV file; `rows_required`: a header alone is an error (a truncated file), otherwise it is a
/// legitimate empty table (e.g. percentiles.csv of a run in which no metric has a sample).
/// The header row of a CSV file.
fn header_of(path: &Path, reader: &mut csv::Reader<&[u8]>) -> Result<Vec<String>, DataError> {
    Ok(reader
        .headers()
        .map_err(|e| invalid(path, e.to_string()))?
        .iter()
        .map(String::from)
        .collect())
}

fn read_csv(
    path: &Path,
    bytes: &[u8],
    rows_required: bool,
) -> Result<(Vec<String>, Vec<csv::StringRecord>), DataError> {
    let mut reader = csv::Reader::from_reader(bytes);
    let header = header_of(path, &mut reader)?;
    let rows = reader
        .records()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(path, format!("{e} (truncated or corrupt?)")))?;
    if rows_required && rows.is_empty() {
        return Err(invalid(path, "has a header but no data rows"));
    }
    if bytes.last() != Some(&b'\n') {
        return Err(invalid(
            path,
            "does not end with a newline: the file is truncated",
        ));
    }
    Ok((header, rows))
}

fn field<T: std::str::FromStr>(
    path: &Path,
    row: &csv::StringRecord,
    col: usize,
    name: &str,
) -> Result<T, DataError> {
    let line = row.position().map_or(0, |p| p.line());
    let text = row.get(col).unwrap_or("");
    text.parse().map_err(|_| {
        invalid(
            path,
            format!("line {line}: column {name}: {text:?} is not a valid number"),
        )
    })
}

fn column_index(path: &Path, header: &[String], name: &str) -> Result<usize, DataError> {
    header
        .iter()
        .position(|h| h == name)
        .ok_or_else(|| invalid(path, format!("no column {name:?} in the header")))
}

/// Reads `timeline.csv`. Its snapshots lie within the simulated span (`duration_s` of `summary.json`), and
/// every value counts devices, so it is at most the fleet (`devices`) in size: the figures scale their axes
/// from the times and stack and add the columns.
fn parse_timeline(path: &Path, bytes: &[u8], summary: &Summary) -> Result<Timeline, DataError> {
    let devices = summary.devices;
    let (header, rows) = read_csv(path, bytes, true)?;
    let time_col = column_index(path, &header, "time_s")?;
    for state in STATES {
        column_index(path, &header, state)?;
    }
    let mut time_s = Vec::with_capacity(rows.len());
    let mut columns: BTreeMap<String, Vec<i64>> = header
        .iter()
        .enumerate()
        .filter(|(i, h)| *i != time_col && !matches!(h.as_str(), "hour" | "date"))
        .map(|(_, h)| (h.clone(), Vec::with_capacity(rows.len())))
        .collect();
    for row in &rows {
        let t: u64 = field(path, row, time_col, "time_s")?;
        if t > u64::from(summary.duration_s) {
            let line = row.position().map_or(0, |p| p.line());
            return Err(invalid(
                path,
                format!(
                    "line {line}: time_s {t} is beyond the simulated span (duration_s {} in summary.json)",
                    summary.duration_s
                ),
            ));
        }
        if time_s.last().is_some_and(|&prev| t <= prev) {
            let line = row.position().map_or(0, |p| p.line());
            return Err(invalid(
                path,
                format!("line {line}: time_s {t} does not increase"),
            ));
        }
        time_s.push(t);
        for (i, name) in header.iter().enumerate() {
            if let Some(values) = columns.get_mut(name) {
                let v: i64 = field(path, row, i, name)?;
                if v.unsigned_abs() > u64::from(devices) {
                    let line = row.position().map_or(0, |p| p.line());
                    return Err(invalid(
                        path,
                        format!(
                            "line {line}: column {name}: {v} devices, but the fleet has {devices} \
                             (devices in summary.json)"
                        ),
                    ));
                }
                values.push(v);
            }
        }
    }
    Ok(Timeline { time_s, columns })
}

fn parse_percentiles(
    path: &Path,
    bytes: &[u8],
) -> Result<BTreeMap<String, Vec<Quantile>>, DataError> {
    let (header, rows) = read_csv(path, bytes, false)?;
    if header != ["metric", "percentile", "seconds"] {
        return Err(invalid(
            path,
            format!("header is {header:?}, expected metric,percentile,seconds"),
        ));
    }
    let mut out: BTreeMap<String, Vec<Quantile>> = BTreeMap::new();
    for row in &rows {
        let percentile: f64 = field(path, row, 1, "percentile")?;
        if !(0.0..=100.0).contains(&percentile) {
            let line = row.position().map_or(0, |p| p.line());
            return Err(invalid(
                path,
                format!("line {line}: percentile {percentile} is outside [0, 100]"),
            ));
        }
        let seconds = field(path, row, 2, "seconds")?;
        out.entry(row[0].to_string()).or_default().push(Quantile {
            percentile,
            seconds,
        });
    }
    Ok(out)
}

/// The agreed `load.csv` header.
pub const LOAD_HEADER: [&str; 10] = [
    "bucket_start_s",
    "component",
    "request_type",
    "requests",
    "capacity_per_s",
    "utilisation",
    "queue_delay_p50_s",
    "queue_delay_p95_s",
    "served",
    "bucket_start_date",
];

/// Most distinct components a `load.csv` may name: cofleet models four, and each one is a plot.
pub const MAX_LOAD_COMPONENTS: usize = 16;

/// Reads `load.csv` row by row (a month at 1-minute buckets is hundreds of thousands of rows: no row is kept),
/// summing each component's request types per bucket. Every bucket start is checked against the run's
/// `layout` and every sum must stay finite: the figures size their points from the starts and scale their
/// axes from the sums.
fn parse_load(path: &Path, bytes: &[u8], layout: LoadLayout) -> Result<Vec<LoadSeries>, DataError> {
    let mut reader = csv::Reader::from_reader(bytes);
    let header = header_of(path, &mut reader)?;
    if header != LOAD_HEADER {
        return Err(invalid(
            path,
            format!("header is {header:?}, expected {}", LOAD_HEADER.join(",")),
        ));
    }
    let mut components: Vec<LoadSeries> = Vec::new();
    let mut row = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut row) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(invalid(path, format!("{e} (truncated or corrupt?)"))),
        }
        let line = row.position().map_or(0, |p| p.line());
        let name = &row[1];
        let index = match components.iter().position(|c| c.component == name) {
            Some(i) => i,
            None => {
                if components.len() == MAX_LOAD_COMPONENTS {
                    return Err(invalid(
                        path,
                        format!(
                            "line {line}: component {name:?} is one more than the {MAX_LOAD_COMPONENTS} \
                             distinct components a load.csv may name (cofleet models 4)"
                        ),
                    ));
                }
                // The component names a plot file: keep it to safe characters.
                if name.is_empty()
                    || !name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                {
                    return Err(invalid(
                        path,
                        format!("line {line}: component {name:?} must be letters, digits, _ or -"),
                    ));
                }
                components.push(LoadSeries {
                    component: name.to_string(),
                    buckets: Vec::new(),
                    served: Vec::new(),
                });
                components.len() - 1
            }
        };
        let requests: f64 = field(path, &row, 3, "requests")?;
        let capacity_per_s: Option<f64> = if row[4].is_empty() {
            None
        } else {
            Some(field(path, &row, 4, "capacity_per_s")?)
        };
        let served: f64 = field(path, &row, 8, "served")?;
        let valid = |v: f64| v.is_finite() && v >= 0.0;
        if !valid(requests) || !capacity_per_s.is_none_or(valid) || !valid(served) {
            return Err(invalid(
                path,
                format!("line {line}: requests, capacity_per_s and served must be finite and ≥ 0"),
            ));
        }
        let start: u64 = field(path, &row, 0, "bucket_start_s")?;
        layout
            .check(start)
            .map_err(|e| invalid(path, format!("line {line}: {e}")))?;
        // Served is the component's, the same on each of a bucket's rows: the largest given.
        let served_points = &mut components[index].served;
        match served_points.last_mut() {
            Some(last) if last.0 == start => last.1 = last.1.max(served),
            _ => served_points.push((start, served)),
        }
        let buckets = &mut components[index].buckets;
        match buckets.last_mut() {
            // load.csv lists a bucket's request types together: sum them into one point.
            Some(last) if last.0 == start => {
                add_into(last, requests, capacity_per_s);
                if !last.1.is_finite() {
                    return Err(invalid(path, infinite_sum(line, start)));
                }
            }
            _ => buckets.push((start, requests, capacity_per_s)),
        }
    }
    if bytes.last() != Some(&b'\n') {
        return Err(invalid(
            path,
            "does not end with a newline: the file is truncated",
        ));
    }
    for c in &mut components {
        // A file in another order (edited by hand) still means the same: sort, then merge equal starts.
        if !c.buckets.is_sorted_by_key(|b| b.0) {
            c.buckets.sort_by_key(|b| b.0);
            let mut merged: Vec<(u64, f64, Option<f64>)> = Vec::with_capacity(c.buckets.len());
            for &(start, requests, capacity) in &c.buckets {
                match merged.last_mut() {
                    Some(last) if last.0 == start => {
                        add_into(last, requests, capacity);
                        if !last.1.is_finite() {
                            return Err(invalid(path, infinite_sum(0, start)));
                        }
                    }
                    _ => merged.push((start, requests, capacity)),
                }
            }
            c.buckets = merged;
            c.served.sort_by_key(|p| p.0);
            let mut served: Vec<(u64, f64)> = Vec::with_capacity(c.served.len());
            for &(start, n) in &c.served {
                match served.last_mut() {
                    Some(last) if last.0 == start => last.1 = last.1.max(n),
                    _ => served.push((start, n)),
                }
            }
            c.served = served;
        }
    }
    components.sort_by(|a, b| a.component.cmp(&b.component));
    Ok(components)
}

/// The message for a bucket whose requests sum beyond the largest number (`line` 0: found after sorting).
fn infinite_sum(line: u64, start: u64) -> String {
    let at = if line > 0 {
        format!("line {line}: ")
    } else {
        String::new()
    };
    format!("{at}requests of bucket_start_s {start} sum to infinity (values beyond any run)")
}

/// Adds one row's requests to a bucket's point; the capacity is the largest given.
fn add_into(point: &mut (u64, f64, Option<f64>), requests: f64, capacity: Option<f64>) {
    point.1 += requests;
    if let Some(c) = capacity {
        point.2 = Some(point.2.map_or(c, |old| old.max(c)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_truncated_row_names_the_file_and_line() {
        let err = parse_percentiles(
            Path::new("r/percentiles.csv"),
            b"metric,percentile,seconds\nhybrid_join,50,10\nhybrid_join,9",
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("r/percentiles.csv: "), "{err}");
        assert!(err.contains("line: 3"), "{err}");
    }

    #[test]
    fn an_unfinished_summary_is_refused() {
        let err = parse_summary(Path::new("s.json"), br#"{"complete": false}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"complete\": true"), "{err}");
    }

    const LAYOUT: LoadLayout = LoadLayout {
        bucket_s: Some(60),
        duration_s: 3_600,
    };

    #[test]
    fn load_starts_beyond_the_span_or_off_the_buckets_are_refused() {
        let head = LOAD_HEADER.join(",");
        for (rows, field) in [
            (
                "0,cmg,a,1,,,,,1,\n100000000000,cmg,a,1,,,,,1,\n",
                "beyond the simulated span",
            ),
            (
                "0,cmg,a,1,,,,,1,\n18446744073709551615,cmg,a,1,,,,,1,\n",
                "beyond the simulated span",
            ),
            ("30,cmg,a,1,,,,,1,\n", "not a multiple of the load bucket"),
            (
                "60,cmg,a,1e308,,,,,1,\n60,cmg,b,1e308,,,,,1,\n",
                "sum to infinity",
            ),
        ] {
            let text = format!("{head}\n{rows}");
            let err = parse_load(Path::new("load.csv"), text.as_bytes(), LAYOUT)
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("load.csv: line "), "{err}");
            assert!(err.contains(field), "{err}");
        }
    }

    #[test]
    fn load_rows_parse() {
        let text = "bucket_start_s,component,request_type,requests,capacity_per_s,utilisation,queue_delay_p50_s,queue_delay_p95_s,served,bucket_start_date\n0,cmg,sync,3600,2,0.5,0,0,3600,\n";
        let rows = parse_load(Path::new("load.csv"), text.as_bytes(), LAYOUT).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].component, "cmg");
        assert_eq!(rows[0].buckets, [(0, 3600.0, Some(2.0))]);
    }

    #[test]
    fn load_request_types_sum_per_bucket_in_any_row_order() {
        let text = "bucket_start_s,component,request_type,requests,capacity_per_s,utilisation,queue_delay_p50_s,queue_delay_p95_s,served,bucket_start_date\n\
                    60,mp,poll,5,2,,,,12,\n0,mp,poll,1,2,,,,1,\n60,mp,reg,7,3,,,,12,\n0,intune,sync,4,,,,,4,\n";
        let rows = parse_load(Path::new("load.csv"), text.as_bytes(), LAYOUT).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].component, "intune");
        assert_eq!(rows[0].buckets, [(0, 4.0, None)]);
        assert_eq!(rows[1].component, "mp");
        assert_eq!(
            rows[1].buckets,
            [(0, 1.0, Some(2.0)), (60, 12.0, Some(3.0))]
        );
    }
}
