-- v_error_cost_by_class: how much money did failed calls burn, by error class and provider,
-- over the last 7 days, and what share of all spend is that?
-- Parameters: none.  Source: kpi (llm_kpi_1h: errors_by_class / error_cost_by_class maps).
CREATE VIEW IF NOT EXISTS spanhouse.v_error_cost_by_class AS
WITH per_provider AS
(
    SELECT
        provider,
        sumMap(errors_by_class) AS n_by_class,
        sumMap(error_cost_by_class) AS cost_by_class
    FROM spanhouse.llm_kpi_1h
    WHERE hour >= toStartOfHour(now() - INTERVAL 7 DAY)
    GROUP BY provider
)
SELECT
    error_class,
    provider,
    n_by_class[error_class] AS errors,
    cost_by_class[error_class] AS wasted_cost_usd,
    round(toFloat64(wasted_cost_usd) / nullIf(toFloat64((SELECT sum(cost_usd) FROM spanhouse.llm_kpi_1h WHERE hour >= toStartOfHour(now() - INTERVAL 7 DAY))), 0) * 100, 2) AS share_of_all_spend_pct
FROM per_provider
ARRAY JOIN mapKeys(n_by_class) AS error_class
ORDER BY wasted_cost_usd DESC, error_class, provider;
