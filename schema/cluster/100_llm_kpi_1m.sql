-- cluster/100_llm_kpi_1m.sql: the ClickHouse-cluster variant of schema/100_llm_kpi_1m.sql (read that file for the meaning).
-- Replicated tables named <table>_local on every node (ON CLUSTER '{cluster}'), and a
-- Distributed table under the single-node name, so the worker, the views and analysts use
-- the same names. Macros {cluster}, {shard}, {replica} come from the server config.
CREATE TABLE IF NOT EXISTS spanhouse.llm_kpi_1m_local ON CLUSTER '{cluster}'
(
    minute               DateTime('UTC'),
    tenant_id            LowCardinality(String),
    team_id              LowCardinality(String),
    feature              LowCardinality(String),
    endpoint             LowCardinality(String),
    model                LowCardinality(String),
    prompt_template      LowCardinality(String),
    prompt_version       LowCardinality(String),
    provider             LowCardinality(String),
    experiment_id        LowCardinality(String),  -- '' = production traffic (v_dual_regression's baselines)
    requests             SimpleAggregateFunction(sum, UInt64),
    errors               SimpleAggregateFunction(sum, UInt64),
    errors_by_class      SimpleAggregateFunction(sumMap, Map(String, UInt64)),
    error_cost_by_class  SimpleAggregateFunction(sumMap, Map(String, Decimal(38, 9))),
    retries              SimpleAggregateFunction(sum, UInt64),
    retried_requests     SimpleAggregateFunction(sum, UInt64),
    cache_hits           SimpleAggregateFunction(sum, UInt64),
    uncached_cost_usd    SimpleAggregateFunction(sum, Decimal(38, 9)),
    slow_requests        SimpleAggregateFunction(sum, UInt64),
    truncated            SimpleAggregateFunction(sum, UInt64),
    input_tokens         SimpleAggregateFunction(sum, UInt64),
    output_tokens        SimpleAggregateFunction(sum, UInt64),
    cache_read_tokens    SimpleAggregateFunction(sum, UInt64),
    cache_write_tokens   SimpleAggregateFunction(sum, UInt64),
    reasoning_tokens     SimpleAggregateFunction(sum, UInt64),
    cost_usd             SimpleAggregateFunction(sum, Decimal(38, 9)),
    latency_sum_ms       SimpleAggregateFunction(sum, UInt64),
    ttft_count           SimpleAggregateFunction(sum, UInt64),
    quality_count        SimpleAggregateFunction(sum, UInt64),
    quality_sum          SimpleAggregateFunction(sum, Float64),
    latency_q            AggregateFunction(quantilesBFloat16(0.5, 0.95, 0.99), UInt32),
    ttft_q               AggregateFunction(quantilesBFloat16(0.5, 0.95, 0.99), UInt32),
    cost_q               AggregateFunction(quantilesBFloat16(0.5, 0.95, 0.99), Float64),
    quality_q            AggregateFunction(quantilesBFloat16(0.5, 0.95, 0.99), Float32)
)
ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/llm_kpi_1m_local', '{replica}')
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider, experiment_id)
TTL minute + INTERVAL 180 DAY DELETE
SETTINGS replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS spanhouse.llm_kpi_1m ON CLUSTER '{cluster}'
AS spanhouse.llm_kpi_1m_local
ENGINE = Distributed('{cluster}', spanhouse, llm_kpi_1m_local, cityHash64(tenant_id));


CREATE MATERIALIZED VIEW IF NOT EXISTS spanhouse.llm_kpi_1m_mv ON CLUSTER '{cluster}' TO spanhouse.llm_kpi_1m_local AS
SELECT
    toStartOfMinute(s.timestamp) AS minute,
    tenant_id,
    team_id,
    feature,
    endpoint,
    model,
    prompt_template,
    prompt_version,
    provider,
    experiment_id,
    count() AS requests,
    countIf(s.status != 'ok') AS errors,
    sumMapIf(map(if(s.error_class = '', 'unknown', toString(s.error_class)), toUInt64(1)), s.status != 'ok') AS errors_by_class,
    sumMapIf(map(if(s.error_class = '', 'unknown', toString(s.error_class)), toDecimal128(s.cost_usd, 9)), s.status != 'ok') AS error_cost_by_class,
    sum(toUInt64(s.retry_count)) AS retries,
    countIf(s.retry_count > 0) AS retried_requests,
    countIf(s.cache_hit = 1) AS cache_hits,
    sumIf(toDecimal128(s.cost_usd, 9), s.cache_hit = 0) AS uncached_cost_usd,
    countIf(s.latency_ms > 10000) AS slow_requests,
    countIf(s.finish_reason = 'length') AS truncated,
    sum(toUInt64(s.input_tokens)) AS input_tokens,
    sum(toUInt64(s.output_tokens)) AS output_tokens,
    sum(toUInt64(s.cache_read_tokens)) AS cache_read_tokens,
    sum(toUInt64(s.cache_write_tokens)) AS cache_write_tokens,
    sum(toUInt64(s.reasoning_tokens)) AS reasoning_tokens,
    sum(toDecimal128(s.cost_usd, 9)) AS cost_usd,
    sum(toUInt64(s.latency_ms)) AS latency_sum_ms,
    countIf(s.ttft_ms IS NOT NULL) AS ttft_count,
    countIf(s.quality_score IS NOT NULL) AS quality_count,
    sum(toFloat64(ifNull(s.quality_score, 0))) AS quality_sum,
    quantilesBFloat16State(0.5, 0.95, 0.99)(s.latency_ms) AS latency_q,
    quantilesBFloat16StateIf(0.5, 0.95, 0.99)(assumeNotNull(s.ttft_ms), s.ttft_ms IS NOT NULL) AS ttft_q,
    quantilesBFloat16State(0.5, 0.95, 0.99)(toFloat64(s.cost_usd)) AS cost_q,
    quantilesBFloat16StateIf(0.5, 0.95, 0.99)(assumeNotNull(s.quality_score), s.quality_score IS NOT NULL) AS quality_q
FROM spanhouse.llm_spans_local AS s
GROUP BY minute, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider, experiment_id;
