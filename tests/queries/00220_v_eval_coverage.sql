-- v_eval_coverage. 10 spans in the last day (t0..t9), plus one 3 days old (not counted).
--   helpfulness / llm_judge at rate 1 on all 10            -> coverage 1,   vs expected 1
--   json_valid / heuristic at rate 0.5 on t0, t1, t2      -> coverage 0.3, vs expected 0.6
--   groundedness / human at rate 0.1, whole trace t5      -> coverage 0.1, vs expected 1
-- plus 5 spans of feature 'summ' (u0..u4), all scored by faithfulness / llm_judge at rate 1:
-- its population is those 5 spans (coverage 1), and the three evaluators above only ever saw
-- feature '' so their denominator stays 10 (not 15).
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_spans (timestamp, trace_id, span_id, model)
    SELECT now() - INTERVAL 2 HOUR, concat('t', toString(number)), 's', 'm' FROM numbers(10);
INSERT INTO spanhouse.llm_spans (timestamp, trace_id, span_id, model) VALUES (now() - INTERVAL 3 DAY, 'old', 's', 'm');
INSERT INTO spanhouse.llm_spans (timestamp, trace_id, span_id, model, feature)
    SELECT now() - INTERVAL 2 HOUR, concat('u', toString(number)), 's', 'm', 'summ' FROM numbers(5);
INSERT INTO spanhouse.llm_evals (timestamp, trace_id, span_id, metric, source, score, sample_rate)
    SELECT now() - INTERVAL 1 HOUR, concat('u', toString(number)), 's', 'faithfulness', 'llm_judge', 0.7, 1 FROM numbers(5);
INSERT INTO spanhouse.llm_evals (timestamp, trace_id, span_id, metric, source, score, sample_rate)
    SELECT now() - INTERVAL 1 HOUR, concat('t', toString(number)), 's', 'helpfulness', 'llm_judge', 0.8, 1 FROM numbers(10);
INSERT INTO spanhouse.llm_evals (timestamp, trace_id, span_id, metric, source, score, sample_rate)
    SELECT now() - INTERVAL 1 HOUR, concat('t', toString(number)), 's', 'json_valid', 'heuristic', 1, 0.5 FROM numbers(3);
INSERT INTO spanhouse.llm_evals (timestamp, trace_id, span_id, metric, source, score, sample_rate) VALUES
    (now() - INTERVAL 1 HOUR, 't5', '', 'groundedness', 'human', 0.9, 0.1),
    (now() - INTERVAL 1 HOUR, 'old', 's', 'helpfulness', 'llm_judge', 0.1, 1);
SELECT * FROM spanhouse.v_eval_coverage;
