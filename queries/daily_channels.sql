-- title: 每日各渠道营业额 / Revenue by day and channel
-- One row per local date of the study window and channel: revenue of completed orders in
-- yuan and their number, days with none included as 0. Optional filters by community and
-- category.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- param: community_id text = NULL | only this community; empty: all
-- param: category text = NULL | only this category of shop; empty: all
-- uses: study_dates
-- cells: daily_channels_cells
WITH daily AS (
    SELECT
        local_date(o.ordered_at) AS date,
        o.channel,
        SUM(o.amount_cny) AS revenue_cny,
        COUNT(*) AS orders
    FROM orders o
    JOIN shops s ON s.shop_id = o.shop_id
    WHERE o.status = 'completed'
      AND ($community_id IS NULL OR s.community_id = $community_id)
      AND ($category IS NULL OR s.category = $category)
    GROUP BY local_date(o.ordered_at), o.channel
)
SELECT
    d.date,
    d.period,
    c.channel,
    COALESCE(x.revenue_cny, 0) AS revenue_cny,
    COALESCE(x.orders, 0) AS orders
FROM study_dates d
CROSS JOIN (VALUES ('in_store'), ('wechat_group'), ('phone'), ('delivery_platform'), ('livestream'), ('errand')) AS c(channel)
LEFT JOIN daily x ON x.date = d.date AND x.channel = c.channel
ORDER BY d.date, c.channel
