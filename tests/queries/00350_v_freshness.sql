-- v_freshness. Delay = stored_at - (timestamp + latency_ms).
--   spans: 100 calls ending 1..100 s before they were stored (stored 10 min ago): exact
--     quantiles take element floor(level x 100): p50 = 51, p95 = 96, p99 = 100 -> over target
--     (p95 > 60)
--   evals-topic: 10 calls stored 2 s after they ended -> 2 everywhere, on target
--   a row stored 2 hours ago is outside the hour; a call "stored before it ended" (clock skew)
--     counts as 0
--   the server fills stored_at itself: a row inserted without it is stored now, 30 s after its call
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_spans (timestamp, kafka_topic, model, status, latency_ms, stored_at)
    SELECT now64(3) - INTERVAL 10 MINUTE - toIntervalSecond(number + 1) - INTERVAL 2 SECOND, 'spans', 'm', 'ok', 2000,
           now64(3) - INTERVAL 10 MINUTE FROM numbers(100);
INSERT INTO spanhouse.llm_spans (timestamp, kafka_topic, model, status, latency_ms, stored_at)
    SELECT now64(3) - INTERVAL 5 MINUTE - INTERVAL 3 SECOND, 'evals-topic', 'm', 'ok', 1000, now64(3) - INTERVAL 5 MINUTE FROM numbers(10);
INSERT INTO spanhouse.llm_spans (timestamp, kafka_topic, model, status, latency_ms, stored_at)
    VALUES (now64(3) - INTERVAL 3 HOUR, 'spans', 'm', 'ok', 0, now64(3) - INTERVAL 2 HOUR),
           (now64(3) - INTERVAL 1 MINUTE, 'skew', 'm', 'ok', 0, now64(3) - INTERVAL 2 MINUTE);
INSERT INTO spanhouse.llm_spans (timestamp, kafka_topic, model, status, latency_ms)
    VALUES (now64(3) - INTERVAL 30 SECOND, 'server-filled', 'm', 'ok', 0);
SELECT * FROM spanhouse.v_freshness WHERE kafka_topic != 'server-filled';
SELECT kafka_topic, rows, p50_delay_s BETWEEN 29.9 AND 40 AS stored_by_the_server_now FROM spanhouse.v_freshness WHERE kafka_topic = 'server-filled';
