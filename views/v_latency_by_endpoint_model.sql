-- v_latency_by_endpoint_model: p50/p95/p99 latency and time-to-first-token by endpoint and
-- model over the last 24 hours.
-- Parameters: none.  Source: kpi (llm_kpi_1m).
-- Quantiles are quantilesBFloat16 (values rounded down to 8 significant bits: at most 0.4% low).
-- TTFT quantiles cover streaming calls that reported a TTFT (NULL-free); ttft_requests counts them.
CREATE VIEW IF NOT EXISTS spanhouse.v_latency_by_endpoint_model AS
SELECT
    endpoint,
    model,
    sum(requests) AS requests,
    quantilesBFloat16Merge(0.5, 0.95, 0.99)(latency_q) AS lat,
    lat[1] AS p50_latency_ms,
    lat[2] AS p95_latency_ms,
    lat[3] AS p99_latency_ms,
    sum(ttft_count) AS ttft_requests,
    quantilesBFloat16Merge(0.5, 0.95, 0.99)(ttft_q) AS ttft,
    if(ttft_requests = 0, NULL, ttft[1]) AS p50_ttft_ms,
    if(ttft_requests = 0, NULL, ttft[2]) AS p95_ttft_ms,
    if(ttft_requests = 0, NULL, ttft[3]) AS p99_ttft_ms
FROM spanhouse.llm_kpi_1m
WHERE minute >= now() - INTERVAL 24 HOUR
GROUP BY endpoint, model
ORDER BY endpoint, model;
