-- title: 每日营业店铺的构成 / Shops behind shops open by day
-- For publishing (docs/METRICS.md, "Publishing"): each shop counted open or closed on a date,
-- one each. Open and closed add up to the shops that existed that day.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- param: community_id text = NULL | only this community; empty: all
-- param: category text = NULL | only this category of shop; empty: all
-- keys: date
-- measures: shops_open, shops_closed
-- totals: measure
-- uses: study_dates, closure_spells
WITH chosen AS (
    SELECT shop_id, opened_on
    FROM shops
    WHERE ($community_id IS NULL OR community_id = $community_id)
      AND ($category IS NULL OR category = $category)
),
closed AS (
    SELECT DISTINCT d.date, s.shop_id
    FROM study_dates d
    JOIN closure_spells s
      ON local_date(s.closed_at) <= d.date
     AND (s.reopened_at IS NULL OR local_date(s.reopened_at) >= d.date)
    JOIN chosen c ON c.shop_id = s.shop_id
),
existing AS (
    SELECT d.date, c.shop_id
    FROM study_dates d
    JOIN chosen c ON c.opened_on IS NULL OR c.opened_on <= d.date
)
SELECT date, 'shops_closed' AS measure, shop_id, 1.0 AS weight FROM closed
UNION ALL
SELECT e.date, 'shops_open' AS measure, e.shop_id, 1.0 AS weight
FROM existing e
LEFT JOIN closed x ON x.date = e.date AND x.shop_id = e.shop_id
WHERE x.shop_id IS NULL
