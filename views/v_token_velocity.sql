-- v_token_velocity: how fast does each model write? Output tokens per second of generation per
-- provider and model, last 24 hours: over all calls (output tokens / latency, what a caller
-- waits for) and over streamed calls after the first token (output tokens / (latency - TTFT),
-- the generation speed itself). A drop is a provider slowing down before latency SLOs notice.
-- Failed calls and calls without output are left out.
-- Parameters: none.  Source: raw (llm_spans, last 24 hours).
CREATE VIEW IF NOT EXISTS spanhouse.v_token_velocity AS
SELECT
    provider,
    model,
    count() AS requests,
    round(sum(output_tokens) / nullIf(sum(latency_ms), 0) * 1000, 1) AS tokens_per_s,
    countIf(ttft_ms IS NOT NULL AND latency_ms > ttft_ms) AS streamed_requests,
    round(sumIf(output_tokens, ttft_ms IS NOT NULL AND latency_ms > ttft_ms)
          / nullIf(sumIf(latency_ms - assumeNotNull(ttft_ms), ttft_ms IS NOT NULL AND latency_ms > ttft_ms), 0) * 1000, 1)
        AS generation_tokens_per_s
FROM spanhouse.llm_spans
WHERE timestamp >= now() - INTERVAL 24 HOUR AND status = 'ok' AND output_tokens > 0
GROUP BY provider, model
ORDER BY provider, model;
