-- v_cost_per_outcome: what one business outcome costs in LLM spend, by feature, model and
-- outcome event, over the last 7 days of spans (e.g. cost per conversion). Outcomes count in
-- the minute of the span they are attributed to (220_llm_quality_1m.sql), so spend and
-- outcomes cover the same calls. outcome_value is the summed value of the events (any
-- currency as sent; filter by event when mixing currencies matters).
-- Parameters: none.  Source: llm_quality_1m (outcomes), llm_spans (spend).
CREATE VIEW IF NOT EXISTS spanhouse.v_cost_per_outcome AS
SELECT
    o.feature AS feature,
    o.model AS model,
    o.event AS event,
    o.outcomes AS outcomes,
    o.outcome_value AS outcome_value,
    c.requests AS requests,
    c.cost_usd AS cost_usd,
    round(toFloat64(c.cost_usd) / o.outcomes, 6) AS cost_per_outcome_usd,
    round(o.outcomes / c.requests, 4) AS outcomes_per_request
FROM
(
    SELECT feature, model, event, sum(outcomes) AS outcomes, sum(outcome_value) AS outcome_value
    FROM spanhouse.llm_quality_1m
    WHERE event != '' AND minute >= now() - INTERVAL 7 DAY
    GROUP BY feature, model, event
) AS o
INNER JOIN
(
    SELECT feature, model, count() AS requests, sum(toDecimal128(cost_usd, 9)) AS cost_usd
    FROM spanhouse.llm_spans
    WHERE timestamp >= toStartOfMinute(now() - INTERVAL 7 DAY)
    GROUP BY feature, model
) AS c ON o.feature = c.feature AND o.model = c.model
WHERE o.outcomes > 0
ORDER BY feature, model, event;
