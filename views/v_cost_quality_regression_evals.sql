-- v_cost_quality_regression_evals: the dual-threshold rule (cost per request up by more than
-- 20% AND quality down by more than 5%, relative) per feature and model, last 24 hours
-- against the 7 days before, with quality taken from the EVAL stream when both periods have
-- scored evals (sample-weighted mean over all metrics, in the minute of the scored span)
-- and from the spans' own quality_score otherwise. quality_source says which.
-- Parameters: none.  Source: llm_spans (cost, span quality), llm_quality_1m (evals).
CREATE VIEW IF NOT EXISTS spanhouse.v_cost_quality_regression_evals AS
SELECT
    feature, model, requests, cost_per_request_usd, baseline_requests,
    baseline_cost_per_request_usd, cost_change_pct, quality_source, avg_quality,
    baseline_avg_quality, quality_change_pct, regression
FROM
(
WITH toStartOfHour(now()) - INTERVAL 23 HOUR AS cut
SELECT
    feature,
    model,
    r_n AS requests,
    round(toFloat64(r_cost) / r_n, 6) AS cost_per_request_usd,
    b_n AS baseline_requests,
    round(toFloat64(b_cost) / b_n, 6) AS baseline_cost_per_request_usd,
    round((toFloat64(r_cost) / r_n / (toFloat64(b_cost) / b_n) - 1) * 100, 1) AS cost_change_pct,
    if(r_ew > 0 AND b_ew > 0, 'evals', 'span') AS quality_source,
    if(quality_source = 'evals', r_es / r_ew, if(r_qn = 0, NULL, r_qs / r_qn)) AS rq,
    if(quality_source = 'evals', b_es / b_ew, if(b_qn = 0, NULL, b_qs / b_qn)) AS bq,
    round(rq, 4) AS avg_quality,
    round(bq, 4) AS baseline_avg_quality,
    round((rq / bq - 1) * 100, 1) AS quality_change_pct,
    ifNull(cost_change_pct > 20 AND quality_change_pct < -5, 0) AS regression
FROM
(
    SELECT
        feature,
        model,
        countIf(timestamp >= cut) AS r_n,
        sumIf(cost_usd, timestamp >= cut) AS r_cost,
        countIf(timestamp < cut) AS b_n,
        sumIf(cost_usd, timestamp < cut) AS b_cost,
        sumIf(toFloat64(assumeNotNull(quality_score)), timestamp >= cut AND quality_score IS NOT NULL) AS r_qs,
        countIf(timestamp >= cut AND quality_score IS NOT NULL) AS r_qn,
        sumIf(toFloat64(assumeNotNull(quality_score)), timestamp < cut AND quality_score IS NOT NULL) AS b_qs,
        countIf(timestamp < cut AND quality_score IS NOT NULL) AS b_qn
    FROM spanhouse.llm_spans
    WHERE timestamp >= cut - INTERVAL 7 DAY
    GROUP BY feature, model
) AS c
LEFT JOIN
(
    SELECT
        feature,
        model,
        sumIf(score_wsum, minute >= cut) AS r_es,
        sumIf(score_weight, minute >= cut) AS r_ew,
        sumIf(score_wsum, minute < cut) AS b_es,
        sumIf(score_weight, minute < cut) AS b_ew
    FROM spanhouse.llm_quality_1m
    WHERE metric != '' AND minute >= cut - INTERVAL 7 DAY
    GROUP BY feature, model
) AS q USING (feature, model)
WHERE r_n > 0 AND b_n > 0 AND b_cost > 0
)
ORDER BY regression DESC, feature, model;
