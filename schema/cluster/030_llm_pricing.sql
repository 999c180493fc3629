-- cluster/030_llm_pricing.sql: the ClickHouse-cluster variant of schema/030_llm_pricing.sql (read that file for the meaning).
-- Replicated tables named <table>_local on every node (ON CLUSTER '{cluster}'), and a
-- Distributed table under the single-node name, so the worker, the views and analysts use
-- the same names. Macros {cluster}, {shard}, {replica} come from the server config.
CREATE TABLE IF NOT EXISTS spanhouse.llm_pricing ON CLUSTER '{cluster}'
(
    provider            LowCardinality(String),
    model               LowCardinality(String),
    effective_from      Date,
    input_per_1m        Decimal(18, 9),
    output_per_1m       Decimal(18, 9),
    cache_read_per_1m   Nullable(Decimal(18, 9)),   -- NULL = input_per_1m
    cache_write_per_1m  Nullable(Decimal(18, 9)),   -- NULL = input_per_1m
    reasoning_per_1m    Nullable(Decimal(18, 9)),   -- NULL = output_per_1m
    batch_discount      Nullable(Decimal(9, 6)),    -- fraction off for batch calls, e.g. 0.5; NULL = 0
    aliases             String,                     -- other model names with these prices, '|'-separated
    notes               String,
    -- Long-context tier (docs/pricing.md): a call whose input tokens (cache reads and writes
    -- included) exceed long_context_above is billed entirely at the *_long prices. NULL = no tier.
    long_context_above      Nullable(UInt64),
    input_long_per_1m       Nullable(Decimal(18, 9)),
    output_long_per_1m      Nullable(Decimal(18, 9)),
    cache_read_long_per_1m  Nullable(Decimal(18, 9)),   -- NULL = input_long_per_1m
    cache_write_long_per_1m Nullable(Decimal(18, 9)),   -- NULL = input_long_per_1m
    -- 1-hour cache writes, service tiers, web-search fees (docs/pricing.md).
    cache_write_1h_per_1m      Nullable(Decimal(18, 9)),  -- NULL = cache_write_per_1m
    cache_write_1h_long_per_1m Nullable(Decimal(18, 9)),  -- NULL = cache_write_long_per_1m
    flex_factor                Nullable(Decimal(18, 9)),  -- NULL = flex not priced (standard)
    priority_factor            Nullable(Decimal(18, 9)),  -- NULL = priority not priced (standard)
    web_search_per_1k          Nullable(Decimal(18, 9))   -- USD per 1,000 calls; NULL = not priced
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/all/{database}/llm_pricing', '{replica}')
ORDER BY (provider, model, effective_from);
