-- title: 微信群研究的店铺 / Shops in the WeChat-group study
-- One row per shop in the shops table, for "Did the WeChat groups help?" (docs/METRICS.md).
-- left_out is empty for a shop in the study, or the first condition it fails:
-- `no_baseline` (no full baseline), `other_closure` (a closure spell whose first `closed`
-- event gives a reason other than level2_response, e.g. renovation, overlapping the first
-- baseline date 00:00 to the day after the last recovery date 00:00), `unknown_membership`
-- (wechat_order rows, none with `since` on or before the first lockdown date). member: true
-- with a wechat_order row whose `since` is not empty and on or before the first lockdown
-- date; false with no wechat_order row. Membership is never read from orders: they are the
-- outcome.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- kept: memory
-- uses: lockdown, study_dates, baseline_shops, closure_spells
WITH study_window AS (
    SELECT
        MIN(CASE WHEN period = 'baseline' THEN date END) AS first_baseline_date,
        MAX(date) AS last_recovery_date
    FROM study_dates
),
other_closure AS (
    -- A spell [closed_at, reopened_at) overlaps the window's days when it starts on or
    -- before the last recovery date and its last instant is on or after the first baseline
    -- date; an empty spell (reopened the instant it closed) overlaps nothing.
    SELECT DISTINCT c.shop_id
    FROM closure_spells c
    CROSS JOIN study_window w
    WHERE c.reason IS NOT NULL
      AND c.reason <> 'level2_response'
      AND local_date(c.closed_at) <= w.last_recovery_date
      AND (c.reopened_at IS NULL
           OR (c.reopened_at > c.closed_at
               AND local_date(c.reopened_at - INTERVAL '1 microsecond') >= w.first_baseline_date))
),
wechat AS (
    SELECT
        v.shop_id,
        MAX(CASE WHEN v.since IS NOT NULL AND v.since <= l.first_lockdown_date THEN 1 ELSE 0 END) AS qualifies
    FROM shop_services v
    CROSS JOIN lockdown l
    WHERE v.mode = 'wechat_order'
    GROUP BY v.shop_id
)
SELECT
    s.shop_id,
    s.community_id,
    s.category,
    CASE
        WHEN b.shop_id IS NULL THEN 'no_baseline'
        WHEN o.shop_id IS NOT NULL THEN 'other_closure'
        WHEN w.qualifies = 0 THEN 'unknown_membership'
    END AS left_out,
    CASE WHEN w.shop_id IS NULL THEN false WHEN w.qualifies = 1 THEN true END AS member
FROM shops s
LEFT JOIN baseline_shops b ON b.shop_id = s.shop_id
LEFT JOIN other_closure o ON o.shop_id = s.shop_id
LEFT JOIN wechat w ON w.shop_id = s.shop_id
ORDER BY s.shop_id
