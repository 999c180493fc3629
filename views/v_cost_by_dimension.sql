-- v_cost_by_dimension: who and what costs the most? Top 10 per dimension over the last 7 days
-- (team, feature, endpoint, model, user), with each value's share of the total spend.
-- Parameters: none; filter with WHERE dimension = 'team' | 'feature' | 'endpoint' | 'model' | 'user'.
-- Source: kpi (llm_kpi_1h) for team/feature/endpoint/model; raw llm_spans for user (users are
-- not a KPI dimension: too many of them).
-- Window: from the start of the hour 7 days ago until now.
CREATE VIEW IF NOT EXISTS spanhouse.v_cost_by_dimension AS
WITH
    kpi AS
    (
        SELECT team_id, feature, endpoint, model, requests, cost_usd
        FROM spanhouse.llm_kpi_1h
        WHERE hour >= toStartOfHour(now() - INTERVAL 7 DAY)
    ),
    per_value AS
    (
        SELECT 'team' AS dimension, toString(team_id) AS value, sum(requests) AS requests, sum(cost_usd) AS cost_usd FROM kpi GROUP BY value
        UNION ALL
        SELECT 'feature', toString(feature), sum(requests), sum(cost_usd) FROM kpi GROUP BY feature
        UNION ALL
        SELECT 'endpoint', toString(endpoint), sum(requests), sum(cost_usd) FROM kpi GROUP BY endpoint
        UNION ALL
        SELECT 'model', toString(model), sum(requests), sum(cost_usd) FROM kpi GROUP BY model
        UNION ALL
        SELECT 'user', user_id, count(), sum(toDecimal128(cost_usd, 9))
        FROM spanhouse.llm_spans
        WHERE timestamp >= toStartOfHour(now() - INTERVAL 7 DAY)
        GROUP BY user_id
    )
SELECT
    dimension,
    value,
    requests,
    cost_usd,
    round(toFloat64(cost_usd) / nullIf(toFloat64(sum(cost_usd) OVER (PARTITION BY dimension)), 0) * 100, 2) AS share_pct,
    row_number() OVER (PARTITION BY dimension ORDER BY cost_usd DESC, value) AS rank
FROM per_value
ORDER BY dimension, rank
LIMIT 10 BY dimension;
