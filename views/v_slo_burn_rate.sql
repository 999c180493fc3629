-- v_slo_burn_rate: are we burning the error budget too fast? Multi-window burn rates per endpoint,
-- with the SLO and windows of the source article (seed 000).
-- SLOs (per endpoint, 30-day window):
--   availability: 99.5 % of calls succeed (status = 'ok')          -> error budget 0.5 %
--   latency P95:  95 % of calls finish within 10 s                  -> error budget 5 %
--   (the P99 objective, P99 under 10 s, is alerted on the quantile itself: rule
--   spanhouse-latency-p99, since a burn rate needs a counter per latency threshold)
-- burn rate = bad fraction in the window / error budget (1 = the budget lasts exactly 30 days).
-- page:   2-hour burn rate >= 14 (about 4 % of the month's budget in 2 hours);
-- ticket: 6-hour burn rate >= 6 (5 % of the budget in 6 hours).
-- Windows count back from now() over whole minutes of llm_kpi_1m (the current minute included).
-- Parameters: none.  Source: kpi (llm_kpi_1m: errors, slow_requests = latency_ms > 10000).
CREATE VIEW IF NOT EXISTS spanhouse.v_slo_burn_rate AS
SELECT
    endpoint,
    sumIf(requests, minute >= now() - INTERVAL 2 HOUR) AS requests_2h,
    sum(requests) AS requests_6h,
    round(sumIf(errors, minute >= now() - INTERVAL 2 HOUR) / nullIf(requests_2h, 0) / 0.005, 2) AS availability_burn_2h,
    round(sum(errors) / requests_6h / 0.005, 2) AS availability_burn_6h,
    round(sumIf(slow_requests, minute >= now() - INTERVAL 2 HOUR) / nullIf(requests_2h, 0) / 0.05, 2) AS latency_burn_2h,
    round(sum(slow_requests) / requests_6h / 0.05, 2) AS latency_burn_6h,
    ifNull(availability_burn_2h >= 14 OR latency_burn_2h >= 14, 0) AS page,
    availability_burn_6h >= 6 OR latency_burn_6h >= 6 AS ticket
FROM spanhouse.llm_kpi_1m
WHERE minute >= now() - INTERVAL 6 HOUR
GROUP BY endpoint
ORDER BY endpoint;
