-- title: 各类店铺的线上恢复 / Online recovery by kind of shop
-- One row per category: shops with a full baseline, expected and online revenue during the
-- lockdown, and the recovery rate and baseline online share as ratios of sums.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- param: community_id text = NULL | only this community; empty: all
-- uses: shop_revenue
-- cells: recovery_by_category_cells
SELECT
    category,
    COUNT(*) AS shops,
    SUM(expected_cny) AS expected_cny,
    SUM(online_cny) AS online_cny,
    CAST(SUM(online_cny) AS DOUBLE) / NULLIF(SUM(expected_cny), 0) AS recovery_rate,
    CAST(SUM(baseline_online_cny) AS DOUBLE) / NULLIF(CAST(SUM(baseline_cny) AS DOUBLE), 0) AS baseline_online_share
FROM shop_revenue
WHERE $community_id IS NULL OR community_id = $community_id
GROUP BY category
ORDER BY category
