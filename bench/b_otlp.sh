#!/usr/bin/env bash
# OTLP decode throughput on one core (spans/s), protobuf and OTLP/JSON, on a 20-span record
# made by the OpenTelemetry JS SDK (tests/otel/vectors/bench_20spans.*). Budget: at least the
# flat-JSON decoder's spans/s. Prints a table and BENCH lines.
set -euo pipefail
cd "$(dirname "$0")/.."
make --no-print-directory build/bench/bench_otlp >/dev/null
b=build/bench/bench_otlp
secs=${BENCH_SECONDS:-1}
printf '%-12s %s\n' encoding result
for enc in proto json; do
  ext=$enc; [ "$enc" = proto ] && ext=pb
  timeout 120 taskset -c 0 "$b" "$enc" "tests/otel/vectors/bench_20spans.$ext" "$secs" 3 2>/dev/null ||
    timeout 120 "$b" "$enc" "tests/otel/vectors/bench_20spans.$ext" "$secs" 3
done
