-- 210_llm_outcomes: one row per business outcome (conversion, ticket_escalated, thumbs_down,
-- refund …) attributed to a trace, written by the worker from topics declared
-- `--topic NAME:outcome`. Columns are exactly ingest/eval_columns.h OUTCOME_COLUMNS_MAP.
-- value is exact (Decimal(18, 9), may be negative); currency is '' when it is not money.
-- Joined to spans like evals (220_llm_quality_1m.sql). Retention 30 days, dedup as spans.
CREATE TABLE IF NOT EXISTS spanhouse.llm_outcomes
(
    timestamp       DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    trace_id        String CODEC(ZSTD(1)),
    span_id         String CODEC(ZSTD(1)),
    event           LowCardinality(String),
    value           Decimal(18, 9) CODEC(ZSTD(1)),
    currency        LowCardinality(String),
    kafka_topic     LowCardinality(String),
    kafka_partition Int32,
    kafka_offset    Int64 CODEC(Delta, ZSTD(1)),
    ingested_at     DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    INDEX idx_trace trace_id TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = MergeTree
PARTITION BY toDate(timestamp)
ORDER BY (event, timestamp)
TTL toDateTime(timestamp) + INTERVAL 30 DAY DELETE
SETTINGS non_replicated_deduplication_window = 1000, index_granularity = 8192;
