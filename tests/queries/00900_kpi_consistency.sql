-- Consistency of the KPI tables with the raw spans, on 20,000 random spans (new random data
-- on every run) spread over the last 5 days, inserted in 4 batches cut into 1,000-row blocks
-- (so the materialized views see many partial states that must merge). Two spans in five carry
-- an experiment_id: llm_kpi_1m keys on it, the rollups sum over it, and so does the check.
-- 1. For llm_kpi_1m, llm_kpi_1h and llm_kpi_1d: every total and count per bucket x dimensions
--    (requests, errors and errors/cost by class, retries, cache hits, tokens by kind, exact
--    Decimal cost, latency sum, quality count and sum) equals the same GROUP BY on llm_spans:
--    the symmetric difference (EXCEPT both ways) is empty. Expected per level: groups > 0, 0, 0.
-- 2. Quantiles (latency, TTFT, cost, quality; p50/p95/p99, minute states merged per day, as the
--    long-range views read them: the rollups hold no quantile states) are
--    within the documented error of quantilesBFloat16: the reported value r is a valid quantile
--    of the raw values at relative precision 2^-7: #(v < r) <= ceil(level*n) (r less 1e-6:
--    Float64 costs pass through Float32 first, which may round up by 2^-24) and
--    #(v <= r * (1 + 2^-7)) >= floor(level*n). Expected: groups > 0, 0 violations.
-- 3. The grand total cost is the same exact Decimal in raw and in every KPI table.
-- Shared pieces are views (t900_*), dropped at the end: one generator, one raw aggregate and one
-- KPI aggregate over all three levels (lvl = 1m/1h/1d, bucket b as DateTime), one quantile check.
SET insert_deduplicate = 0;
CREATE OR REPLACE VIEW spanhouse.t900_gen AS SELECT
    now64(3) - toIntervalMillisecond(rand64(1) % (5 * 86400000)) AS timestamp,
    'tenant' || toString(rand(2) % 3) AS tenant_id, 'team' || toString(rand(3) % 4) AS team_id,
    ['chat', 'search', 'summarize'][rand(4) % 3 + 1] AS feature, ['/a', '/b'][rand(5) % 2 + 1] AS endpoint,
    ['gpt-4o', 'gpt-4o-mini', 'claude'][rand(6) % 3 + 1] AS model, 'tpl' AS prompt_template,
    ['v1', 'v2'][rand(7) % 2 + 1] AS prompt_version, ['openai', 'anthropic'][rand(8) % 2 + 1] AS provider,
    if(rand(9) % 10 = 0, 'error', 'ok') AS status, if(status = 'ok', '', ['rate_limit', 'timeout', ''][rand(10) % 3 + 1]) AS error_class,
    toDecimal64(rand(11) % 5000000, 9) / 1000000000 AS cost_usd,
    rand(12) % 60000 AS latency_ms, if(rand(13) % 3 = 0, NULL, rand(14) % 5000) AS ttft_ms,
    rand(15) % 100000 AS input_tokens, rand(16) % 4000 AS output_tokens,
    toUInt32(input_tokens * (rand(17) % 100) / 100) AS cache_read_tokens, toUInt32(input_tokens * (rand(18) % 10) / 100) AS cache_write_tokens,
    toUInt32(output_tokens * (rand(19) % 50) / 100) AS reasoning_tokens,
    if(rand(20) % 5 = 0, rand(21) % 4, 0) AS retry_count, rand(22) % 7 = 0 AS cache_hit,
    ['stop', 'length', 'stop', 'tool_calls'][rand(23) % 4 + 1] AS finish_reason,
    if(rand(24) % 2 = 0, NULL, (rand(25) % 1000) / 1000) AS quality_score,
    ['', '', '', 'exp-a', 'exp-b'][rand(26) % 5 + 1] AS experiment_id
FROM numbers(5000);
INSERT INTO spanhouse.llm_spans (timestamp, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider, status, error_class, cost_usd, latency_ms, ttft_ms, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, retry_count, cache_hit, finish_reason, quality_score, experiment_id)
SETTINGS max_block_size = 1000, min_insert_block_size_rows = 1000, max_insert_block_size = 1000 SELECT * FROM spanhouse.t900_gen;
INSERT INTO spanhouse.llm_spans (timestamp, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider, status, error_class, cost_usd, latency_ms, ttft_ms, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, retry_count, cache_hit, finish_reason, quality_score, experiment_id)
SETTINGS max_block_size = 1000, min_insert_block_size_rows = 1000, max_insert_block_size = 1000 SELECT * FROM spanhouse.t900_gen;
INSERT INTO spanhouse.llm_spans (timestamp, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider, status, error_class, cost_usd, latency_ms, ttft_ms, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, retry_count, cache_hit, finish_reason, quality_score, experiment_id)
SETTINGS max_block_size = 1000, min_insert_block_size_rows = 1000, max_insert_block_size = 1000 SELECT * FROM spanhouse.t900_gen;
INSERT INTO spanhouse.llm_spans (timestamp, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider, status, error_class, cost_usd, latency_ms, ttft_ms, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, retry_count, cache_hit, finish_reason, quality_score, experiment_id)
SETTINGS max_block_size = 1000, min_insert_block_size_rows = 1000, max_insert_block_size = 1000 SELECT * FROM spanhouse.t900_gen;
CREATE OR REPLACE VIEW spanhouse.t900_raw AS
SELECT lvl, multiIf(lvl = '1m', toStartOfMinute(timestamp), lvl = '1h', toStartOfHour(timestamp), toDateTime(toDate(timestamp))) AS b, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider,
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
FROM spanhouse.llm_spans ARRAY JOIN ['1m', '1h', '1d'] AS lvl GROUP BY lvl, b, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider;
CREATE OR REPLACE VIEW spanhouse.t900_kpi AS
SELECT lvl, b, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider,
    sum(requests), sum(errors), sumMap(errors_by_class), sumMap(error_cost_by_class), sum(retries), sum(retried_requests),
    sum(cache_hits), sum(uncached_cost_usd), sum(slow_requests), sum(truncated), sum(input_tokens), sum(output_tokens),
    sum(cache_read_tokens), sum(cache_write_tokens), sum(reasoning_tokens), sum(cost_usd), sum(latency_sum_ms),
    sum(ttft_count), sum(quality_count), round(sum(quality_sum), 4)
FROM (SELECT '1m' AS lvl, minute AS b, * EXCEPT (minute, experiment_id, latency_q, ttft_q, cost_q, quality_q) FROM spanhouse.llm_kpi_1m
      UNION ALL SELECT '1h' AS lvl, hour AS b, * EXCEPT (hour) FROM spanhouse.llm_kpi_1h
      UNION ALL SELECT '1d' AS lvl, toDateTime(day) AS b, * EXCEPT (day) FROM spanhouse.llm_kpi_1d)
GROUP BY lvl, b, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider;
-- Per level: KPI groups exist; raw EXCEPT kpi is empty; kpi EXCEPT raw is empty.
SELECT l, countIf(side = 3 AND lvl = l) > 0, countIf(side = 1 AND lvl = l), countIf(side = 2 AND lvl = l)
FROM (SELECT lvl, 1 AS side FROM (SELECT * FROM spanhouse.t900_raw EXCEPT SELECT * FROM spanhouse.t900_kpi)
      UNION ALL SELECT lvl, 2 AS side FROM (SELECT * FROM spanhouse.t900_kpi EXCEPT SELECT * FROM spanhouse.t900_raw)
      UNION ALL SELECT lvl, 3 AS side FROM spanhouse.t900_kpi
      UNION ALL SELECT '', 0)
ARRAY JOIN ['1m', '1h', '1d'] AS l GROUP BY l ORDER BY indexOf(['1m', '1h', '1d'], l);
-- Quantiles per day merged from the minute states against the raw values.
CREATE OR REPLACE VIEW spanhouse.t900_q AS
SELECT metric, arrayAll((lvl, qv) -> length(vals) = 0
           OR (arrayCount(v -> v < qv * (1 - 1e-6), vals) <= ceil(lvl * length(vals))
               AND arrayCount(v -> v <= qv * (1 + 1 / 128), vals) >= floor(lvl * length(vals))),
       [0.5, 0.95, 0.99], k.q) AS ok
FROM (SELECT day, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider, metric, q FROM (
        SELECT toDate(minute) AS day, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider, quantilesBFloat16Merge(0.5, 0.95, 0.99)(latency_q) AS q_latency, quantilesBFloat16Merge(0.5, 0.95, 0.99)(ttft_q) AS q_ttft,
            quantilesBFloat16Merge(0.5, 0.95, 0.99)(cost_q) AS q_cost, quantilesBFloat16Merge(0.5, 0.95, 0.99)(quality_q) AS q_quality
        FROM spanhouse.llm_kpi_1m GROUP BY day, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider)
      ARRAY JOIN ['latency_ms', 'ttft_ms', 'cost_usd', 'quality_score'] AS metric, [q_latency, q_ttft, q_cost, q_quality] AS q) AS k
INNER JOIN (SELECT day, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider, metric, vals FROM (
        SELECT toDate(timestamp) AS day, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider, arrayMap(x -> toFloat64(x), groupArray(latency_ms)) AS v_latency,
            arrayMap(x -> toFloat64(x), groupArray(ttft_ms)) AS v_ttft, arrayMap(x -> toFloat64(x), groupArray(cost_usd)) AS v_cost,
            arrayMap(x -> toFloat64(x), groupArray(quality_score)) AS v_quality
        FROM spanhouse.llm_spans GROUP BY day, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider)
      ARRAY JOIN ['latency_ms', 'ttft_ms', 'cost_usd', 'quality_score'] AS metric, [v_latency, v_ttft, v_cost, v_quality] AS vals) AS r
USING (day, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider, metric);
SELECT 'quantiles ' || metric, count() > 0, countIf(NOT ok) FROM spanhouse.t900_q GROUP BY metric
ORDER BY indexOf(['latency_ms', 'ttft_ms', 'cost_usd', 'quality_score'], metric);
SELECT 'total cost', positive, eq1, eq2, eq3, n FROM (SELECT (SELECT sum(cost_usd) FROM spanhouse.llm_spans) AS raw_total, raw_total > 0 AS positive,
    raw_total = (SELECT sum(cost_usd) FROM spanhouse.llm_kpi_1m) AS eq1, raw_total = (SELECT sum(cost_usd) FROM spanhouse.llm_kpi_1h) AS eq2,
    raw_total = (SELECT sum(cost_usd) FROM spanhouse.llm_kpi_1d) AS eq3, (SELECT count() FROM spanhouse.llm_spans) AS n);
DROP VIEW spanhouse.t900_q; DROP VIEW spanhouse.t900_kpi; DROP VIEW spanhouse.t900_raw; DROP VIEW spanhouse.t900_gen;
