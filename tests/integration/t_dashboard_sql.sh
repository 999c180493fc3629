#!/usr/bin/env bash
# Every Grafana query spanhouse ships — the dashboard's template variables and panels and the SQL
# alert rules — runs on the embedded ClickHouse engine (libchdb) with the Grafana ClickHouse
# data source macros expanded, against demo data with planted signals, and returns rows
# (tests/tools/panel_sql), and so do the runbook's first-response queries. Then the alert
# queries must single out exactly the planted signals: the cost spike (acme/agent) and the
# runaway user, the prompt-v2 regression of 'summarize', the error burst on /v1/search, the
# model billed 1.5x its computed cost; and the
# checker itself must fail on a bad macro, an unknown variable, bad SQL or no rows. A second
# pass loads the load generator's spans through the worker's own decode/validate/enrich/
# RowBinary/embedded-sink path and runs every query again.
source "$(dirname "$0")/lib/prelude.sh"
work_dir dashboardsql; tmp=$D

nm=$(bash scripts/install-node-tools.sh)
bash scripts/install-chdb.sh >/dev/null
make --no-print-directory -s build/tests/tools/panel_sql >"$tmp/make.log" 2>&1 || { cat "$tmp/make.log"; exit 1; }
tool=build/tests/tools/panel_sql

node tests/tools/extract_sql.mjs --node-modules "$nm" >"$tmp/queries.sql"
n=$(grep -c '^-- @@' "$tmp/queries.sql")
[ "$n" -ge 25 ] || { echo "only $n queries extracted"; exit 1; }
# The pricing and tenant tables, loaded as ops/clickhouse/load-reference-data.sh loads them
# (same structures and columns; file() here where the script streams into input()).
: >"$tmp/reference.sql"
if compgen -G 'schema/*.sql' >/dev/null; then
  while IFS=$'\t' read -r table csv structure cols; do
    grep -v '^#' "$csv" | grep -v '^[[:space:]]*$' >"$tmp/$(basename "$csv")"
    echo "INSERT INTO $table ($cols) SELECT $cols FROM file('$tmp/$(basename "$csv")', CSVWithNames, '$structure') SETTINGS input_format_skip_unknown_fields = 1, input_format_csv_empty_as_default = 1" >>"$tmp/reference.sql"
    printf -- '-- @@panel reference %s\nSELECT count() AS loaded FROM %s HAVING loaded > 0\n' "$table" "$table" >>"$tmp/queries.sql"
  done < <(bash ops/clickhouse/load-reference-data.sh --print-sql)
fi
# Value checks: every panel with its own SQL over the aggregates (llm_kpi_1m/1h: Cost, Latency,
# the anomaly band, the span-quality series, spans ingested; llm_quality_1m: the eval and
# outcome panels) recomputed from the raw tables (not the aggregate tables
# the panel reads), with the same filters and time range expanded by the same tool; compared
# after the run below.
RAW='(SELECT toStartOfMinute(timestamp) AS minute, * FROM ${database}.llm_spans)'
# Evaluations and outcomes with the dimensions of the span they score, joined here from the raw
# tables as llm_quality_1m's views join them (by span, or a whole-trace record to the trace's
# earliest span; the record within [span - 1 hour, span + 7 days]).
QSPANS='(SELECT trace_id, span_id, timestamp, tenant_id, team_id, feature, model, prompt_template, prompt_version FROM ${database}.llm_spans UNION ALL SELECT trace_id, '"''"' AS span_id, min(timestamp), argMin(tenant_id, timestamp), argMin(team_id, timestamp), argMin(feature, timestamp), argMin(model, timestamp), argMin(prompt_template, timestamp), argMin(prompt_version, timestamp) FROM ${database}.llm_spans GROUP BY trace_id)'
QJOIN() { echo "(SELECT toStartOfMinute(s.timestamp) AS minute, s.tenant_id AS tenant_id, s.team_id AS team_id, s.feature AS feature, s.model AS model, s.prompt_template AS prompt_template, s.prompt_version AS prompt_version, r.* EXCEPT (trace_id, span_id, timestamp) FROM \${database}.$1 AS r INNER JOIN $QSPANS AS s ON r.trace_id = s.trace_id AND r.span_id = s.span_id WHERE r.timestamp >= s.timestamp - INTERVAL 1 HOUR AND r.timestamp <= s.timestamp + INTERVAL 7 DAY)"; }
QRAW_E=$(QJOIN llm_evals)
QRAW_O=$(QJOIN llm_outcomes)
RF='tenant_id IN (${tenant:singlequote}) AND team_id IN (${team:singlequote}) AND feature IN (${feature:singlequote}) AND model IN (${model:singlequote})'
cat >> "$tmp/queries.sql" <<SQL
-- @@panel value Spend today (USD)
SELECT sum(cost_usd) AS spend_today FROM $RAW WHERE timestamp >= toStartOfDay(now()) AND $RF
-- @@panel value Spend month-to-date (USD)
SELECT sum(cost_usd) AS spend_mtd FROM $RAW WHERE timestamp >= toStartOfMonth(now()) AND $RF
-- @@panel value Projected month-end spend (linear burn rate)
SELECT toFloat64(sum(cost_usd)) * toDayOfMonth(toLastDayOfMonth(now()))
       / greatest(dateDiff('second', toStartOfMonth(now())::DateTime, now()) / 86400, 1 / 24) AS projected_month_usd
FROM $RAW WHERE timestamp >= toStartOfMonth(now()) AND $RF
-- @@panel value Cost per successful response (USD)
SELECT toFloat64(sum(cost_usd)) / greatest(count() - countIf(status != 'ok'), 1) AS usd_per_success FROM $RAW WHERE \$__timeFilter(minute) AND $RF
-- @@panel value Response cache hit rate
SELECT countIf(cache_hit = 1) / greatest(count(), 1) AS cache_hit_rate FROM $RAW WHERE \$__timeFilter(minute) AND $RF
-- @@panel value Prompt-cache share of input tokens
SELECT sum(cache_read_tokens) / greatest(sum(input_tokens), 1) AS cached_input_share FROM $RAW WHERE \$__timeFilter(minute) AND $RF
-- @@panel value Top features by cost
SELECT feature, sum(cost_usd) AS spend_usd FROM $RAW WHERE \$__timeFilter(minute) AND $RF GROUP BY feature ORDER BY spend_usd DESC LIMIT 10
-- @@panel value Top models by cost
SELECT model, sum(cost_usd) AS spend_usd FROM $RAW WHERE \$__timeFilter(minute) AND $RF GROUP BY model ORDER BY spend_usd DESC LIMIT 10
-- @@panel value Spend by team
SELECT \$__timeInterval(minute) AS time, team_id, sum(cost_usd) AS spend_usd FROM $RAW WHERE \$__timeFilter(minute) AND $RF GROUP BY time, team_id ORDER BY time
-- @@panel value Token mix (uncached input / cache read / cache write / output / reasoning)
SELECT \$__timeInterval(minute) AS time, sum(input_tokens) - sum(cache_read_tokens) - sum(cache_write_tokens) AS uncached_input,
       sum(cache_read_tokens) AS cache_read, sum(cache_write_tokens) AS cache_write,
       sum(output_tokens) - sum(reasoning_tokens) AS output, sum(reasoning_tokens) AS reasoning
FROM $RAW WHERE \$__timeFilter(minute) AND $RF GROUP BY time ORDER BY time
-- @@panel value Latency p50 / p95 / p99 by endpoint (ms)
SELECT \$__timeInterval(minute) AS time, endpoint, quantilesBFloat16(0.5, 0.95, 0.99)(latency_ms)[1] AS latency_p50,
       quantilesBFloat16(0.5, 0.95, 0.99)(latency_ms)[2] AS latency_p95, quantilesBFloat16(0.5, 0.95, 0.99)(latency_ms)[3] AS latency_p99
FROM $RAW WHERE \$__timeFilter(minute) AND $RF GROUP BY time, endpoint ORDER BY time
-- @@panel value Latency and time to first token by model (ms)
SELECT model, count() AS calls, quantilesBFloat16(0.5, 0.95, 0.99)(latency_ms)[1] AS latency_p50,
       quantilesBFloat16(0.5, 0.95, 0.99)(latency_ms)[2] AS latency_p95, quantilesBFloat16(0.5, 0.95, 0.99)(latency_ms)[3] AS latency_p99,
       quantilesBFloat16If(0.5, 0.95, 0.99)(assumeNotNull(ttft_ms), ttft_ms IS NOT NULL)[1] AS ttft_p50,
       quantilesBFloat16If(0.5, 0.95, 0.99)(assumeNotNull(ttft_ms), ttft_ms IS NOT NULL)[2] AS ttft_p95,
       quantilesBFloat16If(0.5, 0.95, 0.99)(assumeNotNull(ttft_ms), ttft_ms IS NOT NULL)[3] AS ttft_p99
FROM $RAW WHERE \$__timeFilter(minute) AND $RF GROUP BY model ORDER BY latency_p95 DESC
-- @@panel value Error rate and retry rate by provider
SELECT \$__timeInterval(minute) AS time, provider, countIf(status != 'ok') / count() AS error_rate, countIf(retry_count > 0) / count() AS retry_rate
FROM $RAW WHERE \$__timeFilter(minute) AND $RF GROUP BY time, provider ORDER BY time
-- @@panel value Cost of failed calls by error class
SELECT provider, if(error_class = '', 'unknown', toString(error_class)) AS class, count() AS calls, sum(toDecimal128(cost_usd, 9)) AS spend_usd
FROM $RAW WHERE \$__timeFilter(minute) AND $RF AND status != 'ok' GROUP BY provider, class ORDER BY spend_usd DESC
-- @@panel value Spend by endpoint
SELECT endpoint, sum(cost_usd) AS spend_usd FROM $RAW WHERE \$__timeFilter(minute) AND $RF GROUP BY endpoint ORDER BY spend_usd DESC LIMIT 10
-- @@panel value Cache hit rate by feature
SELECT feature, count() AS calls, countIf(cache_hit = 1) / count() AS response_cache_hit_rate,
       sum(cache_read_tokens) / greatest(sum(input_tokens), 1) AS prompt_cache_share,
       sumIf(toDecimal128(cost_usd, 9), cache_hit = 0) AS uncached_spend_usd
FROM $RAW WHERE \$__timeFilter(minute) AND $RF GROUP BY feature ORDER BY calls DESC
-- @@panel value Quality score by prompt version
SELECT \$__timeInterval(minute) AS time, concat(prompt_template, '@', prompt_version) AS prompt,
       sum(toFloat64(ifNull(quality_score, 0))) / countIf(quality_score IS NOT NULL) AS quality
FROM $RAW WHERE \$__timeFilter(minute) AND $RF GROUP BY time, prompt HAVING countIf(quality_score IS NOT NULL) > 0 ORDER BY time
-- @@panel value Spans ingested
SELECT \$__timeInterval(minute) AS time, count() AS spans FROM $RAW WHERE \$__timeFilter(minute) AND $RF GROUP BY time ORDER BY time
-- @@panel value Model comparison per feature
SELECT feature, model, count() AS calls, sum(cost_usd) AS spend_usd, toFloat64(spend_usd) / calls AS usd_per_request,
       toFloat64(spend_usd) / greatest(calls - countIf(status != 'ok'), 1) AS usd_per_success,
       sum(input_tokens) / calls AS input_tokens_per_call, sum(output_tokens) / calls AS output_tokens_per_call,
       quantilesBFloat16(0.5, 0.95, 0.99)(latency_ms)[2] AS latency_p95_ms,
       sum(toFloat64(ifNull(quality_score, 0))) / nullIf(countIf(quality_score IS NOT NULL), 0) AS avg_quality,
       countIf(status != 'ok') / calls AS error_rate
FROM $RAW WHERE \$__timeFilter(minute) AND $RF GROUP BY feature, model ORDER BY feature, usd_per_success
-- @@panel value Cost anomaly band (hourly spend vs trailing 7-day mean ± 3σ)
SELECT time, spend_usd, mean_7d, mean_7d + 3 * sd_7d AS upper_band, greatest(mean_7d - 3 * sd_7d, 0) AS lower_band
FROM (SELECT hour AS time, cost AS spend_usd, avg(cost) OVER w AS mean_7d, stddevPop(cost) OVER w AS sd_7d
      FROM (SELECT toStartOfHour(timestamp) AS hour, toFloat64(sum(cost_usd)) AS cost FROM $RAW
            WHERE hour >= toStartOfHour(\$__fromTime) - INTERVAL 7 DAY AND hour <= \$__toTime AND $RF
            GROUP BY hour ORDER BY hour WITH FILL STEP INTERVAL 1 HOUR)
      WINDOW w AS (ORDER BY toUInt32(hour) RANGE BETWEEN 604800 PRECEDING AND 1 PRECEDING))
WHERE time >= toStartOfHour(\$__fromTime) ORDER BY time
-- @@panel value Outcomes by event
SELECT \$__timeInterval(minute) AS time, event, count() AS outcomes FROM $QRAW_O
WHERE \$__timeFilter(minute) AND $RF AND event != '' GROUP BY time, event ORDER BY time
-- @@panel value Eval score by prompt version and model (sample-weighted mean)
SELECT \$__timeInterval(minute) AS time, concat(prompt_template, '@', prompt_version, ' / ', model, ' / ', metric) AS series,
       sum(ifNull(score, 0) / sample_rate) / sumIf(1 / sample_rate, score IS NOT NULL) AS mean_score
FROM $QRAW_E WHERE \$__timeFilter(minute) AND $RF AND metric != '' GROUP BY time, series
HAVING sumIf(1 / sample_rate, score IS NOT NULL) > 0 ORDER BY time
-- @@panel value Quality by prompt version and model: evals, mean, pass rate, p50/p90
SELECT prompt_template, prompt_version, model, metric, count() AS evals, round(sum(1 / sample_rate)) AS calls_represented,
       sum(ifNull(score, 0) / sample_rate) / nullIf(sumIf(1 / sample_rate, score IS NOT NULL), 0) AS mean_score,
       sumIf(1 / sample_rate, lower(label) IN ('pass', 'passed', 'true', 'yes', 'relevant', 'correct', 'good', 'grounded', 'thumbs_up', 'positive', '1'))
         / nullIf(sumIf(1 / sample_rate, label != ''), 0) AS pass_rate,
       quantilesBFloat16(0.5, 0.9, 0.99)(score)[1] AS score_p50, quantilesBFloat16(0.5, 0.9, 0.99)(score)[2] AS score_p90
FROM $QRAW_E WHERE \$__timeFilter(minute) AND $RF AND metric != ''
GROUP BY prompt_template, prompt_version, model, metric ORDER BY prompt_template, metric, mean_score
-- @@panel value Top teams by cost
SELECT team_id, sum(cost_usd) AS spend_usd FROM $RAW WHERE \$__timeFilter(minute) AND $RF GROUP BY team_id ORDER BY spend_usd DESC LIMIT 10
SQL
"$tool" --queries "$tmp/queries.sql" --exec "$tmp/reference.sql" --out "$tmp/out" | tee "$tmp/run.log"
# With the real schema in the tree nothing may be skipped (skips exist only for the minimal
# stand-in schema used before schema/ landed).
if compgen -G 'schema/*.sql' >/dev/null && ! grep -q ', 0 skipped$' "$tmp/run.log"; then echo "queries skipped with schema/ present"; exit 1; fi

# label columns of the rows whose value passes a threshold (TSVWithNamesAndTypes output)
passing() {  # passing FILE above|below THRESHOLD -> the label columns of rows with value > / < it
  awk -F'\t' -v t="$3" -v op="$2" 'NR > 2 && (op == "above" ? $NF + 0 > t : $NF + 0 < t) { NF--; print }' OFS='/' "$1"
}
above() { passing "$1" above "$2"; }
expect_passing() {  # expect_passing above|below FILE THRESHOLD EXPECTED-LABELS...
  local op=$1 f=$2 t=$3; shift 3
  local got want
  got=$(passing "$f" "$op" "$t" | sort | tr '\n' ' ')
  want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
  [ "$got" = "$want" ] || { echo "$(basename "$f"): $op $t expected [$want] got [$got]"; cat "$f"; exit 1; }
  echo "fires as planted: $(basename "$f" .tsv) -> $want"
}
expect_exactly() { expect_passing above "$@"; }  # FILE THRESHOLD EXPECTED-LABELS...
expect_below() { expect_passing below "$@"; }    # (rules that fire under their threshold)
o=$tmp/out
if ! compgen -G 'schema/*.sql' >/dev/null; then
  echo "schema/*.sql not in the tree: the alert rules read the KPI tables and views, planted-signal checks skipped"
else
  expect_exactly "$o/alert-spanhouse-cost-anomaly_A.tsv" 3 acme/agent acme/chat
  expect_exactly "$o/alert-spanhouse-user-runaway_A.tsv" 10 acme/u-runaway
  expect_exactly "$o/alert-spanhouse-unpriced-models_A.tsv" 0 meta/llama-3.1-70b
  # The planted bill: claude-3-5-sonnet billed 1.5x its computed cost, the others 1.01x.
  expect_exactly "$o/alert-spanhouse-bill-divergence_A.tsv" 5 anthropic/claude-3-5-sonnet
  expect_exactly "$o/alert-spanhouse-slo-fast-burn_A.tsv" 13.999 /v1/search
  expect_exactly "$o/alert-spanhouse-slo-slow-burn_A.tsv" 5.999 /v1/search
  # The seeds' own rules (seed 002: hourly limit, 3x spike, P99, cache hits; seed 000: 2x normal
  # spend, 5x provider errors) on the same planted signals.
  expect_exactly "$o/alert-spanhouse-hourly-cost_A.tsv" 5 acme
  expect_exactly "$o/alert-spanhouse-cost-spike-3x_A.tsv" 3 acme
  expect_exactly "$o/alert-spanhouse-spend-2x-normal_A.tsv" 2 acme
  expect_exactly "$o/alert-spanhouse-latency-p99_A.tsv" 10000 /v1/summarize
  expect_below "$o/alert-spanhouse-cache-hit-low_A.tsv" 0.2 search
  # /v1/search fails 40 % in the last hour on every model: meta and openai cross 5x; anthropic
  # stays under it (about 2.4x), its hour diluted by the 1,000 clean planted claude calls of acme.
  expect_exactly "$o/alert-spanhouse-provider-errors-5x_A.tsv" 5 meta openai
  # Seed 001's rule over the last 15 minutes: only summarize (prompt v2 in the last day: inputs
  # 2x, eval scores 0.85 -> 0.55) pages, on the metric its window has enough scores of; the
  # acme spike (cost per call up ~10x, quality flat) only asks for an investigation.
  # (which of summarize's models have 5 calls in the window moves with the clock: checked by
  # feature and reason, not by model)
  # (labels: feature/model/experiment_id/metric/reason; production traffic: experiment_id '')
  reg=$(above "$o/alert-spanhouse-cost-quality-regression_A.tsv" 0 | cut -d/ -f1,3,5 | sort -u | tr '\n' ' ')
  [ "$reg" = "summarize//cost and quality regression " ] || { echo "regression rule fired for [$reg], expected [summarize//cost and quality regression]"; cat "$o/alert-spanhouse-cost-quality-regression_A.tsv"; exit 1; }
  echo "fires as planted: regression -> summarize (cost and quality regression)"
  expect_exactly "$o/alert-spanhouse-cost-zscore_A.tsv" 3 agent/claude-3-5-sonnet/ chat/gpt-4o/
  expect_exactly "$o/alert-spanhouse-freshness_A.tsv" 60 llm.spans.eu
  # Budgets: the planted tenants hooli (90 % used) and pied (97 %); both project past 100 %.
  expect_exactly "$o/alert-spanhouse-budget-80_A.tsv" 80 hooli pied
  expect_exactly "$o/alert-spanhouse-budget-95_A.tsv" 95 pied
  expect_exactly "$o/alert-spanhouse-budget-projected_A.tsv" 100 hooli pied
  # The quality row: the prompt-v2 regression shows in the eval scores, all three sampling tiers
  # are covered at about their rate, the planted orphans are listed.
  qt=$(ls "$o"/panel-[0-9]*Quality_by_prompt_version_and_model*.tsv)
  # (the dashboard's 6 hours: summarize runs only prompt v2 there; the other prompts stay v1)
  awk -F'\t' 'NR > 2 && $4 == "helpfulness" { k = $1 "@" $2; if (k == "summarize@v2") { v2++; if ($7 >= 0.6) bad = 1 } else { v1++; if ($7 <= 0.8) bad = 1 } }
    END { if (bad || !v1 || !v2) { print "helpfulness: regressed rows " v2 ", others " v1 ", a score on the wrong side"; exit 1 } }' "$qt"
  echo "quality row: helpfulness of summarize@v2 < 0.6, of every other prompt > 0.8 (eval stream)"
  cov=$(ls "$o"/panel-[0-9]*Evaluation_coverage*.tsv)
  awk -F'\t' 'NR > 2 { n++; if ($7 < 0.5 || $7 > 2) { print "coverage off: " $0; bad = 1 } }
    END { if (n != 3 || bad) { print n " tiers"; exit 1 } }' "$cov"
  echo "quality row: coverage of the 3 tiers within 2x of their sampling rate"
  orph=$(ls "$o"/panel-[0-9]*orphans*by_age*.tsv)
  awk -F'\t' 'NR > 2 { s[$1] += $3 } END { if (s["eval"] != 12 || s["outcome"] != 5) { print "orphans eval " s["eval"] " outcome " s["outcome"]; exit 1 } }' "$orph"
  echo "quality row: 12 eval and 5 outcome orphans listed"
  # Those panels' rows equal the same numbers computed from the raw spans (to 1e-9
  # relative): the KPI tables and the panels' SQL count what the spans say.
  for v in "$o"/panel-value_*.tsv; do
    t=${v#"$o"/panel-value_}
    p=$(ls "$o"/panel-[0-9]*_"$t" "$o"/series-[0-9]*_"$t" 2>/dev/null | head -n 1 || true)
    [ -n "$p" ] || { echo "value check $t: no such panel output"; ls "$o" | grep -i "$(echo "$t" | cut -c1-12)"; exit 1; }
    # (the projection divides by the seconds since the month began: now() moves between the two
    # queries, a few seconds in about a week)
    tol=1e-9; case $t in Projected*) tol=1e-4 ;; esac
    # Every data row: labels equal, numbers within tol relative. Rows are compared sorted
    # (a time series orders by time only: its series within one bucket come in any order; the
    # label columns lead every row, so sorting pairs the same rows).
    srt() { { head -n 2 "$1"; tail -n +3 "$1" | LC_ALL=C sort; }; }
    paste <(srt "$p") <(srt "$v") | awk -F'\t' -v tol="$tol" 'NR > 2 {
        n = NF / 2; rows++
        for (i = 1; i <= n; i++) {
          a = $i; b = $(i + n)
          if (a ~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/ && b ~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/) {
            d = a - b; if (d < 0) d = -d; m = (a < 0 ? -a : a)
            if (d > tol * (m > 1 ? m : 1)) bad = bad " [" a " vs " b "]"
          } else if (a != b) bad = bad " [" a " vs " b "]"
        }
      }
      END { if (bad != "" || !rows) { print "differs:" bad " (" rows " rows)"; exit 1 } }' ||
      { echo "value check $t: the panel and the raw spans disagree"; paste <(srt "$p") <(srt "$v") | head -n 8; exit 1; }
    echo "value: $(basename "$p" .tsv) = $(sed -n 3p "$p" | tr '\t' ' ') ($(( $(wc -l < "$p") - 2 )) rows equal to the raw spans)"
  done
  [ "$(ls "$o"/panel-value_*.tsv | wc -l)" = 24 ] || { echo "value checks: $(ls "$o"/panel-value_*.tsv | wc -l) of 24 ran"; exit 1; }
fi

echo "== again on the load generator's spans, through the worker's decode/validate/enrich/RowBinary path"
if [ -f schema/pricing.csv ] && [ -f schema/tenants.csv ] && [ -f tools/gen/gen.h ]; then
  "$tool" --queries "$tmp/queries.sql" --exec "$tmp/reference.sql" --gen 50000 --out "$tmp/gen" | grep -v '^ok ' | tee "$tmp/gen.log"
  if compgen -G 'schema/*.sql' >/dev/null && ! grep -q ', 0 skipped$' "$tmp/gen.log"; then echo "queries skipped with schema/ present"; exit 1; fi
else
  echo "generator or pricing/tenant files not in the tree: skipped"
fi

echo "== the checker fails on a mistyped macro, an unknown variable, bad SQL, an empty result, and shapes Grafana cannot use"
while IFS='|' read -r kind bad; do
  printf -- '-- @@%s bad\n%s\n' "$kind" "$bad" >"$tmp/bad.sql"
  if "$tool" --queries "$tmp/bad.sql" --rows 100 >"$tmp/bad.out" 2>&1; then
    echo "panel_sql accepted ($kind): $bad"; cat "$tmp/bad.out"; exit 1
  fi
  grep '^FAIL' "$tmp/bad.out" | sed 's/^FAIL /  rejected as expected: /'
done <<'BAD'
panel|SELECT 1 WHERE $__timeFiltr(now())
panel|SELECT ${tenat:singlequote}
panel|SELEC 1
panel|SELECT 1 FROM spanhouse.llm_spans WHERE $__timeFilter(timestamp) AND 0
panel|SELECT [1, 2] AS quantiles
series|SELECT 'x' AS label, now() AS time, 1 AS v
alert|SELECT 'f' AS feature, 1 AS value, 2 AS other
alert|SELECT 'f' AS feature, now() AS t, 1 AS value
BAD
echo "t_dashboard_sql: ok ($n queries)"
