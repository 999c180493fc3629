-- v_model_comparison. Fixture, feature chat, 5 hours ago:
--   m_big:   2 calls, cost 0.5 each, latency 1024 and 3072 ms, quality 0.75 and 0.25, 1 error
--            -> cost 1.0, 0.5/request, p95 latency 3072, error rate 50%, avg quality 0.5
--   m_small: 2 calls, cost 0.125 each, latency 512, 512, quality 1.0 and none, no error
--            -> cost 0.25, 0.125/request (cheapest: cost_vs_cheapest 1; m_big 4), p95 512, quality 1
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_spans (timestamp, feature, model, status, cost_usd, latency_ms, quality_score) VALUES
    (toStartOfHour(now()) - INTERVAL 5 HOUR, 'chat', 'm_big', 'ok', 0.5, 1024, 0.75),
    (toStartOfHour(now()) - INTERVAL 5 HOUR, 'chat', 'm_big', 'error', 0.5, 3072, 0.25),
    (toStartOfHour(now()) - INTERVAL 5 HOUR, 'chat', 'm_small', 'ok', 0.125, 512, 1.0),
    (toStartOfHour(now()) - INTERVAL 5 HOUR, 'chat', 'm_small', 'ok', 0.125, 512, NULL);
SELECT * FROM spanhouse.v_model_comparison;
