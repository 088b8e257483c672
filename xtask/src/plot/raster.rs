//! Pixels in and out of the SVG figures: the cells of a heat map as one
//! embedded PNG image instead of one `<rect>` per cell (a `256²` field
//! would be megabytes of SVG), and every figure also as a PNG (rendered by
//! `resvg` with the system's fonts), so that it opens anywhere.
//!
//! A heat map's cells are drawn as a single rectangle of a marker colour
//! ([`marker`]) where the image belongs; [`embed`] replaces that rectangle
//! by an `<image>` of the same place and size, so the image lies under
//! whatever is drawn after it (overlays, axes) as the cells did.

use std::sync::{Arc, OnceLock};

use base64::Engine;
use plotters::style::RGBColor;
use resvg::{tiny_skia, usvg};

/// The marker colour of raster `index` of a figure: a dark colour no
/// colour map of ours produces.
pub(super) fn marker(index: u8) -> RGBColor {
    RGBColor(1, 2, index)
}

/// An image to put where the rectangle of colour `marker` was drawn.
pub(crate) struct Raster {
    /// The marker rectangle's colour.
    pub marker: RGBColor,
    /// The image, PNG-encoded.
    pub png: Vec<u8>,
}

/// A `width x height` PNG whose pixel `(column, row)` (row 0 at the top)
/// is `colour(column, row)`, transparent where that is `None`.
///
/// # Errors
/// A message if the size is zero or the encoder fails.
pub(super) fn image(
    width: usize,
    height: usize,
    colour: impl Fn(usize, usize) -> Option<RGBColor>,
) -> Result<Vec<u8>, String> {
    let size = |n: usize| u32::try_from(n).map_err(|_| format!("an image of {n} pixels"));
    let mut pixmap = tiny_skia::Pixmap::new(size(width)?, size(height)?)
        .ok_or_else(|| format!("an empty image ({width} x {height})"))?;
    let pixels = pixmap.pixels_mut();
    for row in 0..height {
        for column in 0..width {
            if let Some(RGBColor(r, g, b)) = colour(column, row) {
                pixels[row * width + column] =
                    tiny_skia::ColorU8::from_rgba(r, g, b, 255).premultiply();
            }
        }
    }
    pixmap.encode_png().map_err(|e| e.to_string())
}

/// `svg` with each raster's marker rectangle replaced by its image.
///
/// # Errors
/// A message naming the marker if its rectangle is not in `svg` exactly
/// once.
pub(super) fn embed(svg: &str, rasters: &[Raster]) -> Result<String, String> {
    let mut svg = svg.to_string();
    for raster in rasters {
        let RGBColor(r, g, b) = raster.marker;
        let fill = format!("fill=\"#{r:02X}{g:02X}{b:02X}\"");
        let found: Vec<usize> = svg.match_indices(&fill).map(|(at, _)| at).collect();
        let [at] = found[..] else {
            return Err(format!("{} rectangles of the marker {fill}", found.len()));
        };
        let start = svg[..at]
            .rfind("<rect")
            .ok_or_else(|| format!("the marker {fill} is not a rectangle"))?;
        let end = at + svg[at..].find("/>").ok_or("an unclosed rectangle")? + 2;
        let attribute = |name: &str| -> Result<&str, String> {
            let tag = &svg[start..end];
            let key = format!(" {name}=\"");
            let from = tag.find(&key).ok_or(format!("no {name} in {tag}"))? + key.len();
            Ok(&tag[from..from + tag[from..].find('"').ok_or("an unclosed attribute")?])
        };
        let element = format!(
            "<image x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" preserveAspectRatio=\"none\" \
             image-rendering=\"pixelated\" style=\"image-rendering:pixelated\" \
             href=\"data:image/png;base64,{}\"/>",
            attribute("x")?,
            attribute("y")?,
            attribute("width")?,
            attribute("height")?,
            base64::engine::general_purpose::STANDARD.encode(&raster.png),
        );
        svg.replace_range(start..end, &element);
    }
    Ok(svg)
}

/// The system's fonts, loaded once; `sans-serif` is the first of the
/// usual families found (DejaVu Sans on Debian).
fn fonts() -> Arc<usvg::fontdb::Database> {
    static FONTS: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut fonts = usvg::fontdb::Database::new();
            fonts.load_system_fonts();
            let has = |family: &str| {
                fonts
                    .faces()
                    .any(|face| face.families.iter().any(|(name, _)| name == family))
            };
            let families = [
                "DejaVu Sans",
                "Liberation Sans",
                "Noto Sans",
                "Arial",
                "Helvetica",
            ];
            if let Some(family) = families.into_iter().find(|f| has(f)) {
                fonts.set_sans_serif_family(family);
            }
            Arc::new(fonts)
        })
        .clone()
}

/// `svg` rendered to a PNG at twice its size, on white. Without fonts on
/// the machine the text is left out, the rest drawn.
///
/// # Errors
/// A message if the SVG cannot be parsed or the image encoded.
pub(super) fn png_of(svg: &str) -> Result<Vec<u8>, String> {
    let options = usvg::Options {
        fontdb: fonts(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| e.to_string())?;
    let scale = 2.0;
    let size = tree
        .size()
        .to_int_size()
        .scale_by(scale)
        .ok_or("an empty figure")?;
    let mut pixmap =
        tiny_skia::Pixmap::new(size.width(), size.height()).ok_or("an empty figure")?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A figure with a marker rectangle gets the image in its place, and
    /// the PNG of the result shows the image's pixels there.
    #[test]
    fn an_embedded_image_replaces_its_marker_and_renders() {
        let red = RGBColor(200, 0, 0);
        let png = image(2, 1, |column, _| (column == 0).then_some(red)).unwrap();
        let svg = format!(
            "<svg width=\"40\" height=\"20\" xmlns=\"http://www.w3.org/2000/svg\">\
             <rect x=\"0\" y=\"0\" width=\"40\" height=\"20\" opacity=\"1\" fill=\"#FFFFFF\" stroke=\"none\"/>\
             <rect x=\"10\" y=\"5\" width=\"20\" height=\"10\" opacity=\"1\" fill=\"#01020{}\" stroke=\"none\"/></svg>",
            3
        );
        let embedded = embed(
            &svg,
            &[Raster {
                marker: marker(3),
                png,
            }],
        )
        .unwrap();
        assert!(!embedded.contains("#010203"), "{embedded}");
        assert!(embedded.contains("<image x=\"10\" y=\"5\" width=\"20\" height=\"10\""));
        let rendered = png_of(&embedded).unwrap();
        let pixmap = tiny_skia::Pixmap::decode_png(&rendered).unwrap();
        assert_eq!((pixmap.width(), pixmap.height()), (80, 40));
        let at = |x: u32, y: u32| pixmap.pixel(x, y).unwrap().demultiply();
        // Left half of the image red, right half transparent (white).
        let left = at(30, 20);
        assert_eq!((left.red(), left.green(), left.blue()), (200, 0, 0));
        let right = at(50, 20);
        assert_eq!((right.red(), right.green(), right.blue()), (255, 255, 255));
        // A marker missing, or drawn twice, is an error, not a silent miss.
        assert!(
            embed(
                &svg,
                &[Raster {
                    marker: marker(4),
                    png: Vec::new()
                }]
            )
            .is_err()
        );
    }
}
