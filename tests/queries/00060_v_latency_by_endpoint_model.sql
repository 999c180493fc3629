-- v_latency_by_endpoint_model. Fixture, 1 hour ago:
--   /chat m1: latency 100, 200, 300, 400 ms (exact in bfloat16); TTFT 50, NULL, 70, NULL
--   /search m2: latency 1000 (bfloat16: 1000 = 0b1111101000 keeps 8 bits -> 1000), no TTFT
--   /chat m1, 25 hours ago: latency 99999 -> outside the 24-hour window
-- Expected: /chat m1 4 requests, p50 200 (lower median of 4 values), p95 = p99 = 400;
--   2 TTFT values: p50 50, p95 = p99 70. /search m2: 1 request, all 1000, TTFT NULL (0 reported).
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_spans (timestamp, endpoint, model, status, latency_ms, ttft_ms) VALUES
    (now() - INTERVAL 1 HOUR, '/chat', 'm1', 'ok', 100, 50),
    (now() - INTERVAL 1 HOUR, '/chat', 'm1', 'ok', 200, NULL),
    (now() - INTERVAL 1 HOUR, '/chat', 'm1', 'ok', 300, 70),
    (now() - INTERVAL 1 HOUR, '/chat', 'm1', 'ok', 400, NULL),
    (now() - INTERVAL 1 HOUR, '/search', 'm2', 'ok', 1000, NULL),
    (now() - INTERVAL 25 HOUR, '/chat', 'm1', 'ok', 99999, 99999);
SELECT * EXCEPT (lat, ttft) FROM spanhouse.v_latency_by_endpoint_model;
