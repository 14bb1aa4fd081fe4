//! `cofleet plot`: re-render `plots/` and `report.html` of a results folder from its files alone (no
//! simulation), so runs made before a plotting change can be drawn again.

use std::path::Path;

use super::Failure;
use crate::cli::{PlotArgs, PlotFormat};
use crate::plot::data::Results;
use crate::plot::{Format, plot_files};
use crate::report::write::write_results;

/// Regenerates the plots and the report of `args.results`.
pub fn plot(args: &PlotArgs) -> Result<u8, Failure> {
    let dir = args.results.as_path();
    if !dir.is_dir() {
        return Err(Failure::bad_input(format!(
            "{}: not a results folder (expected a folder with summary.json, timeline.csv, percentiles.csv)",
            dir.display()
        )));
    }
    // Reliability (issue 8): the same summary checks as `gate` and `baseline save` (schema, "complete").
    crate::gate::input::read_summary(dir, "RESULTS_DIR").map_err(Failure::bad_input)?;
    let results = Results::read_dir(dir).map_err(Failure::bad_input)?;
    let format = match args.format {
        PlotFormat::Svg => Format::Svg,
        PlotFormat::Png => Format::Png,
        PlotFormat::Both => Format::Both,
    };
    let plots = plot_files(&results, format).map_err(Failure::bad_input)?;
    // Rewrite the folder atomically: every other file unchanged, previous plots and report replaced.
    let mut files = kept_files(dir, Path::new(""))?;
    files.extend(plots);
    files.sort();
    let files: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    write_results(dir, &files).map_err(Failure::bad_input)?;
    println!(
        "wrote {}/report.html and {} plot files",
        dir.display(),
        files
            .iter()
            .filter(|(n, _)| n.starts_with("plots/"))
            .count()
    );
    Ok(0)
}

/// Every file of the folder (relative path, bytes) except `plots/` and `report.html`.
fn kept_files(root: &Path, rel: &Path) -> Result<Vec<(String, Vec<u8>)>, Failure> {
    let dir = root.join(rel);
    let read_err =
        |e: std::io::Error| Failure::bad_input(format!("{}: cannot read: {e}", dir.display()));
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .map_err(read_err)?
        .collect::<Result<_, _>>()
        .map_err(read_err)?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    let mut out = Vec::new();
    for entry in entries {
        let name = rel.join(entry.file_name());
        let text = name.to_string_lossy().replace('\\', "/");
        if text == "plots" || text == "report.html" {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            out.extend(kept_files(root, &name)?);
        } else {
            let bytes = std::fs::read(&path)
                .map_err(|e| Failure::bad_input(format!("{}: cannot read: {e}", path.display())))?;
            out.push((text, bytes));
        }
    }
    Ok(out)
}
