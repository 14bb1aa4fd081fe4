//! `cofleet plot`: re-render `plots/` and `report.html` of a results folder from its files alone (no
//! simulation), so runs made before a plotting change can be drawn again.

use super::{note_leftovers, print_stdout};
use crate::cli::{PlotArgs, PlotFormat};
use crate::job::error::{Error, ExitCode};
use crate::plot::data::Results;
use crate::plot::{Format, plot_files};
use crate::report::write::replace_inside;

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
