-- optional/900_row_policies: a per-tenant dashboard user that sees only its own tenant's rows.
-- Not applied by `spanhouse schema apply` (it needs a server with SQL-driven access control,
-- access_management = 1, and it names one example tenant): copy it, replace acme / the
-- password, and run it by hand or with `spanhouse schema apply --schema-dir schema/optional`.
-- Row policies filter every SELECT on the table, including the views built on it (views run
-- with the caller's policies unless SQL SECURITY DEFINER is used, so keep views INVOKER).
-- A table with any row policy hides all rows from users no policy names: the second policy
-- keeps the unrestricted admin/Grafana-internal role seeing everything.

CREATE ROLE IF NOT EXISTS spanhouse_admin;
CREATE ROLE IF NOT EXISTS spanhouse_tenant_acme;

GRANT SELECT ON spanhouse.* TO spanhouse_admin;
GRANT SELECT ON spanhouse.* TO spanhouse_tenant_acme;
REVOKE SELECT ON spanhouse.llm_spans_rejected FROM spanhouse_tenant_acme;
REVOKE SELECT ON spanhouse.llm_tenants FROM spanhouse_tenant_acme;
-- The provider's bill is the organisation's, not split by tenant (docs/reconciliation.md).
REVOKE SELECT ON spanhouse.llm_bill_lines FROM spanhouse_tenant_acme;

CREATE ROW POLICY IF NOT EXISTS tenant_acme ON spanhouse.llm_spans, spanhouse.llm_kpi_1m, spanhouse.llm_kpi_1h, spanhouse.llm_kpi_1d, spanhouse.llm_cost_1d
    AS RESTRICTIVE FOR SELECT USING tenant_id = 'acme' TO spanhouse_tenant_acme;
CREATE ROW POLICY IF NOT EXISTS tenant_all ON spanhouse.llm_spans, spanhouse.llm_kpi_1m, spanhouse.llm_kpi_1h, spanhouse.llm_kpi_1d, spanhouse.llm_cost_1d
    AS PERMISSIVE FOR SELECT USING 1 TO spanhouse_admin, spanhouse_tenant_acme;

CREATE USER IF NOT EXISTS grafana_acme IDENTIFIED WITH sha256_password BY 'change-me'
    DEFAULT ROLE spanhouse_tenant_acme SETTINGS readonly = 1;
GRANT spanhouse_tenant_acme TO grafana_acme;
