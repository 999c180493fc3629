-- v_cost_per_session: what does one conversation cost? Per feature, last 7 days: sessions
-- (session_id), calls per session, and the p50, p95 and largest cost of one session, with its
-- duration (first to last call). A session's calls are counted under the feature of each call;
-- calls without a session_id are left out. Exact quantiles over the sessions.
-- Parameters: none.  Source: raw (llm_spans, last 7 days).
CREATE VIEW IF NOT EXISTS spanhouse.v_cost_per_session AS
SELECT
    feature, sessions, avg_calls_per_session, qc[1] AS p50_session_cost_usd,
    qc[2] AS p95_session_cost_usd, max_session_cost_usd, qd[1] AS p50_session_seconds,
    qd[2] AS p95_session_seconds
FROM
(
    SELECT
        feature,
        count() AS sessions,
        round(avg(calls), 2) AS avg_calls_per_session,
        arrayMap(x -> round(x, 6), quantilesExact(0.5, 0.95)(cost)) AS qc,
        round(max(cost), 6) AS max_session_cost_usd,
        quantilesExact(0.5, 0.95)(seconds) AS qd
    FROM
    (
        SELECT feature, session_id, count() AS calls, toFloat64(sum(cost_usd)) AS cost,
               dateDiff('second', min(timestamp), max(timestamp)) AS seconds
        FROM spanhouse.llm_spans
        WHERE timestamp >= now() - INTERVAL 7 DAY AND session_id != ''
        GROUP BY feature, session_id
    )
    GROUP BY feature
)
ORDER BY max_session_cost_usd DESC, feature;
