-- Money adds up to the nano-dollar: 1,000,000 calls at 0.000123457 USD each (a typical sub-cent
-- cost) sum to exactly 123.457 USD in llm_spans and in every KPI table (Decimal, not Float).
-- The same sum in Float64 drifts (shown for contrast: the difference is not 0).
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_spans (timestamp, tenant_id, model, status, cost_usd)
    SELECT toStartOfHour(now()) - toIntervalMinute(number % 120), 't', 'm', 'ok', 0.000123457 FROM numbers(1000000);
SELECT sum(cost_usd) FROM spanhouse.llm_spans;
SELECT sum(cost_usd) FROM spanhouse.llm_kpi_1m;
SELECT sum(cost_usd) FROM spanhouse.llm_kpi_1h;
SELECT sum(cost_usd) FROM spanhouse.llm_kpi_1d;
SELECT sum(toFloat64(cost_usd)) != 123.457 FROM spanhouse.llm_spans;
