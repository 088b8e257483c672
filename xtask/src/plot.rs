//! Figures drawn in pure Rust (plotters, SVG backend): line charts (alone,
//! or as panels with linear or logarithmic axes) and heat maps with a
//! diverging colour map, colour bar and equal axes.
//!
//! Text goes into the SVG as `<text>` elements; a heat map's cells as one
//! embedded image (module `raster`). Every figure is written twice, as
//! `ID.svg` and, rendered from it with the system's fonts, `ID.png`. A
//! figure is drawn in memory and written through the run's [`Storage`],
//! replacing each file by a rename.

mod legend;
pub(crate) mod raster;

use std::path::Path;

use experiments::storage::{Storage, replace};

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::reproduce::error::Error;

const WIDTH: u32 = 900;
const HEIGHT: u32 = 600;
const FONT: &str = "sans-serif";
/// Opacity of a shaded band (quantiles of an ensemble) over white.
const BAND_OPACITY: f64 = 0.22;

/// Colour cycle for line series (Okabe–Ito, readable with colour-vision deficiencies).
pub const PALETTE: [RGBColor; 6] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
];

/// One curve of a line chart.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend entry.
    pub label: String,
    /// `(x, y)` points in drawing order.
    pub points: Vec<(f64, f64)>,
}

/// A line chart with labelled axes and a legend.
#[derive(Debug, Clone)]
pub struct LineChart {
    /// Title above the chart.
    pub title: String,
    /// x-axis label, with units.
    pub x_label: String,
    /// y-axis label, with units.
    pub y_label: String,
    /// The curves.
    pub series: Vec<Series>,
}

fn plot_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Plot {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Draw an SVG of `size` pixels by `draw` (which may leave rasters to
/// embed, [`raster`]), write it to `path` and its rendering to `path` with
/// the extension `png`.
pub(crate) fn svg_file(
    storage: &dyn Storage,
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(
        &DrawingArea<SVGBackend<'_>, Shift>,
        &mut Vec<raster::Raster>,
    ) -> Result<(), Box<dyn std::error::Error>>,
) -> Result<(), Error> {
    let mut svg = String::new();
    let mut rasters = Vec::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        draw(&root, &mut rasters).map_err(|e| plot_error(path, e))?;
        root.present().map_err(|e| plot_error(path, e))?;
    }
    let svg = raster::embed(&svg, &rasters).map_err(|e| plot_error(path, e))?;
    let png = raster::png_of(&svg).map_err(|e| plot_error(path, e))?;
    replace(storage, path, svg.as_bytes())?;
    Ok(replace(storage, &path.with_extension("png"), &png)?)
}

/// The range of the finite values (`0..1` if there are none, widened by 1 if flat).
fn data_range(values: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    match (lo.is_finite(), hi > lo) {
        (false, _) => 0.0..1.0,
        (true, false) => (lo - 1.0)..(hi + 1.0),
        (true, true) => lo..hi,
    }
}

/// The data range widened by 5 % on each side, so curves do not touch the frame.
fn padded_range(values: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let r = data_range(values);
    let pad = 0.05 * (r.end - r.start);
    (r.start - pad)..(r.end + pad)
}

/// Draw a line chart to an SVG file.
///
/// # Errors
/// [`Error::Plot`] if the backend fails; [`Error::Experiment`] naming the
/// file if it cannot be written.
pub fn line_chart(storage: &dyn Storage, path: &Path, chart: &LineChart) -> Result<(), Error> {
    svg_file(storage, path, (WIDTH, HEIGHT), |root, _| {
        draw_line_chart(root, chart, [Scale::Linear; 2], &[], &[])
    })
}

/// A line chart whose series each carry a band, shaded in the series'
/// colour under its line: `bands[i]` holds `(x, low, high)` for series `i`
/// (the 10 % and 90 % quantiles of an ensemble, say, named by
/// `band_label` in the legend). The x axis is linear, the y axis `y_scale`.
///
/// # Errors
/// [`Error::Plot`] if the backend fails; [`Error::Experiment`] naming the
/// file if it cannot be written.
pub fn band_chart(
    storage: &dyn Storage,
    path: &Path,
    chart: &LineChart,
    bands: &[Vec<(f64, f64, f64)>],
    band_label: &str,
    y_scale: Scale,
) -> Result<(), Error> {
    svg_file(storage, path, (WIDTH, HEIGHT), |root, _| {
        let bands = Bands {
            per_series: bands,
            label: band_label,
        };
        draw_line_chart(root, chart, [Scale::Linear, y_scale], &[], &[bands])
    })
}

/// The bands of [`band_chart`] (at most one set per chart).
struct Bands<'a> {
    per_series: &'a [Vec<(f64, f64, f64)>],
    label: &'a str,
}

/// How an axis maps its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Linear.
    Linear,
    /// Base-10 logarithmic: values that are not positive are not drawn,
    /// ticks read `10ⁿ`.
    Log10,
}

impl Scale {
    /// Where `v` lands on the axis, `None` if it cannot be drawn.
    fn map(self, v: f64) -> Option<f64> {
        match self {
            Scale::Linear => v.is_finite().then_some(v),
            Scale::Log10 => (v.is_finite() && v > 0.0).then(|| v.log10()),
        }
    }
}

/// One panel of [`line_panels`]: a line chart, the scale of each axis and
/// reference curves (a truth, a theoretical rate) drawn in black, dashed
/// (then dotted, then long-dashed).
#[derive(Debug, Clone)]
pub struct Panel {
    /// The chart.
    pub chart: LineChart,
    /// The x axis.
    pub x_scale: Scale,
    /// The y axis.
    pub y_scale: Scale,
    /// Curves drawn in black after the chart's series.
    pub references: Vec<Series>,
}

/// Line charts side by side, `columns` per row, each with its own axes
/// (linear or logarithmic) and legend.
///
/// # Errors
/// [`Error::Plot`] if the backend fails; [`Error::Experiment`] naming the
/// file if it cannot be written.
pub fn line_panels(
    storage: &dyn Storage,
    path: &Path,
    panels: &[Panel],
    columns: usize,
) -> Result<(), Error> {
    let cols = columns.clamp(1, panels.len().max(1));
    let rows = panels.len().div_ceil(cols).max(1);
    svg_file(
        storage,
        path,
        (640 * cols as u32, 480 * rows as u32),
        |root, _| {
            for (area, p) in root.split_evenly((rows, cols)).iter().zip(panels) {
                draw_line_chart(area, &p.chart, [p.x_scale, p.y_scale], &p.references, &[])?;
            }
            Ok(())
        },
    )
}

/// `10ⁿ` at whole exponents; between them the value itself to two
/// significant digits (`0.63`, `2.5e-5`), or nothing when the axis spans
/// two decades or more (`whole_only`).
fn log_tick(v: f64, whole_only: bool) -> String {
    let n = v.round();
    if (v - n).abs() > 1e-9 {
        if whole_only {
            return String::new();
        }
        let value = 10f64.powf(v);
        return if (1e-3..1e4).contains(&value) {
            // Two significant digits, trailing zeros dropped.
            let decimals = (1.0 - value.log10().floor()).max(0.0) as usize;
            let text = format!("{value:.decimals$}");
            if text.contains('.') {
                text.trim_end_matches('0').trim_end_matches('.').to_string()
            } else {
                text
            }
        } else {
            format!("{value:.1e}")
        };
    }
    const DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let mut label = String::from("10");
    if n < 0.0 {
        label.push('⁻');
    }
    for c in format!("{}", n.abs() as i64).chars() {
        label.push(DIGITS[c.to_digit(10).unwrap_or(0) as usize]);
    }
    label
}

fn draw_line_chart(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    chart: &LineChart,
    [x_scale, y_scale]: [Scale; 2],
    references: &[Series],
    bands: &[Bands<'_>],
) -> Result<(), Box<dyn std::error::Error>> {
    root.fill(&WHITE)?;
    let map = |x: f64, y: f64| Some((x_scale.map(x)?, y_scale.map(y)?));
    let mapped = |s: &Series| -> Vec<(f64, f64)> {
        s.points.iter().filter_map(|&(x, y)| map(x, y)).collect()
    };
    let curves: Vec<Vec<(f64, f64)>> = chart.series.iter().map(mapped).collect();
    let refs: Vec<Vec<(f64, f64)>> = references.iter().map(mapped).collect();
    // Each band as the polygon of its upper edge, then its lower edge back.
    let shades: Vec<(usize, Vec<(f64, f64)>)> = bands
        .iter()
        .flat_map(|b| b.per_series.iter().enumerate())
        .map(|(i, band)| {
            let upper = band.iter().filter_map(|&(x, _, hi)| map(x, hi));
            let lower = band.iter().rev().filter_map(|&(x, lo, _)| map(x, lo));
            (i, upper.chain(lower).collect())
        })
        .collect();
    let all = || {
        curves
            .iter()
            .chain(&refs)
            .chain(shades.iter().map(|(_, s)| s))
            .flatten()
    };
    let xr = data_range(all().map(|p| p.0));
    let yr = padded_range(all().map(|p| p.1));

    const DASHES: [(u32, u32); 3] = [(8, 5), (2, 4), (16, 4)];
    let colour = |i: usize| PALETTE[i % PALETTE.len()];
    let mut entries: Vec<legend::Entry> = chart
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| legend::Entry {
            label: s.label.clone(),
            swatch: legend::Swatch::Line(colour(i), 2),
        })
        .collect();
    entries.extend(references.iter().enumerate().map(|(i, s)| {
        let (dash, gap) = DASHES[i % DASHES.len()];
        legend::Entry {
            label: s.label.clone(),
            swatch: legend::Swatch::Dashed(BLACK, dash, gap),
        }
    }));
    entries.extend(bands.iter().map(|b| legend::Entry {
        label: b.label.to_string(),
        swatch: legend::Swatch::Shade(RGBColor(90, 90, 90)),
    }));
    let area = legend::below(root, &entries)?;

    let mut ctx = ChartBuilder::on(&area)
        .caption(&chart.title, (FONT, 22))
        .margin(20)
        .x_label_area_size(55)
        .y_label_area_size(75)
        .build_cartesian_2d(xr.clone(), yr.clone())?;
    let mut mesh = ctx.configure_mesh();
    mesh.x_desc(&chart.x_label)
        .y_desc(&chart.y_label)
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .light_line_style(WHITE.mix(0.0));
    // Over two decades or more the whole powers of ten are ticks enough.
    let (x_decades, y_decades) = (xr.end - xr.start >= 2.0, yr.end - yr.start >= 2.0);
    let x_tick = move |v: &f64| log_tick(*v, x_decades);
    let y_tick = move |v: &f64| log_tick(*v, y_decades);
    if x_scale == Scale::Log10 {
        mesh.x_label_formatter(&x_tick);
    }
    if y_scale == Scale::Log10 {
        mesh.y_label_formatter(&y_tick);
    }
    mesh.draw()?;
    for (i, shade) in shades {
        ctx.draw_series(std::iter::once(Polygon::new(
            shade,
            colour(i).mix(BAND_OPACITY).filled(),
        )))?;
    }
    for (i, points) in curves.into_iter().enumerate() {
        ctx.draw_series(LineSeries::new(points, colour(i).stroke_width(2)))?;
    }
    // Dashes, dots, long dashes: references tell apart without colour.
    for (i, points) in refs.into_iter().enumerate() {
        let (dash, gap) = DASHES[i % DASHES.len()];
        ctx.draw_series(DashedLineSeries::new(
            points,
            dash,
            gap,
            BLACK.stroke_width(2),
        ))?;
    }
    Ok(())
}

/// A scalar field on a uniform cell-centred grid, drawn as a heat map.
#[derive(Debug, Clone)]
pub struct Heatmap {
    /// Title above the map.
    pub title: String,
    /// x-axis label, with units.
    pub x_label: String,
    /// y-axis label, with units.
    pub y_label: String,
    /// Colour-bar label, with units.
    pub value_label: String,
    /// Domain `[x0, x1]` covered by the cells.
    pub x_range: (f64, f64),
    /// Domain `[y0, y1]` covered by the cells.
    pub y_range: (f64, f64),
    /// Number of cells along x and y.
    pub cells: (usize, usize),
    /// Values row-major, `values[iy * nx + ix]`.
    pub values: Vec<f64>,
    /// Closed curves drawn on top (e.g. a vortex boundary), black.
    pub overlays: Vec<Vec<(f64, f64)>>,
}

/// The diverging RdBu colour map (ColorBrewer, 11 classes, blue for negative).
const RDBU: [(u8, u8, u8); 11] = [
    (0x05, 0x30, 0x61),
    (0x21, 0x66, 0xac),
    (0x43, 0x93, 0xc3),
    (0x92, 0xc5, 0xde),
    (0xd1, 0xe5, 0xf0),
    (0xf7, 0xf7, 0xf7),
    (0xfd, 0xdb, 0xc7),
    (0xf4, 0xa5, 0x82),
    (0xd6, 0x60, 0x4d),
    (0xb2, 0x18, 0x2b),
    (0x67, 0x00, 0x1f),
];

/// Colour of `s` in `[-1, 1]` on the diverging map (white at 0; clamped).
pub fn diverging(s: f64) -> RGBColor {
    let s = if s.is_finite() {
        s.clamp(-1.0, 1.0)
    } else {
        0.0
    };
    let pos = (s + 1.0) / 2.0 * (RDBU.len() - 1) as f64;
    let i = (pos.floor() as usize).min(RDBU.len() - 2);
    let w = pos - i as f64;
    let lerp = |a: u8, b: u8| (a as f64 + w * (b as f64 - a as f64)).round() as u8;
    let (a, b) = (RDBU[i], RDBU[i + 1]);
    RGBColor(lerp(a.0, b.0), lerp(a.1, b.1), lerp(a.2, b.2))
}

/// Draw a heat map with a symmetric diverging colour scale, equal axes and a colour bar.
///
/// # Errors
/// [`Error::Plot`] if the backend fails; [`Error::Experiment`] naming the
/// file if it cannot be written.
pub fn heatmap(storage: &dyn Storage, path: &Path, map: &Heatmap) -> Result<(), Error> {
    svg_file(storage, path, (WIDTH, 760), |root, rasters| {
        rasters.push(draw_heatmap(root, map, 0)?);
        Ok(())
    })
}

/// Heat maps side by side in one figure (e.g. one field at several times),
/// at most three per row, each with its own colour scale and title.
///
/// # Errors
/// [`Error::Plot`] if the backend fails; [`Error::Experiment`] naming the
/// file if it cannot be written.
pub fn heatmap_panels(storage: &dyn Storage, path: &Path, maps: &[Heatmap]) -> Result<(), Error> {
    let cols = maps.len().clamp(1, 3);
    let rows = maps.len().div_ceil(cols).max(1);
    svg_file(
        storage,
        path,
        (600 * cols as u32, 500 * rows as u32),
        |root, rasters| {
            for (k, (area, map)) in root.split_evenly((rows, cols)).iter().zip(maps).enumerate() {
                let index = u8::try_from(k)
                    .map_err(|_| format!("{} heat maps in one figure", maps.len()))?;
                rasters.push(draw_heatmap(area, map, index)?);
            }
            Ok(())
        },
    )
}

/// Draw `map`, its cells as raster number `index` of the figure (the
/// image returned, to embed where the marker rectangle is drawn).
fn draw_heatmap(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    map: &Heatmap,
    index: u8,
) -> Result<raster::Raster, Box<dyn std::error::Error>> {
    root.fill(&WHITE)?;
    let titled = root.titled(&map.title, (FONT, 22))?;
    let (w, h) = titled.dim_in_pixel();
    // The colour bar's strip: 30 px of colour, its ticks and its label.
    const BAR_STRIP: u32 = 130;
    let (field_area, bar_area) = titled.split_horizontally(w - BAR_STRIP);

    // Equal axes: the plotting rectangle gets the aspect ratio of the domain.
    let (x0, x1) = map.x_range;
    let (y0, y1) = map.y_range;
    let (margin, x_label, y_label) = (20u32, 55u32, 75u32);
    let avail_w = f64::from(w - BAR_STRIP - 2 * margin - y_label);
    let avail_h = f64::from(h - 2 * margin - x_label);
    let aspect = (x1 - x0) / (y1 - y0);
    let (plot_w, plot_h) = if avail_w / avail_h > aspect {
        (avail_h * aspect, avail_h)
    } else {
        (avail_w, avail_w / aspect)
    };
    let right = (avail_w - plot_w) as u32 + margin;
    let bottom = (avail_h - plot_h) as u32 + margin;

    let vmax = map
        .values
        .iter()
        .filter(|v| v.is_finite())
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let scale = if vmax > 0.0 { vmax } else { 1.0 };

    let mut ctx = ChartBuilder::on(&field_area)
        .margin_top(margin)
        .margin_left(margin)
        .margin_right(right)
        .margin_bottom(bottom)
        .x_label_area_size(x_label)
        .y_label_area_size(y_label)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    ctx.configure_mesh()
        .disable_mesh()
        .x_desc(&map.x_label)
        .y_desc(&map.y_label)
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .draw()?;
    // The cells, one pixel each (the top row first; zero cells left
    // transparent over the white background, as a compact support is).
    let (nx, ny) = map.cells;
    let png = raster::image(nx, ny, |ix, row| {
        let v = map.values[(ny - 1 - row) * nx + ix];
        (v != 0.0).then(|| diverging(v / scale))
    })?;
    let marker = raster::marker(index);
    ctx.draw_series(std::iter::once(Rectangle::new(
        [(x0, y0), (x1, y1)],
        marker.filled(),
    )))?;
    for curve in &map.overlays {
        ctx.draw_series(LineSeries::new(
            curve.iter().copied(),
            BLACK.stroke_width(1),
        ))?;
    }

    // Colour bar, sharing the field's vertical extent.
    let mut bar = ChartBuilder::on(&bar_area)
        .margin_top(margin)
        .margin_bottom(bottom + x_label)
        .margin_left(12)
        .margin_right(18)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..1.0, -scale..scale)?;
    bar.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_desc(&map.value_label)
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .draw()?;
    let steps = 200;
    bar.draw_series((0..steps).map(|i| {
        let a = -scale + 2.0 * scale * i as f64 / steps as f64;
        let b = -scale + 2.0 * scale * (i + 1) as f64 / steps as f64;
        Rectangle::new(
            [(0.0, a), (1.0, b)],
            diverging((a + b) / (2.0 * scale)).filled(),
        )
    }))?;
    Ok(raster::Raster { marker, png })
}

/// Arrows `(x, y) -> (x + scale u, y + scale v)`, one colour per set.
#[derive(Debug, Clone)]
pub struct ArrowSet {
    /// Legend entry.
    pub label: String,
    /// `[x, y, u, v]` per arrow.
    pub arrows: Vec<[f64; 4]>,
}

/// A vector-field plot with equal axes and a legend.
#[derive(Debug, Clone)]
pub struct Quiver {
    /// Title above the plot.
    pub title: String,
    /// x-axis label.
    pub x_label: String,
    /// y-axis label.
    pub y_label: String,
    /// Domain `[x0, x1]`.
    pub x_range: (f64, f64),
    /// Domain `[y0, y1]`.
    pub y_range: (f64, f64),
    /// Length of an arrow per unit of speed, in axis units (stated in the
    /// title by the caller).
    pub scale: f64,
    /// The arrow sets, drawn in order.
    pub sets: Vec<ArrowSet>,
    /// Curves drawn over the arrows (nullclines, trajectories), in colours
    /// after the arrow sets'; a curve with an empty label continues the
    /// previous one's colour without a legend entry.
    pub curves: Vec<Series>,
}

/// Draw a vector field: arrows with heads, equal axes, a legend.
///
/// # Errors
/// [`Error::Plot`] if the backend fails; [`Error::Experiment`] naming the
/// file if it cannot be written.
pub fn quiver(storage: &dyn Storage, path: &Path, q: &Quiver) -> Result<(), Error> {
    svg_file(storage, path, (820, 820), |root, _| draw_quiver(root, q))
}

fn draw_quiver(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    q: &Quiver,
) -> Result<(), Box<dyn std::error::Error>> {
    root.fill(&WHITE)?;
    let (x0, x1) = q.x_range;
    let (y0, y1) = q.y_range;
    // A curve without a label continues the previous one: same colour, no
    // legend entry (e.g. a family of trajectories).
    let mut entries: Vec<legend::Entry> = q
        .sets
        .iter()
        .enumerate()
        .map(|(i, set)| legend::Entry {
            label: set.label.clone(),
            swatch: legend::Swatch::Line(PALETTE[i % PALETTE.len()], 2),
        })
        .collect();
    let mut colour = q.sets.len();
    let mut curve_colours = Vec::with_capacity(q.curves.len());
    for (i, curve) in q.curves.iter().enumerate() {
        if i > 0 && !curve.label.is_empty() {
            colour += 1;
        }
        let c = PALETTE[colour % PALETTE.len()];
        curve_colours.push(c);
        if !curve.label.is_empty() {
            entries.push(legend::Entry {
                label: curve.label.clone(),
                swatch: legend::Swatch::Line(c, 3),
            });
        }
    }
    let area = legend::below(root, &entries)?;
    let mut ctx = ChartBuilder::on(&area)
        .caption(&q.title, (FONT, 20))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(60)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    ctx.configure_mesh()
        .disable_mesh()
        .x_desc(&q.x_label)
        .y_desc(&q.y_label)
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .draw()?;
    for (i, set) in q.sets.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let style = color.stroke_width(2);
        let scale = q.scale;
        let shapes = set.arrows.iter().flat_map(move |&[x, y, u, v]| {
            let (tx, ty) = (x + scale * u, y + scale * v);
            // Head: two strokes at ±25° back from the tip, 30 % of the length.
            let (dx, dy) = (tx - x, ty - y);
            let head = |angle: f64| {
                let (s, c) = angle.sin_cos();
                (tx - 0.3 * (c * dx - s * dy), ty - 0.3 * (s * dx + c * dy))
            };
            [
                PathElement::new(vec![(x, y), (tx, ty)], style),
                PathElement::new(vec![head(0.436), (tx, ty), head(-0.436)], style),
            ]
        });
        ctx.draw_series(shapes)?;
    }
    for (curve, c) in q.curves.iter().zip(curve_colours) {
        ctx.draw_series(LineSeries::new(
            curve.points.iter().copied(),
            c.stroke_width(3),
        ))?;
    }
    Ok(())
}

/// Box plots of samples grouped by category: for every category one box per
/// group, side by side.
#[derive(Debug, Clone)]
pub struct BoxPlot {
    /// Title above the chart.
    pub title: String,
    /// x-axis label (what the categories are).
    pub x_label: String,
    /// y-axis label, with units.
    pub y_label: String,
    /// The y axis (on [`Scale::Log10`] samples that are not positive are
    /// left out).
    pub y_scale: Scale,
    /// Category names, left to right.
    pub categories: Vec<String>,
    /// The groups (legend entries) and their samples, one per category.
    pub groups: Vec<(String, Vec<Vec<f64>>)>,
}

pub use experiments::statistics::quantile;

/// Draw box plots to an SVG file: the box spans the quartiles, the bar is
/// the median, the whiskers reach the smallest and largest sample.
///
/// # Errors
/// [`Error::Plot`] if the backend fails; [`Error::Experiment`] naming the
/// file if it cannot be written.
pub fn box_plot(storage: &dyn Storage, path: &Path, chart: &BoxPlot) -> Result<(), Error> {
    svg_file(storage, path, (WIDTH, HEIGHT), |root, _| {
        draw_box_plot(root, chart)
    })
}

fn draw_box_plot(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    chart: &BoxPlot,
) -> Result<(), Box<dyn std::error::Error>> {
    root.fill(&WHITE)?;
    let n = chart.categories.len();
    let all = chart
        .groups
        .iter()
        .flat_map(|(_, s)| s.iter().flatten().filter_map(|&v| chart.y_scale.map(v)));
    let yr = padded_range(all);
    let decades = yr.end - yr.start >= 2.0;
    let categories = chart.categories.clone();
    let entries: Vec<legend::Entry> = chart
        .groups
        .iter()
        .enumerate()
        .map(|(g, (label, _))| legend::Entry {
            label: label.clone(),
            swatch: legend::Swatch::Outline(PALETTE[g % PALETTE.len()]),
        })
        .collect();
    let area = legend::below(root, &entries)?;
    let mut ctx = ChartBuilder::on(&area)
        .caption(&chart.title, (FONT, 22))
        .margin(20)
        .x_label_area_size(55)
        .y_label_area_size(75)
        .build_cartesian_2d(-0.5..(n.max(1) as f64 - 0.5), yr)?;
    let category = |x: &f64| {
        let i = x.round();
        if (x - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < categories.len() {
            categories[i as usize].clone()
        } else {
            String::new()
        }
    };
    let mut mesh = ctx.configure_mesh();
    mesh.x_desc(&chart.x_label)
        .y_desc(&chart.y_label)
        .x_labels(n)
        .x_label_formatter(&category)
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .light_line_style(WHITE.mix(0.0));
    let y_tick = move |v: &f64| log_tick(*v, decades);
    if chart.y_scale == Scale::Log10 {
        mesh.y_label_formatter(&y_tick);
    }
    mesh.draw()?;
    let groups = chart.groups.len().max(1) as f64;
    let slot = 0.8 / groups;
    for (g, (_, samples)) in chart.groups.iter().enumerate() {
        let color = PALETTE[g % PALETTE.len()];
        let mut elements = Vec::new();
        for (c, values) in samples.iter().enumerate() {
            let mut sorted: Vec<f64> = values
                .iter()
                .filter_map(|&v| chart.y_scale.map(v))
                .collect();
            if sorted.is_empty() {
                continue;
            }
            sorted.sort_by(f64::total_cmp);
            let centre = c as f64 - 0.4 + slot * (g as f64 + 0.5);
            let (left, right) = (centre - 0.35 * slot, centre + 0.35 * slot);
            let [lo, q1, med, q3, hi] = [0.0, 0.25, 0.5, 0.75, 1.0].map(|p| quantile(&sorted, p));
            let style = color.stroke_width(2);
            elements.push(PathElement::new(vec![(centre, lo), (centre, q1)], style));
            elements.push(PathElement::new(vec![(centre, q3), (centre, hi)], style));
            for y in [lo, hi] {
                elements.push(PathElement::new(
                    vec![(centre - 0.15 * slot, y), (centre + 0.15 * slot, y)],
                    style,
                ));
            }
            elements.push(PathElement::new(
                vec![(left, q1), (right, q1), (right, q3), (left, q3), (left, q1)],
                style,
            ));
            elements.push(PathElement::new(
                vec![(left, med), (right, med)],
                color.stroke_width(4),
            ));
        }
        ctx.draw_series(elements)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::log_tick;

    #[test]
    fn log_ticks_read_as_powers_of_ten_or_two_digits() {
        assert_eq!(log_tick(-2.0, false), "10⁻²");
        assert_eq!(log_tick(0.0, true), "10⁰");
        assert_eq!(log_tick(13.0, true), "10¹³");
        assert_eq!(log_tick(0.63f64.log10(), false), "0.63");
        assert_eq!(log_tick(0.4f64.log10(), false), "0.4");
        assert_eq!(log_tick(25f64.log10(), false), "25");
        assert_eq!(log_tick(0.0063f64.log10(), false), "0.0063");
        assert_eq!(log_tick(2.5e-5f64.log10(), false), "2.5e-5");
        assert_eq!(log_tick(0.4f64.log10(), true), "");
    }
}
