//! The observed rollout, `progress.csv`: a `time` column (an RFC 3339 date-time or date, or a duration since
//! the scenario's `start`) and columns named as in timeline.csv holding device counts (docs/fit.md).

use std::path::Path;

use crate::model::calendar::Start;
use crate::model::time::Time;
use crate::report::csv_out::timeline_counts;
use crate::scenario::suggest::key_hint;
use crate::units::parse_duration;

/// Observed shares of the fleet.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    /// The timeline columns observed, in file order.
    pub columns: Vec<String>,
    /// Time of each row, seconds since the scenario's start.
    pub times: Vec<Time>,
    /// Per row, per column: the observed count divided by the fleet size.
    pub shares: Vec<Vec<f64>>,
}

/// Reads `path` against a fleet of `devices` devices starting at `start` and lasting `duration` seconds.
pub fn read(path: &Path, start: &Start, duration: Time, devices: u32) -> Result<Observed, String> {
    let file = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{file}: cannot read: {e}"))?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("{file}: {e}"))?
        .iter()
        .map(str::to_string)
        .collect();
    if header.first().map(String::as_str) != Some("time") {
        return Err(format!("{file}: the first column must be `time`"));
    }
    let timeline = timeline_counts();
    let allowed: Vec<&str> = timeline.iter().map(String::as_str).collect();
    let columns: Vec<String> = header[1..].to_vec();
    if columns.is_empty() {
        return Err(format!(
            "{file}: no observed column; name columns as in timeline.csv (co_managed, enrolled, …)"
        ));
    }
    for (i, c) in columns.iter().enumerate() {
        if !allowed.contains(&c.as_str()) {
            return Err(format!(
                "{file}: column `{c}` is not a timeline.csv column{}",
                key_hint(c, allowed.iter().copied())
            ));
        }
        if columns[..i].contains(c) {
            return Err(format!("{file}: column `{c}` appears twice"));
        }
    }
    let mut times = Vec::new();
    let mut shares = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| format!("{file}:{line}: {e}"))?;
        if record.len() != header.len() {
            return Err(format!(
                "{file}:{line}: {} fields, expected {}",
                record.len(),
                header.len()
            ));
        }
        let t =
            time_of(&record[0], start).map_err(|e| format!("{file}:{line}: column `time`: {e}"))?;
        if t > duration {
            return Err(format!(
                "{file}:{line}: time `{}` is after the scenario's horizon",
                &record[0]
            ));
        }
        let mut row = Vec::new();
        for (c, v) in columns.iter().zip(record.iter().skip(1)) {
            let n: f64 = v
                .parse::<u64>()
                .map_err(|_| format!("{file}:{line}: column `{c}`: `{v}` is not a device count"))?
                as f64;
            row.push(n / f64::from(devices));
        }
        times.push(t);
        shares.push(row);
    }
    if times.is_empty() {
        return Err(format!("{file}: no observations (a header and no rows)"));
    }
    Ok(Observed {
        columns,
        times,
        shares,
    })
}

/// Seconds since `start` of a `time` field: a duration (`3d`), an RFC 3339 date-time, or a date (midnight in
/// the scenario's offset).
fn time_of(text: &str, start: &Start) -> Result<Time, String> {
    if let Ok(t) = parse_duration(text) {
        return Time::try_from(t).map_err(|_| format!("`{text}` is too late"));
    }
    let full = if text.len() == 10 {
        let offset = start.date(0);
        format!("{text}T00:00:00{}", offset.get(19..).unwrap_or("Z"))
    } else {
        text.to_string()
    };
    let at = Start::parse(&full).map_err(|_| {
        format!("`{text}` is neither a duration (`3d`) nor an RFC 3339 date (`2027-01-11`, `2027-01-11T08:00:00+01:00`)")
    })?;
    let s = start.seconds_until(&at);
    if s < 0 {
        return Err(format!("`{text}` is before the scenario's start"));
    }
    Time::try_from(s).map_err(|_| format!("`{text}` is too late"))
}
