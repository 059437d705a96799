//! A dashboard panel drawn as a chart: which column goes to x, which to y, how rows split
//! into series, and which colour each community, category and channel keeps.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use datafusion::arrow::datatypes::DataType;

pub use crate::charts::FONT;
use crate::charts::{self, Band, Chart, ChartKind, Layout, Recovery, Series, XAxis};
use crate::engine::contract::{CATEGORIES, CHANNELS, NEEDS};
use crate::engine::queries::QueryResult;
use crate::error::{Error, Result};
use crate::figures::dashboards::{Panel, PanelKind};
use crate::figures::panels::{self, Study};
use crate::labels::Lang;

/// Inline charts on pages: CSS pixels (the plot; words add to the height), scaled to the
/// screen's width.
pub const SVG_SIZE: (u32, u32) = (720, 405);
/// Downloads: drawn at this size times the scale (2: 1600 wide for print); the title,
/// description, notes and source line add to the height.
pub const PNG_SIZE: (u32, u32) = (800, 400);

impl From<charts::ChartError> for Error {
    fn from(e: charts::ChartError) -> Self {
        Error::Other(e.to_string())
    }
}

/// Inline charts on phones are drawn as wide as a 375 px phone's column (375 less the
/// page's and the panel's padding and border: 12 + 12 + 1 on each side), so a size in the
/// drawing is the size read.
pub const NARROW_WIDTH: u32 = 325;
/// The plot's height on a phone, before a legend below it.
const NARROW_PLOT: u32 = 250;

pub fn svg(chart: &Chart) -> Result<String> {
    Ok(charts::render_svg(chart, SVG_SIZE.0, SVG_SIZE.1)?)
}

/// The phone's drawing: taller than wide once the legend (two columns) is under the plot.
pub fn svg_narrow(chart: &Chart) -> Result<String> {
    let mut chart = chart.clone();
    chart.layout = Layout::Narrow;
    let rows = if chart.series.len() > 1 {
        chart.series.len().div_ceil(2) as u32
    } else {
        0
    };
    let legend = if rows > 0 { rows * 19 + 12 } else { 0 };
    Ok(charts::render_svg(
        &chart,
        NARROW_WIDTH,
        NARROW_PLOT + legend,
    )?)
}

pub fn png(chart: &Chart, scale: u32) -> Result<Vec<u8>> {
    Ok(charts::render_png(chart, PNG_SIZE.0, PNG_SIZE.1, scale)?)
}

pub fn source_line(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "数据来源：朝晖街道商户订单、营业状态与客流记录（示例数据为合成数据）",
        Lang::En => {
            "Source: Chaohui Street shops' orders, opening records and footfall (sample data: synthetic)"
        }
    }
}

/// A colour index that stays with a thing across charts: communities by their order in
/// the communities table, categories, channels and needs by their order in the contract.
fn color_of(column: &str, value: &str, study: &Study) -> Option<usize> {
    match column {
        "community_id" => study.communities.iter().position(|(id, _, _)| id == value),
        "category" => CATEGORIES.iter().position(|c| *c == value),
        "channel" => CHANNELS.iter().position(|c| *c == value),
        "channel_group" => ["in_store", "online"].iter().position(|c| *c == value),
        "need" => NEEDS.iter().position(|c| *c == value),
        _ => None,
    }
}

/// The column in which a figure's rows say when each series was back after the lockdown:
/// footfall_change's days_to_recover, the community's on each of its rows (empty: not back).
const RECOVERY: &str = "days_to_recover";

/// Each series key's [`Recovery`], read from the first of its rows whose [`RECOVERY`] is
/// published; none where the rows have no such column, so the alt text says nothing of it.
fn recovery_by_key(
    result: &QueryResult,
    keys: &[String],
    hidden: &dyn Fn(usize, &str) -> bool,
) -> BTreeMap<String, Recovery> {
    let mut out = BTreeMap::new();
    if result.schema.index_of(RECOVERY).is_err() {
        return out;
    }
    for (row, (key, days)) in keys
        .iter()
        .zip(panels::numbers(result, RECOVERY))
        .enumerate()
    {
        if hidden(row, RECOVERY) || out.contains_key(key) {
            continue;
        }
        let recovery = match days {
            Some(d) => Recovery::After(d as i64),
            None => Recovery::NotBack,
        };
        out.insert(key.clone(), recovery);
    }
    out
}

/// A panel's rows as a chart, with its title and source line.
pub fn panel_chart(
    panel: &Panel,
    result: &QueryResult,
    study: &Study,
    lang: Lang,
    lockdown: Option<&str>,
) -> Result<Chart> {
    panel_chart_withheld(panel, result, study, lang, lockdown, &|_, _| false)
}

/// [`panel_chart`] of published rows: `hidden(row, column)` says which values were withheld,
/// and the chart marks each where it would have been.
pub fn panel_chart_withheld(
    panel: &Panel,
    result: &QueryResult,
    study: &Study,
    lang: Lang,
    lockdown: Option<&str>,
    hidden: &dyn Fn(usize, &str) -> bool,
) -> Result<Chart> {
    let kind = match panel.kind {
        PanelKind::Kpi => ChartKind::Kpi,
        PanelKind::Line => ChartKind::Line,
        PanelKind::Bar => ChartKind::Bar,
        PanelKind::StackedBar => ChartKind::StackedBar,
        PanelKind::Histogram => ChartKind::Histogram,
        PanelKind::Table => ChartKind::Table,
        PanelKind::EventStudy => ChartKind::EventStudy,
    };
    let mut chart = Chart::new(kind, lang, lang.pick(&panel.title));
    chart.source = Some(source_line(lang).to_string());
    chart.unit = panel.unit;
    chart.reference = panel.reference;
    match panel.kind {
        PanelKind::Kpi => {
            chart.kpi = Some(panels::kpi(panel, result, lang));
            return Ok(chart);
        }
        PanelKind::Table => {
            chart.table = Some(panels::table(panel, result, study, lang));
            return Ok(chart);
        }
        _ => {}
    }
    let x_column = match (&panel.x_en, lang) {
        (Some(en), Lang::En) => en.as_str(),
        _ => panel.x.as_deref().unwrap_or_default(),
    };
    let x_is_date = result
        .schema
        .field_with_name(x_column)
        .is_ok_and(|f| f.data_type() == &DataType::Date32);
    let xs = panels::texts(result, x_column);
    // The x values in order of first appearance (queries order their rows).
    let mut order: Vec<String> = Vec::new();
    for x in &xs {
        if !order.contains(x) {
            order.push(x.clone());
        }
    }
    chart.x = if x_is_date {
        XAxis::Dates(
            order
                .iter()
                .filter_map(|d| d.parse::<NaiveDate>().ok())
                .collect(),
        )
    } else {
        XAxis::Categories(
            order
                .iter()
                .map(|v| study.label(x_column, v, lang))
                .collect(),
        )
    };
    let position: BTreeMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, x)| (x.as_str(), i))
        .collect();
    match &panel.series {
        Some(series_column) => {
            let keys = panels::texts(result, series_column);
            let y = panel.y.first().map(String::as_str).unwrap_or_default();
            let values = panels::numbers(result, y);
            let mut by_key: Vec<(String, Vec<Option<f64>>)> = Vec::new();
            let mut withheld: Vec<(String, usize)> = Vec::new();
            for (row, ((key, x), value)) in keys.iter().zip(&xs).zip(values).enumerate() {
                let slot = match by_key.iter().position(|(k, _)| k == key) {
                    Some(i) => i,
                    None => {
                        by_key.push((key.clone(), vec![None; order.len()]));
                        by_key.len() - 1
                    }
                };
                if let Some(&i) = position.get(x.as_str()) {
                    by_key[slot].1[i] = value;
                    if hidden(row, y) {
                        withheld.push((key.clone(), i));
                    }
                }
            }
            // Series in the contract's order where it has one: in store at the bottom of a
            // stack, communities as the communities table lists them.
            by_key
                .sort_by_key(|(key, _)| color_of(series_column, key, study).unwrap_or(usize::MAX));
            for (key, i) in withheld {
                if let Some(j) = by_key.iter().position(|(k, _)| *k == key) {
                    chart.hidden.push((j, i));
                }
            }
            let recovery = recovery_by_key(result, &keys, hidden);
            for (n, (key, values)) in by_key.into_iter().enumerate() {
                chart.series.push(Series {
                    label: study.label(series_column, &key, lang),
                    color: color_of(series_column, &key, study).unwrap_or(n),
                    values,
                    bar_colors: Vec::new(),
                    recovery: recovery.get(&key).copied(),
                });
            }
        }
        None => {
            for (n, y) in panel.y.iter().enumerate() {
                let mut values = vec![None; order.len()];
                for (row, (x, value)) in xs.iter().zip(panels::numbers(result, y)).enumerate() {
                    if let Some(&i) = position.get(x.as_str()) {
                        values[i] = value;
                        if hidden(row, y) {
                            chart.hidden.push((n, i));
                        }
                    }
                }
                // One series of categories or communities: each bar in its own colour.
                let bar_colors = if panel.y.len() == 1 {
                    order
                        .iter()
                        .filter_map(|x| color_of(x_column, x, study))
                        .collect::<Vec<_>>()
                } else {
                    Vec::new()
                };
                let bar_colors = if bar_colors.len() == order.len() {
                    bar_colors
                } else {
                    Vec::new()
                };
                chart.series.push(Series {
                    label: crate::labels::code(y, lang).to_string(),
                    color: n,
                    values,
                    bar_colors,
                    recovery: None,
                });
            }
        }
    }
    // Intervals as bands along the same x: widest first so the narrower draws on top.
    for (n, [low, high]) in panel.bands.iter().enumerate() {
        let mut band = Band {
            label: crate::labels::code(low, lang).to_string(),
            low: vec![None; order.len()],
            high: vec![None; order.len()],
            opacity: if n == 0 { 0.15 } else { 0.3 },
        };
        let lows = panels::numbers(result, low);
        let highs = panels::numbers(result, high);
        for ((x, l), h) in xs.iter().zip(lows).zip(highs) {
            if let Some(&i) = position.get(x.as_str()) {
                band.low[i] = l;
                band.high[i] = h;
            }
        }
        chart.bands.push(band);
    }
    if x_is_date {
        if panel.shade_lockdown
            && let Some((_, first, last)) = study.lockdown(lockdown)
        {
            chart.shaded.push((
                *first,
                *last,
                if lang.is_en() {
                    "lockdown".into()
                } else {
                    "封控".into()
                },
            ));
        }
        if panel.mark_holidays {
            chart.markers = study
                .holidays
                .iter()
                .map(|(date, name, workday)| {
                    (*date, crate::labels::day_label(name, *workday, lang))
                })
                .collect();
        }
    }
    Ok(chart)
}
