-- v_unpriced_models: models stored without a price in the last 7 days (pricing_status =
-- 'unknown_model': no row of the pricing file matched the model or response_model at the
-- span's time), so their spend counts as $0 in every cost panel unless the producer sent a
-- cost. One row per provider x model x response_model, most calls first.
-- Parameters: none.  Source: raw (llm_spans), llm_pricing (fallback rows).
-- calls_with_producer_cost / producer_cost_usd: what the producers themselves reported for those
-- calls (then cost_usd is theirs, not zero). first_seen / last_seen: a model rolled out on
-- Monday shows first_seen Monday. Fix: add the model to the pricing file (docs/pricing.md) and
-- reload; the worker's spanhouse_unpriced_spans_total{provider,model} counts the same live.
-- fallback_cost_usd: the spend at the pricing file's fallback price (a row with model '*' for
-- the provider, else provider '*' and model '*'; the latest one in force today), NULL when the
-- file has none. An estimate to size the gap, never written to the spans: the calls stay
-- unpriced and counted until a real row prices them. Cache reads at the fallback's cache price
-- (its input price when empty); reasoning at its output price.
CREATE VIEW IF NOT EXISTS spanhouse.v_unpriced_models AS
SELECT
    u.provider AS provider,
    u.model AS model,
    u.response_model AS response_model,
    u.calls AS calls,
    u.input_tokens AS input_tokens,
    u.output_tokens AS output_tokens,
    u.cache_read_tokens AS cache_read_tokens,
    u.calls_with_producer_cost AS calls_with_producer_cost,
    u.producer_cost_usd AS producer_cost_usd,
    u.first_seen AS first_seen,
    u.last_seen AS last_seen,
    if(f.has_fallback = 1 OR g.has_fallback = 1,
       round((toFloat64(u.input_tokens - least(u.cache_read_tokens, u.input_tokens))
                  * if(f.has_fallback = 1, f.fb_in, g.fb_in)
              + toFloat64(least(u.cache_read_tokens, u.input_tokens))
                  * if(f.has_fallback = 1, f.fb_cache_read, g.fb_cache_read)
              + toFloat64(u.output_tokens) * if(f.has_fallback = 1, f.fb_out, g.fb_out)) / 1000000, 6),
       NULL) AS fallback_cost_usd
FROM
(
    SELECT
        provider,
        model,
        response_model,
        count() AS calls,
        sum(input_tokens) AS input_tokens,
        sum(output_tokens) AS output_tokens,
        sum(cache_read_tokens) AS cache_read_tokens,
        countIf(cost_source = 'producer') AS calls_with_producer_cost,
        sumIf(cost_usd, cost_source = 'producer') AS producer_cost_usd,
        min(timestamp) AS first_seen,
        max(timestamp) AS last_seen,
        '*' AS any_provider
    FROM spanhouse.llm_spans
    WHERE pricing_status = 'unknown_model' AND timestamp >= now() - INTERVAL 7 DAY
    GROUP BY provider, model, response_model
) AS u
LEFT JOIN
(
    SELECT
        provider AS fb_provider,
        1 AS has_fallback,
        toFloat64(argMax(input_per_1m, effective_from)) AS fb_in,
        toFloat64(argMax(output_per_1m, effective_from)) AS fb_out,
        toFloat64(argMax(coalesce(cache_read_per_1m, input_per_1m), effective_from)) AS fb_cache_read
    FROM spanhouse.llm_pricing
    WHERE model = '*' AND effective_from <= today()
    GROUP BY provider
) AS f ON f.fb_provider = u.provider
LEFT JOIN
(
    SELECT
        '*' AS g_key,
        1 AS has_fallback,
        toFloat64(argMax(input_per_1m, effective_from)) AS fb_in,
        toFloat64(argMax(output_per_1m, effective_from)) AS fb_out,
        toFloat64(argMax(coalesce(cache_read_per_1m, input_per_1m), effective_from)) AS fb_cache_read
    FROM spanhouse.llm_pricing
    WHERE provider = '*' AND model = '*' AND effective_from <= today()
    HAVING count() > 0
) AS g ON g.g_key = u.any_provider
ORDER BY calls DESC, provider, model, response_model;
