//! Line charts: several series over dates, the lockdown shaded, holidays marked, a
//! reference line at 0% or 100%, and a legend beside the plot.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{self, GRID, MUTED, SHADE, font};
use super::{Chart, ChartError};

pub fn draw<DB: DrawingBackend>(
    chart: &Chart,
    area: &DrawingArea<DB, Shift>,
    scale: f64,
    (lo, hi): (f64, f64),
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let plot = legend_beside(chart, area, scale)?;
    let mut ctx = axes(chart, &plot, scale, lo, hi)?;
    shade_and_mark(chart, &mut ctx, lo, hi, scale)?;
    bands(chart, &mut ctx)?;
    for series in &chart.series {
        let color = style::color(series.color);
        let line_style =
            ShapeStyle::from(&color).stroke_width((2.0 * scale).round().max(1.0) as u32);
        // A null is a gap in the line, not a fall to zero.
        let mut segment: Vec<(f64, f64)> = Vec::new();
        let mut segments = Vec::new();
        for (i, value) in series.values.iter().enumerate() {
            match value {
                Some(v) => segment.push((i as f64, *v)),
                None if !segment.is_empty() => segments.push(std::mem::take(&mut segment)),
                None => {}
            }
        }
        if !segment.is_empty() {
            segments.push(segment);
        }
        for points in segments {
            if points.len() == 1 {
                ctx.draw_series(
                    points
                        .iter()
                        .map(|p| Circle::new(*p, (2.0 * scale) as i32, color.filled())),
                )?;
            } else {
                ctx.draw_series(LineSeries::new(points, line_style))?;
            }
        }
    }
    reference_line(chart, &mut ctx, scale)?;
    Ok(())
}

/// The chart's intervals as filled bands behind the line, in the first series' colour: each
/// run of dates with both ends known is one polygon (a missing interval is a gap).
fn bands<DB: DrawingBackend>(chart: &Chart, ctx: &mut Ctx<'_, DB>) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let color = style::color(chart.series.first().map_or(0, |s| s.color));
    for band in &chart.bands {
        let mut runs: Vec<Vec<(f64, f64, f64)>> = vec![Vec::new()];
        for (i, (low, high)) in band.low.iter().zip(&band.high).enumerate() {
            match (low, high) {
                (Some(l), Some(h)) => runs
                    .last_mut()
                    .into_iter()
                    .for_each(|r| r.push((i as f64, *l, *h))),
                _ => runs.push(Vec::new()),
            }
        }
        for run in runs.into_iter().filter(|r| !r.is_empty()) {
            // A single date: a thin bar, so an interval of one day still shows.
            let run = if run.len() == 1 {
                let (x, l, h) = run[0];
                vec![(x - 0.3, l, h), (x + 0.3, l, h)]
            } else {
                run
            };
            let mut points: Vec<(f64, f64)> = run.iter().map(|(x, l, _)| (*x, *l)).collect();
            points.extend(run.iter().rev().map(|(x, _, h)| (*x, *h)));
            ctx.draw_series(std::iter::once(Polygon::new(
                points,
                color.mix(band.opacity).filled(),
            )))?;
        }
    }
    Ok(())
}

pub type Ctx<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// The plot's axes: x from -0.5 to n-0.5 so category i sits on tick i; ticks formatted for
/// the language and unit.
pub fn axes<'a, DB: DrawingBackend>(
    chart: &'a Chart,
    area: &'a DrawingArea<DB, Shift>,
    scale: f64,
    lo: f64,
    hi: f64,
) -> Result<Ctx<'a, DB>, ChartError>
where
    DB::ErrorType: 'static,
{
    let n = chart.x.len().max(1);
    let mut ctx = ChartBuilder::on(area)
        .margin_top((8.0 * scale) as u32)
        .margin_right((14.0 * scale) as u32)
        .margin_left((6.0 * scale) as u32)
        .x_label_area_size((34.0 * scale) as u32)
        .y_label_area_size((66.0 * scale) as u32)
        .build_cartesian_2d(-0.5..(n as f64 - 0.5), lo..hi)?;
    let x_label = |v: &f64| {
        let i = v.round();
        if (v - i).abs() > 1e-6 || i < 0.0 || i as usize >= n {
            String::new()
        } else {
            chart.x.label(i as usize)
        }
    };
    let y_label = |v: &f64| style::format_tick(*v, chart.unit, chart.lang);
    let unit = chart.unit.axis(chart.lang);
    let y_desc = match (chart.y_label.is_empty(), unit.is_empty()) {
        (false, false) => format!("{}（{unit}）", chart.y_label),
        (false, true) => chart.y_label.clone(),
        (true, _) => unit.to_string(),
    };
    let x_ticks = match chart.x {
        super::XAxis::Categories(_) => n,
        super::XAxis::Dates(_) => 8,
    };
    ctx.configure_mesh()
        .disable_x_mesh()
        .bold_line_style(GRID)
        .light_line_style(WHITE)
        .axis_style(MUTED)
        .x_labels(x_ticks)
        .y_labels(6)
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .label_style(font(13.0 * scale).color(&MUTED))
        .axis_desc_style(font(13.0 * scale).color(&MUTED))
        .y_desc(y_desc)
        .draw()?;
    Ok(ctx)
}

/// Shades the lockdown and marks holidays, behind the data.
pub fn shade_and_mark<DB: DrawingBackend>(
    chart: &Chart,
    ctx: &mut Ctx<'_, DB>,
    lo: f64,
    hi: f64,
    scale: f64,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let super::XAxis::Dates(dates) = &chart.x else {
        return Ok(());
    };
    let Some(first) = dates.first().copied() else {
        return Ok(());
    };
    let last = dates.len() as f64 - 0.5;
    let index = |d: chrono::NaiveDate| (d - first).num_days() as f64;
    for (from, to, label) in &chart.shaded {
        let (a, b) = ((index(*from) - 0.5).max(-0.5), (index(*to) + 0.5).min(last));
        if a >= b {
            continue;
        }
        ctx.draw_series(std::iter::once(Rectangle::new(
            [(a, lo), (b, hi)],
            SHADE.filled(),
        )))?;
        ctx.draw_series(std::iter::once(Text::new(
            label.clone(),
            (a + 0.3, hi),
            font(12.0 * scale)
                .color(&MUTED)
                .pos(plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Left,
                    plotters::style::text_anchor::VPos::Top,
                )),
        )))?;
    }
    for (date, _) in &chart.markers {
        let x = index(*date);
        if !(-0.5..=last).contains(&x) {
            continue;
        }
        ctx.draw_series(std::iter::once(PathElement::new(
            vec![(x, lo), (x, hi)],
            ShapeStyle::from(&MUTED.mix(0.35)).stroke_width(1),
        )))?;
    }
    Ok(())
}

pub fn reference_line<DB: DrawingBackend>(
    chart: &Chart,
    ctx: &mut Ctx<'_, DB>,
    scale: f64,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    if let Some(y) = chart.reference {
        let n = chart.x.len().max(1) as f64;
        ctx.draw_series(std::iter::once(PathElement::new(
            vec![(-0.5, y), (n - 0.5, y)],
            ShapeStyle::from(&style::INK.mix(0.6))
                .stroke_width((1.5 * scale).round().max(1.0) as u32),
        )))?;
    }
    Ok(())
}

/// With more than one series, a legend in a column on the right; returns the area left for
/// the plot.
pub fn legend_beside<DB: DrawingBackend>(
    chart: &Chart,
    area: &DrawingArea<DB, Shift>,
    scale: f64,
) -> Result<DrawingArea<DB, Shift>, ChartError>
where
    DB::ErrorType: 'static,
{
    if chart.series.len() < 2 {
        return Ok(area.clone());
    }
    let (width, _) = area.dim_in_pixel();
    let legend_width = ((120.0 * scale) as u32).min(width / 3);
    let (plot, legend) = area.split_horizontally(width - legend_width);
    let row = (18.0 * scale) as i32;
    for (i, series) in chart.series.iter().enumerate() {
        let y = (10.0 * scale) as i32 + row * i as i32;
        let color = style::color(series.color);
        legend.draw(&Rectangle::new(
            [(0, y + row / 4), ((14.0 * scale) as i32, y + row * 3 / 4)],
            color.filled(),
        ))?;
        legend.draw(&Text::new(
            series.label.clone(),
            ((20.0 * scale) as i32, y + row / 8),
            font(13.0 * scale).color(&style::INK),
        ))?;
    }
    Ok(plot)
}
