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
        LAG(status) OVER (PARTITION BY shop_id ORDER BY changed_at, status) AS previous_status,
        MIN(CASE WHEN status = 'open' THEN changed_at END) OVER (
            PARTITION BY shop_id ORDER BY changed_at, status
            ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING
        ) AS reopened_at
    FROM shop_status
) events
-- An event that repeats the current status changes nothing.
WHERE status = 'closed' AND (previous_status IS NULL OR previous_status <> 'closed')
ORDER BY shop_id, closed_at
