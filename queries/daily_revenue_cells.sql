-- title: 每日营业额的店铺构成 / Shops behind daily revenue
-- For publishing (docs/METRICS.md, "Publishing"): each shop with revenue in a date's online or
-- in-store bar, weighted by that revenue. The two add up to the day's total, which a stacked
-- bar shows.
-- param: lockdown_id text = NULL | the lockdown studied: the cells are read for its study dates
-- param: community_id text = NULL | only this community; empty: all
-- param: category text = NULL | only this category of shop; empty: all
-- keys: date, channel_group
-- totals: channel_group
-- uses: shop_days
SELECT d.date, g.channel_group, d.shop_id,
       CAST(CASE WHEN g.channel_group = 'online' THEN d.online_cny
                 ELSE d.revenue_cny - d.online_cny END AS DOUBLE) AS weight
FROM shop_days d
JOIN shops s ON s.shop_id = d.shop_id
CROSS JOIN (VALUES ('in_store'), ('online')) AS g(channel_group)
WHERE ($community_id IS NULL OR s.community_id = $community_id)
  AND ($category IS NULL OR s.category = $category)
  -- Only the figure's dates, the study window the engine binds for the lockdown asked
  -- (every date where it knows none): a year of a city's days need not be read for ten weeks.
  AND ($study_first IS NULL OR d.date >= $study_first)
  AND ($study_last IS NULL OR d.date <= $study_last)
  AND CASE WHEN g.channel_group = 'online' THEN d.online_cny
           ELSE d.revenue_cny - d.online_cny END > 0
