//! `cofleet export-load`: turn a run's simulated request-rate curve into a k6 script or a rate CSV.

use std::path::Path;

use super::print_stdout;
use crate::cli::{ExportFormat, ExportLoadArgs};
use crate::error::{Error, ExitCode};
use crate::load::Component;
use crate::load::export::{Step, k6_script, rate_csv};
use crate::report::output_file::{OutputKind, check_output, write_output};

/// Reads `<results>/load.csv` and writes the export to `--out` (or stdout).
pub fn export_load(args: &ExportLoadArgs) -> Result<ExitCode, Error> {
    let component = args.component.component();
    // Reliability: only a finished run's load is exported — its summary.json must say
    // `"complete": true` (and be of this schema), like `gate`, `plot` and `baseline save` require.
    crate::gate::input::read_summary(&args.results, "RESULTS_DIR")?;
    if let Some(out) = &args.out {
        check_output(out, OutputKind::LoadExport, args.force)?;
    }
    let file = args.results.join("load.csv");
    let (bucket, steps) = read_steps(&file, component)?;
    let title = args.results.display().to_string();
    let text = match args.format {
        ExportFormat::K6 => k6_script(&title, component.name(), &steps, bucket, args.speedup),
        ExportFormat::Csv => rate_csv(&steps, bucket, args.speedup),
    };
    match &args.out {
        Some(path) => write_output(path, text.as_bytes(), OutputKind::LoadExport, args.force)?,
        None => print_stdout(&text)?,
    }
    Ok(ExitCode::Ok)
}

/// The per-bucket requests of `component` from a `load.csv`, with the bucket length.
fn read_steps(file: &Path, component: Component) -> Result<(u32, Vec<Step>), Error> {
    if !file.exists() {
        return Err(Error::refused(format!(
            "{}: no load data in this results folder (was it run with [load] enabled = false, or is it not a \
             cofleet results folder?)",
            file.display()
        )));
    }
    let bad =
        |line: usize, what: &str| Error::refused(format!("{}:{line}: {what}", file.display()));
    let mut reader =
        csv::Reader::from_path(file).map_err(|e| Error::unparsable(file, "cannot read", e))?;
    let headers = reader
        .headers()
        .map_err(|e| bad(1, &e.to_string()))?
        .clone();
    if headers.get(0) != Some("bucket_start_s")
        || headers.get(1) != Some("component")
        || headers.get(3) != Some("requests")
    {
        return Err(bad(
            1,
            "not a cofleet load.csv (expected bucket_start_s,component,request_type,requests,…)",
        ));
    }
    let mut per_bucket: Vec<(u64, u64)> = Vec::new();
    let mut starts: Vec<u64> = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| bad(line, &e.to_string()))?;
        let start: u64 = record
            .get(0)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| bad(line, "bucket_start_s is not a whole number"))?;
        let requests: u64 = record
            .get(3)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| bad(line, "requests is not a whole number"))?;
        if starts.last() != Some(&start) {
            if starts.last().is_some_and(|&s| s > start) {
                return Err(bad(line, "rows are not in bucket order"));
            }
            starts.push(start);
        }
        if record.get(1) == Some(component.name()) {
            match per_bucket.last_mut() {
                Some((s, n)) if *s == start => *n += requests,
                _ => per_bucket.push((start, requests)),
            }
        }
    }
    // The bucket is the smallest gap between distinct bucket starts (all starts are multiples of it).
    let bucket = starts
        .windows(2)
        .map(|w| w[1] - w[0])
        .min()
        .unwrap_or(60)
        .max(1);
    let buckets = starts.last().map_or(0, |s| s / bucket + 1) as usize;
    let mut steps = vec![Step { requests: 0 }; buckets];
    for (start, requests) in per_bucket {
        steps[(start / bucket) as usize].requests += requests;
    }
    Ok((bucket as u32, steps))
}
