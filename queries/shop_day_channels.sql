-- title: 店铺每日各渠道营业额 / Shop revenue by day and channel
-- One row per shop, local date and channel with a completed order: revenue in yuan and the
-- number of those orders. A day and channel with no completed order has no row. Revenue by
-- channel and its cells are built from this, so `import` keeps it in the data folder
-- (kept/shop_day_channels/, by month) rather than every figure reading every order.
-- kept: yes
-- keys: shop_id, date, channel
SELECT
    shop_id,
    local_date(ordered_at) AS date,
    channel,
    SUM(amount_cny) AS revenue_cny,
    COUNT(*) AS orders
FROM orders
WHERE status = 'completed'
GROUP BY shop_id, local_date(ordered_at), channel
