-- v_token_percentiles. /a on m: 100 calls in the last hour with 1..100 input tokens and 10
-- output tokens; exact quantiles take the element at floor(level x n) of the sorted values:
-- p50 = 51, p95 = 96, p99 = 100; average 50.5. /b on m: one call of 7 -> 7 everywhere.
-- A call of 2 days ago (1,000,000 tokens) is outside the 24 hours.
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_spans (timestamp, endpoint, model, status, input_tokens, output_tokens)
    SELECT now() - INTERVAL 10 MINUTE, '/a', 'm', 'ok', number + 1, 10 FROM numbers(100);
INSERT INTO spanhouse.llm_spans (timestamp, endpoint, model, status, input_tokens, output_tokens)
    VALUES (now() - INTERVAL 1 HOUR, '/b', 'm', 'ok', 7, 7), (now() - INTERVAL 2 DAY, '/a', 'm', 'ok', 1000000, 1000000);
SELECT * FROM spanhouse.v_token_percentiles;
