-- title: 关闭时长分布 / How long shops were closed
-- The lockdown's closure spells counted by length: under 7 days, each whole day from 7 to 9,
-- 10 to 13 days, 14 days or more, and not reopened. bucket orders the rows.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- param: community_id text = NULL | only this community; empty: all
-- param: category text = NULL | only this category of shop; empty: all
-- uses: closure_spell_buckets
-- cells: closure_buckets_cells
WITH buckets AS (
    SELECT * FROM (VALUES
        (1, '不足7天', 'under 7 days'),
        (2, '7天', '7 days'),
        (3, '8天', '8 days'),
        (4, '9天', '9 days'),
        (5, '10–13天', '10–13 days'),
        (6, '14天及以上', '14 days or more'),
        (7, '未重新开业', 'not reopened')
    ) AS b(bucket, label_zh, label_en)
),
spells AS (
    SELECT bucket
    FROM closure_spell_buckets
    WHERE ($community_id IS NULL OR community_id = $community_id)
      AND ($category IS NULL OR category = $category)
)
SELECT b.bucket, b.label_zh, b.label_en, COUNT(s.bucket) AS spells
FROM buckets b
LEFT JOIN spells s ON s.bucket = b.bucket
GROUP BY b.bucket, b.label_zh, b.label_en
ORDER BY b.bucket
