-- v_slow_requests. Fixture: 12 calls 2 hours ago with latency 1000..12000 ms (trace t01..t12),
-- one 25 hours ago with 99999 ms (outside the 24-hour window).
-- Expected: the 10 slowest of the window, t12 (12000) down to t03 (3000).
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_spans (timestamp, trace_id, model, status, latency_ms)
    SELECT now() - INTERVAL 2 HOUR, 't' || leftPad(toString(number + 1), 2, '0'), 'm1', 'ok', (number + 1) * 1000 FROM numbers(12);
INSERT INTO spanhouse.llm_spans (timestamp, trace_id, model, status, latency_ms) VALUES (now() - INTERVAL 25 HOUR, 'old', 'm1', 'ok', 99999);
SELECT trace_id, latency_ms, status FROM spanhouse.v_slow_requests;
