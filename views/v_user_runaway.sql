-- v_user_runaway: which users spent in the last hour at least 10× their usual hourly spend?
-- usual = the user's average hourly spend over the 7 days before the last hour (hours without
-- calls count as 0). Users with no history have NULL ratio and are not flagged.
-- Parameters: none.  Source: raw (llm_spans): users are not a KPI dimension.
CREATE VIEW IF NOT EXISTS spanhouse.v_user_runaway AS
SELECT
    user_id,
    any(tenant_id) AS tenant_id,
    sumIf(cost_usd, timestamp >= now() - INTERVAL 1 HOUR) AS last_hour_cost_usd,
    countIf(timestamp >= now() - INTERVAL 1 HOUR) AS last_hour_requests,
    round(toFloat64(sumIf(cost_usd, timestamp < now() - INTERVAL 1 HOUR)) / 168, 6) AS avg_hourly_cost_usd,
    if(avg_hourly_cost_usd = 0, NULL, round(toFloat64(last_hour_cost_usd) / avg_hourly_cost_usd, 1)) AS ratio,
    ifNull(ratio >= 10, 0) AS is_runaway
FROM spanhouse.llm_spans
WHERE timestamp >= now() - INTERVAL 1 HOUR - INTERVAL 7 DAY AND user_id != ''
GROUP BY user_id
HAVING last_hour_requests > 0
ORDER BY is_runaway DESC, ratio DESC, user_id;
