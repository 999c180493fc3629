-- optional/900_row_policies: each tenant's dashboard users see only their tenant's rows, in
-- every table that holds tenant data and every view built on them, for any number of tenants
-- without SQL per tenant: a user is given the role spanhouse_tenant and one row per tenant it
-- may see in spanhouse.llm_tenant_users; the policies below read that table with
-- currentUser(). docs/schema.md ("Row policies") shows adding a tenant user.
-- Not applied by `spanhouse schema apply` (it needs a server with SQL-driven access control,
-- access_management = 1): run `spanhouse schema apply --schema-dir schema/optional` as an
-- administrator, or by hand.
-- How it works:
--   * spanhouse_all (PERMISSIVE, TO ALL): a table with any row policy hides every row from
--     users no permissive policy names, including the worker, the materialized views' inserts
--     and the administrators; this one keeps them seeing everything.
--   * spanhouse_tenant_* (RESTRICTIVE, TO spanhouse_tenant): ANDed with the above for tenant
--     users only. Tables with tenant_id filter on it; evaluations and outcomes carry no tenant,
--     so they are filtered through their span in llm_span_index (itself filtered by tenant):
--     a tenant sees the evaluations and outcomes of its spans of the index's 8 days; older
--     quality is in llm_quality_1m (90 days, with tenant_id).
--   * Views run with the caller's policies (SQL SECURITY INVOKER, the default for views), so
--     every v_* view is tenant-scoped; materialized views insert as their definer, unaffected.
--   * Not tenant data, so not readable by tenants: dead letters (payloads of any tenant), the
--     provider bill (the organisation's), llm_tenant_users beyond the user's own rows.
--     llm_pricing stays readable (list prices; views price unpriced spend with it).
-- Every USING condition here is run as a tenant on the embedded engine by
-- tests/integration/t_row_policies.sh: it queries every table and view as two tenants and an
-- administrator and checks each tenant sees exactly its own rows.

CREATE TABLE IF NOT EXISTS spanhouse.llm_tenant_users
(
    user_name String,
    tenant_id LowCardinality(String)
)
ENGINE = ReplacingMergeTree
ORDER BY (user_name, tenant_id);

CREATE ROLE IF NOT EXISTS spanhouse_tenant;
GRANT SELECT ON spanhouse.* TO spanhouse_tenant;
REVOKE SELECT ON spanhouse.llm_spans_rejected FROM spanhouse_tenant;
REVOKE SELECT ON spanhouse.llm_bill_lines FROM spanhouse_tenant;

CREATE ROW POLICY IF NOT EXISTS spanhouse_all ON spanhouse.llm_spans, spanhouse.llm_kpi_1m,
    spanhouse.llm_kpi_1h, spanhouse.llm_kpi_1d, spanhouse.llm_cost_1d, spanhouse.llm_quality_1m,
    spanhouse.llm_span_index, spanhouse.llm_tenants, spanhouse.llm_evals, spanhouse.llm_outcomes,
    spanhouse.llm_tenant_users
    AS PERMISSIVE FOR SELECT USING 1 TO ALL;

CREATE ROW POLICY IF NOT EXISTS spanhouse_tenant_rows ON spanhouse.llm_spans, spanhouse.llm_kpi_1m,
    spanhouse.llm_kpi_1h, spanhouse.llm_kpi_1d, spanhouse.llm_cost_1d, spanhouse.llm_quality_1m,
    spanhouse.llm_span_index, spanhouse.llm_tenants
    AS RESTRICTIVE FOR SELECT
    USING tenant_id IN (SELECT tenant_id FROM spanhouse.llm_tenant_users WHERE user_name = currentUser())
    TO spanhouse_tenant;

CREATE ROW POLICY IF NOT EXISTS spanhouse_tenant_evals ON spanhouse.llm_evals
    AS RESTRICTIVE FOR SELECT
    USING (trace_id, span_id) IN (SELECT trace_id, span_id FROM spanhouse.llm_span_index)
    TO spanhouse_tenant;

CREATE ROW POLICY IF NOT EXISTS spanhouse_tenant_outcomes ON spanhouse.llm_outcomes
    AS RESTRICTIVE FOR SELECT
    USING trace_id IN (SELECT trace_id FROM spanhouse.llm_span_index)
    TO spanhouse_tenant;

CREATE ROW POLICY IF NOT EXISTS spanhouse_tenant_own_mapping ON spanhouse.llm_tenant_users
    AS RESTRICTIVE FOR SELECT
    USING user_name = currentUser()
    TO spanhouse_tenant;
