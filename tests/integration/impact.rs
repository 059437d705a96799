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
