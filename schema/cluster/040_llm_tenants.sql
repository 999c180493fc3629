-- cluster/040_llm_tenants.sql: the ClickHouse-cluster variant of schema/040_llm_tenants.sql (read that file for the meaning).
-- Replicated tables named <table>_local on every node (ON CLUSTER '{cluster}'), and a
-- Distributed table under the single-node name, so the worker, the views and analysts use
-- the same names. Macros {cluster}, {shard}, {replica} come from the server config.
CREATE TABLE IF NOT EXISTS spanhouse.llm_tenants ON CLUSTER '{cluster}'
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/all/{database}/llm_tenants', '{replica}')
ORDER BY (match_kind, match_value);
