-- title: 各渠道营业额的店铺构成 / Shops behind revenue by channel
-- For publishing (docs/METRICS.md, "Publishing"): each shop with completed orders in a
-- channel on a date, weighted by their amount. A date's channels add up to its total.
-- param: lockdown_id text = NULL | the lockdown studied: the cells are read for its study dates
-- param: community_id text = NULL | only this community; empty: all
-- param: category text = NULL | only this category of shop; empty: all
-- keys: date, channel
-- totals: channel
-- uses: shop_day_channels
SELECT k.date, k.channel, k.shop_id, CAST(k.revenue_cny AS DOUBLE) AS weight
FROM shop_day_channels k
JOIN shops s ON s.shop_id = k.shop_id
WHERE ($community_id IS NULL OR s.community_id = $community_id)
  AND ($category IS NULL OR s.category = $category)
  -- Only the figure's dates, the study window the engine binds for the lockdown asked
  -- (every date where it knows none): a year of a city's days need not be read for ten weeks.
  AND ($study_first IS NULL OR k.date >= $study_first)
  AND ($study_last IS NULL OR k.date <= $study_last)
