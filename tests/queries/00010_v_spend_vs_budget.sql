-- v_spend_vs_budget. Fixture (tenant acme, budget 1000 USD; tenant beta, no budget):
--   acme today (at midnight UTC, always today and in the past): 10.5 + 2.25 = 12.75
--   acme earlier this month (1st, 00:00) 100 — only when today is not the 1st, else it is today
--   acme last month (one day before the 1st) 5000 — never counted
--   beta today 1.0
-- Expected: acme today 12.75; mtd - today = 100 (0 on the 1st); budget_used_pct = mtd / 10;
-- projected = mtd / elapsed days * days in month (>= mtd); beta: no budget -> NULL pcts.
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_tenants (match_kind, match_value, tenant_id, team_id, cost_center, plan_tier, monthly_budget_usd) VALUES ('api_key', 'k1', 'acme', 'core', 'cc1', 'pro', 1000), ('api_key', 'k2', 'acme', 'ml', 'cc2', 'pro', 0), ('api_key', 'k3', 'beta', 'x', 'cc3', 'free', 0);
INSERT INTO spanhouse.llm_spans (timestamp, tenant_id, model, status, cost_usd) VALUES
    (toStartOfDay(now()), 'acme', 'm', 'ok', 10.5), (toStartOfDay(now()), 'acme', 'm', 'ok', 2.25), (toStartOfDay(now()), 'beta', 'm', 'ok', 1);
INSERT INTO spanhouse.llm_spans (timestamp, tenant_id, model, status, cost_usd)
    SELECT toStartOfMonth(now())::DateTime64(3, 'UTC'), 'acme', 'm', 'ok', 100 WHERE toDayOfMonth(now()) > 1;
INSERT INTO spanhouse.llm_spans (timestamp, tenant_id, model, status, cost_usd)
    SELECT (toStartOfMonth(now()) - INTERVAL 1 DAY)::DateTime64(3, 'UTC'), 'acme', 'm', 'ok', 5000;
SELECT tenant_id, spend_today_usd, spend_mtd_usd - spend_today_usd = if(tenant_id = 'acme' AND toDayOfMonth(now()) > 1, 100, 0), monthly_budget_usd,
       budget_used_pct = round(toFloat64(spend_mtd_usd) / 10, 2),
       abs(projected_month_usd - toFloat64(spend_mtd_usd) / greatest(dateDiff('second', toStartOfMonth(now())::DateTime, now()) / 86400, 1 / 24) * days_in_month) < 0.01,
       projected_month_usd >= toFloat64(spend_mtd_usd), days_in_month = toDayOfMonth(toLastDayOfMonth(today())),
       projected_budget_pct IS NULL, projected_over_budget = (projected_month_usd > 1000 AND monthly_budget_usd > 0)
FROM spanhouse.v_spend_vs_budget ORDER BY tenant_id;
