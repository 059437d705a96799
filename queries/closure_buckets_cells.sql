-- title: 关闭时长分布的店铺构成 / Shops behind closure lengths
-- For publishing (docs/METRICS.md, "Publishing"): each shop with a closure spell in a length
-- bucket, weighted by its spells there. The buckets add up to all spells.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- param: community_id text = NULL | only this community; empty: all
-- param: category text = NULL | only this category of shop; empty: all
-- keys: bucket
-- totals: bucket
-- uses: closure_spell_buckets
SELECT bucket, shop_id, CAST(COUNT(*) AS DOUBLE) AS weight
FROM closure_spell_buckets
WHERE ($community_id IS NULL OR community_id = $community_id)
  AND ($category IS NULL OR category = $category)
GROUP BY bucket, shop_id
