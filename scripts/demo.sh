#!/usr/bin/env bash
# spanhouse demo on embedded defaults: no Kafka and no ClickHouse server to set up.
#  1. starts librdkafka's in-process mock cluster (a real Kafka-protocol broker) on loopback,
#  2. produces a realistic workload with the load generator: 8 days of LLM calls from four
#     tenants, with a planted cost spike (globex/support/ticket_triage ×8–10 in the last hours),
#     a planted cost-and-quality regression (doc_summarize moves to prompt v3 in the last day:
#     more tokens, quality −20 %) and a few poison messages; and the quality streams of those
#     calls on their own topics: LLM-judge evals at 100 %/10 %/1 % sampling (late by seconds to
#     hours, out of order), a human-review tier, outcomes (conversions, thumbs, escalations) and
#     a few orphans (evals/outcomes of traces that never arrive),
#  3. runs the real worker (`spanhouse run`, the production code path) into the embedded
#     ClickHouse engine (libchdb, --sink chdb): same RowBinary bytes as over HTTP,
#  4. prints the analyst views as tables.
# Usage: scripts/demo.sh  (make demo builds first).  DEMO_SPANS=N, DEMO_KEEP=1 keep the data dir.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${DEMO_SPANS:-200000}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/spanhouse-demo.XXXXXX")
mock_pid=""
cleanup() {
  [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null && wait "$mock_pid" 2>/dev/null
  if [ "${DEMO_KEEP:-0}" = 1 ]; then echo "data kept in $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
for b in build/spanhouse build/tools/loadgen build/tools/chdbsql; do
  [ -x "$b" ] || { echo "demo: $b missing; run 'make demo'" >&2; exit 1; }
done

now_ms=$(( $(date +%s) * 1000 ))
hour=3600000; day=$(( 24 * hour ))
start_ms=$(( now_ms - 8 * day ))
spacing=$(( 8 * day / N ))
db="$tmp/clickhouse"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. Kafka: librdkafka mock cluster (llm.spans: 64 partitions; llm.evals, llm.outcomes: 16)"
build/tools/loadgen --mock 1 --count 0 --partitions 64 --linger-s -1 --topic llm.spans \
  --eval-topic llm.evals --outcome-topic llm.outcomes --quality-partitions 16 >"$tmp/mock.out" 2>"$tmp/mock.err" &
mock_pid=$!
for _ in $(seq 100); do grep -q '^BOOTSTRAP' "$tmp/mock.out" 2>/dev/null && break; sleep 0.1; done
brokers=$(awk '/^BOOTSTRAP/ {print $2}' "$tmp/mock.out")
[ -n "$brokers" ] || { echo "mock cluster did not start"; cat "$tmp/mock.err"; exit 1; }
echo "brokers $brokers"

step "2. Load generator: $N spans over 8 days, spike + regression + 0.2 % poison; evals and outcomes"
build/tools/loadgen --brokers "$brokers" --topic llm.spans --count "$N" --seed 7 \
  --eval-topic llm.evals --outcome-topic llm.outcomes --orphan-fraction 0.0005 \
  --start-ms "$start_ms" --spacing-ms "$spacing" \
  --spike --spike-window "$(( now_ms - 3 * hour )),$now_ms" \
  --regression --regression-from-ms "$(( now_ms - 20 * hour ))" --regression-cost-factor 1.5 \
  --poison-fraction 0.002 >"$tmp/loadgen.out" 2>"$tmp/loadgen.err" || { cat "$tmp/loadgen.err"; exit 1; }
tail -n 1 "$tmp/loadgen.err"
grep '^QUALITY' "$tmp/loadgen.out" || { echo "no quality streams produced"; exit 1; }

step "3. spanhouse schema apply + run (sink: embedded ClickHouse $db)"
# The reference tables the views join (prices, budgets) come from the very files the worker reads.
build/spanhouse schema apply --sink chdb --chdb-path "$db" --views-dir views --log-level warn \
  --pricing schema/pricing.csv --tenants schema/tenants.csv >/dev/null
t0=$(date +%s.%N)
build/spanhouse run --sink chdb --chdb-path "$db" --brokers "$brokers" --topic llm.spans \
  --topic llm.evals:eval --topic llm.outcomes:outcome --batch-max-age-ms 10000 \
  --group spanhouse-demo --dlq-topic llm.spans.dlq --rejected-table llm_spans_rejected \
  --pricing schema/pricing.csv --tenants schema/tenants.csv --exit-at-eof --log-level info \
  2>"$tmp/worker.log" || { grep 'level=error' "$tmp/worker.log" >&2; exit 1; }
t1=$(date +%s.%N)
# The worker's own account of the run (its "stopped" line): how long the consumer group took to
# hand it the partitions (Kafka delays a new group's first join by
# group.initial.rebalance.delay.ms, 3 s) and how fast it then consumed, stored and committed.
awk -v total="$(echo "$t1 - $t0" | bc)" '/event=stopped/ {
    for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    printf "worker: %d messages (%d dead-lettered) in %.1f s: joined the consumer group in %.1f s, then drained the topics in %.1f s = %.0f messages/s\n",
      v["consumed"], v["rejected"], total, v["first_record_ms"] / 1000, v["consuming_ms"] / 1000,
      v["consumed"] / (v["consuming_ms"] / 1000) }' "$tmp/worker.log"

q() { build/tools/chdbsql --format PrettyCompactMonoBlock "$db" "$@"; }

step "Stored: rows, dead letters, cost"
q "SELECT count() AS spans, round(sum(cost_usd), 2) AS total_cost_usd, countIf(pricing_status = 'unknown_model') AS unknown_model FROM spanhouse.llm_spans" \
  "SELECT reason, count() AS dead_letters FROM spanhouse.llm_spans_rejected WHERE kind = 'span' GROUP BY reason ORDER BY reason" \
  "SELECT (SELECT count() FROM spanhouse.llm_evals) AS evals, (SELECT count() FROM spanhouse.llm_outcomes) AS outcomes, (SELECT count() FROM spanhouse.llm_spans_rejected WHERE kind IN ('eval', 'outcome')) AS eval_outcome_dead_letters"

step "Spend by team and model (last 7 days, v_cost_by_dimension)"
q "SELECT dimension, value, round(cost_usd, 2) AS cost_usd, share_pct FROM spanhouse.v_cost_by_dimension WHERE dimension IN ('team', 'model') ORDER BY dimension, cost_usd DESC"

step "Spend today and month-to-date vs budget (v_spend_vs_budget)"
q "SELECT * FROM spanhouse.v_spend_vs_budget"

step "Latency and TTFT p50/p95/p99 by endpoint and model (v_latency_by_endpoint_model)"
q "SELECT endpoint, model, requests, p50_latency_ms, p95_latency_ms, p99_latency_ms, p50_ttft_ms, p95_ttft_ms, p99_ttft_ms FROM spanhouse.v_latency_by_endpoint_model ORDER BY endpoint, model"

step "Cache hit rate and money saved (v_cache_savings, summed over 7 days)"
q "SELECT feature, sum(requests) AS calls, round(sum(cache_hits) / calls * 100, 1) AS cache_hit_pct, round(sum(response_cache_saved_usd), 2) AS response_cache_saved, round(sum(prompt_cache_saved_usd), 2) AS prompt_cache_saved FROM spanhouse.v_cache_savings GROUP BY feature ORDER BY feature"

step "Rules that fire"
echo "-- cost anomaly band (complete hours with spend above the 7-day mean + 3 sigma), v_feature_cost_anomaly:"
q "SELECT hour, feature, round(cost_usd, 4) AS cost_usd, round(band_high_usd, 4) AS band_high_usd, round(cost_usd / baseline_mean_usd, 1) AS x_mean FROM spanhouse.v_feature_cost_anomaly WHERE is_anomaly AND cost_usd > band_high_usd AND hour < toStartOfHour(now()) ORDER BY feature, hour"
echo "-- dual-threshold cost-and-quality regression (24h vs 7-day baseline), v_cost_quality_regression:"
q "SELECT feature, model, requests, cost_change_pct, quality_change_pct, regression FROM spanhouse.v_cost_quality_regression WHERE regression = 1 ORDER BY feature, model"
echo "-- per-user runaway (last hour >= 10x the user's 7-day hourly average), v_user_runaway, top 5:"
q "SELECT user_id, tenant_id, last_hour_requests, round(last_hour_cost_usd, 4) AS last_hour_cost_usd, ratio FROM spanhouse.v_user_runaway WHERE is_runaway ORDER BY ratio DESC LIMIT 5"
echo "-- SLO burn rate (1h fast / 6h slow), v_slo_burn_rate:"
q "SELECT endpoint, requests_2h, availability_burn_2h, availability_burn_6h, latency_burn_2h, latency_burn_6h, page, ticket FROM spanhouse.v_slo_burn_rate ORDER BY endpoint"
step "Quality from the eval stream (llm_quality_1m: each eval counted in the minute of the span it scores)"
echo "-- sample-weighted mean eval score by prompt version, last 7 days, v_quality_trend (doc_summarize moved to v3):"
q "SELECT prompt_template, prompt_version, metric, sum(evals) AS evals, round(sum(evals_weighted)) AS calls_represented, round(sum(mean_score * evals_weighted) / sum(evals_weighted), 3) AS mean_score, round(sum(pass_rate * evals_weighted) / sum(evals_weighted), 3) AS pass_rate FROM spanhouse.v_quality_trend WHERE prompt_template = 'summarize_doc' AND metric IN ('faithfulness', 'helpfulness') GROUP BY prompt_template, prompt_version, metric ORDER BY metric, prompt_version"
echo "-- dual-threshold regression fed from the eval stream, v_cost_quality_regression_evals:"
q "SELECT feature, model, requests, cost_change_pct, quality_source, avg_quality, baseline_avg_quality, quality_change_pct, regression FROM spanhouse.v_cost_quality_regression_evals WHERE regression = 1 ORDER BY feature, model"
echo "-- evaluation coverage per sampling tier (last 24 h), v_eval_coverage:"
q "SELECT metric, source, expected_coverage, evaluated_spans, spans, coverage, features FROM spanhouse.v_eval_coverage ORDER BY expected_coverage DESC, metric"
echo "-- cost per outcome (last 7 days), v_cost_per_outcome, summed over models:"
q "SELECT event, sum(o.outcomes) AS n, round(sum(o.outcome_value), 2) AS value_usd, round(sum(toFloat64(o.cost_usd)) / n, 4) AS cost_per_outcome_usd FROM spanhouse.v_cost_per_outcome AS o GROUP BY event ORDER BY event"
echo "-- evals and outcomes without a span (orphans) by age, v_eval_orphans:"
q "SELECT kind, age_bucket, count() AS orphans FROM spanhouse.v_eval_orphans GROUP BY kind, age_bucket ORDER BY kind, min(age_s)"
echo
echo "Every view: ls views/ ; docs/queries.md says what each answers. Keep the data: DEMO_KEEP=1 make demo"
