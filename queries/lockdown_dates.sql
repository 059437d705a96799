-- title: 各次封控的日期 / Every lockdown's dates
-- Every lockdown with its first and last lockdown dates: the local dates whose day
-- [d 00:00, d+1 00:00) overlaps [starts_at, ends_at). The pages' lockdown filter lists
-- these; lockdown.sql picks the one a figure is about.
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
ORDER BY starts_at, lockdown_id
