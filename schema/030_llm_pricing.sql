-- 030_llm_pricing: model prices, the same rows as schema/pricing.csv (which the worker uses
-- to cost spans). Analysts join it to re-cost or to value prompt-cache savings.
-- A price applies from effective_from until the next row of the same provider/model; look it
-- up with ASOF JOIN ... AND toDate(t) >= effective_from. Prices are USD per 1M tokens.
-- Empty CSV fields are NULL here and mean what docs/pricing.md says: cache read/write price
-- empty = the input price, reasoning empty = the output price, batch_discount empty = 0.
-- Load (the CSV has '#' comment lines, which ClickHouse's CSV reader does not skip):
--   grep -v '^#' schema/pricing.csv | clickhouse-client --query \
--     'INSERT INTO spanhouse.llm_pricing FORMAT CSVWithNames'    (columns matched by header name)
CREATE TABLE IF NOT EXISTS spanhouse.llm_pricing
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
ENGINE = ReplacingMergeTree
ORDER BY (provider, model, effective_from);
