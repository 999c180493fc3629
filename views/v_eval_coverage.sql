-- v_eval_coverage: which share of the last 24 hours of spans each evaluator metric scored,
-- per sampling tier (sample_rate) and source. expected_coverage is the tier's sample_rate:
-- coverage far below it means the evaluator is falling behind or losing records.
-- The denominator is the evaluator's population: the spans of the features it scored at least
-- once in the window (`features`), so a 100 % judge that runs on one feature reads 1, not that
-- feature's share of all traffic. A feature the evaluator dropped entirely leaves the list: the
-- dashboard's per-feature quality panels show that gap.
-- Counted over spans of the last 24 hours and their evals (joined by trace_id + span_id;
-- whole-trace evals count every span of their trace).
-- Parameters: none.  Source: llm_spans, llm_evals.
CREATE VIEW IF NOT EXISTS spanhouse.v_eval_coverage AS
WITH
    (
        SELECT CAST((groupArray(feature), groupArray(n)), 'Map(String, UInt64)')
        FROM (SELECT feature, count() AS n FROM spanhouse.llm_spans
              WHERE timestamp >= now() - INTERVAL 1 DAY GROUP BY feature)
    ) AS spans_by_feature
SELECT
    e.metric AS metric,
    e.source AS source,
    e.sample_rate AS expected_coverage,
    uniqExact(s.trace_id, s.span_id) AS evaluated_spans,
    arraySort(groupUniqArray(toString(s.feature))) AS features,
    arraySum(arrayMap(f -> spans_by_feature[f], features)) AS spans,
    round(evaluated_spans / spans, 4) AS coverage,
    round(coverage / expected_coverage, 3) AS coverage_vs_expected
FROM
(
    SELECT trace_id, span_id, feature FROM spanhouse.llm_spans WHERE timestamp >= now() - INTERVAL 1 DAY
) AS s
INNER JOIN
(
    SELECT trace_id, span_id, metric, source, sample_rate FROM spanhouse.llm_evals
    WHERE timestamp >= now() - INTERVAL 1 DAY - INTERVAL 1 HOUR
) AS e ON s.trace_id = e.trace_id AND (e.span_id = s.span_id OR e.span_id = '')
GROUP BY metric, source, expected_coverage
ORDER BY metric, source, expected_coverage DESC;
