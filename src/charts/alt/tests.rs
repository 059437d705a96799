//! The alt text's tests: each kind of chart told from hand-made numbers, in both languages.

use super::*;
use crate::charts::{Recovery, Series};

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
        recovery: None,
    }
}

/// A series with when it was back, as footfall_change's days_to_recover says it.
fn back(mut series: Series, recovery: Recovery) -> Series {
    series.recovery = Some(recovery);
    series
}

/// 04-20 .. 05-06, the lockdown 04-23 .. 04-29. Lowest −78 on 04-24. After it: −40, −12,
/// −9, −11, then −8, −5, −2 (the query would count it back from 05-04, five days after the
/// last lockdown date; the text takes that from [`Recovery`], not from these values).
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
        let liyuan = series(name(lang), &LIYUAN);
        let chart = footfall(lang, vec![back(liyuan.clone(), Recovery::After(5))]);
        let expected = if lang.is_en() {
            "Footfall: Liyuan fell 78% during the lockdown (lowest on 24 April) and was back to 90% of normal 5 days after it ended."
        } else {
            "客流：黎园在封控期间下降78%（最低在4月24日），解封后第5天恢复到平时的九成。"
        };
        assert_eq!(describe(&chart), expected);
        let chart = footfall(lang, vec![back(liyuan.clone(), Recovery::NotBack)]);
        let expected = if lang.is_en() {
            "Footfall: Liyuan fell 78% during the lockdown (lowest on 24 April) and had not been back to 90% of normal by 6 May."
        } else {
            "客流：黎园在封控期间下降78%（最低在4月24日），截至5月6日尚未恢复到平时的九成。"
        };
        assert_eq!(describe(&chart), expected);
        // Rows that do not say when it was back (shops open, a console chart): the fall only.
        let chart = footfall(lang, vec![liyuan]);
        let expected = if lang.is_en() {
            "Footfall: Liyuan fell 78% during the lockdown (lowest on 24 April)."
        } else {
            "客流：黎园在封控期间下降78%（最低在4月24日）。"
        };
        assert_eq!(describe(&chart), expected);
    }
}

#[test]
fn many_series_are_summarised_and_the_slow_ones_named() {
    // B falls 50% and is back from 04-30 (1 day); C falls 99.6% (not rounded up to a
    // total fall) and is back from 05-04 (5 days); D never gets back above −10; E's rows do
    // not say, so it is in the fall and not in the recovery.
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
            back(series("A", &LIYUAN), Recovery::After(5)),
            back(series("B", &b), Recovery::After(1)),
            back(series("C", &c), Recovery::After(5)),
            back(series("D", &never), Recovery::NotBack),
            series("E", &LIYUAN),
        ],
    );
    assert_eq!(
        describe(&chart),
        "Footfall: during the lockdown all 5 fell, from 50% (B) to 99.6% (C); 3 of them were back to 90% of normal between 1 day (B) and 5 days (A) after it ended; D had not by 6 May."
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
        recovery: None,
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
        recovery: None,
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
