-- title: 各社区线上恢复的店铺构成 / Shops behind online recovery by community
-- For publishing (docs/METRICS.md, "Publishing"): each shop with a full baseline in a
-- community, weighted by its revenue on the baseline dates. The communities add up to the
-- district's sums.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- param: category text = NULL | only this category of shop; empty: all
-- keys: community_id
-- totals: community_id
-- uses: shop_revenue
SELECT community_id, shop_id, CAST(baseline_cny AS DOUBLE) AS weight
FROM shop_revenue
WHERE $category IS NULL OR category = $category
