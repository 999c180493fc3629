-- v_completion_ratio: completion ratio and prompt-bloat signals per feature and prompt template.
-- Compares the last 24 hours with the 7 days before them.
-- Parameters: none.  Source: kpi (llm_kpi_1h).
-- completion_ratio = output tokens / input tokens (last 24 h); truncated_pct = share of calls
-- that stopped on finish_reason = 'length'; input_growth_pct = change of average input tokens
-- per call vs the baseline; prompt_bloat = input per call grew > 20% while output per call
-- did not grow.
CREATE VIEW IF NOT EXISTS spanhouse.v_completion_ratio AS
SELECT
    feature,
    prompt_template,
    r_requests AS requests,
    round(r_input / r_requests, 1) AS avg_input_tokens,
    round(r_output / r_requests, 1) AS avg_output_tokens,
    if(r_input = 0, NULL, round(r_output / r_input, 4)) AS completion_ratio,
    round(r_truncated / r_requests * 100, 2) AS truncated_pct,
    b_requests AS baseline_requests,
    if(b_requests = 0, NULL, round(b_input / b_requests, 1)) AS baseline_avg_input_tokens,
    if(b_input = 0, NULL, round(((r_input / r_requests) / (b_input / b_requests) - 1) * 100, 1)) AS input_growth_pct,
    ifNull(input_growth_pct > 20 AND r_output / r_requests <= b_output / b_requests, 0) AS prompt_bloat
FROM
(
    SELECT
        feature,
        prompt_template,
        sumIf(requests, hour >= toStartOfHour(now()) - INTERVAL 23 HOUR) AS r_requests,
        sumIf(input_tokens, hour >= toStartOfHour(now()) - INTERVAL 23 HOUR) AS r_input,
        sumIf(output_tokens, hour >= toStartOfHour(now()) - INTERVAL 23 HOUR) AS r_output,
        sumIf(truncated, hour >= toStartOfHour(now()) - INTERVAL 23 HOUR) AS r_truncated,
        sumIf(requests, hour < toStartOfHour(now()) - INTERVAL 23 HOUR) AS b_requests,
        sumIf(input_tokens, hour < toStartOfHour(now()) - INTERVAL 23 HOUR) AS b_input,
        sumIf(output_tokens, hour < toStartOfHour(now()) - INTERVAL 23 HOUR) AS b_output
    FROM spanhouse.llm_kpi_1h
    WHERE hour >= toStartOfHour(now()) - INTERVAL 23 HOUR - INTERVAL 7 DAY
    GROUP BY feature, prompt_template
)
WHERE r_requests > 0
ORDER BY feature, prompt_template;
