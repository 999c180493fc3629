#!/usr/bin/env bash
# The HTTP sink over TLS to ClickHouse 18.16 (HTTPS port with a fresh self-signed certificate):
# verified with the right CA file → stored; verification on without that CA → fatal (not
# retried forever); verification off → stored; gzip over TLS → stored; exact count.
source "$(dirname "$0")/lib/prelude.sh"
source tests/integration/lib/chserver.sh
make --no-print-directory -s build/tests/tools/sink_drive build/tests/tools/print_ddl >/dev/null
CH_TLS=1 chserver_start
chserver_create_legacy_spans
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

# The worker itself (options, not the driver): --tls-ca-file with the private CA stores;
# without it the system bundle refuses the private CA (fatal, nothing stored, exit non-zero);
# --tls-insecure stores and says so.
work_dir tlsw; W=$D
chserver_query "TRUNCATE TABLE spanhouse.llm_spans"
chserver_query "CREATE TABLE spanhouse.llm_spans_rejected (received_at Int64, kind String, topic String, partition Int32, offset Int64, key String, reason String, field String, detail String, payload String) ENGINE = MergeTree ORDER BY (topic, partition, offset)"
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
awk -v now="$now" 'BEGIN { for (i = 0; i < 200; i++) printf "{\"timestamp\":\"%s\",\"trace_id\":\"t%d\",\"span_id\":\"s\",\"provider\":\"openai\",\"model\":\"gpt-4o\",\"input_tokens\":%d,\"output_tokens\":1,\"latency_ms\":5,\"status\":\"ok\"}\n", now, i, i + 1 }' > "$W/spans.jsonl"
wk() { timeout 60 build/spanhouse ingest-file --clickhouse-url "$CH_HTTPS_URL" --legacy --dlq-topic "" \
  --rejected-table llm_spans_rejected --timeout 20s --retry-max-ms 2000 "$@" "$W/spans.jsonl"; }
make --no-print-directory -s build/spanhouse >/dev/null
wk --tls-ca-file "$CH_DIR/ca.crt" 2> "$W/ok.log" || fail "worker with the CA: exit $? $(tail -3 "$W/ok.log")"
[ "$(chserver_query "SELECT count() FROM spanhouse.llm_spans")" = 200 ] || fail "worker with the CA: not stored"
set +e; wk 2> "$W/noca.log"; rc=$?; set -e
[ "$rc" != 0 ] || fail "worker without the private CA succeeded"
[ "$(chserver_query "SELECT count() FROM spanhouse.llm_spans")" = 200 ] || fail "worker without the CA stored rows"
chserver_query "TRUNCATE TABLE spanhouse.llm_spans"
wk --tls-insecure 2> "$W/insecure.log" || fail "worker --tls-insecure: exit $?"
grep -q 'event=tls_insecure' "$W/insecure.log" || fail "--tls-insecure not logged"
[ "$(chserver_query "SELECT count() FROM spanhouse.llm_spans")" = 200 ] || fail "worker --tls-insecure: not stored"
# connect-to: the URL names the certificate's host (ch.spanhouse.test, which no resolver knows),
# the connection goes to 127.0.0.1, and verification is still against the URL's name: stored;
# a name the certificate does not hold is refused even though the address is right; a port
# in connect-to replaces the URL's.
chserver_query "TRUNCATE TABLE spanhouse.llm_spans"
wkn() { local url=$1; shift; timeout 60 build/spanhouse ingest-file --clickhouse-url "$url" --legacy --dlq-topic "" \
  --rejected-table llm_spans_rejected --timeout 20s --retry-max-ms 2000 --tls-ca-file "$CH_DIR/ca.crt" "$@" "$W/spans.jsonl"; }
wkn "https://ch.spanhouse.test:$CH_HTTPS_PORT" --connect-to 127.0.0.1 2> "$W/ct.log" ||
  fail "connect-to: exit $? $(tail -3 "$W/ct.log")"
[ "$(chserver_query "SELECT count() FROM spanhouse.llm_spans")" = 200 ] || fail "connect-to: not stored"
set +e; wkn "https://other.spanhouse.test:$CH_HTTPS_PORT" --connect-to 127.0.0.1 2> "$W/ctbad.log"; rc=$?; set -e
[ "$rc" != 0 ] || fail "connect-to with a name the certificate lacks succeeded"
grep -q 'event=clickhouse_refused.*certificate subject name' "$W/ctbad.log" || fail "connect-to bad name: no clickhouse_refused naming the certificate: $(tail -3 "$W/ctbad.log")"
chserver_query "TRUNCATE TABLE spanhouse.llm_spans"
wkn "https://ch.spanhouse.test:1" --connect-to "127.0.0.1:$CH_HTTPS_PORT" 2> "$W/ctport.log" ||
  fail "connect-to host:port: exit $? $(tail -3 "$W/ctport.log")"
[ "$(chserver_query "SELECT count() FROM spanhouse.llm_spans")" = 200 ] || fail "connect-to host:port: not stored"
set +e; wkn "https://ch.spanhouse.test:1" --connect-to "127.0.0.1:x" 2> "$W/ctsyn.log"; rc=$?; set -e
[ "$rc" = 2 ] || fail "connect-to 127.0.0.1:x: exit $rc, want 2 (configuration)"
echo "t_sink_tls: OK (driver, and the worker's tls-ca-file / no CA / tls-insecure / connect-to)"
