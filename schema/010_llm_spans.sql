-- 010_llm_spans: one row per LLM call (raw spans), written by the spanhouse worker.
-- Columns 1..51 are exactly ingest/columns.h (names, types, order): the worker inserts
-- RowBinary with an explicit column list. Columns after ingested_at are computed here.
-- Retention: 90 days of raw spans (TTL; `spanhouse schema apply --raw-retention-days N` sets
-- another number without editing this file); the KPI aggregates keep 180 days (1m), 400 days
-- (1h) and forever (1d). Money: cost_usd is Decimal(18, 9) = exact nano-USD, sums are exact.
-- Deduplication: the worker sends each batch with insert_deduplication_token and
-- deduplicate_blocks_in_dependent_materialized_views = 1, so a retried batch is dropped here
-- and in every KPI view (the last 1000 blocks are remembered).
CREATE TABLE IF NOT EXISTS spanhouse.llm_spans
(
    timestamp            DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    trace_id             String CODEC(ZSTD(1)),
    span_id              String CODEC(ZSTD(1)),
    parent_span_id       String CODEC(ZSTD(1)),
    request_id           String CODEC(ZSTD(1)),
    provider             LowCardinality(String),
    model                LowCardinality(String),
    response_model       LowCardinality(String),
    operation            LowCardinality(String),
    endpoint             LowCardinality(String),
    feature              LowCardinality(String),
    prompt_template      LowCardinality(String),
    prompt_version       LowCardinality(String),
    tenant_id            LowCardinality(String),
    team_id              LowCardinality(String),
    cost_center          LowCardinality(String),
    plan_tier            LowCardinality(String),
    user_id              String CODEC(ZSTD(1)),
    session_id           String CODEC(ZSTD(1)),
    experiment_id        LowCardinality(String),
    api_key_id           String CODEC(ZSTD(1)),
    service              LowCardinality(String),
    environment          LowCardinality(String),
    deploy_version       LowCardinality(String),
    input_tokens         UInt32 CODEC(T64, ZSTD(1)),
    output_tokens        UInt32 CODEC(T64, ZSTD(1)),
    cache_read_tokens    UInt32 CODEC(T64, ZSTD(1)),
    cache_write_tokens   UInt32 CODEC(T64, ZSTD(1)),
    reasoning_tokens     UInt32 CODEC(T64, ZSTD(1)),
    cache_write_1h_tokens UInt32 CODEC(T64, ZSTD(1)),  -- of cache_write_tokens, written with a 1-hour TTL
    web_search_calls     UInt32 CODEC(T64, ZSTD(1)),   -- provider-side web searches (billed per call)
    service_tier         LowCardinality(String),       -- as sent: standard/default, flex, priority, batch, ''
    cost_usd             Decimal(18, 9) CODEC(ZSTD(1)),
    cost_usd_computed    Decimal(18, 9) CODEC(ZSTD(1)),
    cost_source          LowCardinality(String),
    pricing_status       LowCardinality(String),
    latency_ms           UInt32 CODEC(T64, ZSTD(1)),
    ttft_ms              Nullable(UInt32) CODEC(T64, ZSTD(1)),
    streaming            UInt8,
    cache_hit            UInt8,
    is_batch             UInt8,
    status               LowCardinality(String),
    error_class          LowCardinality(String),
    http_status          UInt16,
    retry_count          UInt16,
    finish_reason        LowCardinality(String),
    quality_score        Nullable(Float32),
    evaluator            LowCardinality(String),
    tenant_status        LowCardinality(String),
    attributes           Map(String, String) CODEC(ZSTD(1)),
    kafka_topic          LowCardinality(String),
    kafka_partition      Int32,
    kafka_offset         Int64 CODEC(Delta, ZSTD(1)),
    ingested_at          DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    -- Set by the server when the row is stored (never sent by the worker): freshness, the
    -- delay from the call's end to queryable (v_freshness).
    stored_at            DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(Delta, ZSTD(1)),
    -- Computed columns (never sent by the worker).
    total_tokens         UInt64 ALIAS input_tokens + output_tokens,
    is_error             UInt8 ALIAS status != 'ok',
    INDEX idx_trace trace_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_user user_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_latency latency_ms TYPE minmax GRANULARITY 4
)
ENGINE = MergeTree
PARTITION BY toDate(timestamp)
ORDER BY (tenant_id, feature, endpoint, model, timestamp)
TTL toDateTime(timestamp) + INTERVAL 90 DAY DELETE
SETTINGS non_replicated_deduplication_window = 1000, index_granularity = 8192;
