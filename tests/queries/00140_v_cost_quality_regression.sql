-- v_cost_quality_regression. Baseline 3 days ago, recent 1 hour ago, 2 calls each.
--   chat/m1:   cost 0.10 -> 0.15 (+50%), quality 0.9 -> 0.8 (-11.1%) -> regression 1
--   search/m2: cost 0.10 -> 0.15 (+50%), quality 0.9 -> 0.9 (0%)     -> 0 (cost only)
--   sum/m3:    cost 0.10 -> 0.10 (0%),   quality 0.9 -> 0.5 (-44.4%) -> 0 (quality only)
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_spans (timestamp, feature, model, status, cost_usd, quality_score)
    SELECT t, f, m, 'ok', c, toFloat32(q) FROM values('t DateTime, f String, m String, c Decimal(18, 9), q Float64',
        (toStartOfHour(now()) - INTERVAL 3 DAY, 'chat', 'm1', 0.10, 0.9), (toStartOfHour(now()) - INTERVAL 3 DAY, 'chat', 'm1', 0.10, 0.9),
        (toStartOfHour(now()) - INTERVAL 1 HOUR, 'chat', 'm1', 0.15, 0.8), (toStartOfHour(now()) - INTERVAL 1 HOUR, 'chat', 'm1', 0.15, 0.8),
        (toStartOfHour(now()) - INTERVAL 3 DAY, 'search', 'm2', 0.10, 0.9), (toStartOfHour(now()) - INTERVAL 3 DAY, 'search', 'm2', 0.10, 0.9),
        (toStartOfHour(now()) - INTERVAL 1 HOUR, 'search', 'm2', 0.15, 0.9), (toStartOfHour(now()) - INTERVAL 1 HOUR, 'search', 'm2', 0.15, 0.9),
        (toStartOfHour(now()) - INTERVAL 3 DAY, 'sum', 'm3', 0.10, 0.9), (toStartOfHour(now()) - INTERVAL 3 DAY, 'sum', 'm3', 0.10, 0.9),
        (toStartOfHour(now()) - INTERVAL 1 HOUR, 'sum', 'm3', 0.10, 0.5), (toStartOfHour(now()) - INTERVAL 1 HOUR, 'sum', 'm3', 0.10, 0.5));
SELECT * FROM spanhouse.v_cost_quality_regression;
