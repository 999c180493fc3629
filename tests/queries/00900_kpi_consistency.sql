-- Consistency of the KPI tables with the raw spans, on 20,000 random spans (new random data
-- on every run) spread over the last 5 days, inserted in 4 batches cut into 1,000-row blocks
-- (so the materialized views see many partial states that must merge).
-- 1. For llm_kpi_1m, llm_kpi_1h and llm_kpi_1d: every total and count per bucket x dimensions
--    (requests, errors and errors/cost by class, retries, cache hits, tokens by kind, exact
--    Decimal cost, latency sum, quality count and sum) equals the same GROUP BY on llm_spans:
--    the symmetric difference (EXCEPT both ways) is empty. Expected per level: groups > 0, 0, 0.
-- 2. Quantiles (latency, TTFT, cost, quality; p50/p95/p99, merged from minute to day states) are
--    within the documented error of quantilesBFloat16: the reported value r is a valid quantile
--    of the raw values at relative precision 2^-7: #(v < r) <= ceil(level*n) (r less 1e-6:
--    Float64 costs pass through Float32 first, which may round up by 2^-24) and
--    #(v <= r * (1 + 2^-7)) >= floor(level*n). Expected: groups > 0, 0 violations.
-- 3. The grand total cost is the same exact Decimal in raw and in every KPI table.
SET insert_deduplicate = 0;
TRUNCATE TABLE spanhouse.llm_spans; TRUNCATE TABLE spanhouse.llm_kpi_1m; TRUNCATE TABLE spanhouse.llm_kpi_1h; TRUNCATE TABLE spanhouse.llm_kpi_1d;
INSERT INTO spanhouse.llm_spans (timestamp, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider,
    status, error_class, cost_usd, latency_ms, ttft_ms, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,
    retry_count, cache_hit, finish_reason, quality_score)
SETTINGS max_block_size = 1000, min_insert_block_size_rows = 1000, max_insert_block_size = 1000
SELECT
    now64(3) - toIntervalMillisecond(rand64(1) % (5 * 86400000)),
    'tenant' || toString(rand(2) % 3), 'team' || toString(rand(3) % 4), ['chat', 'search', 'summarize'][rand(4) % 3 + 1],
    ['/a', '/b'][rand(5) % 2 + 1], ['gpt-4o', 'gpt-4o-mini', 'claude'][rand(6) % 3 + 1], 'tpl', ['v1', 'v2'][rand(7) % 2 + 1],
    ['openai', 'anthropic'][rand(8) % 2 + 1],
    if(rand(9) % 10 = 0, 'error', 'ok') AS st, if(st = 'ok', '', ['rate_limit', 'timeout', ''][rand(10) % 3 + 1]),
    toDecimal64(rand(11) % 5000000, 9) / 1000000000,
    rand(12) % 60000, if(rand(13) % 3 = 0, NULL, rand(14) % 5000),
    rand(15) % 100000 AS inp, rand(16) % 4000 AS outp, toUInt32(inp * (rand(17) % 100) / 100), toUInt32(inp * (rand(18) % 10) / 100), toUInt32(outp * (rand(19) % 50) / 100),
    if(rand(20) % 5 = 0, rand(21) % 4, 0), rand(22) % 7 = 0, ['stop', 'length', 'stop', 'tool_calls'][rand(23) % 4 + 1],
    if(rand(24) % 2 = 0, NULL, (rand(25) % 1000) / 1000)
FROM numbers(5000);
INSERT INTO spanhouse.llm_spans (timestamp, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider,
    status, error_class, cost_usd, latency_ms, ttft_ms, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,
    retry_count, cache_hit, finish_reason, quality_score)
SETTINGS max_block_size = 1000, min_insert_block_size_rows = 1000, max_insert_block_size = 1000
SELECT
    now64(3) - toIntervalMillisecond(rand64(1) % (5 * 86400000)),
    'tenant' || toString(rand(2) % 3), 'team' || toString(rand(3) % 4), ['chat', 'search', 'summarize'][rand(4) % 3 + 1],
    ['/a', '/b'][rand(5) % 2 + 1], ['gpt-4o', 'gpt-4o-mini', 'claude'][rand(6) % 3 + 1], 'tpl', ['v1', 'v2'][rand(7) % 2 + 1],
    ['openai', 'anthropic'][rand(8) % 2 + 1],
    if(rand(9) % 10 = 0, 'error', 'ok') AS st, if(st = 'ok', '', ['rate_limit', 'timeout', ''][rand(10) % 3 + 1]),
    toDecimal64(rand(11) % 5000000, 9) / 1000000000,
    rand(12) % 60000, if(rand(13) % 3 = 0, NULL, rand(14) % 5000),
    rand(15) % 100000 AS inp, rand(16) % 4000 AS outp, toUInt32(inp * (rand(17) % 100) / 100), toUInt32(inp * (rand(18) % 10) / 100), toUInt32(outp * (rand(19) % 50) / 100),
    if(rand(20) % 5 = 0, rand(21) % 4, 0), rand(22) % 7 = 0, ['stop', 'length', 'stop', 'tool_calls'][rand(23) % 4 + 1],
    if(rand(24) % 2 = 0, NULL, (rand(25) % 1000) / 1000)
FROM numbers(5000);
INSERT INTO spanhouse.llm_spans (timestamp, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider,
    status, error_class, cost_usd, latency_ms, ttft_ms, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,
    retry_count, cache_hit, finish_reason, quality_score)
SETTINGS max_block_size = 1000, min_insert_block_size_rows = 1000, max_insert_block_size = 1000
SELECT
    now64(3) - toIntervalMillisecond(rand64(1) % (5 * 86400000)),
    'tenant' || toString(rand(2) % 3), 'team' || toString(rand(3) % 4), ['chat', 'search', 'summarize'][rand(4) % 3 + 1],
    ['/a', '/b'][rand(5) % 2 + 1], ['gpt-4o', 'gpt-4o-mini', 'claude'][rand(6) % 3 + 1], 'tpl', ['v1', 'v2'][rand(7) % 2 + 1],
    ['openai', 'anthropic'][rand(8) % 2 + 1],
    if(rand(9) % 10 = 0, 'error', 'ok') AS st, if(st = 'ok', '', ['rate_limit', 'timeout', ''][rand(10) % 3 + 1]),
    toDecimal64(rand(11) % 5000000, 9) / 1000000000,
    rand(12) % 60000, if(rand(13) % 3 = 0, NULL, rand(14) % 5000),
    rand(15) % 100000 AS inp, rand(16) % 4000 AS outp, toUInt32(inp * (rand(17) % 100) / 100), toUInt32(inp * (rand(18) % 10) / 100), toUInt32(outp * (rand(19) % 50) / 100),
    if(rand(20) % 5 = 0, rand(21) % 4, 0), rand(22) % 7 = 0, ['stop', 'length', 'stop', 'tool_calls'][rand(23) % 4 + 1],
    if(rand(24) % 2 = 0, NULL, (rand(25) % 1000) / 1000)
FROM numbers(5000);
INSERT INTO spanhouse.llm_spans (timestamp, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider,
    status, error_class, cost_usd, latency_ms, ttft_ms, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,
    retry_count, cache_hit, finish_reason, quality_score)
SETTINGS max_block_size = 1000, min_insert_block_size_rows = 1000, max_insert_block_size = 1000
SELECT
    now64(3) - toIntervalMillisecond(rand64(1) % (5 * 86400000)),
    'tenant' || toString(rand(2) % 3), 'team' || toString(rand(3) % 4), ['chat', 'search', 'summarize'][rand(4) % 3 + 1],
    ['/a', '/b'][rand(5) % 2 + 1], ['gpt-4o', 'gpt-4o-mini', 'claude'][rand(6) % 3 + 1], 'tpl', ['v1', 'v2'][rand(7) % 2 + 1],
    ['openai', 'anthropic'][rand(8) % 2 + 1],
    if(rand(9) % 10 = 0, 'error', 'ok') AS st, if(st = 'ok', '', ['rate_limit', 'timeout', ''][rand(10) % 3 + 1]),
    toDecimal64(rand(11) % 5000000, 9) / 1000000000,
    rand(12) % 60000, if(rand(13) % 3 = 0, NULL, rand(14) % 5000),
    rand(15) % 100000 AS inp, rand(16) % 4000 AS outp, toUInt32(inp * (rand(17) % 100) / 100), toUInt32(inp * (rand(18) % 10) / 100), toUInt32(outp * (rand(19) % 50) / 100),
    if(rand(20) % 5 = 0, rand(21) % 4, 0), rand(22) % 7 = 0, ['stop', 'length', 'stop', 'tool_calls'][rand(23) % 4 + 1],
    if(rand(24) % 2 = 0, NULL, (rand(25) % 1000) / 1000)
FROM numbers(5000);
SELECT '1m', (SELECT count() FROM (SELECT minute AS b, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider,
        sum(requests), sum(errors), sumMap(errors_by_class), sumMap(error_cost_by_class), sum(retries), sum(retried_requests),
        sum(cache_hits), sum(uncached_cost_usd), sum(slow_requests), sum(truncated), sum(input_tokens), sum(output_tokens),
        sum(cache_read_tokens), sum(cache_write_tokens), sum(reasoning_tokens), sum(cost_usd), sum(latency_sum_ms),
        sum(ttft_count), sum(quality_count), round(sum(quality_sum), 4)
    FROM spanhouse.llm_kpi_1m GROUP BY b, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider)) > 0,
    (SELECT count() FROM (SELECT toStartOfMinute(timestamp) AS b, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider,
        count(), countIf(status != 'ok'),
        sumMapIf(map(if(error_class = '', 'unknown', toString(error_class)), toUInt64(1)), status != 'ok'),
        sumMapIf(map(if(error_class = '', 'unknown', toString(error_class)), toDecimal128(cost_usd, 9)), status != 'ok'),
        sum(toUInt64(retry_count)), countIf(retry_count > 0), countIf(cache_hit = 1),
        sumIf(toDecimal128(cost_usd, 9), cache_hit = 0), countIf(latency_ms > 10000),
        countIf(finish_reason = 'length'), sum(toUInt64(input_tokens)), sum(toUInt64(output_tokens)),
        sum(toUInt64(cache_read_tokens)), sum(toUInt64(cache_write_tokens)),
        sum(toUInt64(reasoning_tokens)), sum(toDecimal128(cost_usd, 9)), sum(toUInt64(latency_ms)),
        countIf(ttft_ms IS NOT NULL), countIf(quality_score IS NOT NULL),
        round(sum(toFloat64(ifNull(quality_score, 0))), 4)
    FROM spanhouse.llm_spans GROUP BY b, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider
    EXCEPT
    SELECT minute AS b, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider,
        sum(requests), sum(errors), sumMap(errors_by_class), sumMap(error_cost_by_class), sum(retries), sum(retried_requests),
        sum(cache_hits), sum(uncached_cost_usd), sum(slow_requests), sum(truncated), sum(input_tokens), sum(output_tokens),
        sum(cache_read_tokens), sum(cache_write_tokens), sum(reasoning_tokens), sum(cost_usd), sum(latency_sum_ms),
        sum(ttft_count), sum(quality_count), round(sum(quality_sum), 4)
    FROM spanhouse.llm_kpi_1m GROUP BY b, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider)),
    (SELECT count() FROM (SELECT minute AS b, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider,
        sum(requests), sum(errors), sumMap(errors_by_class), sumMap(error_cost_by_class), sum(retries), sum(retried_requests),
        sum(cache_hits), sum(uncached_cost_usd), sum(slow_requests), sum(truncated), sum(input_tokens), sum(output_tokens),
        sum(cache_read_tokens), sum(cache_write_tokens), sum(reasoning_tokens), sum(cost_usd), sum(latency_sum_ms),
        sum(ttft_count), sum(quality_count), round(sum(quality_sum), 4)
    FROM spanhouse.llm_kpi_1m GROUP BY b, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider
    EXCEPT
    SELECT toStartOfMinute(timestamp) AS b, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider,
        count(), countIf(status != 'ok'),
        sumMapIf(map(if(error_class = '', 'unknown', toString(error_class)), toUInt64(1)), status != 'ok'),
        sumMapIf(map(if(error_class = '', 'unknown', toString(error_class)), toDecimal128(cost_usd, 9)), status != 'ok'),
        sum(toUInt64(retry_count)), countIf(retry_count > 0), countIf(cache_hit = 1),
        sumIf(toDecimal128(cost_usd, 9), cache_hit = 0), countIf(latency_ms > 10000),
        countIf(finish_reason = 'length'), sum(toUInt64(input_tokens)), sum(toUInt64(output_tokens)),
        sum(toUInt64(cache_read_tokens)), sum(toUInt64(cache_write_tokens)),
        sum(toUInt64(reasoning_tokens)), sum(toDecimal128(cost_usd, 9)), sum(toUInt64(latency_ms)),
        countIf(ttft_ms IS NOT NULL), countIf(quality_score IS NOT NULL),
        round(sum(toFloat64(ifNull(quality_score, 0))), 4)
    FROM spanhouse.llm_spans GROUP BY b, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider));
SELECT '1h', (SELECT count() FROM (SELECT hour AS b, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider,
        sum(requests), sum(errors), sumMap(errors_by_class), sumMap(error_cost_by_class), sum(retries), sum(retried_requests),
        sum(cache_hits), sum(uncached_cost_usd), sum(slow_requests), sum(truncated), sum(input_tokens), sum(output_tokens),
        sum(cache_read_tokens), sum(cache_write_tokens), sum(reasoning_tokens), sum(cost_usd), sum(latency_sum_ms),
        sum(ttft_count), sum(quality_count), round(sum(quality_sum), 4)
    FROM spanhouse.llm_kpi_1h GROUP BY b, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider)) > 0,
    (SELECT count() FROM (SELECT toStartOfHour(timestamp) AS b, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider,
        count(), countIf(status != 'ok'),
        sumMapIf(map(if(error_class = '', 'unknown', toString(error_class)), toUInt64(1)), status != 'ok'),
        sumMapIf(map(if(error_class = '', 'unknown', toString(error_class)), toDecimal128(cost_usd, 9)), status != 'ok'),
        sum(toUInt64(retry_count)), countIf(retry_count > 0), countIf(cache_hit = 1),
        sumIf(toDecimal128(cost_usd, 9), cache_hit = 0), countIf(latency_ms > 10000),
        countIf(finish_reason = 'length'), sum(toUInt64(input_tokens)), sum(toUInt64(output_tokens)),
        sum(toUInt64(cache_read_tokens)), sum(toUInt64(cache_write_tokens)),
        sum(toUInt64(reasoning_tokens)), sum(toDecimal128(cost_usd, 9)), sum(toUInt64(latency_ms)),
        countIf(ttft_ms IS NOT NULL), countIf(quality_score IS NOT NULL),
        round(sum(toFloat64(ifNull(quality_score, 0))), 4)
    FROM spanhouse.llm_spans GROUP BY b, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider
    EXCEPT
    SELECT hour AS b, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider,
        sum(requests), sum(errors), sumMap(errors_by_class), sumMap(error_cost_by_class), sum(retries), sum(retried_requests),
        sum(cache_hits), sum(uncached_cost_usd), sum(slow_requests), sum(truncated), sum(input_tokens), sum(output_tokens),
        sum(cache_read_tokens), sum(cache_write_tokens), sum(reasoning_tokens), sum(cost_usd), sum(latency_sum_ms),
        sum(ttft_count), sum(quality_count), round(sum(quality_sum), 4)
    FROM spanhouse.llm_kpi_1h GROUP BY b, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider)),
    (SELECT count() FROM (SELECT hour AS b, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider,
        sum(requests), sum(errors), sumMap(errors_by_class), sumMap(error_cost_by_class), sum(retries), sum(retried_requests),
        sum(cache_hits), sum(uncached_cost_usd), sum(slow_requests), sum(truncated), sum(input_tokens), sum(output_tokens),
        sum(cache_read_tokens), sum(cache_write_tokens), sum(reasoning_tokens), sum(cost_usd), sum(latency_sum_ms),
        sum(ttft_count), sum(quality_count), round(sum(quality_sum), 4)
    FROM spanhouse.llm_kpi_1h GROUP BY b, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider
    EXCEPT
    SELECT toStartOfHour(timestamp) AS b, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider,
        count(), countIf(status != 'ok'),
        sumMapIf(map(if(error_class = '', 'unknown', toString(error_class)), toUInt64(1)), status != 'ok'),
        sumMapIf(map(if(error_class = '', 'unknown', toString(error_class)), toDecimal128(cost_usd, 9)), status != 'ok'),
        sum(toUInt64(retry_count)), countIf(retry_count > 0), countIf(cache_hit = 1),
        sumIf(toDecimal128(cost_usd, 9), cache_hit = 0), countIf(latency_ms > 10000),
        countIf(finish_reason = 'length'), sum(toUInt64(input_tokens)), sum(toUInt64(output_tokens)),
        sum(toUInt64(cache_read_tokens)), sum(toUInt64(cache_write_tokens)),
        sum(toUInt64(reasoning_tokens)), sum(toDecimal128(cost_usd, 9)), sum(toUInt64(latency_ms)),
        countIf(ttft_ms IS NOT NULL), countIf(quality_score IS NOT NULL),
        round(sum(toFloat64(ifNull(quality_score, 0))), 4)
    FROM spanhouse.llm_spans GROUP BY b, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider));
SELECT '1d', (SELECT count() FROM (SELECT day AS b, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider,
        sum(requests), sum(errors), sumMap(errors_by_class), sumMap(error_cost_by_class), sum(retries), sum(retried_requests),
        sum(cache_hits), sum(uncached_cost_usd), sum(slow_requests), sum(truncated), sum(input_tokens), sum(output_tokens),
        sum(cache_read_tokens), sum(cache_write_tokens), sum(reasoning_tokens), sum(cost_usd), sum(latency_sum_ms),
        sum(ttft_count), sum(quality_count), round(sum(quality_sum), 4)
    FROM spanhouse.llm_kpi_1d GROUP BY b, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider)) > 0,
    (SELECT count() FROM (SELECT toDate(timestamp) AS b, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider,
        count(), countIf(status != 'ok'),
        sumMapIf(map(if(error_class = '', 'unknown', toString(error_class)), toUInt64(1)), status != 'ok'),
        sumMapIf(map(if(error_class = '', 'unknown', toString(error_class)), toDecimal128(cost_usd, 9)), status != 'ok'),
        sum(toUInt64(retry_count)), countIf(retry_count > 0), countIf(cache_hit = 1),
        sumIf(toDecimal128(cost_usd, 9), cache_hit = 0), countIf(latency_ms > 10000),
        countIf(finish_reason = 'length'), sum(toUInt64(input_tokens)), sum(toUInt64(output_tokens)),
        sum(toUInt64(cache_read_tokens)), sum(toUInt64(cache_write_tokens)),
        sum(toUInt64(reasoning_tokens)), sum(toDecimal128(cost_usd, 9)), sum(toUInt64(latency_ms)),
        countIf(ttft_ms IS NOT NULL), countIf(quality_score IS NOT NULL),
        round(sum(toFloat64(ifNull(quality_score, 0))), 4)
    FROM spanhouse.llm_spans GROUP BY b, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider
    EXCEPT
    SELECT day AS b, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider,
        sum(requests), sum(errors), sumMap(errors_by_class), sumMap(error_cost_by_class), sum(retries), sum(retried_requests),
        sum(cache_hits), sum(uncached_cost_usd), sum(slow_requests), sum(truncated), sum(input_tokens), sum(output_tokens),
        sum(cache_read_tokens), sum(cache_write_tokens), sum(reasoning_tokens), sum(cost_usd), sum(latency_sum_ms),
        sum(ttft_count), sum(quality_count), round(sum(quality_sum), 4)
    FROM spanhouse.llm_kpi_1d GROUP BY b, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider)),
    (SELECT count() FROM (SELECT day AS b, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider,
        sum(requests), sum(errors), sumMap(errors_by_class), sumMap(error_cost_by_class), sum(retries), sum(retried_requests),
        sum(cache_hits), sum(uncached_cost_usd), sum(slow_requests), sum(truncated), sum(input_tokens), sum(output_tokens),
        sum(cache_read_tokens), sum(cache_write_tokens), sum(reasoning_tokens), sum(cost_usd), sum(latency_sum_ms),
        sum(ttft_count), sum(quality_count), round(sum(quality_sum), 4)
    FROM spanhouse.llm_kpi_1d GROUP BY b, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider
    EXCEPT
    SELECT toDate(timestamp) AS b, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider,
        count(), countIf(status != 'ok'),
        sumMapIf(map(if(error_class = '', 'unknown', toString(error_class)), toUInt64(1)), status != 'ok'),
        sumMapIf(map(if(error_class = '', 'unknown', toString(error_class)), toDecimal128(cost_usd, 9)), status != 'ok'),
        sum(toUInt64(retry_count)), countIf(retry_count > 0), countIf(cache_hit = 1),
        sumIf(toDecimal128(cost_usd, 9), cache_hit = 0), countIf(latency_ms > 10000),
        countIf(finish_reason = 'length'), sum(toUInt64(input_tokens)), sum(toUInt64(output_tokens)),
        sum(toUInt64(cache_read_tokens)), sum(toUInt64(cache_write_tokens)),
        sum(toUInt64(reasoning_tokens)), sum(toDecimal128(cost_usd, 9)), sum(toUInt64(latency_ms)),
        countIf(ttft_ms IS NOT NULL), countIf(quality_score IS NOT NULL),
        round(sum(toFloat64(ifNull(quality_score, 0))), 4)
    FROM spanhouse.llm_spans GROUP BY b, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider));
SELECT 'quantiles latency_ms', count() > 0, countIf(NOT ok) FROM
(
    SELECT arrayAll((lvl, qv) -> length(vals) = 0
               OR (arrayCount(v -> v < qv * (1 - 1e-6), vals) <= ceil(lvl * length(vals))
                   AND arrayCount(v -> v <= qv * (1 + 1 / 128), vals) >= floor(lvl * length(vals))),
           [0.5, 0.95, 0.99], k.q) AS ok
    FROM (SELECT day, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider, quantilesBFloat16Merge(0.5, 0.95, 0.99)(latency_q) AS q FROM spanhouse.llm_kpi_1d GROUP BY day, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider) AS k
    INNER JOIN (SELECT toDate(timestamp) AS day, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider, arrayMap(x -> toFloat64(x), groupArray(latency_ms)) AS vals FROM spanhouse.llm_spans GROUP BY day, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider) AS r
    USING (day, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider)
);
SELECT 'quantiles ttft_ms', count() > 0, countIf(NOT ok) FROM
(
    SELECT arrayAll((lvl, qv) -> length(vals) = 0
               OR (arrayCount(v -> v < qv * (1 - 1e-6), vals) <= ceil(lvl * length(vals))
                   AND arrayCount(v -> v <= qv * (1 + 1 / 128), vals) >= floor(lvl * length(vals))),
           [0.5, 0.95, 0.99], k.q) AS ok
    FROM (SELECT day, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider, quantilesBFloat16Merge(0.5, 0.95, 0.99)(ttft_q) AS q FROM spanhouse.llm_kpi_1d GROUP BY day, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider) AS k
    INNER JOIN (SELECT toDate(timestamp) AS day, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider, arrayMap(x -> toFloat64(x), groupArray(ttft_ms)) AS vals FROM spanhouse.llm_spans GROUP BY day, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider) AS r
    USING (day, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider)
);
SELECT 'quantiles cost_usd', count() > 0, countIf(NOT ok) FROM
(
    SELECT arrayAll((lvl, qv) -> length(vals) = 0
               OR (arrayCount(v -> v < qv * (1 - 1e-6), vals) <= ceil(lvl * length(vals))
                   AND arrayCount(v -> v <= qv * (1 + 1 / 128), vals) >= floor(lvl * length(vals))),
           [0.5, 0.95, 0.99], k.q) AS ok
    FROM (SELECT day, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider, quantilesBFloat16Merge(0.5, 0.95, 0.99)(cost_q) AS q FROM spanhouse.llm_kpi_1d GROUP BY day, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider) AS k
    INNER JOIN (SELECT toDate(timestamp) AS day, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider, arrayMap(x -> toFloat64(x), groupArray(cost_usd)) AS vals FROM spanhouse.llm_spans GROUP BY day, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider) AS r
    USING (day, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider)
);
SELECT 'quantiles quality_score', count() > 0, countIf(NOT ok) FROM
(
    SELECT arrayAll((lvl, qv) -> length(vals) = 0
               OR (arrayCount(v -> v < qv * (1 - 1e-6), vals) <= ceil(lvl * length(vals))
                   AND arrayCount(v -> v <= qv * (1 + 1 / 128), vals) >= floor(lvl * length(vals))),
           [0.5, 0.95, 0.99], k.q) AS ok
    FROM (SELECT day, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider, quantilesBFloat16Merge(0.5, 0.95, 0.99)(quality_q) AS q FROM spanhouse.llm_kpi_1d GROUP BY day, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider) AS k
    INNER JOIN (SELECT toDate(timestamp) AS day, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider, arrayMap(x -> toFloat64(x), groupArray(quality_score)) AS vals FROM spanhouse.llm_spans GROUP BY day, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider) AS r
    USING (day, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider)
);
SELECT 'total cost', positive, eq1, eq2, eq3, n FROM (SELECT (SELECT sum(cost_usd) FROM spanhouse.llm_spans) AS raw_total, raw_total > 0 AS positive,
    raw_total = (SELECT sum(cost_usd) FROM spanhouse.llm_kpi_1m) AS eq1, raw_total = (SELECT sum(cost_usd) FROM spanhouse.llm_kpi_1h) AS eq2,
    raw_total = (SELECT sum(cost_usd) FROM spanhouse.llm_kpi_1d) AS eq3, (SELECT count() FROM spanhouse.llm_spans) AS n);
TRUNCATE TABLE spanhouse.llm_spans; TRUNCATE TABLE spanhouse.llm_kpi_1m; TRUNCATE TABLE spanhouse.llm_kpi_1h; TRUNCATE TABLE spanhouse.llm_kpi_1d;
