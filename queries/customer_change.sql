-- title: 顾客变化 / Customers
-- One row per shop with a full baseline: distinct customers a day (completed orders with a
-- customer pseudonym, by local date; a day with none counts 0), averaged over the baseline
-- dates and over the recovery dates, and the change in percent (empty where the baseline is 0).
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- uses: study_dates, baseline_shops
WITH visits AS (
    -- Distinct in a grouping of its own rather than COUNT(DISTINCT): a grouping can spill to
    -- disk under the memory limit, a distinct count's sets cannot.
    -- Only the dates the means read: a city's year of orders need not be made distinct.
    -- The study's few dates on the left: the hash join holds its left side in memory.
    SELECT DISTINCT o.shop_id, d.date, o.customer_ref
    FROM study_dates d
    JOIN orders o ON local_date(o.ordered_at) = d.date
    WHERE o.status = 'completed' AND o.customer_ref IS NOT NULL
      AND d.period IN ('baseline', 'recovery')
),
daily AS (
    SELECT shop_id, date, COUNT(*) AS customers
    FROM visits
    GROUP BY shop_id, date
),
means AS (
    SELECT
        b.shop_id,
        CAST(SUM(CASE WHEN d.period = 'baseline' THEN COALESCE(x.customers, 0) END) AS DOUBLE)
            / NULLIF(SUM(CASE WHEN d.period = 'baseline' THEN 1 ELSE 0 END), 0) AS baseline_daily_customers,
        CAST(SUM(CASE WHEN d.period = 'recovery' THEN COALESCE(x.customers, 0) END) AS DOUBLE)
            / NULLIF(SUM(CASE WHEN d.period = 'recovery' THEN 1 ELSE 0 END), 0) AS recovery_daily_customers
    FROM baseline_shops b
    CROSS JOIN study_dates d
    LEFT JOIN daily x ON x.shop_id = b.shop_id AND x.date = d.date
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
