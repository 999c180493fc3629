#!/usr/bin/env bash
# Runs every integration / fault test tests/integration/t_*.sh, each bounded by a timeout,
# INTEGRATION_JOBS at a time (default 3: most of a test's time is waiting on brokers, servers
# and timers, so three overlap well on two cores — 5.7 min for the suite instead of 9.5 with two.
# A test that relies on Kafka sessions must survive that CPU sharing: t_worker_groups' case 3
# once used 3 s sessions and lost membership over and over in two of five runs). Each test starts the servers it needs on free
# loopback ports and stops them itself; its output is printed in one block when it ends.
#   tests/integration/run.sh [t_name…]   only the named tests (t_soak or t_soak.sh)
set -uo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp -d "${TMPDIR:-/tmp}/spanhouse-int.XXXXXX")
trap 'rm -rf "$out"' EXIT
if [ $# -gt 0 ]; then
  tests=(); for n in "$@"; do tests+=("tests/integration/${n%.sh}.sh"); done
else
  # the longest first (measured in CI), so the lanes end together
  slow="t_worker_groups t_soak t_worker_sigterm t_worker_concurrency t_row_policies t_dashboard_sql t_cluster_replicas t_worker_faults"
  tests=()
  for n in $slow; do tests+=("tests/integration/$n.sh"); done
  for t in tests/integration/t_*.sh; do
    case " $slow " in *" $(basename "$t" .sh) "*) ;; *) tests+=("$t") ;; esac
  done
fi
run_one() {
  local t=$1 out=$2 start rc name
  name=$(basename "$t" .sh); start=$(date +%s)
  timeout "${INTEGRATION_TIMEOUT:-480}" bash "$t" > "$out/$name.log" 2>&1; rc=$?
  { cat "$out/$name.log"
    if [ $rc = 0 ]; then echo "PASS $t ($(( $(date +%s) - start ))s)"; else echo "FAIL $t (exit $rc)"; fi; } > "$out/$name.report"
  cat "$out/$name.report"
  echo $rc > "$out/$name.rc"
}
export -f run_one
printf '%s\n' "${tests[@]}" | xargs -P "${INTEGRATION_JOBS:-3}" -I{} bash -c 'run_one "$1" "$2"' _ {} "$out"
fail=0; n=0
for t in "${tests[@]}"; do
  n=$((n+1)); name=$(basename "$t" .sh)
  [ "$(cat "$out/$name.rc" 2>/dev/null)" = 0 ] || { echo "FAILED: $t"; fail=1; }
done
echo "integration: $n test(s)"
exit $fail
