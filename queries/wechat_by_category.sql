-- title: 在群与不在群的店铺，按类别 / Shops in a WeChat group and comparison shops, by kind of shop
-- One row per category, for the lockdown dates: the shops of wechat_effect's kept strata of
-- that category (a community's shops of the category with both a member and a non-member),
-- what share of their normal sales members kept (member_ratio, a ratio of sums) and what
-- the comparison shops of the same communities kept, weighted by the members' expected sales
-- (comparison_ratio); effect_pp = 100 × their difference. No interval: a category's shops
-- are in a handful of communities.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- param: community_id text = NULL | only this community; empty: all
-- param: category text = NULL | only this kind of shop; empty: all
-- cells: wechat_by_category_cells
-- uses: wechat_shop_dates
WITH priced AS (
    SELECT shop_id, community_id, category, member,
           SUM(revenue_cny) AS num, SUM(baseline_cny) AS base
    FROM wechat_shop_dates
    WHERE period = 'lockdown'
      AND ($community_id IS NULL OR community_id = $community_id)
      AND ($category IS NULL OR category = $category)
    GROUP BY shop_id, community_id, category, member
    HAVING SUM(baseline_cny) > 0
),
strata AS (
    SELECT community_id, category,
           SUM(CASE WHEN member THEN base ELSE 0 END) AS b1,
           SUM(CASE WHEN member THEN num ELSE 0 END) AS n1,
           SUM(CASE WHEN NOT member THEN base ELSE 0 END) AS b0,
           SUM(CASE WHEN NOT member THEN num ELSE 0 END) AS n0,
           COUNT(CASE WHEN member THEN 1 END) AS members,
           COUNT(CASE WHEN NOT member THEN 1 END) AS non_members
    FROM priced
    GROUP BY community_id, category
),
kept AS (
    SELECT *, SUM(b1) OVER (PARTITION BY category) AS b1_all
    FROM strata
    WHERE members > 0 AND non_members > 0
)
SELECT
    category,
    SUM(members) AS members,
    SUM(non_members) AS non_members,
    SUM(n1) / SUM(b1) AS member_ratio,
    SUM((b1 / b1_all) * (n0 / b0)) AS comparison_ratio,
    100 * (SUM(n1) / SUM(b1) - SUM((b1 / b1_all) * (n0 / b0))) AS effect_pp
FROM kept
GROUP BY category
ORDER BY category
