-- title: 微信群研究的店铺每日销售 / Daily sales of the shops in the WeChat-group study
-- One row per shop in the study (wechat_shops, left_out empty) and study date: its revenue
-- that date (completed orders, every channel; a day with no order 0), and baseline_cny, the
-- weekday-matched baseline of its daily revenue for that date (the median over the baseline
-- dates of the same weekday, a day with no order counting 0). day = date − the first
-- lockdown date.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- kept: memory
-- uses: lockdown, study_dates, wechat_shops, shop_days
WITH days AS (
    -- The dates first: a cross join repeats its left side's rows one at a time, so the
    -- small side goes there.
    SELECT
        d.date,
        d.weekday,
        d.period,
        CAST(date_part('day', CAST(d.date AS TIMESTAMP) - CAST(l.first_lockdown_date AS TIMESTAMP)) AS BIGINT) AS day
    FROM study_dates d
    CROSS JOIN lockdown l
),
grid AS (
    SELECT
        w.shop_id,
        w.community_id,
        w.category,
        w.member,
        d.date,
        d.day,
        d.weekday,
        d.period,
        COALESCE(CAST(x.revenue_cny AS DOUBLE), 0.0) AS revenue_cny
    FROM days d
    CROSS JOIN wechat_shops w
    LEFT JOIN shop_days x ON x.shop_id = w.shop_id AND x.date = d.date
    WHERE w.left_out IS NULL
)
SELECT
    shop_id,
    community_id,
    category,
    member,
    date,
    day,
    period,
    revenue_cny,
    -- A window rather than a grouping joined back: DataFusion inlines a common table
    -- expression at every use, so reading grid twice would aggregate the orders twice.
    -- median skips the NULLs of the other periods.
    median(CASE WHEN period = 'baseline' THEN revenue_cny END)
        OVER (PARTITION BY shop_id, weekday) AS baseline_cny
FROM grid
ORDER BY shop_id, date
