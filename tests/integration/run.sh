#!/usr/bin/env bash
# Runs every integration / fault test tests/integration/t_*.sh, each bounded by a timeout.
# Each test starts the servers it needs on free loopback ports and stops them itself.
set -uo pipefail
cd "$(dirname "$0")/../.."
fail=0; n=0
for t in tests/integration/t_*.sh; do
  [ -e "$t" ] || continue
  n=$((n+1)); start=$(date +%s)
  if timeout "${INTEGRATION_TIMEOUT:-480}" bash "$t"; then
    echo "PASS $t ($(( $(date +%s) - start ))s)"
  else
    echo "FAIL $t"; fail=1
  fi
done
echo "integration: $n test(s)"
exit $fail
