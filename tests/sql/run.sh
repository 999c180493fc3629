#!/usr/bin/env bash
# SQL golden tests: applies schema/ and views/ to a fresh embedded ClickHouse (libchdb 26.x)
# and diffs every tests/queries/NNNNN_name.sql against its .reference (see tests/tools/sqltest.c).
# Usage: tests/sql/run.sh [--only SUBSTR] [--record]   (--record rewrites references: review them!)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -x build/tests/tools/sqltest ] || make --no-print-directory build/tests/tools/sqltest >/dev/null
# The pricing and tenant CSVs carry "#" comment lines that ClickHouse's CSV reader does not skip:
# tests load stripped copies (the same command docs/schema.md gives for loading by hand).
mkdir -p build/sqltest
for f in pricing tenants; do grep -v "^#" "schema/$f.csv" | grep -v "^$" > "build/sqltest/$f.csv"; done
exec timeout "${SQLTEST_TIMEOUT:-600}" build/tests/tools/sqltest run "$@"
