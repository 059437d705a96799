-- title: 客流变化 / Footfall change
-- One row per community and local date, from 35 days before the lockdown to the last recovery
-- date: visitors counted at the community's shops (empty where no shop has a count that day:
-- missing is not zero), the median of the baseline dates with the same weekday, and the change
-- against it in percent (empty where the baseline is empty or 0).
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- uses: study_dates
-- cells: footfall_change_cells
WITH daily AS (
    SELECT s.community_id, f.date, SUM(f.visitors) AS visitors
    FROM footfall f
    JOIN shops s ON s.shop_id = f.shop_id
    GROUP BY s.community_id, f.date
),
grid AS (
    SELECT c.community_id, d.date, d.weekday, d.period, x.visitors
    FROM communities c
    CROSS JOIN study_dates d
    LEFT JOIN daily x ON x.community_id = c.community_id AND x.date = d.date
),
weekday_baseline AS (
    SELECT community_id, weekday, median(CAST(visitors AS DOUBLE)) AS baseline_visitors
    FROM grid
    WHERE period = 'baseline'
    GROUP BY community_id, weekday
)
SELECT
    g.community_id,
    g.date,
    g.visitors,
    b.baseline_visitors,
    CASE WHEN b.baseline_visitors IS NULL OR b.baseline_visitors = 0 THEN NULL
         ELSE 100.0 * (CAST(g.visitors AS DOUBLE) - b.baseline_visitors) / b.baseline_visitors
    END AS pct_change
FROM grid g
LEFT JOIN weekday_baseline b ON b.community_id = g.community_id AND b.weekday = g.weekday
ORDER BY g.community_id, g.date
