//! A date chart with the lockdown shaded: how far each series fell in it and when it was
//! back, or for stacked bars the daily total and its largest part before and during it.

use chrono::NaiveDate;

use super::{TOLD_ONE_BY_ONE, day, pct, value};
use crate::charts::{Chart, ChartKind, Recovery, Series, Unit};
use crate::labels::Lang;

/// How one series went through the lockdown.
struct Course {
    label: String,
    /// Level before the lockdown: 0 for a change in percent, else the mean before.
    before: Option<f64>,
    /// Lowest value in the lockdown, and its date.
    low: Option<(f64, NaiveDate)>,
    /// When it was back, as the figure's query counts it: the rule (90% of normal on three
    /// dates running) is written once, in queries/footfall_change.sql, not here.
    recovery: Option<Recovery>,
    /// The last date on the chart (for "not back by …").
    last_date: Option<NaiveDate>,
}

fn course(
    series: &Series,
    dates: &[NaiveDate],
    first: NaiveDate,
    last: NaiveDate,
    unit: Unit,
) -> Course {
    let points: Vec<(NaiveDate, f64)> = dates
        .iter()
        .zip(&series.values)
        .filter_map(|(d, v)| v.map(|v| (*d, v)))
        .collect();
    let before_values: Vec<f64> = points
        .iter()
        .filter(|(d, _)| *d < first)
        .map(|(_, v)| *v)
        .collect();
    let before = if unit == Unit::Percent {
        Some(0.0)
    } else if before_values.is_empty() {
        None
    } else {
        Some(before_values.iter().sum::<f64>() / before_values.len() as f64)
    };
    let low = points
        .iter()
        .filter(|(d, _)| *d >= first && *d <= last)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(d, v)| (*v, *d));
    Course {
        label: series.label.clone(),
        before,
        low,
        recovery: series.recovery,
        last_date: dates.last().copied(),
    }
}

/// A date chart with the lockdown shaded.
pub(super) fn over_lockdown(
    chart: &Chart,
    dates: &[NaiveDate],
    first: NaiveDate,
    last: NaiveDate,
) -> String {
    let lang = chart.lang;
    let en = lang.is_en();
    if chart.kind == ChartKind::StackedBar {
        return stacked_over_lockdown(chart, dates, first, last);
    }
    let courses: Vec<Course> = chart
        .series
        .iter()
        .map(|s| course(s, dates, first, last, chart.unit))
        .filter(|c| c.low.is_some())
        .collect();
    if courses.is_empty() {
        return String::new();
    }
    let fall = |c: &Course| -> Option<f64> {
        let (low, _) = c.low?;
        match chart.unit {
            Unit::Percent => Some(-low),
            _ => {
                let b = c.before?;
                (b > 0.0).then(|| 100.0 * (b - low) / b)
            }
        }
    };
    if courses.len() <= TOLD_ONE_BY_ONE {
        let sentences: Vec<String> = courses
            .iter()
            .map(|c| {
                let (low, low_day) = c.low.unwrap_or((0.0, first));
                let what = match (chart.unit, c.before) {
                    (Unit::Percent, _) => {
                        let f = fall(c).unwrap_or(0.0);
                        if en {
                            format!(
                                "{} {} {} during the lockdown (lowest on {})",
                                c.label,
                                if f >= 0.0 { "fell" } else { "rose" },
                                pct(f),
                                day(low_day, lang)
                            )
                        } else {
                            format!(
                                "{}在封控期间{}{}（最低在{}）",
                                c.label,
                                if f >= 0.0 { "下降" } else { "上升" },
                                pct(f),
                                day(low_day, lang)
                            )
                        }
                    }
                    (_, Some(b)) => {
                        if en {
                            format!(
                                "{} went from {} before the lockdown to {} on {}",
                                c.label,
                                value(b, chart.unit, lang),
                                value(low, chart.unit, lang),
                                day(low_day, lang)
                            )
                        } else {
                            format!(
                                "{}由封控前的{}降至{}（{}）",
                                c.label,
                                value(b, chart.unit, lang),
                                value(low, chart.unit, lang),
                                day(low_day, lang)
                            )
                        }
                    }
                    _ => {
                        if en {
                            format!(
                                "{} was lowest on {}: {}",
                                c.label,
                                day(low_day, lang),
                                value(low, chart.unit, lang)
                            )
                        } else {
                            format!(
                                "{}最低在{}：{}",
                                c.label,
                                day(low_day, lang),
                                value(low, chart.unit, lang)
                            )
                        }
                    }
                };
                format!("{what}{}", recovery_clause(c, lang))
            })
            .collect();
        return sentences.join(if en { "; " } else { "；" });
    }
    // Many series: the range of the fall and of the recovery.
    let falls: Vec<(f64, &str)> = courses
        .iter()
        .filter_map(|c| fall(c).map(|f| (f, c.label.as_str())))
        .collect();
    let mut parts = Vec::new();
    if let (Some(most), Some(least)) = (
        falls.iter().max_by(|a, b| a.0.total_cmp(&b.0)),
        falls.iter().min_by(|a, b| a.0.total_cmp(&b.0)),
    ) {
        parts.push(if en {
            format!(
                "during the lockdown all {} fell, from {} ({}) to {} ({})",
                courses.len(),
                pct(least.0),
                least.1,
                pct(most.0),
                most.1
            )
        } else {
            format!(
                "封控期间{}条曲线全部下降，降幅从{}（{}）到{}（{}）",
                courses.len(),
                pct(least.0),
                least.1,
                pct(most.0),
                most.1
            )
        });
    }
    let back: Vec<(i64, &str)> = courses
        .iter()
        .filter_map(|c| match c.recovery {
            Some(Recovery::After(d)) => Some((d, c.label.as_str())),
            _ => None,
        })
        .collect();
    // Ties name the first series in the chart's order.
    if let (Some(fast), Some(slow)) = (
        back.iter().min_by_key(|b| b.0),
        back.iter().rev().max_by_key(|b| b.0),
    ) {
        let n_days = |n: i64| format!("{n} day{}", if n == 1 { "" } else { "s" });
        parts.push(if en {
            format!(
                "{} of them were back to 90% of normal between {} ({}) and {} ({}) after it ended",
                back.len(),
                n_days(fast.0),
                fast.1,
                n_days(slow.0),
                slow.1
            )
        } else {
            format!(
                "其中{}条在解封后{}天（{}）至{}天（{}）恢复到平时的九成",
                back.len(),
                fast.0,
                fast.1,
                slow.0,
                slow.1
            )
        });
    }
    let not_back: Vec<&str> = courses
        .iter()
        .filter(|c| c.recovery == Some(Recovery::NotBack))
        .map(|c| c.label.as_str())
        .collect();
    if !not_back.is_empty()
        && let Some(end) = courses[0].last_date
    {
        parts.push(if en {
            format!("{} had not by {}", not_back.join(", "), day(end, lang))
        } else {
            format!("{}截至{}尚未恢复", not_back.join("、"), day(end, lang))
        });
    }
    parts.join(if en { "; " } else { "；" })
}

fn recovery_clause(c: &Course, lang: Lang) -> String {
    match (c.recovery, c.last_date, lang) {
        (Some(Recovery::After(d)), _, Lang::En) => format!(
            " and was back to 90% of normal {d} day{} after it ended",
            if d == 1 { "" } else { "s" }
        ),
        (Some(Recovery::After(d)), _, Lang::Zh) => format!("，解封后第{d}天恢复到平时的九成"),
        (Some(Recovery::NotBack), Some(end), Lang::En) => {
            format!(
                " and had not been back to 90% of normal by {}",
                day(end, lang)
            )
        }
        (Some(Recovery::NotBack), Some(end), Lang::Zh) => {
            format!("，截至{}尚未恢复到平时的九成", day(end, lang))
        }
        (Some(Recovery::NotBack), None, _) | (None, _, _) => String::new(),
    }
}

/// Stacked bars over dates (revenue by channel): the daily total before and during the
/// lockdown, and the largest part's share of it in each.
fn stacked_over_lockdown(
    chart: &Chart,
    dates: &[NaiveDate],
    first: NaiveDate,
    last: NaiveDate,
) -> String {
    let lang = chart.lang;
    let en = lang.is_en();
    // Only dates where every part is published: a total with a hidden part is no total.
    let complete: Vec<usize> = (0..dates.len())
        .filter(|&i| {
            chart
                .series
                .iter()
                .all(|s| s.values.get(i).copied().flatten().is_some())
        })
        .collect();
    let mean_in = |series: &Series, keep: &dyn Fn(NaiveDate) -> bool| -> Option<f64> {
        let values: Vec<f64> = complete
            .iter()
            .filter(|&&i| keep(dates[i]))
            .filter_map(|&i| series.values[i])
            .collect();
        (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
    };
    let before = |d: NaiveDate| d < first;
    let during = |d: NaiveDate| d >= first && d <= last;
    let parts_before: Option<Vec<f64>> = chart.series.iter().map(|s| mean_in(s, &before)).collect();
    let parts_during: Option<Vec<f64>> = chart.series.iter().map(|s| mean_in(s, &during)).collect();
    let (Some(parts_before), Some(parts_during)) = (parts_before, parts_during) else {
        return if en {
            "too few figures are published to compare the lockdown with the weeks before".into()
        } else {
            "公布的数值不足，无法比较封控期间与封控前".into()
        };
    };
    let total_before: f64 = parts_before.iter().sum();
    let total_during: f64 = parts_during.iter().sum();
    let mut text = if en {
        format!(
            "a day averaged {} before the lockdown and {} during it",
            value(total_before, chart.unit, lang),
            value(total_during, chart.unit, lang)
        )
    } else {
        format!(
            "封控前日均{}，封控期间日均{}",
            value(total_before, chart.unit, lang),
            value(total_during, chart.unit, lang)
        )
    };
    let largest = parts_during
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(i, _)| i);
    if let Some(i) = largest
        && total_during > 0.0
        && total_before > 0.0
    {
        let share_during = 100.0 * parts_during[i] / total_during;
        let share_before = 100.0 * parts_before[i] / total_before;
        let label = &chart.series[i].label;
        text.push_str(&if en {
            format!("; {label} made {share_during:.0}% of it during the lockdown, against {share_before:.0}% before")
        } else {
            format!("；封控期间{label}占{share_during:.0}%，封控前占{share_before:.0}%")
        });
    }
    text
}
