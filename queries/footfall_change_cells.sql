-- title: 客流变化的店铺构成 / Shops behind footfall change
-- For publishing (docs/METRICS.md, "Publishing"): each shop counted in a community's visitors
-- on a date, weighted by its visitors. District footfall is not published as a total, so no
-- second cell is hidden for it.
-- param: lockdown_id text = NULL | the lockdown studied: the cells are read for its study dates
-- keys: date, community_id
SELECT f.date, s.community_id, f.shop_id, CAST(f.visitors AS DOUBLE) AS weight
FROM footfall f
JOIN shops s ON s.shop_id = f.shop_id
-- Only the figure's dates, the study window the engine binds for the lockdown asked (every
-- date where it knows none): a year of a city's counts need not be read for ten weeks.
WHERE ($study_first IS NULL OR f.date >= $study_first)
  AND ($study_last IS NULL OR f.date <= $study_last)
