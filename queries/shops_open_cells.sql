-- title: 每日营业店铺的构成 / Shops behind shops open by day
-- For publishing (docs/METRICS.md, "Publishing"): each shop counted open or closed on a date,
-- one each. Open and closed add up to the shops that existed that day.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- param: community_id text = NULL | only this community; empty: all
-- param: category text = NULL | only this category of shop; empty: all
-- keys: date
-- measures: shops_open, shops_closed
-- totals: measure
-- uses: shop_day_status
SELECT date, 'shops_closed' AS measure, shop_id, 1.0 AS weight
FROM shop_day_status
WHERE closed
UNION ALL
SELECT date, 'shops_open' AS measure, shop_id, 1.0 AS weight
FROM shop_day_status
WHERE existed AND NOT closed
