#!/usr/bin/env bash
# Do the quality joins grow with stored history? (issue 13: they must not.) For each history size
# in BENCH_HISTORIES (default "1000000 16000000") a fresh libchdb directory gets the project's
# schema and that many older spans (spread over the 7 days the joins look back, random trace
# ids; loaded with the KPI and quality views detached, which are attached again after; the span
# index merged into one part, as a week-old history is by the time it is that old), then
#   - 20,000 new spans are inserted (the span-side views: do stored evaluations score them?),
#   - 40,000 evaluations of those spans and 10,000 outcomes are inserted (the evaluation- and
#     outcome-side views: which stored span does each belong to?),
# each as one INSERT … SELECT, timed as the CPU of its chdbsql process less an empty query's.
# Prints ms per insert per history size and the ratio between the largest and the smallest.
set -euo pipefail
cd "$(dirname "$0")/.."
HISTS=${BENCH_HISTORIES:-1000000 16000000}
RUNS=${BENCH_RUNS:-3}
make --no-print-directory -s build/spanhouse build/tools/chdbsql >/dev/null
SQL=build/tools/chdbsql
D=$(mktemp -d "${TMPDIR:-/tmp}/spanhouse-bquality.XXXXXX")
trap 'rm -rf "$D"' EXIT
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
cpu() { # cpu SQL…: CPU seconds of running SQL in $DB, less an empty query
  /usr/bin/time -f '%U %S' -o "$D/t1" $SQL "$DB" "$@" > /dev/null
  /usr/bin/time -f '%U %S' -o "$D/t0" $SQL "$DB" "SELECT 1" > /dev/null
  awk 'NR == FNR { a = $1 + $2; next } { printf "%.3f\n", a - ($1 + $2) }' "$D/t1" "$D/t0"
}
NOW=$(date +%s)
span_cols="timestamp, trace_id, span_id, provider, model, operation, endpoint, feature, tenant_id, team_id, input_tokens, output_tokens, cost_usd, latency_ms, status, kafka_topic, kafka_partition, kafka_offset"
spans_sql() { # spans_sql N TOPIC SECONDS_BACK_MAX TRACE_PREFIX
  echo "INSERT INTO spanhouse.llm_spans ($span_cols) SELECT toDateTime64($NOW, 3, 'UTC') - toIntervalMillisecond(number * 7919 % ($3 * 1000)), concat('$4', toString(number)), 's', 'openai', ['gpt-4o', 'gpt-4o-mini', 'claude-3-5-haiku'][number % 3 + 1], 'chat', '/v1/chat', ['chat', 'search', 'summarize', 'review'][number % 4 + 1], ['acme', 'globex', 'initech'][number % 3 + 1], 'core', number % 900 + 1, number % 300 + 1, toDecimal64(number % 1000, 9) / 100000, number % 4000 + 40, 'ok', '$2', 0, number FROM numbers($1)"
}
MVS="llm_kpi_1m_mv llm_kpi_1h_mv llm_kpi_1d_mv llm_quality_1m_evals_mv llm_quality_1m_outcomes_mv llm_quality_1m_spans_records_mv"
declare -A S E O
for H in $HISTS; do
  for r in $(seq 1 "$RUNS"); do
    DB="$D/db"; rm -rf "$DB"
    timeout 120 build/spanhouse schema apply --sink chdb --chdb-path "$DB" --log-level warn > /dev/null
    drops=(); for v in $MVS; do drops+=("DROP VIEW spanhouse.$v"); done
    # A week of history is merged by the time it is a week old: the index is too, here.
    timeout 1200 $SQL "$DB" "${drops[@]}" "$(spans_sql "$H" history 604800 h)" \
      "OPTIMIZE TABLE spanhouse.llm_span_index FINAL" > /dev/null
    timeout 120 build/spanhouse schema apply --sink chdb --chdb-path "$DB" --log-level warn > /dev/null
    echo "$(cpu "$(spans_sql 20000 recent 600 r)")" >> "$D/s.$H"
    echo "$(cpu "INSERT INTO spanhouse.llm_evals (timestamp, trace_id, span_id, evaluator, metric, score, label, sample_rate, kafka_topic, kafka_partition, kafka_offset) SELECT toDateTime64($NOW, 3, 'UTC'), concat('r', toString(number % 20000)), 's', 'judge', 'helpfulness', (number % 10) / 10, '', 1, 'evals', 0, number FROM numbers(40000)")" >> "$D/e.$H"
    echo "$(cpu "INSERT INTO spanhouse.llm_outcomes (timestamp, trace_id, span_id, event, value, currency, kafka_topic, kafka_partition, kafka_offset) SELECT toDateTime64($NOW, 3, 'UTC'), concat('r', toString(number * 2)), '', 'conversion', 1.5, 'USD', 'outcomes', 0, number FROM numbers(10000)")" >> "$D/o.$H"
    got=$($SQL "$DB" "SELECT sum(evals), sum(outcomes) FROM spanhouse.llm_quality_1m")
    [ "$got" = "40000	10000" ] || { echo "quality_1m holds '$got', want 40000 evals and 10000 outcomes" >&2; exit 1; }
  done
  S[$H]=$(median < "$D/s.$H"); E[$H]=$(median < "$D/e.$H"); O[$H]=$(median < "$D/o.$H")
done
echo "quality joins vs stored history (libchdb, median of $RUNS, CPU s of one INSERT … SELECT)"
printf '%-14s %22s %22s %22s\n' "history spans" "20k spans insert" "40k evals insert" "10k outcomes insert"
for H in $HISTS; do printf '%-14s %22s %22s %22s\n' "$H" "${S[$H]}" "${E[$H]}" "${O[$H]}"; done
first=${HISTS%% *}; last=${HISTS##* }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0.005 ? a / b : 0) }'; }
echo "BENCH quality_history_growth spans=$(ratio "${S[$last]}" "${S[$first]}") evals=$(ratio "${E[$last]}" "${E[$first]}") outcomes=$(ratio "${O[$last]}" "${O[$first]}") (history $last vs $first; budget <= 1.30)"
