-- title: 研究的封控 / The lockdown studied
-- The lockdown a figure is about, with its first and last lockdown dates: the local dates
-- whose day [d 00:00, d+1 00:00) overlaps [starts_at, ends_at). With no lockdown_id, the
-- earliest lockdown.
-- param: lockdown_id text = NULL | the lockdown studied (lockdowns.lockdown_id); empty: the earliest
SELECT
    lockdown_id,
    area,
    level,
    starts_at,
    ends_at,
    local_date(starts_at) AS first_lockdown_date,
    -- The last instant before ends_at is on the last lockdown date: an end at midnight
    -- does not make the next day a lockdown date.
    local_date(ends_at - INTERVAL '1 microsecond') AS last_lockdown_date
FROM lockdowns
WHERE $lockdown_id IS NULL OR lockdown_id = $lockdown_id
ORDER BY starts_at, lockdown_id
LIMIT 1
