-- title: 客流变化的店铺构成 / Shops behind footfall change
-- For publishing (docs/METRICS.md, "Publishing"): each shop counted in a community's visitors
-- on a date, weighted by its visitors. District footfall is not published as a total, so no
-- second cell is hidden for it.
-- param: lockdown_id text = NULL | accepted so the cells take the figure's parameters
-- keys: date, community_id
SELECT f.date, s.community_id, f.shop_id, CAST(f.visitors AS DOUBLE) AS weight
FROM footfall f
JOIN shops s ON s.shop_id = f.shop_id
