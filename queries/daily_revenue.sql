-- title: 每日营业额（线上/到店） / Revenue by day, online and in store
-- One row per local date of the study window and channel group (online: every channel except
-- in_store): revenue of completed orders in yuan and the number of those orders. Optional
-- filters by community and category.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- param: community_id text = NULL | only this community; empty: all
-- param: category text = NULL | only this category of shop; empty: all
-- uses: study_dates
WITH daily AS (
    SELECT
        local_date(o.ordered_at) AS date,
        CASE WHEN o.channel = 'in_store' THEN 'in_store' ELSE 'online' END AS channel_group,
        SUM(o.amount_cny) AS revenue_cny,
        COUNT(*) AS orders
    FROM orders o
    JOIN shops s ON s.shop_id = o.shop_id
    WHERE o.status = 'completed'
      AND ($community_id IS NULL OR s.community_id = $community_id)
      AND ($category IS NULL OR s.category = $category)
    GROUP BY local_date(o.ordered_at), CASE WHEN o.channel = 'in_store' THEN 'in_store' ELSE 'online' END
)
SELECT
    d.date,
    d.period,
    g.channel_group,
    COALESCE(x.revenue_cny, 0) AS revenue_cny,
    COALESCE(x.orders, 0) AS orders
FROM study_dates d
CROSS JOIN (VALUES ('online'), ('in_store')) AS g(channel_group)
LEFT JOIN daily x ON x.date = d.date AND x.channel_group = g.channel_group
ORDER BY d.date, g.channel_group
