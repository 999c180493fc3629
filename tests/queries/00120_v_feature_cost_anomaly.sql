-- v_feature_cost_anomaly. Fixture, feature f, one call per hour for the last 192 hours:
-- k hours ago costs 3 if k is odd, 1 if k is even, except the current hour (k = 0) costs 10.
-- Every 168-hour baseline window (hours k+1 .. k+168, k = 0..23) holds 84 threes and 84 ones:
-- mean 2, population stddev 1, band [max(2 - 3, 0), 2 + 3] = [0, 5].
-- Expected: 24 rows (hours_ago 23 .. 0), only the current hour (10 > 5) is an anomaly.
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_spans (timestamp, feature, model, status, cost_usd)
    SELECT toStartOfHour(now()) - toIntervalHour(number), 'f', 'm', 'ok', if(number = 0, 10, if(number % 2 = 1, 3, 1)) FROM numbers(192);
SELECT dateDiff('hour', hour, toStartOfHour(now())) AS hours_ago, * EXCEPT hour FROM spanhouse.v_feature_cost_anomaly;
