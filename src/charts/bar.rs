//! Bar charts: one bar per category, bars side by side for several series, stacked bars
//! (daily revenue online and in store), and histograms of pre-binned counts.

use crate::labels;
use plotters::coord::Shift;
use plotters::prelude::*;

use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::Sizes;
use super::line::{axes, legend, reference_line, shade_and_mark};
use super::style::{self, MUTED, font};
use super::{Chart, ChartError, ChartKind};

pub fn draw<DB: DrawingBackend>(
    chart: &Chart,
    area: &DrawingArea<DB, Shift>,
    scale: f64,
    (lo, hi): (f64, f64),
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let stacked = chart.kind == ChartKind::StackedBar;
    let plot = legend(chart, area, scale)?;
    let mut ctx = axes(chart, &plot, scale, lo, hi)?;
    shade_and_mark(chart, &mut ctx, lo, hi, scale)?;
    let n = chart.x.len();
    let k = chart.series.len().max(1);
    // Histogram bins touch; bars of categories stand apart.
    let width = if chart.kind == ChartKind::Histogram {
        0.98
    } else {
        0.8
    };
    let mut bars = Vec::new();
    // Withheld values: a hatched stub on the axis with a × over it, where the bar would be.
    let mut stubs = Vec::new();
    let mut labels = Vec::new();
    let sizes = Sizes::of(chart.layout);
    let stub = (hi - lo) * 0.05;
    // Values are written on bars only where each bar has room for them.
    let write_values = chart.value_labels && !stacked && n * k <= 16;
    for i in 0..n {
        let (mut up, mut down) = (0.0, 0.0);
        for (j, series) in chart.series.iter().enumerate() {
            let each = width / k as f64;
            let slot = if stacked {
                (i as f64 - width / 2.0, i as f64 + width / 2.0)
            } else {
                let x0 = i as f64 - width / 2.0 + each * j as f64;
                (x0, x0 + each)
            };
            if chart.is_hidden(j, i) {
                stubs.push(slot);
                continue;
            }
            let Some(v) = series.values.get(i).copied().flatten() else {
                continue;
            };
            if write_values {
                labels.push((
                    (slot.0 + slot.1) / 2.0,
                    v,
                    labels::format_value(v, chart.unit, chart.lang),
                ));
            }
            let color = style::color(series.bar_colors.get(i).copied().unwrap_or(series.color));
            let (x0, x1, y0, y1) = if stacked {
                let base = if v >= 0.0 { up } else { down };
                if v >= 0.0 {
                    up += v;
                } else {
                    down += v;
                }
                (
                    i as f64 - width / 2.0,
                    i as f64 + width / 2.0,
                    base,
                    base + v,
                )
            } else {
                let each = width / k as f64;
                let x0 = i as f64 - width / 2.0 + each * j as f64;
                (x0, x0 + each, 0.0, v)
            };
            bars.push(Rectangle::new([(x0, y0), (x1, y1)], color.filled()));
        }
    }
    ctx.draw_series(bars)?;
    let base = if lo <= 0.0 && hi >= 0.0 { 0.0 } else { lo };
    for (x0, x1) in stubs {
        let inset = (x1 - x0) * 0.1;
        let (x0, x1) = (x0 + inset, x1 - inset);
        ctx.draw_series(std::iter::once(Rectangle::new(
            [(x0, base), (x1, base + stub)],
            ShapeStyle::from(&MUTED).stroke_width(1),
        )))?;
        // Hatching: four strokes from the stub's foot to its top.
        let step = (x1 - x0) / 4.0;
        ctx.draw_series((0..4).map(|h| {
            let a = x0 + step * f64::from(h);
            PathElement::new(
                vec![(a, base), (a + step, base + stub)],
                ShapeStyle::from(&MUTED.mix(0.7)).stroke_width(1),
            )
        }))?;
        ctx.draw_series(std::iter::once(Text::new(
            "×",
            ((x0 + x1) / 2.0, base + stub),
            font(sizes.value * scale)
                .color(&MUTED)
                .pos(Pos::new(HPos::Center, VPos::Bottom)),
        )))?;
    }
    for (x, v, text) in labels {
        let vpos = if v >= 0.0 { VPos::Bottom } else { VPos::Top };
        ctx.draw_series(std::iter::once(Text::new(
            text,
            (x, v),
            font(sizes.value * scale)
                .color(&style::INK)
                .pos(Pos::new(HPos::Center, vpos)),
        )))?;
    }
    reference_line(chart, &mut ctx, scale)?;
    Ok(())
}
