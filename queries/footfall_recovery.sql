-- title: 客流恢复天数 / Days for footfall to recover
-- One row per community: days from the last lockdown date to the first recovery date on which
-- footfall was back for three dates running, at 90% of its baseline; empty if it was not back
-- within the recovery dates. The rule is footfall_change's days_to_recover, written there once.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- uses: footfall_change
SELECT
    c.community_id,
    MIN(f.days_to_recover) AS days_to_recover
FROM communities c
LEFT JOIN footfall_change f ON f.community_id = c.community_id
GROUP BY c.community_id
ORDER BY c.community_id
