-- title: 微信群的作用（逐日） / Did the WeChat groups help? Day by day
-- One row per date from 14 days before the first lockdown date to the last recovery date:
-- the WeChat-group effect of wechat_effect computed on that single date (day = date − the
-- first lockdown date), its pointwise 95% interval (ci_low_pp, ci_high_pp), and a band
-- (band_low_pp, band_high_pp) that holds for all dates at once: the same sign vector on
-- every date, the critical value the 95% point of the largest |t*| over the dates. Dates
-- before the lockdown are mostly baseline dates: they show whether the two groups moved
-- alike before, and are near 0 partly by construction. With fewer than 11 communities
-- there is no interval and no band.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- param: community_id text = NULL | only this community; empty: all
-- param: category text = NULL | only this kind of shop; empty: all
-- cells: wechat_event_study_cells
-- uses: wechat_shop_dates
WITH priced AS (
    SELECT date, day, shop_id, community_id, category, member,
           revenue_cny AS num, baseline_cny AS base
    FROM wechat_shop_dates
    WHERE day >= -14
      AND baseline_cny > 0
      AND ($community_id IS NULL OR community_id = $community_id)
      AND ($category IS NULL OR category = $category)
),
strata AS (
    SELECT date, community_id, category,
           SUM(CASE WHEN member THEN base ELSE 0 END) AS b1,
           SUM(CASE WHEN member THEN num ELSE 0 END) AS n1,
           SUM(CASE WHEN NOT member THEN base ELSE 0 END) AS b0,
           SUM(CASE WHEN NOT member THEN num ELSE 0 END) AS n0,
           COUNT(CASE WHEN member THEN 1 END) AS members,
           COUNT(CASE WHEN NOT member THEN 1 END) AS non_members
    FROM priced
    GROUP BY date, community_id, category
),
kept AS (
    SELECT *, SUM(b1) OVER (PARTITION BY date) AS b1_all
    FROM strata
    WHERE members > 0 AND non_members > 0
),
estimate AS (
    SELECT date,
           SUM(members) AS members,
           SUM(non_members) AS non_members,
           SUM(n1) / SUM(b1) AS member_ratio,
           SUM((b1 / b1_all) * (n0 / b0)) AS comparison_ratio
    FROM kept
    GROUP BY date
),
in_regression AS (
    SELECT p.*
    FROM priced p
    JOIN kept k ON k.date = p.date AND k.community_id = p.community_id AND k.category = p.category
),
pointwise AS (
    SELECT date,
           wild_cluster_interval(num, base, member, category, community_id) AS w
    FROM in_regression
    GROUP BY date
),
band AS (
    SELECT wild_cluster_band(num, base, member, category, community_id, CAST(date AS VARCHAR)) AS c_band
    FROM in_regression
),
dates AS (
    SELECT DISTINCT date, day FROM wechat_shop_dates WHERE day >= -14
)
SELECT
    d.date,
    d.day,
    COALESCE(e.members, 0) AS members,
    COALESCE(e.non_members, 0) AS non_members,
    100 * (e.member_ratio - e.comparison_ratio) AS effect_pp,
    p.w['ci_low_pp'] AS ci_low_pp,
    p.w['ci_high_pp'] AS ci_high_pp,
    CASE WHEN p.w['ci_low_pp'] IS NOT NULL
         THEN p.w['effect_pp'] - b.c_band * p.w['se_pp'] END AS band_low_pp,
    CASE WHEN p.w['ci_low_pp'] IS NOT NULL
         THEN p.w['effect_pp'] + b.c_band * p.w['se_pp'] END AS band_high_pp
FROM dates d
CROSS JOIN band b
LEFT JOIN estimate e ON e.date = d.date
LEFT JOIN pointwise p ON p.date = d.date
ORDER BY d.date
