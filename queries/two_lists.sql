-- title: 两张清单：需求与服务 / The two lists: needs and services
-- One row per community and need: households needing it (and how many of them elderly), the
-- shops of that community offering that service, and households per provider (empty where
-- no shop offers it). The lists do not depend on the lockdown; the parameter is accepted so
-- every figure takes the same one.
-- param: lockdown_id text = NULL | accepted for uniformity; not used
-- cells: two_lists_cells
SELECT
    n.community_id,
    n.need,
    n.households,
    n.elderly_households,
    COALESCE(p.providers, 0) AS providers,
    CASE WHEN COALESCE(p.providers, 0) = 0 THEN NULL
         ELSE CAST(n.households AS DOUBLE) / p.providers END AS households_per_provider
FROM resident_needs n
LEFT JOIN (
    SELECT s.community_id, v.service, COUNT(DISTINCT v.shop_id) AS providers
    FROM shop_services v
    JOIN shops s ON s.shop_id = v.shop_id
    GROUP BY s.community_id, v.service
) p ON p.community_id = n.community_id AND p.service = n.need
ORDER BY n.community_id, n.need
