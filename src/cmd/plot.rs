//! `cofleet plot`: re-render `plots/` and `report.html` of a results folder from its files alone (no
//! simulation), so runs made before a plotting change can be drawn again.

use std::path::Path;

use walkdir::WalkDir;

use super::print_stdout;
use crate::cli::{PlotArgs, PlotFormat};
use crate::error::{Error, ExitCode};
use crate::plot::data::Results;
use crate::plot::{Format, plot_files};
use crate::report::read::{FILE_CAP, read_result_file};
use crate::report::write::write_results;

/// Regenerates the plots and the report of `args.results`.
pub fn plot(args: &PlotArgs) -> Result<ExitCode, Error> {
    let dir = args.results.as_path();
    if !dir.is_dir() {
        return Err(Error::refused(format!(
            "{}: not a results folder (expected a folder with summary.json, timeline.csv, percentiles.csv)",
            dir.display()
        )));
    }
    // Reliability: the same summary checks as `gate` and `baseline save` (schema, "complete").
    crate::gate::input::read_summary(dir, "RESULTS_DIR")?;
    let results = Results::read_dir(dir)?;
    let format = match args.format {
        PlotFormat::Svg => Format::Svg,
        PlotFormat::Png => Format::Png,
        PlotFormat::Both => Format::Both,
    };
    let plots = plot_files(&results, format)?;
    // Rewrite the folder atomically: every other file unchanged, previous plots and report replaced.
    let mut files = kept_files(dir)?;
    files.extend(plots);
    files.sort();
    let files: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    write_results(dir, &files)?;
    print_stdout(&format!(
        "wrote {}/report.html and {} plot files\n",
        dir.display(),
        files
            .iter()
            .filter(|(n, _)| n.starts_with("plots/"))
            .count()
    ))?;
    Ok(ExitCode::Ok)
}

/// Every file of the folder (relative path, bytes) except `plots/` and `report.html`. The folder is rewritten
/// from these bytes, so a symbolic link in it is refused, naming it, rather than followed: following it would
/// turn the link into a copy of whatever it points to (perhaps outside the folder).
fn kept_files(root: &Path) -> Result<Vec<(String, Vec<u8>)>, Error> {
    let mut out = Vec::new();
    let mut walk = WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .min_depth(1)
        .into_iter();
    while let Some(entry) = walk.next() {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(root).to_path_buf();
            match e.into_io_error() {
                Some(source) => Error::Read { path, source },
                None => Error::refused(format!(
                    "{}: cannot walk the results folder",
                    path.display()
                )),
            }
        })?;
        if entry.path_is_symlink() {
            return Err(Error::refused(format!(
                "{}: a symbolic link in the results folder; `cofleet plot` rewrites the folder and never \
                 follows a link in it: replace the link by what it points to, or remove it",
                entry.path().display()
            )));
        }
        let text = entry
            .path()
            .strip_prefix(root)
            .expect("walked below root")
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        if text == "plots" || text == "report.html" {
            if entry.file_type().is_dir() {
                walk.skip_current_dir();
            }
            continue;
        }
        if entry.file_type().is_dir() {
            continue;
        }
        let bytes = read_result_file(entry.path(), FILE_CAP)?;
        out.push((text, bytes));
    }
    Ok(out)
}
