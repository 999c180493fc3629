-- v_token_mix: input vs output vs cached tokens, per day and model, last 30 days.
-- Parameters: none.  Source: kpi (llm_kpi_1d).
-- input_tokens counts every prompt token (cache reads/writes included, OpenAI/OTel convention):
-- uncached_input_tokens = input_tokens - cache_read_tokens. reasoning_tokens are part of
-- output_tokens. cached_input_pct = cache_read_tokens / input_tokens.
CREATE VIEW IF NOT EXISTS spanhouse.v_token_mix AS
SELECT
    day,
    model,
    sum(requests) AS requests,
    sum(input_tokens) AS input_tokens,
    input_tokens - cache_read_tokens AS uncached_input_tokens,
    sum(cache_read_tokens) AS cache_read_tokens,
    sum(cache_write_tokens) AS cache_write_tokens,
    sum(output_tokens) AS output_tokens,
    sum(reasoning_tokens) AS reasoning_tokens,
    if(input_tokens = 0, NULL, round(cache_read_tokens / input_tokens * 100, 2)) AS cached_input_pct,
    if(input_tokens = 0, NULL, round(output_tokens / input_tokens, 4)) AS output_per_input
FROM spanhouse.llm_kpi_1d
WHERE day >= today() - 29
GROUP BY day, model
ORDER BY day, model;
