-- llm_quality_1m: several evals and outcomes of ONE span in the same insert block all count
-- (the record-after-span views join each record to its span; a join that keeps one record per
-- span key would count 1 of the 3 evals here). Span s1 (chat/m1, v1) 2 hours ago; one block
-- of 3 evals of s1 (helpfulness 0.9 and 0.7 from two judges, groundedness 0.5), one whole-trace
-- eval of trace t (helpfulness 0.8, attached to s1) and one eval of an unknown trace (orphan,
-- not counted); one block of 2 outcomes of s1 (conversion 10 USD, conversion 5 USD).
-- Expected: helpfulness 3 evals, mean (0.9 + 0.7 + 0.8) / 3 = 0.8; groundedness 1 eval 0.5;
-- conversion 2 outcomes, value 15.
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_spans (timestamp, trace_id, span_id, feature, model, prompt_template, prompt_version) VALUES
    (toStartOfHour(now()) - INTERVAL 2 HOUR, 't', 's1', 'chat', 'm1', 'chat', 'v1');
INSERT INTO spanhouse.llm_evals (timestamp, trace_id, span_id, evaluator, metric, score, source, sample_rate) VALUES
    (toStartOfHour(now()) - INTERVAL 1 HOUR, 't', 's1', 'judge-a', 'helpfulness', 0.9, 'llm_judge', 1),
    (toStartOfHour(now()) - INTERVAL 1 HOUR, 't', 's1', 'judge-b', 'helpfulness', 0.7, 'llm_judge', 1),
    (toStartOfHour(now()) - INTERVAL 1 HOUR, 't', 's1', 'judge-a', 'groundedness', 0.5, 'llm_judge', 1),
    (toStartOfHour(now()) - INTERVAL 1 HOUR, 't', '', 'judge-a', 'helpfulness', 0.8, 'llm_judge', 1),
    (toStartOfHour(now()) - INTERVAL 1 HOUR, 'zz', '', 'judge-a', 'helpfulness', 0.1, 'llm_judge', 1);
INSERT INTO spanhouse.llm_outcomes (timestamp, trace_id, span_id, event, value, currency) VALUES
    (toStartOfHour(now()) - INTERVAL 1 HOUR, 't', 's1', 'conversion', 10, 'USD'),
    (toStartOfHour(now()) - INTERVAL 1 HOUR, 't', 's1', 'conversion', 5, 'USD');
SELECT metric, event, sum(evals), round(sum(score_wsum) / nullIf(sum(score_weight), 0), 4), sum(outcomes), sum(outcome_value)
FROM spanhouse.llm_quality_1m
WHERE minute = toStartOfHour(now()) - INTERVAL 2 HOUR AND feature = 'chat' AND model = 'm1'
GROUP BY metric, event ORDER BY metric, event;
SELECT count() FROM spanhouse.llm_quality_1m WHERE minute != toStartOfHour(now()) - INTERVAL 2 HOUR;
