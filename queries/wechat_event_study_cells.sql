-- title: 微信群逐日作用的店铺构成 / Shops behind the WeChat-group event study
-- For publishing (docs/METRICS.md, "Publishing"): the shops of each date's kept strata,
-- weighted by their base. The effect and its intervals are made of both sides: they are
-- listed with the side that has fewer shops, so a cell with fewer than 3 shops on either side is not published.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- param: community_id text = NULL | only this community; empty: all
-- param: category text = NULL | only this kind of shop; empty: all
-- keys: date
-- measures: effect_pp, ci_low_pp, ci_high_pp, band_low_pp, band_high_pp
-- uses: wechat_shop_dates
WITH priced AS (
    SELECT date AS cell, shop_id, community_id, category, member, SUM(baseline_cny) AS base
    FROM wechat_shop_dates
    WHERE day >= -14
      AND ($community_id IS NULL OR community_id = $community_id)
      AND ($category IS NULL OR category = $category)
    GROUP BY date, shop_id, community_id, category, member
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
    SELECT * FROM (VALUES ('effect_pp'), ('ci_low_pp'), ('ci_high_pp'), ('band_low_pp'), ('band_high_pp')) AS t(measure)
)
SELECT k.cell AS date, m.measure, k.shop_id, k.base AS weight
FROM kept k CROSS JOIN measures m
WHERE k.member = (k.members <= k.non_members)
