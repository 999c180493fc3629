#!/usr/bin/env bash
# OTLP decode throughput on one core (spans/s), protobuf and OTLP/JSON, on a 20-span record
# made by the OpenTelemetry JS SDK (tests/otel/vectors/bench_20spans.*), next to the flat-JSON
# decoder measured the same way in the same minute (decode + map to span_t + validate_span, CPU
# time, best of 3). Budget: OTLP protobuf at least the flat-JSON spans/s.
# Prints a table and BENCH lines, including otlp_proto_vs_flat_json (ratio, >= 1 meets it).
set -euo pipefail
cd "$(dirname "$0")/.."
make --no-print-directory build/bench/bench_otlp build/bench/bench_decode >/dev/null
b=build/bench/bench_otlp
secs=${BENCH_SECONDS:-1}
pin() { timeout 120 taskset -c 0 "$@" 2>/dev/null || timeout 120 "$@"; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
printf '%-12s %s\n' encoding result
for enc in proto json; do
  ext=$enc; [ "$enc" = proto ] && ext=pb
  pin "$b" "$enc" "tests/otel/vectors/bench_20spans.$ext" "$secs" 3 | tee -a "$out"
done
pin build/bench/bench_decode 2000000 3 | grep '^BENCH json_decode_spans_per_s' | tee -a "$out"
awk '$2 == "otlp_proto_spans_per_s" {p = $3} $2 == "json_decode_spans_per_s" {j = $3}
     END {if (p && j) {printf "otlp_proto / flat json per span: %.2fx\n", p / j;
                       printf "BENCH otlp_proto_vs_flat_json %.2f ratio\n", p / j}}' "$out"
