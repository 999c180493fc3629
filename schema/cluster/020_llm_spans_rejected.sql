-- cluster/020_llm_spans_rejected.sql: the ClickHouse-cluster variant of schema/020_llm_spans_rejected.sql (read that file for the meaning).
-- Replicated tables named <table>_local on every node (ON CLUSTER '{cluster}'), and a
-- Distributed table under the single-node name, so the worker, the views and analysts use
-- the same names. Macros {cluster}, {shard}, {replica} come from the server config.
CREATE TABLE IF NOT EXISTS spanhouse.llm_spans_rejected_local ON CLUSTER '{cluster}'
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
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/llm_spans_rejected_local', '{replica}')
PARTITION BY toDate(received_at)
ORDER BY (reason, topic, received_at)
TTL toDateTime(received_at) + INTERVAL 30 DAY DELETE
SETTINGS replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS spanhouse.llm_spans_rejected ON CLUSTER '{cluster}'
AS spanhouse.llm_spans_rejected_local
ENGINE = Distributed('{cluster}', spanhouse, llm_spans_rejected_local, rand());
