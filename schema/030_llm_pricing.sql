-- 030_llm_pricing: model prices, the same rows as schema/pricing.csv (which the worker uses
-- to cost spans). Analysts join it to re-cost or to value prompt-cache savings.
-- A price applies from effective_from until the next row of the same provider/model; look it
-- up with ASOF JOIN ... AND toDate(t) >= effective_from. Prices are USD per 1M tokens.
-- Load: INSERT INTO spanhouse.llm_pricing SELECT * FROM file('pricing.csv', CSVWithNames).
CREATE TABLE IF NOT EXISTS spanhouse.llm_pricing
(
    provider            LowCardinality(String),
    model               LowCardinality(String),
    effective_from      Date,
    input_per_1m        Decimal(18, 9),
    output_per_1m       Decimal(18, 9),
    cache_read_per_1m   Decimal(18, 9),
    cache_write_per_1m  Decimal(18, 9),
    reasoning_per_1m    Decimal(18, 9),
    batch_discount      Decimal(9, 6)     -- fraction off for batch calls, e.g. 0.5
)
ENGINE = ReplacingMergeTree
ORDER BY (provider, model, effective_from);
