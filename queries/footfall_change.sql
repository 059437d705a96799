-- title: 客流变化 / Footfall change
-- One row per community and local date, from 35 days before the lockdown to the last recovery
-- date: visitors counted at the community's shops (empty where no shop has a count that day:
-- missing is not zero), the median of the baseline dates with the same weekday, and the change
-- against it in percent (empty where the baseline is empty or 0), and the community's days to
-- recover, the same on each of its rows: days from the last lockdown date to the first recovery
-- date d on which footfall was back, that is, on d and on each of the two dates after it the
-- baseline is above 0 and visitors reach 90% of it. A missing count, or a date past the 28
-- recovery dates, counts as not back; empty if footfall was not back within the recovery dates.
-- This is the one place the rule is written: footfall_recovery and the charts' alt text read it.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- kept: memory
-- uses: study_dates
-- cells: footfall_change_cells
WITH daily AS (
    -- Only the study's dates, as the two date literals the engine binds (the first and
    -- last of study_dates; NULL where it knows none, and then every date is summed): a
    -- year of a city's counts need not be summed for ten weeks, and a range on the date
    -- column lets Parquet skip the rest. The grid keeps the study dates either way.
    -- The shops first: the first table of a join is the one DataFusion holds in memory.
    SELECT s.community_id, f.date, SUM(f.visitors) AS visitors
    FROM shops s
    JOIN footfall f ON f.shop_id = s.shop_id
    WHERE ($study_first IS NULL OR f.date >= $study_first)
      AND ($study_last IS NULL OR f.date <= $study_last)
    GROUP BY s.community_id, f.date
),
grid AS (
    SELECT c.community_id, d.date, d.weekday, d.period, x.visitors
    FROM communities c
    CROSS JOIN study_dates d
    LEFT JOIN daily x ON x.community_id = c.community_id AND x.date = d.date
),
with_baseline AS (
    -- A window rather than a join back to a grouped copy: DataFusion would build the grid
    -- (and read footfall) twice.
    SELECT
        community_id, date, period, visitors,
        median(CASE WHEN period = 'baseline' THEN CAST(visitors AS DOUBLE) END)
            OVER (PARTITION BY community_id, weekday) AS baseline_visitors
    FROM grid
),
with_back AS (
    SELECT
        *,
        -- 10·v ≥ 9·b is v ≥ 0.9·b without 0.9's binary rounding: exact for whole visitors
        -- and for medians ending in .5.
        CASE WHEN period = 'recovery' AND baseline_visitors > 0
                  AND 10.0 * visitors >= 9.0 * baseline_visitors
             THEN 1 ELSE 0 END AS back
    FROM with_baseline
),
runs AS (
    -- Windows again, not a join: each community's recovery dates are its last rows, so the
    -- two dates after a recovery date are its next two rows (none past the last).
    SELECT
        *,
        LEAD(back, 1) OVER (PARTITION BY community_id ORDER BY date) AS back_next,
        LEAD(back, 2) OVER (PARTITION BY community_id ORDER BY date) AS back_after_next
    FROM with_back
),
with_recovered AS (
    SELECT
        *,
        MIN(CASE WHEN back = 1 AND back_next = 1 AND back_after_next = 1 THEN date END)
            OVER (PARTITION BY community_id) AS recovered_on,
        -- Every community's rows hold every study date, so the last lockdown date is its
        -- own rows' (one more window over the same partition, not a third copy of lockdown).
        MAX(CASE WHEN period = 'lockdown' THEN date END)
            OVER (PARTITION BY community_id) AS last_lockdown_date
    FROM runs
)
SELECT
    r.community_id,
    r.date,
    r.visitors,
    r.baseline_visitors,
    CASE WHEN r.baseline_visitors IS NULL OR r.baseline_visitors = 0 THEN NULL
         ELSE 100.0 * (CAST(r.visitors AS DOUBLE) - r.baseline_visitors) / r.baseline_visitors
    END AS pct_change,
    CAST(date_part('day', CAST(r.recovered_on AS TIMESTAMP) - CAST(r.last_lockdown_date AS TIMESTAMP)) AS BIGINT) AS days_to_recover
FROM with_recovered r
ORDER BY r.community_id, r.date
