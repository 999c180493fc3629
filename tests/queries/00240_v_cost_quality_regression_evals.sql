-- v_cost_quality_regression_evals. Baseline 3 days ago, recent 1 hour ago, 2 calls each.
--   chat/m1:   cost 0.10 -> 0.15 (+50%); span quality_score 0.9 -> 0.9, but evals (arriving an
--              hour after their spans) 0.9 -> 0.6 (-33.3%): source evals -> regression 1
--   search/m2: cost 0.10 -> 0.15 (+50%); no evals; span quality 0.9 -> 0.8 (-11.1%) -> 1
--   sum/m3:    cost 0.10 -> 0.10 (0%);  evals 0.8 -> 0.4 (-50%), weighted: recent evals 0.2
--              (rate 0.5, w 2) and 0.8 (rate 1, w 1) -> (0.4 + 0.8) / 3 = 0.4 -> 0 (quality only)
--   docs/m4:   cost 0.10 -> 0.20; evals only in the recent period -> falls back to span
--              quality 0.5 -> 0.5 -> 0 (cost only)
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_spans (timestamp, trace_id, span_id, feature, model, status, cost_usd, quality_score)
    SELECT t, tr, 's', f, m, 'ok', c, toFloat32(q) FROM values('t DateTime, tr String, f String, m String, c Decimal(18, 9), q Float64',
        (toStartOfHour(now()) - INTERVAL 3 DAY, 'c1', 'chat', 'm1', 0.10, 0.9), (toStartOfHour(now()) - INTERVAL 3 DAY, 'c2', 'chat', 'm1', 0.10, 0.9),
        (toStartOfHour(now()) - INTERVAL 1 HOUR, 'c3', 'chat', 'm1', 0.15, 0.9), (toStartOfHour(now()) - INTERVAL 1 HOUR, 'c4', 'chat', 'm1', 0.15, 0.9),
        (toStartOfHour(now()) - INTERVAL 3 DAY, 'q1', 'search', 'm2', 0.10, 0.9), (toStartOfHour(now()) - INTERVAL 3 DAY, 'q2', 'search', 'm2', 0.10, 0.9),
        (toStartOfHour(now()) - INTERVAL 1 HOUR, 'q3', 'search', 'm2', 0.15, 0.8), (toStartOfHour(now()) - INTERVAL 1 HOUR, 'q4', 'search', 'm2', 0.15, 0.8),
        (toStartOfHour(now()) - INTERVAL 3 DAY, 'u1', 'sum', 'm3', 0.10, 0.9), (toStartOfHour(now()) - INTERVAL 3 DAY, 'u2', 'sum', 'm3', 0.10, 0.9),
        (toStartOfHour(now()) - INTERVAL 1 HOUR, 'u3', 'sum', 'm3', 0.10, 0.9), (toStartOfHour(now()) - INTERVAL 1 HOUR, 'u4', 'sum', 'm3', 0.10, 0.9),
        (toStartOfHour(now()) - INTERVAL 3 DAY, 'd1', 'docs', 'm4', 0.10, 0.5), (toStartOfHour(now()) - INTERVAL 1 HOUR, 'd2', 'docs', 'm4', 0.20, 0.5));
INSERT INTO spanhouse.llm_evals (timestamp, trace_id, span_id, metric, score, sample_rate)
    SELECT t, tr, 's', 'helpfulness', sc, r FROM values('t DateTime, tr String, sc Float64, r Float64',
        (toStartOfHour(now()) - INTERVAL 3 DAY + INTERVAL 1 HOUR, 'c1', 0.9, 1), (toStartOfHour(now()) - INTERVAL 3 DAY + INTERVAL 1 HOUR, 'c2', 0.9, 1),
        (toStartOfHour(now()), 'c3', 0.6, 1), (toStartOfHour(now()), 'c4', 0.6, 1),
        (toStartOfHour(now()) - INTERVAL 3 DAY + INTERVAL 1 HOUR, 'u1', 0.8, 1), (toStartOfHour(now()) - INTERVAL 3 DAY + INTERVAL 1 HOUR, 'u2', 0.8, 1),
        (toStartOfHour(now()), 'u3', 0.2, 0.5), (toStartOfHour(now()), 'u4', 0.8, 1),
        (toStartOfHour(now()), 'd2', 0.1, 1));
SELECT * FROM spanhouse.v_cost_quality_regression_evals;
