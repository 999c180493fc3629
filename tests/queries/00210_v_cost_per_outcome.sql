-- v_cost_per_outcome. Spans 2 hours ago: chat/m1 3 calls at 0.10, 0.20, 0.30 USD (0.60);
-- search/m2 1 call at 0.05. Outcomes: 2 conversions on chat/m1 (19.99 + 5.01 EUR) -> cost per
-- conversion 0.30; 1 thumbs_down on chat/m1 -> 0.60; 1 conversion on search/m2 arriving a
-- day after its span -> 0.05. An outcome on an unknown trace is an orphan: not counted.
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_spans (timestamp, trace_id, span_id, feature, model, cost_usd) VALUES
    (toStartOfHour(now()) - INTERVAL 2 HOUR, 'a', 'a1', 'chat', 'm1', 0.10),
    (toStartOfHour(now()) - INTERVAL 2 HOUR, 'b', 'b1', 'chat', 'm1', 0.20),
    (toStartOfHour(now()) - INTERVAL 2 HOUR, 'c', 'c1', 'chat', 'm1', 0.30),
    (toStartOfHour(now()) - INTERVAL 26 HOUR, 'd', 'd1', 'search', 'm2', 0.05);
INSERT INTO spanhouse.llm_outcomes (timestamp, trace_id, span_id, event, value, currency) VALUES
    (toStartOfHour(now()) - INTERVAL 1 HOUR, 'a', '', 'conversion', 19.99, 'EUR'),
    (toStartOfHour(now()) - INTERVAL 1 HOUR, 'b', 'b1', 'conversion', 5.01, 'EUR'),
    (toStartOfHour(now()) - INTERVAL 1 HOUR, 'c', '', 'thumbs_down', 0, ''),
    (toStartOfHour(now()) - INTERVAL 2 HOUR, 'd', 'd1', 'conversion', 1, 'USD'),
    (toStartOfHour(now()) - INTERVAL 1 HOUR, 'zz', '', 'conversion', 100, 'USD');
SELECT * FROM spanhouse.v_cost_per_outcome;
