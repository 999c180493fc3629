-- v_cache_savings. Prices for openai/gpt-4o: from 400 days ago input 2.5, cache read 1.25 per 1M;
-- from 3 days ago input 2.0, cache read 0.5 per 1M.
-- Fixture, feature chat:
--   today, gpt-4o: 3 uncached calls at 0.1 (cache_read 400k + 600k + 0 of input 2M) + 1 response-cache hit (0 USD)
--     -> 4 requests, 1 hit (25%), response saved = 0.3 / 3 * 1 = 0.1,
--        prompt saved = 1,000,000 * (2.0 - 0.5) / 1e6 = 1.5 (today's price), read pct 50
--   5 days ago, gpt-4o: 1 call 1.0 USD, cache_read 2M of input 4M
--     -> 0 hits, response saved 0, prompt saved = 2,000,000 * (2.5 - 1.25) / 1e6 = 2.5 (old price)
--   today, openai/mystery (no price): 1 call, cache_read 100 of 200 -> prompt saved NULL
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_pricing (provider, model, effective_from, input_per_1m, output_per_1m, cache_read_per_1m, cache_write_per_1m, reasoning_per_1m, batch_discount) VALUES ('openai', 'gpt-4o', today() - 400, 2.5, 10, 1.25, 3.125, 10, 0.5), ('openai', 'gpt-4o', today() - 3, 2.0, 8, 0.5, 2.5, 8, 0.5);
INSERT INTO spanhouse.llm_spans (timestamp, feature, provider, model, status, cost_usd, input_tokens, cache_read_tokens, cache_hit) VALUES
    (toStartOfDay(now()), 'chat', 'openai', 'gpt-4o', 'ok', 0.1, 1000000, 400000, 0),
    (toStartOfDay(now()), 'chat', 'openai', 'gpt-4o', 'ok', 0.1, 600000, 600000, 0),
    (toStartOfDay(now()), 'chat', 'openai', 'gpt-4o', 'ok', 0.1, 400000, 0, 0),
    (toStartOfDay(now()), 'chat', 'openai', 'gpt-4o', 'ok', 0, 0, 0, 1),
    (toStartOfDay(now()) - INTERVAL 5 DAY, 'chat', 'openai', 'gpt-4o', 'ok', 1.0, 4000000, 2000000, 0),
    (toStartOfDay(now()), 'chat', 'openai', 'mystery', 'ok', 0.01, 200, 100, 0);
SELECT dateDiff('day', day, today()) AS days_ago, * EXCEPT day FROM spanhouse.v_cache_savings;
