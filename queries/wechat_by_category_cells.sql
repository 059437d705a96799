-- title: 按类别在群与对照商户的店铺构成 / Shops behind members and comparison shops by kind of shop
-- For publishing (docs/METRICS.md, "Publishing"): member_ratio is made of a category's
-- members in kept strata, comparison_ratio of its comparison shops, weighted by their base;
-- the effect of the side with fewer shops.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- param: community_id text = NULL | only this community; empty: all
-- param: category text = NULL | only this kind of shop; empty: all
-- keys: category
-- measures: member_ratio, comparison_ratio, effect_pp
-- uses: wechat_effect_cells
SELECT category, measure, shop_id, weight FROM (
    SELECT c.measure, c.shop_id, c.weight, s.category
    FROM wechat_effect_cells c
    JOIN shops s ON s.shop_id = c.shop_id
    WHERE c.cell = 'lockdown' AND c.measure IN ('member_ratio', 'comparison_ratio', 'effect_pp')
) x
