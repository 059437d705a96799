-- title: 两张清单的店铺构成 / Shops behind the two lists
-- For publishing (docs/METRICS.md, "Publishing"): each shop offering a need's service in its
-- community, one each, for the columns counting shops. Households come from the residents'
-- list and are not about shops.
-- param: lockdown_id text = NULL | accepted so the cells take the figure's parameters
-- keys: community_id, need
-- measures: providers, households_per_provider
SELECT DISTINCT s.community_id, v.service AS need, m.measure, v.shop_id, 1.0 AS weight
FROM shop_services v
JOIN shops s ON s.shop_id = v.shop_id
CROSS JOIN (VALUES ('providers'), ('households_per_provider')) AS m(measure)
