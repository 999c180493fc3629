-- v_unpriced_models. Fixture (pricing_status as the worker sets it):
--   openai/gpt-9 (unknown): 2 calls today (input 100+50, output 10+5), one with a producer cost 0.25
--   acme/llm-x (unknown): 1 call 2 days ago (input 7, output 3), no producer cost
--   openai/gpt-4o (priced, status ok): not listed; acme/llm-x 9 days ago: outside the 7 days
-- Expected: gpt-9 first (2 calls), then llm-x; first_seen/last_seen as days ago.
SET insert_deduplicate = 0;
TRUNCATE TABLE spanhouse.llm_spans; TRUNCATE TABLE spanhouse.llm_span_index; TRUNCATE TABLE spanhouse.llm_kpi_1m; TRUNCATE TABLE spanhouse.llm_kpi_1h; TRUNCATE TABLE spanhouse.llm_kpi_1d;
INSERT INTO spanhouse.llm_spans (timestamp, provider, model, status, input_tokens, output_tokens, cost_usd, cost_source, pricing_status) VALUES
    (toStartOfDay(now()), 'openai', 'gpt-9', 'ok', 100, 10, 0.25, 'producer', 'unknown_model'),
    (toStartOfDay(now()), 'openai', 'gpt-9', 'ok', 50, 5, 0, 'none', 'unknown_model'),
    (toStartOfDay(now()) - INTERVAL 2 DAY, 'acme', 'llm-x', 'ok', 7, 3, 0, 'none', 'unknown_model'),
    (toStartOfDay(now()) - INTERVAL 9 DAY, 'acme', 'llm-x', 'ok', 1, 1, 0, 'none', 'unknown_model'),
    (toStartOfDay(now()), 'openai', 'gpt-4o', 'ok', 1000, 100, 0.5, 'computed', 'ok');
SELECT provider, model, response_model, calls, input_tokens, output_tokens, cache_read_tokens, calls_with_producer_cost, producer_cost_usd,
       dateDiff('day', toDate(first_seen), today()) AS first_days_ago, dateDiff('day', toDate(last_seen), today()) AS last_days_ago
FROM spanhouse.v_unpriced_models;
TRUNCATE TABLE spanhouse.llm_spans; TRUNCATE TABLE spanhouse.llm_span_index; TRUNCATE TABLE spanhouse.llm_kpi_1m; TRUNCATE TABLE spanhouse.llm_kpi_1h; TRUNCATE TABLE spanhouse.llm_kpi_1d;
