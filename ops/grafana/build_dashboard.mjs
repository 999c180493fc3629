// build_dashboard: writes ops/grafana/dashboards/spanhouse.json from the panel list below, so the
// SQL of every panel lives in one readable place. Run `node ops/grafana/build_dashboard.mjs`
// after editing and commit both files; tests/integration/t_dashboard_sql.sh runs every panel's
// SQL (macros expanded) on the embedded ClickHouse engine, and t_compose.sh checks that the
// committed JSON is what this script produces. No dependencies beyond Node 20.
//
// SQL conventions: the official grafana-clickhouse-datasource macros ($__timeFilter(col),
// $__timeInterval(col), $__fromTime, $__toTime, $__interval_s) and Grafana's variable formats
// (${tenant:singlequote}); table names are qualified with the database (spanhouse).
import fs from 'node:fs';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
const DS = { type: 'grafana-clickhouse-datasource', uid: 'spanhouse-clickhouse' };
const DB = 'spanhouse';

// Dashboard filters, applied to every query on spans or aggregates.
const F = `tenant_id IN (\${tenant:singlequote}) AND team_id IN (\${team:singlequote})
  AND feature IN (\${feature:singlequote}) AND model IN (\${model:singlequote})`;
// Success SLO target used by the SLO burn panels and alerts (99.5 % of calls succeed).
const SLO = 0.995;

const variables = [
  ['tenant', 'Tenant', 'tenant_id', ''],
  ['team', 'Team', 'team_id', `tenant_id IN (\${tenant:singlequote})`],
  ['feature', 'Feature', 'feature', `tenant_id IN (\${tenant:singlequote}) AND team_id IN (\${team:singlequote})`],
  ['model', 'Model', 'model', `tenant_id IN (\${tenant:singlequote}) AND feature IN (\${feature:singlequote})`],
].map(([name, label, col, where]) => ({
  name, label, type: 'query', datasource: DS, refresh: 2, includeAll: true, multi: true,
  current: { selected: true, text: ['All'], value: ['$__all'] }, sort: 1,
  definition: `distinct ${col}`,
  query: `SELECT DISTINCT ${col} FROM ${DB}.llm_spans
WHERE $__timeFilter(timestamp)${where ? ` AND ${where}` : ''}
ORDER BY ${col}`,
}));

// Panels: [row, title, type, width, sql, extra]. type: stat | timeseries | table | barchart | bargauge.
const panels = [
  // ------------------------------------------------------------------ Cost
  ['Cost', 'Spend today (USD)', 'stat', 4, `
SELECT sum(cost_usd) AS spend_today
FROM ${DB}.llm_spans
WHERE timestamp >= toStartOfDay(now()) AND ${F}`, { unit: 'currencyUSD' }],
  ['Cost', 'Spend month-to-date (USD)', 'stat', 4, `
SELECT sum(cost_usd) AS spend_mtd
FROM ${DB}.llm_spans
WHERE timestamp >= toStartOfMonth(now()) AND ${F}`, { unit: 'currencyUSD' }],
  ['Cost', 'Projected month-end spend (burn rate)', 'stat', 4, `
SELECT sum(cost_usd) * toDayOfMonth(toLastDayOfMonth(now()))
       / greatest(dateDiff('second', toStartOfMonth(now()), now()) / 86400, 1 / 24) AS projected_month_usd
FROM ${DB}.llm_spans
WHERE timestamp >= toStartOfMonth(now()) AND ${F}`, { unit: 'currencyUSD' }],
  ['Cost', 'Cost per successful response (USD)', 'stat', 4, `
SELECT sum(cost_usd) / greatest(countIf(status = 'ok'), 1) AS usd_per_success
FROM ${DB}.llm_spans
WHERE $__timeFilter(timestamp) AND ${F}`, { unit: 'currencyUSD', decimals: 5 }],
  ['Cost', 'Cache savings (USD, prompt cache + response cache)', 'stat', 8, `
SELECT sum(toFloat64(cache_read_tokens) * 0.9 * toFloat64(cost_usd) / greatest(input_tokens + output_tokens, 1))
     + sumIf(toFloat64(cost_usd_computed), cache_hit = 1) AS saved_usd
FROM ${DB}.llm_spans
WHERE $__timeFilter(timestamp) AND ${F}`, { unit: 'currencyUSD',
    description: 'Prompt-cache savings are estimated at 90 % of the per-token price of the cached input tokens; response-cache hits count the computed price of the call they replaced.' }],
  ['Cost', 'Spend by team', 'timeseries', 12, `
SELECT $__timeInterval(timestamp) AS time, team_id, sum(cost_usd) AS spend_usd
FROM ${DB}.llm_spans
WHERE $__timeFilter(timestamp) AND ${F}
GROUP BY time, team_id
ORDER BY time`, { unit: 'currencyUSD', stack: true }],
  ['Cost', 'Token mix (input / output / cache read / cache write / reasoning)', 'timeseries', 12, `
SELECT $__timeInterval(timestamp) AS time,
       sum(input_tokens - cache_read_tokens - cache_write_tokens) AS uncached_input,
       sum(cache_read_tokens) AS cache_read,
       sum(cache_write_tokens) AS cache_write,
       sum(output_tokens - reasoning_tokens) AS output,
       sum(reasoning_tokens) AS reasoning
FROM ${DB}.llm_spans
WHERE $__timeFilter(timestamp) AND ${F}
GROUP BY time
ORDER BY time`, { unit: 'short', stack: true }],
  ['Cost', 'Top features by cost', 'bargauge', 6, `
SELECT feature, sum(cost_usd) AS spend_usd
FROM ${DB}.llm_spans
WHERE $__timeFilter(timestamp) AND ${F}
GROUP BY feature
ORDER BY spend_usd DESC
LIMIT 10`, { unit: 'currencyUSD' }],
  ['Cost', 'Top models by cost', 'bargauge', 6, `
SELECT model, sum(cost_usd) AS spend_usd
FROM ${DB}.llm_spans
WHERE $__timeFilter(timestamp) AND ${F}
GROUP BY model
ORDER BY spend_usd DESC
LIMIT 10`, { unit: 'currencyUSD' }],
  ['Cost', 'Top teams by cost', 'bargauge', 6, `
SELECT team_id, sum(cost_usd) AS spend_usd
FROM ${DB}.llm_spans
WHERE $__timeFilter(timestamp) AND ${F}
GROUP BY team_id
ORDER BY spend_usd DESC
LIMIT 10`, { unit: 'currencyUSD' }],
  ['Cost', 'Top users by cost', 'table', 6, `
SELECT user_id, tenant_id, count() AS requests, sum(cost_usd) AS spend_usd
FROM ${DB}.llm_spans
WHERE $__timeFilter(timestamp) AND ${F}
GROUP BY user_id, tenant_id
ORDER BY spend_usd DESC
LIMIT 20`, {}],
  ['Cost', 'Model comparison per feature', 'table', 24, `
SELECT feature, model,
       count() AS requests,
       sum(cost_usd) AS spend_usd,
       sum(cost_usd) / count() AS usd_per_request,
       sum(cost_usd) / greatest(countIf(status = 'ok'), 1) AS usd_per_success,
       quantile(0.95)(latency_ms) AS p95_latency_ms,
       avg(quality_score) AS avg_quality,
       countIf(status != 'ok') / count() AS error_rate
FROM ${DB}.llm_spans
WHERE $__timeFilter(timestamp) AND ${F}
GROUP BY feature, model
ORDER BY feature, usd_per_success`, {}],

  // ------------------------------------------------------------------ Latency
  ['Latency', 'Latency p50 / p95 / p99 by endpoint (ms)', 'timeseries', 12, `
SELECT $__timeInterval(timestamp) AS time, endpoint,
       quantile(0.5)(latency_ms) AS p50, quantile(0.95)(latency_ms) AS p95, quantile(0.99)(latency_ms) AS p99
FROM ${DB}.llm_spans
WHERE $__timeFilter(timestamp) AND ${F}
GROUP BY time, endpoint
ORDER BY time`, { unit: 'ms' }],
  ['Latency', 'Latency and TTFT by model (ms)', 'table', 12, `
SELECT model,
       quantile(0.5)(latency_ms) AS latency_p50, quantile(0.95)(latency_ms) AS latency_p95,
       quantile(0.99)(latency_ms) AS latency_p99,
       quantileIf(0.5)(ttft_ms, streaming = 1) AS ttft_p50, quantileIf(0.95)(ttft_ms, streaming = 1) AS ttft_p95,
       quantileIf(0.99)(ttft_ms, streaming = 1) AS ttft_p99
FROM ${DB}.llm_spans
WHERE $__timeFilter(timestamp) AND ${F}
GROUP BY model
ORDER BY latency_p95 DESC`, {}],
  ['Latency', 'Slowest requests (top 10)', 'table', 24, `
SELECT timestamp, trace_id, tenant_id, feature, endpoint, model, latency_ms, ttft_ms,
       input_tokens, output_tokens, status, cost_usd
FROM ${DB}.llm_spans
WHERE $__timeFilter(timestamp) AND ${F}
ORDER BY latency_ms DESC
LIMIT 10`, {}],
  ['Latency', 'Error rate and retry rate by provider', 'timeseries', 12, `
SELECT $__timeInterval(timestamp) AS time, provider,
       countIf(status != 'ok') / count() AS error_rate,
       sum(retry_count) / count() AS retries_per_request
FROM ${DB}.llm_spans
WHERE $__timeFilter(timestamp) AND ${F}
GROUP BY time, provider
ORDER BY time`, { unit: 'percentunit' }],
  ['Latency', 'Cost of errors by error class', 'table', 12, `
SELECT provider, error_class, count() AS failed_requests, sum(cost_usd) AS spend_usd,
       sum(retry_count) AS retries
FROM ${DB}.llm_spans
WHERE $__timeFilter(timestamp) AND ${F} AND status != 'ok'
GROUP BY provider, error_class
ORDER BY spend_usd DESC`, {}],

  // ------------------------------------------------------------------ Quality
  ['Quality', 'Quality score by prompt version', 'timeseries', 12, `
SELECT $__timeInterval(timestamp) AS time, concat(prompt_template, '@', prompt_version) AS prompt,
       avg(quality_score) AS quality
FROM ${DB}.llm_spans
WHERE $__timeFilter(timestamp) AND ${F} AND quality_score IS NOT NULL
GROUP BY time, prompt
ORDER BY time`, { unit: 'percentunit' }],
  ['Quality', 'Cost anomaly band (hourly spend vs trailing 7-day mean ± 3σ)', 'timeseries', 12, `
SELECT time, cost_usd, mean_7d, mean_7d + 3 * sd_7d AS upper_band, greatest(mean_7d - 3 * sd_7d, 0) AS lower_band
FROM (
  SELECT hour AS time, cost AS cost_usd,
         avg(cost) OVER w AS mean_7d, stddevPop(cost) OVER w AS sd_7d
  FROM (
    SELECT toStartOfHour(timestamp) AS hour, toFloat64(sum(cost_usd)) AS cost
    FROM ${DB}.llm_spans
    WHERE timestamp >= $__fromTime - INTERVAL 7 DAY AND timestamp <= $__toTime AND ${F}
    GROUP BY hour)
  WINDOW w AS (ORDER BY toUInt32(hour) RANGE BETWEEN 604800 PRECEDING AND 1 PRECEDING))
WHERE time >= toStartOfHour($__fromTime)
ORDER BY time`, { unit: 'currencyUSD' }],
  ['Quality', 'Dual-threshold regression (cost up AND quality down vs 7-day baseline)', 'table', 24, `
SELECT feature, model, prompt_version,
       sumIf(cost_usd, timestamp >= now() - INTERVAL 1 DAY) / greatest(countIf(timestamp >= now() - INTERVAL 1 DAY), 1) AS usd_per_request_24h,
       sumIf(cost_usd, timestamp < now() - INTERVAL 1 DAY) / greatest(countIf(timestamp < now() - INTERVAL 1 DAY), 1) AS usd_per_request_7d,
       avgIf(quality_score, timestamp >= now() - INTERVAL 1 DAY) AS quality_24h,
       avgIf(quality_score, timestamp < now() - INTERVAL 1 DAY) AS quality_7d,
       usd_per_request_24h / nullIf(usd_per_request_7d, 0) - 1 AS cost_change,
       quality_24h / nullIf(quality_7d, 0) - 1 AS quality_change,
       cost_change > 0.10 AND quality_change < -0.05 AS regression
FROM ${DB}.llm_spans
WHERE timestamp >= now() - INTERVAL 8 DAY AND ${F}
GROUP BY feature, model, prompt_version
HAVING countIf(timestamp >= now() - INTERVAL 1 DAY) > 0
ORDER BY regression DESC, cost_change DESC`, {}],
  ['Quality', 'Runaway users (last hour vs 10× their 7-day hourly average)', 'table', 12, `
SELECT user_id, tenant_id,
       sumIf(cost_usd, timestamp >= now() - INTERVAL 1 HOUR) AS cost_last_hour,
       sumIf(cost_usd, timestamp < now() - INTERVAL 1 HOUR) / (7 * 24) AS avg_hourly_7d,
       cost_last_hour / greatest(avg_hourly_7d, 0.000001) AS ratio
FROM ${DB}.llm_spans
WHERE timestamp >= now() - INTERVAL 7 DAY - INTERVAL 1 HOUR AND ${F}
GROUP BY user_id, tenant_id
HAVING cost_last_hour > 0
ORDER BY ratio DESC
LIMIT 20`, {}],
  ['Quality', `SLO burn rate (success SLO ${SLO * 100} %; fast 1 h > 14.4, slow 6 h > 6)`, 'table', 12, `
SELECT endpoint,
       countIf(status != 'ok' AND timestamp >= now() - INTERVAL 1 HOUR) / greatest(countIf(timestamp >= now() - INTERVAL 1 HOUR), 1) / ${(1 - SLO).toFixed(3)} AS burn_1h,
       countIf(status != 'ok') / greatest(count(), 1) / ${(1 - SLO).toFixed(3)} AS burn_6h,
       burn_1h > 14.4 AS fast_burn,
       burn_6h > 6 AS slow_burn
FROM ${DB}.llm_spans
WHERE timestamp >= now() - INTERVAL 6 HOUR AND ${F}
GROUP BY endpoint
ORDER BY burn_1h DESC`, {}],
];

// ---------------------------------------------------------------------------------------------
const fmtTable = 1, fmtSeries = 0;
let id = 1, y = 0, x = 0, rowY = 0;
const out = [];
let current = null;
const tidy = (s) => s.trim().replace(/\n\s*\n/g, '\n');
for (const [row, title, type, w, sql, extra] of panels) {
  if (row !== current) {
    if (x) { y += 8; x = 0; }
    out.push({ id: id++, type: 'row', title: row, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
    current = row; y += 1; rowY = y;
  }
  if (x + w > 24) { x = 0; y += 8; }
  const isSeries = type === 'timeseries';
  const p = {
    id: id++, type, title, datasource: DS,
    gridPos: { h: type === 'stat' ? 4 : 8, w, x, y },
    targets: [{
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
  out.push(p);
  x += w;
  if (type === 'stat' && x >= 24) { x = 0; y += 4; }
}

const dashboard = {
  uid: 'spanhouse-llm',
  title: 'spanhouse — LLM cost, latency, quality',
  description: 'Spend, latency and quality of LLM calls ingested by spanhouse. Rows: Cost, Latency, Quality. SQL in ops/grafana/build_dashboard.mjs.',
  tags: ['spanhouse', 'llm', 'finops'],
  timezone: 'utc',
  editable: true,
  graphTooltip: 1,
  schemaVersion: 39,
  version: 1,
  refresh: '1m',
  time: { from: 'now-6h', to: 'now' },
  templating: { list: variables },
  annotations: { list: [] },
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
