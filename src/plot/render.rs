//! Drawing a [`Figure`] to SVG text or PNG bytes with plotters — pure Rust, no system font library: text is
//! measured and rasterised with the DejaVu Sans font embedded in the binary (`assets/fonts/`, Bitstream Vera
//! licence). The same inputs give the same bytes.

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

use super::figures::{Figure, Scale, Style, TickFormat};
use super::glyphs::GlyphBitMap;
use crate::units::grouped;
use crate::units::human_seconds;

/// Image width in pixels.
pub const WIDTH: u32 = 1200;
/// Image height in pixels.
pub const HEIGHT: u32 = 700;
const LEGEND_WIDTH: u32 = 330;
const TITLE_HEIGHT: u32 = 50;
const FONT: &str = "sans-serif";

/// Why a figure could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("plot {slug}: {detail}")]
pub struct RenderError {
    /// The figure.
    pub slug: String,
    /// What failed.
    pub detail: String,
}

/// The palette: states (0–5), workloads (6–12), compliance (13), paths (14–15), load and capacity (16–17),
/// reference lines (18), served requests (19).
const PALETTE: [RGBColor; 20] = [
    RGBColor(44, 160, 44),   // co_managed
    RGBColor(31, 119, 180),  // enrolled
    RGBColor(23, 190, 207),  // joined
    RGBColor(199, 199, 199), // not_started
    RGBColor(232, 226, 196), // not_arrived
    RGBColor(214, 39, 40),   // failed
    RGBColor(31, 119, 180),  // compliance_policies
    RGBColor(255, 127, 14),  // windows_update_policies
    RGBColor(44, 160, 44),   // resource_access
    RGBColor(214, 39, 40),   // endpoint_protection
    RGBColor(148, 103, 189), // device_configuration
    RGBColor(140, 86, 75),   // office_click_to_run
    RGBColor(227, 119, 194), // client_apps
    RGBColor(51, 51, 51),    // compliance_latency
    RGBColor(31, 119, 180),  // path existing_client
    RGBColor(255, 127, 14),  // path new_internet
    RGBColor(31, 119, 180),  // requests/s
    RGBColor(214, 39, 40),   // capacity
    RGBColor(110, 110, 110), // reference
    RGBColor(44, 160, 44),   // served/s
];

fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The embedded font could not be registered with plotters.
#[derive(Debug, thiserror::Error)]
#[error("the embedded font cannot be loaded")]
struct FontUnavailable;

fn font_ready() -> Result<(), FontUnavailable> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    if *REGISTERED.get_or_init(|| register_font(FONT, FontStyle::Normal, FONT_BYTES).is_ok()) {
        Ok(())
    } else {
        Err(FontUnavailable)
    }
}

/// The figure as an SVG document.
pub fn svg(figure: &Figure) -> Result<String, RenderError> {
    let err = |detail: String| RenderError {
        slug: figure.slug.clone(),
        detail,
    };
    font_ready().map_err(|e| err(e.to_string()))?;
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (WIDTH, HEIGHT)).into_drawing_area();
        draw(figure, &root).map_err(|e| err(e.to_string()))?;
        root.present().map_err(|e| err(e.to_string()))?;
    }
    Ok(text)
}

/// The figure as a PNG image.
pub fn png(figure: &Figure) -> Result<Vec<u8>, RenderError> {
    let err = |detail: String| RenderError {
        slug: figure.slug.clone(),
        detail,
    };
    font_ready().map_err(|e| err(e.to_string()))?;
    let font = ab_glyph::FontRef::try_from_slice(FONT_BYTES).map_err(|e| err(e.to_string()))?;
    let mut pixels = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let root = GlyphBitMap::new(
            BitMapBackend::with_buffer(&mut pixels, (WIDTH, HEIGHT)),
            font,
        )
        .into_drawing_area();
        draw(figure, &root).map_err(|e| err(e.to_string()))?;
        root.present().map_err(|e| err(e.to_string()))?;
    }
    let mut out = Vec::new();
    {
        let mut encoder = ::png::Encoder::new(&mut out, WIDTH, HEIGHT);
        encoder.set_color(::png::ColorType::Rgb);
        encoder.set_depth(::png::BitDepth::Eight);
        // fdeflate's PNG-tuned mode: flat-coloured charts compress about as well as with the default level at
        // a fraction of the time (the default level was most of the time `cofleet run` spent on plots).
        encoder.set_compression(::png::Compression::Fast);
        let mut writer = encoder.write_header().map_err(|e| err(e.to_string()))?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| err(e.to_string()))?;
        writer.finish().map_err(|e| err(e.to_string()))?;
    }
    Ok(out)
}

fn tick_text(format: TickFormat, v: f64) -> String {
    match format {
        TickFormat::Count => {
            if v.abs() >= 1000.0 || v.fract() == 0.0 {
                grouped(v.round().max(0.0) as u64)
            } else {
                format!("{v:.1}")
            }
        }
        TickFormat::Duration => human_seconds(v),
        TickFormat::Percent => format!("{v:.0}%"),
        TickFormat::Decimal => {
            if v.fract() == 0.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.1}")
            }
        }
    }
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max - 1).collect();
        s.push('…');
        s
    }
}

/// `text` in lines of at most `max` characters, broken after a space, comma or `+` (a legend that lists
/// several metrics or sweep settings keeps every part instead of being cut where the variants differ); at
/// most `lines` lines, the last one shortened with `…` when the text is longer still.
pub fn wrap(text: &str, max: usize, lines: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        if out.len() + 1 == lines || rest.chars().count() <= max {
            out.push(shorten(rest, max));
            break;
        }
        let head: String = rest.chars().take(max).collect();
        let cut = head
            .char_indices()
            .filter(|(_, c)| matches!(c, ' ' | ',' | '+'))
            .map(|(i, c)| i + c.len_utf8())
            .next_back()
            .filter(|&i| i > max / 3)
            .unwrap_or(head.len());
        out.push(rest[..cut].trim_end().to_string());
        rest = rest[cut..].trim_start();
    }
    out
}

/// Draws `figure` on `root`: title on top, chart on the left, legend in its own panel on the right so it
/// never covers data.
fn draw<DB: DrawingBackend>(
    figure: &Figure,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let (title, body) = root.split_vertically(TITLE_HEIGHT);
    title.draw(&Text::new(
        shorten(&figure.title, 95),
        (20, 16),
        (FONT, 22).into_font().color(&BLACK),
    ))?;
    let (chart_area, legend) = body.split_horizontally(WIDTH - LEGEND_WIDTH);
    draw_legend(figure, &legend)?;

    let log = figure.x.scale == Scale::Log;
    let tx = |x: f64| {
        if log {
            x.max(f64::MIN_POSITIVE).log10()
        } else {
            x
        }
    };
    let (x0, x1) = (tx(figure.x.min), tx(figure.x.max));
    let (x1, y1) = (
        if x1 > x0 { x1 } else { x0 + 1.0 },
        if figure.y.max > figure.y.min {
            figure.y.max
        } else {
            figure.y.min + 1.0
        },
    );
    let mut chart = ChartBuilder::on(&chart_area)
        .margin_top(10)
        .margin_left(10)
        .margin_right(20)
        .margin_bottom(10)
        .x_label_area_size(50)
        .y_label_area_size(85)
        .build_cartesian_2d(x0..x1, figure.y.min..y1)?;
    let x_format = |v: &f64| tick_text(figure.x.format, *v);
    let y_format = |v: &f64| tick_text(figure.y.format, *v);
    let blank = |_: &f64| String::new();
    let grid = RGBColor(235, 235, 235);
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(figure.x.label.as_str())
        .y_desc(figure.y.label.as_str())
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 15))
        .light_line_style(WHITE)
        .bold_line_style(grid)
        .y_labels(8)
        .x_labels(10)
        .y_label_formatter(&y_format);
    // Explicit ticks (a log axis, categories) replace the renderer's x labels.
    if log || !figure.x.ticks.is_empty() {
        mesh.disable_x_mesh().x_labels(0).x_label_formatter(&blank);
    } else {
        mesh.x_label_formatter(&x_format);
    }
    mesh.draw()?;

    if figure.is_empty() {
        let (left, top) = chart.backend_coord(&(x0, y1));
        let (right, bottom) = chart.backend_coord(&(x1, figure.y.min));
        root.draw(&Text::new(
            "no data: nothing to plot in this run",
            ((left + right) / 2 - 160, (top + bottom) / 2 - 12),
            (FONT, 24).into_font().color(&RGBColor(120, 120, 120)),
        ))?;
        return Ok(());
    }

    // Explicit ticks (log axis): grid line and label at each.
    let label_font = (FONT, 14).into_font().color(&BLACK);
    for (v, text) in &figure.x.ticks {
        let x = tx(*v);
        chart.draw_series(LineSeries::new(
            [(x, figure.y.min), (x, y1)],
            grid.stroke_width(1),
        ))?;
        let (px, py) = chart.backend_coord(&(x, figure.y.min));
        root.draw(&Text::new(
            text.clone(),
            (px - 4 * text.chars().count() as i32, py + 8),
            label_font.clone(),
        ))?;
    }

    for s in &figure.series {
        let c = color(s.color);
        let points = s.points.iter().map(|&(x, y)| (tx(x), y));
        // Thick polylines get miter spikes at sharp reversals, which on a dense series (a month of 1-minute
        // load buckets) draw values that are not in the data: dense series are drawn 1 px wide.
        let width = if s.points.len() > 600 { 1 } else { 2 };
        match s.style {
            Style::Area => {
                chart.draw_series(
                    AreaSeries::new(points, 0.0, c.filled()).border_style(c.stroke_width(1)),
                )?;
            }
            Style::Line => {
                chart.draw_series(LineSeries::new(points, c.stroke_width(width)))?;
            }
            Style::Dashed => {
                chart.draw_series(DashedLineSeries::new(points, 10, 6, c.stroke_width(2)))?;
            }
            Style::Bar => {
                chart
                    .draw_series(points.map(|(x, y)| {
                        Rectangle::new([(x - 0.35, 0.0), (x + 0.35, y)], c.filled())
                    }))?;
            }
            Style::Whisker => {
                let ends: Vec<(f64, f64)> = points.collect();
                for pair in ends.chunks_exact(2) {
                    let ((x, lo), (_, hi)) = (pair[0], pair[1]);
                    for line in [
                        [(x, lo), (x, hi)],
                        [(x - 0.12, lo), (x + 0.12, lo)],
                        [(x - 0.12, hi), (x + 0.12, hi)],
                    ] {
                        chart.draw_series(LineSeries::new(line, c.stroke_width(2)))?;
                    }
                }
            }
        }
        for (x, y, label) in &s.marks {
            chart.draw_series(std::iter::once(Circle::new((tx(*x), *y), 5, c.filled())))?;
            if !label.is_empty() {
                let (px, py) = chart.backend_coord(&(tx(*x), *y));
                root.draw(&Text::new(
                    label.clone(),
                    (px + 8, py - 8),
                    (FONT, 14).into_font().color(&BLACK),
                ))?;
            }
        }
    }

    let marker_color = RGBColor(90, 90, 90);
    for (i, m) in figure.markers.iter().enumerate() {
        chart.draw_series(DashedLineSeries::new(
            [(tx(m.x), figure.y.min), (tx(m.x), y1)],
            4,
            4,
            marker_color.stroke_width(1),
        ))?;
        let (px, py) = chart.backend_coord(&(tx(m.x), y1));
        // Stagger tags so that markers close in time stay readable.
        root.draw(&Text::new(
            m.tag.clone(),
            (px + 3, py + 3 + 16 * (i as i32 % 3)),
            (FONT, 13).into_font().color(&marker_color),
        ))?;
    }

    for level in &figure.levels {
        chart.draw_series(DashedLineSeries::new(
            [(x0, level.y), (x1, level.y)],
            3,
            5,
            RGBColor(150, 150, 150).stroke_width(1),
        ))?;
        let (px, py) = chart.backend_coord(&(x0, level.y));
        root.draw(&Text::new(
            level.label.clone(),
            (px + 4, py - 15),
            (FONT, 12).into_font().color(&RGBColor(110, 110, 110)),
        ))?;
    }
    Ok(())
}

fn draw_legend<DB: DrawingBackend>(
    figure: &Figure,
    area: &DrawingArea<DB, Shift>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let name_font = (FONT, 14).into_font().color(&BLACK);
    let detail_font = (FONT, 12).into_font().color(&RGBColor(90, 90, 90));
    let mut y = 16;
    for s in &figure.series {
        let c = color(s.color);
        match s.style {
            Style::Area | Style::Bar => {
                area.draw(&Rectangle::new([(8, y + 2), (30, y + 14)], c.filled()))?
            }
            Style::Whisker => {
                area.draw(&PathElement::new(
                    [(19, y + 1), (19, y + 15)],
                    c.stroke_width(2),
                ))?;
                area.draw(&PathElement::new(
                    [(14, y + 1), (24, y + 1)],
                    c.stroke_width(2),
                ))?;
                area.draw(&PathElement::new(
                    [(14, y + 15), (24, y + 15)],
                    c.stroke_width(2),
                ))?;
            }
            Style::Line => area.draw(&PathElement::new(
                [(8, y + 8), (30, y + 8)],
                c.stroke_width(3),
            ))?,
            Style::Dashed => {
                area.draw(&PathElement::new(
                    [(8, y + 8), (15, y + 8)],
                    c.stroke_width(2),
                ))?;
                area.draw(&PathElement::new(
                    [(22, y + 8), (30, y + 8)],
                    c.stroke_width(2),
                ))?;
            }
        }
        for line in wrap(&s.name, 38, 4) {
            area.draw(&Text::new(line, (38, y), name_font.clone()))?;
            y += 18;
        }
        y += 2;
        if !s.detail.is_empty() {
            area.draw(&Text::new(
                shorten(&s.detail, 48),
                (38, y - 2),
                detail_font.clone(),
            ))?;
            y += 18;
        }
    }
    if !figure.markers.is_empty() {
        y += 10;
        for m in &figure.markers {
            area.draw(&Text::new(
                shorten(&m.label, 50),
                (8, y),
                detail_font.clone(),
            ))?;
            y += 17;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_at_separators_and_keeps_every_part() {
        let text = "1: timers.policy_poll=30m+stage.0.pilot_share=0.05";
        let lines = wrap(text, 38, 4);
        assert_eq!(
            lines,
            ["1: timers.policy_poll=30m+", "stage.0.pilot_share=0.05"]
        );
        assert_eq!(wrap("short", 38, 4), ["short"]);
        let long = "a ".repeat(100);
        let cut = wrap(&long, 10, 2);
        assert_eq!(cut.len(), 2);
        assert!(cut[1].ends_with('…'));
    }
}
