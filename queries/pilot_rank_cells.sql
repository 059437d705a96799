-- title: 试点排名的店铺构成 / Shops behind the pilot community's rank
-- For publishing (docs/METRICS.md, "Publishing"): each community's gap is made of its shops
-- with a full baseline, weighted by their expected sales.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- param: pilot text = liyuan | accepted so the cells take the figure's parameters
-- param: category text = NULL | only this kind of shop; empty: all
-- keys: community_id
-- uses: online_recovery
SELECT community_id, shop_id, COALESCE(expected_cny, 0) AS weight
FROM online_recovery
WHERE $category IS NULL OR category = $category
