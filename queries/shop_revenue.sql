-- title: 店铺营业额对比 / Shop revenue against its baseline
-- For each shop with a full baseline: the revenue a normal week would have brought during the
-- lockdown (expected_cny: over the lockdown dates, the median revenue of the baseline dates
-- with the same weekday, a day with no order counting 0), the online revenue it made during the
-- lockdown (online_cny), and its baseline revenue online and in all. Revenue is the amount of
-- completed orders; online is every channel except in_store. online_recovery and the totals
-- of district_summary are built from this.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- uses: study_dates, baseline_shops, shop_days
WITH daily AS (
    SELECT shop_id, date, revenue_cny AS revenue, online_cny AS online_revenue
    FROM shop_days
),
baseline_days AS (
    SELECT
        b.shop_id,
        d.weekday,
        COALESCE(CAST(x.revenue AS DOUBLE), 0.0) AS revenue
    FROM baseline_shops b
    CROSS JOIN study_dates d
    LEFT JOIN daily x ON x.shop_id = b.shop_id AND x.date = d.date
    WHERE d.period = 'baseline'
),
weekday_baseline AS (
    SELECT shop_id, weekday, median(revenue) AS typical_revenue
    FROM baseline_days
    GROUP BY shop_id, weekday
),
expected AS (
    SELECT b.shop_id, SUM(w.typical_revenue) AS expected_cny
    FROM baseline_shops b
    CROSS JOIN study_dates d
    JOIN weekday_baseline w ON w.shop_id = b.shop_id AND w.weekday = d.weekday
    WHERE d.period = 'lockdown'
    GROUP BY b.shop_id
),
sums AS (
    SELECT
        x.shop_id,
        SUM(CASE WHEN d.period = 'lockdown' THEN x.online_revenue END) AS online_cny,
        SUM(CASE WHEN d.period = 'baseline' THEN x.online_revenue END) AS baseline_online_cny,
        SUM(CASE WHEN d.period = 'baseline' THEN x.revenue END) AS baseline_cny
    FROM daily x
    JOIN study_dates d ON d.date = x.date
    GROUP BY x.shop_id
)
SELECT
    b.shop_id,
    b.community_id,
    b.category,
    e.expected_cny,
    COALESCE(s.online_cny, 0) AS online_cny,
    COALESCE(s.baseline_online_cny, 0) AS baseline_online_cny,
    COALESCE(s.baseline_cny, 0) AS baseline_cny
FROM baseline_shops b
LEFT JOIN expected e ON e.shop_id = b.shop_id
LEFT JOIN sums s ON s.shop_id = b.shop_id
ORDER BY b.community_id, b.shop_id
