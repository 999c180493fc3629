-- v_errors_by_provider. Fixture, 30 minutes ago:
--   openai: ok (0 retries), ok (2 retries), error rate_limit (3 retries), error timeout (1 retry)
--     -> 4 requests, 2 errors (50%), 3 retried (75%), 6 retries (1.5 per request),
--        classes {rate_limit:1, timeout:1}, top class rate_limit (tie broken by name)
--   anthropic: 2 ok, no retries -> 0%, 0%, 0, {}, top ''
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_spans (timestamp, provider, model, status, error_class, retry_count) VALUES
    (now() - INTERVAL 30 MINUTE, 'openai', 'm', 'ok', '', 0),
    (now() - INTERVAL 30 MINUTE, 'openai', 'm', 'ok', '', 2),
    (now() - INTERVAL 30 MINUTE, 'openai', 'm', 'error', 'rate_limit', 3),
    (now() - INTERVAL 30 MINUTE, 'openai', 'm', 'error', 'timeout', 1),
    (now() - INTERVAL 30 MINUTE, 'anthropic', 'm', 'ok', '', 0),
    (now() - INTERVAL 30 MINUTE, 'anthropic', 'm', 'ok', '', 0);
SELECT * FROM spanhouse.v_errors_by_provider;
