-- title: 各类店铺线上恢复的店铺构成 / Shops behind online recovery by kind of shop
-- For publishing (docs/METRICS.md, "Publishing"): each shop with a full baseline in a
-- category, weighted by its revenue on the baseline dates. The categories add up to the
-- district's sums.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- param: community_id text = NULL | only this community; empty: all
-- keys: category
-- totals: category
-- uses: shop_revenue
SELECT category, shop_id, CAST(baseline_cny AS DOUBLE) AS weight
FROM shop_revenue
WHERE $community_id IS NULL OR community_id = $community_id
