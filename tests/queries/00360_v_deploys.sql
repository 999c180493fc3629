-- v_deploys. Service api ran v1 from 10 hours ago (10 calls: 1 error, cost 0.01, 1,000 ms, quality
-- 0.9; 5 more calls 5 hours ago) and v2 from 2 hours ago (10 calls: 3 errors, cost 0.03, 3,000 ms,
-- quality 0.6). The windows are 6 hours either side of a version's first minute:
--   v2: before = v1's 5 calls of 5 hours ago (v1's first 10, 8 hours before v2, are outside):
--       0 %, 0.01, 1,000 ms, 0.9; after = v2's 10 calls: 30 %, 0.03, 3,000 ms, 0.6
--   v1: before = nothing (NULLs); after = its 10 first calls and the 5 of 5 hours ago (15):
--       1 error = 6.67 %, 0.01, 1,000 ms, 0.9
-- Service other: its call has no deploy_version, so no deploy row.
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_spans (timestamp, service, deploy_version, model, status, cost_usd, latency_ms, quality_score)
    SELECT now() - INTERVAL 10 HOUR + toIntervalSecond(number), 'api', 'v1', 'm', if(number = 0, 'error', 'ok'), 0.01, 1000, 0.9 FROM numbers(10);
INSERT INTO spanhouse.llm_spans (timestamp, service, deploy_version, model, status, cost_usd, latency_ms, quality_score)
    SELECT now() - INTERVAL 5 HOUR + toIntervalSecond(number), 'api', 'v1', 'm', 'ok', 0.01, 1000, 0.9 FROM numbers(5);
INSERT INTO spanhouse.llm_spans (timestamp, service, deploy_version, model, status, cost_usd, latency_ms, quality_score)
    SELECT now() - INTERVAL 2 HOUR + toIntervalSecond(number), 'api', 'v2', 'm', if(number < 3, 'error', 'ok'), 0.03, 3000, 0.6 FROM numbers(10);
INSERT INTO spanhouse.llm_spans (timestamp, service, deploy_version, model, status, cost_usd)
    VALUES (now() - INTERVAL 1 HOUR, 'other', '', 'm', 'ok', 1);
SELECT * EXCEPT (first_seen, last_seen), dateDiff('hour', first_seen, now()) AS first_seen_hours_ago FROM spanhouse.v_deploys;
