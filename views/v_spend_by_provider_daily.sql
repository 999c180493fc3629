-- v_spend_by_provider_daily: what does each provider cost per day? Last 30 days: calls, tokens,
-- cost and its share of the day's spend per provider (the daily total is the sum of the rows
-- of a day). The provider's own bill for the same days is in v_bill_reconciliation.
-- Parameters: none.  Source: kpi (llm_kpi_1d).
CREATE VIEW IF NOT EXISTS spanhouse.v_spend_by_provider_daily AS
SELECT
    day, provider, requests, input_tokens, output_tokens, cost_usd,
    round(toFloat64(cost_usd) / nullIf(toFloat64(sum(cost_usd) OVER (PARTITION BY day)), 0) * 100, 2) AS share_of_day_pct
FROM
(
    SELECT
        day,
        provider,
        sum(requests) AS requests,
        sum(input_tokens) AS input_tokens,
        sum(output_tokens) AS output_tokens,
        sum(cost_usd) AS cost_usd
    FROM spanhouse.llm_kpi_1d
    WHERE day >= today() - 29
    GROUP BY day, provider
)
ORDER BY day, provider;
