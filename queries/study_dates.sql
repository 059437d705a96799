-- title: 研究日期 / Study dates
-- One row per local date from 35 days before the first lockdown date to the last recovery
-- date, with its period: `baseline` (the 35 dates before the lockdown, less holidays and
-- adjusted workdays), `excluded` (those holidays and adjusted workdays), `lockdown`, and
-- `recovery` (the 28 dates after the last lockdown date). weekday: 0 = Sunday .. 6 = Saturday.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- kept: memory
-- uses: lockdown
-- The lockdown is read once: its columns ride along the unnest rather than a second join.
WITH dates AS (
    SELECT
        lockdown_id,
        first_lockdown_date,
        last_lockdown_date,
        unnest(generate_series(
            first_lockdown_date - INTERVAL '35 days',
            last_lockdown_date + INTERVAL '28 days',
            INTERVAL '1 day'
        )) AS date
    FROM lockdown
)
SELECT
    d.lockdown_id,
    d.date,
    CAST(date_part('dow', d.date) AS INT) AS weekday,
    CASE
        WHEN d.date > d.last_lockdown_date THEN 'recovery'
        WHEN d.date >= d.first_lockdown_date THEN 'lockdown'
        WHEN c.date IS NOT NULL THEN 'excluded'
        ELSE 'baseline'
    END AS period
FROM dates d
LEFT JOIN calendar c
    ON c.date = d.date AND c.kind IN ('holiday', 'adjusted_workday')
ORDER BY d.date
