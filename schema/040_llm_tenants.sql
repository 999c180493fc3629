-- 040_llm_tenants: tenant/team attribution and budgets, the same rows as schema/tenants.csv.
-- match_kind says what match_value matches (e.g. api_key, service, tenant); the worker uses
-- it to fill tenant_id/team_id/cost_center/plan_tier. monthly_budget_usd feeds the budget
-- views (a tenant's budget is the largest value over its rows; NULL or 0 = no budget).
-- Load: grep -v '^#' schema/tenants.csv | clickhouse-client --query \
--         'INSERT INTO spanhouse.llm_tenants FORMAT CSVWithNames'
CREATE TABLE IF NOT EXISTS spanhouse.llm_tenants
(
    match_kind          LowCardinality(String),
    match_value         String,
    tenant_id           LowCardinality(String),
    team_id             LowCardinality(String),
    cost_center         LowCardinality(String),
    plan_tier           LowCardinality(String),
    monthly_budget_usd  Nullable(Decimal(18, 6)),   -- NULL = no budget
    notes               String
)
ENGINE = ReplacingMergeTree
ORDER BY (match_kind, match_value);
