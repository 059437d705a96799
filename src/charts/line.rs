//! Line charts: several series over dates, the lockdown shaded, holidays marked, a
//! reference line at 0% or 100%, and a legend beside the plot.

use crate::labels;
use plotters::coord::Shift;
use plotters::prelude::*;

use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::{Sizes, text_width};
use super::style::{self, GRID, MUTED, SHADE, font};
use super::{Chart, ChartError, Layout};

pub fn draw<DB: DrawingBackend>(
    chart: &Chart,
    area: &DrawingArea<DB, Shift>,
    scale: f64,
    (lo, hi): (f64, f64),
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let plot = legend(chart, area, scale)?;
    let mut ctx = axes(chart, &plot, scale, lo, hi)?;
    shade_and_mark(chart, &mut ctx, lo, hi, scale)?;
    mark_hidden_on_axis(chart, &mut ctx, lo, scale)?;
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
    let sizes = Sizes::of(chart.layout);
    let narrow = chart.layout == Layout::Narrow;
    // Category names that do not fit side by side turn to run down from the axis (as
    // Chinese may be written); the label area grows to the longest.
    let (plot_width, _) = area.dim_in_pixel();
    let y_area = if narrow { 50.0 } else { 66.0 };
    let room = (f64::from(plot_width) / scale - y_area - 20.0).max(1.0);
    let longest = match &chart.x {
        super::XAxis::Categories(names) => names
            .iter()
            .map(|c| text_width(c, sizes.tick))
            .fold(0.0, f64::max),
        super::XAxis::Dates(_) => 0.0,
    };
    let turned = matches!(chart.x, super::XAxis::Categories(_)) && longest * 1.15 * n as f64 > room;
    let x_area = if turned {
        (longest + 12.0).min(140.0)
    } else {
        34.0
    };
    let mut ctx = ChartBuilder::on(area)
        .margin_top((8.0 * scale) as u32)
        .margin_right((14.0 * scale) as u32)
        .margin_left((6.0 * scale) as u32)
        .x_label_area_size((x_area * scale) as u32)
        .y_label_area_size((y_area * scale) as u32)
        .build_cartesian_2d(-0.5..(n as f64 - 0.5), lo..hi)?;
    let x_label = |v: &f64| {
        let i = v.round();
        // Turned names are drawn below, each hung from its tick.
        if turned || (v - i).abs() > 1e-6 || i < 0.0 || i as usize >= n {
            String::new()
        } else {
            chart.x.label(i as usize)
        }
    };
    let y_label = |v: &f64| labels::format_tick(*v, chart.unit, chart.lang);
    let unit = chart.unit.axis(chart.lang);
    let y_desc = match (chart.y_label.is_empty(), unit.is_empty()) {
        (false, false) => format!("{}（{unit}）", chart.y_label),
        (false, true) => chart.y_label.clone(),
        (true, _) => unit.to_string(),
    };
    // A phone has room for four or five dates: 04-01 is 35 px wide at 13 px.
    let x_ticks = match chart.x {
        super::XAxis::Categories(_) => n,
        super::XAxis::Dates(_) if narrow => 4,
        super::XAxis::Dates(_) => 8,
    };
    ctx.configure_mesh()
        .disable_x_mesh()
        .bold_line_style(GRID)
        .light_line_style(WHITE)
        .axis_style(MUTED)
        .x_labels(x_ticks)
        .y_labels(if narrow { 5 } else { 6 })
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .label_style(font(sizes.tick * scale).color(&MUTED))
        .axis_desc_style(font(sizes.tick * scale).color(&MUTED))
        .y_desc(y_desc)
        .draw()?;
    if turned {
        // Turned a quarter clockwise, a name's start hangs just under its tick.
        let style = font(sizes.tick * scale)
            .color(&MUTED)
            .transform(FontTransform::Rotate90)
            .pos(Pos::new(HPos::Left, VPos::Center));
        ctx.draw_series((0..n).map(|i| {
            EmptyElement::at((i as f64, lo))
                + Text::new(chart.x.label(i), (0, (6.0 * scale) as i32), style.clone())
        }))?;
    }
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
            font(Sizes::of(chart.layout).note * scale)
                .color(&MUTED)
                .pos(plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Left,
                    plotters::style::text_anchor::VPos::Top,
                )),
        )))?;
    }
    // Each run of days of one name (清明节 04-03..05) gets one label, on the row under the
    // lockdown's; a label that would run into the one before it drops a row.
    let size = Sizes::of(chart.layout).note;
    let row = (size * 1.3 * scale) as i32;
    let mut runs: Vec<(f64, f64, &str)> = Vec::new();
    for (date, name) in &chart.markers {
        let x = index(*date);
        if !(-0.5..=last).contains(&x) {
            continue;
        }
        ctx.draw_series(std::iter::once(PathElement::new(
            vec![(x, lo), (x, hi)],
            ShapeStyle::from(&MUTED.mix(0.35)).stroke_width(1),
        )))?;
        match runs.last_mut() {
            Some((_, end, run)) if *run == name.as_str() && x - *end <= 1.0 => *end = x,
            _ => runs.push((x, x, name.as_str())),
        }
    }
    let mut ends: Vec<i32> = Vec::new();
    for (start, _, name) in runs {
        let (px, _) = ctx.backend_coord(&(start, hi));
        let width = (text_width(name, size) * scale) as i32;
        let line = ends.iter().position(|end| *end < px).unwrap_or(ends.len());
        if line == ends.len() {
            ends.push(px + width + (4.0 * scale) as i32);
        } else {
            ends[line] = px + width + (4.0 * scale) as i32;
        }
        let dy = row * (line as i32 + 1);
        ctx.draw_series(std::iter::once(
            EmptyElement::at((start, hi))
                + Text::new(
                    name.to_string(),
                    ((2.0 * scale) as i32, dy),
                    font(size * scale)
                        .color(&MUTED)
                        .pos(Pos::new(HPos::Left, VPos::Top)),
                ),
        ))?;
    }
    Ok(())
}

/// A withheld value of a line is a gap; a × on the axis under it says it was withheld.
fn mark_hidden_on_axis<DB: DrawingBackend>(
    chart: &Chart,
    ctx: &mut Ctx<'_, DB>,
    lo: f64,
    scale: f64,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let size = Sizes::of(chart.layout).note;
    for &(series, x) in &chart.hidden {
        let color = chart
            .series
            .get(series)
            .map_or(MUTED, |s| style::color(s.color));
        ctx.draw_series(std::iter::once(Text::new(
            "×",
            (x as f64, lo),
            font(size * scale)
                .color(&color)
                .pos(Pos::new(HPos::Center, VPos::Bottom)),
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

/// With more than one series, a legend: in a column on the right, or on a phone in two
/// columns under the plot. Returns the area left for the plot.
pub fn legend<DB: DrawingBackend>(
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
    let size = Sizes::of(chart.layout).legend;
    let (width, height) = area.dim_in_pixel();
    let row = (size * 1.45 * scale) as i32;
    let swatch = (14.0 * scale) as i32;
    let (plot, legend, columns) = if chart.layout == Layout::Narrow {
        let rows = chart.series.len().div_ceil(2) as u32;
        let legend_height = (rows * row as u32 + (10.0 * scale) as u32).min(height / 2);
        let (plot, legend) = area.split_vertically(height - legend_height);
        (plot, legend, 2)
    } else {
        let legend_width = ((120.0 * scale) as u32).min(width / 3);
        let (plot, legend) = area.split_horizontally(width - legend_width);
        (plot, legend, 1)
    };
    let (legend_width, _) = legend.dim_in_pixel();
    let column_width = (legend_width / columns) as i32;
    for (i, series) in chart.series.iter().enumerate() {
        let (column, line) = ((i % columns as usize) as i32, (i / columns as usize) as i32);
        let x = (12.0 * scale) as i32 * (columns as i32 - 1) + column * column_width;
        let y = (6.0 * scale) as i32 + row * line;
        let color = style::color(series.color);
        legend.draw(&Rectangle::new(
            [(x, y + row / 4), (x + swatch, y + row * 3 / 4)],
            color.filled(),
        ))?;
        legend.draw(&Text::new(
            series.label.clone(),
            (x + swatch + (6.0 * scale) as i32, y + row / 8),
            font(size * scale).color(&style::INK),
        ))?;
    }
    Ok(plot)
}
