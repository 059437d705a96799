-- title: 店铺每日营业状态 / Each shop, open or closed, on each study date
-- One row per shop (optionally of one community or category) and local date of the study
-- window on which it existed (opened_on empty or on or before the date) or was closed (a
-- closure spell covers part of that day). shops_open counts these rows and
-- shops_open_cells lists them, so the chart and the shops behind it agree.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- param: community_id text = NULL | only this community; empty: all
-- param: category text = NULL | only this category of shop; empty: all
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
SELECT
    COALESCE(e.date, x.date) AS date,
    COALESCE(e.shop_id, x.shop_id) AS shop_id,
    e.shop_id IS NOT NULL AS existed,
    x.shop_id IS NOT NULL AS closed
FROM existing e
FULL JOIN closed x ON x.date = e.date AND x.shop_id = e.shop_id
