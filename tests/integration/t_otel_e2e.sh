#!/usr/bin/env bash
# OTLP end to end: the SDK-made trace export requests (tests/otel/vectors, produced by the real
# OpenTelemetry JS SDK) are produced as the Collector's kafka exporter writes them, one request
# per Kafka record, into a mock-cluster topic per encoding; one worker consumes both topics
# (--topic NAME:otlp_proto --topic NAME:otlp_json) into the embedded ClickHouse engine; every
# mapped column of every stored row must equal expected.tsv (the decoder's contract), and a
# corrupt record must be dead-lettered whole with its original bytes, storing none of its spans.
source "$(dirname "$0")/lib/prelude.sh"
make -s build/spanhouse build/tools/loadgen build/tools/chdbsql >/dev/null
work_dir otele2e; tmp=$D
pid=""
at_exit 'kill_var pid'

build/tools/loadgen --mock 1 --partitions 1 --count 0 --linger-s -1 --topic otlp.other >"$tmp/mock.out" 2>"$tmp/mock.err" &
pid=$!
for _ in $(seq 1 300); do grep -q '^BOOTSTRAP' "$tmp/mock.out" 2>/dev/null && break; sleep 0.1; done
bs=$(awk '/^BOOTSTRAP/{print $2}' "$tmp/mock.out")
[ -n "$bs" ] || { cat "$tmp/mock.err"; fail "mock cluster did not start"; }

V=tests/otel/vectors
head -c 200 "$V/request.pb" >"$tmp/truncated.pb"   # a record cut short: poison
timeout 30 kcat -P -b "$bs" -t otlp.proto -p 0 "$V/request.pb" "$tmp/truncated.pb" || fail "produce proto"
timeout 30 kcat -P -b "$bs" -t otlp.json -p 0 "$V/request_collector.json" || fail "produce json"

db="$tmp/ch"
build/spanhouse schema apply --sink chdb --chdb-path "$db" --log-level warn
# The SDK vectors are stamped 2025-11: older than the raw table's 30-day TTL, which would drop
# them on insert (as it drops any backfill past retention). Keep them for the comparison.
build/tools/chdbsql "$db" "ALTER TABLE spanhouse.llm_spans REMOVE TTL"
timeout 120 build/spanhouse run --sink chdb --chdb-path "$db" --brokers "$bs" --group otel-e2e \
  --topic otlp.proto:otlp_proto --topic otlp.json:otlp_json --rejected-table llm_spans_rejected \
  --exit-at-eof --log-level info 2>"$tmp/worker.log" || { tail -20 "$tmp/worker.log"; fail "worker exited"; }

cols="span_id, trace_id, parent_span_id, toUnixTimestamp64Milli(timestamp), latency_ms,
  ifNull(toString(ttft_ms), ''), provider, model, response_model, operation, endpoint, feature,
  prompt_template, prompt_version, tenant_id, team_id, user_id, session_id, request_id, service,
  environment, deploy_version, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
  reasoning_tokens, streaming, status, error_class, http_status, finish_reason,
  arrayStringConcat(arrayMap((k, v) -> concat(k, '=', v), mapKeys(attributes), mapValues(attributes)), '|')"
# validate_span fills response_model from model when the span has none (docs/span-format.md).
tail -n +3 "$V/expected.tsv" | awk -F'\t' 'BEGIN{OFS="\t"} $9 == "" {$9 = $8} {print}' | sort >"$tmp/want.tsv"
for t in otlp.proto otlp.json; do
  build/tools/chdbsql "$db" "SELECT $cols FROM spanhouse.llm_spans WHERE kafka_topic = '$t' FORMAT TSVRaw" | sort >"$tmp/got.tsv"
  diff "$tmp/want.tsv" "$tmp/got.tsv" >&2 || fail "topic $t: stored columns differ from expected.tsv"
  echo "ok $t: $(wc -l <"$tmp/got.tsv") spans stored with every mapped column as expected"
done
rej=$(build/tools/chdbsql "$db" "SELECT topic, offset, reason, length(payload) FROM spanhouse.llm_spans_rejected FORMAT TSV")
[ "$rej" = "$(printf 'otlp.proto\t1\tbad_protobuf\t200')" ] || fail "dead letters: got [$rej]"
echo "ok corrupt record dead-lettered whole with its 200 original bytes, none of its spans stored"

# exit-at-eof without librdkafka's end-of-partition events (one run waited 115 s for one in CI):
# the worker still finds every partition at its end, by position against the high watermark
# (or an empty partition), stores the same rows and exits.
db2="$tmp/ch2"
build/spanhouse schema apply --sink chdb --chdb-path "$db2" --log-level warn
build/tools/chdbsql "$db2" "ALTER TABLE spanhouse.llm_spans REMOVE TTL"
timeout 60 build/spanhouse run --sink chdb --chdb-path "$db2" --brokers "$bs" --group otel-e2e-noeof \
  --topic otlp.proto:otlp_proto --topic otlp.json:otlp_json --rejected-table llm_spans_rejected \
  --kafka.enable.partition.eof=false --exit-at-eof --log-level info 2>"$tmp/worker2.log" ||
  { tail -20 "$tmp/worker2.log"; fail "worker without end-of-partition events did not finish"; }
grep -q 'event=eof_by_position' "$tmp/worker2.log" || fail "no partition found at its end by position"
n1=$(build/tools/chdbsql "$db" "SELECT count() FROM spanhouse.llm_spans")
n2=$(build/tools/chdbsql "$db2" "SELECT count() FROM spanhouse.llm_spans")
[ "$n1" = "$n2" ] || fail "without end-of-partition events: $n2 spans, want $n1"
# Again, the group now committed at every partition's end: no record is fetched at all, and the
# position librdkafka reports stays unset; the committed offset says where the worker starts.
timeout 60 build/spanhouse run --sink chdb --chdb-path "$db2" --brokers "$bs" --group otel-e2e-noeof \
  --topic otlp.proto:otlp_proto --topic otlp.json:otlp_json --rejected-table llm_spans_rejected \
  --kafka.enable.partition.eof=false --exit-at-eof --log-level info 2>"$tmp/worker3.log" ||
  { tail -20 "$tmp/worker3.log"; fail "worker starting at the end without end-of-partition events did not finish"; }
n3=$(build/tools/chdbsql "$db2" "SELECT count() FROM spanhouse.llm_spans")
[ "$n3" = "$n2" ] || fail "restart at the end stored $n3 spans, want $n2"
echo "ok without end-of-partition events: every partition found at its end by position, $n2 spans, exited; again from the committed end: exited, nothing re-stored"
