-- A retried batch (same insert_deduplication_token) is stored once, in llm_spans and in every
-- KPI table downstream (deduplicate_blocks_in_dependent_materialized_views = 1).
-- Expected: 2 rows (the batch), 2 requests in 1m/1h/1d, cost 0.3 + 0.2 = 0.5 once, not 1.0.
INSERT INTO spanhouse.llm_spans (timestamp, tenant_id, model, status, cost_usd, latency_ms)
SETTINGS insert_deduplication_token = 'batch-p0-o100-o101', deduplicate_blocks_in_dependent_materialized_views = 1
VALUES (toStartOfHour(now()), 't1', 'm1', 'ok', 0.3, 100), (toStartOfHour(now()), 't1', 'm1', 'ok', 0.2, 200);
INSERT INTO spanhouse.llm_spans (timestamp, tenant_id, model, status, cost_usd, latency_ms)
SETTINGS insert_deduplication_token = 'batch-p0-o100-o101', deduplicate_blocks_in_dependent_materialized_views = 1
VALUES (toStartOfHour(now()), 't1', 'm1', 'ok', 0.3, 100), (toStartOfHour(now()), 't1', 'm1', 'ok', 0.2, 200);
SELECT 'spans', count(), sum(cost_usd) FROM spanhouse.llm_spans;
SELECT '1m', sum(requests), sum(cost_usd) FROM spanhouse.llm_kpi_1m;
SELECT '1h', sum(requests), sum(cost_usd) FROM spanhouse.llm_kpi_1h;
SELECT '1d', sum(requests), sum(cost_usd) FROM spanhouse.llm_kpi_1d;
-- A different token is a different batch: stored.
INSERT INTO spanhouse.llm_spans (timestamp, tenant_id, model, status, cost_usd, latency_ms)
SETTINGS insert_deduplication_token = 'batch-p0-o102-o103', deduplicate_blocks_in_dependent_materialized_views = 1
VALUES (toStartOfHour(now()), 't1', 'm1', 'ok', 0.3, 100), (toStartOfHour(now()), 't1', 'm1', 'ok', 0.2, 200);
SELECT 'after new batch', count(), sum(cost_usd) FROM spanhouse.llm_spans;
SELECT '1d after new batch', sum(requests), sum(cost_usd) FROM spanhouse.llm_kpi_1d;
