//! Plots and `report.html`, drawn only from a results folder's aggregated files (never from per-device
//! state), so a run and a later `cofleet plot` of its folder give the same bytes.
//!
//! [`data`] parses the files, [`figures`] turns them into plain series, [`render`] draws series to SVG/PNG,
//! [`html`] assembles the report. Nothing here knows about clap or the terminal.

pub mod data;
pub mod figures;
mod glyphs;
pub mod html;
pub mod render;
pub mod sweep;

use crate::report::load_out::LoadSeries;
use data::Results;

/// Which image files to write under `plots/` (report.html always inlines SVG).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// `plots/*.svg` only.
    Svg,
    /// `plots/*.png` only.
    Png,
    /// Both (what `cofleet run` writes).
    #[default]
    Both,
}

/// `plots/<figure>.{svg,png}` and `report.html` for `results`, as (relative path, bytes) in a fixed order.
pub fn plot_files(
    results: &Results,
    format: Format,
) -> Result<Vec<(String, Vec<u8>)>, render::RenderError> {
    let figures = figures::all(results);
    // Figures are independent: render them in parallel (in figure order, so the output is the same).
    use rayon::prelude::*;
    let drawn: Vec<(String, Option<Vec<u8>>)> = figures
        .par_iter()
        .map(|figure| {
            let svg = render::svg(figure)?;
            let png = if format != Format::Svg {
                Some(render::png(figure)?)
            } else {
                None
            };
            Ok((svg, png))
        })
        .collect::<Result<_, render::RenderError>>()?;
    let mut files = Vec::new();
    let mut rendered = Vec::with_capacity(figures.len());
    for (figure, (svg, png)) in figures.into_iter().zip(drawn) {
        if format != Format::Png {
            files.push((
                format!("plots/{}.svg", figure.slug),
                svg.clone().into_bytes(),
            ));
        }
        if let Some(png) = png {
            files.push((format!("plots/{}.png", figure.slug), png));
        }
        rendered.push((figure, svg));
    }
    let sections = html::sections(results, &rendered);
    files.push((
        "report.html".to_string(),
        html::page(results, &sections).into_bytes(),
    ));
    Ok(files)
}

/// Why `cofleet run` could not draw its plots (its own files did not parse, or a figure failed to render).
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// A results file did not parse.
    #[error(transparent)]
    Data(#[from] data::DataError),
    /// A figure could not be drawn.
    #[error(transparent)]
    Render(#[from] render::RenderError),
}

/// The plot files of a run whose other files are `files` (name, bytes), all plot formats; `dir` only names
/// files in errors. `load` is the run's load as `load.csv` reads back (`report::load_out::load_series`):
/// given, the plots do not parse `load.csv` again — a month of minutes is hundreds of thousands of rows, and
/// parsing them took longer than drawing every figure. (`cofleet plot` reads the file; a test checks that
/// both draw the same bytes.)
pub fn run_plot_files(
    dir: &std::path::Path,
    files: &[(&str, Vec<u8>)],
    load: Option<Vec<LoadSeries>>,
) -> Result<Vec<(String, Vec<u8>)>, PlotError> {
    let given = load.is_some();
    let mut results = Results::parse(dir, |name| {
        if given && name == "load.csv" {
            return None;
        }
        files
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, b)| b.as_slice())
    })?;
    if given {
        results.load = load;
    }
    Ok(plot_files(&results, Format::Both)?)
}
