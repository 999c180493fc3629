#!/usr/bin/env bash
# Issue-2 benchmark: decode+validate+enrich+encode of 1,000,000 realistic gen spans on one core
# (CPU time, best of 3), plus RowBinary encoding alone. Prints a table and BENCH lines.
# Usage: bench/b_core.sh [extra bench_core args, e.g. --count 2000000 --reps 5]
set -euo pipefail
cd "$(dirname "$0")/.."
make -s build/bench/bench_core >/dev/null
timeout 600 build/bench/bench_core --count 1000000 --reps 3 "$@"
