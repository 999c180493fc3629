-- v_user_cost_distribution: how is spend spread over users? Per tenant, last 30 days: users with
-- calls, and the p50, p90 and p99 of one user's 30-day cost, the largest, and the largest
-- user's share of the tenant's spend. A top-N list (v_cost_by_dimension) shows who; this shows
-- whether a tenant's bill is a few heavy users or many light ones. Calls without a user_id
-- are left out. Exact quantiles over the users.
-- Parameters: none.  Source: raw (llm_spans, last 30 days).
CREATE VIEW IF NOT EXISTS spanhouse.v_user_cost_distribution AS
SELECT
    tenant_id, users, total_cost_usd, q[1] AS p50_user_cost_usd, q[2] AS p90_user_cost_usd,
    q[3] AS p99_user_cost_usd, max_user_cost_usd, top_user_share_pct
FROM
(
    SELECT
        tenant_id,
        count() AS users,
        round(sum(cost), 6) AS total_cost_usd,
        arrayMap(x -> round(x, 6), quantilesExact(0.5, 0.9, 0.99)(cost)) AS q,
        round(max(cost), 6) AS max_user_cost_usd,
        if(sum(cost) = 0, NULL, round(max(cost) / sum(cost) * 100, 2)) AS top_user_share_pct
    FROM
    (
        SELECT tenant_id, user_id, toFloat64(sum(cost_usd)) AS cost
        FROM spanhouse.llm_spans
        WHERE timestamp >= now() - INTERVAL 30 DAY AND user_id != ''
        GROUP BY tenant_id, user_id
    )
    GROUP BY tenant_id
)
ORDER BY total_cost_usd DESC, tenant_id;
