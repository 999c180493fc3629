-- Quality join and v_quality_trend. H = start of the hour 3 hours ago.
--   spans t1/s1 at H+30s and t2/s2 at H+90s (qa v1, m1); evals arrive after them, the one for
--   s1 two hours after its span: it must count in minute H, not H+2h.
--   helpfulness on m1: 0.9 pass (rate 1, w 1), 0.5 fail (rate 0.1, w 10), whole-trace t2 0.7
--   Relevant (rate 0.5, w 2): evals 3, weighted 13, mean (0.9 + 5 + 1.4) / 13 = 0.5615,
--   pass rate (1 + 2) / 13 = 0.2308, bfloat16 quantiles of {0.5, 0.7, 0.9}.
--   eval t3/s3 0.3 arrives BEFORE its span (qa v2, m2): joins when the span lands; mean 0.3.
--   A retried eval batch (same dedup token) and a second span of t2 count nothing more.
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_spans (timestamp, trace_id, span_id, model, prompt_template, prompt_version) VALUES
    (toStartOfHour(now()) - INTERVAL 3 HOUR + INTERVAL 30 SECOND, 't1', 's1', 'm1', 'qa', 'v1'),
    (toStartOfHour(now()) - INTERVAL 3 HOUR + INTERVAL 90 SECOND, 't2', 's2', 'm1', 'qa', 'v1');
INSERT INTO spanhouse.llm_evals (timestamp, trace_id, span_id, metric, score, label, sample_rate) VALUES
    (toStartOfHour(now()) - INTERVAL 1 HOUR + INTERVAL 30 SECOND, 't1', 's1', 'helpfulness', 0.9, 'pass', 1);
SET insert_deduplicate = 1, deduplicate_blocks_in_dependent_materialized_views = 1;
INSERT INTO spanhouse.llm_evals (timestamp, trace_id, span_id, metric, score, label, sample_rate) SETTINGS insert_deduplication_token = 'b1' VALUES
    (toStartOfHour(now()) - INTERVAL 2 HOUR, 't2', 's2', 'helpfulness', 0.5, 'fail', 0.1),
    (toStartOfHour(now()) - INTERVAL 2 HOUR, 't2', '', 'helpfulness', 0.7, 'Relevant', 0.5);
INSERT INTO spanhouse.llm_evals (timestamp, trace_id, span_id, metric, score, label, sample_rate) SETTINGS insert_deduplication_token = 'b1' VALUES
    (toStartOfHour(now()) - INTERVAL 2 HOUR, 't2', 's2', 'helpfulness', 0.5, 'fail', 0.1),
    (toStartOfHour(now()) - INTERVAL 2 HOUR, 't2', '', 'helpfulness', 0.7, 'Relevant', 0.5);
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_evals (timestamp, trace_id, span_id, metric, score, sample_rate) VALUES
    (toStartOfHour(now()) - INTERVAL 2 HOUR, 't3', 's3', 'helpfulness', 0.3, 1);
SELECT 'before span t3', count() FROM spanhouse.v_quality_trend WHERE model = 'm2';
INSERT INTO spanhouse.llm_spans (timestamp, trace_id, span_id, model, prompt_template, prompt_version) VALUES
    (toStartOfHour(now()) - INTERVAL 3 HOUR + INTERVAL 30 SECOND, 't3', 's3', 'm2', 'qa', 'v2'),
    (toStartOfHour(now()) - INTERVAL 3 HOUR + INTERVAL 50 SECOND, 't2', 's2b', 'm1', 'qa', 'v1');
SELECT dateDiff('hour', hour, toStartOfHour(now())) AS hours_ago, prompt_template, prompt_version, model, metric, evals, evals_weighted, mean_score, pass_rate, score_p50_p90_p99 FROM spanhouse.v_quality_trend;
SELECT dateDiff('second', toStartOfHour(now()) - INTERVAL 3 HOUR, minute) AS minute_offset_s, model, sum(evals) FROM spanhouse.llm_quality_1m GROUP BY minute, model ORDER BY minute, model;
