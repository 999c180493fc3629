#!/usr/bin/env bash
# OTLP mapping options end to end (mock Kafka cluster -> worker -> embedded ClickHouse engine):
# - with the defaults, app.team_id fills team_id, acme.team stays in `attributes`, non-LLM spans
#   are skipped and counted in spanhouse_otlp_spans_skipped_total (read from /metrics);
# - with --otlp-team-attr=acme.team, SPANHOUSE_OTLP_TENANT_ATTR=acme.tenant and --otlp-keep-all,
#   the custom keys land in team_id / tenant_id (app.team_id is then an ordinary attribute) and
#   the non-LLM spans are stored too (model "_none", operation = span name), none dead-lettered.
# Inputs: the SDK-made protobuf vector (8 spans, 6 LLM) and a small OTLP/JSON record written
# here (1 LLM span, 1 HTTP span).
source "$(dirname "$0")/lib/prelude.sh"
make -s build/spanhouse build/tools/loadgen build/tools/chdbsql >/dev/null
work_dir otelkeys; tmp=$D
mock=""
wk=""
at_exit 'kill_var wk; kill_var mock'

build/tools/loadgen --mock 1 --partitions 1 --count 0 --linger-s -1 --topic otlp.other >"$tmp/mock.out" 2>"$tmp/mock.err" &
mock=$!
for _ in $(seq 1 300); do grep -q '^BOOTSTRAP' "$tmp/mock.out" 2>/dev/null && break; sleep 0.1; done
bs=$(awk '/^BOOTSTRAP/{print $2}' "$tmp/mock.out")
[ -n "$bs" ] || { cat "$tmp/mock.err"; fail "mock cluster did not start"; }

now=$(date +%s%N)
end=$((now + 420000000))
cat >"$tmp/keys.json" <<EOF
{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}}]},
 "scopeSpans":[{"scope":{"name":"test"},"spans":[
  {"traceId":"11111111111111111111111111111111","spanId":"aaaaaaaaaaaaaaaa","name":"chat gpt-4o","kind":3,
   "startTimeUnixNano":"$now","endTimeUnixNano":"$end","attributes":[
    {"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},
    {"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},
    {"key":"gen_ai.usage.input_tokens","value":{"intValue":"100"}},
    {"key":"acme.team","value":{"stringValue":"payments"}},
    {"key":"acme.tenant","value":{"stringValue":"t-42"}},
    {"key":"app.team_id","value":{"stringValue":"default-team"}}],"status":{}},
  {"traceId":"11111111111111111111111111111111","spanId":"bbbbbbbbbbbbbbbb","name":"POST /checkout","kind":2,
   "startTimeUnixNano":"$now","endTimeUnixNano":"$end","attributes":[
    {"key":"http.route","value":{"stringValue":"/checkout"}},
    {"key":"acme.team","value":{"stringValue":"payments"}}],"status":{}}]}]}]}
EOF
tr -d '\n' <"$tmp/keys.json" >"$tmp/keys1.json"
timeout 30 kcat -P -b "$bs" -t otlp.proto -p 0 tests/otel/vectors/request.pb || fail "produce proto"
timeout 30 kcat -P -b "$bs" -t otlp.keys -p 0 "$tmp/keys1.json" || fail "produce json"

newdb() {
  build/spanhouse schema apply --sink chdb --chdb-path "$1" --log-level warn
  # The SDK vector is stamped 2025-11, older than the raw table's 30-day TTL.
  build/tools/chdbsql "$1" "ALTER TABLE spanhouse.llm_spans REMOVE TTL"
}
q() { build/tools/chdbsql "$1" "$2 FORMAT TSV"; }
topics=(--topic otlp.proto:otlp_proto --topic otlp.keys:otlp_json)

# Run 1: defaults. The skipped counter is read from /metrics while the worker runs, then the
# worker is stopped with SIGTERM (graceful: flush and commit) and the table is read.
db1="$tmp/ch1"
newdb "$db1"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
build/spanhouse run --sink chdb --chdb-path "$db1" --brokers "$bs" --group keys1 "${topics[@]}" \
  --rejected-table llm_spans_rejected --batch-max-age-ms 100 --metrics-addr "127.0.0.1:$port" \
  --log-level warn 2>"$tmp/worker1.log" &
wk=$!
skipped="" inserted=""
for _ in $(seq 1 300); do
  m=$(curl -fsS "http://127.0.0.1:$port/metrics" 2>/dev/null || true)
  skipped=$(awk '$1 == "spanhouse_otlp_spans_skipped_total" {print $2}' <<<"$m")
  inserted=$(awk '$1 ~ /^spanhouse_inserted_rows_total/ {s += $2} END {print s + 0}' <<<"$m")
  [ "$skipped" = 3 ] && [ "$inserted" = 7 ] && break
  kill -0 "$wk" 2>/dev/null || { tail -20 "$tmp/worker1.log"; fail "worker 1 exited"; }
  sleep 0.1
done
[ "$skipped" = 3 ] || fail "spanhouse_otlp_spans_skipped_total: got '$skipped', want 3 (2 SDK + 1 HTTP span)"
[ "$inserted" = 7 ] || fail "inserted rows: got '$inserted', want 7"
kill -TERM "$wk"
wait "$wk" || fail "worker 1 did not stop cleanly: $(tail -5 "$tmp/worker1.log")"
wk=""
got=$(q "$db1" "SELECT count(), countIf(model = '_none') FROM spanhouse.llm_spans")
[ "$got" = "$(printf '7\t0')" ] || fail "defaults: rows [$got], want 7 LLM spans and no non-LLM span"
got=$(q "$db1" "SELECT tenant_id, team_id, service, attributes['acme.team'] FROM spanhouse.llm_spans WHERE span_id = 'aaaaaaaaaaaaaaaa'")
[ "$got" = "$(printf '\tdefault-team\tcheckout\tpayments')" ] || fail "defaults: span aaaa… [$got]"
echo "ok defaults: app.team_id -> team_id, acme.team kept in attributes, 3 non-LLM spans skipped and counted"

# Run 2: custom keys (flag and environment) and keep-all.
db2="$tmp/ch2"
newdb "$db2"
SPANHOUSE_OTLP_TENANT_ATTR=acme.tenant timeout 120 build/spanhouse run --sink chdb --chdb-path "$db2" \
  --brokers "$bs" --group keys2 "${topics[@]}" --rejected-table llm_spans_rejected \
  --otlp-team-attr=acme.team --otlp-keep-all --exit-at-eof --log-level warn 2>"$tmp/worker2.log" ||
  { tail -20 "$tmp/worker2.log"; fail "worker 2 exited"; }
got=$(q "$db2" "SELECT count(), countIf(model = '_none') FROM spanhouse.llm_spans")
[ "$got" = "$(printf '10\t3')" ] || fail "keep-all: rows [$got], want 10 of which 3 non-LLM"
got=$(q "$db2" "SELECT tenant_id, team_id, attributes['app.team_id'], mapContains(attributes, 'acme.team') FROM spanhouse.llm_spans WHERE span_id = 'aaaaaaaaaaaaaaaa'")
[ "$got" = "$(printf 't-42\tpayments\tdefault-team\t0')" ] || fail "custom keys: span aaaa… [$got]"
got=$(q "$db2" "SELECT team_id, model, status, latency_ms, attributes['http.route'], operation FROM spanhouse.llm_spans WHERE span_id = 'bbbbbbbbbbbbbbbb'")
[ "$got" = "$(printf 'payments\t_none\tok\t420\t/checkout\tPOST /checkout')" ] || fail "keep-all: HTTP span [$got] (its span name is its stage: operation)"
got=$(q "$db2" "SELECT operation FROM spanhouse.llm_spans WHERE span_id = 'aaaaaaaaaaaaaaaa'")
[ "$got" = chat ] || fail "keep-all: the LLM span's operation [$got], want its gen_ai.operation.name"
got=$(q "$db2" "SELECT count() FROM spanhouse.llm_spans_rejected")
[ "$got" = 0 ] || fail "keep-all: $got records dead-lettered"
echo "ok --otlp-team-attr=acme.team and SPANHOUSE_OTLP_TENANT_ATTR land in team_id/tenant_id; --otlp-keep-all stores the 3 non-LLM spans"
