-- v_eval_orphans. Stored span: t/s. Records:
--   eval on t/s (joined: not listed); whole-trace outcome on t (joined: not listed)
--   eval x1/s 10 s old (under_1m), eval x2/s 30 min old (under_1h), outcome x3 (whole trace)
--   2 h old (under_1d), eval x4/s 3 days old (under_7d), eval x5/s 7 days 1 hour old
--   (expired: its span can no longer join), eval on t/other-span (that span is missing).
-- Then span x2/s lands: x2 leaves the list and is counted in llm_quality_1m (1 eval).
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_spans (timestamp, trace_id, span_id, model) VALUES (now() - INTERVAL 1 DAY, 't', 's', 'm');
INSERT INTO spanhouse.llm_evals (timestamp, trace_id, span_id, metric, score) VALUES
    (now() - INTERVAL 1 HOUR, 't', 's', 'helpfulness', 1),
    (now() - INTERVAL 1 HOUR, 't', 'other', 'helpfulness', 1),
    (now() - INTERVAL 10 SECOND, 'x1', 's', 'helpfulness', 1),
    (now() - INTERVAL 30 MINUTE, 'x2', 's', 'groundedness', 0.25),
    (now() - INTERVAL 3 DAY, 'x4', 's', 'helpfulness', 1),
    (now() - INTERVAL 7 DAY - INTERVAL 1 HOUR, 'x5', 's', 'helpfulness', 1);
INSERT INTO spanhouse.llm_outcomes (timestamp, trace_id, span_id, event, value) VALUES
    (now() - INTERVAL 1 HOUR, 't', '', 'conversion', 1),
    (now() - INTERVAL 2 HOUR, 'x3', '', 'ticket_escalated', 0);
SELECT kind, trace_id, span_id, name, age_bucket FROM spanhouse.v_eval_orphans;
SELECT metric, event, sum(evals), sum(outcomes) FROM spanhouse.llm_quality_1m GROUP BY metric, event ORDER BY metric, event;
INSERT INTO spanhouse.llm_spans (timestamp, trace_id, span_id, model) VALUES (now() - INTERVAL 40 MINUTE, 'x2', 's', 'm');
SELECT kind, trace_id, span_id, name, age_bucket FROM spanhouse.v_eval_orphans;
SELECT metric, event, sum(evals), sum(outcomes), sum(score_wsum) FROM spanhouse.llm_quality_1m GROUP BY metric, event ORDER BY metric, event;
