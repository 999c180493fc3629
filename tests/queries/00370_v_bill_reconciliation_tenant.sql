-- v_bill_reconciliation_tenant (docs/reconciliation.md, "Per tenant"). Bill rows of the tenants
-- file: project proj_acme -> acme, project proj_shared -> umbrella, API key key_glob -> globex
-- (a key wins over its project). Fixture, hand-computed:
-- 2025-12-01 openai:
--   acme     bill: proj_acme gpt-4o input 3.00 + a web-search line without a model 1.00 = 4.00
--            (the same input line imported twice counts once); spans 3.10 + 1.00 (its
--            web-search fee, priced into its span) = 4.10 -> +0.10, +2.5 % -> ok
--   globex   bill: proj_shared with api key key_glob 2.00; spans 1.00 -> -1.00, -50 % -> diverges
--   umbrella bill: proj_shared without a key 1.50; no span -> not_seen
--   ''       bill: proj_unknown 0.25 (no bill row maps it) -> unmapped
--   initech  spans 0.30, nothing on the bill maps to it -> not_billed
-- 2025-12-02 anthropic: acme spans 0.50, no anthropic cost lines that day -> no_bill
-- A usage line (no amount) is not a cost line and changes nothing.
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_tenants (match_kind, match_value, tenant_id) VALUES
    ('bill_project', 'proj_acme', 'acme'), ('bill_project', 'proj_shared', 'umbrella'),
    ('bill_api_key', 'key_glob', 'globex'), ('api_key', 'proj_unknown', 'initech');
INSERT INTO spanhouse.llm_spans (timestamp, tenant_id, provider, model, status, input_tokens, output_tokens, cost_usd, cost_usd_computed, cost_source, pricing_status) VALUES
    ('2025-12-01 10:00:00', 'acme', 'openai', 'gpt-4o', 'ok', 1000, 100, 3.10, 3.10, 'computed', 'ok'),
    ('2025-12-01 10:05:00', 'acme', 'openai', 'gpt-4o', 'ok', 1000, 100, 1.00, 1.00, 'computed', 'ok'),
    ('2025-12-01 11:00:00', 'globex', 'openai', 'gpt-4o', 'ok', 1000, 100, 1.00, 1.00, 'computed', 'ok'),
    ('2025-12-01 12:00:00', 'initech', 'openai', 'gpt-4o-mini', 'ok', 1000, 100, 0.30, 0.30, 'computed', 'ok'),
    ('2025-12-02 09:00:00', 'acme', 'anthropic', 'claude-sonnet-4', 'ok', 1000, 100, 0.50, 0.50, 'computed', 'ok');
INSERT INTO spanhouse.llm_bill_lines (bucket_start, day, provider, source_format, model, project, api_key, token_type, line_item, tokens, amount_usd, imported_at) VALUES
    ('2025-12-01 00:00:00', '2025-12-01', 'openai', 'openai-costs', 'gpt-4o', 'proj_acme', '', 'input', 'gpt-4o, input', 0, 3.00, now64(3) - 60),
    ('2025-12-01 00:00:00', '2025-12-01', 'openai', 'openai-costs', 'gpt-4o', 'proj_acme', '', 'input', 'gpt-4o, input', 0, 3.00, now64(3)),
    ('2025-12-01 00:00:00', '2025-12-01', 'openai', 'openai-costs', '', 'proj_acme', '', 'web_search', 'web search tool calls', 0, 1.00, now64(3)),
    ('2025-12-01 00:00:00', '2025-12-01', 'openai', 'openai-costs', 'gpt-4o', 'proj_shared', 'key_glob', 'input', 'gpt-4o, input', 0, 2.00, now64(3)),
    ('2025-12-01 00:00:00', '2025-12-01', 'openai', 'openai-costs', 'gpt-4o', 'proj_shared', '', 'input', 'gpt-4o, input', 0, 1.50, now64(3)),
    ('2025-12-01 00:00:00', '2025-12-01', 'openai', 'openai-costs', 'gpt-4o', 'proj_unknown', '', 'input', 'gpt-4o, input', 0, 0.25, now64(3)),
    ('2025-12-01 00:00:00', '2025-12-01', 'openai', 'openai-usage', 'gpt-4o', 'proj_acme', '', 'input', '', 9999, NULL, now64(3));
SELECT day, provider, tenant_id, billed_usd, computed_usd, reported_usd, requests, divergence_usd, divergence_pct, status
FROM spanhouse.v_bill_reconciliation_tenant ORDER BY day, provider, tenant_id;
