//! Bar charts: one bar per category, bars side by side for several series, stacked bars
//! (daily revenue online and in store), and histograms of pre-binned counts.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::line::{axes, legend_beside, reference_line, shade_and_mark};
use super::style;
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
    let plot = legend_beside(chart, area, scale)?;
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
    for i in 0..n {
        let (mut up, mut down) = (0.0, 0.0);
        for (j, series) in chart.series.iter().enumerate() {
            let Some(v) = series.values.get(i).copied().flatten() else {
                continue;
            };
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
    reference_line(chart, &mut ctx, scale)?;
    Ok(())
}
