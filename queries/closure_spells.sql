-- title: 关闭记录 / Closure spells
-- Every closure spell of every shop, whenever it happened: from a `closed` event (the first
-- of a run: shopkeepers press twice) to the shop's next `open` event; reopened_at is empty
-- for a shop that has not reopened. The lockdown's spells are closure_length.
-- kept: memory
SELECT
    shop_id,
    closed_at,
    reopened_at,
    reason
FROM (
    SELECT
        shop_id,
        changed_at AS closed_at,
        status,
        reason,
        -- A `closed` run ends at the shop's next run, an `open` one.
        CASE WHEN LEAD(shop_id) OVER run_starts = shop_id
             THEN LEAD(changed_at) OVER run_starts END AS reopened_at
    FROM (
        SELECT
            shop_id,
            changed_at,
            status,
            reason,
            LAG(shop_id) OVER events AS previous_shop,
            LAG(status) OVER events AS previous_status
        FROM shop_status
        WINDOW events AS (ORDER BY shop_id, changed_at, status)
    ) e
    -- Each run's first event. The log is read in one order, shop after shop, rather than
    -- by a window partitioned by shop: DataFusion sets up each partition of a window
    -- apart, about 6 us each, 130 ms for a city's 10,000 shops (README, issue 19).
    WHERE (previous_shop IS DISTINCT FROM shop_id) OR previous_status <> status
    WINDOW run_starts AS (ORDER BY shop_id, changed_at, status)
) runs
WHERE status = 'closed'
ORDER BY shop_id, closed_at
