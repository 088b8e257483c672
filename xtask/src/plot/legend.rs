//! Legends beside the data, never over it: a strip under the chart with
//! one entry per series, left to right, wrapping into centred rows.
//!
//! plotters draws its series labels inside the plotting area, where they
//! hide whatever curve passes there; this strip is laid out before the
//! chart, which gets the rest of the area.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::FONT;

/// Font size of the entries, in pixels.
const SIZE: u32 = 16;
/// Height of a row of entries.
const ROW: u32 = 24;
/// Width of the sample drawn before a label.
const SWATCH: u32 = 28;
/// Space between the sample and its label, and between entries.
const GAP: u32 = 8;
const SPACE: u32 = 28;

/// What an entry shows before its label.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Swatch {
    /// A solid line.
    Line(RGBColor, u32),
    /// A dashed line, `(dash, gap)` in pixels.
    Dashed(RGBColor, u32, u32),
    /// An outlined box (box plots).
    Outline(RGBColor),
    /// A shaded area (a band of quantiles).
    Shade(RGBColor),
}

/// One entry of a legend.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub label: String,
    pub swatch: Swatch,
}

/// Width of a label in pixels: DejaVu Sans, the renderer's font, averages
/// about 0.6 em per character.
fn text_width(label: &str) -> u32 {
    (0.6 * f64::from(SIZE) * label.chars().count() as f64).ceil() as u32
}

fn entry_width(entry: &Entry) -> u32 {
    SWATCH + GAP + text_width(&entry.label)
}

/// The entries row by row, each row as wide as fits in `width` pixels (an
/// entry wider than that gets a row of its own).
fn rows(entries: &[Entry], width: u32) -> Vec<std::ops::Range<usize>> {
    let mut rows = Vec::new();
    let (mut start, mut used) = (0, 0);
    for (i, entry) in entries.iter().enumerate() {
        let w = entry_width(entry);
        if i > start && used + SPACE + w > width {
            rows.push(start..i);
            (start, used) = (i, 0);
        }
        used += if i > start { SPACE + w } else { w };
    }
    if start < entries.len() {
        rows.push(start..entries.len());
    }
    rows
}

/// Height of the strip for `entries` in an area `width` pixels wide (0
/// without entries).
pub(crate) fn height(entries: &[Entry], width: u32) -> u32 {
    match rows(entries, width).len() {
        0 => 0,
        n => n as u32 * ROW + 12,
    }
}

/// Split `area` into the chart's part and, under it, the legend strip,
/// and draw the legend there.
pub(crate) fn below<'a>(
    area: &DrawingArea<SVGBackend<'a>, Shift>,
    entries: &[Entry],
) -> Result<DrawingArea<SVGBackend<'a>, Shift>, Box<dyn std::error::Error>> {
    let (w, h) = area.dim_in_pixel();
    let strip = height(entries, w.saturating_sub(40));
    if strip == 0 {
        return Ok(area.clone());
    }
    let (chart, legend) = area.split_vertically(h.saturating_sub(strip));
    draw(&legend, entries)?;
    Ok(chart)
}

/// Draw `entries` in centred rows over the whole of `area`.
fn draw(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    entries: &[Entry],
) -> Result<(), Box<dyn std::error::Error>> {
    let (w, _) = area.dim_in_pixel();
    let style = TextStyle::from((FONT, SIZE)).pos(Pos::new(HPos::Left, VPos::Center));
    for (r, row) in rows(entries, w.saturating_sub(40)).into_iter().enumerate() {
        let used: u32 = entries[row.clone()].iter().map(entry_width).sum::<u32>()
            + SPACE * (row.len() as u32 - 1);
        let mut x = (w.saturating_sub(used) / 2) as i32;
        let y = (r as u32 * ROW + ROW / 2 + 6) as i32;
        for entry in &entries[row] {
            let (x0, x1) = (x, x + SWATCH as i32);
            match entry.swatch {
                Swatch::Line(color, width) => {
                    area.draw(&PathElement::new(
                        vec![(x0, y), (x1, y)],
                        color.stroke_width(width),
                    ))?;
                }
                Swatch::Dashed(color, dash, gap) => {
                    area.draw(&DashedPathElement::new(
                        vec![(x0, y), (x1, y)],
                        dash,
                        gap,
                        color.stroke_width(2),
                    ))?;
                }
                Swatch::Outline(color) => {
                    area.draw(&Rectangle::new(
                        [(x0 + 4, y - 7), (x1 - 4, y + 7)],
                        color.stroke_width(2),
                    ))?;
                }
                Swatch::Shade(color) => {
                    area.draw(&Rectangle::new(
                        [(x0, y - 7), (x1, y + 7)],
                        color.mix(super::BAND_OPACITY).filled(),
                    ))?;
                }
            }
            area.draw_text(&entry.label, &style, (x1 + GAP as i32, y))?;
            x += (entry_width(entry) + SPACE) as i32;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(label: &str) -> Entry {
        Entry {
            label: label.into(),
            swatch: Swatch::Line(BLACK, 2),
        }
    }

    #[test]
    fn entries_wrap_into_rows_that_fit() {
        let entries: Vec<Entry> = [
            "free run",
            "Remesh-EnKF",
            "Part-EnKF",
            "a much longer label",
        ]
        .into_iter()
        .map(entry)
        .collect();
        let wide = rows(&entries, 10_000);
        assert_eq!(wide, vec![0..4]);
        let narrow = rows(&entries, 300);
        assert!(narrow.len() > 1);
        for row in &narrow {
            let used: u32 = entries[row.clone()].iter().map(entry_width).sum::<u32>()
                + SPACE * (row.len() as u32 - 1);
            assert!(row.len() == 1 || used <= 300, "{row:?} takes {used} px");
        }
        // Every entry once, in order.
        let flat: Vec<usize> = narrow.into_iter().flatten().collect();
        assert_eq!(flat, vec![0, 1, 2, 3]);
        assert_eq!(height(&[], 300), 0);
    }
}
