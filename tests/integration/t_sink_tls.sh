#!/usr/bin/env bash
# The HTTP sink over TLS to ClickHouse 18.16 (HTTPS port with a fresh self-signed certificate):
# verified with the right CA file → stored; verification on without that CA → fatal (not
# retried forever); verification off → stored; gzip over TLS → stored; exact count.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/integration/lib/chserver.sh
make --no-print-directory -s build/tests/tools/sink_drive build/tests/tools/print_ddl >/dev/null
CH_TLS=1 chserver_start
chserver_create_legacy_spans
fail() { echo "FAIL: $*" >&2; exit 1; }
run() { build/tests/tools/sink_drive --url "$CH_HTTPS_URL" --timeout-ms 20000 "$@"; }
out=$(printf 'insert verified 1000 0\n' | run --tls-verify 1 --ca-file "$CH_DIR/ca.crt")
grep -q '^RESULT verified ERR_OK ' <<<"$out" || fail "verified: $out"
out=$(printf 'insert unknownca 1000 1000\n' | run --tls-verify 1)
grep -q '^RESULT unknownca server_fatal 0 0 curl: ' <<<"$out" || fail "unknown CA: $out"
out=$(printf 'insert noverify 1000 1000\n' | run --tls-verify 0)
grep -q '^RESULT noverify ERR_OK ' <<<"$out" || fail "no verify: $out"
out=$(printf 'insert gz 1000 2000\n' | run --tls-verify 1 --ca-file "$CH_DIR/ca.crt" --compression gzip)
grep -q '^RESULT gz ERR_OK ' <<<"$out" || fail "gzip over TLS: $out"
n=$(chserver_query "SELECT count(), uniqExact(kafka_offset) FROM spanhouse.llm_spans")
[ "$n" = "3000	3000" ] || fail "count $n"
echo "t_sink_tls: OK"
