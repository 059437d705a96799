//! A KPI tile (one big number) and a table of text, for downloads of those panels.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::{self, font};
use super::{Chart, ChartError};

pub fn draw_kpi<DB: DrawingBackend>(
    chart: &Chart,
    area: &DrawingArea<DB, Shift>,
    scale: f64,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let (w, h) = area.dim_in_pixel();
    let value = chart.kpi.clone().unwrap_or_default();
    area.draw(&Text::new(
        value,
        (w as i32 / 2, h as i32 / 2),
        font((h as f64 / 3.0).min(96.0 * scale))
            .color(&style::PALETTE[3])
            .pos(Pos::new(HPos::Center, VPos::Center)),
    ))?;
    Ok(())
}

pub fn draw_table<DB: DrawingBackend>(
    chart: &Chart,
    area: &DrawingArea<DB, Shift>,
    scale: f64,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let Some((header, rows)) = &chart.table else {
        return Ok(());
    };
    let (w, h) = area.dim_in_pixel();
    let columns = header.len().max(1);
    let col_width = (w as f64 - 24.0 * scale) / columns as f64;
    let row_height = 24.0 * scale;
    let fits = ((h as f64 - row_height) / row_height).max(0.0) as usize;
    for (r, cells) in std::iter::once(header)
        .chain(rows.iter().take(fits))
        .enumerate()
    {
        let y = (r as f64 * row_height + 4.0 * scale) as i32;
        for (c, cell) in cells.iter().enumerate() {
            let x = (12.0 * scale + c as f64 * col_width) as i32;
            let style = if r == 0 {
                font(13.0 * scale).color(&style::MUTED)
            } else {
                font(14.0 * scale).color(&style::INK)
            };
            area.draw(&Text::new(cell.clone(), (x, y), style))?;
        }
        if r == 0 {
            let y = (row_height - 2.0 * scale) as i32;
            area.draw(&PathElement::new(
                vec![(0, y), (w as i32, y)],
                ShapeStyle::from(&style::GRID),
            ))?;
        }
    }
    Ok(())
}

/// In place of a plot whose values are too large or not finite to draw (see
/// [`super::LARGEST_DRAWN`]): a sentence saying so, where the plot would be.
pub fn draw_notice<DB: DrawingBackend>(
    chart: &Chart,
    area: &DrawingArea<DB, Shift>,
    scale: f64,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let (w, h) = area.dim_in_pixel();
    let text = if chart.lang.is_en() {
        "Values too large (or not finite) to draw"
    } else {
        "数值过大或不是有限数，无法作图"
    };
    area.draw(&Text::new(
        text,
        (w as i32 / 2, h as i32 / 2),
        font(16.0 * scale)
            .color(&style::MUTED)
            .pos(Pos::new(HPos::Center, VPos::Center)),
    ))?;
    Ok(())
}
