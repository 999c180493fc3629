-- v_stage_latency. Feature rag, three traces of the last hour, each a request span (non-LLM,
-- model '_none', operation = its span name 'POST /ask') around an embedding call, a vector
-- search (non-LLM) and generation:
--   T1: request 1000 ms = embeddings 100 + vector.search 200 + chat 600
--   T2: request 2000 ms = embeddings 100 + vector.search 300 + chat 1500
--   T3: request 1500 ms = embeddings 200 + vector.search 400 + chat 300 and 400 (two calls: 700)
-- Traces 1000 + 2000 + 1500 = 4500 ms. Per stage (time per trace sorted; quantileExact takes
-- the element at floor(level x 3)):
--   POST /ask      3 traces, 3 calls, [1000, 1500, 2000]: p50 1500, p95 2000, 4500 / 4500 = 100 %
--   chat           3 traces, 4 calls, [600, 700, 1500]: p50 700, p95 1500, 2800 / 4500 = 62.2 %
--   vector.search  [200, 300, 400]: p50 300, p95 400, 900 / 4500 = 20 %
--   embeddings     [100, 100, 200]: p50 100, p95 200, 400 / 4500 = 8.9 %
-- Left out: a trace without an LLM call (GET /health), a trace of 2 days ago.
SET insert_deduplicate = 0;
-- (trace, span, parent, operation, model, feature, start offset ms, latency ms, hours ago)
INSERT INTO spanhouse.llm_spans (timestamp, trace_id, span_id, parent_span_id, operation, model, feature, latency_ms, status)
    SELECT toDateTime64(toStartOfMinute(now()) - toIntervalHour(r.9), 3) + toIntervalMillisecond(r.7),
           r.1, r.2, r.3, r.4, r.5, r.6, r.8, 'ok'
    FROM system.one
    ARRAY JOIN [('t1', 'a', '', 'POST /ask', '_none', '', 0, 1000, 1), ('t1', 'b', 'a', 'embeddings', 'emb', 'rag', 10, 100, 1),
                ('t1', 'c', 'a', 'vector.search', '_none', '', 120, 200, 1), ('t1', 'd', 'a', 'chat', 'gpt', 'rag', 330, 600, 1),
                ('t2', 'a', '', 'POST /ask', '_none', '', 0, 2000, 1), ('t2', 'b', 'a', 'embeddings', 'emb', 'rag', 10, 100, 1),
                ('t2', 'c', 'a', 'vector.search', '_none', '', 120, 300, 1), ('t2', 'd', 'a', 'chat', 'gpt', 'rag', 450, 1500, 1),
                ('t3', 'a', '', 'POST /ask', '_none', '', 0, 1500, 1), ('t3', 'b', 'a', 'embeddings', 'emb', 'rag', 10, 200, 1),
                ('t3', 'c', 'a', 'vector.search', '_none', '', 220, 400, 1), ('t3', 'd', 'a', 'chat', 'gpt', 'rag', 630, 300, 1),
                ('t3', 'e', 'a', 'chat', 'gpt', 'rag', 940, 400, 1),
                ('t4', 'a', '', 'GET /health', '_none', '', 0, 5, 1),
                ('t5', 'a', '', 'POST /ask', '_none', '', 0, 9000, 48), ('t5', 'b', 'a', 'chat', 'gpt', 'rag', 10, 8000, 48)] AS r;
SELECT * FROM spanhouse.v_stage_latency;
