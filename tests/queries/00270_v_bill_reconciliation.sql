-- v_bill_reconciliation (docs/reconciliation.md). Fixture, all on 2025-12-01 unless said:
-- Prices: anthropic/claude-sonnet-4 $3 in, $15 out, $0.30 cache read, $3.75 cache write;
--         openai/gpt-4o $2.50 in, $10 out, $1.25 cached.
-- A. anthropic claude-sonnet-4 (spans say response_model claude-sonnet-4-20250514, the bill
--    the same dated name): spans computed 18.78 (1.3M input incl. 100k cache reads + 200k
--    writes = 1M uncached; 1M output), a producer reported 18.80 on one of the two calls; a
--    response-cache hit (no provider call) is left out. Bill: cost lines 3 + 0.375 + 0.60 +
--    0.03 + 15.001234568 = 19.006234568; usage 1M / 100k / 100k+100k / 1M.
--    divergence 18.78 - 19.006234568 = -0.226234568 = -1.19 % -> ok. Token totals agree, but
--    the bill's cache writes are half 1-hour ($6) and the spans report none: 5-minute gap
--    +100k x 3.75 = +0.375, 1-hour gap -100k x 6 = -0.60 -> gap_usd_cache_write -0.225,
--    explained_by cache_write.
--    The bill's web search line (0.01, no model) is its own row: unattributed.
-- B. openai gpt-4o: spans (model gpt-4o) computed 2.50, no cache reads recorded (750k input,
--    200k output). Bill (gpt-4o-2024-08-06): 1.25 + 0.3125 + 2.00 = 3.5625; usage 500k
--    uncached + 250k cached, 200k output. divergence -1.0625 = -29.82 % -> diverges;
--    gaps: input +250k x 2.50 = +0.625, cached -250k x 1.25 = -0.3125 -> explained_by input.
-- C. openai gpt-4o-mini: billed 0.10, no spans -> not_seen.
-- D. openai o3: spans computed 0.50 (one call unpriced), no o3 line on the day's openai bill
--    -> not_billed.
-- E. google gemini-2.5-pro on 2025-12-02: spans only, no google bill -> no_bill.
-- The same gpt-4o-mini line imported twice (a later import of the same line) counts once.
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_pricing (provider, model, effective_from, input_per_1m, output_per_1m, cache_read_per_1m, cache_write_per_1m, cache_write_1h_per_1m) VALUES
    ('anthropic', 'claude-sonnet-4', '2025-05-22', 3, 15, 0.30, 3.75, 6),
    ('openai', 'gpt-4o', '2024-10-02', 2.50, 10, 1.25, NULL, NULL);
INSERT INTO spanhouse.llm_spans (timestamp, provider, model, response_model, status, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd, cost_usd_computed, cost_source, pricing_status) VALUES
    ('2025-12-01 10:00:00', 'anthropic', 'claude-sonnet-4', 'claude-sonnet-4-20250514', 'ok', 1000000, 600000, 100000, 0, 10.03, 10.03, 'computed', 'ok'),
    ('2025-12-01 11:00:00', 'anthropic', 'claude-sonnet-4', 'claude-sonnet-4-20250514', 'ok', 300000, 400000, 0, 200000, 18.80, 8.75, 'producer', 'ok'),
    ('2025-12-01 11:30:00', 'anthropic', 'claude-sonnet-4', '', 'ok', 5000, 100, 0, 0, 0, 0.0165, 'cache_hit', 'ok'),
    ('2025-12-01 12:00:00', 'openai', 'gpt-4o', '', 'ok', 750000, 200000, 0, 0, 2.50, 2.50, 'computed', 'ok'),
    ('2025-12-01 13:00:00', 'openai', 'o3', '', 'ok', 1000, 100, 0, 0, 0.50, 0.50, 'computed', 'ok'),
    ('2025-12-01 13:00:01', 'openai', 'o3', '', 'ok', 1000, 100, 0, 0, 0, 0, 'none', 'unknown_model'),
    ('2025-12-02 09:00:00', 'google', 'gemini-2.5-pro', '', 'ok', 1000, 100, 0, 0, 0.01, 0.01, 'computed', 'ok');
INSERT INTO spanhouse.llm_bill_lines (bucket_start, day, provider, source_format, model, project, token_type, line_item, tokens, amount_usd, imported_at) VALUES
    ('2025-12-01 00:00:00', '2025-12-01', 'anthropic', 'anthropic-cost', 'claude-sonnet-4-20250514', 'w', 'input', 'in', 0, 3.00, now64(3)),
    ('2025-12-01 00:00:00', '2025-12-01', 'anthropic', 'anthropic-cost', 'claude-sonnet-4-20250514', 'w', 'cache_write_5m', '5m', 0, 0.375, now64(3)),
    ('2025-12-01 00:00:00', '2025-12-01', 'anthropic', 'anthropic-cost', 'claude-sonnet-4-20250514', 'w', 'cache_write_1h', '1h', 0, 0.60, now64(3)),
    ('2025-12-01 00:00:00', '2025-12-01', 'anthropic', 'anthropic-cost', 'claude-sonnet-4-20250514', 'w', 'cached_input', 'read', 0, 0.03, now64(3)),
    ('2025-12-01 00:00:00', '2025-12-01', 'anthropic', 'anthropic-cost', 'claude-sonnet-4-20250514', 'w', 'output', 'out', 0, 15.001234568, now64(3)),
    ('2025-12-01 00:00:00', '2025-12-01', 'anthropic', 'anthropic-cost', '', 'w', 'web_search', 'Web Search', 0, 0.01, now64(3)),
    ('2025-12-01 00:00:00', '2025-12-01', 'anthropic', 'anthropic-usage', 'claude-sonnet-4-20250514', 'w', 'input', '', 1000000, NULL, now64(3)),
    ('2025-12-01 00:00:00', '2025-12-01', 'anthropic', 'anthropic-usage', 'claude-sonnet-4-20250514', 'w', 'cached_input', '', 100000, NULL, now64(3)),
    ('2025-12-01 00:00:00', '2025-12-01', 'anthropic', 'anthropic-usage', 'claude-sonnet-4-20250514', 'w', 'cache_write_5m', '', 100000, NULL, now64(3)),
    ('2025-12-01 00:00:00', '2025-12-01', 'anthropic', 'anthropic-usage', 'claude-sonnet-4-20250514', 'w', 'cache_write_1h', '', 100000, NULL, now64(3)),
    ('2025-12-01 00:00:00', '2025-12-01', 'anthropic', 'anthropic-usage', 'claude-sonnet-4-20250514', 'w', 'output', '', 1000000, NULL, now64(3)),
    ('2025-12-01 00:00:00', '2025-12-01', 'openai', 'openai-costs', 'gpt-4o-2024-08-06', 'p', 'input', 'gpt-4o-2024-08-06, input', 0, 1.25, now64(3)),
    ('2025-12-01 00:00:00', '2025-12-01', 'openai', 'openai-costs', 'gpt-4o-2024-08-06', 'p', 'cached_input', 'gpt-4o-2024-08-06, cached input', 0, 0.3125, now64(3)),
    ('2025-12-01 00:00:00', '2025-12-01', 'openai', 'openai-costs', 'gpt-4o-2024-08-06', 'p', 'output', 'gpt-4o-2024-08-06, output', 0, 2.00, now64(3)),
    ('2025-12-01 00:00:00', '2025-12-01', 'openai', 'openai-costs', 'gpt-4o-mini', 'p', 'input', 'gpt-4o-mini, input', 0, 0.10, now64(3) - 60),
    ('2025-12-01 00:00:00', '2025-12-01', 'openai', 'openai-costs', 'gpt-4o-mini', 'p', 'input', 'gpt-4o-mini, input', 0, 0.10, now64(3)),
    ('2025-12-01 00:00:00', '2025-12-01', 'openai', 'openai-usage', 'gpt-4o-2024-08-06', 'p', 'input', '', 500000, NULL, now64(3)),
    ('2025-12-01 00:00:00', '2025-12-01', 'openai', 'openai-usage', 'gpt-4o-2024-08-06', 'p', 'cached_input', '', 250000, NULL, now64(3)),
    ('2025-12-01 00:00:00', '2025-12-01', 'openai', 'openai-usage', 'gpt-4o-2024-08-06', 'p', 'output', '', 200000, NULL, now64(3));
SELECT day, provider, model_family, billed_usd, computed_usd, reported_usd, requests, reported_requests, unpriced_requests, divergence_usd, divergence_pct, status
FROM spanhouse.v_bill_reconciliation ORDER BY day, provider, model_family;
SELECT model_family, input_tokens_bill, input_tokens_ours, cached_input_tokens_bill, cached_input_tokens_ours, cache_write_tokens_bill, cache_write_tokens_ours, cache_write_1h_tokens_bill, cache_write_1h_tokens_ours, output_tokens_bill, output_tokens_ours, gap_usd_input, gap_usd_cached_input, gap_usd_cache_write, gap_usd_output, explained_by
FROM spanhouse.v_bill_reconciliation WHERE provider != 'google' ORDER BY day, provider, model_family;
