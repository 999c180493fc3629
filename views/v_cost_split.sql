-- v_cost_split: are input or output tokens driving the cost? (seed 004) Per day and model, last
-- 30 days: the exact stored cost split into uncached input, cached input (cache reads), cache
-- writes, output (reasoning excluded) and reasoning.
-- The split's shares come from the list prices in force that day (llm_pricing, the latest row
-- with effective_from <= day); the dollars are those shares of the exact cost_usd stored, so the
-- five parts always add up to what every other panel shows. Tiers, batch discounts and fees
-- move the total, not the shares. A model without a price row has NULL parts (its cost is the
-- producer's or 0: see v_unpriced_models).
-- Token convention: cache reads and writes are part of input_tokens; reasoning is part of
-- output_tokens (docs/otel-mapping.md).
-- Parameters: none.  Source: kpi (llm_kpi_1d) + llm_pricing.
CREATE VIEW IF NOT EXISTS spanhouse.v_cost_split AS
SELECT
    day,
    provider,
    model,
    requests,
    cost_usd,
    round(toFloat64(cost_usd) * l_in / nullIf(l_all, 0), 6) AS input_usd,
    round(toFloat64(cost_usd) * l_cr / nullIf(l_all, 0), 6) AS cached_input_usd,
    round(toFloat64(cost_usd) * l_cw / nullIf(l_all, 0), 6) AS cache_write_usd,
    round(toFloat64(cost_usd) * l_out / nullIf(l_all, 0), 6) AS output_usd,
    round(toFloat64(cost_usd) * l_rs / nullIf(l_all, 0), 6) AS reasoning_usd,
    round((l_in + l_cr + l_cw) / nullIf(l_all, 0) * 100, 2) AS input_side_pct,
    round((l_out + l_rs) / nullIf(l_all, 0) * 100, 2) AS output_side_pct
FROM
(
    SELECT
        k.day AS day,
        k.provider AS provider,
        k.model AS model,
        k.requests AS requests,
        k.cost_usd AS cost_usd,
        if(p.model = '', NULL, toFloat64(greatest(toInt64(k.input_tokens) - k.cache_read_tokens - k.cache_write_tokens, 0)) * toFloat64(p.input_per_1m)) AS l_in,
        if(p.model = '', NULL, toFloat64(k.cache_read_tokens) * toFloat64(ifNull(p.cache_read_per_1m, p.input_per_1m))) AS l_cr,
        if(p.model = '', NULL, toFloat64(k.cache_write_tokens) * toFloat64(ifNull(p.cache_write_per_1m, p.input_per_1m))) AS l_cw,
        if(p.model = '', NULL, toFloat64(k.output_tokens - k.reasoning_tokens) * toFloat64(p.output_per_1m)) AS l_out,
        if(p.model = '', NULL, toFloat64(k.reasoning_tokens) * toFloat64(ifNull(p.reasoning_per_1m, p.output_per_1m))) AS l_rs,
        l_in + l_cr + l_cw + l_out + l_rs AS l_all
    FROM
    (
        SELECT day, provider, model, sum(requests) AS requests, sum(cost_usd) AS cost_usd,
               sum(input_tokens) AS input_tokens, sum(cache_read_tokens) AS cache_read_tokens,
               sum(cache_write_tokens) AS cache_write_tokens, sum(output_tokens) AS output_tokens,
               sum(reasoning_tokens) AS reasoning_tokens
        FROM spanhouse.llm_kpi_1d
        WHERE day >= today() - 29
        GROUP BY day, provider, model
    ) AS k
    ASOF LEFT JOIN
    (
        SELECT provider, model, effective_from, input_per_1m, output_per_1m, cache_read_per_1m,
               cache_write_per_1m, reasoning_per_1m
        FROM spanhouse.llm_pricing FINAL
    ) AS p ON k.provider = p.provider AND k.model = p.model AND k.day >= p.effective_from
)
ORDER BY day, provider, model;
