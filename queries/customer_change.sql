-- title: 顾客变化 / Customers
-- One row per shop with a full baseline: distinct customers a day (completed orders with a
-- customer pseudonym, by local date; a day with none counts 0), averaged over the baseline
-- dates and over the recovery dates, and the change in percent (empty where the baseline is 0).
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- uses: study_dates, baseline_shops, shop_day_customers
WITH means AS (
    SELECT
        b.shop_id,
        CAST(SUM(CASE WHEN d.period = 'baseline' THEN COALESCE(x.customers, 0) END) AS DOUBLE)
            / NULLIF(SUM(CASE WHEN d.period = 'baseline' THEN 1 ELSE 0 END), 0) AS baseline_daily_customers,
        CAST(SUM(CASE WHEN d.period = 'recovery' THEN COALESCE(x.customers, 0) END) AS DOUBLE)
            / NULLIF(SUM(CASE WHEN d.period = 'recovery' THEN 1 ELSE 0 END), 0) AS recovery_daily_customers
    FROM baseline_shops b
    CROSS JOIN study_dates d
    LEFT JOIN (
        -- The study's dates again, as the two date literals the engine binds (the first
        -- and last of study_dates; NULL where it knows none): the join keeps only them
        -- anyway, but a range of dates lets Parquet skip every other month's orders, which
        -- a join cannot.
        SELECT * FROM shop_day_customers
        WHERE ($study_first IS NULL OR date >= $study_first)
          AND ($study_last IS NULL OR date <= $study_last)
    ) x ON x.shop_id = b.shop_id AND x.date = d.date
    WHERE d.period IN ('baseline', 'recovery')
    GROUP BY b.shop_id
)
SELECT
    shop_id,
    baseline_daily_customers,
    recovery_daily_customers,
    CASE WHEN baseline_daily_customers = 0 THEN NULL
         ELSE 100.0 * (recovery_daily_customers / baseline_daily_customers - 1) END AS customer_change_pct
FROM means
ORDER BY shop_id
