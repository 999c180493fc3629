-- v_cost_per_session. f1: session s1 = 3 calls of 0.1 over 120 s, s2 = 1 call of 0.5 -> 2 sessions,
-- 2 calls each on average; costs sorted (0.3, 0.5): p50 = p95 = 0.5 (element floor(level x 2)),
-- largest 0.5; durations (0, 120): p50 = p95 = 120. f2: s3 = 2 calls of 1.0, 60 s apart.
-- A call without a session and one of 10 days ago are left out.
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_spans (timestamp, feature, session_id, model, status, cost_usd)
    VALUES (now() - INTERVAL 1 HOUR, 'f1', 's1', 'm', 'ok', 0.1), (now() - INTERVAL 1 HOUR + INTERVAL 60 SECOND, 'f1', 's1', 'm', 'ok', 0.1),
           (now() - INTERVAL 1 HOUR + INTERVAL 120 SECOND, 'f1', 's1', 'm', 'ok', 0.1), (now() - INTERVAL 2 HOUR, 'f1', 's2', 'm', 'ok', 0.5),
           (now() - INTERVAL 3 HOUR, 'f2', 's3', 'm', 'ok', 1.0), (now() - INTERVAL 3 HOUR + INTERVAL 60 SECOND, 'f2', 's3', 'm', 'ok', 1.0),
           (now() - INTERVAL 1 HOUR, 'f1', '', 'm', 'ok', 9), (now() - INTERVAL 10 DAY, 'f1', 's9', 'm', 'ok', 9);
SELECT * FROM spanhouse.v_cost_per_session;
