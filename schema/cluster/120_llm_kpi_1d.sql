-- cluster/120_llm_kpi_1d.sql: the ClickHouse-cluster variant of schema/120_llm_kpi_1d.sql (read that file for the meaning).
-- Replicated tables named <table>_local on every node (ON CLUSTER '{cluster}'), and a
-- Distributed table under the single-node name, so the worker, the views and analysts use
-- the same names. Macros {cluster}, {shard}, {replica} come from the server config.
CREATE TABLE IF NOT EXISTS spanhouse.llm_kpi_1d_local ON CLUSTER '{cluster}'
(
    day                  Date,
    tenant_id            LowCardinality(String),
    team_id              LowCardinality(String),
    feature              LowCardinality(String),
    endpoint             LowCardinality(String),
    model                LowCardinality(String),
    prompt_template      LowCardinality(String),
    prompt_version       LowCardinality(String),
    provider             LowCardinality(String),
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
    quality_sum          SimpleAggregateFunction(sum, Float64)
)
ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/llm_kpi_1d_local', '{replica}')
PARTITION BY toYear(day)
ORDER BY (day, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider)
SETTINGS replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS spanhouse.llm_kpi_1d ON CLUSTER '{cluster}'
AS spanhouse.llm_kpi_1d_local
ENGINE = Distributed('{cluster}', spanhouse, llm_kpi_1d_local, cityHash64(tenant_id));


CREATE MATERIALIZED VIEW IF NOT EXISTS spanhouse.llm_kpi_1d_mv ON CLUSTER '{cluster}' TO spanhouse.llm_kpi_1d_local AS
SELECT
    toDate(hour) AS day,
    tenant_id,
    team_id,
    feature,
    endpoint,
    model,
    prompt_template,
    prompt_version,
    provider,
    sum(requests) AS requests,
    sum(errors) AS errors,
    sumMap(errors_by_class) AS errors_by_class,
    sumMap(error_cost_by_class) AS error_cost_by_class,
    sum(retries) AS retries,
    sum(retried_requests) AS retried_requests,
    sum(cache_hits) AS cache_hits,
    sum(uncached_cost_usd) AS uncached_cost_usd,
    sum(slow_requests) AS slow_requests,
    sum(truncated) AS truncated,
    sum(input_tokens) AS input_tokens,
    sum(output_tokens) AS output_tokens,
    sum(cache_read_tokens) AS cache_read_tokens,
    sum(cache_write_tokens) AS cache_write_tokens,
    sum(reasoning_tokens) AS reasoning_tokens,
    sum(cost_usd) AS cost_usd,
    sum(latency_sum_ms) AS latency_sum_ms,
    sum(ttft_count) AS ttft_count,
    sum(quality_count) AS quality_count,
    sum(quality_sum) AS quality_sum
FROM spanhouse.llm_kpi_1h_local
GROUP BY day, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider;
