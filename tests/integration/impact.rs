//! "Did the WeChat groups help?" on the WeChat-group district of `fixture`: wechat_effect,
//! wechat_event_study and pilot_rank against values worked out by hand. The bootstrap's
//! enumeration is checked by hand in `src/functions/wild_cluster.rs` (three communities, the
//! threshold lowered); here three communities are fewer than 11, so there is no interval.

use crate::fixture::{V, columns, rows, s, wechat_district};
use V::{F, I, Null};

/// The lockdown cell, by hand. base = 7 × before, num = 7 × during (every weekday's median
/// is `before`); y = during / before.
///
/// Left out, each under its first failed rule: x1 (no full baseline), x2 (renovation in the
/// window; its null `since` is not counted again), x3 (since null) and x4 (since 04-24).
/// z0 has base 0: out of the cell. ha is the only shop of a/hardware: off support.
///
/// | stratum | members (base, num) | non-members (base, num) | B1 | N1 | B0 | N0 |
/// |---|---|---|---|---|---|---|
/// | a/dining | m1 (70, 56), m2 (210, 105) | n1 (140, 42), x5 (140, 14) | 280 | 161 | 280 | 56 |
/// | b/dining | m3 (70, 63) | n2 (70, 28), n3 (210, 105) | 70 | 63 | 280 | 133 |
/// | c/clinic | m4 (140, 140) | n4 (140, 70) | 140 | 140 | 140 | 70 |
///
/// B1 = 490. R1 = 364 / 490 = 26/35. R0 = (280/490)(56/280) + (70/490)(133/280) +
/// (140/490)(70/140) = (224 + 133 + 280) / 1960 = 637/1960 = 0.325.
/// effect = 100 × (1456 − 637) / 1960 = 100 × 819/1960 = 41.785714…
///
/// Weights: members their base; non-members base × B1_s/B0_s: n1, x5 140 (×1), n2 17.5 and
/// n3 52.5 (×¼), n4 140. Weighted means of y: a 217/560 = 31/80, b 96.25/140 = 11/16, c 3/4.
/// S = Σ w / 4 = 980 / 4 = 245; Σ w D̃ y = (364 − 159.25) / 2 = 102.375; θ = 117/280 ✓.
/// û = ỹ − θ D̃ (θ/2 = 117/560): m1 .2035714, m2 −.0964286, n1 .1214286, x5 −.0785714;
/// m3 .0035714, n2 −.0785714, n3 .0214286; m4 .0410714, n4 −.0410714. Cluster scores
/// Σ w D̃ û: a ½(14.25 − 20.25) − ½(17 − 11) = −6; b ½(.25) − ½(−1.375 + 1.125) = ¼;
/// c 5.75 (they add to 0). N = 9, K = 4, G = 3: q = 3/2 · 8/5 = 2.4;
/// se = √(2.4 × (36 + 1/16 + 529/16)) / 245 = √165.9 / 245.
const EFFECT_PP: f64 = 100.0 * 819.0 / 1960.0;

fn se_pp() -> f64 {
    100.0 * 165.9f64.sqrt() / 245.0
}

#[tokio::test]
async fn wechat_effect_matches_the_hand_worked_district() {
    let d = wechat_district().await;
    let result = d.run("wechat_effect", &[]).await;
    assert_eq!(
        columns(&result),
        [
            "cell",
            "members",
            "non_members",
            "strata",
            "communities",
            "members_off_support",
            "excluded_no_baseline",
            "excluded_other_closure",
            "excluded_unknown_membership",
            "member_ratio",
            "comparison_ratio",
            "effect_pp",
            "se_pp",
            "ci_low_pp",
            "ci_high_pp"
        ]
    );
    let r = rows(&result);
    // The recovery dates sell at the same rates: every base and num × 4, the same ratios.
    for (row, cell) in r.iter().zip(["lockdown", "recovery"]) {
        assert_eq!(
            row[..],
            [
                s(cell),
                I(4),
                I(5),
                I(3),
                I(3),
                I(1),
                I(1),
                I(1),
                I(2),
                F(26.0 / 35.0),
                F(0.325),
                F(EFFECT_PP),
                F(se_pp()),
                // Three communities: fewer than 11, no interval.
                Null,
                Null
            ],
            "{cell}"
        );
    }
    assert_eq!(r.len(), 2);
}

#[tokio::test]
async fn wechat_shops_says_why_each_shop_is_left_out() {
    let d = wechat_district().await;
    let r = rows(&d.run("wechat_shops", &[]).await);
    let why = |shop: &str| {
        let row = r.iter().find(|row| row[0] == s(shop)).unwrap();
        (row[3].clone(), row[4].clone())
    };
    assert_eq!(why("x1"), (s("no_baseline"), s("true")));
    assert_eq!(why("x2"), (s("other_closure"), Null));
    assert_eq!(why("x3"), (s("unknown_membership"), Null));
    assert_eq!(why("x4"), (s("unknown_membership"), Null));
    // A renovation before the window, a lockdown closure, a null row beside a qualifying one,
    // since on d0 itself, no wechat_order row: all in the study.
    assert_eq!(why("x5"), (Null, s("false")));
    assert_eq!(why("m1"), (Null, s("true")));
    assert_eq!(why("m2"), (Null, s("true")));
    assert_eq!(why("m3"), (Null, s("true")));
    assert_eq!(why("n1"), (Null, s("false")));
}

#[tokio::test]
async fn a_filter_to_one_community_keeps_its_strata_only() {
    // Community c alone: m4 against n4, R1 = 1, R0 = 0.5: 50 points; one cluster, no se.
    let d = wechat_district().await;
    let r = rows(&d.run("wechat_effect", &[("community_id", "c")]).await);
    assert_eq!(
        r[0][1..],
        [
            I(1),
            I(1),
            I(1),
            I(1),
            I(0),
            I(1),
            I(1),
            I(0),
            F(1.0),
            F(0.5),
            F(50.0),
            Null,
            Null,
            Null
        ]
    );
}

#[tokio::test]
async fn the_event_study_is_flat_before_and_the_effect_after() {
    let d = wechat_district().await;
    let result = d.run("wechat_event_study", &[]).await;
    assert_eq!(
        columns(&result),
        [
            "date",
            "day",
            "members",
            "non_members",
            "effect_pp",
            "ci_low_pp",
            "ci_high_pp",
            "band_low_pp",
            "band_high_pp"
        ]
    );
    let r = rows(&result);
    // 04-09 (day −14) .. 05-27: 14 + 7 + 28 dates.
    assert_eq!(r.len(), 49);
    // Before: every shop sells its normal day, y = 1 on both sides: 0.
    assert_eq!(
        r[0][..],
        [
            s("2022-04-09"),
            I(-14),
            I(4),
            I(5),
            F(0.0),
            Null,
            Null,
            Null,
            Null
        ]
    );
    // From d0 on, each date is the lockdown cell over one day: the same ratios.
    assert_eq!(
        r[14][..],
        [
            s("2022-04-23"),
            I(0),
            I(4),
            I(5),
            F(EFFECT_PP),
            Null,
            Null,
            Null,
            Null
        ]
    );
    assert_eq!(r[48][..2], [s("2022-05-27"), I(34)]);
    assert_eq!(r[48][4], F(EFFECT_PP));
}

#[tokio::test]
async fn pilot_rank_adjusts_for_the_mix_of_shops() {
    // Every shop with a full baseline, lockdown dates; expected = 7 × before, online =
    // 7 × during. a/dining: E 630 (m1 70, m2 210, n1 140, x5 140, x3 70), O 252;
    // a/hardware E 70 (no other community has hardware: not in C_a); b/dining: E 420
    // (m3 70, n2 70, n3 210, z0 0, x4 70), O 266; c/clinic E 350 (no other clinic: no gap).
    // gap_a = 252/630 − 266/420 = 0.4 − 0.6333… = −0.2333…; gap_b = +0.2333….
    let d = wechat_district().await;
    let result = d.run("pilot_rank", &[("pilot", "a")]).await;
    assert_eq!(
        columns(&result),
        [
            "community_id",
            "is_pilot",
            "gap_pp",
            "rank",
            "communities",
            "p_value"
        ]
    );
    let r = rows(&result);
    let gap = 100.0 * (266.0 / 420.0 - 0.4);
    assert_eq!(
        r,
        vec![
            vec![s("b"), s("false"), F(gap), I(1), I(2), F(1.0)],
            vec![s("a"), s("true"), F(-gap), I(2), I(2), F(1.0)],
            vec![s("c"), s("false"), Null, Null, I(2), F(1.0)],
        ]
    );
    // With b as the pilot, only b's gap is at least b's: 1/2, never below 1/communities.
    let r = rows(&d.run("pilot_rank", &[("pilot", "b")]).await);
    assert_eq!(r[0][5], F(0.5));
}

fn sample_data() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data")
}

/// `effect_pp, ci_low_pp, ci_high_pp` of one cell of wechat_effect's CSV.
fn effect_of(csv: &str, cell: &str) -> (f64, f64, f64) {
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let row: Vec<&str> = csv
        .lines()
        .find(|l| l.starts_with(&format!("{cell},")))
        .unwrap_or_else(|| panic!("no {cell} row in {csv}"))
        .split(',')
        .collect();
    let at = |name: &str| -> f64 {
        let i = header.iter().position(|h| *h == name).unwrap();
        row[i].parse().unwrap()
    };
    (at("effect_pp"), at("ci_low_pp"), at("ci_high_pp"))
}

/// The plant of sample-data/README.md: members sell 15% of a normal day's orders extra on
/// each lockdown date and 6% on each recovery date, twice that in Liyuan (one community of
/// twelve), each community's effect times 1 + 0.2 × N(0, 1). In the estimator's terms that
/// is about 15 × (1 + 1/12) ≈ 16 points during the lockdown and 6.5 after. The lockdown's
/// interval must hold it and leave out 0. After the lockdown the interval leaves out 0 too,
/// but its low end sits a little above 6.5: the sample had a chance gap of about 2.7
/// points before anything was planted, which the interval does not cover (docs/METRICS.md).
#[test]
fn the_sample_data_gives_back_its_planted_effect() {
    let out = crate::cli::yanhuo(
        &sample_data(),
        &["query", "wechat_effect", "--format", "csv"],
    );
    assert!(out.status.success(), "{out:?}");
    let csv = String::from_utf8_lossy(&out.stdout);
    let (effect, low, high) = effect_of(&csv, "lockdown");
    assert!(low > 0.0 && low < 15.0 && high > 16.25, "{low} – {high}");
    assert!((effect - 20.0).abs() < 0.05, "{effect}");
    let (effect, low, high) = effect_of(&csv, "recovery");
    assert!(
        low > 0.0 && effect > 6.5 && high > effect,
        "{effect}: {low} – {high}"
    );
    // The numbers README quotes: 20.0 (9.6–30.3) and 9.6 (6.6–12.6).
    assert_eq!(
        [effect, low, high].map(|v| format!("{v:.1}")),
        ["9.6", "6.6", "12.6"]
    );
}

/// A reporter exports the event study: the CSV carries the day's interval and the band for
/// all days, the picture draws both and says the numbers in its title, and the bundle
/// verifies against the data it came from.
#[test]
fn the_event_study_leaves_with_its_intervals_and_verifies() {
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("event_study");
    let export = crate::cli::yanhuo(
        &sample_data(),
        &[
            "export",
            "impact",
            "event_study",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(export.status.success(), "{export:?}");
    let csv = std::fs::read_to_string(out.join("figure.csv")).unwrap();
    assert!(
        csv.trim_start_matches('\u{feff}').starts_with(
            "date,day,members,non_members,effect_pp,ci_low_pp,ci_high_pp,band_low_pp,band_high_pp"
        ),
        "{csv}"
    );
    // 04-09 to 05-27: 14 days before the lockdown, its 7, and 28 after.
    assert_eq!(csv.lines().count(), 1 + 49);
    let svg = std::fs::read_to_string(out.join("figure.svg")).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let title = doc
        .descendants()
        .find(|n| n.has_tag_name("title"))
        .and_then(|n| n.text())
        .unwrap_or_default()
        .to_string();
    assert!(
        title.starts_with("逐日：在群商户多保住的销售：封控期间（4月23日至4月29日）每天平均差距"),
        "{title}"
    );
    assert!(title.contains("7天中有"), "{title}");
    // Two bands, each a filled polygon drawn lighter than the line.
    let bands = doc
        .descendants()
        .filter(|n| n.has_tag_name("polygon") && n.attribute("opacity").is_some())
        .count();
    assert_eq!(bands, 2, "translucent polygons in {svg:.300}");
    let verify = crate::cli::yanhuo(
        &sample_data(),
        &["export", "--verify", out.to_str().unwrap()],
    );
    let text = String::from_utf8_lossy(&verify.stdout);
    assert!(
        verify.status.success() && text.contains("OK: all"),
        "{text}"
    );
}
