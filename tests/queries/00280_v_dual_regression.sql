-- v_dual_regression: seed 001's rule over the last 15 minutes (window: 5 minutes ago) against
-- the 7 days before (baseline: 3 days ago, 20 calls at cost 0.10, evaluations scoring 0.9).
--   f1/m1: cost 0.16 (1.6x), quality 0.75 (0.83x)                -> page, cost and quality (branch 1)
--   f2/m2: cost 0.13 (1.3x), quality 0.60 (0.67x)                -> page, cost and quality (branch 2)
--   f3/m3: cost 0.10 (1x), 5 scores 0.9 (rate 1) + 5 scores 0.5 (rate 0.25): weighted mean 0.58
--          (0.64x; unweighted it would be 0.70 -> 0.78x and stay quiet) -> page, severe quality
--   f4/m4: cost 0.16 (1.6x), quality flat; flat baseline (sd floored at 1 % of the mean)
--          -> z far above 3 -> investigate, cost spike, quality stable
--   f5/m5: baseline windows at p50 0.08 and 0.12 (mean 0.10, sd 0.02), window 0.11 (z ~0.5),
--          quality flat -> quiet
--   f6/m6: 4 calls in the window (fewer than 5) -> not listed
--   f7/m7: cost flat, only 3 scored evaluations in the window -> quality_ratio NULL, quiet
--   f8/m8: an experiment arm (exp-a, 30 calls at 0.20) ran in the baseline period beside 20
--          production calls at 0.10; production now costs 0.16 with quality 0.75. The baseline
--          is production only (median 0.10): page (counted with the arm, the median would be
--          0.20 and the rule quiet)
--   f9/m9: production quiet (0.10, 0.9); arm exp-b in the window at 0.16 with quality 0.60:
--          the arm's own row pages against the production baseline
SET insert_deduplicate = 0;
-- spans: (feature, when, calls, cost); trace_id = feature-when-number, span_id 's'
-- (feature, when, calls, cost, experiment_id)
INSERT INTO spanhouse.llm_spans (timestamp, trace_id, span_id, feature, model, status, cost_usd, experiment_id)
    SELECT toStartOfMinute(now()) - toIntervalMinute(w.2), concat(w.1, '-', toString(w.2), '-', toString(number)), 's',
           w.1, replace(w.1, 'f', 'm'), 'ok', toDecimal64(w.4, 9), w.5
    FROM numbers(30) AS n
    ARRAY JOIN [('f1', 4320, 20, 0.10, ''), ('f1', 5, 10, 0.16, ''), ('f2', 4320, 20, 0.10, ''), ('f2', 5, 10, 0.13, ''),
                ('f3', 4320, 20, 0.10, ''), ('f3', 5, 10, 0.10, ''), ('f4', 4320, 20, 0.10, ''), ('f4', 5, 10, 0.16, ''),
                ('f5', 4320, 10, 0.08, ''), ('f5', 2880, 10, 0.12, ''), ('f5', 5, 10, 0.11, ''),
                ('f6', 4320, 20, 0.10, ''), ('f6', 5, 4, 0.30, ''), ('f7', 4320, 20, 0.10, ''), ('f7', 5, 10, 0.10, ''),
                ('f8', 4320, 20, 0.10, ''), ('f8', 4319, 30, 0.20, 'exp-a'), ('f8', 5, 10, 0.16, ''),
                ('f9', 4320, 20, 0.10, ''), ('f9', 5, 10, 0.10, ''), ('f9', 4, 10, 0.16, 'exp-b')] AS w
    WHERE number < w.3;
-- evaluations: (feature, when, first, count, score, sample rate) of the spans above
INSERT INTO spanhouse.llm_evals (timestamp, trace_id, span_id, metric, score, sample_rate)
    SELECT now(), concat(e.1, '-', toString(e.2), '-', toString(e.3 + number)), 's', 'helpfulness', e.5, e.6
    FROM numbers(30) AS n
    ARRAY JOIN [('f1', 4320, 0, 20, 0.9, 1.), ('f1', 5, 0, 10, 0.75, 1.), ('f2', 4320, 0, 20, 0.9, 1.), ('f2', 5, 0, 10, 0.60, 1.),
                ('f3', 4320, 0, 20, 0.9, 1.), ('f3', 5, 0, 5, 0.9, 1.), ('f3', 5, 5, 5, 0.5, 0.25),
                ('f4', 4320, 0, 20, 0.9, 1.), ('f4', 5, 0, 10, 0.9, 1.), ('f5', 4320, 0, 10, 0.9, 1.), ('f5', 2880, 0, 10, 0.9, 1.),
                ('f5', 5, 0, 10, 0.9, 1.), ('f7', 4320, 0, 20, 0.9, 1.), ('f7', 5, 0, 3, 0.1, 1.),
                ('f8', 4320, 0, 20, 0.9, 1.), ('f8', 4319, 0, 30, 0.9, 1.), ('f8', 5, 0, 10, 0.75, 1.),
                ('f9', 4320, 0, 20, 0.9, 1.), ('f9', 5, 0, 10, 0.9, 1.), ('f9', 4, 0, 10, 0.6, 1.)] AS e
    WHERE number < e.4;
SELECT * FROM spanhouse.v_dual_regression;
