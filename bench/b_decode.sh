#!/usr/bin/env bash
# Decode+validate throughput of the flat JSON span decoder on realistic ~500-byte spans, one core.
# Prints the table of bench_decode and its BENCH lines (best of 3 runs of SPANS spans each).
set -euo pipefail
cd "$(dirname "$0")/.."
make --no-print-directory build/bench/bench_decode >/dev/null
timeout 300 ./build/bench/bench_decode "${SPANS:-2000000}" 3
