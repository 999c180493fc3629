-- v_user_cost_distribution. t1: users u1..u10 spent 1..10 USD (55 in all); p50 = 6, p90 = p99 =
-- 10 (element floor(level x 10) of the sorted costs), largest 10 = 18.18 % of 55. A call without
-- a user (100 USD) and one of 40 days ago are left out. t2: one user, 5 USD: 100 %.
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_spans (timestamp, tenant_id, user_id, model, status, cost_usd)
    SELECT now() - INTERVAL 1 DAY, 't1', concat('u', toString(number + 1)), 'm', 'ok', number + 1 FROM numbers(10);
INSERT INTO spanhouse.llm_spans (timestamp, tenant_id, user_id, model, status, cost_usd)
    VALUES (now() - INTERVAL 1 DAY, 't1', '', 'm', 'ok', 100), (now() - INTERVAL 40 DAY, 't1', 'u1', 'm', 'ok', 1000),
           (now() - INTERVAL 2 DAY, 't2', 'x', 'm', 'ok', 5);
SELECT * FROM spanhouse.v_user_cost_distribution;
