-- v_eval_orphans: evals and outcomes of the last 8 days whose span is not stored (yet), with
-- their age (now - the record's own timestamp). They are stored in llm_evals/llm_outcomes
-- and join the quality aggregate when their span lands within 7 days of them
-- (220_llm_quality_1m.sql); after that window they stay here as 'expired' and are not
-- counted in llm_quality_1m (see docs/evals.md).
-- Parameters: none.  Source: llm_evals, llm_outcomes, llm_spans.
CREATE VIEW IF NOT EXISTS spanhouse.v_eval_orphans AS
SELECT
    kind,
    trace_id,
    span_id,
    name,
    timestamp,
    dateDiff('second', timestamp, now64(3)) AS age_s,
    multiIf(age_s < 60, 'under_1m', age_s < 3600, 'under_1h', age_s < 86400, 'under_1d',
            age_s < 7 * 86400, 'under_7d', 'expired') AS age_bucket
FROM
(
    SELECT 'eval' AS kind, trace_id, span_id, toString(metric) AS name, timestamp
    FROM spanhouse.llm_evals WHERE timestamp >= now() - INTERVAL 8 DAY
    UNION ALL
    SELECT 'outcome' AS kind, trace_id, span_id, toString(event) AS name, timestamp
    FROM spanhouse.llm_outcomes WHERE timestamp >= now() - INTERVAL 8 DAY
)
WHERE (span_id = '' AND trace_id NOT IN
          (SELECT trace_id FROM spanhouse.llm_spans WHERE timestamp >= now() - INTERVAL 16 DAY))
   OR (span_id != '' AND (trace_id, span_id) NOT IN
          (SELECT trace_id, span_id FROM spanhouse.llm_spans WHERE timestamp >= now() - INTERVAL 16 DAY))
ORDER BY age_s DESC, kind, trace_id, span_id, name;
