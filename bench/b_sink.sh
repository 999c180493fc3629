#!/usr/bin/env bash
# b_sink: HTTP sink throughput into a local ClickHouse 18.16 (started here): BENCH_ROWS
# (default 1,000,000) legacy llm_spans rows, generated from span_t records (tests/tools/
# spangen.h) and RowBinary-encoded before timing, sent in BENCH_BATCH-row requests (default
# 100,000) over one kept-alive connection, with no compression and with gzip. Timed: the
# sink_insert calls only (compression included). Each mode runs BENCH_RUNS times (default 2);
# the best is reported. Row counts are checked after every run. client_ns/row is the
# sink process's CPU time inside sink_insert (libcurl + compression), per row.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${BENCH_ROWS:-1000000}; BATCH=${BENCH_BATCH:-100000}; RUNS=${BENCH_RUNS:-2}
source tests/integration/lib/chserver.sh
make --no-print-directory -s build/tests/tools/sink_drive build/tests/tools/print_ddl >/dev/null
chserver_start
chserver_create_legacy_spans
printf '%-6s %4s %12s %14s %14s %9s %12s\n' mode run rows_per_s bytes_raw bytes_sent seconds client_ns/row
declare -A best bsent bcpu
for mode in none gzip; do
  best[$mode]=0
  for run in $(seq 1 "$RUNS"); do
    chserver_query "DROP TABLE IF EXISTS spanhouse.llm_spans" && chserver_create_legacy_spans
    out=$(printf 'bench b %s %s\n' "$ROWS" "$BATCH" |
          build/tests/tools/sink_drive --url "$CH_URL" --compression "$mode" --timeout-ms 300000)
    grep -q '^RESULT b ERR_OK ' <<<"$out" || { echo "insert failed: $out" >&2; exit 1; }
    n=$(chserver_query "SELECT count() FROM spanhouse.llm_spans")
    [ "$n" = "$ROWS" ] || { echo "row count $n != $ROWS" >&2; exit 1; }
    l=$(grep '^BENCHLINE' <<<"$out")
    rps=$(sed 's/.*rows_per_s=\([0-9]*\).*/\1/' <<<"$l"); raw=$(sed 's/.*bytes_raw=\([0-9]*\).*/\1/' <<<"$l")
    sent=$(sed 's/.*bytes_sent=\([0-9]*\).*/\1/' <<<"$l"); secs=$(sed 's/.*seconds=\([0-9.]*\).*/\1/' <<<"$l")
    cpu=$(sed 's/.*cpu_ns_per_row=\([0-9]*\).*/\1/' <<<"$l")
    printf '%-6s %4s %12s %14s %14s %9s %12s\n' "$mode" "$run" "$rps" "$raw" "$sent" "$secs" "$cpu"
    if [ "$rps" -gt "${best[$mode]}" ]; then best[$mode]=$rps; bsent[$mode]=$sent; fi
    if [ -z "${bcpu[$mode]:-}" ] || [ "$cpu" -lt "${bcpu[$mode]}" ]; then bcpu[$mode]=$cpu; fi
  done
done
# zstd and lz4 need a modern server: measure their client CPU and size against ch_stub
# (which decompresses and checks every body) instead.
make --no-print-directory -s build/tests/tools/ch_stub >/dev/null
SW=$(mktemp -d); STUB_PID=
trap 'kill $STUB_PID 2>/dev/null || true; rm -rf "$SW"; chserver_cleanup' EXIT
build/tests/tools/ch_stub /dev/null "$SW/log" "$SW/port" & STUB_PID=$!
for i in $(seq 1 100); do [ -s "$SW/port" ] && break; sleep 0.05; done
for mode in zstd lz4; do
  out=$(printf 'bench b %s %s\n' "$ROWS" "$BATCH" |
        build/tests/tools/sink_drive --url "http://127.0.0.1:$(cat "$SW/port")" --compression "$mode")
  l=$(grep '^BENCHLINE' <<<"$out")
  bsent[$mode]=$(sed 's/.*bytes_sent=\([0-9]*\).*/\1/' <<<"$l"); bcpu[$mode]=$(sed 's/.*cpu_ns_per_row=\([0-9]*\).*/\1/' <<<"$l")
  printf '%-6s %4s %12s %14s %14s %9s %12s   (to ch_stub)\n' "$mode" 1 - "$(sed 's/.*bytes_raw=\([0-9]*\).*/\1/' <<<"$l")" "${bsent[$mode]}" - "${bcpu[$mode]}"
done
grep -q DECOMPRESS_FAILED "$SW/log" && { echo "stub could not decompress" >&2; exit 1; }
echo "BENCH http_insert_rows_per_s ${best[none]} rows/s"
echo "BENCH http_insert_gzip_rows_per_s ${best[gzip]} rows/s"
echo "BENCH http_insert_bytes_sent_none ${bsent[none]} bytes"
echo "BENCH http_insert_bytes_sent_gzip ${bsent[gzip]} bytes"
echo "BENCH http_insert_client_cpu_none ${bcpu[none]} ns/row"
echo "BENCH http_insert_client_cpu_gzip ${bcpu[gzip]} ns/row"
echo "BENCH http_insert_bytes_sent_zstd ${bsent[zstd]} bytes"
echo "BENCH http_insert_client_cpu_zstd ${bcpu[zstd]} ns/row"
echo "BENCH http_insert_bytes_sent_lz4 ${bsent[lz4]} bytes"
echo "BENCH http_insert_client_cpu_lz4 ${bcpu[lz4]} ns/row"
