-- v_slo_burn_rate: are we burning the error budget too fast? Multi-window burn rates per endpoint.
-- SLOs (per endpoint, 30-day window):
--   availability: 99% of calls succeed (status = 'ok')            -> error budget 1%
--   latency:      95% of calls finish within 10 s (p95 <= 10 s)   -> error budget 5%
-- burn rate = bad fraction in the window / error budget (1 = budget lasts exactly 30 days).
-- fast_burn: 1-hour burn rate >= 14.4 (2% of the month's budget in an hour: page);
-- slow_burn: 6-hour burn rate >= 6 (5% of the budget in 6 hours: ticket).
-- Parameters: none.  Source: kpi (llm_kpi_1m: errors, slow_requests = latency_ms > 10000).
CREATE VIEW IF NOT EXISTS spanhouse.v_slo_burn_rate AS
SELECT
    endpoint,
    sumIf(requests, minute >= now() - INTERVAL 1 HOUR) AS requests_1h,
    sum(requests) AS requests_6h,
    round(sumIf(errors, minute >= now() - INTERVAL 1 HOUR) / nullIf(requests_1h, 0) / 0.01, 2) AS availability_burn_1h,
    round(sum(errors) / requests_6h / 0.01, 2) AS availability_burn_6h,
    round(sumIf(slow_requests, minute >= now() - INTERVAL 1 HOUR) / nullIf(requests_1h, 0) / 0.05, 2) AS latency_burn_1h,
    round(sum(slow_requests) / requests_6h / 0.05, 2) AS latency_burn_6h,
    ifNull(availability_burn_1h >= 14.4 OR latency_burn_1h >= 14.4, 0) AS fast_burn,
    availability_burn_6h >= 6 OR latency_burn_6h >= 6 AS slow_burn
FROM spanhouse.llm_kpi_1m
WHERE minute >= now() - INTERVAL 6 HOUR
GROUP BY endpoint
ORDER BY endpoint;
