#!/usr/bin/env bash
# One OTLP trace record yields several rows at ONE Kafka offset. When ClickHouse refuses the
# batch with a data error, bisection splits those rows; each part must carry its own dedup
# token (topic-partition-first-last plus -r<lo>-<hi> when a part splits an offset's rows, then
# the content hash -x<16 hex>),
# otherwise on a modern server the second part, sent with the first part's token, would be
# silently dropped as a duplicate. Checked on ch_stub's request log: the exact token sequence,
# every token answered 200 distinct, the refused row's record dead-lettered, all committed.
source "$(dirname "$0")/lib/prelude.sh"
source tests/integration/lib/worker.sh
make --no-print-directory -s build/spanhouse build/tests/tools/mockkafka build/tests/tools/ch_stub >/dev/null
work_dir splittok
STUB=
at_exit 'kill_var STUB'

# request.pb (OpenTelemetry JS SDK) holds 6 LLM spans: 6 rows at offset 0.
cat > "$D/script" <<'S'
400 27 0 Cannot parse input: expected row 1
200 - 0
400 27 0 Cannot parse input: expected row 1
200 - 0
400 27 0 Cannot parse input: expected row 1
200 - 0
400 27 0 Cannot parse input: expected row 1
S
build/tests/tools/ch_stub "$D/script" "$D/stub.log" "$D/port" & STUB=$!
for i in $(seq 1 50); do [ -s "$D/port" ] && break; sleep 0.1; done
PORT=$(cat "$D/port")
mock_start otlp:1 dlq:1
timeout 30 kcat -P -b "$MOCK_BOOT" -t otlp -p 0 tests/otel/vectors/request.pb || fail "produce"
run() {
  timeout 120 build/spanhouse run --brokers "$MOCK_BOOT" --topic otlp:otlp_proto --group gsplit \
    --clickhouse-url "http://127.0.0.1:$PORT" --dlq-topic dlq --exit-at-eof --batch-max-age-ms 60000 \
    --insert-concurrency 1 --kafka.session.timeout.ms=6000 2> "$1"
}
run "$D/run1.log" || fail "worker exit $?"
raw=$(grep -o 'token=[^ ]*' "$D/stub.log" | cut -d= -f2)
tokens=$(token_coords <<< "$raw" | tr '\n' ' ') || fail "tokens: $raw"
want="otlp-0-0-0 otlp-0-0-0-r0-3 otlp-0-0-0-r3-6 otlp-0-0-0-r3-4 otlp-0-0-0-r4-6 otlp-0-0-0-r4-5 otlp-0-0-0-r5-6 "
[ "$tokens" = "$want" ] || fail "tokens '$tokens', want '$want'"
grep -q 'event=stopped result=ok consumed=1 inserted=5 rejected=1' "$D/run1.log" || fail "stats: $(grep stopped "$D/run1.log")"
timeout 30 kcat -C -b "$MOCK_BOOT" -t dlq -e -q -f '%h\n' > "$D/dlq.txt" 2>/dev/null || fail kcat
[ "$(wc -l < "$D/dlq.txt")" = 1 ] && grep -q 'reason=server_rejected.*source_topic=otlp,source_partition=0,source_offset=0,' "$D/dlq.txt" || fail "DLQ: $(cat "$D/dlq.txt")"
run "$D/run2.log" || fail "rerun exit $?"
grep -q 'event=stopped result=ok consumed=0' "$D/run2.log" || fail "not committed: $(grep stopped "$D/run2.log")"
echo "ok: 6 rows of one OTLP record bisected with 7 distinct tokens, 5 stored, 1 dead letter, committed"
