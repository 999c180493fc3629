-- v_token_velocity. openai/m1: a streamed call (150 output tokens, 2,000 ms, first token at 500 ms)
-- and a plain one (250 tokens, 3,000 ms): 400 tokens / 5 s = 80 tokens/s overall; generation
-- after the first token 150 / 1.5 s = 100 tokens/s. Left out: a failed call, a call without
-- output, a call of 2 days ago. anthropic/c: one plain call, 100 tokens in 500 ms = 200/s, no
-- streamed call (NULL).
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_spans (timestamp, provider, model, status, output_tokens, latency_ms, ttft_ms)
    VALUES (now() - INTERVAL 1 HOUR, 'openai', 'm1', 'ok', 150, 2000, 500), (now() - INTERVAL 1 HOUR, 'openai', 'm1', 'ok', 250, 3000, NULL),
           (now() - INTERVAL 1 HOUR, 'openai', 'm1', 'error', 999, 10, NULL), (now() - INTERVAL 1 HOUR, 'openai', 'm1', 'ok', 0, 9000, NULL),
           (now() - INTERVAL 2 DAY, 'openai', 'm1', 'ok', 999, 1, NULL), (now() - INTERVAL 1 HOUR, 'anthropic', 'c', 'ok', 100, 500, NULL);
SELECT * FROM spanhouse.v_token_velocity;
