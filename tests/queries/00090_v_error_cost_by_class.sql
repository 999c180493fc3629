-- v_error_cost_by_class. Fixture, 4 hours ago (all spend 10.0):
--   openai: rate_limit errors 0.2 + 0.3, timeout error 0.5, ok 4.0
--   anthropic: server_error 1.0, ok 4.0;  an error with no class (0 USD) -> 'unknown'
-- Expected: anthropic/server_error 1 error 1.0 (10%); openai/rate_limit 2, 0.5 (5%);
--   openai/timeout 1, 0.5 (5%); anthropic/unknown 1, 0 (0%).
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_spans (timestamp, provider, model, status, error_class, cost_usd) VALUES
    (toStartOfHour(now()) - INTERVAL 4 HOUR, 'openai', 'm', 'error', 'rate_limit', 0.2),
    (toStartOfHour(now()) - INTERVAL 4 HOUR, 'openai', 'm', 'error', 'rate_limit', 0.3),
    (toStartOfHour(now()) - INTERVAL 4 HOUR, 'openai', 'm', 'error', 'timeout', 0.5),
    (toStartOfHour(now()) - INTERVAL 4 HOUR, 'openai', 'm', 'ok', '', 4.0),
    (toStartOfHour(now()) - INTERVAL 4 HOUR, 'anthropic', 'm', 'error', 'server_error', 1.0),
    (toStartOfHour(now()) - INTERVAL 4 HOUR, 'anthropic', 'm', 'error', '', 0),
    (toStartOfHour(now()) - INTERVAL 4 HOUR, 'anthropic', 'm', 'ok', '', 4.0);
SELECT * FROM spanhouse.v_error_cost_by_class;
