-- v_user_runaway. Baseline hourly average = spend in the 7 days before the last hour / 168.
--   u1: 1.68 two days ago (avg 0.01/h), 0.5 five minutes ago -> ratio 50 -> runaway
--   u2: 16.8 three days ago (avg 0.1/h), 0.5 five minutes ago -> ratio 5 -> not runaway;
--       1000 nine days ago is outside the baseline
--   u3: 1.0 five minutes ago, no history -> ratio NULL, not flagged
--   u4: history only -> not listed
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_spans (timestamp, tenant_id, user_id, model, status, cost_usd) VALUES
    (now() - INTERVAL 2 DAY, 't', 'u1', 'm', 'ok', 1.68),
    (now() - INTERVAL 5 MINUTE, 't', 'u1', 'm', 'ok', 0.5),
    (now() - INTERVAL 3 DAY, 't', 'u2', 'm', 'ok', 16.8),
    (now() - INTERVAL 5 MINUTE, 't', 'u2', 'm', 'ok', 0.5),
    (now() - INTERVAL 9 DAY, 't', 'u2', 'm', 'ok', 1000),
    (now() - INTERVAL 5 MINUTE, 't', 'u3', 'm', 'ok', 1.0),
    (now() - INTERVAL 2 DAY, 't', 'u4', 'm', 'ok', 5.0);
SELECT * FROM spanhouse.v_user_runaway;
