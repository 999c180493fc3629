#!/usr/bin/env bash
# The Node.js producer example of docs/producers.md (docs/examples/producer.mjs, kafkajs from
# npm) as a producer team would run it: 500 spans produced into the mock cluster (gzip, keyed by
# trace id), consumed by the real worker into the embedded engine, every one stored once, priced
# from the shipped pricing file, its cache reads split out of OpenAI's inclusive prompt_tokens
# (token_convention), and attributed to the tenant its api_key_id maps to.
source "$(dirname "$0")/lib/prelude.sh"
source tests/integration/lib/worker.sh
make --no-print-directory -s build/spanhouse build/tests/tools/mockkafka build/tools/chdbsql >/dev/null
bash scripts/install-otel-node.sh tests/producer
work_dir producer
SQL=build/tools/chdbsql

mock_start spans:4
# The example imports kafkajs from its own directory's node_modules: run a copy from there.
cp docs/examples/producer.mjs tests/producer/producer.mjs
out=$(cd tests/producer && KAFKA_BROKERS=$MOCK_BOOT SPANS_TOPIC=spans COUNT=500 KAFKAJS_NO_PARTITIONER_WARNING=1 \
  timeout 60 node producer.mjs 2> "$D/node.log") || fail "node producer exit $?"
rm -f tests/producer/producer.mjs
[ "$out" = "produced 500" ] || fail "node producer said: $out"

timeout 120 build/spanhouse schema apply --sink chdb --chdb-path "$D/db" --log-level warn > /dev/null
timeout 120 build/spanhouse run --sink chdb --chdb-path "$D/db" --brokers "$MOCK_BOOT" --topic spans \
  --group producer-example --rejected-table llm_spans_rejected --pricing schema/pricing.csv \
  --tenants schema/tenants.csv --exit-at-eof --log-level warn 2> "$D/worker.log" || fail "worker exit $?"
got=$($SQL "$D/db" "SELECT count(), uniqExact(trace_id, span_id), countIf(pricing_status = 'ok'), countIf(tenant_id = 'acme' AND team_id = 'search'),
  sum(input_tokens), sum(cache_read_tokens), countIf(response_model = 'gpt-4o-mini-2024-07-18'), countIf(cost_usd > 0) FROM spanhouse.llm_spans")
# input 1200+i over i < 500 = 724,750; cache reads 1024 on the 250 odd i = 256,000.
[ "$got" = "500	500	500	500	724750	256000	500	500" ] || fail "stored: $got"
[ "$($SQL "$D/db" "SELECT count() FROM spanhouse.llm_spans_rejected")" = 0 ] || fail "dead letters from the example"
echo "ok: docs/examples/producer.mjs (kafkajs) -> mock cluster -> worker: 500 spans stored once, priced, cache reads split, tenant acme/search"
