-- title: 研究的封控 / The lockdown studied
-- The lockdown a figure is about, with its first and last lockdown dates (lockdown_dates).
-- With no lockdown_id, the earliest lockdown.
-- param: lockdown_id text = NULL | the lockdown studied (lockdowns.lockdown_id); empty: the earliest
-- kept: memory
-- uses: lockdown_dates
SELECT *
FROM lockdown_dates
WHERE $lockdown_id IS NULL OR lockdown_id = $lockdown_id
ORDER BY starts_at, lockdown_id
LIMIT 1
