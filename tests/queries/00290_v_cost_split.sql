-- v_cost_split. Prices of openai/m1 (per 1M): until today input 1, output 4, cache read 0.5
-- (cache write and reasoning default to input and output); from today input 2, output 4 (cache
-- read now defaults to input: 2).
--   2 days ago, m1: 1000 input (no cache), 250 output, cost 0.002
--     list: 1000 x 1 + 250 x 4 = 2000 -> input 50 %, output 50 % -> 0.001 + 0.001
--   today, m1: 1000 input of which 400 cache reads and 100 cache writes, 300 output of which 100
--     reasoning, cost 0.002; list at today's price: 500 x 2 + 400 x 2 + 100 x 2 + 200 x 4 + 100 x 4
--     = 1000 + 800 + 200 + 800 + 400 = 3200 -> 0.000625, 0.0005, 0.000125, 0.0005, 0.00025;
--     input side 62.5 %, output side 37.5 %
--   today, m2 (no price row): cost 0.01, parts NULL
--   40 days ago: outside the 30 days
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_pricing (provider, model, effective_from, input_per_1m, output_per_1m, cache_read_per_1m)
    VALUES ('openai', 'm1', today() - 100, 1, 4, 0.5), ('openai', 'm1', today(), 2, 4, NULL);
INSERT INTO spanhouse.llm_spans (timestamp, provider, model, status, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_usd)
    VALUES (toDateTime(today() - 2) + 3600, 'openai', 'm1', 'ok', 1000, 250, 0, 0, 0, 0.002),
           (now(), 'openai', 'm1', 'ok', 1000, 300, 400, 100, 100, 0.002),
           (now(), 'openai', 'm2', 'ok', 1000, 300, 0, 0, 0, 0.01),
           (toDateTime(today() - 40) + 3600, 'openai', 'm1', 'ok', 1000, 250, 0, 0, 0, 0.002);
SELECT * EXCEPT day, day = today() AS is_today FROM spanhouse.v_cost_split;
