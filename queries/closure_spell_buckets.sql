-- title: 关闭记录的时长分组 / Closure spells by length bucket
-- Each closure spell of the lockdown with the bucket of its length: 1 under 7 days, 2 to 4 for
-- 7, 8 and 9 days, 5 for 10 to 13 days, 6 for 14 days or more, 7 not reopened. The
-- histogram (closure_buckets) and the shops behind it (closure_buckets_cells) both count
-- these, so the two can never disagree on a boundary.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- uses: closure_length
SELECT
    shop_id,
    community_id,
    category,
    CASE
        WHEN closure_days IS NULL THEN 7
        WHEN closure_days < 7 THEN 1
        WHEN closure_days < 8 THEN 2
        WHEN closure_days < 9 THEN 3
        WHEN closure_days < 10 THEN 4
        WHEN closure_days < 14 THEN 5
        ELSE 6
    END AS bucket
FROM closure_length
