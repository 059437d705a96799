-- title: 各社区的线上恢复 / Online recovery by community
-- One row per community: its names, shops with a full baseline, expected and online revenue
-- during the lockdown, the recovery rate and baseline online share as ratios of sums, and the
-- days its footfall took to recover.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- param: category text = NULL | only this category of shop; empty: all
-- uses: shop_revenue, footfall_recovery
-- cells: recovery_by_community_cells
SELECT
    c.community_id,
    c.name_zh,
    c.name_en,
    COUNT(r.shop_id) AS shops,
    SUM(r.expected_cny) AS expected_cny,
    SUM(r.online_cny) AS online_cny,
    CAST(SUM(r.online_cny) AS DOUBLE) / NULLIF(SUM(r.expected_cny), 0) AS recovery_rate,
    CAST(SUM(r.baseline_online_cny) AS DOUBLE) / NULLIF(CAST(SUM(r.baseline_cny) AS DOUBLE), 0) AS baseline_online_share,
    MIN(f.days_to_recover) AS days_to_recover
FROM communities c
LEFT JOIN shop_revenue r
    ON r.community_id = c.community_id AND ($category IS NULL OR r.category = $category)
LEFT JOIN footfall_recovery f ON f.community_id = c.community_id
GROUP BY c.community_id, c.name_zh, c.name_en
ORDER BY c.community_id
