//! Alt text written from a chart's numbers, in Chinese or English: what a reader who cannot
//! see the chart needs to know ("Footfall in Liyuan fell 99% during the lockdown and was back
//! to 90% of normal 6 days after it ended"), not a list of every point.
//!
//! Charts over dates with the lockdown shaded say how far each series fell in it and, where
//! the figure's rows say it ([`super::Recovery`], footfall's days_to_recover), when it was
//! back to 90% of normal; bars name the highest and lowest; tiles read their number. A value
//! hidden for publishing is a gap here too: the text never mentions it.
//!
//! - [`lockdown`]: a date chart with the lockdown shaded.
//! - [`event_study`]: an event study's gap and intervals.

mod event_study;
mod lockdown;
#[cfg(test)]
mod tests;

use chrono::{Datelike, NaiveDate};

use super::{Chart, ChartKind, Unit, XAxis};
use crate::labels::Lang;
use crate::labels::format_value;
use event_study::event_study;
use lockdown::over_lockdown;

/// Above this many series a date chart is summarised (ranges), not told series by series.
const TOLD_ONE_BY_ONE: usize = 3;
/// Bars listed by name and value when there are at most this many.
const LISTED_BARS: usize = 8;

pub fn describe(chart: &Chart) -> String {
    let lang = chart.lang;
    let body = match chart.kind {
        ChartKind::Kpi => chart.kpi.clone().unwrap_or_default(),
        ChartKind::Table => table(chart),
        ChartKind::EventStudy => match (&chart.x, chart.shaded.first()) {
            (XAxis::Dates(dates), Some((first, last, _))) => {
                event_study(chart, dates, *first, *last)
            }
            (XAxis::Dates(dates), None) => over_dates(chart, dates),
            (XAxis::Categories(_), _) => bars(chart),
        },
        _ => match (&chart.x, chart.shaded.first()) {
            (XAxis::Dates(dates), Some((first, last, _))) => {
                over_lockdown(chart, dates, *first, *last)
            }
            (XAxis::Dates(dates), None) => over_dates(chart, dates),
            (XAxis::Categories(_), _) => bars(chart),
        },
    };
    let (colon, end) = if lang.is_en() {
        (": ", ".")
    } else {
        ("：", "。")
    };
    if body.is_empty() {
        return chart.title.clone();
    }
    let body = body.trim_end_matches(['.', '。']);
    if chart.title.is_empty() {
        format!("{body}{end}")
    } else {
        format!("{}{colon}{body}{end}", chart.title)
    }
}

fn day(date: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{}月{}日", date.month(), date.day()),
        Lang::En => date.format("%-d %B").to_string(),
    }
}

/// A fall in percent, whole unless rounding would claim a total fall that did not happen.
fn pct(f: f64) -> String {
    let f = f.abs();
    if (99.5..100.0).contains(&f) {
        format!("{f:.1}%")
    } else {
        format!("{f:.0}%")
    }
}

fn value(v: f64, unit: Unit, lang: Lang) -> String {
    format_value(v, unit, lang)
}
/// A date chart without a lockdown: each series' lowest and highest.
fn over_dates(chart: &Chart, dates: &[NaiveDate]) -> String {
    let lang = chart.lang;
    let en = lang.is_en();
    chart
        .series
        .iter()
        .take(TOLD_ONE_BY_ONE)
        .filter_map(|s| {
            let points = dates
                .iter()
                .zip(&s.values)
                .filter_map(|(d, v)| v.map(|v| (*d, v)));
            let low = points.clone().min_by(|a, b| a.1.total_cmp(&b.1))?;
            let high = points.max_by(|a, b| a.1.total_cmp(&b.1))?;
            Some(if en {
                format!(
                    "{} from {} ({}) to {} ({})",
                    s.label,
                    value(low.1, chart.unit, lang),
                    day(low.0, lang),
                    value(high.1, chart.unit, lang),
                    day(high.0, lang)
                )
            } else {
                format!(
                    "{}在{}（{}）至{}（{}）之间",
                    s.label,
                    value(low.1, chart.unit, lang),
                    day(low.0, lang),
                    value(high.1, chart.unit, lang),
                    day(high.0, lang)
                )
            })
        })
        .collect::<Vec<_>>()
        .join(if en { "; " } else { "；" })
}

/// Bars by category: every bar when there are few, else the highest and lowest.
fn bars(chart: &Chart) -> String {
    let lang = chart.lang;
    let en = lang.is_en();
    let mut bars: Vec<(String, f64)> = Vec::new();
    for s in &chart.series {
        for (i, v) in s.values.iter().enumerate() {
            if let Some(v) = v {
                let name = if chart.series.len() > 1 {
                    if en {
                        format!("{}, {}", s.label, chart.x.label(i))
                    } else {
                        format!("{}{}", s.label, chart.x.label(i))
                    }
                } else {
                    chart.x.label(i)
                };
                bars.push((name, *v));
            }
        }
    }
    if bars.is_empty() {
        return String::new();
    }
    if bars.len() <= LISTED_BARS {
        return bars
            .iter()
            .map(|(name, v)| {
                if en {
                    format!("{name} {}", value(*v, chart.unit, lang))
                } else {
                    format!("{name}{}", value(*v, chart.unit, lang))
                }
            })
            .collect::<Vec<_>>()
            .join(if en { ", " } else { "，" });
    }
    let high = bars.iter().max_by(|a, b| a.1.total_cmp(&b.1));
    let low = bars.iter().min_by(|a, b| a.1.total_cmp(&b.1));
    match (high, low) {
        (Some(h), Some(l)) if en => format!(
            "{} bars; highest {} ({}), lowest {} ({})",
            bars.len(),
            h.0,
            value(h.1, chart.unit, lang),
            l.0,
            value(l.1, chart.unit, lang)
        ),
        (Some(h), Some(l)) => format!(
            "共{}项；最高为{}（{}），最低为{}（{}）",
            bars.len(),
            h.0,
            value(h.1, chart.unit, lang),
            l.0,
            value(l.1, chart.unit, lang)
        ),
        _ => String::new(),
    }
}

fn table(chart: &Chart) -> String {
    let Some((header, rows)) = &chart.table else {
        return String::new();
    };
    if chart.lang.is_en() {
        format!("a table of {} rows: {}", rows.len(), header.join(", "))
    } else {
        format!("共{}行的表格：{}", rows.len(), header.join("、"))
    }
}
