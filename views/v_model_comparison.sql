-- v_model_comparison: for the same feature, how do the models it uses compare on cost,
-- latency, errors and quality? Last 7 days.
-- Parameters: none (filter WHERE feature = '…').  Source: kpi (llm_kpi_1m: the rollups hold no quantile states).
-- cost_vs_cheapest = this model's cost per request / the cheapest model's for the feature.
CREATE VIEW IF NOT EXISTS spanhouse.v_model_comparison AS
SELECT
    feature,
    model,
    requests,
    cost_usd,
    cost_per_request_usd,
    round(cost_per_request_usd / min(cost_per_request_usd) OVER (PARTITION BY feature), 3) AS cost_vs_cheapest,
    p95_latency_ms,
    error_rate_pct,
    avg_quality
FROM
(
    SELECT
        feature,
        model,
        sum(requests) AS requests,
        sum(cost_usd) AS cost_usd,
        round(toFloat64(cost_usd) / requests, 6) AS cost_per_request_usd,
        quantilesBFloat16Merge(0.5, 0.95, 0.99)(latency_q)[2] AS p95_latency_ms,
        round(sum(errors) / requests * 100, 2) AS error_rate_pct,
        if(sum(quality_count) = 0, NULL, round(sum(quality_sum) / sum(quality_count), 3)) AS avg_quality
    FROM spanhouse.llm_kpi_1m
    WHERE minute >= toStartOfHour(now() - INTERVAL 7 DAY)
    GROUP BY feature, model
)
ORDER BY feature, cost_per_request_usd, model;
