-- v_slow_requests: the 10 slowest calls of the last 24 hours, with what to look them up by.
-- Parameters: none.  Source: raw (llm_spans): individual calls are not in the aggregates.
CREATE VIEW IF NOT EXISTS spanhouse.v_slow_requests AS
SELECT
    timestamp,
    trace_id,
    request_id,
    tenant_id,
    feature,
    endpoint,
    provider,
    model,
    latency_ms,
    ttft_ms,
    input_tokens,
    output_tokens,
    status,
    cost_usd
FROM spanhouse.llm_spans
WHERE timestamp >= now() - INTERVAL 24 HOUR
ORDER BY latency_ms DESC, timestamp DESC, trace_id
LIMIT 10;
