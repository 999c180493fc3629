#!/usr/bin/env bash
# OTLP evaluation-result throughput on one core (log records/s, decode + validate + RowBinary
# encode), protobuf and OTLP/JSON, on a record of 20 gen_ai.evaluation.result log records made
# by the OpenTelemetry JS SDK (tests/otel/vectors/bench_logs_20.*). Prints a table and BENCH
# lines (BENCH otlp_logs_decode <n> records/s is the protobuf figure).
set -euo pipefail
cd "$(dirname "$0")/.."
make --no-print-directory build/bench/bench_otlp_logs >/dev/null
b=build/bench/bench_otlp_logs
secs=${BENCH_SECONDS:-1}
for enc in proto json; do
  ext=$enc; [ "$enc" = proto ] && ext=pb
  timeout 120 taskset -c 0 "$b" "$enc" "tests/otel/vectors/bench_logs_20.$ext" "$secs" 3 2>/dev/null ||
    timeout 120 "$b" "$enc" "tests/otel/vectors/bench_logs_20.$ext" "$secs" 3
done
