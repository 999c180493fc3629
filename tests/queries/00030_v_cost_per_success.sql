-- v_cost_per_success. Fixture, 3 hours ago:
--   chat/m1: 3 ok calls at 0.125 + 1 failed call at 0.125 -> cost 0.5, 3 successes:
--            per success 0.5/3 = 0.166667, per request 0.125, p50 = p95 = 0.125
--   search/m2: 2 failed calls at 0 -> successes 0 -> cost_per_success NULL, per request 0
-- (0.125 is exact in bfloat16, so the quantiles show no rounding.)
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_spans (timestamp, feature, model, status, error_class, cost_usd) VALUES
    (toStartOfHour(now()) - INTERVAL 3 HOUR, 'chat', 'm1', 'ok', '', 0.125),
    (toStartOfHour(now()) - INTERVAL 3 HOUR, 'chat', 'm1', 'ok', '', 0.125),
    (toStartOfHour(now()) - INTERVAL 3 HOUR, 'chat', 'm1', 'ok', '', 0.125),
    (toStartOfHour(now()) - INTERVAL 3 HOUR, 'chat', 'm1', 'error', 'timeout', 0.125),
    (toStartOfHour(now()) - INTERVAL 3 HOUR, 'search', 'm2', 'error', 'rate_limit', 0),
    (toStartOfHour(now()) - INTERVAL 3 HOUR, 'search', 'm2', 'error', 'rate_limit', 0);
SELECT * FROM spanhouse.v_cost_per_success;
