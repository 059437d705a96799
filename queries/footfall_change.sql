-- title: 客流变化 / Footfall change
-- One row per community and local date, from 35 days before the lockdown to the last recovery
-- date: visitors counted at the community's shops (empty where no shop has a count that day:
-- missing is not zero), the median of the baseline dates with the same weekday, and the change
-- against it in percent (empty where the baseline is empty or 0).
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- uses: study_dates
-- cells: footfall_change_cells
WITH daily AS (
    -- Only the study's dates: a year of a city's counts need not be summed for ten weeks.
    SELECT s.community_id, f.date, SUM(f.visitors) AS visitors
    FROM footfall f
    JOIN study_dates d ON d.date = f.date
    JOIN shops s ON s.shop_id = f.shop_id
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
        community_id, date, visitors,
        median(CASE WHEN period = 'baseline' THEN CAST(visitors AS DOUBLE) END)
            OVER (PARTITION BY community_id, weekday) AS baseline_visitors
    FROM grid
)
SELECT
    community_id,
    date,
    visitors,
    baseline_visitors,
    CASE WHEN baseline_visitors IS NULL OR baseline_visitors = 0 THEN NULL
         ELSE 100.0 * (CAST(visitors AS DOUBLE) - baseline_visitors) / baseline_visitors
    END AS pct_change
FROM with_baseline
ORDER BY community_id, date
