-- title: 店铺每日营业额 / Shop revenue by day
-- One row per shop and local date with a completed order: revenue in yuan and the part of it
-- sold online (every channel except in_store). A day with no completed order has no row: it
-- counts 0. Every sales figure starts from it, so `import` keeps it in the data folder
-- (kept/shop_days/, by month) and a folder without it computes it once when opened.
-- kept: yes
-- keys: shop_id, date
SELECT
    shop_id,
    local_date(ordered_at) AS date,
    SUM(amount_cny) AS revenue_cny,
    -- No ELSE 0 inside the sum: with it DataFusion widens every order's amount to the
    -- type of the 0 before adding (a quarter of the grouping's time); the cast keeps the
    -- column's type as it was.
    CAST(COALESCE(SUM(CASE WHEN channel <> 'in_store' THEN amount_cny END), 0) AS DECIMAL(32, 2))
        AS online_cny
FROM orders
WHERE status = 'completed'
GROUP BY shop_id, local_date(ordered_at)
