-- v_unpriced_models: models stored without a price in the last 7 days (pricing_status =
-- 'unknown_model': no row of the pricing file matched the model or response_model at the
-- span's time), so their spend counts as $0 in every cost panel unless the producer sent a
-- cost. One row per provider x model x response_model, most calls first.
-- Parameters: none.  Source: raw (llm_spans).
-- calls_with_producer_cost / producer_cost_usd: what the producers themselves reported for those
-- calls (then cost_usd is theirs, not zero). first_seen / last_seen: a model rolled out on
-- Monday shows first_seen Monday. Fix: add the model to the pricing file (docs/pricing.md) and
-- reload; the worker's spanhouse_unpriced_spans_total{provider,model} counts the same live.
CREATE VIEW IF NOT EXISTS spanhouse.v_unpriced_models AS
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
    max(timestamp) AS last_seen
FROM spanhouse.llm_spans
WHERE pricing_status = 'unknown_model' AND timestamp >= now() - INTERVAL 7 DAY
GROUP BY provider, model, response_model
ORDER BY calls DESC, provider, model, response_model;
