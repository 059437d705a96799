-- title: 街道概览的店铺构成 / Shops behind the district summary
-- For publishing (docs/METRICS.md, "Publishing"): every shop with a full baseline, weighted
-- by its revenue on the baseline dates. One cell: the district.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- uses: shop_revenue
SELECT shop_id, CAST(baseline_cny AS DOUBLE) AS weight
FROM shop_revenue
