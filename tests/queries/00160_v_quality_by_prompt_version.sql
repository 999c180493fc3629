-- v_quality_by_prompt_version.
--   today t1/v1: quality 0.5, 0.75, (none); cost 0.1 each -> 3 requests, 2 scored, avg 0.625,
--                p50 0.5 (lower median), cost per request 0.1
--   today t1/v2: quality 1.0, cost 0.2 -> 1, 1, 1, 1, 0.2
--   yesterday t1/v1: quality 0.25, cost 0.1 -> 1, 1, 0.25, 0.25, 0.1
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_spans (timestamp, prompt_template, prompt_version, model, status, cost_usd, quality_score) VALUES
    (toStartOfDay(now()), 't1', 'v1', 'm', 'ok', 0.1, 0.5),
    (toStartOfDay(now()), 't1', 'v1', 'm', 'ok', 0.1, 0.75),
    (toStartOfDay(now()), 't1', 'v1', 'm', 'ok', 0.1, NULL),
    (toStartOfDay(now()), 't1', 'v2', 'm', 'ok', 0.2, 1.0),
    (toStartOfDay(now()) - INTERVAL 1 DAY, 't1', 'v1', 'm', 'ok', 0.1, 0.25);
SELECT dateDiff('day', day, today()) AS days_ago, * EXCEPT day FROM spanhouse.v_quality_by_prompt_version;
