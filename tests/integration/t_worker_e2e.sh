#!/usr/bin/env bash
# End to end: keyed spans with poison mixed in, produced into librdkafka's mock cluster, then
# `spanhouse run --exit-at-eof` into ClickHouse 18.16 (legacy mode). Asserts the exact row
# count and token and cost sums, every poison message in the DLQ topic with its reason header
# and in llm_spans_rejected, and the group's committed offsets at the end of each partition.
source "$(dirname "$0")/lib/prelude.sh"
source tests/integration/lib/chserver.sh
source tests/integration/lib/worker.sh
make --no-print-directory -s build/spanhouse build/tests/tools/mockkafka build/tests/tools/print_ddl >/dev/null

N=${N:-20000}
# The mock broker only forgets a member that left at its session timeout: keep it short.
KOPTS="--kafka.session.timeout.ms=6000 --kafka.heartbeat.interval.ms=500"
chserver_start
chserver_create_legacy_spans
chserver_query "CREATE TABLE spanhouse.llm_spans_rejected (received_at Int64, kind String, topic String, partition Int32, offset Int64, key String, reason String, field String, detail String, payload String) ENGINE = MergeTree ORDER BY (topic, partition, offset)"
work_dir workere2e; W=$D

mock_start spans:4 dlq:1
spans_gen "$N" 50 "$W/spans.tsv" "$W/sums"
read -r GOOD TOK COST BAD < "$W/sums"
ans=$(mock_cmd "produce spans $W/spans.tsv")
[ "$ans" = "produced $N failed 0" ] || fail "produce: $ans"

timeout 120 build/spanhouse run --brokers "$MOCK_BOOT" --topic spans --group g1 \
  --clickhouse-url "$CH_URL" --legacy --dlq-topic dlq --rejected-table llm_spans_rejected \
  --batch-max-rows 3000 --exit-at-eof $KOPTS --metrics-addr 127.0.0.1:0 2> "$W/worker.log" || fail "worker exit $?"

got=$(chserver_query "SELECT count(), sum(input_tokens + output_tokens), sum(cost_usd) FROM spanhouse.llm_spans")
[ "$got" = "$GOOD	$TOK	$COST" ] || fail "stored: got '$got', want '$GOOD	$TOK	$COST'"
dup=$(chserver_query "SELECT count() - uniqExact(kafka_partition, kafka_offset) FROM spanhouse.llm_spans")
[ "$dup" = 0 ] || fail "$dup duplicate rows"
rej=$(chserver_query "SELECT count(), uniqExact(partition, offset) FROM spanhouse.llm_spans_rejected")
[ "$rej" = "$BAD	$BAD" ] || fail "rejected table: got '$rej', want $BAD"

# Every poison message is in the DLQ with a reason header and its original key.
timeout 60 kcat -C -b "$MOCK_BOOT" -t dlq -e -q -f '%k %h\n' > "$W/dlq.txt" 2>/dev/null || fail "kcat"
[ "$(wc -l < "$W/dlq.txt")" = "$BAD" ] || fail "DLQ has $(wc -l < "$W/dlq.txt") letters, want $BAD"
for r in json_syntax negative_value not_an_object missing_field; do
  grep -q "reason=$r," "$W/dlq.txt" || fail "no DLQ letter with reason $r: $(head -n 2 "$W/dlq.txt")"
done
grep -q "source_topic=spans,source_partition=" "$W/dlq.txt" || fail "no source headers: $(head -n 1 "$W/dlq.txt")"
[ "$(cut -d' ' -f1 "$W/dlq.txt" | sort -u | wc -l)" = "$BAD" ] || fail "DLQ keys are not the original ones"

# A second run of the same group finds everything committed: nothing new is stored.
timeout 60 build/spanhouse run --brokers "$MOCK_BOOT" --topic spans --group g1 \
  --clickhouse-url "$CH_URL" --legacy --dlq-topic dlq --exit-at-eof $KOPTS 2> "$W/worker2.log" || fail "second run exit $?"
got2=$(chserver_query "SELECT count() FROM spanhouse.llm_spans")
[ "$got2" = "$GOOD" ] || fail "second run re-inserted: $got2 rows, want $GOOD"
grep -q 'event=stopped.*consumed=0' "$W/worker2.log" || fail "second run consumed again: $(grep stopped "$W/worker2.log")"
echo "ok: $GOOD spans stored, $BAD dead-lettered, tokens $TOK, cost_nusd $COST"
