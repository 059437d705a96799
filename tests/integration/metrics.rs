//! Each query file of queries/ on the hand-built district of `fixture`, asserting values
//! worked out by hand (the working is in the comments).

use crate::fixture::{V, columns, district, rows, s};
use V::{F, I, Null};

#[tokio::test]
async fn lockdown_dates_overlap_the_lockdown_and_default_to_the_earliest() {
    let d = district().await;
    let l1 = d.run("lockdown", &[]).await;
    let r = rows(&l1);
    assert_eq!(r.len(), 1);
    // 04-23 02:00 .. 04-30 00:00: the end at midnight does not make 04-30 a lockdown date.
    assert_eq!(r[0][0], s("gongshu-2022-04"));
    assert_eq!(r[0][5], s("2022-04-23"));
    assert_eq!(r[0][6], s("2022-04-29"));
    let l2 = d.run("lockdown", &[("lockdown_id", "later-2022-06")]).await;
    let r = rows(&l2);
    assert_eq!(
        (r[0][5].clone(), r[0][6].clone()),
        (s("2022-06-10"), s("2022-06-11"))
    );
}

#[tokio::test]
async fn study_dates_take_holidays_and_adjusted_workdays_out_of_the_baseline() {
    let d = district().await;
    let r = rows(&d.run("study_dates", &[]).await);
    // 03-19 .. 05-27: 35 + 7 + 28 dates.
    assert_eq!(r.len(), 70);
    let count = |period: &str| r.iter().filter(|row| row[3] == s(period)).count();
    assert_eq!(count("baseline"), 31);
    assert_eq!(count("excluded"), 4);
    assert_eq!(count("lockdown"), 7);
    // 04-30 is a holiday but a recovery date all the same.
    assert_eq!(count("recovery"), 28);
    assert_eq!(r[0][1..], [s("2022-03-19"), I(6), s("baseline")]);
    let april_2 = r.iter().find(|row| row[1] == s("2022-04-02")).unwrap();
    assert_eq!(april_2[3], s("excluded"));
}

#[tokio::test]
async fn closure_length_matches_metrics_md() {
    let d = district().await;
    let result = d.run("closure_length", &[]).await;
    assert_eq!(
        columns(&result),
        [
            "shop_id",
            "community_id",
            "category",
            "closed_at",
            "reopened_at",
            "closure_days",
            "reopen_lag_hours"
        ]
    );
    let expected = vec![
        // s1: the first of two `closed` events starts the spell; 7 days 6 hours; 8 hours late.
        vec![
            s("s1"),
            s("a"),
            s("dining"),
            s("2022-04-23T02:00:00+08:00"),
            s("2022-04-30T08:00:00+08:00"),
            F(7.25),
            F(8.0),
        ],
        // s2: closed before the lockdown (04-20 10:00) to 05-02 10:00: 12 days, 58 hours late.
        vec![
            s("s2"),
            s("a"),
            s("fresh_produce"),
            s("2022-04-20T10:00:00+08:00"),
            s("2022-05-02T10:00:00+08:00"),
            F(12.0),
            F(58.0),
        ],
        // s6: its spell that ended at 01:00, before the lockdown, is not listed; 8 days 1 hour.
        vec![
            s("s6"),
            s("a"),
            s("hardware"),
            s("2022-04-23T02:00:00+08:00"),
            s("2022-05-01T03:00:00+08:00"),
            F(8.0 + 1.0 / 24.0),
            F(27.0),
        ],
        // s3 never reopened.
        vec![
            s("s3"),
            s("b"),
            s("barber"),
            s("2022-04-23T02:00:00+08:00"),
            Null,
            Null,
            Null,
        ],
        // s4: closed at 18:00Z = 02:00 local; 6 days 18 hours; reopened 4 hours early. Its March
        // spell is outside the lockdown.
        vec![
            s("s4"),
            s("b"),
            s("clinic"),
            s("2022-04-23T02:00:00+08:00"),
            s("2022-04-29T20:00:00+08:00"),
            F(6.75),
            F(-4.0),
        ],
        // s5: closed at a timestamp written without offset (local); 6 days 22.5 hours.
        vec![
            s("s5"),
            s("b"),
            s("dining"),
            s("2022-04-23T02:00:00+08:00"),
            s("2022-04-30T00:30:00+08:00"),
            F(6.9375),
            F(0.5),
        ],
    ];
    assert_eq!(rows(&result), expected);
}

#[tokio::test]
async fn closure_length_of_a_second_lockdown() {
    let d = district().await;
    let result = d
        .run("closure_length", &[("lockdown_id", "later-2022-06")])
        .await;
    // s3's spell from April is still open in June; s7 closed for exactly two days.
    assert_eq!(
        rows(&result),
        vec![
            vec![
                s("s3"),
                s("b"),
                s("barber"),
                s("2022-04-23T02:00:00+08:00"),
                Null,
                Null,
                Null
            ],
            vec![
                s("s7"),
                s("c"),
                s("other"),
                s("2022-06-10T00:00:00+08:00"),
                s("2022-06-12T00:00:00+08:00"),
                F(2.0),
                F(0.0)
            ],
        ]
    );
}

/// The log is read shop after shop in one order (queries/closure_spells.sql), so a shop's
/// last event sits next to the following shop's first.
#[tokio::test]
async fn closure_spells_end_at_the_same_shops_next_open() {
    let d = district().await;
    // A table of shop_status's types, holding a log of edge cases, read as shop_status.
    d.ctx
        .sql("CREATE TABLE edge AS SELECT shop_id, changed_at, status, reason FROM shop_status WHERE false")
        .await
        .unwrap();
    let events = [
        // a never reopens; the next event in the log is b's `open`.
        (
            "a",
            "2022-04-23T02:00:00+08:00",
            "closed",
            "level2_response",
        ),
        ("b", "2022-04-20T00:00:00+08:00", "open", ""),
        // closed and open at one instant: `closed` sorts first, a spell of no length.
        (
            "b",
            "2022-04-23T02:00:00+08:00",
            "closed",
            "level2_response",
        ),
        ("b", "2022-04-23T02:00:00+08:00", "open", ""),
        // c opens first (no spell), presses `closed` twice (the first counts, with its
        // reason), reopens twice, and closes for good as the log's last event.
        ("c", "2022-04-23T02:00:00+08:00", "open", ""),
        ("c", "2022-04-24T02:00:00+08:00", "closed", "x"),
        ("c", "2022-04-24T03:00:00+08:00", "closed", "y"),
        ("c", "2022-04-25T02:00:00+08:00", "open", ""),
        ("c", "2022-04-26T02:00:00+08:00", "open", ""),
        ("c", "2022-04-27T02:00:00+08:00", "closed", "z"),
    ];
    let values: Vec<String> = events
        .iter()
        .map(|(shop, at, status, reason)| {
            let reason = if reason.is_empty() {
                "NULL".to_string()
            } else {
                format!("'{reason}'")
            };
            format!("('{shop}', '{at}', '{status}', {reason})")
        })
        .collect();
    d.ctx
        .sql(&format!("INSERT INTO edge VALUES {}", values.join(", ")))
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let edge = d.ctx.table_provider("edge").await.unwrap();
    d.ctx.deregister_table("shop_status").unwrap();
    d.ctx.register_table("shop_status", edge).unwrap();
    let result = d.run("closure_spells", &[]).await;
    assert_eq!(
        columns(&result),
        ["shop_id", "closed_at", "reopened_at", "reason"]
    );
    assert_eq!(
        rows(&result),
        vec![
            vec![
                s("a"),
                s("2022-04-23T02:00:00+08:00"),
                Null,
                s("level2_response")
            ],
            vec![
                s("b"),
                s("2022-04-23T02:00:00+08:00"),
                s("2022-04-23T02:00:00+08:00"),
                s("level2_response")
            ],
            vec![
                s("c"),
                s("2022-04-24T02:00:00+08:00"),
                s("2022-04-25T02:00:00+08:00"),
                s("x")
            ],
            vec![s("c"), s("2022-04-27T02:00:00+08:00"), Null, s("z")],
        ]
    );
}

#[tokio::test]
async fn online_recovery_matches_metrics_md() {
    let d = district().await;
    let result = d.run("online_recovery", &[]).await;
    assert_eq!(
        columns(&result),
        [
            "shop_id",
            "community_id",
            "category",
            "expected_cny",
            "online_cny",
            "recovery_rate",
            "baseline_online_share"
        ]
    );
    // s1 weekday medians: Sat (80, 100, 120, 200) → 110; Mon (10, 30, 0, 20) → 15; Wed (10, 20,
    // 30, 40, 50) → 30; others 0. Expected over 04-23 (Sat) .. 04-29: 110 + 15 + 30 = 155.
    // Online in the lockdown dates: 9.50 (04-22 16:30Z is 04-23 local) + 50 + 30.50 = 90; the
    // cancelled 100 and the in-store 20 do not count, nor 12.00 at 00:30 on 04-30.
    // Baseline: 500 + 60 + 150 = 710 of which 40 (WeChat) + 20 (phone) online.
    // s4: 10 on each of 31 baseline dates → 10 every weekday → 70; online 5 × 7 = 35.
    // s2 (opened 04-01) and s5 (opened on the first baseline date) have no full baseline.
    let expected = vec![
        vec![
            s("s1"),
            s("a"),
            s("dining"),
            F(155.0),
            F(90.0),
            F(90.0 / 155.0),
            F(60.0 / 710.0),
        ],
        vec![s("s6"), s("a"), s("hardware"), F(0.0), F(0.0), Null, Null],
        vec![s("s3"), s("b"), s("barber"), F(0.0), F(0.0), Null, Null],
        vec![
            s("s4"),
            s("b"),
            s("clinic"),
            F(70.0),
            F(35.0),
            F(0.5),
            F(0.0),
        ],
        vec![s("s7"), s("c"), s("other"), F(0.0), F(0.0), Null, Null],
    ];
    assert_eq!(rows(&result), expected);
}

#[tokio::test]
async fn footfall_change_matches_metrics_md() {
    let d = district().await;
    let result = d.run("footfall_change", &[]).await;
    assert_eq!(
        columns(&result),
        [
            "community_id",
            "date",
            "visitors",
            "baseline_visitors",
            "pct_change",
            "days_to_recover"
        ]
    );
    let r = rows(&result);
    // Every community (c has only zeros) × 70 dates.
    assert_eq!(r.len(), 3 * 70);
    let at = |community: &str, date: &str| {
        r.iter()
            .find(|row| row[0] == s(community) && row[1] == s(date))
            .unwrap_or_else(|| panic!("no row {community} {date}"))
            .clone()
    };
    // a's Saturdays: s1 100 + s6 40 = 140 on each of the four baseline Saturdays.
    assert_eq!(
        at("a", "2022-03-19"),
        vec![s("a"), s("2022-03-19"), I(140), F(140.0), F(0.0), I(2)]
    );
    // Wednesdays: 03-23 has no count (null, left out), then 80, 90, 100, 60 → median 85.
    assert_eq!(
        at("a", "2022-03-23"),
        vec![s("a"), s("2022-03-23"), Null, F(85.0), Null, I(2)]
    );
    // The excluded 04-02 still gets a row and a baseline: 100 + 500 = 600.
    assert_eq!(
        at("a", "2022-04-02")[2..],
        [I(600), F(140.0), F(100.0 * 460.0 / 140.0), I(2)]
    );
    assert_eq!(
        at("a", "2022-04-23")[2..],
        [I(5), F(140.0), F(100.0 * -135.0 / 140.0), I(2)]
    );
    assert_eq!(
        at("a", "2022-04-27")[2..],
        [I(5), F(85.0), F(100.0 * -80.0 / 85.0), I(2)]
    );
    assert_eq!(
        at("a", "2022-05-02")[2..],
        [I(90), F(100.0), F(-10.0), I(2)]
    );
    // b has no counts during the lockdown: missing, not zero.
    assert_eq!(at("b", "2022-04-25")[2..], [Null, F(50.0), Null, Null]);
    assert_eq!(at("b", "2022-05-27")[2..], [I(10), F(50.0), F(-80.0), Null]);
    // c counts 0 every day: a zero baseline gives no percentage.
    assert_eq!(at("c", "2022-04-01")[2..], [I(0), F(0.0), Null, Null]);
}

#[tokio::test]
async fn footfall_recovery_matches_metrics_md() {
    let d = district().await;
    let result = d.run("footfall_recovery", &[]).await;
    assert_eq!(columns(&result), ["community_id", "days_to_recover"]);
    // a: 04-30 (Sat) 120 < 0.9 × 140; 05-01 95 ≥ 90, 05-02 90 ≥ 90 (exactly), 05-03 91 ≥ 90:
    // back on 05-01, 2 days after 04-29. b: 10 of 50 to the end. c: a zero baseline never counts.
    assert_eq!(
        rows(&result),
        vec![vec![s("a"), I(2)], vec![s("b"), Null], vec![s("c"), Null]]
    );
}

#[tokio::test]
async fn customer_change_matches_metrics_md() {
    let d = district().await;
    let result = d.run("customer_change", &[]).await;
    assert_eq!(
        columns(&result),
        [
            "shop_id",
            "baseline_daily_customers",
            "recovery_daily_customers",
            "customer_change_pct"
        ]
    );
    // s1: distinct customers on baseline dates: 03-19 1, 03-21 1 (written in UTC), 03-23 1 (the
    // refund's c9 does not count), 03-26 2, 03-28 1, 03-30 1, 04-06 1, 04-09 1, 04-13 1, 04-16 0
    // (no pseudonym), 04-18 1, 04-20 1 = 12 over 31 dates; 04-02's c7 is excluded. Recovery:
    // 04-30 1, 05-02 1 (c1 twice), 05-10 1 = 3 over 28 dates.
    // s4: d1 on each of 31 baseline dates → 1.0; none after → -100%.
    let expected = vec![
        vec![
            s("s1"),
            F(12.0 / 31.0),
            F(3.0 / 28.0),
            F(100.0 * ((3.0 / 28.0) / (12.0 / 31.0) - 1.0)),
        ],
        vec![s("s3"), F(0.0), F(0.0), Null],
        vec![s("s4"), F(1.0), F(0.0), F(-100.0)],
        vec![s("s6"), F(0.0), F(0.0), Null],
        vec![s("s7"), F(0.0), F(0.0), Null],
    ];
    assert_eq!(rows(&result), expected);
}

#[tokio::test]
async fn district_summary_matches_metrics_md() {
    let d = district().await;
    let result = d.run("district_summary", &[]).await;
    assert_eq!(
        columns(&result),
        [
            "shops",
            "shops_closed",
            "median_closure_days",
            "reopened_within_1d_share",
            "not_reopened",
            "recovery_rate",
            "baseline_online_share",
            "median_days_to_recover"
        ]
    );
    // 7 shops; 6 closed in L1. Reopened spells 6.75, 6.9375, 7.25, 8.0417, 12 → median 7.25.
    // Within 24 hours of the end: s1 (8), s4 (-4), s5 (0.5) of 6 spells (s3 counts) → 0.5.
    // Recovery: (90 + 35) / (155 + 70); baseline online: 60 / (710 + 310). Footfall: a only, 2.
    assert_eq!(
        rows(&result),
        vec![vec![
            I(7),
            I(6),
            F(7.25),
            F(0.5),
            I(1),
            F(125.0 / 225.0),
            F(60.0 / 1020.0),
            F(2.0)
        ]]
    );
}

#[tokio::test]
async fn two_lists_match_metrics_md() {
    let d = district().await;
    let result = d.run("two_lists", &[]).await;
    assert_eq!(
        columns(&result),
        [
            "community_id",
            "need",
            "households",
            "elderly_households",
            "providers",
            "households_per_provider"
        ]
    );
    // a groceries: s2 (two modes, one shop) and s6 → 2; nobody cuts hair in a; b: s4.
    assert_eq!(
        rows(&result),
        vec![
            vec![s("a"), s("groceries"), I(100), I(40), I(2), F(50.0)],
            vec![s("a"), s("haircut"), I(50), I(20), I(0), Null],
            vec![s("b"), s("groceries"), I(80), I(10), I(1), F(80.0)],
        ]
    );
}

#[tokio::test]
async fn supporting_queries_for_the_dashboards() {
    let d = district().await;
    // 04-24 online: s1 50 + s2 30 + s4 7 = 87 in 3 orders; nothing in store.
    let revenue = rows(&d.run("daily_revenue", &[]).await);
    let day = |date: &str, group: &str| {
        revenue
            .iter()
            .find(|r| r[0] == s(date) && r[2] == s(group))
            .unwrap()[3..]
            .to_vec()
    };
    assert_eq!(day("2022-04-24", "online"), [F(87.0), I(3)]);
    assert_eq!(day("2022-04-24", "in_store"), [F(0.0), I(0)]);
    // Filtered to community b: only s4's 7.
    let b = rows(&d.run("daily_revenue", &[("community_id", "b")]).await);
    let b_day = b
        .iter()
        .find(|r| r[0] == s("2022-04-24") && r[2] == s("online"))
        .unwrap();
    assert_eq!(b_day[3..], [F(7.0), I(1)]);

    // 03-19: s1, s3, s4 (opened 03-18), s5 (opened that day), s6, s7 exist, none closed.
    // 04-25: all 7 exist, s1 .. s6 closed. 04-30: s1 (08:00), s2, s3, s5 (00:30) and s6 were
    // closed at some time that day; s4 reopened 04-29 and s7 never closed in April.
    let open = rows(&d.run("shops_open", &[]).await);
    let on = |date: &str| open.iter().find(|r| r[0] == s(date)).unwrap()[2..].to_vec();
    assert_eq!(on("2022-03-19"), [I(6), I(0)]);
    assert_eq!(on("2022-04-25"), [I(1), I(6)]);
    assert_eq!(on("2022-04-30"), [I(2), I(5)]);

    // Spells 6.75 and 6.9375 under 7; 7.25; 8.04; 12 in 10–13; s3 not reopened.
    let buckets = rows(&d.run("closure_buckets", &[]).await);
    let counts: Vec<V> = buckets.iter().map(|r| r[3].clone()).collect();
    assert_eq!(counts, [I(2), I(1), I(1), I(0), I(1), I(0), I(1)]);

    let by_category = rows(&d.run("recovery_by_category", &[]).await);
    let dining = by_category.iter().find(|r| r[0] == s("dining")).unwrap();
    // Only s1 among dining shops has a full baseline (s5 opened on the first baseline date).
    assert_eq!(
        dining[1..],
        [I(1), F(155.0), F(90.0), F(90.0 / 155.0), F(60.0 / 710.0)]
    );

    let by_community = rows(&d.run("recovery_by_community", &[]).await);
    assert_eq!(
        by_community[0][0..4],
        [s("a"), s("黎园社区"), s("Liyuan"), I(2)]
    );
    assert_eq!(
        by_community[0][6..],
        [F(90.0 / 155.0), F(60.0 / 710.0), I(2)]
    );
    assert_eq!(by_community[1][6..], [F(0.5), F(0.0), Null]);
}

#[tokio::test]
async fn the_bundled_sample_district_looks_like_the_april_lockdown() {
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let (ctx, registration) = yanhuo::engine::catalog::open(&sample, chrono_tz::Asia::Shanghai)
        .await
        .unwrap();
    assert!(registration.loads.iter().all(|l| l.rejects.is_empty()));
    let library = yanhuo::engine::queries::Library::embedded().unwrap();
    let result =
        yanhuo::engine::queries::run(&ctx, &library, "district_summary", &Default::default())
            .await
            .unwrap();
    let row = &rows(&result)[0];
    let number = |v: &V| match v {
        V::I(i) => *i as f64,
        V::F(f) => *f,
        other => panic!("not a number: {other:?}"),
    };
    let (shops, closed) = (number(&row[0]), number(&row[1]));
    assert!(
        closed / shops > 0.9,
        "nearly every shop closed: {closed} of {shops}"
    );
    let median = number(&row[2]);
    assert!(
        (6.5..8.0).contains(&median),
        "median closure about 7 days, got {median}"
    );
    let within_a_day = number(&row[3]);
    assert!(
        within_a_day > 0.5,
        "most shops reopened within a day, got {within_a_day}"
    );
    let recovery = number(&row[5]);
    assert!(
        (0.1..1.0).contains(&recovery),
        "some, not all, sales came back online: {recovery}"
    );
    let online_before = number(&row[6]);
    assert!(
        online_before < recovery,
        "online sales jumped: {online_before} before, {recovery} during"
    );
}

#[tokio::test]
async fn figures_read_from_the_held_shop_days_table_equal_the_inlined_sql() {
    // The server computes shop_days once and reads it as a table; the query files inline it.
    let d = district().await;
    let dir = tempfile::tempdir().unwrap();
    crate::fixture::write_district(dir.path());
    let settings =
        yanhuo::engine::settings::Settings::new(dir.path().to_path_buf(), "Asia/Shanghai", None)
            .unwrap();
    let engine = yanhuo::engine::Engine::open(&settings).await.unwrap();
    for name in [
        "online_recovery",
        "customer_change",
        "district_summary",
        "recovery_by_category",
    ] {
        let held = engine.run(name, &Default::default()).await.unwrap();
        let inlined = d.run(name, &[]).await;
        assert_eq!(rows(&held), rows(&inlined), "{name}");
    }
}

#[tokio::test]
async fn the_study_window_is_the_first_and_last_study_date_and_changes_no_figure() {
    use crate::fixture::date;
    use std::collections::BTreeMap;
    use yanhuo::engine::queries::{self, Library, window};
    let d = district().await;
    let windows = window::study_windows(&d.ctx, &d.library).await.unwrap();
    // L1, the earliest: 04-23 less 35 days is 03-19; its last lockdown date 04-29 and 28
    // recovery dates after it end on 05-27.
    let l1 = Some((date("2022-03-19"), date("2022-05-27")));
    assert_eq!(windows.of(None), l1);
    assert_eq!(windows.of(Some("gongshu-2022-04")), l1);
    // The second: lockdown dates 06-10 and 06-11 (ends at midnight); 35 before is 05-06, 28
    // after is 07-09.
    assert_eq!(
        windows.of(Some("later-2022-06")),
        Some((date("2022-05-06"), date("2022-07-09")))
    );
    assert_eq!(windows.of(Some("no-such-lockdown")), None);

    // The window only repeats what each figure's join to the study dates says: every query
    // file gives the same rows with it bound as with it NULL, for each lockdown. A cells file
    // (what publishing reads) keeps only the study's dates: a cell of another date has no
    // row of the figure to hide.
    let bare = Library::embedded().unwrap();
    let cells_files: Vec<String> = d.library.files().filter_map(|f| f.cells.clone()).collect();
    let sorted = |result: &queries::QueryResult, window: Option<(String, String)>| {
        let at = result.schema.index_of("date").ok();
        let mut text: Vec<String> = rows(result)
            .iter()
            .filter(|r| match (&window, at) {
                (Some((first, last)), Some(at)) => {
                    matches!(&r[at], V::S(d) if first <= d && d <= last)
                }
                _ => true,
            })
            .map(|r| format!("{r:?}"))
            .collect();
        text.sort();
        text
    };
    let mut compared = 0;
    let mut narrowed = Vec::new();
    for file in d.library.files() {
        let takes_lockdown = d
            .library
            .params_of(file)
            .unwrap()
            .iter()
            .any(|p| p.name == "lockdown_id");
        for lockdown in [None, Some("later-2022-06"), Some("no-such-lockdown")] {
            if lockdown.is_some() && !takes_lockdown {
                continue;
            }
            let values: BTreeMap<String, String> = lockdown
                .map(|id| BTreeMap::from([("lockdown_id".to_string(), id.to_string())]))
                .unwrap_or_default();
            let with = queries::run(&d.ctx, &d.library, &file.name, &values).await;
            let without = queries::run(&d.ctx, &bare, &file.name, &values).await;
            match (with, without) {
                (Ok(with), Ok(without)) => {
                    let window = windows
                        .of(lockdown)
                        .filter(|_| cells_files.contains(&file.name))
                        .map(|(first, last)| (first.to_string(), last.to_string()));
                    let kept = sorted(&without, window);
                    if kept.len() < sorted(&without, None).len() {
                        narrowed.push(file.name.clone());
                    }
                    assert_eq!(sorted(&with, None), kept, "{} {lockdown:?}", file.name);
                    compared += 1;
                }
                (with, without) => {
                    assert_eq!(with.is_ok(), without.is_ok(), "{} {lockdown:?}", file.name)
                }
            }
        }
    }
    assert!(compared > 60, "only {compared} comparisons ran");
    narrowed.dedup();
    assert_eq!(
        narrowed,
        [
            "daily_channels_cells",
            "daily_revenue_cells",
            "footfall_change_cells"
        ]
    );

    // And it reaches the orders as a range on the instant, which Parquet's statistics prune:
    // 03-19 00:00 in Hangzhou is 1647619200 s after the epoch, 05-28 00:00 is 1653667200 s.
    let sql = d
        .library
        .expand(d.library.get("customer_change").unwrap(), &BTreeMap::new())
        .unwrap();
    assert!(sql.contains("DATE '2022-03-19'") && sql.contains("DATE '2022-05-27'"));
    let plan = d
        .ctx
        .sql(&sql)
        .await
        .unwrap()
        .into_optimized_plan()
        .unwrap()
        .display_indent()
        .to_string();
    // (The fixture's tables are in memory, so the range stays in a filter over the scan; a
    // Parquet table takes it into the scan, as `EXPLAIN` on a generated district shows.)
    assert!(
        plan.contains("orders.ordered_at >= TimestampMicrosecond(1647619200000000")
            && plan.contains("orders.ordered_at < TimestampMicrosecond(1653667200000000")
            && !plan.contains("local_date(orders.ordered_at) >="),
        "{plan}"
    );
}
