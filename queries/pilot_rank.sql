-- title: 试点社区的排名 / The pilot community's rank
-- One row per community: how much more of its expected sales it recovered online during the
-- lockdown than the other communities' shops of the same kinds (gap_pp), after adjusting for
-- its mix of shops: gap = Σ over its categories of (its expected sales in the category ÷ its
-- expected sales) × (its recovery rate − the other communities' recovery rate in that
-- category), over every shop with a full baseline and the categories both it and the others
-- expected sales in. rank = 1 + communities with a larger gap; communities = those with a
-- gap; p_value = communities whose gap is at least the pilot's ÷ communities (never below
-- 1 ÷ communities). A community with no such category has no gap and no rank.
-- param: lockdown_id text = NULL | the lockdown studied; empty: the earliest
-- param: pilot text = liyuan | the pilot community (communities.community_id)
-- param: category text = NULL | only this kind of shop; empty: all
-- cells: pilot_rank_cells
-- uses: online_recovery
WITH per AS (
    SELECT community_id, category,
           SUM(expected_cny) AS e, SUM(online_cny) AS o
    FROM online_recovery
    WHERE $category IS NULL OR category = $category
    GROUP BY community_id, category
),
against AS (
    SELECT g.community_id, g.category, g.e, g.o,
           SUM(x.e) AS e_other, SUM(x.o) AS o_other
    FROM per g
    JOIN per x ON x.category = g.category AND x.community_id <> g.community_id
    GROUP BY g.community_id, g.category, g.e, g.o
),
supported AS (
    SELECT *, SUM(e) OVER (PARTITION BY community_id) AS e_g
    FROM against
    WHERE e > 0 AND e_other > 0
),
gaps AS (
    SELECT community_id,
           SUM((e / e_g) * (CAST(o AS DOUBLE) / e - CAST(o_other AS DOUBLE) / e_other)) AS gap
    FROM supported
    GROUP BY community_id
),
ranked AS (
    SELECT c.community_id, g.gap
    FROM communities c
    LEFT JOIN gaps g ON g.community_id = c.community_id
),
ranks AS (
    -- One pass over the gaps: a common table expression read twice is computed twice, and a
    -- sum in another order could differ in its last bit and tie a community with itself.
    SELECT community_id, gap,
           MAX(CASE WHEN community_id = $pilot THEN gap END) OVER () AS pilot_gap,
           COUNT(gap) OVER () AS communities,
           RANK() OVER (ORDER BY gap DESC NULLS LAST) AS rank
    FROM ranked
)
SELECT
    community_id,
    community_id = $pilot AS is_pilot,
    100 * gap AS gap_pp,
    -- RANK: 1 + the rows with a larger gap.
    CASE WHEN gap IS NOT NULL THEN rank END AS rank,
    communities,
    CASE WHEN pilot_gap IS NOT NULL AND communities > 0
         THEN CAST(SUM(CASE WHEN gap >= pilot_gap THEN 1 ELSE 0 END) OVER () AS DOUBLE) / communities
    END AS p_value
FROM ranks
ORDER BY gap DESC NULLS LAST, community_id
