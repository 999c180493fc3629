-- v_dual_regression: seed 001's live regression rule, exactly as written, over the last 15
-- minutes per feature, model and evaluation metric:
--   page:        (cost p50 > 1.5 x baseline AND quality < 0.85 x baseline)
--                OR (quality < 0.70 x baseline AND cost p50 > 1.2 x baseline)
--                OR quality < 0.70 x baseline alone ("severe quality degradation")
--   investigate: cost z-score > 3 with quality not paging ("cost spike, quality stable")
-- cost: p50 of cost per call in the window (llm_kpi_1m's cost_q states) against the median of
--   the 7 days before the window; cost_z = (window p50 - mean) / sd of the 7 days' 15-minute
--   p50s (sd at least 1 % of the mean, so a flat baseline does not divide by zero).
-- quality: per metric, the sample-weighted mean score (each evaluation weighted 1 / sample_rate,
--   so a 1 % tier counts for the traffic it stands for, not 100x less or more) in the window
--   against the same over the 7 days before. The seed writes "p50": a weighted median cannot
--   be merged from the 1-minute states, and the weights are what keeps tiers honest, so the
--   weighted mean stands in for it (decision recorded in docs/queries.md).
-- Evaluations count in the minute of their span (llm_quality_1m), so a late evaluation moves
--   its span's window. Rows need 5 calls in the window; quality needs 5 scored evaluations
--   (else quality_ratio is NULL and only the cost z-score can fire).
-- Experiments: the baselines are production traffic only (experiment_id = ''), so an A/B arm
--   cannot drag the normal level up or down; the window is reported per experiment_id (''
--   = production), each arm against the production baseline of its feature and model.
-- Parameters: none (window = the 15 minutes before now()).  Source: llm_kpi_1m, llm_quality_1m.
CREATE VIEW IF NOT EXISTS spanhouse.v_dual_regression AS
WITH now() - INTERVAL 15 MINUTE AS cut
SELECT
    c.feature AS feature,
    c.model AS model,
    c.experiment_id AS experiment_id,
    ifNull(q.metric, '') AS metric,
    c.requests AS requests,
    round(c.cost_p50, 6) AS cost_p50_usd,
    round(b.base_median, 6) AS baseline_cost_median_usd,
    round(c.cost_p50 / nullIf(b.base_median, 0), 3) AS cost_ratio,
    round((c.cost_p50 - z.mean_p50) / greatest(z.sd_p50, 0.01 * z.mean_p50, 1e-9), 2) AS cost_z,
    ifNull(q.scored, 0) AS scored,
    round(q.quality, 4) AS quality,
    round(qb.baseline_quality, 4) AS baseline_quality,
    if(ifNull(q.scored, 0) >= 5, round(q.quality / nullIf(qb.baseline_quality, 0), 3), NULL) AS quality_ratio,
    multiIf(
        (ifNull(cost_ratio, 0) > 1.5 AND ifNull(quality_ratio, 1) < 0.85)
            OR (ifNull(quality_ratio, 1) < 0.70 AND ifNull(cost_ratio, 0) > 1.2), 'page',
        ifNull(quality_ratio, 1) < 0.70, 'page',
        ifNull(cost_z, 0) > 3, 'investigate',
        '') AS level,
    multiIf(
        level = 'page' AND ifNull(cost_ratio, 0) > 1.2, 'cost and quality regression',
        level = 'page', 'severe quality degradation',
        level = 'investigate', 'cost spike, quality stable',
        '') AS reason
FROM
(
    SELECT
        feature,
        model,
        experiment_id,
        sum(requests) AS requests,
        quantilesBFloat16Merge(0.5, 0.95, 0.99)(cost_q)[1] AS cost_p50
    FROM spanhouse.llm_kpi_1m
    WHERE minute > cut
    GROUP BY feature, model, experiment_id
    HAVING requests >= 5
) AS c
INNER JOIN
(
    SELECT feature, model, quantilesBFloat16Merge(0.5, 0.95, 0.99)(cost_q)[1] AS base_median
    FROM spanhouse.llm_kpi_1m
    WHERE minute > cut - INTERVAL 7 DAY AND minute <= cut AND experiment_id = ''
    GROUP BY feature, model
) AS b ON b.feature = c.feature AND b.model = c.model
LEFT JOIN
(
    SELECT feature, model, avg(p50) AS mean_p50, stddevPop(p50) AS sd_p50
    FROM
    (
        SELECT feature, model, toStartOfFifteenMinutes(minute) AS w,
               quantilesBFloat16Merge(0.5, 0.95, 0.99)(cost_q)[1] AS p50
        FROM spanhouse.llm_kpi_1m
        WHERE minute > cut - INTERVAL 7 DAY AND minute <= cut AND experiment_id = ''
        GROUP BY feature, model, w
    )
    GROUP BY feature, model
) AS z ON z.feature = c.feature AND z.model = c.model
LEFT JOIN
(
    SELECT
        feature,
        model,
        experiment_id,
        metric,
        sumIf(scored, minute > cut) AS scored,
        sumIf(score_wsum, minute > cut) / nullIf(sumIf(score_weight, minute > cut), 0) AS quality
    FROM spanhouse.llm_quality_1m
    WHERE metric != '' AND minute > cut - INTERVAL 7 DAY
    GROUP BY feature, model, experiment_id, metric
) AS q ON q.feature = c.feature AND q.model = c.model AND q.experiment_id = c.experiment_id
LEFT JOIN
(
    SELECT
        feature,
        model,
        metric,
        sum(score_wsum) / nullIf(sum(score_weight), 0) AS baseline_quality
    FROM spanhouse.llm_quality_1m
    WHERE metric != '' AND minute > cut - INTERVAL 7 DAY AND minute <= cut AND experiment_id = ''
    GROUP BY feature, model, metric
) AS qb ON qb.feature = c.feature AND qb.model = c.model AND qb.metric = q.metric
ORDER BY level = 'page' DESC, level = 'investigate' DESC, feature, model, experiment_id, metric;
