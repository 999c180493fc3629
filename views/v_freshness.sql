-- v_freshness: how long until a call is queryable? Per topic, last hour: the delay from the end
-- of each call (timestamp + latency_ms) to the moment the server stored its row (stored_at, set
-- by ClickHouse, not the worker's encode time): p50, p95, p99 and the largest, in seconds.
-- Seed 001's target: p95 under 60 s, p99 under 120 s (alert spanhouse-freshness). The delay
-- includes the producer's own buffering, Kafka, the worker's batching and the insert.
-- Rows re-read after a restart or a replay are stored late by design: they count here too.
-- Parameters: none.  Source: raw (llm_spans, last hour by stored_at).
CREATE VIEW IF NOT EXISTS spanhouse.v_freshness AS
SELECT
    kafka_topic, rows, q[1] AS p50_delay_s, q[2] AS p95_delay_s, q[3] AS p99_delay_s, max_delay_s,
    p95_delay_s > 60 OR p99_delay_s > 120 AS over_target
FROM
(
    SELECT
        kafka_topic,
        count() AS rows,
        arrayMap(x -> round(x, 3), quantilesExact(0.5, 0.95, 0.99)(delay)) AS q,
        round(max(delay), 3) AS max_delay_s
    FROM
    (
        SELECT kafka_topic,
               greatest(dateDiff('millisecond', timestamp, stored_at) - latency_ms, 0) / 1000 AS delay
        FROM spanhouse.llm_spans
        WHERE stored_at >= now() - INTERVAL 1 HOUR
    )
    GROUP BY kafka_topic
)
ORDER BY p95_delay_s DESC, kafka_topic;
