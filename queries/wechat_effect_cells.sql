-- title: 微信群作用的店铺构成 / Shops behind the WeChat-group effect
-- For publishing (docs/METRICS.md, "Publishing"): the shops of each cell's kept strata,
-- weighted by their base. member_ratio is made of the members, comparison_ratio of the
-- comparison shops, and the effect and its interval of both: they are listed with the side
-- that has fewer shops, so a cell with fewer than 3 shops on either side is not published.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- param: community_id text = NULL | only this community; empty: all
-- param: category text = NULL | only this kind of shop; empty: all
-- keys: cell
-- measures: member_ratio, comparison_ratio, effect_pp, se_pp, ci_low_pp, ci_high_pp
-- uses: wechat_shop_dates
WITH priced AS (
    SELECT period AS cell, shop_id, community_id, category, member, SUM(baseline_cny) AS base
    FROM wechat_shop_dates
    WHERE period IN ('lockdown', 'recovery')
      AND ($community_id IS NULL OR community_id = $community_id)
      AND ($category IS NULL OR category = $category)
    GROUP BY period, shop_id, community_id, category, member
    HAVING SUM(baseline_cny) > 0
),
kept AS (
    SELECT p.*,
           COUNT(CASE WHEN p.member THEN 1 END) OVER (PARTITION BY p.cell) AS members,
           COUNT(CASE WHEN NOT p.member THEN 1 END) OVER (PARTITION BY p.cell) AS non_members
    FROM priced p
    JOIN (
        SELECT cell, community_id, category FROM priced
        GROUP BY cell, community_id, category
        HAVING COUNT(CASE WHEN member THEN 1 END) > 0 AND COUNT(CASE WHEN NOT member THEN 1 END) > 0
    ) s ON s.cell = p.cell AND s.community_id = p.community_id AND s.category = p.category
),
measures AS (
    SELECT * FROM (VALUES ('effect_pp'), ('se_pp'), ('ci_low_pp'), ('ci_high_pp')) AS t(measure)
)
SELECT cell, 'member_ratio' AS measure, shop_id, base AS weight FROM kept WHERE member
UNION ALL
SELECT cell, 'comparison_ratio' AS measure, shop_id, base AS weight FROM kept WHERE NOT member
UNION ALL
SELECT k.cell, m.measure, k.shop_id, k.base AS weight
FROM kept k CROSS JOIN measures m
WHERE k.member = (k.members <= k.non_members)
