//! `cofleet gate` (and `run --gate`): turn the flags into a [`GateConfig`], read the summaries, let
//! [`crate::gate`] decide, print the markdown table, write `--junit`/`--json`. Exit 0 pass, 1 a threshold or
//! regression failed, 2 bad input or incompatible runs.

use std::path::{Path, PathBuf};

use super::print_stdout;
use crate::cli::{GateArgs, GateOptions};
use crate::gate::policy::Policy;
use crate::gate::{Report, compare, export, input, threshold_eval};
use crate::job::error::{Error, ExitCode};
use crate::model::scenario::Threshold;
use crate::report::output_file::{OutputKind, check_output, write_file, write_output};
use crate::report::summary::Summary;
use crate::scenario::{self, parse_threshold};

/// What the gate checks and how strictly, validated (clap's value parsers checked every value).
#[derive(Debug, Clone)]
pub struct GateConfig {
    /// The baseline results folder, if any.
    pub baseline: Option<PathBuf>,
    /// The regression limits and noise floors.
    pub policy: Policy,
    /// Compare with a baseline of a different scenario.
    pub allow_scenario_change: bool,
    /// Skip the thresholds.
    pub no_thresholds: bool,
    /// Also write the verdicts as JUnit XML here.
    pub junit: Option<PathBuf>,
    /// Also write the verdicts as JSON here.
    pub json: Option<PathBuf>,
    /// Replace a `junit`/`json` file that is not cofleet's own earlier output of that kind.
    pub force: bool,
}

/// The gate options as a [`GateConfig`]; `force` is the command's `--force`.
pub fn config(options: &GateOptions, force: bool) -> GateConfig {
    GateConfig {
        baseline: options.baseline.clone(),
        policy: Policy {
            max_regression: options.max_regression,
            overrides: options.metric_regression.clone(),
            noise_floor_s: options.noise_floor as f64,
            count_noise_floor: options.count_noise_floor as f64,
        },
        allow_scenario_change: options.allow_scenario_change,
        no_thresholds: options.no_thresholds,
        junit: options.junit.clone(),
        json: options.json.clone(),
        force,
    }
}

/// `cofleet gate --current DIR …`.
pub fn gate(args: &GateArgs) -> Result<ExitCode, Error> {
    if args.scenario.is_some() && args.options.no_thresholds {
        return Err(Error::refused(
            "--scenario gives thresholds and --no-thresholds skips them: pass one of them",
        ));
    }
    let thresholds = match &args.scenario {
        Some(path) => Some(scenario::load(path)?.thresholds),
        None => None,
    };
    gate_results(
        &args.current,
        thresholds,
        &config(&args.options, args.force),
        false,
    )
}

/// Gates the results folder `current`; `thresholds` overrides those recorded in its summary. With `record`
/// (`cofleet run --gate`), the verdict is also written into the folder as `gate.json` and `report.html` is
/// re-rendered with its "Gate verdict" section.
pub fn gate_results(
    current: &Path,
    thresholds: Option<Vec<Threshold>>,
    options: &GateConfig,
    record: bool,
) -> Result<ExitCode, Error> {
    let policy = &options.policy;
    if crate::gate::replicas::is_sweep(current) {
        return gate_sweep(current, options);
    }
    let current_summary = input::read_summary(current, "--current")?;
    let thresholds = if options.no_thresholds {
        Vec::new()
    } else {
        match thresholds {
            Some(t) => t,
            None => recorded_thresholds(&current_summary, current)?,
        }
    };
    if thresholds.is_empty() && options.baseline.is_none() {
        return Err(Error::refused(format!(
            "{}: nothing to gate: no thresholds (none in the scenario, or --no-thresholds) and no --baseline",
            current.display()
        )));
    }
    let mut report = Report {
        scenario: current_summary.scenario.clone(),
        current: current.display().to_string(),
        baseline: options.baseline.as_ref().map(|b| b.display().to_string()),
        scenario_changes: Vec::new(),
        rows: threshold_eval::evaluate(&thresholds, &current_summary),
    };
    if let Some(dir) = &options.baseline {
        let baseline = input::read_summary(dir, "--baseline")?;
        let differences = compare::scenario_differences(&baseline, &current_summary);
        if !differences.is_empty() && !options.allow_scenario_change {
            return Err(Error::refused(format!(
                "{} and baseline {} ran different scenarios, so their results are not comparable:\n  {}\n\
                 (re-save the baseline with `cofleet baseline save`, or pass --allow-scenario-change)",
                current.display(),
                dir.display(),
                differences.join("\n  ")
            )));
        }
        report.scenario_changes = differences;
        let rows = compare::compare(&baseline, &current_summary, policy);
        let keys: Vec<&str> = rows.iter().map(|r| r.key.as_str()).collect();
        let unmatched = policy.unmatched_overrides(&keys);
        if !unmatched.is_empty() {
            return Err(Error::refused(format!(
                "--metric-regression: pattern {} matches no statistic; statistics are \
                 \"<metric>.<stat>\" (stats count, mean, min, p50, p90, p95, p99, max), \"counts.<name>\" \
                 and \"rollout.completed\"",
                unmatched
                    .iter()
                    .map(|p| format!("\"{p}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        report.rows.extend(rows);
    } else if !policy.overrides.is_empty() {
        return Err(Error::refused(
            "--metric-regression needs --baseline: limits apply to changes against a baseline",
        ));
    }

    if record {
        record_verdict(current, &export::json(&report))?;
    }
    publish(&report, options)
}

/// Gates a sweep folder against a baseline sweep folder: replica means, with a regression counted only when the
/// confidence interval of the difference excludes zero (`gate::replicas`). Thresholds are per run and are
/// checked on runs, not here.
fn gate_sweep(current: &Path, options: &GateConfig) -> Result<ExitCode, Error> {
    use crate::gate::replicas;
    let Some(base_dir) = &options.baseline else {
        return Err(Error::refused(format!(
            "{}: a sweep folder is gated against a baseline sweep folder: pass --baseline",
            current.display()
        )));
    };
    if !replicas::is_sweep(base_dir) {
        return Err(Error::refused(format!(
            "--baseline {}: not a sweep folder (no sweep.csv and variants/), but --current is one",
            base_dir.display()
        )));
    }
    let current_runs = replicas::read_sweep(current, "--current")?;
    let base_runs = replicas::read_sweep(base_dir, "--baseline")?;
    let differences = replicas::differences(&base_runs, &current_runs);
    if !differences.is_empty() && !options.allow_scenario_change {
        return Err(Error::refused(format!(
            "{} and baseline {} swept different scenarios:\n  {}\n(pass --allow-scenario-change to compare anyway)",
            current.display(),
            base_dir.display(),
            differences.join("\n  ")
        )));
    }
    let first = current_runs
        .values()
        .next()
        .map(|r| r[0].scenario.clone())
        .unwrap_or_default();
    let report = Report {
        scenario: first,
        current: current.display().to_string(),
        baseline: Some(base_dir.display().to_string()),
        scenario_changes: differences,
        rows: replicas::compare(&base_runs, &current_runs, &options.policy),
    };
    publish(&report, options)
}

/// Writes `gate.json` into the results folder `dir` and re-renders its `report.html` with the verdict.
fn record_verdict(dir: &Path, json: &[u8]) -> Result<(), Error> {
    use crate::plot::{Format, data::Results, plot_files};
    write_file(&dir.join("gate.json"), json)?;
    let results = Results::read_dir(dir)?;
    let files = plot_files(&results, Format::Svg)?;
    if let Some((_, html)) = files.iter().find(|(name, _)| name == "report.html") {
        write_file(&dir.join("report.html"), html)?;
    }
    Ok(())
}

/// Whether any gate option was given, so `run` can refuse them without `--gate` instead of ignoring them.
pub fn any_option_given(options: &GateOptions) -> bool {
    options.baseline.is_some()
        || !options.metric_regression.is_empty()
        || options.allow_scenario_change
        || options.no_thresholds
        || options.junit.is_some()
        || options.json.is_some()
}

/// The thresholds recorded in a summary, re-validated as if written in a scenario.
fn recorded_thresholds(summary: &Summary, dir: &Path) -> Result<Vec<Threshold>, Error> {
    summary
        .thresholds
        .iter()
        .map(|(key, value)| {
            parse_threshold(key, value).map_err(|e| {
                Error::refused(format!(
                    "{}: thresholds.\"{key}\": {e}",
                    input::summary_path(dir).display()
                ))
            })
        })
        .collect()
}

/// Refuses, before any work, a `--junit`/`--json` path the file policy would keep.
pub fn check_outputs(config: &GateConfig) -> Result<(), Error> {
    for (flag, path, kind) in [
        ("--junit", &config.junit, OutputKind::Junit),
        ("--json", &config.json, OutputKind::GateJson),
    ] {
        if let Some(path) = path {
            check_output(path, kind, config.force)
                .map_err(|source| Error::FlagOutput { flag, source })?;
        }
    }
    Ok(())
}

/// Prints the verdict's table and writes the `--junit` / `--json` files asked for; the gate's exit code.
fn publish(report: &Report, options: &GateConfig) -> Result<ExitCode, Error> {
    print_stdout(&export::markdown(report))?;
    if let Some(path) = &options.junit {
        write_output(
            path,
            &export::junit(report),
            OutputKind::Junit,
            options.force,
        )
        .map_err(|source| Error::FlagOutput {
            flag: "--junit",
            source,
        })?;
    }
    if let Some(path) = &options.json {
        write_output(
            path,
            &export::json(report),
            OutputKind::GateJson,
            options.force,
        )
        .map_err(|source| Error::FlagOutput {
            flag: "--json",
            source,
        })?;
    }
    Ok(if report.failures() > 0 {
        ExitCode::GateFailed
    } else {
        ExitCode::Ok
    })
}
