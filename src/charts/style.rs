//! How charts look: the font, the colour-blind-safe palette, number formats per language,
//! and the finishing touches on SVG (language, font fallbacks, an accessible title).

use std::sync::Once;

use plotters::prelude::*;
use plotters::style::{FontStyle, RGBColor, TextStyle};

use crate::labels;

/// Noto Sans CJK SC, subset to GB2312 (assets/fonts/README.md says how).
pub const FONT: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-yanhuo.otf");

/// The name plotters knows the font by.
const FAMILY: &str = "yanhuo";

/// What SVG readers are told to use: their own Chinese fonts first, ours last.
const SVG_FAMILIES: &str = "'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans SC', 'Noto Sans CJK SC', 'Yanhuo Sans', sans-serif";

static REGISTER: Once = Once::new();

pub fn register_font() {
    REGISTER.call_once(|| {
        for style in [FontStyle::Normal, FontStyle::Bold] {
            if plotters::style::register_font(FAMILY, style, FONT).is_err() {
                tracing::error!("the built-in font did not load; charts will lack text");
            }
        }
    });
}

/// The built-in font's line height in ems: (ascender − descender) / units per em of Noto
/// Sans SC, 1,160 + 288 of 1,000. plotters sizes its bitmap text by line height: sizes
/// times this draw a PNG's text an em of the size asked for.
pub const EM: f64 = 1.448;

/// plotters writes SVG text at `font-size` = size / 1.24: sizes times this come out at the
/// CSS pixels asked for.
const SVG_EM: f64 = 1.24;

thread_local! {
    /// What font sizes are multiplied by on this thread while it draws: SVG unless a
    /// [`BitmapText`] lives.
    static TEXT_ZOOM: std::cell::Cell<f64> = const { std::cell::Cell::new(SVG_EM) };
}

/// While it lives, text this thread draws is sized for a bitmap, as an SVG reader would
/// size it.
pub struct BitmapText(f64);

impl BitmapText {
    pub fn begin() -> BitmapText {
        BitmapText(TEXT_ZOOM.with(|z| z.replace(EM)))
    }
}

impl Drop for BitmapText {
    fn drop(&mut self) {
        TEXT_ZOOM.with(|z| z.set(self.0));
    }
}

/// The built-in font, its em `size` CSS pixels in SVG and in PNG alike.
pub fn font(size: f64) -> TextStyle<'static> {
    (FAMILY, size * TEXT_ZOOM.with(std::cell::Cell::get))
        .into_font()
        .into()
}

/// How wide `text` reads at `size` CSS pixels (em-sized, as in SVG and, via
/// [`BitmapText`], in PNG).
pub fn text_width(text: &str, size: f64) -> f64 {
    register_font();
    (FAMILY, size * EM)
        .into_font()
        .box_size(text)
        .map_or(text.chars().count() as f64 * size, |(w, _)| f64::from(w))
}

pub const INK: RGBColor = RGBColor(0x1f, 0x29, 0x33);
pub const MUTED: RGBColor = RGBColor(0x5f, 0x6b, 0x76);
pub const GRID: RGBColor = RGBColor(0xe4, 0xe7, 0xeb);
/// The lockdown's shading: a warm grey that no series uses.
pub const SHADE: RGBColor = RGBColor(0xf2, 0xd8, 0xcf);

/// Okabe & Ito's eight colours (safe for the common kinds of colour blindness), then four
/// of Paul Tol's "muted" scheme for the twelve communities. Callers give each community,
/// category and channel a fixed index, so it keeps its colour on every chart.
pub const PALETTE: [RGBColor; 12] = [
    RGBColor(0x00, 0x72, 0xB2), // blue
    RGBColor(0xE6, 0x9F, 0x00), // orange
    RGBColor(0x00, 0x9E, 0x73), // bluish green
    RGBColor(0xD5, 0x5E, 0x00), // vermillion
    RGBColor(0x56, 0xB4, 0xE9), // sky blue
    RGBColor(0xCC, 0x79, 0xA7), // reddish purple
    RGBColor(0x33, 0x22, 0x88), // indigo
    RGBColor(0xF0, 0xE4, 0x42), // yellow
    RGBColor(0x11, 0x77, 0x33), // green
    RGBColor(0x88, 0x22, 0x55), // wine
    RGBColor(0x44, 0xAA, 0x99), // teal
    RGBColor(0x00, 0x00, 0x00), // black
];

pub fn color(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}

/// Declares the language (so browsers pick Simplified Chinese glyph shapes), names fonts a
/// reader has, and adds a title for screen readers. Text was escaped by plotters already.
pub fn finish_svg(svg: &str, chart: &super::Chart) -> String {
    let lang = chart.lang.html();
    let title = labels::escape(&chart.alt_text());
    let families = format!("font-family=\"{SVG_FAMILIES}\"");
    let svg = svg.replace(&format!("font-family=\"{FAMILY}\""), &families);
    match svg.find("<svg") {
        Some(at) => {
            let after = at + "<svg".len();
            let close = svg[after..].find('>').map_or(after, |i| after + i + 1);
            format!(
                "{}<svg lang=\"{lang}\" xml:lang=\"{lang}\" role=\"img\"{}<title>{title}</title>{}",
                &svg[..at],
                &svg[after..close],
                &svg[close..]
            )
        }
        None => svg,
    }
}
