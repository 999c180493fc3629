#!/usr/bin/env bash
# Pricing + tenant enrichment throughput per span on one core (bench/bench_enrich.c), with the
# shipped schema/pricing.csv and schema/tenants.csv. Prints a table and BENCH lines.
# ENRICH_SPANS sets how many spans each timed run enriches (default 20,000,000).
set -euo pipefail
cd "$(dirname "$0")/.."
make --no-print-directory build/bench/bench_enrich >/dev/null
timeout 300 build/bench/bench_enrich schema/pricing.csv schema/tenants.csv "${ENRICH_SPANS:-20000000}"
