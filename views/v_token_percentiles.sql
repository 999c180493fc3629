-- v_token_percentiles: how many tokens does one call take? Per endpoint and model, last 24 hours:
-- average, p50, p95 and p99 of input and output tokens per call (seed 002: "input tokens per
-- request (avg, P95, P99)"). A p99 far above the p50 is a few calls with huge prompts (a
-- retrieval that stuffs the context, a conversation never truncated) or runaway outputs.
-- Exact quantiles over the raw calls (one scan of a day of llm_spans).
-- Parameters: none.  Source: raw (llm_spans).
CREATE VIEW IF NOT EXISTS spanhouse.v_token_percentiles AS
SELECT
    endpoint, model, requests, avg_input_tokens, qi[1] AS p50_input_tokens, qi[2] AS p95_input_tokens,
    qi[3] AS p99_input_tokens, avg_output_tokens, qo[1] AS p50_output_tokens,
    qo[2] AS p95_output_tokens, qo[3] AS p99_output_tokens
FROM
(
    SELECT
        endpoint,
        model,
        count() AS requests,
        round(avg(input_tokens), 1) AS avg_input_tokens,
        quantilesExact(0.5, 0.95, 0.99)(input_tokens) AS qi,
        round(avg(output_tokens), 1) AS avg_output_tokens,
        quantilesExact(0.5, 0.95, 0.99)(output_tokens) AS qo
    FROM spanhouse.llm_spans
    WHERE timestamp >= now() - INTERVAL 24 HOUR
    GROUP BY endpoint, model
)
ORDER BY p99_input_tokens DESC, endpoint, model;
