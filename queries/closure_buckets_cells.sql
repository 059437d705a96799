-- title: 关闭时长分布的店铺构成 / Shops behind closure lengths
-- For publishing (docs/METRICS.md, "Publishing"): each shop with a closure spell in a length
-- bucket, weighted by its spells there. The buckets add up to all spells.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- param: community_id text = NULL | only this community; empty: all
-- param: category text = NULL | only this category of shop; empty: all
-- keys: bucket
-- totals: bucket
-- uses: closure_length
SELECT
    CASE
        WHEN closure_days IS NULL THEN 7
        WHEN closure_days < 7 THEN 1
        WHEN closure_days < 8 THEN 2
        WHEN closure_days < 9 THEN 3
        WHEN closure_days < 10 THEN 4
        WHEN closure_days < 14 THEN 5
        ELSE 6
    END AS bucket,
    shop_id,
    CAST(COUNT(*) AS DOUBLE) AS weight
FROM closure_length
WHERE ($community_id IS NULL OR community_id = $community_id)
  AND ($category IS NULL OR category = $category)
GROUP BY 1, shop_id
