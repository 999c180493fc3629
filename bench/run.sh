#!/usr/bin/env bash
# Runs every benchmark bench/b_*.sh; each prints a table and BENCH <name> <value> <unit> lines.
set -euo pipefail
cd "$(dirname "$0")/.."
for b in bench/b_*.sh; do
  [ -e "$b" ] || continue
  echo "== $b"; bash "$b"
done
