//! The words around a plot, as a reporter's reference (Datawrapper) puts them inside the
//! image: title, description, then the plot, then notes and the source line. Lines wrap to
//! the canvas, and the canvas grows by what the words take, so nothing is cut off.
//!
//! Also the type sizes of each layout: on a phone the plot is drawn on a canvas as wide as
//! the column, so every size here is the size a reader sees, in CSS pixels.

use plotters::coord::Shift;
use plotters::prelude::*;

pub use super::style::text_width;
use super::style::{self, font};
use super::{Chart, ChartError, Layout};

/// Type sizes in CSS pixels (times the scale for print).
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub title: f64,
    pub subtitle: f64,
    /// Axis ticks and their description.
    pub tick: f64,
    pub legend: f64,
    /// Notes, the source line, and the names of holidays and of the lockdown on the plot.
    pub note: f64,
    /// Value labels on bars.
    pub value: f64,
}

impl Sizes {
    /// Phones get 13 px at the least: drawn as wide as a 375 px phone's column (see
    /// `NARROW_WIDTH` in render.rs), that is the size read, and WeChat's own smallest text is 12.
    pub fn of(layout: Layout) -> Sizes {
        match layout {
            Layout::Wide => Sizes {
                title: 22.0,
                subtitle: 14.0,
                tick: 13.0,
                legend: 13.0,
                note: 12.0,
                value: 12.0,
            },
            Layout::Narrow => Sizes {
                title: 20.0,
                subtitle: 14.0,
                tick: 13.0,
                legend: 13.0,
                note: 13.0,
                value: 13.0,
            },
        }
    }
}

/// How far lines of a size stand apart.
fn leading(size: f64) -> f64 {
    (size * 1.45).round()
}

/// Room at the sides, and above the plot when there are no words.
const MARGIN: f64 = 12.0;
const TOP: f64 = 8.0;

/// The chart's words broken into lines that fit `width` CSS pixels.
#[derive(Debug, Clone, Default)]
pub struct Frame {
    pub title: Vec<String>,
    pub subtitle: Vec<String>,
    pub notes: Vec<String>,
    pub source: Vec<String>,
    sizes: Option<Sizes>,
}

impl Frame {
    pub fn of(chart: &Chart, width: f64) -> Frame {
        style::register_font();
        let sizes = Sizes::of(chart.layout);
        let room = (width - 2.0 * MARGIN).max(40.0);
        let wrap_all = |texts: &[String], size: f64| -> Vec<String> {
            texts.iter().flat_map(|t| wrap(t, size, room)).collect()
        };
        Frame {
            title: if chart.title.is_empty() {
                Vec::new()
            } else {
                wrap(&chart.title, sizes.title, room)
            },
            subtitle: wrap_all(&chart.subtitle, sizes.subtitle),
            notes: wrap_all(&chart.notes, sizes.note),
            source: chart
                .source
                .as_deref()
                .map(|s| wrap(s, sizes.note, room))
                .unwrap_or_default(),
            sizes: Some(sizes),
        }
    }

    fn sizes(&self) -> Sizes {
        self.sizes.unwrap_or(Sizes::of(Layout::Wide))
    }

    /// CSS pixels above the plot.
    pub fn header(&self) -> f64 {
        let s = self.sizes();
        if self.title.is_empty() && self.subtitle.is_empty() {
            return TOP;
        }
        TOP + self.title.len() as f64 * leading(s.title)
            + self.subtitle.len() as f64 * leading(s.subtitle)
            + 6.0
    }

    /// CSS pixels below the plot.
    pub fn footer(&self) -> f64 {
        let lines = self.notes.len() + self.source.len();
        if lines == 0 {
            return 0.0;
        }
        6.0 + lines as f64 * leading(self.sizes().note) + 4.0
    }

    pub fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        scale: f64,
    ) -> Result<(), ChartError>
    where
        DB::ErrorType: 'static,
    {
        let s = self.sizes();
        let x = (MARGIN * scale) as i32;
        let mut y = TOP;
        for line in &self.title {
            root.draw(&Text::new(
                line.clone(),
                (x, (y * scale) as i32),
                font(s.title * scale).color(&style::INK),
            ))?;
            y += leading(s.title);
        }
        for line in &self.subtitle {
            root.draw(&Text::new(
                line.clone(),
                (x, (y * scale) as i32),
                font(s.subtitle * scale).color(&style::MUTED),
            ))?;
            y += leading(s.subtitle);
        }
        let (_, height) = root.dim_in_pixel();
        let mut y = height as f64 / scale - self.footer() + 6.0;
        for line in self.notes.iter().chain(&self.source) {
            root.draw(&Text::new(
                line.clone(),
                (x, (y * scale) as i32),
                font(s.note * scale).color(&style::MUTED),
            ))?;
            y += leading(s.note);
        }
        Ok(())
    }
}

/// Breaks `text` into lines no wider than `room`: between any two Chinese characters, and
/// at spaces between words of other scripts (a word longer than the line is broken too).
pub fn wrap(text: &str, size: f64, room: f64) -> Vec<String> {
    let mut pieces: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        let wide = is_wide(c);
        if c == ' ' || wide {
            if !word.is_empty() {
                pieces.push(std::mem::take(&mut word));
            }
            pieces.push(c.to_string());
        } else {
            word.push(c);
        }
    }
    if !word.is_empty() {
        pieces.push(word);
    }
    let mut lines = Vec::new();
    let mut line = String::new();
    for piece in pieces {
        let candidate = format!("{line}{piece}");
        if line.is_empty() || text_width(&candidate, size) <= room {
            line = candidate;
            continue;
        }
        // Punctuation does not start a line.
        if piece
            .chars()
            .all(|c| "，。、；：！？）》」』,.;:!?)".contains(c))
        {
            line = candidate;
            continue;
        }
        lines.push(line.trim_end().to_string());
        line = piece.trim_start().to_string();
    }
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// Characters a line may break after: CJK ideographs and punctuation (2E80–9FFF holds
/// the CJK symbols too), kana, full-width forms.
fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF | 0x20000..=0x2FFFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_breaks_between_characters_and_english_at_spaces() {
        style::register_font();
        // A Chinese character is an em wide.
        let one = text_width("黎", 14.0);
        assert!((13.0..=14.5).contains(&one), "{one}");
        // Room for a little over four characters: 黎园社区 | 餐饮.
        let lines = wrap("黎园社区餐饮", 14.0, one * 4.5);
        assert_eq!(lines, ["黎园社区", "餐饮"]);
        // A comma stays at the end of its line.
        let lines = wrap("黎园社区，餐饮", 14.0, one * 4.5);
        assert_eq!(lines, ["黎园社区，", "餐饮"]);
        let word = text_width("Liyuan ", 14.0);
        let lines = wrap("Liyuan Liyuan Liyuan", 14.0, word * 2.0);
        assert_eq!(lines, ["Liyuan Liyuan", "Liyuan"]);
        assert!(wrap("", 14.0, 100.0).is_empty());
    }
}
