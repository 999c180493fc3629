-- v_quality_by_prompt_version: quality score trend by prompt template and version, per day,
-- last 30 days, with cost per call so a better prompt can be weighed against its price.
-- Parameters: none.  Source: kpi (llm_kpi_1m, by UTC day:
-- the daily rollup holds no quantile states). Calls without a quality score are counted in
-- requests but not in scored / avg_quality / p50_quality.
CREATE VIEW IF NOT EXISTS spanhouse.v_quality_by_prompt_version AS
SELECT
    toDate(minute) AS day,
    prompt_template,
    prompt_version,
    sum(requests) AS requests,
    sum(quality_count) AS scored,
    if(scored = 0, NULL, round(sum(quality_sum) / scored, 4)) AS avg_quality,
    if(scored = 0, NULL, round(quantilesBFloat16Merge(0.5, 0.95, 0.99)(quality_q)[1], 4)) AS p50_quality,
    round(toFloat64(sum(cost_usd)) / requests, 6) AS cost_per_request_usd
FROM spanhouse.llm_kpi_1m
WHERE toDate(minute) >= today() - 29
GROUP BY day, prompt_template, prompt_version
ORDER BY prompt_template, prompt_version, day;
