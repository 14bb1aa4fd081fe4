//! `cofleet export-load`: turn a run's simulated request-rate curve into a k6 script or a rate CSV.

use std::path::Path;

use super::print_stdout;
use crate::cli::{ExportFormat, ExportLoadArgs, WindowArg};
use crate::job::error::{Error, ExitCode};
use crate::load::Component;
use crate::load::export::{K6_WARN_BYTES, Step, k6_script, peak_day, rate_csv};
use crate::report::load_out::LoadLayout;
use crate::report::output_file::{OutputKind, check_output, write_output};
use crate::report::read::{FILE_CAP, read_result_file};
use crate::units::{human_bytes, human_seconds};

/// Reads `<results>/load.csv` and writes the export to `--out` (or stdout).
pub fn export_load(args: &ExportLoadArgs) -> Result<ExitCode, Error> {
    let component = args.component.component();
    // Reliability: only a finished run's load is exported — its summary.json must say
    // `"complete": true` (and be of this schema), like `gate`, `plot` and `baseline save` require.
    let summary = crate::gate::input::read_summary(&args.results, "RESULTS_DIR")?;
    if let Some(out) = &args.out {
        check_output(out, OutputKind::LoadExport, args.force)?;
    }
    if let (Some(from), Some(to)) = (args.from, args.to)
        && from >= to
    {
        return Err(Error::refused(format!(
            "--from {} is not before --to {}; give a window with --from before --to",
            human_seconds(from as f64),
            human_seconds(to as f64)
        )));
    }
    let file = args.results.join("load.csv");
    let (bucket, mut steps) = read_steps(&file, component, summary.load_layout())?;
    let span = u64::from(summary.duration_s);
    // The window, in whole buckets: --from rounds down and --to up to a bucket boundary.
    let (first, count) = match args.window {
        Some(WindowArg::PeakDay) => peak_day(&steps, bucket),
        None => {
            let b = u64::from(bucket);
            let from = args.from.unwrap_or(0);
            if from >= span {
                return Err(Error::refused(format!(
                    "--from {} is at or after the end of the run ({}); give a time within it",
                    human_seconds(from as f64),
                    human_seconds(span as f64)
                )));
            }
            let to = args.to.unwrap_or(span).min(span);
            let first = (from / b) as usize;
            let last = (to.div_ceil(b) as usize).min(steps.len());
            (first.min(last), last.saturating_sub(first))
        }
    };
    steps = steps.split_off(first.min(steps.len()));
    steps.truncate(count);
    let first_s = first as u64 * u64::from(bucket);
    let whole = args.window.is_none() && args.from.is_none() && args.to.is_none();
    let title = if whole {
        args.results.display().to_string()
    } else {
        format!(
            "{}, {} to {} since the start",
            args.results.display(),
            human_seconds(first_s as f64),
            human_seconds((first_s + steps.len() as u64 * u64::from(bucket)) as f64)
        )
    };
    let text = match args.format {
        ExportFormat::K6 => {
            let script = k6_script(&title, component.name(), &steps, bucket, args.speedup);
            if script.len() > K6_WARN_BYTES {
                eprintln!(
                    "warning: the k6 script is {} ({} buckets); k6 parses a script this large slowly — \
                     export a part with --window peak-day or --from/--to",
                    human_bytes(script.len() as u64),
                    steps.len()
                );
            }
            script
        }
        ExportFormat::Csv => {
            if args.speedup > 1 {
                eprintln!(
                    "note: seconds and requests_per_s are compressed {}x (--speedup {}); simulated_s and \
                     simulated_requests_per_s are the simulated ones",
                    args.speedup, args.speedup
                );
            }
            rate_csv(&steps, bucket, args.speedup, first_s)
        }
    };
    match &args.out {
        Some(path) => write_output(path, text.as_bytes(), OutputKind::LoadExport, args.force)?,
        None => print_stdout(&text)?,
    }
    Ok(ExitCode::Ok)
}

/// The per-bucket requests of `component` from a `load.csv`, with the bucket length. Every bucket start is
/// checked against the run's `layout` before it sizes the steps.
fn read_steps(
    file: &Path,
    component: Component,
    layout: LoadLayout,
) -> Result<(u32, Vec<Step>), Error> {
    let bytes = match read_result_file(file, FILE_CAP) {
        Ok(bytes) => bytes,
        Err(e) if e.is_not_found() => {
            return Err(Error::refused(format!(
                "{}: no load data in this results folder (was it run with [load] enabled = false, or is it \
                 not a cofleet results folder?)",
                file.display()
            )));
        }
        Err(e) => return Err(e.into()),
    };
    let Some(bucket) = layout.bucket_s.filter(|&b| b > 0) else {
        return Err(Error::refused(format!(
            "{}: summary.json has no load section (load.bucket_s), so this load.csv is not the run's",
            file.display()
        )));
    };
    let bad =
        |line: usize, what: &str| Error::refused(format!("{}:{line}: {what}", file.display()));
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
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
    let mut last_start: Option<u64> = None;
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| bad(line, &e.to_string()))?;
        let start: u64 = record
            .get(0)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| bad(line, "bucket_start_s is not a whole number"))?;
        layout.check(start).map_err(|e| bad(line, &e))?;
        let requests: u64 = record
            .get(3)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| bad(line, "requests is not a whole number"))?;
        if last_start.is_some_and(|s| s > start) {
            return Err(bad(
                line,
                "rows are not in bucket order (bucket_start_s decreases)",
            ));
        }
        last_start = Some(start);
        if record.get(1) == Some(component.name()) {
            match per_bucket.last_mut() {
                Some((s, n)) if *s == start => {
                    *n = n.checked_add(requests).ok_or_else(|| {
                        bad(line, "requests: the bucket's requests sum beyond 2^64")
                    })?
                }
                _ => per_bucket.push((start, requests)),
            }
        }
    }
    // Every start is below the span and a multiple of the bucket: at most span / bucket steps.
    let bucket64 = u64::from(bucket);
    let buckets = last_start.map_or(0, |s| s / bucket64 + 1) as usize;
    let mut steps = vec![Step { requests: 0 }; buckets];
    for (start, requests) in per_bucket {
        steps[(start / bucket64) as usize].requests = requests;
    }
    Ok((bucket, steps))
}
