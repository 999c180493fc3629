#!/usr/bin/env bash
# End-to-end throughput: BENCH_SPANS (default 1,000,000) keyed spans pre-produced into the
# mock cluster (128 partitions), then `spanhouse run --exit-at-eof` into a local ClickHouse
# 18.16 (legacy mode, one worker, one thread). Reports spans/s from the first assignment to
# "drained" (everything stored and committed; the group join before it is excluded and shown
# apart) and the worker's own CPU time per span (user+sys from getrusage via /usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f tests/integration/lib/chserver.sh ] || { echo "SKIP: chserver.sh not merged yet"; exit 0; }
source tests/integration/lib/chserver.sh
source tests/integration/lib/worker.sh
make --no-print-directory -s build/spanhouse build/tests/tools/mockkafka build/tests/tools/print_ddl >/dev/null
trap 'mock_stop; chserver_cleanup' EXIT
N=${BENCH_SPANS:-1000000}
PARTS=${BENCH_PARTITIONS:-128}

chserver_start >/dev/null
trap 'mock_stop; chserver_cleanup' EXIT  # chserver_start replaced the EXIT trap
chserver_create_legacy_spans
W=$CH_DIR/work; mkdir -p "$W"
mock_start "spans:$PARTS" dlq:1
spans_gen "$N" 0 "$W/spans.tsv" "$W/sums"
read -r GOOD TOK COST BAD < "$W/sums"
t0=$(date +%s.%N)
ans=$(mock_cmd "produce spans $W/spans.tsv")
t1=$(date +%s.%N)
[ "$ans" = "produced $N failed 0" ] || { echo "produce: $ans" >&2; exit 1; }
rm -f "$W/spans.tsv"

/usr/bin/time -f "%U %S %M" -o "$W/rusage" timeout 600 build/spanhouse run --brokers "$MOCK_BOOT" \
  --topic spans --group bench --clickhouse-url "$CH_URL" --legacy --dlq-topic dlq --exit-at-eof \
  --kafka.session.timeout.ms=6000 --log-format json 2> "$W/worker.log"

got=$(chserver_query "SELECT count(), sum(input_tokens + output_tokens), sum(cost_usd) FROM spanhouse.llm_spans")
[ "$got" = "$GOOD	$TOK	$COST" ] || { echo "stored '$got', want '$GOOD	$TOK	$COST'" >&2; exit 1; }
read -r U S MAXKB < "$W/rusage"
ts() { grep -m1 "\"event\":\"$1\"" "$W/worker.log" | sed 's/.*"ts":"\([^"]*\)".*/\1/' | xargs -I{} date -d {} +%s.%N; }
ta=$(ts partition_assigned); td=$(ts drained); tstart=$(ts started)
awk -v n="$N" -v ta="$ta" -v td="$td" -v ts0="$tstart" -v u="$U" -v s="$S" -v kb="$MAXKB" -v p0="$t0" -v p1="$t1" 'BEGIN {
  e = td - ta; rate = n / e; cpu = (u + s) * 1e6 / n
  printf "%-34s %12s\n", "spans", n
  printf "%-34s %12.2f s\n", "produce into mock (not measured)", p1 - p0
  printf "%-34s %12.2f s\n", "group join (excluded)", ta - ts0
  printf "%-34s %12.2f s\n", "consume+insert+commit", e
  printf "%-34s %12.0f spans/s\n", "end to end", rate
  printf "%-34s %12.2f us/span (user %.2f s, sys %.2f s)\n", "worker CPU", cpu, u, s
  printf "%-34s %12.1f MiB\n", "worker max RSS", kb / 1024
  printf "BENCH e2e_spans_per_s %.0f spans/s\n", rate
  printf "BENCH worker_cpu_us_per_span %.3f us\n", cpu
  printf "BENCH worker_max_rss_mib %.1f MiB\n", kb / 1024
}'
