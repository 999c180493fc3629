-- v_cost_hourly. Fixture tenant a / team x / feature f / model m:
--   1 hour ago 2 calls at 0.1 (input 10, output 5 each); this hour 1 call at 0.3 (1 error);
--   8 days ago 1 call at 100 -> outside the 7-day window.
-- Expected: hours_ago 1: 2 requests, 0 errors, 0.2 USD, 20 in, 10 out; hours_ago 0: 1, 1, 0.3, 0, 0.
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_spans (timestamp, tenant_id, team_id, feature, model, status, cost_usd, input_tokens, output_tokens) VALUES
    (toStartOfHour(now()) - INTERVAL 1 HOUR, 'a', 'x', 'f', 'm', 'ok', 0.1, 10, 5),
    (toStartOfHour(now()) - INTERVAL 1 HOUR, 'a', 'x', 'f', 'm', 'ok', 0.1, 10, 5),
    (toStartOfHour(now()), 'a', 'x', 'f', 'm', 'error', 0.3, 0, 0),
    (toStartOfHour(now()) - INTERVAL 8 DAY, 'a', 'x', 'f', 'm', 'ok', 100, 0, 0);
SELECT dateDiff('hour', hour, toStartOfHour(now())) AS hours_ago, * EXCEPT hour FROM spanhouse.v_cost_hourly;
