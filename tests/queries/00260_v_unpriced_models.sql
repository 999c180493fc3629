-- v_unpriced_models. Fixture (pricing_status as the worker sets it):
--   openai/gpt-9 (unknown): 2 calls today (input 100+50, output 10+5), one with a producer cost 0.25
--   acme/llm-x (unknown): 1 call 2 days ago (input 7, output 3), no producer cost
--   openai/gpt-4o (priced, status ok): not listed; acme/llm-x 9 days ago: outside the 7 days
-- Expected: gpt-9 first (2 calls), then llm-x; first_seen/last_seen as days ago; no fallback
-- price in llm_pricing: fallback_cost_usd NULL. Then with fallback rows (openai/* $5/$15, an
-- older openai/* $50/$150 superseded, */* $10/$30, and a */* from tomorrow not yet in force):
--   gpt-9 (openai/*): (150 x 5 + 15 x 15) / 1e6 = 0.000975
--   llm-x (acme: */*): (7 x 10 + 3 x 30) / 1e6 = 0.00016
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_spans (timestamp, provider, model, status, input_tokens, output_tokens, cost_usd, cost_source, pricing_status) VALUES
    (toStartOfDay(now()), 'openai', 'gpt-9', 'ok', 100, 10, 0.25, 'producer', 'unknown_model'),
    (toStartOfDay(now()), 'openai', 'gpt-9', 'ok', 50, 5, 0, 'none', 'unknown_model'),
    (toStartOfDay(now()) - INTERVAL 2 DAY, 'acme', 'llm-x', 'ok', 7, 3, 0, 'none', 'unknown_model'),
    (toStartOfDay(now()) - INTERVAL 9 DAY, 'acme', 'llm-x', 'ok', 1, 1, 0, 'none', 'unknown_model'),
    (toStartOfDay(now()), 'openai', 'gpt-4o', 'ok', 1000, 100, 0.5, 'computed', 'ok');
SELECT provider, model, response_model, calls, input_tokens, output_tokens, cache_read_tokens, calls_with_producer_cost, producer_cost_usd,
       dateDiff('day', toDate(first_seen), today()) AS first_days_ago, dateDiff('day', toDate(last_seen), today()) AS last_days_ago, fallback_cost_usd
FROM spanhouse.v_unpriced_models;
INSERT INTO spanhouse.llm_pricing (provider, model, effective_from, input_per_1m, output_per_1m, aliases, notes) VALUES
    ('openai', '*', today() - 30, 50, 150, '', 'superseded'),
    ('openai', '*', today() - 1, 5, 15, '', ''),
    ('*', '*', today() - 1, 10, 30, '', ''),
    ('*', '*', today() + 1, 99, 99, '', 'not in force yet'),
    ('openai', 'gpt-4o', today() - 1, 2.5, 10, '', '');
SELECT provider, model, response_model, calls, input_tokens, output_tokens, cache_read_tokens, calls_with_producer_cost, producer_cost_usd,
       dateDiff('day', toDate(first_seen), today()) AS first_days_ago, dateDiff('day', toDate(last_seen), today()) AS last_days_ago, fallback_cost_usd
FROM spanhouse.v_unpriced_models;
