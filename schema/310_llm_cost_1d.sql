-- 310_llm_cost_1d: spanhouse's side of a reconciliation with the provider's bill: per UTC day x
-- tenant x provider x model family, the calls that reached a provider and what they cost
-- (docs/reconciliation.md). Fed by a materialized view from llm_spans; kept forever.
-- model_family: response_model (else model) without a trailing snapshot tag (-YYYY-MM-DD,
-- -YYYYMMDD, -latest), the same rule v_bill_reconciliation applies to the bill's model names.
-- Response-cache hits (cost_source = 'cache_hit') made no provider call: counted in spans only,
-- left out of requests, tokens and cost. (spans is what `reconcile` compares with llm_spans: a
-- re-pricing can turn an unpriced call into a cache hit, never make a span disappear.)
-- Token columns follow the bill's vocabulary: input_uncached_tokens = input_tokens less cache
-- reads and writes (llm_spans.input_tokens includes both; docs/span-format.md).
-- cost_usd_computed: from the pricing table; cost_usd_reported: what producers reported, on
-- the calls that carried a cost (reported_requests); unpriced_requests: unknown_model calls.
CREATE TABLE IF NOT EXISTS spanhouse.llm_cost_1d
(
    day                     Date,
    tenant_id               LowCardinality(String),
    provider                LowCardinality(String),
    model_family            LowCardinality(String),
    spans                   SimpleAggregateFunction(sum, UInt64),
    requests                SimpleAggregateFunction(sum, UInt64),
    input_uncached_tokens   SimpleAggregateFunction(sum, UInt64),
    cache_read_tokens       SimpleAggregateFunction(sum, UInt64),
    cache_write_tokens      SimpleAggregateFunction(sum, UInt64),
    cache_write_1h_tokens   SimpleAggregateFunction(sum, UInt64),
    web_search_calls        SimpleAggregateFunction(sum, UInt64),
    output_tokens           SimpleAggregateFunction(sum, UInt64),
    reasoning_tokens        SimpleAggregateFunction(sum, UInt64),
    cost_usd_computed       SimpleAggregateFunction(sum, Decimal(38, 9)),
    cost_usd_reported       SimpleAggregateFunction(sum, Decimal(38, 9)),
    reported_requests       SimpleAggregateFunction(sum, UInt64),
    unpriced_requests       SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (day, tenant_id, provider, model_family)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS spanhouse.llm_cost_1d_mv TO spanhouse.llm_cost_1d AS
SELECT
    toDate(s.timestamp) AS day,
    tenant_id,
    provider,
    replaceRegexpOne(if(s.response_model != '', s.response_model, s.model), '(-[0-9]{4}-[0-9]{2}-[0-9]{2}|-[0-9]{8}|-latest)$', '') AS model_family,
    count() AS spans,
    countIf(s.cost_source != 'cache_hit') AS requests,
    sumIf(toUInt64(s.input_tokens) - least(toUInt64(s.input_tokens), toUInt64(s.cache_read_tokens) + s.cache_write_tokens), s.cost_source != 'cache_hit') AS input_uncached_tokens,
    sumIf(toUInt64(s.cache_read_tokens), s.cost_source != 'cache_hit') AS cache_read_tokens,
    sumIf(toUInt64(s.cache_write_tokens), s.cost_source != 'cache_hit') AS cache_write_tokens,
    sumIf(toUInt64(s.cache_write_1h_tokens), s.cost_source != 'cache_hit') AS cache_write_1h_tokens,
    sumIf(toUInt64(s.web_search_calls), s.cost_source != 'cache_hit') AS web_search_calls,
    sumIf(toUInt64(s.output_tokens), s.cost_source != 'cache_hit') AS output_tokens,
    sumIf(toUInt64(s.reasoning_tokens), s.cost_source != 'cache_hit') AS reasoning_tokens,
    sumIf(toDecimal128(s.cost_usd_computed, 9), s.cost_source != 'cache_hit') AS cost_usd_computed,
    sumIf(toDecimal128(s.cost_usd, 9), s.cost_source = 'producer') AS cost_usd_reported,
    countIf(s.cost_source = 'producer') AS reported_requests,
    countIf(s.pricing_status = 'unknown_model' AND s.cost_source != 'cache_hit') AS unpriced_requests
FROM spanhouse.llm_spans AS s
GROUP BY day, tenant_id, provider, model_family;
