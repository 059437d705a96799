-- title: 店铺营业额对比 / Shop revenue against its baseline
-- For each shop with a full baseline: the revenue a normal week would have brought during the
-- lockdown (expected_cny: over the lockdown dates, the median revenue of the baseline dates
-- with the same weekday, a day with no order counting 0), the online revenue it made during the
-- lockdown (online_cny), and its baseline revenue online and in all. Revenue is the amount of
-- completed orders; online is every channel except in_store. online_recovery and the totals
-- of district_summary are built from this.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- kept: memory
-- uses: study_dates, baseline_shops, shop_days
WITH sold AS (
    -- The study's dates first: DataFusion holds the first table of a join in memory and
    -- passes its range of dates to the scan of shop_days, which then reads only their
    -- months' files.
    SELECT x.shop_id, x.date, x.revenue_cny, x.online_cny
    FROM study_dates d
    JOIN shop_days x ON x.date = d.date
    WHERE d.period IN ('baseline', 'lockdown')
),
grid AS (
    -- One pass over shop_days, read once: DataFusion inlines a common table expression at
    -- every use, so reading it twice would aggregate the orders twice.
    -- Every shop with a full baseline on every baseline and lockdown date; a date with no
    -- order has no shop_days row and counts 0 in the median. The dates on the left of the
    -- cross join: it repeats its left side's rows one at a time.
    SELECT
        b.shop_id,
        d.weekday,
        d.period,
        COALESCE(CAST(x.revenue_cny AS DOUBLE), 0.0) AS revenue,
        x.revenue_cny,
        x.online_cny
    FROM study_dates d
    CROSS JOIN baseline_shops b
    LEFT JOIN sold x ON x.shop_id = b.shop_id AND x.date = d.date
    WHERE d.period IN ('baseline', 'lockdown')
),
by_weekday AS (
    SELECT
        shop_id,
        weekday,
        median(CASE WHEN period = 'baseline' THEN revenue END) AS typical_revenue,
        COUNT(CASE WHEN period = 'lockdown' THEN 1 END) AS lockdown_dates,
        SUM(CASE WHEN period = 'lockdown' THEN online_cny END) AS online_cny,
        SUM(CASE WHEN period = 'baseline' THEN online_cny END) AS baseline_online_cny,
        SUM(CASE WHEN period = 'baseline' THEN revenue_cny END) AS baseline_cny
    FROM grid
    GROUP BY shop_id, weekday
),
per_shop AS (
    -- expected: each lockdown date's weekday median, summed; a weekday with no baseline
    -- date has no median and adds nothing.
    SELECT
        shop_id,
        SUM(CASE WHEN lockdown_dates > 0 THEN typical_revenue * lockdown_dates END) AS expected_cny,
        SUM(online_cny) AS online_cny,
        SUM(baseline_online_cny) AS baseline_online_cny,
        SUM(baseline_cny) AS baseline_cny
    FROM by_weekday
    GROUP BY shop_id
)
SELECT
    b.shop_id,
    b.community_id,
    b.category,
    s.expected_cny,
    COALESCE(s.online_cny, 0) AS online_cny,
    COALESCE(s.baseline_online_cny, 0) AS baseline_online_cny,
    COALESCE(s.baseline_cny, 0) AS baseline_cny
FROM baseline_shops b
LEFT JOIN per_shop s ON s.shop_id = b.shop_id
ORDER BY b.community_id, b.shop_id
