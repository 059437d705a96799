-- title: 线上销售恢复 / Sales recovered online
-- One row per shop with a full baseline: what a normal week would have brought during the
-- lockdown (expected_cny), what the shop sold online then (online_cny), their ratio
-- (recovery_rate, empty where nothing was expected), and the online share of its baseline
-- revenue (empty where it had none). A total over several shops is a ratio of sums, never a
-- mean of these ratios.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- uses: shop_revenue
SELECT
    shop_id,
    community_id,
    category,
    expected_cny,
    online_cny,
    CASE WHEN expected_cny = 0 THEN NULL
         ELSE CAST(online_cny AS DOUBLE) / expected_cny END AS recovery_rate,
    CASE WHEN baseline_cny = 0 THEN NULL
         ELSE CAST(baseline_online_cny AS DOUBLE) / CAST(baseline_cny AS DOUBLE) END AS baseline_online_share
FROM shop_revenue
ORDER BY community_id, shop_id
