-- v_slo_burn_rate. SLOs: 99% success (budget 1%), 95% within 10 s (budget 5%).
--   /chat: 10 min ago 100 calls, 2 errors, 10 slower than 10 s; 3 h ago 100 clean calls
--     -> 1h: 2% errors / 1% = burn 2, 10% slow / 5% = 2; 6h: 1% / 1% = 1, 5% / 5% = 1; no alert
--   /pay: 10 min ago 10 calls, 5 errors -> 1h and 6h availability burn 50 -> fast and slow burn
--   /old: 3 h ago 10 calls, 1 error -> 1h: no calls (NULL burn, no fast burn); 6h: 10 -> slow burn
SET insert_deduplicate = 0;
TRUNCATE TABLE spanhouse.llm_spans; TRUNCATE TABLE spanhouse.llm_span_index; TRUNCATE TABLE spanhouse.llm_kpi_1m; TRUNCATE TABLE spanhouse.llm_kpi_1h; TRUNCATE TABLE spanhouse.llm_kpi_1d; TRUNCATE TABLE spanhouse.llm_tenants; TRUNCATE TABLE spanhouse.llm_pricing; TRUNCATE TABLE spanhouse.llm_spans_rejected;
INSERT INTO spanhouse.llm_spans (timestamp, endpoint, model, status, latency_ms)
    SELECT now() - INTERVAL 10 MINUTE, '/chat', 'm', if(number < 2, 'error', 'ok'), if(number >= 90, 20000, 100) FROM numbers(100);
INSERT INTO spanhouse.llm_spans (timestamp, endpoint, model, status, latency_ms)
    SELECT now() - INTERVAL 3 HOUR, '/chat', 'm', 'ok', 100 FROM numbers(100);
INSERT INTO spanhouse.llm_spans (timestamp, endpoint, model, status, latency_ms)
    SELECT now() - INTERVAL 10 MINUTE, '/pay', 'm', if(number < 5, 'error', 'ok'), 100 FROM numbers(10);
INSERT INTO spanhouse.llm_spans (timestamp, endpoint, model, status, latency_ms)
    SELECT now() - INTERVAL 3 HOUR, '/old', 'm', if(number < 1, 'error', 'ok'), 100 FROM numbers(10);
SELECT * FROM spanhouse.v_slo_burn_rate;
TRUNCATE TABLE spanhouse.llm_spans; TRUNCATE TABLE spanhouse.llm_span_index; TRUNCATE TABLE spanhouse.llm_kpi_1m; TRUNCATE TABLE spanhouse.llm_kpi_1h; TRUNCATE TABLE spanhouse.llm_kpi_1d; TRUNCATE TABLE spanhouse.llm_tenants; TRUNCATE TABLE spanhouse.llm_pricing; TRUNCATE TABLE spanhouse.llm_spans_rejected;
