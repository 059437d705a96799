-- title: 每日各渠道营业额 / Revenue by day and channel
-- One row per local date of the study window and channel: revenue of completed orders in
-- yuan and their number, days with none included as 0. Optional filters by community and
-- category.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- param: community_id text = NULL | only this community; empty: all
-- param: category text = NULL | only this category of shop; empty: all
-- uses: study_dates, shop_day_channels
-- cells: daily_channels_cells
WITH daily AS (
    SELECT
        k.date,
        k.channel,
        SUM(k.revenue_cny) AS revenue_cny,
        SUM(k.orders) AS orders
    -- The study's dates first: DataFusion holds the first table of a join in memory and
    -- passes its range of dates to the scan, which then reads only their months' files.
    -- Without a filter the shops are not read at all.
    FROM study_dates d
    JOIN shop_day_channels k ON k.date = d.date
    WHERE ($community_id IS NULL AND $category IS NULL)
       OR k.shop_id IN (
           SELECT shop_id FROM shops
           WHERE ($community_id IS NULL OR community_id = $community_id)
             AND ($category IS NULL OR category = $category))
    GROUP BY k.date, k.channel
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
