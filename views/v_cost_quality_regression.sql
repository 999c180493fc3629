-- v_cost_quality_regression: did a feature get more expensive AND worse at the same time?
-- Compares the last 24 hours with the 7 days before, per feature and model.
-- Rule (dual threshold): cost per request up by more than 20% AND average quality score down
-- by more than 5% (relative) => regression = 1. Either alone is reported but not flagged.
-- Parameters: none.  Source: kpi (llm_kpi_1h).
CREATE VIEW IF NOT EXISTS spanhouse.v_cost_quality_regression AS
SELECT
    feature,
    model,
    r_requests AS requests,
    round(toFloat64(r_cost) / r_requests, 6) AS cost_per_request_usd,
    b_requests AS baseline_requests,
    round(toFloat64(b_cost) / b_requests, 6) AS baseline_cost_per_request_usd,
    round((toFloat64(r_cost) / r_requests / (toFloat64(b_cost) / b_requests) - 1) * 100, 1) AS cost_change_pct,
    if(r_qn = 0, NULL, round(r_qsum / r_qn, 4)) AS avg_quality,
    if(b_qn = 0, NULL, round(b_qsum / b_qn, 4)) AS baseline_avg_quality,
    if(r_qn = 0 OR b_qn = 0, NULL, round(((r_qsum / r_qn) / (b_qsum / b_qn) - 1) * 100, 1)) AS quality_change_pct,
    ifNull(cost_change_pct > 20 AND quality_change_pct < -5, 0) AS regression
FROM
(
    SELECT
        feature,
        model,
        sumIf(requests, hour >= toStartOfHour(now()) - INTERVAL 23 HOUR) AS r_requests,
        sumIf(cost_usd, hour >= toStartOfHour(now()) - INTERVAL 23 HOUR) AS r_cost,
        sumIf(quality_sum, hour >= toStartOfHour(now()) - INTERVAL 23 HOUR) AS r_qsum,
        sumIf(quality_count, hour >= toStartOfHour(now()) - INTERVAL 23 HOUR) AS r_qn,
        sumIf(requests, hour < toStartOfHour(now()) - INTERVAL 23 HOUR) AS b_requests,
        sumIf(cost_usd, hour < toStartOfHour(now()) - INTERVAL 23 HOUR) AS b_cost,
        sumIf(quality_sum, hour < toStartOfHour(now()) - INTERVAL 23 HOUR) AS b_qsum,
        sumIf(quality_count, hour < toStartOfHour(now()) - INTERVAL 23 HOUR) AS b_qn
    FROM spanhouse.llm_kpi_1h
    WHERE hour >= toStartOfHour(now()) - INTERVAL 23 HOUR - INTERVAL 7 DAY
    GROUP BY feature, model
)
WHERE r_requests > 0 AND b_requests > 0 AND b_cost > 0
ORDER BY regression DESC, feature, model;
