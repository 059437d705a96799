-- title: 微信群研究的店铺每日销售 / Daily sales of the shops in the WeChat-group study
-- One row per shop in the study (wechat_shops, left_out empty) and study date: its revenue
-- that date (completed orders, every channel; a day with no order 0), and baseline_cny, the
-- weekday-matched baseline of its daily revenue for that date (the median over the baseline
-- dates of the same weekday, a day with no order counting 0). day = date − the first
-- lockdown date.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- uses: lockdown, study_dates, wechat_shops, shop_days
WITH grid AS (
    SELECT
        w.shop_id,
        w.community_id,
        w.category,
        w.member,
        d.date,
        d.weekday,
        d.period,
        COALESCE(CAST(x.revenue_cny AS DOUBLE), 0.0) AS revenue_cny
    FROM wechat_shops w
    CROSS JOIN study_dates d
    LEFT JOIN shop_days x ON x.shop_id = w.shop_id AND x.date = d.date
    WHERE w.left_out IS NULL
),
typical AS (
    SELECT shop_id, weekday, median(revenue_cny) AS baseline_cny
    FROM grid
    WHERE period = 'baseline'
    GROUP BY shop_id, weekday
)
SELECT
    g.shop_id,
    g.community_id,
    g.category,
    g.member,
    g.date,
    CAST(date_part('day', CAST(g.date AS TIMESTAMP) - CAST(l.first_lockdown_date AS TIMESTAMP)) AS BIGINT) AS day,
    g.period,
    g.revenue_cny,
    t.baseline_cny
FROM grid g
CROSS JOIN lockdown l
LEFT JOIN typical t ON t.shop_id = g.shop_id AND t.weekday = g.weekday
ORDER BY g.shop_id, g.date
