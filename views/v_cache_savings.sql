-- v_cache_savings: how often do caches hit, and how much money do they save? Per day, feature
-- and model over the last 7 days.
-- Parameters: none.  Source: kpi (llm_kpi_1d) ASOF-joined to llm_pricing (price in force that day).
-- Response cache (cache_hit = 1, the answer came from the application's cache):
--   response_cache_saved_usd ≈ cache_hits × average cost of an uncached call of the same
--   day/feature/model (an estimate: the avoided call never happened).
-- Prompt cache (provider-side, cache_read_tokens billed at the cache-read price):
--   prompt_cache_saved_usd = cache_read_tokens × (input_per_1m − cache_read_per_1m) / 1e6
--   (a NULL cache-read price means the input price: no saving)
--   (NULL when the model has no price row).
CREATE VIEW IF NOT EXISTS spanhouse.v_cache_savings AS
SELECT
    k.day AS day,
    k.feature AS feature,
    k.provider AS provider,
    k.model AS model,
    k.requests AS requests,
    k.cache_hits AS cache_hits,
    round(k.cache_hits / k.requests * 100, 2) AS cache_hit_rate_pct,
    if(k.requests = k.cache_hits, NULL,
       round(toFloat64(k.uncached_cost_usd) / (k.requests - k.cache_hits) * k.cache_hits, 6)) AS response_cache_saved_usd,
    k.cache_read_tokens AS cache_read_tokens,
    if(k.input_tokens = 0, NULL, round(k.cache_read_tokens / k.input_tokens * 100, 2)) AS prompt_cache_read_pct,
    if(p.model = '', NULL,
       k.cache_read_tokens * (p.input_per_1m - ifNull(p.cache_read_per_1m, p.input_per_1m)) / 1000000) AS prompt_cache_saved_usd
FROM
(
    SELECT day, feature, provider, model,
           sum(requests) AS requests, sum(cache_hits) AS cache_hits,
           sum(uncached_cost_usd) AS uncached_cost_usd,
           sum(input_tokens) AS input_tokens, sum(cache_read_tokens) AS cache_read_tokens
    FROM spanhouse.llm_kpi_1d
    WHERE day >= today() - 6
    GROUP BY day, feature, provider, model
) AS k
ASOF LEFT JOIN
(
    SELECT provider, model, effective_from, input_per_1m, cache_read_per_1m
    FROM spanhouse.llm_pricing FINAL
) AS p ON k.provider = p.provider AND k.model = p.model AND k.day >= p.effective_from
ORDER BY day, feature, provider, model;
