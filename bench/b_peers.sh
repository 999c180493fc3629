#!/usr/bin/env bash
# Side by side with ClickHouse's own Kafka engine (issue 13), one machine, one run each, the same
# protocol for both: the consumer is attached first, then BENCH_SPANS (default 1,000,000)
# generated keyed spans are produced into the mock cluster as fast as it takes them, and the
# clock runs from the first produce until every row is visible in ClickHouse 18.16.
#   Kafka engine: `ENGINE = Kafka` (JSONEachRow, its defaults: one consumer, 7.5 s flushes) and a
#                 materialized view into a MergeTree table of the same fields (no enrichment);
#   spanhouse:    one `spanhouse run` worker (legacy mode, its defaults) into llm_spans.
# For each shape in BENCH_SHAPES (PARTITIONS:PRODUCER_COMPRESSION, default
# "16:lz4 64:lz4 256:lz4 64:none 256:none") it prints spans/s of both and their ratio, the
# worker's inserts and rows per insert (its /metrics), and worker and server CPU per span.
# The mock keeps ~5 MB of stored batches per partition: a shape whose data does not fit
# (16 partitions uncompressed: ~20 MB each) loses the oldest batches before a slow consumer
# reads them, so it is not in the default list; a run that cannot see every row in
# BENCH_TIMEOUT_S (default 240) is reported as such.
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/integration/lib/chserver.sh
source tests/integration/lib/worker.sh
make --no-print-directory -s build/spanhouse build/tests/tools/mockkafka build/tests/tools/print_ddl >/dev/null
N=${BENCH_SPANS:-1000000}
SHAPES=${BENCH_SHAPES:-16:lz4 64:lz4 256:lz4 64:none 256:none}
TMO=${BENCH_TIMEOUT_S:-240}
WPID= # /usr/bin/time over the worker: worker_stop (lib/worker.sh) signals the worker under it
stop_all() { worker_stop 30; mock_stop; }
chserver_start >/dev/null
trap 'stop_all; chserver_cleanup' EXIT
W=$CH_DIR/work; mkdir -p "$W"
spans_gen "$N" 0 "$W/spans.tsv" "$W/sums"
read -r GOOD TOK COST BAD < "$W/sums"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TCK=$(getconf CLK_TCK)
now() { date +%s.%N; }
# wait_rows SQL: polls until SQL says N; prints the time it did, or "" on timeout. Also notes in
# $W/produced when the mock said the produce was done (what bounds both systems: the producer
# shares the two cores).
wait_rows() {
  local i c end=$(( $(date +%s) + TMO )) base
  base=$(wc -l < "$MOCK_DIR/out"); rm -f "$W/produced"
  while [ "$(date +%s)" -lt "$end" ]; do
    [ -f "$W/produced" ] || [ "$(wc -l < "$MOCK_DIR/out")" -le "$base" ] || now > "$W/produced"
    c=$(chserver_query "$1" 2>/dev/null || echo 0)
    if [ "${c:-0}" -ge "$GOOD" ]; then [ -f "$W/produced" ] || now > "$W/produced"; now; return 0; fi
    sleep 0.1
  done
  echo ""
}
FIELDS="timestamp UInt64, trace_id String, span_id String, provider String, model String, operation String, tenant_id String, feature String, input_tokens UInt32, output_tokens UInt32, cost_usd Float64, latency_ms UInt32, status String"

printf '%-10s %14s %14s %8s %9s %9s %12s %14s %14s %14s %18s\n' "shape" "kafka engine" "spanhouse" "ratio" "batches" "inserts" "rows/insert" "worker us/sp" "server us/sp" "engine us/sp" "produced/s ke/sh"
for shape in $SHAPES; do
  P=${shape%%:*}; PC=${shape##*:}
  MOCK_ARGS="--compression $PC" mock_start "ka:$P" "wk:$P" dlq:1
  # --- ClickHouse's Kafka engine
  chserver_query "DROP DATABASE IF EXISTS peer" >/dev/null
  chserver_query "CREATE DATABASE peer" >/dev/null
  chserver_query "CREATE TABLE peer.s (${FIELDS/timestamp UInt64/timestamp DateTime}) ENGINE = MergeTree ORDER BY (tenant_id, feature, model, timestamp)" >/dev/null
  chserver_query "CREATE TABLE peer.q ($FIELDS) ENGINE = Kafka SETTINGS kafka_broker_list = '$MOCK_BOOT', kafka_topic_list = 'ka', kafka_group_name = 'peer', kafka_format = 'JSONEachRow', kafka_num_consumers = 1" >/dev/null
  chserver_query "CREATE MATERIALIZED VIEW peer.mv TO peer.s AS SELECT toDateTime(intDiv(timestamp, 1000)) AS timestamp, trace_id, span_id, provider, model, operation, tenant_id, feature, input_tokens, output_tokens, cost_usd, latency_ms, status FROM peer.q" >/dev/null
  sleep 5 # its consumer joins the group
  c0=$(cpu_ticks "$CH_PID"); t0=$(now)
  echo "produce ka $W/spans.tsv" >&7
  t1=$(wait_rows "SELECT count() FROM peer.s")
  kp=$(cat "$W/produced" 2>/dev/null || echo "$t0")
  c1=$(cpu_ticks "$CH_PID")
  chserver_query "DROP DATABASE peer" >/dev/null
  ke_rate=n/a; ke_cpu=n/a; ke_prod=n/a
  if [ -n "$t1" ]; then
    ke_rate=$(awk -v n="$GOOD" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')
    ke_prod=$(awk -v n="$GOOD" -v a="$t0" -v b="$kp" 'BEGIN { printf "%.0f", (b > a ? n / (b - a) : 0) }')
    ke_cpu=$(awk -v c="$((c1 - c0))" -v t="$TCK" -v n="$GOOD" 'BEGIN { printf "%.2f", c / t * 1e6 / n }')
  fi
  # --- spanhouse
  chserver_query "DROP DATABASE IF EXISTS spanhouse" >/dev/null
  chserver_create_legacy_spans >/dev/null
  /usr/bin/time -f "%U %S %M" -o "$W/rusage" build/spanhouse run --brokers "$MOCK_BOOT" --topic wk --group bench \
    --clickhouse-url "$CH_URL" --legacy --dlq-topic dlq --kafka.session.timeout.ms=6000 \
    --log-format json --metrics-addr 127.0.0.1:0 ${BENCH_WORKER_ARGS:-} 2> "$W/worker.log" &
  WPID=$!
  for i in $(seq 1 300); do grep -q '"event":"partition_assigned"' "$W/worker.log" && break; sleep 0.05; done
  MPORT=$(sed -n 's/.*"event":"metrics_listening".*"port":\([0-9]*\).*/\1/p' "$W/worker.log" | head -n 1)
  c0=$(cpu_ticks "$CH_PID"); t0=$(now)
  echo "produce wk $W/spans.tsv" >&7
  t1=$(wait_rows "SELECT count() FROM spanhouse.llm_spans")
  sp=$(cat "$W/produced" 2>/dev/null || echo "$t0")
  c1=$(cpu_ticks "$CH_PID")
  curl -s -m 2 "http://127.0.0.1:$MPORT/metrics" > "$W/metrics" || true
  ins=$(awk '/^spanhouse_insert_rows_count/ { s += $2 } END { print s + 0 }' "$W/metrics")
  nb=$(awk '/^spanhouse_batch_rows_count/ { s += $2 } END { print s + 0 }' "$W/metrics")
  worker_stop 30
  read -r U S MAXKB < <(tail -n 1 "$W/rusage")
  sh_rate=n/a; sh_cpu=n/a; w_cpu=n/a; rpi=n/a; sh_prod=n/a
  if [ -n "$t1" ]; then
    sh_rate=$(awk -v n="$GOOD" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')
    sh_prod=$(awk -v n="$GOOD" -v a="$t0" -v b="$sp" 'BEGIN { printf "%.0f", (b > a ? n / (b - a) : 0) }')
    sh_cpu=$(awk -v c="$((c1 - c0))" -v t="$TCK" -v n="$GOOD" 'BEGIN { printf "%.2f", c / t * 1e6 / n }')
    w_cpu=$(awk -v u="$U" -v s="$S" -v n="$GOOD" 'BEGIN { printf "%.2f", (u + s) * 1e6 / n }')
    rpi=$(awk -v n="$GOOD" -v i="$ins" 'BEGIN { printf "%.0f", (i > 0 ? n / i : 0) }')
  fi
  ratio=$(awk -v a="$sh_rate" -v b="$ke_rate" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "n/a" }')
  mock_stop
  printf '%-10s %14s %14s %8s %9s %9s %12s %14s %14s %14s %18s\n' "$shape" "$ke_rate" "$sh_rate" "$ratio" "$nb" "$ins" "$rpi" "$w_cpu" "$sh_cpu" "$ke_cpu" "$ke_prod/$sh_prod"
  echo "BENCH peers shape=$shape kafka_engine=$ke_rate spanhouse=$sh_rate ratio=$ratio batches=$nb inserts=$ins rows_per_insert=$rpi worker_cpu_us=$w_cpu server_cpu_us=$sh_cpu engine_server_cpu_us=$ke_cpu produced_per_s_engine_run=$ke_prod produced_per_s_spanhouse_run=$sh_prod worker_max_rss_mib=$(awk -v k="$MAXKB" 'BEGIN { printf "%.0f", k / 1024 }')"
done
echo "(spans/s from the first produce until all $GOOD rows are visible; ratio = spanhouse / Kafka engine; budget >= 2.00;"
echo " produced/s: how fast the mock took the spans in each run, the ceiling of either system on these two cores)"
