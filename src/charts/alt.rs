//! Alt text written from a chart's numbers, in Chinese or English: what a reader who cannot
//! see the chart needs to know ("Footfall in Liyuan fell 99% during the lockdown and was back
//! to 90% of normal 6 days after it ended"), not a list of every point.
//!
//! Charts over dates with the lockdown shaded say how far each series fell in it and when it
//! was back to 90% of its level before (three days running, as the footfall recovery figure
//! counts it); bars name the highest and lowest; tiles read their number. A value hidden for
//! publishing is a gap here too: the text never mentions it.

use chrono::{Datelike, NaiveDate};

use super::{Chart, ChartKind, Series, Unit, XAxis};
use crate::labels::Lang;
use crate::labels::format_value;

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

/// An event study told from its numbers: the gap during the lockdown (mean, lowest,
/// highest), on how many lockdown days the day's interval and the band for all days lie above
/// 0, and the mean gap after. The narrower band is the day's interval, the wider the band that
/// holds for all days at once.
fn event_study(chart: &Chart, dates: &[NaiveDate], first: NaiveDate, last: NaiveDate) -> String {
    let en = chart.lang.is_en();
    let Some(gap) = chart.series.first() else {
        return String::new();
    };
    let width = |b: &super::Band| {
        let spans: Vec<f64> = b
            .low
            .iter()
            .zip(&b.high)
            .filter_map(|(l, h)| Some((*h)? - (*l)?))
            .collect();
        spans.iter().sum::<f64>() / spans.len().max(1) as f64
    };
    let mut bands: Vec<&super::Band> = chart.bands.iter().collect();
    bands.sort_by(|a, b| width(a).total_cmp(&width(b)));
    let above = |band: Option<&&super::Band>, i: usize| {
        band.and_then(|b| b.low.get(i).copied().flatten())
            .is_some_and(|low| low > 0.0)
    };
    let (mut during, mut after) = (Vec::new(), Vec::new());
    let (mut day_above, mut band_above) = (0, 0);
    for (i, date) in dates.iter().enumerate() {
        let Some(v) = gap.values.get(i).copied().flatten() else {
            continue;
        };
        if (first..=last).contains(date) {
            during.push(v);
            day_above += usize::from(above(bands.first(), i));
            band_above += usize::from(bands.len() > 1 && above(bands.last(), i));
        } else if *date > last {
            after.push(v);
        }
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let number = |v: f64| value(v, chart.unit, chart.lang);
    if during.is_empty() {
        return over_dates(chart, dates);
    }
    let low = during.iter().copied().fold(f64::INFINITY, f64::min);
    let high = during.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let n = during.len();
    let mut text = if en {
        format!(
            "during the lockdown ({} to {}) the gap was {} a day on average (from {} to {}); \
             the day's 95% interval was above 0 on {day_above} of {n} days",
            day(first, chart.lang),
            day(last, chart.lang),
            number(mean(&during)),
            number(low),
            number(high)
        )
    } else {
        format!(
            "封控期间（{}至{}）每天平均差距{}（{}至{}）；{n}天中有{day_above}天当天的95%区间高于0",
            day(first, chart.lang),
            day(last, chart.lang),
            number(mean(&during)),
            number(low),
            number(high)
        )
    };
    if bands.len() > 1 {
        text.push_str(&if en {
            format!(", the band for all days on {band_above}")
        } else {
            format!("，同时成立的区间有{band_above}天高于0")
        });
    }
    if !after.is_empty() {
        text.push_str(&if en {
            format!("; after it, {} a day on average", number(mean(&after)))
        } else {
            format!("；解封后平均每天{}", number(mean(&after)))
        });
    }
    text
}

/// How one series went through the lockdown.
struct Course {
    label: String,
    /// Level before the lockdown: 0 for a change in percent, else the mean before.
    before: Option<f64>,
    /// Lowest value in the lockdown, and its date.
    low: Option<(f64, NaiveDate)>,
    /// Days after the last lockdown date until the series held 90% of its level before.
    back_after: Option<i64>,
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
    // Back: this date and the two after it at 90% of the level before (for a change in
    // percent: no more than 10% below), as METRICS.md's footfall recovery counts it.
    let back = |v: f64| match (unit, before) {
        (Unit::Percent, _) => v >= -10.0,
        (_, Some(b)) => v >= 0.9 * b,
        _ => false,
    };
    let after: Vec<(NaiveDate, Option<f64>)> = dates
        .iter()
        .zip(&series.values)
        .filter(|(d, _)| **d > last)
        .map(|(d, v)| (*d, *v))
        .collect();
    let back_after = (0..after.len()).find_map(|i| {
        let run = after.get(i..i + 3)?;
        run.iter()
            .all(|(_, v)| v.is_some_and(back))
            .then(|| (after[i].0 - last).num_days())
    });
    Course {
        label: series.label.clone(),
        before,
        low,
        back_after,
        last_date: dates.last().copied(),
    }
}

/// A date chart with the lockdown shaded.
fn over_lockdown(chart: &Chart, dates: &[NaiveDate], first: NaiveDate, last: NaiveDate) -> String {
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
        .filter_map(|c| c.back_after.map(|d| (d, c.label.as_str())))
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
        .filter(|c| c.back_after.is_none())
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
    match (c.back_after, c.last_date, lang) {
        (Some(d), _, Lang::En) => format!(
            " and was back to 90% of normal {d} day{} after it ended",
            if d == 1 { "" } else { "s" }
        ),
        (Some(d), _, Lang::Zh) => format!("，解封后第{d}天恢复到平时的九成"),
        (None, Some(end), Lang::En) => {
            format!(
                " and had not been back to 90% of normal by {}",
                day(end, lang)
            )
        }
        (None, Some(end), Lang::Zh) => format!("，截至{}尚未恢复到平时的九成", day(end, lang)),
        (None, None, _) => String::new(),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn days(from: &str, n: i64) -> Vec<NaiveDate> {
        (0..n)
            .map(|i| d(from) + chrono::Duration::days(i))
            .collect()
    }

    fn series(label: &str, values: &[f64]) -> Series {
        Series {
            label: label.into(),
            color: 0,
            values: values.iter().map(|v| Some(*v)).collect(),
            bar_colors: Vec::new(),
        }
    }

    /// 04-20 .. 05-06, the lockdown 04-23 .. 04-29. Lowest −78 on 04-24. After it: −40, −12,
    /// −9 (one day back), −11, then −8, −5, −2: three days running from 05-04, five days after
    /// the last lockdown date.
    const LIYUAN: [f64; 17] = [
        2.0, -1.0, 0.0, -60.0, -78.0, -70.0, -75.0, -72.0, -74.0, -70.0, -40.0, -12.0, -9.0, -11.0,
        -8.0, -5.0, -2.0,
    ];

    fn footfall(lang: Lang, series: Vec<Series>) -> Chart {
        let mut chart = Chart::new(
            ChartKind::Line,
            lang,
            if lang.is_en() { "Footfall" } else { "客流" },
        );
        chart.x = XAxis::Dates(days("2022-04-20", 17));
        chart.unit = Unit::Percent;
        chart.shaded = vec![(d("2022-04-23"), d("2022-04-29"), String::new())];
        chart.series = series;
        chart
    }

    #[test]
    fn one_series_says_how_far_it_fell_and_when_it_was_back() {
        let name = |lang: Lang| if lang.is_en() { "Liyuan" } else { "黎园" };
        for lang in [Lang::En, Lang::Zh] {
            let chart = footfall(lang, vec![series(name(lang), &LIYUAN)]);
            let expected = if lang.is_en() {
                "Footfall: Liyuan fell 78% during the lockdown (lowest on 24 April) and was back to 90% of normal 5 days after it ended."
            } else {
                "客流：黎园在封控期间下降78%（最低在4月24日），解封后第5天恢复到平时的九成。"
            };
            assert_eq!(describe(&chart), expected);
        }
    }

    #[test]
    fn many_series_are_summarised_and_the_slow_ones_named() {
        // B falls 50% and is back from 04-30 (1 day); C falls 99.6% (not rounded up to a
        // total fall) and is back from 05-04 (5 days); D never gets back above −10.
        let mut b = LIYUAN;
        b[3..10].copy_from_slice(&[-50.0; 7]);
        b[10..].copy_from_slice(&[0.0; 7]);
        let mut c = LIYUAN;
        c[4] = -99.6;
        let mut never = LIYUAN;
        never[10..].copy_from_slice(&[-30.0; 7]);
        let chart = footfall(
            Lang::En,
            vec![
                series("A", &LIYUAN),
                series("B", &b),
                series("C", &c),
                series("D", &never),
            ],
        );
        assert_eq!(
            describe(&chart),
            "Footfall: during the lockdown all 4 fell, from 50% (B) to 99.6% (C); 3 of them were back to 90% of normal between 1 day (B) and 5 days (A) after it ended; D had not by 6 May."
        );
    }

    #[test]
    fn stacked_bars_compare_the_daily_total_and_the_largest_part() {
        // Before: 90 in store + 10 online a day. In the lockdown (two days): 0 + 40, 0 + 60.
        let mut chart = Chart::new(ChartKind::StackedBar, Lang::En, "Revenue");
        chart.x = XAxis::Dates(days("2022-04-21", 4));
        chart.unit = Unit::Yuan;
        chart.shaded = vec![(d("2022-04-23"), d("2022-04-24"), String::new())];
        chart.series = vec![
            series("in store", &[90.0, 90.0, 0.0, 0.0]),
            series("online", &[10.0, 10.0, 40.0, 60.0]),
        ];
        assert_eq!(
            describe(&chart),
            "Revenue: a day averaged CNY 100 before the lockdown and CNY 50 during it; online made 100% of it during the lockdown, against 10% before."
        );
        chart.lang = Lang::Zh;
        chart.series[0].label = "到店".into();
        chart.series[1].label = "线上".into();
        chart.title = "营业额".into();
        assert_eq!(
            describe(&chart),
            "营业额：封控前日均100元，封控期间日均50元；封控期间线上占100%，封控前占10%。"
        );
    }

    #[test]
    fn a_day_with_a_hidden_part_has_no_total() {
        // 04-21's online part is hidden: the mean before is 04-22's alone (100, 10% online).
        // Every lockdown day has a hidden part: nothing to compare.
        let mut chart = Chart::new(ChartKind::StackedBar, Lang::En, "Revenue");
        chart.x = XAxis::Dates(days("2022-04-21", 4));
        chart.unit = Unit::Yuan;
        chart.shaded = vec![(d("2022-04-23"), d("2022-04-24"), String::new())];
        let part = |values: [Option<f64>; 4]| Series {
            label: "part".into(),
            color: 0,
            values: values.to_vec(),
            bar_colors: Vec::new(),
        };
        chart.series = vec![
            part([Some(50.0), Some(90.0), Some(0.0), None]),
            part([None, Some(10.0), None, Some(60.0)]),
        ];
        assert_eq!(
            describe(&chart),
            "Revenue: too few figures are published to compare the lockdown with the weeks before."
        );
        chart.series[1].values[2] = Some(40.0);
        assert_eq!(
            describe(&chart),
            "Revenue: a day averaged CNY 100 before the lockdown and CNY 40 during it; part made 100% of it during the lockdown, against 10% before."
        );
    }

    #[test]
    fn a_hidden_value_is_never_mentioned() {
        let mut chart = Chart::new(ChartKind::Bar, Lang::En, "Recovered online");
        chart.x = XAxis::Categories(vec!["barber".into(), "clinic".into()]);
        chart.unit = Unit::Share;
        chart.series = vec![Series {
            label: "rate".into(),
            color: 0,
            values: vec![None, Some(0.25)],
            bar_colors: Vec::new(),
        }];
        assert_eq!(describe(&chart), "Recovered online: clinic 25.0%.");
    }

    #[test]
    fn an_event_study_says_the_gap_and_where_its_intervals_leave_zero() {
        // 04-21 .. 05-01, the lockdown 04-23 .. 04-29 (7 days). Gaps during it: 10, 20, 30,
        // 20, 10, 15, 15: mean 120 / 7 = 17.142… → 17.1; lowest 10, highest 30. The day's
        // interval (width 10) is above 0 where gap − 5 > 0: all 7 days. The band for all days
        // (width 30) where gap − 15 > 0: 20, 30, 20 → 3 days. After it (04-30, 05-01): 4
        // and 6, mean 5.
        let gaps = [0.0, 1.0, 10.0, 20.0, 30.0, 20.0, 10.0, 15.0, 15.0, 4.0, 6.0];
        let band = |half: f64, label: &str| crate::charts::Band {
            label: label.into(),
            low: gaps.iter().map(|g| Some(g - half)).collect(),
            high: gaps.iter().map(|g| Some(g + half)).collect(),
            opacity: 0.3,
        };
        for (lang, expected) in [
            (
                Lang::En,
                "Gap: during the lockdown (23 April to 29 April) the gap was 17.1 points a day on \
                 average (from 10.0 points to 30.0 points); the day's 95% interval was above 0 on \
                 7 of 7 days, the band for all days on 3; after it, 5.0 points a day on average.",
            ),
            (
                Lang::Zh,
                "Gap：封控期间（4月23日至4月29日）每天平均差距17.1个百分点（10.0个百分点至30.0个百分点）；\
                 7天中有7天当天的95%区间高于0，同时成立的区间有3天高于0；解封后平均每天5.0个百分点。",
            ),
        ] {
            let mut chart = Chart::new(ChartKind::EventStudy, lang, "Gap");
            chart.x = XAxis::Dates(days("2022-04-21", 11));
            chart.unit = Unit::Points;
            chart.shaded = vec![(d("2022-04-23"), d("2022-04-29"), String::new())];
            chart.series = vec![series("gap", &gaps)];
            // The wide band first, as the dashboard lists it: the order must not matter.
            chart.bands = vec![band(15.0, "all days"), band(5.0, "the day")];
            assert_eq!(describe(&chart), expected);
        }
    }
}
