-- 200_llm_evals: one row per quality evaluation (LLM-as-judge, heuristic, human, user
-- feedback), written by the spanhouse worker from topics declared `--topic NAME:eval`.
-- Columns are exactly ingest/eval_columns.h EVAL_COLUMNS_MAP (names, types, order).
-- An eval does not carry the span's dimensions: 220_llm_quality_1m.sql joins it to its span
-- by trace_id (+ span_id) and counts it in the minute of the SPAN (docs/evals.md).
-- Retention: 30 days like llm_spans. Dedup: same batch tokens as spans (last 1000 blocks).
CREATE TABLE IF NOT EXISTS spanhouse.llm_evals
(
    timestamp             DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    trace_id              String CODEC(ZSTD(1)),
    span_id               String CODEC(ZSTD(1)),
    response_id           String CODEC(ZSTD(1)),
    evaluator             LowCardinality(String),
    evaluator_version     LowCardinality(String),
    metric                LowCardinality(String),
    score                 Nullable(Float64),
    label                 LowCardinality(String),
    confidence            Nullable(Float32),
    source                LowCardinality(String),
    sample_rate           Float64 DEFAULT 1,
    explanation           String CODEC(ZSTD(3)),
    explanation_truncated UInt8,
    kafka_topic           LowCardinality(String),
    kafka_partition       Int32,
    kafka_offset          Int64 CODEC(Delta, ZSTD(1)),
    ingested_at           DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    INDEX idx_trace trace_id TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = MergeTree
PARTITION BY toDate(timestamp)
ORDER BY (metric, timestamp)
TTL toDateTime(timestamp) + INTERVAL 30 DAY DELETE
SETTINGS non_replicated_deduplication_window = 1000, index_granularity = 8192;
