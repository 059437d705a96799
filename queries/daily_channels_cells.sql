-- title: 各渠道营业额的店铺构成 / Shops behind revenue by channel
-- For publishing (docs/METRICS.md, "Publishing"): each shop with completed orders in a
-- channel on a date, weighted by their amount. A date's channels add up to its total.
-- param: lockdown_id text = NULL | accepted so the cells take the figure's parameters
-- param: community_id text = NULL | only this community; empty: all
-- param: category text = NULL | only this category of shop; empty: all
-- keys: date, channel
-- totals: channel
SELECT local_date(o.ordered_at) AS date, o.channel, o.shop_id,
       CAST(SUM(o.amount_cny) AS DOUBLE) AS weight
FROM orders o
JOIN shops s ON s.shop_id = o.shop_id
WHERE o.status = 'completed'
  AND ($community_id IS NULL OR s.community_id = $community_id)
  AND ($category IS NULL OR s.category = $category)
GROUP BY local_date(o.ordered_at), o.channel, o.shop_id
