-- 020_llm_spans_rejected: dead letters. Every message the worker cannot store as a span
-- (malformed, invalid, rejected by ClickHouse) lands here with its original bytes and a
-- stable reason code (ingest/err.h names, e.g. missing_field), never dropped.
-- Column names and order are a contract with the worker's DLQ encoder.
-- Retention: 30 days. Deduplicated like llm_spans (insert_deduplication_token).
CREATE TABLE IF NOT EXISTS spanhouse.llm_spans_rejected
(
    received_at  DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    kind         LowCardinality(String),   -- span | eval | outcome | otlp
    topic        LowCardinality(String),
    partition    Int32,
    offset       Int64,
    key          String CODEC(ZSTD(1)),
    reason       LowCardinality(String),   -- stable reason code, ingest/err.h
    field        String,                   -- offending field, '' if not field-specific
    detail       String CODEC(ZSTD(1)),    -- human-readable detail
    payload      String CODEC(ZSTD(3))     -- the original message bytes
)
ENGINE = MergeTree
PARTITION BY toDate(received_at)
ORDER BY (reason, topic, received_at)
TTL toDateTime(received_at) + INTERVAL 30 DAY DELETE
SETTINGS non_replicated_deduplication_window = 1000;
