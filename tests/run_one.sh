#!/usr/bin/env bash
# One test by name (what `make test T=NAME` runs after building):
#   test_NAME      the unit test tests/unit/test_NAME.c (built, then run)
#   t_NAME         the integration test tests/integration/t_NAME.sh (through run.sh)
#   anything else  the SQL golden tests whose file name contains it (tests/sql/run.sh --only)
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: tests/run_one.sh NAME}
name=${name%.c}; name=${name%.sh}; name=${name%.sql}; name=$(basename "$name")
if [ -f "tests/unit/$name.c" ]; then
  make --no-print-directory -s "build/tests/$name"
  exec "build/tests/$name"
elif [ -f "tests/integration/$name.sh" ]; then
  exec bash tests/integration/run.sh "$name"
elif ls tests/queries/*"$name"*.sql > /dev/null 2>&1; then
  exec bash tests/sql/run.sh --only "$name"
else
  echo "no test named '$name': tests/unit/$name.c, tests/integration/$name.sh or tests/queries/*$name*.sql" >&2
  exit 2
fi
