-- title: 店铺每日顾客数 / Customers by shop and day
-- One row per shop and local date with a completed order: distinct customers (completed
-- orders with a customer pseudonym) and completed orders. The SQL console, the API and the
-- Postgres wire see customers only through this table, never a pseudonym. Kept in the data
-- folder by `import` (kept/shop_day_customers/, by month).
-- kept: yes
-- keys: shop_id, date
WITH visits AS (
    -- Distinct in a grouping of its own rather than COUNT(DISTINCT): a grouping can spill to
    -- disk under the memory limit, a distinct count's sets cannot. A pseudonym's NULL group
    -- counts its orders and no customer.
    SELECT shop_id, local_date(ordered_at) AS date, customer_ref, COUNT(*) AS orders
    FROM orders
    WHERE status = 'completed'
    GROUP BY shop_id, local_date(ordered_at), customer_ref
)
SELECT shop_id, date, COUNT(customer_ref) AS customers, SUM(orders) AS orders
FROM visits
GROUP BY shop_id, date
