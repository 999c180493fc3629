-- v_slo_burn_rate. SLOs: 99.5% success (budget 0.5%), 95% within 10 s (budget 5%); windows 2 h
-- (page at 14x) and 6 h (ticket at 6x), as seed 000 defines them.
--   /chat: 10 min ago 1000 calls, 10 errors, 100 slower than 10 s; 3 h ago 1000 clean calls
--     -> 2h: 1% errors / 0.5% = burn 2, 10% slow / 5% = 2; 6h: 0.5% / 0.5% = 1, 5% / 5% = 1; quiet
--   /pay: 10 min ago 100 calls, 8 errors -> 2h and 6h availability burn 16 -> page and ticket
--   /slow: 90 min ago 100 calls, 7 errors -> 2h burn 14 (pages at exactly 14); 6h 14 -> ticket
--   /old: 3 h ago 100 calls, 4 errors -> 2h: no calls (NULL burn, no page); 6h: burn 8 -> ticket
--   /edge: 3 h ago 1000 calls, 29 errors -> 6h burn 5.8: below 6, quiet
--   /gone: 7 h ago 100 errors -> outside every window, not listed
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_spans (timestamp, endpoint, model, status, latency_ms)
    SELECT now() - INTERVAL 10 MINUTE, '/chat', 'm', if(number < 10, 'error', 'ok'), if(number >= 900, 20000, 100) FROM numbers(1000);
INSERT INTO spanhouse.llm_spans (timestamp, endpoint, model, status, latency_ms)
    SELECT now() - INTERVAL 3 HOUR, '/chat', 'm', 'ok', 100 FROM numbers(1000);
INSERT INTO spanhouse.llm_spans (timestamp, endpoint, model, status, latency_ms)
    SELECT now() - INTERVAL 10 MINUTE, '/pay', 'm', if(number < 8, 'error', 'ok'), 100 FROM numbers(100);
INSERT INTO spanhouse.llm_spans (timestamp, endpoint, model, status, latency_ms)
    SELECT now() - INTERVAL 90 MINUTE, '/slow', 'm', if(number < 7, 'error', 'ok'), 100 FROM numbers(100);
INSERT INTO spanhouse.llm_spans (timestamp, endpoint, model, status, latency_ms)
    SELECT now() - INTERVAL 3 HOUR, '/old', 'm', if(number < 4, 'error', 'ok'), 100 FROM numbers(100);
INSERT INTO spanhouse.llm_spans (timestamp, endpoint, model, status, latency_ms)
    SELECT now() - INTERVAL 3 HOUR, '/edge', 'm', if(number < 29, 'error', 'ok'), 100 FROM numbers(1000);
INSERT INTO spanhouse.llm_spans (timestamp, endpoint, model, status, latency_ms)
    SELECT now() - INTERVAL 7 HOUR, '/gone', 'm', 'error', 100 FROM numbers(100);
SELECT * FROM spanhouse.v_slo_burn_rate;
