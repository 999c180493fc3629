#!/usr/bin/env bash
# Eval decode+validate+encode throughput per core, next to the span path on the same machine.
# Prints the table of bench_eval and its BENCH lines (best of 3 runs of N records each).
set -euo pipefail
cd "$(dirname "$0")/.."
make --no-print-directory build/bench/bench_eval >/dev/null
timeout 300 ./build/bench/bench_eval "${N:-1000000}" 3
