//! The chart renderer: a plain description of a chart (no database types) drawn with
//! plotters to SVG for pages and to PNG for print.
//!
//! One file per kind of chart; `style.rs` holds the palette, the font and number formats.
//! Chinese text is drawn from a font built into the binary, so a PNG made on a machine with
//! no CJK font still reads.

mod alt;
mod bar;
pub mod frame;
mod line;
pub mod style;
mod tile;

use chrono::NaiveDate;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::labels::Lang;
pub use crate::labels::Unit;
pub use style::FONT;

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("drawing the chart: {0}")]
    Draw(String),
    #[error("encoding the PNG: {0}")]
    Png(String),
}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for ChartError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        ChartError::Draw(e.to_string())
    }
}

/// The screen a chart is drawn for: the page chooses with CSS, without JavaScript.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// Desktops, print and downloads: 16:9, the legend beside the plot.
    #[default]
    Wide,
    /// A phone's column: as wide as it, taller, the legend below, fewer ticks, no text
    /// under 13 px.
    Narrow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    /// Several series over dates: footfall change, shops open.
    Line,
    /// Bars per category, side by side when there are several series.
    Bar,
    /// Bars per category or date, series stacked.
    StackedBar,
    /// Counts of pre-binned values: drawn as touching bars.
    Histogram,
    /// An estimate over dates with its intervals as bands (the WeChat-group event study):
    /// the simultaneous band lighter, the pointwise band darker, the line on top.
    EventStudy,
    /// One big number.
    Kpi,
    /// Rows of text.
    Table,
}

/// What runs along the x axis.
#[derive(Debug, Clone, PartialEq)]
pub enum XAxis {
    Dates(Vec<NaiveDate>),
    Categories(Vec<String>),
}

impl XAxis {
    pub fn len(&self) -> usize {
        match self {
            XAxis::Dates(d) => d.len(),
            XAxis::Categories(c) => c.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn label(&self, i: usize) -> String {
        match self {
            XAxis::Dates(d) => d
                .get(i)
                .map(|d| d.format("%m-%d").to_string())
                .unwrap_or_default(),
            XAxis::Categories(c) => c.get(i).cloned().unwrap_or_default(),
        }
    }
}

/// An interval drawn as a band along the x axis; None on either side is a gap.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    pub label: String,
    pub low: Vec<Option<f64>>,
    pub high: Vec<Option<f64>>,
    /// How strongly the band is drawn over white, 0..1: wider bands lighter.
    pub opacity: f64,
}

/// One line or one set of bars. `values` line up with the x axis; None is a gap.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub label: String,
    /// Index into the palette, fixed per community, category or channel by the caller so a
    /// thing keeps its colour on every chart.
    pub color: usize,
    pub values: Vec<Option<f64>>,
    /// Bars only: a colour per bar, where the x axis is communities or categories and each
    /// keeps its own colour. Empty: every bar in `color`.
    pub bar_colors: Vec<usize>,
    /// When the series was back after the lockdown, where the figure's rows say it; `None`:
    /// they do not, and the alt text does not either.
    pub recovery: Option<Recovery>,
}

/// When a series was back after the lockdown, as the figure's own query counts it
/// (footfall_change's days_to_recover, queries/footfall_change.sql): the alt text reads it and
/// never works the rule out again from the drawn values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    /// Back this many days after the last lockdown date.
    After(i64),
    /// Not back within the data.
    NotBack,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub kind: ChartKind,
    pub lang: Lang,
    pub title: String,
    /// The description under the title, a paragraph an entry: what the figure shows, what
    /// it is filtered to, which lockdown.
    pub subtitle: Vec<String>,
    /// Notes above the source line: the period, the data version, what is not published.
    pub notes: Vec<String>,
    /// The data source, printed under the chart.
    pub source: Option<String>,
    pub x: XAxis,
    pub y_label: String,
    pub unit: Unit,
    pub series: Vec<Series>,
    /// Date ranges to shade (the lockdown), inclusive.
    pub shaded: Vec<(NaiveDate, NaiveDate, String)>,
    /// Dates to mark (holidays).
    pub markers: Vec<(NaiveDate, String)>,
    /// A horizontal line: 0 for a change, 1 for a rate.
    pub reference: Option<f64>,
    /// Intervals around the (single) series, widest first.
    pub bands: Vec<Band>,
    /// KPI tiles: the number, already formatted.
    pub kpi: Option<String>,
    /// Tables: header and rows.
    pub table: Option<(Vec<String>, Vec<Vec<String>>)>,
    /// Values withheld for privacy, as (series, x index): marked ×, never drawn as 0.
    pub hidden: Vec<(usize, usize)>,
    /// Bars carry their value written at their end (print).
    pub value_labels: bool,
    pub layout: Layout,
}

impl Chart {
    pub fn new(kind: ChartKind, lang: Lang, title: impl Into<String>) -> Chart {
        Chart {
            kind,
            lang,
            title: title.into(),
            subtitle: Vec::new(),
            notes: Vec::new(),
            source: None,
            x: XAxis::Categories(Vec::new()),
            y_label: String::new(),
            unit: Unit::Count,
            series: Vec::new(),
            shaded: Vec::new(),
            markers: Vec::new(),
            reference: None,
            bands: Vec::new(),
            kpi: None,
            table: None,
            hidden: Vec::new(),
            value_labels: false,
            layout: Layout::Wide,
        }
    }

    /// The plot alone, for a page that carries the words as text around it.
    pub fn bare(mut self) -> Chart {
        self.title.clear();
        self.subtitle.clear();
        self.notes.clear();
        self.source = None;
        self
    }

    /// Whether (series, x) is withheld.
    pub fn is_hidden(&self, series: usize, x: usize) -> bool {
        self.hidden.contains(&(series, x))
    }

    /// Sentences saying what the chart shows, written from its numbers, for `alt` text,
    /// screen readers and figure bundles.
    pub fn alt_text(&self) -> String {
        alt::describe(self)
    }
}

/// Draws on any plotters backend.
fn draw<DB: DrawingBackend>(
    chart: &Chart,
    root: &DrawingArea<DB, Shift>,
    scale: f64,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    style::register_font();
    root.fill(&WHITE)?;
    let (width, _) = root.dim_in_pixel();
    let frame = frame::Frame::of(chart, f64::from(width) / scale);
    frame.draw(root, scale)?;
    let body = root.margin(
        (frame.header() * scale) as u32,
        (frame.footer() * scale) as u32,
        0,
        0,
    );
    let stacked = chart.kind == ChartKind::StackedBar;
    match chart.kind {
        ChartKind::Line
        | ChartKind::EventStudy
        | ChartKind::Bar
        | ChartKind::StackedBar
        | ChartKind::Histogram => match y_range(chart, stacked) {
            Some(range) if matches!(chart.kind, ChartKind::Line | ChartKind::EventStudy) => {
                line::draw(chart, &body, scale, range)
            }
            Some(range) => bar::draw(chart, &body, scale, range),
            None => tile::draw_notice(chart, &body, scale),
        },
        ChartKind::Kpi => tile::draw_kpi(chart, &body, scale),
        ChartKind::Table => tile::draw_table(chart, &body, scale),
    }?;
    root.present()?;
    Ok(())
}

/// The height of the whole image for a plot `height` CSS pixels high: the words above and
/// below it take what they need.
pub fn full_height(chart: &Chart, width: u32, height: u32) -> u32 {
    let frame = frame::Frame::of(chart, f64::from(width));
    height + (frame.header() + frame.footer()).ceil() as u32
}

/// The chart as an SVG document `width` CSS pixels wide, its plot `height` high.
pub fn render_svg(chart: &Chart, width: u32, height: u32) -> Result<String, ChartError> {
    let mut out = String::new();
    {
        let size = (width, full_height(chart, width, height));
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        draw(chart, &root, 1.0)?;
    }
    Ok(style::finish_svg(&out, chart))
}

/// The chart as a PNG, `width` wide with its plot `height` high, at `scale` (2 for print).
pub fn render_png(
    chart: &Chart,
    width: u32,
    height: u32,
    scale: u32,
) -> Result<Vec<u8>, ChartError> {
    let scale = scale.clamp(1, 4);
    let (w, h) = (width * scale, full_height(chart, width, height) * scale);
    let mut pixels = vec![0u8; (w * h * 3) as usize];
    {
        let _text = style::BitmapText::begin();
        let root = BitMapBackend::with_buffer(&mut pixels, (w, h)).into_drawing_area();
        draw(chart, &root, f64::from(scale))?;
    }
    let mut png_bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png_bytes, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder
            .write_header()
            .map_err(|e| ChartError::Png(e.to_string()))?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| ChartError::Png(e.to_string()))?;
    }
    Ok(png_bytes)
}

/// Values this far from zero are not drawn: plotters works out its ticks from the span,
/// and a span that overflows (±1e308) never finishes; nothing a district measures comes
/// near it, so such numbers are a planner's experiment or a broken import.
pub const LARGEST_DRAWN: f64 = 1e300;

/// The y range that holds every value, the reference line and some air; None when a value
/// (or a stack of them) is not finite or too large to draw: see [`LARGEST_DRAWN`].
fn y_range(chart: &Chart, stacked: bool) -> Option<(f64, f64)> {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    let mut drawable = true;
    let mut take = |v: f64| {
        drawable &= v.is_finite() && v.abs() < LARGEST_DRAWN;
        lo = lo.min(v);
        hi = hi.max(v);
    };
    if stacked {
        for i in 0..chart.x.len() {
            let (mut pos, mut neg) = (0.0, 0.0);
            for s in &chart.series {
                let v = s.values.get(i).copied().flatten().unwrap_or(0.0);
                if v >= 0.0 {
                    pos += v;
                } else {
                    neg += v;
                }
            }
            take(neg);
            take(pos);
        }
    } else {
        for v in chart.series.iter().flat_map(|s| s.values.iter().flatten()) {
            take(*v);
        }
        for band in &chart.bands {
            for v in band.low.iter().chain(&band.high).flatten() {
                take(*v);
            }
        }
    }
    if let Some(r) = chart.reference {
        take(r);
    }
    if !drawable {
        return None;
    }
    if !lo.is_finite() || !hi.is_finite() {
        // No values at all.
        return Some((0.0, 1.0));
    }
    let line = matches!(chart.kind, ChartKind::Line | ChartKind::EventStudy);
    if !line {
        lo = lo.min(0.0);
    }
    // The span stays wide against the values' size too: ticks a step apart that the
    // floats around 1e20 cannot tell apart would be one tick drawn many times.
    let size = lo.abs().max(hi.abs()).max(1.0);
    if hi - lo < 1e-9 * size {
        // One value everywhere (all zero, or all but a few hidden): give the axis a span.
        hi = lo + (1e-6 * size).max(1.0);
    }
    let pad = ((hi - lo) * 0.08).max(1e-9);
    let lo = if lo < 0.0 || line { lo - pad } else { lo };
    Some((lo, hi + pad))
}

#[cfg(test)]
mod tests;
