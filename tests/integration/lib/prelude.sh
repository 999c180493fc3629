# prelude.sh: how every integration test begins. Source it first, from the test itself:
#
#   source "$(dirname "$0")/lib/prelude.sh"
#
# It sets -euo pipefail, makes the repository root the working directory and installs the one
# EXIT trap of the test. What the test starts is stopped however it ends, in this order:
#   1. the worker whose pid is in WPID (worker_stop, when lib/worker.sh is loaded): a worker
#      goes before the servers it talks to;
#   2. what was registered with at_exit, the last registered first (chserver_start,
#      chhttp_start and mock_start register their own stop);
#   3. the work directory of work_dir (kept when KEEP=1; its path is printed then).
#
#   at_exit 'CMD'    run CMD at the end (a failing CMD does not stop the others)
#   work_dir NAME    D=a fresh ${TMPDIR:-/tmp}/spanhouse-NAME.XXXXXX
#   fail MSG…        "FAIL: MSG" on stderr, the last 12 lines of every $D/*.log and $D/*.out
#                    (dead-letter lines left out), exit 1; a test may define its own after sourcing
#   kill_var VAR     SIGKILL and reap the process whose pid the variable VAR holds, clear VAR
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."

PRELUDE_AT_EXIT=()
D=

at_exit() { PRELUDE_AT_EXIT=("$1" "${PRELUDE_AT_EXIT[@]}"); }

prelude__exit() {
  local rc=$? cmd
  set +e
  if declare -F worker_stop > /dev/null; then worker_stop; fi
  for cmd in "${PRELUDE_AT_EXIT[@]}"; do eval "$cmd"; done
  if [ -n "$D" ]; then
    if [ "${KEEP:-0}" = 1 ]; then echo "kept: $D" >&2; else rm -rf "$D"; fi
  fi
  return $rc
}
trap prelude__exit EXIT

work_dir() { D=$(mktemp -d "${TMPDIR:-/tmp}/spanhouse-$1.XXXXXX"); }

fail() {
  echo "FAIL: $*" >&2
  local f
  if [ -n "$D" ]; then
    for f in "$D"/*.log "$D"/*.out; do
      [ -f "$f" ] || continue
      echo "== $f" >&2
      grep -v dead_letter "$f" | tail -n 12 >&2
    done
  fi
  exit 1
}

kill_var() {
  local pid=${!1:-}
  [ -n "$pid" ] || return 0
  kill -9 "$pid" 2> /dev/null || true
  wait "$pid" 2> /dev/null || true
  printf -v "$1" '%s' ''
}
