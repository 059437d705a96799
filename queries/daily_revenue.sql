-- title: 每日营业额（线上/到店） / Revenue by day, online and in store
-- One row per local date of the study window and channel group (online: every channel except
-- in_store): revenue of completed orders in yuan and the number of those orders, days with
-- none included as 0. Optional filters by community and category.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- param: community_id text = NULL | only this community; empty: all
-- param: category text = NULL | only this category of shop; empty: all
-- uses: daily_channels
-- cells: daily_revenue_cells
SELECT
    date,
    period,
    CASE WHEN channel = 'in_store' THEN 'in_store' ELSE 'online' END AS channel_group,
    SUM(revenue_cny) AS revenue_cny,
    SUM(orders) AS orders
FROM daily_channels
GROUP BY date, period, CASE WHEN channel = 'in_store' THEN 'in_store' ELSE 'online' END
ORDER BY date, channel_group
