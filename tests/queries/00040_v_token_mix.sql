-- v_token_mix. Fixture, model m1:
--   today: (input 1000, cache_read 400, cache_write 100, output 200, reasoning 50) + (input 500, output 100)
--     -> requests 2, input 1500, uncached 1100, cache_read 400, cache_write 100, output 300,
--        reasoning 50, cached_input_pct 400/1500 = 26.67, output_per_input 0.2
--   yesterday: (input 10, output 5) -> 1, 10, 10, 0, 0, 5, 0, 0, 0.5
--   40 days ago: dropped by the 30-day raw TTL on insert, and outside the 30-day view window anyway
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_spans (timestamp, model, status, input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens) VALUES
    (toStartOfDay(now()), 'm1', 'ok', 1000, 400, 100, 200, 50),
    (toStartOfDay(now()), 'm1', 'ok', 500, 0, 0, 100, 0),
    (toStartOfDay(now()) - INTERVAL 1 DAY, 'm1', 'ok', 10, 0, 0, 5, 0),
    (toStartOfDay(now()) - INTERVAL 40 DAY, 'm1', 'ok', 99, 0, 0, 99, 0);
SELECT dateDiff('day', day, today()) AS days_ago, * EXCEPT day FROM spanhouse.v_token_mix;
