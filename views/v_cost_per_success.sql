-- v_cost_per_success: what does one successful response really cost, per feature and model,
-- counting the money spent on failed attempts too? Last 7 days.
-- Parameters: none.  Source: kpi (llm_kpi_1m: the rollups hold no quantile states).
-- cost_per_success_usd = all cost / successful requests (NULL when nothing succeeded);
-- cost_per_request_usd = all cost / requests; p50/p95 are per-request cost quantiles
-- (quantilesBFloat16: at most 0.4% low).
CREATE VIEW IF NOT EXISTS spanhouse.v_cost_per_success AS
SELECT
    feature,
    model,
    sum(requests) AS requests,
    requests - sum(errors) AS successes,
    sum(cost_usd) AS cost_usd,
    if(successes = 0, NULL, round(toFloat64(cost_usd) / successes, 6)) AS cost_per_success_usd,
    round(toFloat64(cost_usd) / requests, 6) AS cost_per_request_usd,
    round(quantilesBFloat16Merge(0.5, 0.95, 0.99)(cost_q)[1], 6) AS p50_cost_usd,
    round(quantilesBFloat16Merge(0.5, 0.95, 0.99)(cost_q)[2], 6) AS p95_cost_usd
FROM spanhouse.llm_kpi_1m
WHERE minute >= toStartOfHour(now() - INTERVAL 7 DAY)
GROUP BY feature, model
ORDER BY cost_usd DESC, feature, model;
