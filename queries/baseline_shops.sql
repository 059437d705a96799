-- title: 有完整基线的店铺 / Shops with a full baseline
-- The shops whose sales can be compared with before: opened_on empty (before all data) or
-- before the first baseline date.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- kept: memory
-- uses: study_dates
SELECT
    s.shop_id,
    s.community_id,
    s.category
FROM shops s
CROSS JOIN (SELECT MIN(date) AS first_baseline_date FROM study_dates WHERE period = 'baseline') b
WHERE s.opened_on IS NULL OR s.opened_on < b.first_baseline_date
ORDER BY s.shop_id
