// build_dashboard: writes ops/grafana/dashboards/spanhouse.json from the panel list below, so the
// SQL of every panel lives in one readable place. Run `node ops/grafana/build_dashboard.mjs`
// after editing and commit both files; tests/integration/t_dashboard_sql.sh runs every panel's
// SQL (macros expanded) on the embedded ClickHouse engine, and t_compose.sh checks that the
// committed JSON is what this script produces. No dependencies beyond Node 20.
//
// SQL conventions: the official grafana-clickhouse-datasource macros ($__timeFilter(col),
// $__timeInterval(col), $__fromTime, $__toTime, $__interval_s) and Grafana's variable formats
// (${tenant:singlequote}); table names are qualified with the ${database} constant variable.
//
// Dropping it into an existing Grafana: the data sources are template variables ($datasource,
// $prometheus) whose current values are the __inputs the import dialog asks for; provisioned
// (docker-compose), the inputs stay unresolved and each variable takes the only data source of
// its type. The database is a constant variable (default spanhouse): change it in the JSON or
// the dashboard settings when `database` is not spanhouse.
import fs from 'node:fs';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
const DS = { type: 'grafana-clickhouse-datasource', uid: '${datasource}' };
const PROM = { type: 'prometheus', uid: '${prometheus}' };
const DB = '${database}';

// Dashboard filters, applied to every query on spans or aggregates.
const F = `tenant_id IN (\${tenant:singlequote}) AND team_id IN (\${team:singlequote})
  AND feature IN (\${feature:singlequote}) AND model IN (\${model:singlequote})`;
// Success SLO target used by the SLO burn panels and alerts (99.5 % of calls succeed).
const SLO = 0.995;

const dsVariable = (name, label, plugin, input) => ({
  name, label, type: 'datasource', query: plugin, refresh: 1, hide: 0, regex: '', multi: false, includeAll: false,
  current: { selected: true, text: `\${${input}}`, value: `\${${input}}` },
});
const variables = [
  dsVariable('datasource', 'ClickHouse', 'grafana-clickhouse-datasource', 'DS_CLICKHOUSE'),
  dsVariable('prometheus', 'Prometheus', 'prometheus', 'DS_PROMETHEUS'),
  { name: 'database', label: 'Database', type: 'constant', hide: 2, query: 'spanhouse',
    current: { selected: true, text: 'spanhouse', value: 'spanhouse' } },
].concat([
  ['tenant', 'Tenant', 'tenant_id', ''],
  ['team', 'Team', 'team_id', `tenant_id IN (\${tenant:singlequote})`],
  ['feature', 'Feature', 'feature', `tenant_id IN (\${tenant:singlequote}) AND team_id IN (\${team:singlequote})`],
  ['model', 'Model', 'model', `tenant_id IN (\${tenant:singlequote}) AND feature IN (\${feature:singlequote})`],
].map(([name, label, col, where]) => ({
  name, label, type: 'query', datasource: DS, refresh: 2, includeAll: true, multi: true,
  current: { selected: true, text: ['All'], value: ['$__all'] }, sort: 1,
  definition: `distinct ${col} (llm_kpi_1h)`,
  // The hourly rollup: one row per hour and dimension set, cheap over any range.
  query: `SELECT DISTINCT ${col} FROM ${DB}.llm_kpi_1h
WHERE hour >= toStartOfHour($__fromTime) AND hour <= $__toTime${where ? ` AND ${where}` : ''}
ORDER BY ${col}`,
})));

// Sources. KPI = the 1-minute aggregate (quantile states merge exactly across rows), KPI_H the
// hourly rollup for long ranges and baselines, SPANS the raw table (only for per-user and
// per-call panels: users and single calls are not KPI dimensions).
const KPI = `${DB}.llm_kpi_1m`, KPI_H = `${DB}.llm_kpi_1h`, SPANS = `${DB}.llm_spans`;
const TF = '$__timeFilter(minute)';
// The quality aggregate (evals and outcomes joined to their span) and its row, collapsed at load.
const QUAL = `${DB}.llm_quality_1m`, QROW = 'Quality: evals and outcomes';
const COLLAPSED = new Set([QROW]);
// p50/p95/p99 from a quantile state column (quantilesBFloat16: at most 0.4 % low). Only scalar
// columns are returned: Grafana's long-to-wide conversion of time series has no array type.
// (ClickHouse computes identical aggregate expressions once.)
const q3 = (state, name) => [[1, 'p50'], [2, 'p95'], [3, 'p99']]
  .map(([i, p]) => `quantilesBFloat16Merge(0.5, 0.95, 0.99)(${state})[${i}] AS ${name}_${p}`).join(',\n       ');

// A Cost-row bar gauge: the ten largest values of one KPI dimension by spend in the range.
const topByCost = (title, col, width, description) => ['Cost', title, 'bargauge', width, `
SELECT ${col}, sum(cost_usd) AS spend_usd
FROM ${KPI}
WHERE ${TF} AND ${F}
GROUP BY ${col}
ORDER BY spend_usd DESC
LIMIT 10`, description ? { unit: 'currencyUSD', description } : { unit: 'currencyUSD' }];

// Panels: [row, title, type, width, sql, extra]. type: stat | timeseries | table | bargauge.
const panels = [
  // ------------------------------------------------------------------ Cost
  ['Cost', 'Spend today (USD)', 'stat', 4, `
SELECT sum(cost_usd) AS spend_today
FROM ${KPI}
WHERE minute >= toStartOfDay(now()) AND ${F}`, { unit: 'currencyUSD' }],
  ['Cost', 'Spend month-to-date (USD)', 'stat', 4, `
SELECT sum(cost_usd) AS spend_mtd
FROM ${KPI_H}
WHERE hour >= toStartOfMonth(now()) AND ${F}`, { unit: 'currencyUSD' }],
  ['Cost', 'Projected month-end spend (linear burn rate)', 'stat', 4, `
SELECT toFloat64(sum(cost_usd)) * toDayOfMonth(toLastDayOfMonth(now()))
       / greatest(dateDiff('second', toStartOfMonth(now())::DateTime, now()) / 86400, 1 / 24) AS projected_month_usd
FROM ${KPI_H}
WHERE hour >= toStartOfMonth(now()) AND ${F}`, { unit: 'currencyUSD' }],
  ['Cost', 'Cost per successful response (USD)', 'stat', 4, `
SELECT toFloat64(sum(cost_usd)) / greatest(sum(requests) - sum(errors), 1) AS usd_per_success
FROM ${KPI}
WHERE ${TF} AND ${F}`, { unit: 'currencyUSD', decimals: 5,
    description: 'All spend, failed attempts included, divided by the successful responses.' }],
  ['Cost', 'Response cache hit rate', 'stat', 4, `
SELECT sum(cache_hits) / greatest(sum(requests), 1) AS cache_hit_rate
FROM ${KPI}
WHERE ${TF} AND ${F}`, { unit: 'percentunit' }],
  ['Cost', 'Prompt-cache share of input tokens', 'stat', 4, `
SELECT sum(cache_read_tokens) / greatest(sum(input_tokens), 1) AS cached_input_share
FROM ${KPI}
WHERE ${TF} AND ${F}`, { unit: 'percentunit' }],
  ['Cost', 'Spend vs monthly budget by tenant', 'table', 12, `
SELECT tenant_id, spend_today_usd, spend_mtd_usd, monthly_budget_usd, budget_used_pct,
       projected_month_usd, projected_budget_pct, projected_over_budget
FROM ${DB}.v_spend_vs_budget
WHERE tenant_id IN (\${tenant:singlequote})
ORDER BY projected_budget_pct DESC, spend_mtd_usd DESC`, { description: 'View v_spend_vs_budget (budgets from llm_tenants).' }],
  ['Cost', 'Cache savings (last 7 days)', 'table', 12, `
SELECT feature, model, sum(requests) AS requests, sum(cache_hits) AS cache_hits,
       sum(response_cache_saved_usd) AS response_cache_saved_usd,
       sum(prompt_cache_saved_usd) AS prompt_cache_saved_usd,
       response_cache_saved_usd + prompt_cache_saved_usd AS saved_usd
FROM ${DB}.v_cache_savings
WHERE feature IN (\${feature:singlequote}) AND model IN (\${model:singlequote})
GROUP BY feature, model
ORDER BY saved_usd DESC`, { description: 'View v_cache_savings: response-cache hits valued at the average uncached call; prompt-cache reads at the input minus cache-read price in force that day.' }],
  ['Cost', 'Spend by team', 'timeseries', 12, `
SELECT $__timeInterval(minute) AS time, team_id, sum(cost_usd) AS spend_usd
FROM ${KPI}
WHERE ${TF} AND ${F}
GROUP BY time, team_id
ORDER BY time`, { unit: 'currencyUSD', stack: true }],
  ['Cost', 'Token mix (uncached input / cache read / cache write / output / reasoning)', 'timeseries', 12, `
SELECT $__timeInterval(minute) AS time,
       sum(input_tokens) - sum(cache_read_tokens) - sum(cache_write_tokens) AS uncached_input,
       sum(cache_read_tokens) AS cache_read,
       sum(cache_write_tokens) AS cache_write,
       sum(output_tokens) - sum(reasoning_tokens) AS output,
       sum(reasoning_tokens) AS reasoning
FROM ${KPI}
WHERE ${TF} AND ${F}
GROUP BY time
ORDER BY time`, { unit: 'short', stack: true }],
  topByCost('Top features by cost', 'feature', 6),
  topByCost('Top models by cost', 'model', 6),
  topByCost('Top teams by cost', 'team_id', 6),
  ['Cost', 'Top users by cost', 'table', 6, `
SELECT user_id, any(tenant_id) AS tenant, count() AS requests, sum(cost_usd) AS spend_usd
FROM ${SPANS}
WHERE $__timeFilter(timestamp) AND ${F}
GROUP BY user_id
ORDER BY spend_usd DESC
LIMIT 20`, { description: 'Raw spans: users are not a KPI dimension.' }],
  topByCost('Spend by endpoint', 'endpoint', 8, 'Seed 002: cost by endpoint (the API route or server the call served).'),
  ['Cost', 'Cache hit rate by feature', 'table', 16, `
SELECT feature, sum(requests) AS calls,
       sum(cache_hits) / sum(requests) AS response_cache_hit_rate,
       sum(cache_read_tokens) / greatest(sum(input_tokens), 1) AS prompt_cache_share,
       sum(uncached_cost_usd) AS uncached_spend_usd
FROM ${KPI}
WHERE ${TF} AND ${F}
GROUP BY feature
ORDER BY calls DESC`, { description: 'Response-cache hits per call and the share of input tokens read from the prompt cache, per feature (the rule spanhouse-cache-hit-low watches the hit rate under 20 %).' }],
  ['Cost', 'Unpriced models (spend stored as $0)', 'table', 24, `
SELECT provider, model, response_model, count() AS calls,
       sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
       countIf(cost_source = 'producer') AS calls_with_producer_cost,
       min(timestamp) AS first_seen, max(timestamp) AS last_seen
FROM ${SPANS}
WHERE pricing_status = 'unknown_model' AND $__timeFilter(timestamp) AND ${F}
GROUP BY provider, model, response_model
ORDER BY calls DESC
LIMIT 20`, { description: 'Calls no row of the pricing file matched: their cost is $0 in every panel unless the producer sent one. Add the model to the pricing file and reload (view v_unpriced_models; alert spanhouse-unpriced-models).' }],
  ['Cost', 'Provider bill vs computed cost (31 days before the range end)', 'table', 24, `
SELECT day, provider, model_family, billed_usd, computed_usd, reported_usd,
       divergence_usd, divergence_pct, status, explained_by, requests, unpriced_requests
FROM ${DB}.v_bill_reconciliation
WHERE day > toDate($__toTime) - 31 AND day <= toDate($__toTime) AND status != 'no_bill'
ORDER BY day DESC, abs(ifNull(divergence_usd, 0)) DESC
LIMIT 100`, { description: 'The imported provider bill (spanhouse bill import) next to what the pricing table computed from the spans, per day and model family; status diverges past 5 %, explained_by names the token type whose gap is largest in dollars (docs/reconciliation.md; alert spanhouse-bill-divergence). All tenants: a bill is not split by tenant.' }],
  ['Cost', 'Provider bill vs computed cost per tenant (31 days before the range end)', 'table', 24, `
SELECT day, provider, tenant_id, billed_usd, computed_usd, reported_usd,
       divergence_usd, divergence_pct, status, requests
FROM ${DB}.v_bill_reconciliation_tenant
WHERE day > toDate($__toTime) - 31 AND day <= toDate($__toTime) AND status != 'no_bill'
ORDER BY day DESC, abs(ifNull(divergence_usd, 0)) DESC
LIMIT 100`, { description: 'The imported provider bill per tenant: each bill line belongs to the tenant its API key or project is mapped to in the tenants file (bill_api_key / bill_project rows), web-search and other fees included on both sides; unmapped = lines no row maps (docs/reconciliation.md, "Per tenant"). Organisation-wide: not readable by tenant users.' }],
  ['Cost', 'Model comparison per feature', 'table', 24, `
SELECT feature, model,
       sum(requests) AS calls,
       sum(cost_usd) AS spend_usd,
       toFloat64(spend_usd) / calls AS usd_per_request,
       toFloat64(spend_usd) / greatest(calls - sum(errors), 1) AS usd_per_success,
       sum(input_tokens) / calls AS input_tokens_per_call,
       sum(output_tokens) / calls AS output_tokens_per_call,
       quantilesBFloat16Merge(0.5, 0.95, 0.99)(latency_q)[2] AS latency_p95_ms,
       sum(quality_sum) / nullIf(sum(quality_count), 0) AS avg_quality,
       sum(errors) / calls AS error_rate
FROM ${KPI}
WHERE ${TF} AND ${F}
GROUP BY feature, model
ORDER BY feature, usd_per_success`, {}],

  ['Cost', 'Cost split by token type (last 30 days)', 'table', 12, `
SELECT model,
       sum(c.cost_usd) AS spend_usd, sum(c.input_usd) AS input, sum(c.cached_input_usd) AS cached_input,
       sum(c.cache_write_usd) AS cache_write, sum(c.output_usd) AS output, sum(c.reasoning_usd) AS reasoning,
       round((input + cached_input + cache_write) / nullIf(input + cached_input + cache_write + output + reasoning, 0) * 100, 1) AS input_side_pct
FROM ${DB}.v_cost_split AS c
WHERE model IN (\${model:singlequote})
GROUP BY model
ORDER BY spend_usd DESC`, { description: 'View v_cost_split (seed 004: are input or output tokens driving the cost?): the exact stored cost split by the list-price shares of each token type.' }],
  ['Cost', 'Daily spend by provider (last 30 days)', 'timeseries', 12, `
SELECT toDateTime(day) AS time, provider, cost_usd
FROM ${DB}.v_spend_by_provider_daily
ORDER BY time`, { description: 'View v_spend_by_provider_daily; the provider bill for the same days is in the reconciliation panel.' }],
  ['Cost', 'Per-user cost distribution (30 days)', 'table', 12, `
SELECT *
FROM ${DB}.v_user_cost_distribution
WHERE tenant_id IN (\${tenant:singlequote})`, { description: 'View v_user_cost_distribution: p50/p90/p99 of one user\'s 30-day cost, the largest user and its share.' }],
  ['Cost', 'Cost per session by feature (7 days)', 'table', 12, `
SELECT *
FROM ${DB}.v_cost_per_session
WHERE feature IN (\${feature:singlequote})`, { description: 'View v_cost_per_session: sessions (session_id), calls and cost per session.' }],

  ['Cost', 'Deploys (14 days): 6 hours before vs after each version\'s first call', 'table', 24, `
SELECT service, deploy_version, first_seen, calls, calls_before, calls_after,
       error_rate_before_pct, error_rate_after_pct, cost_per_call_before_usd, cost_per_call_after_usd,
       latency_before_ms, latency_after_ms, quality_before, quality_after
FROM ${DB}.v_deploys`, { description: 'View v_deploys: deploy correlation (first seen deploy_version per service); the dashboard marks each first_seen as an annotation.' }],

  // ------------------------------------------------------------------ Latency
  ['Latency', 'Tokens per call by endpoint: avg / p95 / p99 (24 h)', 'table', 12, `
SELECT *
FROM ${DB}.v_token_percentiles
WHERE model IN (\${model:singlequote})`, { description: 'View v_token_percentiles (seed 002: input tokens per request avg, P95, P99).' }],
  ['Latency', 'Token velocity by model (tokens/s, 24 h)', 'table', 12, `
SELECT *
FROM ${DB}.v_token_velocity
WHERE model IN (\${model:singlequote})`, { description: 'View v_token_velocity: output tokens per second overall and after the first token.' }],
  ['Latency', 'Where a request\'s time goes: stages of LLM traces (24 h)', 'table', 24, `
SELECT *
FROM ${DB}.v_stage_latency
WHERE feature IN (\${feature:singlequote})`, { description: 'View v_stage_latency: per feature and stage (an LLM call\'s operation, or the span name of a non-LLM span kept with otlp-keep-all: retrieval, tools, the request itself) the p50/p95/p99 of the stage\'s time per trace and its share of the traces\' wall time.' }],
  ['Latency', 'Latency p50 / p95 / p99 by endpoint (ms)', 'timeseries', 12, `
SELECT $__timeInterval(minute) AS time, endpoint,
       ${q3('latency_q', 'latency')}
FROM ${KPI}
WHERE ${TF} AND ${F}
GROUP BY time, endpoint
ORDER BY time`, { unit: 'ms' }],
  ['Latency', 'Latency and time to first token by model (ms)', 'table', 12, `
SELECT model, sum(requests) AS calls,
       ${q3('latency_q', 'latency')},
       ${q3('ttft_q', 'ttft')}
FROM ${KPI}
WHERE ${TF} AND ${F}
GROUP BY model
ORDER BY latency_p95 DESC`, { description: 'TTFT over streaming calls only.' }],
  ['Latency', 'Slowest requests (top 10)', 'table', 24, `
SELECT timestamp, trace_id, tenant_id, feature, endpoint, model, latency_ms, ttft_ms,
       input_tokens, output_tokens, status, cost_usd
FROM ${SPANS}
WHERE $__timeFilter(timestamp) AND ${F}
ORDER BY latency_ms DESC
LIMIT 10`, { description: 'Raw spans: single calls are not in the aggregates.' }],
  ['Latency', 'Error rate and retry rate by provider', 'timeseries', 12, `
SELECT $__timeInterval(minute) AS time, provider,
       sum(errors) / sum(requests) AS error_rate,
       sum(retried_requests) / sum(requests) AS retry_rate
FROM ${KPI}
WHERE ${TF} AND ${F}
GROUP BY time, provider
ORDER BY time`, { unit: 'percentunit' }],
  ['Latency', 'Cost of failed calls by error class', 'table', 12, `
SELECT provider, error_class, sum(errors_by_class[error_class]) AS calls,
       sum(error_cost_by_class[error_class]) AS spend_usd
FROM ${KPI}
ARRAY JOIN mapKeys(errors_by_class) AS error_class
WHERE ${TF} AND ${F}
GROUP BY provider, error_class
ORDER BY spend_usd DESC`, {}],

  // ------------------------------------------------------------------ Quality
  ['Quality', 'Quality score by prompt version', 'timeseries', 12, `
SELECT $__timeInterval(minute) AS time, concat(prompt_template, '@', prompt_version) AS prompt,
       sum(quality_sum) / sum(quality_count) AS quality
FROM ${KPI}
WHERE ${TF} AND ${F}
GROUP BY time, prompt
HAVING sum(quality_count) > 0
ORDER BY time`, { unit: 'percentunit' }],
  ['Quality', 'Cost anomaly band (hourly spend vs trailing 7-day mean ± 3σ)', 'timeseries', 12, `
SELECT time, spend_usd, mean_7d, mean_7d + 3 * sd_7d AS upper_band, greatest(mean_7d - 3 * sd_7d, 0) AS lower_band
FROM (
  SELECT hour AS time, cost AS spend_usd,
         avg(cost) OVER w AS mean_7d, stddevPop(cost) OVER w AS sd_7d
  FROM (
    SELECT hour, toFloat64(sum(cost_usd)) AS cost
    FROM ${KPI_H}
    WHERE hour >= toStartOfHour($__fromTime) - INTERVAL 7 DAY AND hour <= $__toTime AND ${F}
    GROUP BY hour
    ORDER BY hour WITH FILL STEP INTERVAL 1 HOUR)
  WINDOW w AS (ORDER BY toUInt32(hour) RANGE BETWEEN 604800 PRECEDING AND 1 PRECEDING))
WHERE time >= toStartOfHour($__fromTime)
ORDER BY time`, { unit: 'currencyUSD', description: 'Hours without calls count as 0 in the band. Per-feature flags: view v_feature_cost_anomaly.' }],
  ['Quality', 'Dual-threshold regression: cost per request up > 20 % AND quality down > 5 % (last 24 h vs 7 days)', 'table', 24, `
SELECT *
FROM ${DB}.v_cost_quality_regression
WHERE feature IN (\${feature:singlequote}) AND model IN (\${model:singlequote})
ORDER BY regression DESC, cost_change_pct DESC`, { description: 'View v_cost_quality_regression: the rule the alert spanhouse-cost-quality-regression evaluates.' }],
  ['Quality', 'Runaway users (last hour vs 10× their 7-day hourly average)', 'table', 12, `
SELECT user_id, tenant_id, last_hour_cost_usd, avg_hourly_cost_usd, ratio, is_runaway
FROM ${DB}.v_user_runaway
WHERE tenant_id IN (\${tenant:singlequote})
ORDER BY is_runaway DESC, last_hour_cost_usd DESC
LIMIT 20`, { description: 'View v_user_runaway.' }],
  ['Quality', 'SLO burn rate by endpoint (page: 2 h ≥ 14, ticket: 6 h ≥ 6)', 'table', 12, `
SELECT *
FROM ${DB}.v_slo_burn_rate
ORDER BY page DESC, ticket DESC`, { description: `View v_slo_burn_rate: availability (${SLO * 100} % succeed) and latency (95 % under 10 s) SLOs.` }],
  ['Quality', 'Completion ratio and prompt bloat (last 24 h vs 7 days)', 'table', 24, `
SELECT *
FROM ${DB}.v_completion_ratio
WHERE feature IN (\${feature:singlequote})
ORDER BY prompt_bloat DESC, input_growth_pct DESC`, { description: 'View v_completion_ratio: output/input tokens, truncations, input growth per call.' }],

  // ------------------------------------------------------------------ Quality from the eval and outcome streams
  // Collapsed at load (its queries join evals to spans; they run when the row is opened).
  // Source: llm_quality_1m, keyed by the SCORED SPAN's minute and dimensions, so a judge or
  // reviewer that scores hours later moves no quality out of the span's hour (docs/evals.md).
  [QROW, 'Eval score by prompt version and model (sample-weighted mean)', 'timeseries', 12, `
SELECT $__timeInterval(minute) AS time,
       concat(prompt_template, '@', prompt_version, ' / ', model, ' / ', metric) AS series,
       sum(score_wsum) / sum(score_weight) AS mean_score
FROM ${QUAL}
WHERE ${TF} AND ${F} AND metric != ''
GROUP BY time, series
HAVING sum(score_weight) > 0
ORDER BY time`, { unit: 'percentunit', description: 'Each eval weighs 1 / sample_rate (a 10 % tier eval stands for 10 calls). Counted in the minute of the span it scores.' }],
  [QROW, 'Quality by prompt version and model: evals, mean, pass rate, p50/p90', 'table', 12, `
SELECT prompt_template, prompt_version, model, metric,
       sum(evals) AS evals,
       round(sum(evals_weighted)) AS calls_represented,
       sum(score_wsum) / nullIf(sum(score_weight), 0) AS mean_score,
       sum(pass_weight) / nullIf(sum(label_weight), 0) AS pass_rate,
       quantilesBFloat16Merge(0.5, 0.9, 0.99)(score_q)[1] AS score_p50,
       quantilesBFloat16Merge(0.5, 0.9, 0.99)(score_q)[2] AS score_p90
FROM ${QUAL}
WHERE ${TF} AND ${F} AND metric != ''
GROUP BY prompt_template, prompt_version, model, metric
ORDER BY prompt_template, metric, mean_score`, { description: 'Same data as view v_quality_trend, over the dashboard range.' }],
  [QROW, 'Cost per successful outcome (last 7 days)', 'table', 12, `
SELECT feature, model, event, outcomes, outcome_value, requests, cost_usd, cost_per_outcome_usd, outcomes_per_request
FROM ${DB}.v_cost_per_outcome
WHERE feature IN (\${feature:singlequote}) AND model IN (\${model:singlequote})
ORDER BY event, cost_per_outcome_usd`, { description: 'View v_cost_per_outcome: all spend of the feature and model divided by the outcomes of each event (e.g. USD per conversion).' }],
  [QROW, 'Outcomes by event', 'timeseries', 12, `
SELECT $__timeInterval(minute) AS time, event, sum(outcomes) AS outcomes
FROM ${QUAL}
WHERE ${TF} AND ${F} AND event != ''
GROUP BY time, event
ORDER BY time`, { unit: 'short', stack: true, description: 'In the minute of the span the outcome belongs to.' }],
  [QROW, 'Evaluation coverage per sampling tier (last 24 h)', 'table', 12, `
SELECT metric, source, expected_coverage, evaluated_spans, spans, coverage, coverage_vs_expected
FROM ${DB}.v_eval_coverage
ORDER BY expected_coverage DESC, metric, source`, { description: 'View v_eval_coverage: share of spans each evaluator scored vs its tier (100 % / 10 % / 1 %). coverage_vs_expected far below 1: the evaluator is lagging or dropping work.' }],
  [QROW, 'Evals and outcomes without a span (orphans) by age', 'table', 12, `
SELECT kind, age_bucket, count() AS orphans, min(timestamp) AS oldest, max(timestamp) AS newest
FROM ${DB}.v_eval_orphans
GROUP BY kind, age_bucket
ORDER BY kind, min(age_s)`, { description: 'View v_eval_orphans: stored and never dropped; they join when their span arrives within the window. expired: past the 7-day join window. Runbook: eval-orphans.' }],
  [QROW, 'Live regression (seed 001): last 15 min vs 7 days per feature, model, experiment and metric', 'table', 24, `
SELECT *
FROM ${DB}.v_dual_regression
WHERE feature IN (\${feature:singlequote}) AND model IN (\${model:singlequote})`, { description: 'View v_dual_regression: page when (cost p50 > 1.5x AND quality < 0.85x) OR (quality < 0.70x AND cost > 1.2x) OR quality < 0.70x; investigate when the cost z-score > 3. Baselines are production traffic only; experiment_id rows are A/B arms against them. The rules spanhouse-cost-quality-regression and spanhouse-cost-zscore read it.' }],
  [QROW, 'Day-over-week review: cost per request up > 20 % AND quality down > 5 % (last 24 h vs 7 days)', 'table', 24, `
SELECT *
FROM ${DB}.v_cost_quality_regression_evals
WHERE feature IN (\${feature:singlequote}) AND model IN (\${model:singlequote})
ORDER BY regression DESC, cost_change_pct DESC`, { description: 'View v_cost_quality_regression_evals: a slower daily review (no alert reads it); quality from the eval stream when both periods have scored evals (quality_source = evals), else from the span quality_score.' }],

  // ------------------------------------------------------------------ Ingestion
  ['Ingestion', 'Spans ingested', 'timeseries', 8, `
SELECT $__timeInterval(minute) AS time, sum(requests) AS spans
FROM ${KPI}
WHERE ${TF} AND ${F}
GROUP BY time
ORDER BY time`, { unit: 'short' }],
  ['Ingestion', 'Freshness: call end to queryable, p50 / p95 / p99 seconds', 'timeseries', 8, `
SELECT $__timeInterval(stored_at) AS time,
       quantile(0.5)(greatest(dateDiff('millisecond', timestamp, stored_at) - latency_ms, 0)) / 1000 AS delay_p50_s,
       quantile(0.95)(greatest(dateDiff('millisecond', timestamp, stored_at) - latency_ms, 0)) / 1000 AS delay_p95_s,
       quantile(0.99)(greatest(dateDiff('millisecond', timestamp, stored_at) - latency_ms, 0)) / 1000 AS delay_p99_s
FROM ${SPANS}
WHERE $__timeFilter(stored_at) AND ${F}
GROUP BY time
ORDER BY time`, { unit: 's', description: 'From the end of each call to the server storing its row (stored_at, the server\'s clock): producer buffering, Kafka, batching and the insert. Seed 001: p95 under 60 s (view v_freshness, alert spanhouse-freshness).' }],
  ['Ingestion', 'Dead letters (last 24 h) by reason', 'table', 8, `
SELECT kind, reason, field, messages, first_seen, last_seen, last_payload_sample
FROM ${DB}.v_dead_letters
ORDER BY messages DESC`, { description: 'View v_dead_letters. Runbook: dlq-spike.' }],

  // ------------------------------------------------------------------ Workers (Prometheus)
  // The workers' own /metrics (docs/operations.md, "Metrics"), scraped by Prometheus as job
  // spanhouse; the same series the worker alerts read (ops/prometheus/spanhouse-rules.yaml).
  ['Workers', 'Records consumed and rows stored per second', 'timeseries', 8, null, { unit: 'short', prom: [
    ['sum(rate(spanhouse_consumed_total[5m]))', 'consumed'],
    ['sum(rate(spanhouse_inserted_rows_total[5m]))', 'stored'],
    ['sum by (reason) (rate(spanhouse_rejected_total[5m]))', 'dead-lettered: {{reason}}'],
  ] }],
  ['Workers', 'Consumer lag by topic (records)', 'timeseries', 8, null, { unit: 'short', prom: [
    ['sum by (topic) (spanhouse_consumer_lag)', '{{topic}}'],
  ], description: 'High watermark minus the committed offset. Runbook: consumer-lag.' }],
  ['Workers', 'Insert p99 seconds, retries per second, paused partitions', 'timeseries', 8, null, { prom: [
    ['histogram_quantile(0.99, sum by (le) (rate(spanhouse_insert_seconds_bucket[5m])))', 'insert p99 (s)'],
    ['sum(rate(spanhouse_insert_retries_total[5m]))', 'retries/s'],
    ['sum(spanhouse_paused_partitions)', 'paused partitions'],
  ], description: 'Runbook: clickhouse-down.' }],
  ['Workers', 'Workers up', 'stat', 4, null, { prom: [['sum(up{job="spanhouse"})', 'up']], description: 'Runbook: worker-down.' }],
  ['Workers', 'Unpriced spans per second by model', 'timeseries', 8, null, { unit: 'short', prom: [
    ['sum by (provider, model) (rate(spanhouse_unpriced_spans_total[5m]))', '{{provider}}/{{model}}'],
  ], description: 'Runbook: unpriced-models.' }],
];

// ---------------------------------------------------------------------------------------------
const fmtTable = 1, fmtSeries = 0;
let id = 1, y = 0, x = 0, rowY = 0;
const out = [];
let current = null, rowObj = null;
const tidy = (s) => s.trim().replace(/\n\s*\n/g, '\n');
for (const [row, title, type, w, sql, extra] of panels) {
  if (row !== current) {
    if (x) { y += 8; x = 0; }
    // A collapsed row holds its panels (Grafana's model); an open row is followed by them.
    rowObj = { id: id++, type: 'row', title: row, collapsed: COLLAPSED.has(row), gridPos: { h: 1, w: 24, x: 0, y }, panels: [] };
    out.push(rowObj);
    current = row; y += 1; rowY = y;
  }
  if (x + w > 24) { x = 0; y += 8; }
  const isSeries = type === 'timeseries';
  const p = {
    id: id++, type, title, datasource: extra.prom ? PROM : DS,
    gridPos: { h: type === 'stat' ? 4 : 8, w, x, y },
    targets: extra.prom
      ? extra.prom.map(([expr, legendFormat], i) => ({ refId: String.fromCharCode(65 + i), datasource: PROM, expr, legendFormat }))
      : [{
        refId: 'A', datasource: DS, editorType: 'sql', queryType: isSeries ? 'timeSeries' : 'table',
        format: isSeries ? fmtSeries : fmtTable, rawSql: tidy(sql),
      }],
    fieldConfig: { defaults: { unit: extra.unit || 'none', ...(extra.decimals ? { decimals: extra.decimals } : {}) }, overrides: [] },
    options: {},
  };
  if (extra.description) p.description = extra.description;
  if (isSeries) p.fieldConfig.defaults.custom = { stacking: { mode: extra.stack ? 'normal' : 'none' }, fillOpacity: extra.stack ? 30 : 0 };
  if (type === 'stat') p.options = { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'none' };
  if (type === 'bargauge') p.options = { reduceOptions: { calcs: [], fields: '', values: true }, orientation: 'horizontal', displayMode: 'gradient' };
  (rowObj.collapsed ? rowObj.panels : out).push(p);
  x += w;
  if (type === 'stat' && x >= 24) { x = 0; y += 4; }
}

const dashboard = {
  // For Grafana's import dialog (Dashboards > New > Import): the data sources to use.
  __inputs: [
    { name: 'DS_CLICKHOUSE', label: 'ClickHouse', description: 'the ClickHouse holding the spanhouse database', type: 'datasource', pluginId: 'grafana-clickhouse-datasource', pluginName: 'ClickHouse' },
    { name: 'DS_PROMETHEUS', label: 'Prometheus', description: 'the Prometheus scraping the workers (job spanhouse)', type: 'datasource', pluginId: 'prometheus', pluginName: 'Prometheus' },
  ],
  __requires: [
    { type: 'grafana', id: 'grafana', name: 'Grafana', version: '10.0.0' },
    { type: 'datasource', id: 'grafana-clickhouse-datasource', name: 'ClickHouse', version: '4.0.0' },
    { type: 'datasource', id: 'prometheus', name: 'Prometheus', version: '1.0.0' },
  ],
  uid: 'spanhouse-llm',
  title: 'spanhouse — LLM cost, latency, quality',
  description: 'Spend, latency and quality of LLM calls ingested by spanhouse. Rows: Cost, Latency, Quality, Quality: evals and outcomes (collapsed), Ingestion, Workers (Prometheus). SQL in ops/grafana/build_dashboard.mjs.',
  tags: ['spanhouse', 'llm', 'finops'],
  timezone: 'utc',
  editable: true,
  graphTooltip: 1,
  schemaVersion: 39,
  version: 1,
  refresh: '1m',
  time: { from: 'now-6h', to: 'now' },
  templating: { list: variables },
  annotations: {
    list: [{
      name: 'Deploys', enable: true, iconColor: 'purple', datasource: DS,
      target: {
        refId: 'Anno', datasource: DS, editorType: 'sql', queryType: 'table', format: 1,
        rawSql: `SELECT first_seen AS time, concat(service, ' ', deploy_version) AS text, 'deploy' AS tags
FROM ${DB}.v_deploys
WHERE $__timeFilter(first_seen)
ORDER BY time`,
      },
    }],
  },
  links: [{ title: 'Runbook', type: 'link', url: 'https://github.com/spanhouse/spanhouse/blob/main/docs/runbook.md', targetBlank: true }],
  panels: out,
};

const dest = path.join(here, 'dashboards', 'spanhouse.json');
const text = JSON.stringify(dashboard, null, 2) + '\n';
if (process.argv.includes('--check')) {
  const cur = fs.existsSync(dest) ? fs.readFileSync(dest, 'utf8') : '';
  if (cur !== text) { console.error(`${dest} is stale: run node ops/grafana/build_dashboard.mjs`); process.exit(1); }
  console.log('dashboard JSON is up to date');
} else {
  fs.writeFileSync(dest, text);
  console.log(`wrote ${dest} (${out.length} panels)`);
}
