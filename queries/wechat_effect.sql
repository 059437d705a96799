-- title: 微信群的作用 / Did the WeChat groups help?
-- One row per cell (`lockdown`: the lockdown dates; `recovery`: the recovery dates): how much
-- more of their normal sales shops in a community WeChat group kept than comparable shops
-- that were not, in percentage points (docs/METRICS.md, "Did the WeChat groups help?").
-- Each shop is measured against its own normal week (num ÷ base: its revenue on the cell's
-- dates ÷ the weekday-matched baseline of those dates); members are compared with
-- non-members of the same community and kind of shop (a stratum), weighted by the members'
-- expected sales. member_ratio R1 = Σ members' num ÷ Σ members' base; comparison_ratio R0 =
-- Σ over strata of (B1_s ÷ B1) × (N0_s ÷ B0_s); effect_pp = 100 × (R1 − R0). se_pp and the
-- 95% interval (ci_low_pp, ci_high_pp) come from a wild cluster bootstrap over communities
-- that tries all 2^G sign vectors; with fewer than 11 communities there is no interval.
-- It assumes members' sales would otherwise have moved like non-members'; the interval
-- covers chance variation across communities, not the choice of which shops joined.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- param: community_id text = NULL | only this community; empty: all
-- param: category text = NULL | only this kind of shop; empty: all
-- cells: wechat_effect_cells
-- uses: wechat_shops, wechat_shop_dates
WITH cells AS (
    SELECT period AS cell, shop_id, community_id, category, member,
           SUM(revenue_cny) AS num, SUM(baseline_cny) AS base
    FROM wechat_shop_dates
    WHERE period IN ('lockdown', 'recovery')
      AND ($community_id IS NULL OR community_id = $community_id)
      AND ($category IS NULL OR category = $category)
    GROUP BY period, shop_id, community_id, category, member
),
priced AS (
    -- A shop with no normal sales on the cell's dates is out of that cell.
    SELECT * FROM cells WHERE base > 0
),
strata AS (
    SELECT cell, community_id, category,
           SUM(CASE WHEN member THEN base ELSE 0 END) AS b1,
           SUM(CASE WHEN member THEN num ELSE 0 END) AS n1,
           SUM(CASE WHEN NOT member THEN base ELSE 0 END) AS b0,
           SUM(CASE WHEN NOT member THEN num ELSE 0 END) AS n0,
           COUNT(CASE WHEN member THEN 1 END) AS members,
           COUNT(CASE WHEN NOT member THEN 1 END) AS non_members
    FROM priced
    GROUP BY cell, community_id, category
),
kept AS (
    SELECT *, SUM(b1) OVER (PARTITION BY cell) AS b1_all
    FROM strata
    WHERE members > 0 AND non_members > 0
),
estimate AS (
    SELECT cell,
           SUM(members) AS members,
           SUM(non_members) AS non_members,
           COUNT(*) AS strata,
           COUNT(DISTINCT community_id) AS communities,
           SUM(n1) / SUM(b1) AS member_ratio,
           SUM((b1 / b1_all) * (n0 / b0)) AS comparison_ratio
    FROM kept
    GROUP BY cell
),
off_support AS (
    SELECT cell, SUM(members) AS members_off_support
    FROM strata
    WHERE non_members = 0
    GROUP BY cell
),
bootstrap AS (
    SELECT p.cell,
           wild_cluster_interval(p.num, p.base, p.member, p.category, p.community_id) AS w
    FROM priced p
    JOIN kept k ON k.cell = p.cell AND k.community_id = p.community_id AND k.category = p.category
    GROUP BY p.cell
),
left_out AS (
    SELECT COUNT(CASE WHEN left_out = 'no_baseline' THEN 1 END) AS excluded_no_baseline,
           COUNT(CASE WHEN left_out = 'other_closure' THEN 1 END) AS excluded_other_closure,
           COUNT(CASE WHEN left_out = 'unknown_membership' THEN 1 END) AS excluded_unknown_membership
    FROM wechat_shops
    WHERE ($community_id IS NULL OR community_id = $community_id)
      AND ($category IS NULL OR category = $category)
),
cell_names AS (
    SELECT * FROM (VALUES ('lockdown', 1), ('recovery', 2)) AS t(cell, position)
)
SELECT
    c.cell,
    COALESCE(e.members, 0) AS members,
    COALESCE(e.non_members, 0) AS non_members,
    COALESCE(e.strata, 0) AS strata,
    COALESCE(e.communities, 0) AS communities,
    COALESCE(o.members_off_support, 0) AS members_off_support,
    x.excluded_no_baseline,
    x.excluded_other_closure,
    x.excluded_unknown_membership,
    e.member_ratio,
    e.comparison_ratio,
    100 * (e.member_ratio - e.comparison_ratio) AS effect_pp,
    b.w['se_pp'] AS se_pp,
    b.w['ci_low_pp'] AS ci_low_pp,
    b.w['ci_high_pp'] AS ci_high_pp
FROM cell_names c
CROSS JOIN left_out x
LEFT JOIN estimate e ON e.cell = c.cell
LEFT JOIN off_support o ON o.cell = c.cell
LEFT JOIN bootstrap b ON b.cell = c.cell
ORDER BY c.position
