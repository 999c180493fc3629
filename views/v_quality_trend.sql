-- v_quality_trend: evaluation quality per hour (of the scored SPANS, not of the evals) by
-- prompt template version and model, per metric, over the last 7 days.
-- mean_score is sample-weighted (each eval weighs 1 / sample_rate); pass_rate is the weighted
-- share of labelled evals whose label is a pass word (220_llm_quality_1m.sql);
-- score_p50_p90_p99 are unweighted bfloat16 quantiles (within 0.4%).
-- Parameters: none.  Source: llm_quality_1m.
CREATE VIEW IF NOT EXISTS spanhouse.v_quality_trend AS
SELECT
    toStartOfHour(minute) AS hour,
    prompt_template,
    prompt_version,
    model,
    metric,
    sum(evals) AS evals,
    round(sum(evals_weighted), 3) AS evals_weighted,
    if(sum(score_weight) = 0, NULL, round(sum(score_wsum) / sum(score_weight), 4)) AS mean_score,
    if(sum(label_weight) = 0, NULL, round(sum(pass_weight) / sum(label_weight), 4)) AS pass_rate,
    arrayMap(x -> round(x, 4), quantilesBFloat16Merge(0.5, 0.9, 0.99)(score_q)) AS score_p50_p90_p99
FROM spanhouse.llm_quality_1m
WHERE metric != '' AND minute >= now() - INTERVAL 7 DAY
GROUP BY hour, prompt_template, prompt_version, model, metric
ORDER BY hour, prompt_template, prompt_version, model, metric;
