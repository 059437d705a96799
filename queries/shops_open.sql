-- title: 每日营业店铺 / Shops open by day
-- One row per local date of the study window: shops closed at some time that day (a closure
-- spell covers part of it) and the others, counted open. A shop opened later (opened_on) is
-- counted from that date. Optional filters by community and category.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- param: community_id text = NULL | only this community; empty: all
-- param: category text = NULL | only this category of shop; empty: all
-- uses: study_dates, shop_day_status
-- cells: shops_open_cells
SELECT
    d.date,
    d.period,
    COALESCE(SUM(CASE WHEN x.existed THEN 1 ELSE 0 END), 0)
        - COALESCE(SUM(CASE WHEN x.closed THEN 1 ELSE 0 END), 0) AS shops_open,
    COALESCE(SUM(CASE WHEN x.closed THEN 1 ELSE 0 END), 0) AS shops_closed
FROM study_dates d
LEFT JOIN shop_day_status x ON x.date = d.date
GROUP BY d.date, d.period
ORDER BY d.date
