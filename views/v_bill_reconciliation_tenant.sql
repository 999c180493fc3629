-- v_bill_reconciliation_tenant: the provider's bill per tenant next to spanhouse's numbers for
-- that tenant, per UTC day x provider x tenant (docs/reconciliation.md, "Per tenant").
-- Which tenant a bill line belongs to comes from the tenants file's bill rows (llm_tenants):
-- `bill_api_key,<the export's api_key_id>,<tenant>` first, then
-- `bill_project,<the export's project_id or Anthropic workspace_id>,<tenant>`: the key is the
-- more precise, as for spans. Every cost line counts, with or without a model, so a tenant's
-- web-search and other per-call fees (the bill's unattributed lines in v_bill_reconciliation)
-- meet the fees the pricing table adds to its spans' computed cost.
-- Sources: llm_bill_lines (FINAL: each line once), llm_tenants (FINAL), llm_cost_1d.
-- Columns:
--   tenant_id        '' = bill lines no bill row maps, and spans without a tenant
--   billed_usd       the tenant's cost lines (NULL: none)
--   computed_usd     what the pricing table says the tenant's spans cost; reported_usd what its
--                    producers reported; requests its calls that reached the provider
--   divergence_usd   computed_usd - billed_usd; divergence_pct relative to billed_usd
--   status           unmapped (tenant '') | not_seen (billed, no span of the tenant shows it) |
--                    no_bill (no cost lines of that day/provider imported) | not_billed (the
--                    day's bill of that provider maps nothing to this tenant) | diverges
--                    (|divergence| > threshold_pct of billed) | ok
-- threshold_pct: 5, as in v_bill_reconciliation.
CREATE VIEW IF NOT EXISTS spanhouse.v_bill_reconciliation_tenant AS
WITH 5.0 AS threshold_pct
SELECT
    day,
    provider,
    tenant_id,
    if(cost_lines > 0, billed_usd, NULL) AS billed_usd,
    computed_usd,
    reported_usd,
    requests,
    if(cost_lines > 0, computed_usd - billed_usd, NULL) AS divergence_usd,
    if(cost_lines > 0 AND billed_usd != 0,
       round(toFloat64(computed_usd - billed_usd) / toFloat64(billed_usd) * 100, 2), NULL) AS divergence_pct,
    multiIf(tenant_id = '', 'unmapped',
            requests = 0, 'not_seen',
            provider_cost_lines = 0, 'no_bill',
            cost_lines = 0, 'not_billed',
            billed_usd = 0 AND computed_usd = 0, 'ok',
            billed_usd = 0 OR abs(toFloat64(computed_usd - billed_usd)) > abs(toFloat64(billed_usd)) * threshold_pct / 100, 'diverges',
            'ok') AS status
FROM
(
    SELECT
        day, provider, tenant_id,
        b.billed_usd AS billed_usd, b.cost_lines AS cost_lines,
        o.computed_usd AS computed_usd, o.reported_usd AS reported_usd, o.requests AS requests,
        sum(b.cost_lines) OVER (PARTITION BY day, provider) AS provider_cost_lines
    FROM
    (
        SELECT
            l.day AS day,
            l.provider AS provider,
            if(k.tenant_id != '', k.tenant_id, p.tenant_id) AS tenant_id,
            sum(assumeNotNull(l.amount_usd)) AS billed_usd,
            count() AS cost_lines
        FROM (SELECT day, provider, project, api_key, amount_usd FROM spanhouse.llm_bill_lines FINAL WHERE amount_usd IS NOT NULL) AS l
        LEFT JOIN (SELECT match_value, tenant_id FROM spanhouse.llm_tenants FINAL WHERE match_kind = 'bill_api_key') AS k
            ON l.api_key = k.match_value
        LEFT JOIN (SELECT match_value, tenant_id FROM spanhouse.llm_tenants FINAL WHERE match_kind = 'bill_project') AS p
            ON l.project = p.match_value
        GROUP BY day, provider, tenant_id
    ) AS b
    FULL OUTER JOIN
    (
        SELECT
            day, provider, tenant_id,
            sum(cost_usd_computed) AS computed_usd,
            sum(cost_usd_reported) AS reported_usd,
            sum(requests) AS requests
        FROM spanhouse.llm_cost_1d
        GROUP BY day, provider, tenant_id
    ) AS o USING (day, provider, tenant_id)
)
ORDER BY day DESC, provider, tenant_id
SETTINGS join_use_nulls = 0;
