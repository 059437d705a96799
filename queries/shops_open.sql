-- title: 每日营业店铺 / Shops open by day
-- One row per local date of the study window: shops closed at some time that day (a closure
-- spell covers part of it) and the others, counted open. A shop opened later (opened_on) is
-- counted from that date. Optional filters by community and category.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- param: community_id text = NULL | only this community; empty: all
-- param: category text = NULL | only this category of shop; empty: all
-- uses: study_dates, closure_spells
-- cells: shops_open_cells
WITH chosen AS (
    SELECT shop_id, opened_on
    FROM shops
    WHERE ($community_id IS NULL OR community_id = $community_id)
      AND ($category IS NULL OR category = $category)
),
closed AS (
    SELECT d.date, COUNT(DISTINCT s.shop_id) AS shops_closed
    FROM study_dates d
    JOIN closure_spells s
      ON local_date(s.closed_at) <= d.date
     AND (s.reopened_at IS NULL OR local_date(s.reopened_at) >= d.date)
    JOIN chosen c ON c.shop_id = s.shop_id
    GROUP BY d.date
),
existing AS (
    SELECT d.date, COUNT(c.shop_id) AS shops
    FROM study_dates d
    JOIN chosen c ON c.opened_on IS NULL OR c.opened_on <= d.date
    GROUP BY d.date
)
SELECT
    d.date,
    d.period,
    COALESCE(e.shops, 0) - COALESCE(x.shops_closed, 0) AS shops_open,
    COALESCE(x.shops_closed, 0) AS shops_closed
FROM study_dates d
LEFT JOIN existing e ON e.date = d.date
LEFT JOIN closed x ON x.date = d.date
ORDER BY d.date
