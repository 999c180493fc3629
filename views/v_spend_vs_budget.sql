-- v_spend_vs_budget: how much has each tenant spent today and this month, against its monthly
-- budget, and where will the month end at the current burn rate?
-- Parameters: none (today and month to date in UTC, relative to now()).
-- Source: kpi (llm_kpi_1h, which the materialized views keep current to the last insert)
--         joined to llm_tenants for budgets (a tenant's budget = max(monthly_budget_usd) of its rows).
-- projected_month_usd = spend_mtd_usd / days_elapsed * days_in_month (linear burn rate);
-- days_elapsed is the fraction of the month gone by now(). Percentages are NULL without a budget.
CREATE VIEW IF NOT EXISTS spanhouse.v_spend_vs_budget AS
WITH
    spend AS
    (
        SELECT
            tenant_id,
            sumIf(cost_usd, hour >= toStartOfDay(now())) AS spend_today_usd,
            sum(cost_usd) AS spend_mtd_usd
        FROM spanhouse.llm_kpi_1h
        WHERE hour >= toStartOfMonth(now())
        GROUP BY tenant_id
    ),
    budget AS
    (
        SELECT tenant_id, max(monthly_budget_usd) AS monthly_budget_usd
        FROM spanhouse.llm_tenants FINAL
        GROUP BY tenant_id
    )
SELECT
    s.tenant_id AS tenant_id,
    s.spend_today_usd AS spend_today_usd,
    s.spend_mtd_usd AS spend_mtd_usd,
    b.monthly_budget_usd AS monthly_budget_usd,
    if(b.monthly_budget_usd > 0, round(toFloat64(s.spend_mtd_usd) / toFloat64(b.monthly_budget_usd) * 100, 2), NULL) AS budget_used_pct,
    round(dateDiff('second', toStartOfMonth(now())::DateTime, now()) / 86400, 4) AS days_elapsed,
    toDayOfMonth(toLastDayOfMonth(now())) AS days_in_month,
    round(toFloat64(s.spend_mtd_usd) / greatest(dateDiff('second', toStartOfMonth(now())::DateTime, now()) / 86400, 1 / 24) * days_in_month, 2) AS projected_month_usd,
    if(b.monthly_budget_usd > 0, round(projected_month_usd / toFloat64(b.monthly_budget_usd) * 100, 2), NULL) AS projected_budget_pct,
    b.monthly_budget_usd > 0 AND projected_month_usd > toFloat64(b.monthly_budget_usd) AS projected_over_budget
FROM spend AS s
LEFT JOIN budget AS b ON b.tenant_id = s.tenant_id
ORDER BY spend_mtd_usd DESC, tenant_id;
