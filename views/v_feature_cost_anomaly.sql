-- v_feature_cost_anomaly: is a feature's hourly spend outside its normal band? For each feature
-- and each of the last 24 hours: the spend, the rolling mean ± 3σ of the 168 hours (7 days)
-- before that hour (hours without calls count as 0), and whether the hour is outside the band.
-- Parameters: none.  Source: kpi (llm_kpi_1h). The current hour is partial.
CREATE VIEW IF NOT EXISTS spanhouse.v_feature_cost_anomaly AS
WITH
    hours AS
    (
        SELECT toStartOfHour(now()) - toIntervalHour(number) AS hour FROM numbers(24 + 168)
    ),
    costs AS
    (
        SELECT hour, feature, toFloat64(sum(cost_usd)) AS cost
        FROM spanhouse.llm_kpi_1h
        WHERE hour >= toStartOfHour(now()) - INTERVAL 191 HOUR
        GROUP BY hour, feature
    ),
    dense AS
    (
        SELECT h.hour AS hour, f.feature AS feature, c.cost AS cost
        FROM hours AS h
        CROSS JOIN (SELECT DISTINCT feature FROM costs) AS f
        LEFT JOIN costs AS c ON c.hour = h.hour AND c.feature = f.feature
    ),
    banded AS
    (
        SELECT
            hour,
            feature,
            cost,
            avg(cost) OVER w AS mean,
            stddevPop(cost) OVER w AS sd,
            count() OVER w AS baseline_hours
        FROM dense
        WINDOW w AS (PARTITION BY feature ORDER BY hour ROWS BETWEEN 168 PRECEDING AND 1 PRECEDING)
    )
SELECT
    hour,
    feature,
    round(cost, 6) AS cost_usd,
    round(mean, 6) AS baseline_mean_usd,
    round(sd, 6) AS baseline_stddev_usd,
    round(greatest(mean - 3 * sd, 0), 6) AS band_low_usd,
    round(mean + 3 * sd, 6) AS band_high_usd,
    cost > mean + 3 * sd OR cost < mean - 3 * sd AS is_anomaly
FROM banded
WHERE hour >= toStartOfHour(now()) - INTERVAL 23 HOUR AND baseline_hours = 168
ORDER BY feature, hour;
