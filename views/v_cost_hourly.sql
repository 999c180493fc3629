-- v_cost_hourly: the spend time series for dashboards: cost, calls and tokens per hour,
-- tenant, team, feature and model over the last 7 days.
-- Parameters: none (Grafana adds its time filter on `hour`).  Source: kpi (llm_kpi_1h).
CREATE VIEW IF NOT EXISTS spanhouse.v_cost_hourly AS
SELECT
    hour,
    tenant_id,
    team_id,
    feature,
    model,
    sum(requests) AS requests,
    sum(errors) AS errors,
    sum(cost_usd) AS cost_usd,
    sum(input_tokens) AS input_tokens,
    sum(output_tokens) AS output_tokens
FROM spanhouse.llm_kpi_1h
WHERE hour >= toStartOfHour(now() - INTERVAL 7 DAY)
GROUP BY hour, tenant_id, team_id, feature, model
ORDER BY hour, tenant_id, team_id, feature, model;
