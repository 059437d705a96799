-- title: 关闭时长 / Closure length
-- One row per closure spell that overlaps the lockdown [starts_at, ends_at). closure_days:
-- from closing to reopening, in days of 86,400 seconds; reopen_lag_hours: hours from the end
-- of the lockdown to reopening (negative: reopened early). Both empty for a shop that has not
-- reopened.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- uses: lockdown, closure_spells
SELECT
    s.shop_id,
    sh.community_id,
    sh.category,
    s.closed_at,
    s.reopened_at,
    (date_part('epoch', s.reopened_at) - date_part('epoch', s.closed_at)) / 86400.0 AS closure_days,
    (date_part('epoch', s.reopened_at) - date_part('epoch', l.ends_at)) / 3600.0 AS reopen_lag_hours
FROM closure_spells s
JOIN shops sh ON sh.shop_id = s.shop_id
CROSS JOIN lockdown l
WHERE s.closed_at < l.ends_at
  AND (s.reopened_at IS NULL OR s.reopened_at > l.starts_at)
ORDER BY sh.community_id, s.shop_id, s.closed_at
