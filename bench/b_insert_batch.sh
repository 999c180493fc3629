#!/usr/bin/env bash
# What insert size costs ClickHouse 18.16: BENCH_ROWS (default 1,000,000) spans loaded with
# `spanhouse ingest-file` (same decode/validate/enrich/encode/insert path as `run`, no Kafka)
# into a local 18.16 over HTTP, once per "batch-max-rows insert-concurrency" setting in
# BENCH_CONFIGS. Prints rows/s and CPU per row of the worker (getrusage) and of the server
# (/proc/PID/stat), separately: the server's cost per row is what small per-partition inserts
# (one part each) drive up in the end-to-end benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f tests/integration/lib/chserver.sh ] || { echo "SKIP: chserver.sh not merged yet"; exit 0; }
source tests/integration/lib/chserver.sh
source tests/integration/lib/worker.sh
make --no-print-directory -s build/spanhouse build/tests/tools/print_ddl >/dev/null
N=${BENCH_ROWS:-1000000}
CONFIGS=${BENCH_CONFIGS:-"8000 2;100000 2;100000 1"}
chserver_start >/dev/null
trap chserver_cleanup EXIT
chserver_create_legacy_spans
chserver_query "CREATE TABLE spanhouse.llm_spans_rejected (received_at Int64, kind String, topic String, partition Int32, offset Int64, key String, reason String, field String, detail String, payload String) ENGINE = MergeTree ORDER BY (topic, partition, offset)"
W=$CH_DIR/work; mkdir -p "$W"
spans_gen "$N" 0 "$W/s.tsv" "$W/sums"
cut -f2 "$W/s.tsv" > "$W/spans.jsonl"; rm -f "$W/s.tsv"
TCK=$(getconf CLK_TCK)
printf "%-10s %-6s %10s %12s %16s %16s %7s\n" rows/ins conc seconds rows/s "worker us/row" "server us/row" parts
IFS=';' read -ra CFGS <<< "$CONFIGS"
for cfg in "${CFGS[@]}"; do
  read -r rows conc <<< "$cfg"
  chserver_query "TRUNCATE TABLE spanhouse.llm_spans"
  c0=$(awk '{print $14 + $15}' "/proc/$CH_PID/stat"); t0=$(date +%s.%N)
  /usr/bin/time -f "%U %S" -o "$W/ru" timeout 600 build/spanhouse ingest-file --clickhouse-url "$CH_URL" \
    --legacy --batch-max-rows "$rows" --insert-concurrency "$conc" --compression none \
    --rejected-table llm_spans_rejected "$W/spans.jsonl" 2> "$W/log" || { tail -n 5 "$W/log" >&2; exit 1; }
  t1=$(date +%s.%N); c1=$(awk '{print $14 + $15}' "/proc/$CH_PID/stat")
  got=$(chserver_query "SELECT count() FROM spanhouse.llm_spans")
  [ "$got" = "$N" ] || { echo "stored $got rows, want $N" >&2; exit 1; }
  parts=$(chserver_query "SELECT count() FROM system.parts WHERE database = 'spanhouse' AND table = 'llm_spans' AND active")
  read -r u s < "$W/ru"
  awk -v n="$N" -v t0="$t0" -v t1="$t1" -v u="$u" -v s="$s" -v c="$((c1 - c0))" -v tck="$TCK" \
      -v rows="$rows" -v conc="$conc" -v parts="$parts" 'BEGIN {
    e = t1 - t0
    printf "%-10d %-6d %10.2f %12.0f %16.2f %16.2f %7d\n", rows, conc, e, n / e, (u + s) * 1e6 / n, c / tck * 1e6 / n, parts
    printf "BENCH insert_rows_per_s_batch%d_conc%d %.0f rows/s\n", rows, conc, n / e
    printf "BENCH clickhouse_cpu_us_per_row_batch%d_conc%d %.3f us\n", rows, conc, c / tck * 1e6 / n
  }'
done
