-- v_stage_latency: where does a request's time go? Per feature and stage of the traces that
-- hold an LLM call (e.g. request -> embedding -> retrieval -> generation), last 24 hours: how
-- many traces have the stage, its calls, the p50/p95/p99 of the stage's time per trace (a
-- stage called twice in a trace counts both calls), and its share of those traces' wall time
-- (the stage's time over the traces' duration, first start to last end, summed over traces).
-- Stages: an LLM call's operation (chat, embeddings, ...); any other span of the trace by its
-- span name, stored when the worker keeps non-LLM spans (otlp-keep-all: model '_none',
-- operation = span name). A trace counts for the feature of its earliest LLM call; traces
-- without an LLM call (a service's other traffic) are left out. Stages that run in parallel or
-- nest (a request span around its calls) overlap, so shares may add up to more than 100 %.
-- Parameters: none.  Source: raw (llm_spans, last 24 hours).
CREATE VIEW IF NOT EXISTS spanhouse.v_stage_latency AS
SELECT
    feature,
    stage,
    count() AS traces,
    sum(calls) AS calls,
    quantileExact(0.5)(stage_ms) AS p50_ms,
    quantileExact(0.95)(stage_ms) AS p95_ms,
    quantileExact(0.99)(stage_ms) AS p99_ms,
    round(sum(stage_ms) / nullIf(sum(trace_ms), 0) * 100, 1) AS share_of_trace_pct
FROM
(
    SELECT
        t.feature AS feature,
        s.operation AS stage,
        s.trace_id AS trace_id,
        count() AS calls,
        sum(toUInt64(s.latency_ms)) AS stage_ms,
        any(t.trace_ms) AS trace_ms
    FROM spanhouse.llm_spans AS s
    INNER JOIN
    (
        SELECT
            trace_id,
            argMinIf(feature, timestamp, model != '_none') AS feature,
            max(toUnixTimestamp64Milli(timestamp) + latency_ms) - min(toUnixTimestamp64Milli(timestamp)) AS trace_ms
        FROM spanhouse.llm_spans
        WHERE timestamp >= now() - INTERVAL 24 HOUR AND trace_id != ''
        GROUP BY trace_id
        HAVING countIf(model != '_none') > 0
    ) AS t ON s.trace_id = t.trace_id
    WHERE s.timestamp >= now() - INTERVAL 24 HOUR
    GROUP BY feature, stage, trace_id
)
GROUP BY feature, stage
ORDER BY feature, share_of_trace_pct DESC, stage;
