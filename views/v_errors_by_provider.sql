-- v_errors_by_provider: error rate and retry rate per provider over the last 24 hours.
-- Parameters: none.  Source: kpi (llm_kpi_1m).
-- error_rate_pct = failed calls / calls; retry_rate_pct = calls that needed >= 1 retry / calls;
-- retries_per_request = total retries / calls; top_error_class = the most frequent class.
CREATE VIEW IF NOT EXISTS spanhouse.v_errors_by_provider AS
SELECT
    provider,
    sum(requests) AS requests,
    sum(errors) AS errors,
    round(errors / requests * 100, 2) AS error_rate_pct,
    sum(retried_requests) AS retried_requests,
    round(retried_requests / requests * 100, 2) AS retry_rate_pct,
    round(sum(retries) / requests, 3) AS retries_per_request,
    sumMap(errors_by_class) AS errors_by_class,
    if(errors = 0, '', arraySort(x -> (-x.2, x.1), arrayZip(mapKeys(errors_by_class), mapValues(errors_by_class)))[1].1) AS top_error_class
FROM spanhouse.llm_kpi_1m
WHERE minute >= now() - INTERVAL 24 HOUR
GROUP BY provider
ORDER BY error_rate_pct DESC, provider;
