-- 300_llm_bill_lines: what the providers billed, imported from their own exports with
-- `spanhouse bill import FILE --bill-format …` (docs/reconciliation.md). One row per time
-- bucket x provider x model x project/workspace x api key x service tier x context window x
-- token type x line item of the export. Cost exports fill amount_usd (NULL on usage exports);
-- usage exports fill tokens (requests and web-search calls count as tokens of their type).
-- token_type: input (uncached), cached_input, cache_write_5m, cache_write_1h, output,
-- requests, web_search, code_execution, other.
-- Idempotent: the key is the line's identity in the export, and a later import of the same
-- line replaces the earlier one (ReplacingMergeTree on imported_at; read with FINAL), so the
-- same file twice, or two exports of overlapping periods, count each line once. An import is
-- also sent with a deduplication token of the file's content.
CREATE TABLE IF NOT EXISTS spanhouse.llm_bill_lines
(
    bucket_start        DateTime('UTC'),
    day                 Date,
    provider            LowCardinality(String),
    source_format       LowCardinality(String),
    model               LowCardinality(String),
    project             String,
    api_key             String,
    service_tier        LowCardinality(String),
    context_window      LowCardinality(String),
    token_type          LowCardinality(String),
    line_item           String,
    tokens              UInt64,
    amount_usd          Nullable(Decimal(18, 9)),
    source_file         String,
    source_ref          String,
    imported_at         DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(imported_at)
PARTITION BY toYYYYMM(day)
ORDER BY (provider, source_format, bucket_start, model, project, api_key, service_tier, context_window, token_type, line_item)
SETTINGS non_replicated_deduplication_window = 1000;
