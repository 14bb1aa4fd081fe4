//! `cofleet plot`: re-render `plots/` and `report.html` of a results folder from its files alone (no
//! simulation), so runs made before a plotting change can be drawn again.

use super::{note_leftovers, print_stdout};
use crate::cli::{PlotArgs, PlotFormat};
use crate::job::error::{Error, ExitCode};
use crate::job::sweep::run_folder;
use crate::plot::data::Results;
use crate::plot::sweep::sweep_plot_files;
use crate::plot::{Format, plot_files};
use crate::report::read::{TABLE_CAP, read_result_file};
use crate::report::summary::Summary;
use crate::report::write::replace_inside;
use crate::sweep::shard::{SweepPlan, comparison_tables};
use std::path::Path;

/// Regenerates the plots and the report of `args.results`.
pub fn plot(args: &PlotArgs) -> Result<ExitCode, Error> {
    let dir = args.results.as_path();
    if !dir.is_dir() {
        return Err(Error::refused(format!(
            "{}: not a results folder (expected a folder with summary.json, timeline.csv, percentiles.csv)",
            dir.display()
        )));
    }
    let format = match args.format {
        PlotFormat::Svg => Format::Svg,
        PlotFormat::Png => Format::Png,
        PlotFormat::Both => Format::Both,
    };
    let plots = if !dir.join("summary.json").exists() && dir.join("sweep.csv").is_file() {
        sweep_plots(dir, format)?
    } else {
        // Reliability: the same summary checks as `gate` and `baseline save` (schema, "complete").
        crate::gate::input::read_summary(dir, "RESULTS_DIR")?;
        let results = Results::read_dir(dir)?;
        plot_files(&results, format)?
    };
    // Only `plots/` and `report.html` are replaced, each atomically, inside the folder: every other entry
    // (links included) stays as it is, and the folder itself is never renamed, so it may be the current
    // directory (`cofleet plot .`).
    note_leftovers(&replace_inside(dir, &plots)?);
    print_stdout(&format!(
        "wrote {}/report.html and {} plot files\n",
        dir.display(),
        plots
            .iter()
            .filter(|(n, _)| n.starts_with("plots/"))
            .count()
    ))?;
    Ok(ExitCode::Ok)
}

/// The plots and report of the sweep folder `dir`, from its files: the variants (in plan order) and `--set`
/// keys from `sweep.csv`, every replica's `summary.json` from the run folders (the statistics are computed
/// again, exactly as the sweep did), `comparison.md` as written.
fn sweep_plots(dir: &Path, format: Format) -> Result<Vec<(String, Vec<u8>)>, Error> {
    let csv_path = dir.join("sweep.csv");
    let bytes = read_result_file(&csv_path, TABLE_CAP)?;
    let bad = |detail: String| Error::refused(format!("{}: {detail}", csv_path.display()));
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| bad(e.to_string()))?
        .iter()
        .map(String::from)
        .collect();
    let tail = ["metric", "statistic", "value", "ci_low", "ci_high"];
    if header.len() < 1 + tail.len()
        || header[0] != "variant"
        || header[header.len() - tail.len()..] != tail
    {
        return Err(bad(format!(
            "header is {header:?}, expected variant,<--set keys>,metric,statistic,value,ci_low,ci_high"
        )));
    }
    let param_keys = header[1..header.len() - tail.len()].to_vec();
    let mut variants: Vec<(String, Vec<String>)> = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| bad(e.to_string()))?;
        let name = row.get(0).unwrap_or_default();
        if variants.last().is_none_or(|(last, _)| last != name) {
            if variants.iter().any(|(v, _)| v == name)
                || name.is_empty()
                || name.starts_with('.')
                || crate::sweep::folder_safe(name) != name
            {
                return Err(bad(format!(
                    "variant {name:?} is not a folder name or is not in one block"
                )));
            }
            let params = (1..=param_keys.len())
                .map(|i| row.get(i).unwrap_or_default().to_string())
                .collect();
            variants.push((name.to_string(), params));
        }
    }
    if variants.is_empty() {
        return Err(bad("no variant rows".into()));
    }
    let mut summaries: Vec<Vec<Summary>> = Vec::new();
    for (name, _) in &variants {
        let mut runs = Vec::new();
        loop {
            let folder = dir.join(run_folder(name, runs.len() as u32));
            if !runs.is_empty() && !folder.join("summary.json").exists() {
                break;
            }
            runs.push(crate::gate::input::read_summary(&folder, "sweep run")?);
        }
        summaries.push(runs);
    }
    let replicas = summaries[0].len();
    if let Some((i, _)) = summaries
        .iter()
        .enumerate()
        .find(|(_, r)| r.len() != replicas)
    {
        return Err(Error::refused(format!(
            "{}: variant {} has {} replica folder(s), variant {} has {replicas}; the sweep folder is incomplete",
            dir.display(),
            variants[i].0,
            summaries[i].len(),
            variants[0].0
        )));
    }
    let first = &summaries[0][0];
    let plan = SweepPlan {
        scenario: first.scenario.clone(),
        param_keys,
        replicas: replicas as u32,
        devices: first.devices,
        variants,
        // The figures do not depend on the reference; the report shows comparison.md as written.
        reference: 0,
    };
    let (stats, md, _) = comparison_tables(&plan, &summaries);
    let md = match read_result_file(&dir.join("comparison.md"), TABLE_CAP) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => md,
    };
    Ok(sweep_plot_files(&stats, &md, format)?)
}
