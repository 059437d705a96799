//! An event study told from its numbers: the gap during the lockdown, where its intervals
//! leave 0, and the mean gap after.

use chrono::NaiveDate;

use super::{day, over_dates, value};
use crate::charts::{Band, Chart};

/// An event study told from its numbers: the gap during the lockdown (mean, lowest,
/// highest), on how many lockdown days the day's interval and the band for all days lie above
/// 0, and the mean gap after. The narrower band is the day's interval, the wider the band that
/// holds for all days at once.
pub(super) fn event_study(
    chart: &Chart,
    dates: &[NaiveDate],
    first: NaiveDate,
    last: NaiveDate,
) -> String {
    let en = chart.lang.is_en();
    let Some(gap) = chart.series.first() else {
        return String::new();
    };
    let width = |b: &Band| {
        let spans: Vec<f64> = b
            .low
            .iter()
            .zip(&b.high)
            .filter_map(|(l, h)| Some((*h)? - (*l)?))
            .collect();
        spans.iter().sum::<f64>() / spans.len().max(1) as f64
    };
    let mut bands: Vec<&Band> = chart.bands.iter().collect();
    bands.sort_by(|a, b| width(a).total_cmp(&width(b)));
    let above = |band: Option<&&Band>, i: usize| {
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
