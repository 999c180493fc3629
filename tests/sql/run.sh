#!/usr/bin/env bash
# SQL golden tests: applies schema/ and views/ to a fresh embedded ClickHouse (libchdb 26.x)
# and diffs every tests/queries/NNNNN_name.sql against its .reference (see tests/tools/sqltest.c).
# Usage: tests/sql/run.sh [--only SUBSTR] [--record]   (--record rewrites references: review them!)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -x build/tests/tools/sqltest ] || make --no-print-directory build/tests/tools/sqltest >/dev/null
exec timeout "${SQLTEST_TIMEOUT:-600}" build/tests/tools/sqltest run "$@"
