#!/usr/bin/env bash
# Every command given --help (or -h) prints the usage on stdout and exits 0 at once, connecting
# to nothing — also with a complete configuration that would otherwise start the worker
# (`spanhouse run --help` used to start consuming). Options after --help are not checked.
# `spanhouse version` names the release, the commit and the libraries.
set -euo pipefail
cd "$(dirname "$0")/../.."
make --no-print-directory -s build/spanhouse >/dev/null
D=$(mktemp -d "${TMPDIR:-/tmp}/spanhouse-help.XXXXXX")
trap 'rm -rf "$D"' EXIT
fail() { echo "FAIL: $*" >&2; cat "$D/out" "$D/err" >&2 2>/dev/null || true; exit 1; }
full=(--brokers 127.0.0.1:9 --topic llm.spans --clickhouse-url http://127.0.0.1:9 --log-level warn)
while IFS= read -r cmd; do
  for h in --help -h; do
    # shellcheck disable=SC2086
    set +e; timeout 5 build/spanhouse $cmd "${full[@]}" $h > "$D/out" 2> "$D/err"; rc=$?; set -e
    [ "$rc" = 0 ] || fail "'spanhouse $cmd $h' exit $rc"
    grep -q '^usage: spanhouse <command>' "$D/out" || fail "'spanhouse $cmd $h' printed no usage"
    [ ! -s "$D/err" ] || fail "'spanhouse $cmd $h' wrote to stderr"
  done
done <<'CMDS'
run
replay --from 0 --to 1
ingest-file x.jsonl
check-config
schema apply
schema plan
reconcile
reprice --from 0 --pricing schema/pricing.csv
bill import x.csv
pricing import x.json
CMDS
# version: the release, the commit (this is a git checkout) and the linked libraries.
build/spanhouse version > "$D/out" || fail "version exit $?"
grep -Eq '^spanhouse [0-9]+\.[0-9]+\.[0-9]+ \(build [0-9a-f]{7,}' "$D/out" || fail "version: no release and commit"
grep -q 'librdkafka .*libcurl.*jansson' "$D/out" || fail "version: no library versions"
echo "ok: 10 commands x --help/-h: usage, exit 0, nothing started"
