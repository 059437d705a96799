-- title: 街道概览 / District summary
-- One row: how many shops there are, how many closed in the lockdown, the median closure in
-- days (spells that reopened), the share of spells that reopened within 24 hours of the end
-- (a spell that never reopened counts against it), spells not reopened, the online recovery
-- rate and baseline online share as ratios of sums over the shops, and the median days for
-- footfall to recover over the communities where it did.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- uses: closure_length, shop_revenue, footfall_recovery
-- cells: district_summary_cells
WITH shop_count AS (
    SELECT COUNT(*) AS shops FROM shops
),
closures AS (
    SELECT
        COUNT(DISTINCT shop_id) AS shops_closed,
        median(CASE WHEN reopened_at IS NOT NULL THEN closure_days END) AS median_closure_days,
        CAST(SUM(CASE WHEN reopen_lag_hours <= 24 THEN 1 ELSE 0 END) AS DOUBLE)
            / NULLIF(COUNT(*), 0) AS reopened_within_1d_share,
        SUM(CASE WHEN reopened_at IS NULL THEN 1 ELSE 0 END) AS not_reopened
    FROM closure_length
),
revenue AS (
    SELECT
        CAST(SUM(online_cny) AS DOUBLE) / NULLIF(SUM(expected_cny), 0) AS recovery_rate,
        CAST(SUM(baseline_online_cny) AS DOUBLE)
            / NULLIF(CAST(SUM(baseline_cny) AS DOUBLE), 0) AS baseline_online_share
    FROM shop_revenue
),
footfall AS (
    SELECT median(CAST(days_to_recover AS DOUBLE)) AS median_days_to_recover
    FROM footfall_recovery
    WHERE days_to_recover IS NOT NULL
)
SELECT
    s.shops,
    c.shops_closed,
    c.median_closure_days,
    c.reopened_within_1d_share,
    COALESCE(c.not_reopened, 0) AS not_reopened,
    r.recovery_rate,
    r.baseline_online_share,
    f.median_days_to_recover
FROM shop_count s
CROSS JOIN closures c
CROSS JOIN revenue r
CROSS JOIN footfall f
