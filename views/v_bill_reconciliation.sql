-- v_bill_reconciliation: the provider's bill next to spanhouse's numbers, per UTC day x provider
-- x model family (docs/reconciliation.md). "The provider's bill is the truth for the card; a
-- divergence above 5 % means a cache-accounting or price-table error."
-- Sources: llm_bill_lines (imported exports, FINAL: each line once) and llm_cost_1d (spans that
-- reached a provider). Model family = the model name without a trailing snapshot tag
-- (-YYYY-MM-DD, -YYYYMMDD, -latest) on both sides, so `gpt-4o-2024-08-06` on the bill meets
-- `gpt-4o` in the spans.
-- Columns:
--   billed_usd       sum of the cost export's lines (NULL: no cost export for that day/provider)
--   computed_usd     what the pricing table says the spans cost
--   reported_usd     what producers reported (on reported_requests of the requests)
--   divergence_usd   computed_usd - billed_usd; divergence_pct relative to billed_usd
--   status           unattributed (bill lines without a model: web search, code execution,
--                    credits) | not_seen (the provider reports activity, no span shows it: calls that
--                    bypass the instrumented path) | no_bill (spans; no cost lines for that
--                    day/provider imported) | not_billed (spans; the day's bill of that provider
--                    does not list this model) | diverges (|divergence| > threshold_pct of the
--                    billed amount) | ok
--   *_tokens_bill / *_tokens_ours  the usage export's counts (input = uncached input; cache
--                    writes = 5-minute + 1-hour, the 1-hour part also alone) vs the spans' (0 on
--                    the bill side when no usage export is imported); web_search_calls_* likewise
--                    (the per-call fee is on the bill's unattributed row)
--   gap_usd_*        (ours - bill) tokens of each type valued at the price in force that day
--                    (NULL without a usage export or without a price row for the model)
--   explained_by     the token type whose gap is largest in dollars ('' when there is none)
-- threshold_pct: 5 (the seed's rule); change it here and re-run `spanhouse schema apply`.
CREATE VIEW IF NOT EXISTS spanhouse.v_bill_reconciliation AS
WITH 5.0 AS threshold_pct
SELECT
    r.day AS day,
    r.provider AS provider,
    r.model_family AS model_family,
    if(r.cost_lines > 0, r.billed_usd, NULL) AS billed_usd,
    r.computed_usd AS computed_usd,
    r.reported_usd AS reported_usd,
    r.requests AS requests,
    r.reported_requests AS reported_requests,
    r.unpriced_requests AS unpriced_requests,
    if(r.cost_lines > 0, r.computed_usd - r.billed_usd, NULL) AS divergence_usd,
    if(r.cost_lines > 0 AND r.billed_usd != 0,
       round(toFloat64(r.computed_usd - r.billed_usd) / toFloat64(r.billed_usd) * 100, 2), NULL) AS divergence_pct,
    multiIf(r.model_family = '', 'unattributed',
            r.requests = 0, 'not_seen',
            r.provider_cost_lines = 0, 'no_bill',
            r.cost_lines = 0, 'not_billed',
            r.billed_usd = 0 AND r.computed_usd = 0, 'ok',
            r.billed_usd = 0 OR abs(toFloat64(r.computed_usd - r.billed_usd)) > abs(toFloat64(r.billed_usd)) * threshold_pct / 100, 'diverges',
            'ok') AS status,
    r.b_input AS input_tokens_bill,
    r.o_input AS input_tokens_ours,
    r.b_cached AS cached_input_tokens_bill,
    r.o_cached AS cached_input_tokens_ours,
    r.b_write AS cache_write_tokens_bill,
    r.o_write AS cache_write_tokens_ours,
    r.b_write_1h AS cache_write_1h_tokens_bill,
    r.o_write_1h AS cache_write_1h_tokens_ours,
    r.b_output AS output_tokens_bill,
    r.o_output AS output_tokens_ours,
    r.b_requests AS requests_bill,
    r.b_web AS web_search_calls_bill,
    r.o_web AS web_search_calls_ours,
    if(r.usage_lines = 0 OR p.model = '', NULL,
       toDecimal128((toInt64(r.o_input) - toInt64(r.b_input)) * toDecimal128(p.input_per_1m, 9) / 1000000, 9)) AS gap_usd_input,
    if(r.usage_lines = 0 OR p.model = '', NULL,
       toDecimal128((toInt64(r.o_cached) - toInt64(r.b_cached)) * toDecimal128(p.cache_read, 9) / 1000000, 9)) AS gap_usd_cached_input,
    if(r.usage_lines = 0 OR p.model = '', NULL,
       toDecimal128(((toInt64(r.o_write) - toInt64(r.o_write_1h)) - (toInt64(r.b_write) - toInt64(r.b_write_1h))) * toDecimal128(p.cache_write, 9) / 1000000
                   + (toInt64(r.o_write_1h) - toInt64(r.b_write_1h)) * toDecimal128(p.cache_write_1h, 9) / 1000000, 9)) AS gap_usd_cache_write,
    if(r.usage_lines = 0 OR p.model = '', NULL,
       toDecimal128((toInt64(r.o_output) - toInt64(r.b_output)) * toDecimal128(p.output_per_1m, 9) / 1000000, 9)) AS gap_usd_output,
    if(gap_usd_input IS NULL OR greatest(abs(gap_usd_input), abs(gap_usd_cached_input), abs(gap_usd_cache_write), abs(gap_usd_output)) = 0, '',
       ['input', 'cached_input', 'cache_write', 'output'][indexOf(
           [abs(gap_usd_input), abs(gap_usd_cached_input), abs(gap_usd_cache_write), abs(gap_usd_output)],
           greatest(abs(gap_usd_input), abs(gap_usd_cached_input), abs(gap_usd_cache_write), abs(gap_usd_output)))]) AS explained_by
FROM
(
    SELECT
        day, provider, model_family,
        b.billed_usd AS billed_usd, b.cost_lines AS cost_lines, b.usage_lines AS usage_lines,
        b.b_input AS b_input, b.b_cached AS b_cached, b.b_write AS b_write, b.b_output AS b_output,
        b.b_requests AS b_requests, b.b_write_1h AS b_write_1h, b.b_web AS b_web,
        o.computed_usd AS computed_usd, o.reported_usd AS reported_usd, o.requests AS requests,
        o.reported_requests AS reported_requests, o.unpriced_requests AS unpriced_requests,
        o.o_input AS o_input, o.o_cached AS o_cached, o.o_write AS o_write, o.o_output AS o_output,
        o.o_write_1h AS o_write_1h, o.o_web AS o_web,
        sum(b.cost_lines) OVER (PARTITION BY day, provider) AS provider_cost_lines
    FROM
    (
        SELECT
            day, provider,
            replaceRegexpOne(model, '(-[0-9]{4}-[0-9]{2}-[0-9]{2}|-[0-9]{8}|-latest)$', '') AS model_family,
            sum(ifNull(amount_usd, toDecimal64(0, 9))) AS billed_usd,
            countIf(amount_usd IS NOT NULL) AS cost_lines,
            countIf(amount_usd IS NULL) AS usage_lines,
            sumIf(tokens, amount_usd IS NULL AND token_type = 'input') AS b_input,
            sumIf(tokens, amount_usd IS NULL AND token_type = 'cached_input') AS b_cached,
            sumIf(tokens, amount_usd IS NULL AND token_type IN ('cache_write_5m', 'cache_write_1h')) AS b_write,
            sumIf(tokens, amount_usd IS NULL AND token_type = 'output') AS b_output,
            sumIf(tokens, amount_usd IS NULL AND token_type = 'requests') AS b_requests,
            sumIf(tokens, amount_usd IS NULL AND token_type = 'cache_write_1h') AS b_write_1h,
            sumIf(tokens, amount_usd IS NULL AND token_type = 'web_search') AS b_web
        FROM spanhouse.llm_bill_lines FINAL
        GROUP BY day, provider, model_family
    ) AS b
    FULL OUTER JOIN
    (
        SELECT
            day, provider, model_family,
            sum(cost_usd_computed) AS computed_usd,
            sum(cost_usd_reported) AS reported_usd,
            sum(requests) AS requests,
            sum(reported_requests) AS reported_requests,
            sum(unpriced_requests) AS unpriced_requests,
            sum(input_uncached_tokens) AS o_input,
            sum(cache_read_tokens) AS o_cached,
            sum(cache_write_tokens) AS o_write,
            sum(output_tokens) AS o_output,
            sum(cache_write_1h_tokens) AS o_write_1h,
            sum(web_search_calls) AS o_web
        FROM spanhouse.llm_cost_1d
        GROUP BY day, provider, model_family
    ) AS o USING (day, provider, model_family)
) AS r
ASOF LEFT JOIN
(
    SELECT provider, model, effective_from, input_per_1m, output_per_1m,
           ifNull(cache_read_per_1m, input_per_1m) AS cache_read,
           ifNull(cache_write_per_1m, input_per_1m) AS cache_write,
           ifNull(cache_write_1h_per_1m, ifNull(cache_write_per_1m, input_per_1m)) AS cache_write_1h
    FROM spanhouse.llm_pricing
    WHERE model != '*'
) AS p ON r.provider = p.provider AND r.model_family = p.model AND r.day >= p.effective_from
ORDER BY day DESC, provider, model_family
SETTINGS join_use_nulls = 0;
