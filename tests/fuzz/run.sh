#!/usr/bin/env bash
# Bounded libFuzzer runs of every build/fuzz/fuzz_* target, FUZZ_JOBS at a time (default 2, one
# per core: each run is CPU-bound for its FUZZ_SECONDS, so two in parallel halve the wall time
# and keep every fuzzer's own budget). Seeds: tests/fuzz/corpus/<name>/ and the directories
# listed in tests/fuzz/corpus/<name>.dirs; new inputs go to build/fuzz/corpus-fuzz_<name>/
# (libFuzzer writes into the first directory given). Each run's last lines are printed in one
# block; any crash, leak or timeout fails the whole run.
#   tests/fuzz/run.sh SECONDS FUZZER...
set -uo pipefail
cd "$(dirname "$0")/../.."
secs=${1:?usage: run.sh SECONDS FUZZER...}; shift
out=$(mktemp -d "${TMPDIR:-/tmp}/spanhouse-fuzz.XXXXXX")
trap 'rm -rf "$out"' EXIT
fuzz_one() {
  local f=$1 secs=$2 out=$3 n seeds rc
  n=$(basename "$f")
  mkdir -p "build/fuzz/corpus-$n"
  seeds=tests/fuzz/corpus/${n#fuzz_}; [ -d "$seeds" ] || seeds=
  seeds="$seeds $(cat "tests/fuzz/corpus/${n#fuzz_}.dirs" 2>/dev/null || true)"
  # shellcheck disable=SC2086
  "$f" -max_total_time="$secs" -rss_limit_mb=2048 -max_len=65536 -print_final_stats=0 \
    "build/fuzz/corpus-$n" $seeds > "$out/$n.log" 2>&1
  rc=$?
  { echo "== $f (${secs}s)"; tail -n 3 "$out/$n.log"; [ $rc = 0 ] || echo "FAIL $f (exit $rc)"; } > "$out/$n.report"
  cat "$out/$n.report"
  echo $rc > "$out/$n.rc"
}
export -f fuzz_one
printf '%s\n' "$@" | xargs -P "${FUZZ_JOBS:-2}" -I{} bash -c 'fuzz_one "$1" "$2" "$3"' _ {} "$secs" "$out"
fail=0
for f in "$@"; do [ "$(cat "$out/$(basename "$f").rc" 2>/dev/null)" = 0 ] || { echo "FAILED: $f"; fail=1; }; done
echo "fuzz: $# target(s), ${secs}s each"
exit $fail
