-- title: 客流恢复天数 / Days for footfall to recover
-- One row per community: days from the last lockdown date to the first recovery date d on
-- which footfall was back, that is, on d and on each of the two dates after it the baseline is
-- above 0 and visitors reach 90% of it. A missing count, or a date past the 28 recovery dates,
-- counts as not back. Empty if footfall was not back within the recovery dates.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- uses: lockdown, footfall_change
WITH recovery AS (
    SELECT
        f.community_id,
        f.date,
        -- 10·v ≥ 9·b is v ≥ 0.9·b without 0.9's binary rounding: exact for whole visitors
        -- and for medians ending in .5.
        CASE WHEN f.baseline_visitors > 0 AND 10.0 * f.visitors >= 9.0 * f.baseline_visitors
             THEN 1 ELSE 0 END AS back
    FROM footfall_change f
    CROSS JOIN lockdown l
    WHERE f.date > l.last_lockdown_date
),
runs AS (
    SELECT
        community_id,
        date,
        back,
        LEAD(back, 1) OVER (PARTITION BY community_id ORDER BY date) AS back_next,
        LEAD(back, 2) OVER (PARTITION BY community_id ORDER BY date) AS back_after_next
    FROM recovery
),
first_back AS (
    SELECT community_id, MIN(date) AS date
    FROM runs
    WHERE back = 1 AND back_next = 1 AND back_after_next = 1
    GROUP BY community_id
)
SELECT
    c.community_id,
    CAST(date_part('day', CAST(b.date AS TIMESTAMP) - CAST(l.last_lockdown_date AS TIMESTAMP)) AS BIGINT) AS days_to_recover
FROM communities c
CROSS JOIN lockdown l
LEFT JOIN first_back b ON b.community_id = c.community_id
ORDER BY c.community_id
