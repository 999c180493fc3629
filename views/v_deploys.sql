-- v_deploys: did a deploy change cost, errors, latency or quality? Every deploy_version a service
-- ran in the last 14 days (first and last call seen, calls), with the service's calls in the 6
-- hours before its first call against the 6 hours after: error rate, cost per call, mean
-- latency and mean span quality score. The dashboard draws first_seen as an annotation on
-- every time series. "Before" is whatever ran then (usually the previous version, or several
-- during a canary). Quality is the span's own quality_score (evaluations carry no service).
-- Parameters: none.  Source: raw (llm_spans, per service per minute, last 14 days + 6 hours).
CREATE VIEW IF NOT EXISTS spanhouse.v_deploys AS
SELECT
    d.service AS service,
    d.deploy_version AS deploy_version,
    d.first_seen AS first_seen,
    d.last_seen AS last_seen,
    d.calls AS calls,
    sumIf(m.calls, m.minute < toStartOfMinute(d.first_seen)) AS calls_before,
    sumIf(m.calls, m.minute >= toStartOfMinute(d.first_seen)) AS calls_after,
    round(sumIf(m.errors, m.minute < toStartOfMinute(d.first_seen)) / nullIf(calls_before, 0) * 100, 2) AS error_rate_before_pct,
    round(sumIf(m.errors, m.minute >= toStartOfMinute(d.first_seen)) / nullIf(calls_after, 0) * 100, 2) AS error_rate_after_pct,
    round(sumIf(m.cost, m.minute < toStartOfMinute(d.first_seen)) / nullIf(calls_before, 0), 6) AS cost_per_call_before_usd,
    round(sumIf(m.cost, m.minute >= toStartOfMinute(d.first_seen)) / nullIf(calls_after, 0), 6) AS cost_per_call_after_usd,
    round(sumIf(m.latency, m.minute < toStartOfMinute(d.first_seen)) / nullIf(calls_before, 0), 1) AS latency_before_ms,
    round(sumIf(m.latency, m.minute >= toStartOfMinute(d.first_seen)) / nullIf(calls_after, 0), 1) AS latency_after_ms,
    round(sumIf(m.qs, m.minute < toStartOfMinute(d.first_seen)) / nullIf(sumIf(m.qn, m.minute < toStartOfMinute(d.first_seen)), 0), 4) AS quality_before,
    round(sumIf(m.qs, m.minute >= toStartOfMinute(d.first_seen)) / nullIf(sumIf(m.qn, m.minute >= toStartOfMinute(d.first_seen)), 0), 4) AS quality_after
FROM
(
    SELECT service, deploy_version, min(timestamp) AS first_seen, max(timestamp) AS last_seen, count() AS calls
    FROM spanhouse.llm_spans
    WHERE timestamp >= now() - INTERVAL 14 DAY AND deploy_version != ''
    GROUP BY service, deploy_version
) AS d
INNER JOIN
(
    SELECT
        service,
        toStartOfMinute(timestamp) AS minute,
        count() AS calls,
        countIf(status != 'ok') AS errors,
        toFloat64(sum(cost_usd)) AS cost,
        sum(latency_ms) AS latency,
        sum(ifNull(quality_score, 0)) AS qs,
        countIf(quality_score IS NOT NULL) AS qn
    FROM spanhouse.llm_spans
    WHERE timestamp >= now() - INTERVAL 14 DAY - INTERVAL 6 HOUR
    GROUP BY service, minute
) AS m ON m.service = d.service
WHERE m.minute >= d.first_seen - INTERVAL 6 HOUR AND m.minute < d.first_seen + INTERVAL 6 HOUR
GROUP BY d.service, d.deploy_version, d.first_seen, d.last_seen, d.calls
ORDER BY first_seen DESC, service;
