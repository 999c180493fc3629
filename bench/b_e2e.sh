#!/usr/bin/env bash
# End-to-end throughput: BENCH_SPANS (default 1,000,000) keyed spans through the librdkafka
# mock cluster into `spanhouse run` (one worker) and on into a local ClickHouse 18.16 over
# HTTP (legacy mode). Reports spans/s from the first partition assignment until every span is
# stored (the group join before it is excluded and shown apart), and the CPU of each process
# separately per span: the worker's own (user+sys from getrusage via /usr/bin/time), the
# ClickHouse server's and the mock broker+producer's (utime+stime from /proc/PID/stat).
#
# Modes (BENCH_MODE):
#   live     the producer runs beside the worker at BENCH_RATE spans/s (default 150000,
#            the budget) into BENCH_PARTITIONS (default 16) partitions, and the worker runs
#            with batch-max-age-ms BENCH_AGE_MS (default 5000), so a batch is rate/partitions x
#            age rows (~47k), not the ~8k rows the mock's 5 MB per partition allows prefilled. The rate must stay within what the mock retains: a consumer falling
#            more than ~5 MB per partition behind loses data, and the exact-sum check fails.
#   prefill  (default) everything is produced first, then the worker drains it with
#            --exit-at-eof. The producer compresses (BENCH_PRODUCER_COMPRESSION, default lz4, as
#            production producers mostly do); the mock keeps ~5 MB of stored batches per
#            partition, so 1M lz4 spans fit in BENCH_PARTITIONS=16 (default) and each insert is a
#            ~62k-row batch. Uncompressed, 1M spans need 128 partitions (~8k-row inserts):
#            BENCH_PRODUCER_COMPRESSION=none BENCH_PARTITIONS=128.
# Knobs: BENCH_COMPRESSION (insert compression, none), BENCH_CONCURRENCY (insert-concurrency, default 2),
# BENCH_BATCH_ROWS (100000), BENCH_WORKER_ARGS (extra flags), BENCH_PERF=FILE (perf record -g
# the worker into FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f tests/integration/lib/chserver.sh ] || { echo "SKIP: chserver.sh not merged yet"; exit 0; }
source tests/integration/lib/chserver.sh
source tests/integration/lib/worker.sh
make --no-print-directory -s build/spanhouse build/tests/tools/mockkafka build/tests/tools/print_ddl >/dev/null
WPID= # /usr/bin/time over the worker: worker_stop (lib/worker.sh) signals the worker under it
trap 'worker_stop 30; mock_stop; chserver_cleanup' EXIT
N=${BENCH_SPANS:-1000000}
MODE=${BENCH_MODE:-prefill}
PARTS=${BENCH_PARTITIONS:-16}
RATE=${BENCH_RATE:-150000}
COMP=${BENCH_COMPRESSION:-none}
# The producer's compression.type (none, lz4, zstd, gzip). Real producers mostly compress; the
# mock keeps ~5 MB of stored (compressed) batches per partition, so lz4 fits ~6x the spans in
# each partition and a prefill needs far fewer partitions (larger inserts).
PCOMP=${BENCH_PRODUCER_COMPRESSION:-lz4}
export MOCK_ARGS="--compression $PCOMP"
CONC=${BENCH_CONCURRENCY:-2}
ROWS=${BENCH_BATCH_ROWS:-100000}

chserver_start >/dev/null
trap 'worker_stop 30; mock_stop; chserver_cleanup' EXIT  # chserver_start replaced the EXIT trap
chserver_create_legacy_spans
W=$CH_DIR/work; mkdir -p "$W"
mock_start "spans:$PARTS" dlq:1
spans_gen "$N" 0 "$W/spans.tsv" "$W/sums"
read -r GOOD TOK COST BAD < "$W/sums"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TCK=$(getconf CLK_TCK)

PRE=()
[ -z "${BENCH_PERF:-}" ] || PRE=(perf record -g -o "$BENCH_PERF" --)
WARGS=(--brokers "$MOCK_BOOT" --topic spans --group bench --clickhouse-url "$CH_URL" --legacy
  --dlq-topic dlq --compression "$COMP" --insert-concurrency "$CONC" --batch-max-rows "$ROWS"
  --kafka.session.timeout.ms=6000 --log-format json --metrics-addr 127.0.0.1:0)
p0=; p1=
if [ "$MODE" = prefill ]; then
  p0=$(date +%s.%N)
  ans=$(mock_cmd "produce spans $W/spans.tsv")
  p1=$(date +%s.%N)
  [ "$ans" = "produced $N failed 0" ] || { echo "produce: $ans" >&2; exit 1; }
  WARGS+=(--exit-at-eof)
else
  WARGS+=(--batch-max-age-ms "${BENCH_AGE_MS:-5000}")
fi
ch0=$(cpu_ticks "$CH_PID"); mk0=$(cpu_ticks "$MOCK_PID")
"${PRE[@]}" /usr/bin/time -f "%U %S %M" -o "$W/rusage" build/spanhouse run "${WARGS[@]}" ${BENCH_WORKER_ARGS:-} 2> "$W/worker.log" &
WPID=$!
ts() { grep -m1 "\"event\":\"$1\"" "$W/worker.log" | sed 's/.*"ts":"\([^"]*\)".*/\1/' | xargs -I{} date -d {} +%s.%N; }
if [ "$MODE" = live ]; then
  # Start producing once the worker owns its partitions (the join is excluded either way).
  for i in $(seq 1 300); do grep -q '"event":"partition_assigned"' "$W/worker.log" && break; sleep 0.05; done
  before=$(wc -l < "$MOCK_DIR/out")
  p0=$(date +%s.%N)
  echo "produce spans $W/spans.tsv $RATE" >&7
  MPORT=$(sed -n 's/.*"event":"metrics_listening".*"port":\([0-9]*\).*/\1/p' "$W/worker.log" | head -n 1)
  done_at=; last=-1; still=0
  for i in $(seq 1 6000); do # up to 300 s, and at most 30 s without progress
    v=$(curl -s -m 2 "http://127.0.0.1:$MPORT/metrics" | sed -n 's/^spanhouse_inserted_rows_total{kind="span"} //p')
    if [ "${v:-0}" -ge "$GOOD" ]; then done_at=$(date +%s.%N); break; fi
    kill -0 "$WPID" 2>/dev/null || { echo "worker died" >&2; tail -n 5 "$W/worker.log" >&2; exit 1; }
    if grep -q "Offset out of range" "$W/worker.log"; then
      echo "FAIL: the worker fell more than the mock's ~5 MB per partition behind the producer" \
        "(offset reset, data lost) at ${v:-0} stored: lower BENCH_RATE or raise BENCH_PARTITIONS" >&2
      exit 1
    fi
    if [ "${v:-0}" = "$last" ]; then still=$((still + 1)); else still=0; last=${v:-0}; fi
    [ "$still" -lt 600 ] || break
    sleep 0.05
  done
  [ -n "$done_at" ] || { echo "not all spans stored in time (${v:-0} of $GOOD)" >&2; exit 1; }
  for i in $(seq 1 600); do [ "$(wc -l < "$MOCK_DIR/out")" -gt "$before" ] && break; sleep 0.1; done
  ans=$(tail -n 1 "$MOCK_DIR/out")
  [ "$ans" = "produced $N failed 0" ] || { echo "produce: $ans" >&2; exit 1; }
  p1=$(awk -v p="$p0" -v r="$RATE" -v n="$N" 'BEGIN { printf "%.3f", p + n / r }') # paced end
  ch1=$(cpu_ticks "$CH_PID"); mk1=$(cpu_ticks "$MOCK_PID")
  worker_stop 30
  ta=$p0; td=$done_at
else
  wait "$WPID" || { echo "worker exit $?" >&2; tail -n 5 "$W/worker.log" >&2; exit 1; }
  WPID=
  ch1=$(cpu_ticks "$CH_PID"); mk1=$(cpu_ticks "$MOCK_PID")
  ta=$(ts partition_assigned); td=$(ts drained)
fi
rm -f "$W/spans.tsv"

got=$(chserver_query "SELECT count(), sum(input_tokens + output_tokens), sum(cost_usd) FROM spanhouse.llm_spans")
[ "$got" = "$GOOD	$TOK	$COST" ] || { echo "stored '$got', want '$GOOD	$TOK	$COST'" >&2; exit 1; }
parts=$(chserver_query "SELECT count() FROM system.parts WHERE database = 'spanhouse' AND table = 'llm_spans'")
read -r U S MAXKB < "$W/rusage"
tstart=$(ts started); tassign=$(ts partition_assigned)
awk -v n="$N" -v ta="$ta" -v td="$td" -v ts0="$tstart" -v tas="$tassign" -v u="$U" -v s="$S" \
    -v kb="$MAXKB" -v p0="$p0" -v p1="$p1" -v ch="$((ch1 - ch0))" -v mk="$((mk1 - mk0))" -v tck="$TCK" \
    -v mode="$MODE" -v parts="$PARTS" -v pcomp="$PCOMP" -v comp="$COMP" -v conc="$CONC" -v rows="$ROWS" -v rate="$RATE" -v np="$parts" 'BEGIN {
  e = td - ta; r = n / e; cpu = (u + s) * 1e6 / n
  printf "%-36s %s, %d partitions (producer compression %s), insert compression %s, insert-concurrency %d, batch-max-rows %d%s\n", "setup", mode, parts, pcomp, comp, conc, rows, mode == "live" ? sprintf(", producer paced at %d/s", rate) : ""
  printf "%-36s %12d\n", "spans", n
  printf "%-36s %12.2f s\n", mode == "live" ? "producer pacing (n / rate)" : "produce into mock (not measured)", p1 - p0
  printf "%-36s %12.2f s\n", "group join (excluded)", tas - ts0
  printf "%-36s %12.2f s\n", mode == "live" ? "first produce -> all stored" : "consume+insert+commit", e
  printf "%-36s %12.0f spans/s\n", "end to end", r
  printf "%-36s %12.2f us/span (user %.2f s, sys %.2f s)\n", "worker CPU", cpu, u, s
  printf "%-36s %12.2f us/span\n", "ClickHouse server CPU", ch / tck * 1e6 / n
  printf "%-36s %12.2f us/span\n", "mock broker + producer CPU", mk / tck * 1e6 / n
  printf "%-36s %12.1f MiB\n", "worker max RSS", kb / 1024
  printf "%-36s %12d\n", "parts left in llm_spans", np
  printf "BENCH e2e_spans_per_s %.0f spans/s\n", r
  printf "BENCH worker_cpu_us_per_span %.3f us\n", cpu
  printf "BENCH clickhouse_cpu_us_per_span %.3f us\n", ch / tck * 1e6 / n
  printf "BENCH worker_max_rss_mib %.1f MiB\n", kb / 1024
}'
