//! `cofleet fit`: reads the scenario and the observations, fits the `--param` keys (crate::fit), refits on
//! bootstrap observations for the intervals, forecasts the milestones, writes fit.json, fit.csv and
//! fitted.toml, and prints a summary table.

use std::fmt::Write as _;
use std::path::PathBuf;

use serde_json::{Value as Json, json};
use toml::Value;

use super::print_stdout;
use crate::cli::FitArgs;
use crate::fit::{FORECAST_SHARES, Problem, Simulated, observed, percentile, search};
use crate::job::error::{Error, ExitCode};
use crate::job::overwrite::{Kind, check_overwrite};
use crate::job::pool::Threads;
use crate::model::time::{HOUR, Time};
use crate::plot::html::{self, Section};
use crate::plot::render;
use crate::report::output_file::write_file;
use crate::scenario::overrides::{Override, apply, document};
use crate::sweep::replica_seed;
use rayon::prelude::*;

/// Milestone columns always forecast, besides the observed ones.
const FORECAST_COLUMNS: [&str; 1] = ["co_managed"];

/// Runs the fit.
pub fn fit(args: &FitArgs) -> Result<ExitCode, Error> {
    for (i, p) in args.params.iter().enumerate() {
        if args.params[..i].iter().any(|q| q.key == p.key) {
            return Err(Error::refused(format!(
                "--param {}: the key is given twice",
                p.key
            )));
        }
    }
    crate::fit::param::check_share_groups(&args.params).map_err(Error::refused)?;
    let file = args.scenario.display().to_string();
    let text = crate::scenario::read_text(&args.scenario)?;
    let base = crate::scenario::parse(&text, &file)?;
    let doc = document(&text, &file)?;
    let seed = args.seed.unwrap_or(base.seed);
    let mut fixed = vec![Override {
        key: "seed".into(),
        value: crate::fit::seed_value(seed),
        place: None,
    }];
    if let Some(n) = args.devices {
        fixed.push(Override {
            key: "fleet.devices".into(),
            value: Value::Integer(i64::from(n)),
            place: None,
        });
    }
    let observed = observed::read(
        &args.observed,
        &base.start,
        base.duration,
        base.fleet.total_devices(),
    )
    .map_err(Error::refused)?;
    let problem = Problem {
        doc: &doc,
        file: &file,
        params: &args.params,
        fixed: &fixed,
        observed: &observed,
        availability: {
            let a = base.fleet.availability;
            [a.always_on, a.office_hours, a.intermittent]
        },
    };
    let threads = Threads::from_flag(args.threads);
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(format!("{}-fit", base.name)));
    check_overwrite(&out, &base.name, Kind::Fit, args.force)?;
    threads.install(|| run_fit(args, &problem, seed, &out))
}

/// Fit, bootstrap, forecast and write: inside the thread pool.
fn run_fit(
    args: &FitArgs,
    problem: &Problem,
    seed: u64,
    out: &std::path::Path,
) -> Result<ExitCode, Error> {
    let params = problem.params;
    let centre = vec![0.5; params.len()];
    let best = search(problem, &problem.observed.shares, &centre, args.iterations)
        .map_err(|e| Error::refused(format!("fit: {e}")))?;
    let fitted = problem
        .simulate(&best.u, None)
        .map_err(|e| Error::refused(format!("fit: {e}")))?;
    // Parametric bootstrap: observations simulated at the estimate with other seeds, refitted exactly as the
    // observations were (from the box's centre, the same iterations, the fit's own seed: common random
    // numbers). Each refit's scenario is then run to the horizon with yet another seed for the forecast band,
    // so the band holds both the parameters' uncertainty and a rollout's own noise. The refits are
    // independent: they run in parallel, collected in replica order so the output does not depend on
    // the thread count.
    let replicas = args.bootstrap;
    let boot: Vec<(Vec<f64>, Simulated)> = (1..=replicas)
        .into_par_iter()
        .map(|k| -> Result<_, String> {
            let synthetic = problem.simulate(&best.u, Some(replica_seed(seed, k)))?;
            let target = problem.shares_of(&synthetic);
            let refit = search(problem, &target, &centre, args.iterations)?;
            let run = problem.simulate(&refit.u, Some(replica_seed(seed, replicas + k)))?;
            Ok((refit.u, run))
        })
        .collect::<Result<_, _>>()
        .map_err(|e| Error::refused(format!("bootstrap: {e}")))?;
    let (boot_u, boot_runs): (Vec<Vec<f64>>, Vec<Simulated>) = boot.into_iter().unzip();
    let start = &fitted.scenario.start;
    let interval = |mut v: Vec<f64>| -> (f64, f64) {
        v.sort_by(f64::total_cmp);
        (percentile(&v, 0.025), percentile(&v, 0.975))
    };
    let mut table = String::new();
    let _ = writeln!(
        table,
        "fit of {} parameter(s) to {} observation(s) of {} column(s): objective {:.3e}, {} iterations, {} simulations{}",
        params.len(),
        problem.observed.times.len(),
        problem.observed.columns.len(),
        best.objective,
        best.iterations,
        best.evaluations,
        if best.converged {
            ""
        } else {
            " (iteration limit reached: not converged)"
        }
    );
    let _ = writeln!(
        table,
        "\n{:<36} {:>14} {:>14} {:>14}",
        "parameter", "estimate", "low (2.5 %)", "high (97.5 %)"
    );
    let mut params_json = serde_json::Map::new();
    for (i, p) in params.iter().enumerate() {
        let value = p.at(best.u[i]);
        // The hull of the percentile interval (the refits' 2.5 and 97.5 percentiles) and the basic one (that
        // spread reflected through the estimate, which corrects for a bias of the fit): with few replicas the
        // bias the basic interval corrects for is itself noisy, and the hull always holds the estimate.
        let (q_low, q_high) = interval(boot_u.iter().map(|u| p.at(u[i])).collect());
        let (low, high) = (
            q_low.min(2.0 * value - q_high).clamp(p.low, p.high),
            q_high.max(2.0 * value - q_low).clamp(p.low, p.high),
        );
        let shown = |v: f64| {
            if v.is_nan() {
                "-".to_string()
            } else {
                p.shown(v)
            }
        };
        let _ = writeln!(
            table,
            "{:<36} {:>14} {:>14} {:>14}",
            p.key,
            p.shown(value),
            shown(low),
            shown(high)
        );
        params_json.insert(
            p.key.clone(),
            json!({
                "value": value,
                "low": finite(low),
                "high": finite(high),
                "bounds": [p.low, p.high],
            }),
        );
    }
    // Forecast: first hour each column reaches each share, in the fitted run and the bootstrap runs.
    let mut columns: Vec<String> = FORECAST_COLUMNS.iter().map(|c| c.to_string()).collect();
    for c in &problem.observed.columns {
        if !columns.contains(c) {
            columns.push(c.clone());
        }
    }
    let _ = writeln!(
        table,
        "\n{:<20} {:>5} {:<22} {:<22} {:<22}",
        "forecast", "share", "date", "earliest (2.5 %)", "latest (97.5 %)"
    );
    let mut forecast_json = serde_json::Map::new();
    for c in &columns {
        let col = fitted.column(c);
        let mut per_share = serde_json::Map::new();
        for pct in FORECAST_SHARES {
            let point = fitted.reached(col, pct);
            // Not reached within the horizon counts as later than any date.
            let times: Vec<f64> = boot_runs
                .iter()
                .map(|r| r.reached(r.column(c), pct).map_or(f64::INFINITY, f64::from))
                .collect();
            // The refit runs' 2.5 and 97.5 percentiles, widened to hold the point date.
            let (low, high) = interval(times);
            let point_f = point.map_or(f64::INFINITY, f64::from);
            let (low, high) = (low.min(point_f), high.max(point_f));
            let as_time = |v: f64| (v.is_finite()).then_some(v as Time);
            let date =
                |t: Option<Time>| t.map_or_else(|| "not reached".to_string(), |t| start.short(t));
            let _ = writeln!(
                table,
                "{:<20} {:>4}% {:<22} {:<22} {:<22}",
                c,
                pct,
                date(point),
                if boot_runs.is_empty() {
                    "-".into()
                } else {
                    date(as_time(low))
                },
                if boot_runs.is_empty() {
                    "-".into()
                } else {
                    date(as_time(high))
                },
            );
            let entry = |t: Option<Time>| match t {
                Some(t) => json!({"time_s": t, "date": start.date(t)}),
                None => Json::Null,
            };
            per_share.insert(
                pct.to_string(),
                json!({
                    "time_s": point,
                    "date": point.map(|t| start.date(t)),
                    "low": if boot_runs.is_empty() { Json::Null } else { entry(as_time(low)) },
                    "high": if boot_runs.is_empty() { Json::Null } else { entry(as_time(high)) },
                }),
            );
        }
        forecast_json.insert(c.clone(), Json::Object(per_share));
    }
    let report = json!({
        "scenario": fitted.scenario.name,
        "method": {
            "objective": "sum of squared differences of shares (count / fleet size) over observed columns and times",
            "optimiser": "Nelder-Mead (argmin) on the parameter box scaled to 0..1",
            "common_random_numbers_seed": seed,
            "devices_simulated": fitted.devices,
            "bootstrap_replicas": args.bootstrap,
            "intervals": "parametric bootstrap: hull of the percentile interval (the refits' 2.5 and 97.5 percentiles) and the basic interval (2 × estimate − those percentiles)",
            "forecast_band": "2.5 and 97.5 percentiles of the milestone times of each refit's scenario run with another seed, widened to hold the fitted run's time",
        },
        "params": params_json,
        "objective": best.objective,
        "iterations": best.iterations,
        "evaluations": best.evaluations,
        "converged": best.converged,
        "forecast": forecast_json,
    });
    let mut fit_json = serde_json::to_string_pretty(&report).expect("JSON of plain values");
    fit_json.push('\n');
    std::fs::create_dir_all(out)
        .map_err(|e| Error::refused(format!("{}: cannot create: {e}", out.display())))?;
    let csv = fit_csv(problem, &fitted, &boot_runs);
    write_file(&out.join("fit.csv"), &csv)?;
    let mut doc = problem.doc.clone();
    for o in problem.overrides(&best.u, None) {
        if o.key == "fleet.devices" {
            continue;
        }
        apply(&mut doc, &o.key, o.value).map_err(Error::refused)?;
    }
    let toml = toml::to_string(&doc).map_err(|e| Error::refused(format!("fitted.toml: {e}")))?;
    write_file(&out.join("fitted.toml"), toml.as_bytes())?;
    write_plots(out, &csv, &fitted, seed, &table)?;
    // Last: its presence marks a complete fit folder (the overwrite guard's test).
    write_file(&out.join("fit.json"), fit_json.as_bytes())?;
    let _ = writeln!(table, "\nresults in {}", out.display());
    print_stdout(&table)?;
    Ok(if best.converged {
        ExitCode::Ok
    } else {
        ExitCode::GateFailed
    })
}

/// `plots/fit_<column>.svg` and `.png` from fit.csv, and `report.html`: the fit's table, then the figures.
fn write_plots(
    out: &std::path::Path,
    csv: &[u8],
    fitted: &Simulated,
    seed: u64,
    table: &str,
) -> Result<(), Error> {
    let scenario = &fitted.scenario;
    let data = crate::fit::plot::parse(csv).map_err(Error::refused)?;
    let subtitle = format!(
        "{} · seed {} · {} devices",
        scenario.name,
        seed,
        crate::units::grouped(u64::from(fitted.devices))
    );
    let figures =
        crate::fit::plot::figures(&data, &scenario.start.date(0), scenario.duration, &subtitle);
    let drawn: Vec<(String, Vec<u8>)> = figures
        .par_iter()
        .map(|f| Ok((render::svg(f)?, render::png(f)?)))
        .collect::<Result<_, render::RenderError>>()?;
    let plots = out.join("plots");
    std::fs::create_dir_all(&plots)
        .map_err(|e| Error::refused(format!("{}: cannot create: {e}", plots.display())))?;
    let mut sections = vec![Section {
        id: "fit".into(),
        title: "Fit".into(),
        body: format!("<pre>{}</pre>\n", html::escape(table.trim_end())),
    }];
    for (figure, (svg, png)) in figures.iter().zip(&drawn) {
        write_file(&plots.join(format!("{}.svg", figure.slug)), svg.as_bytes())?;
        write_file(&plots.join(format!("{}.png", figure.slug)), png)?;
        sections.push(html::figure_section(figure, svg));
    }
    let page = html::page_titled(
        &format!("cofleet fit — {} (seed {seed})", scenario.name),
        &sections,
    );
    write_file(&out.join("report.html"), page.as_bytes())?;
    Ok(())
}

fn finite(v: f64) -> Json {
    if v.is_finite() { json!(v) } else { Json::Null }
}

/// Observed against fitted, hour by hour over the horizon: per observed column the observed share (empty
/// where not observed), the fitted share and the bootstrap band (2.5 and 97.5 percentiles).
fn fit_csv(problem: &Problem, fitted: &Simulated, boot: &[Simulated]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["hour".to_string(), "date".to_string()];
    for c in &problem.observed.columns {
        for s in ["observed", "fitted", "low", "high"] {
            header.push(format!("{c}.{s}"));
        }
    }
    w.write_record(&header).expect("in memory");
    let start = &fitted.scenario.start;
    for hour in 0..fitted.rows.len() {
        let mut rec = vec![hour.to_string(), start.date(hour as Time * HOUR)];
        for (j, c) in problem.observed.columns.iter().enumerate() {
            let obs = problem
                .observed
                .times
                .iter()
                .position(|t| (t / HOUR) as usize == hour)
                .map(|i| format!("{:.6}", problem.observed.shares[i][j]))
                .unwrap_or_default();
            rec.push(obs);
            rec.push(format!("{:.6}", fitted.share(fitted.column(c), hour)));
            let mut band: Vec<f64> = boot.iter().map(|r| r.share(r.column(c), hour)).collect();
            band.sort_by(f64::total_cmp);
            let cell = |v: f64| {
                if v.is_nan() {
                    String::new()
                } else {
                    format!("{v:.6}")
                }
            };
            rec.push(cell(percentile(&band, 0.025)));
            rec.push(cell(percentile(&band, 0.975)));
        }
        w.write_record(&rec).expect("in memory");
    }
    w.into_inner().expect("in memory")
}
