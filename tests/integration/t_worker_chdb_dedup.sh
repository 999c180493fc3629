#!/usr/bin/env bash
# Effectively-once on the modern engine (libchdb, ClickHouse 26.x, plain MergeTree): the worker
# is killed between an insert and its commit (test hook), the table's dedup window is then
# shrunk to 1 block and slid past the stored batch, and the worker is restarted with a DIFFERENT batch size while the coordinator fails the
# committed-offset fetch (COORDINATOR_NOT_AVAILABLE, 4 times) and with byte budgets below
# the announced batch's size. The restarted worker must cut the
# announced range exactly (commit metadata), so the dedup token matches and the re-sent batch
# is dropped: exactly one copy of every span, exact token and cost sums.
source "$(dirname "$0")/lib/prelude.sh"
source tests/integration/lib/worker.sh
make --no-print-directory -s build/spanhouse build/tests/tools/mockkafka build/tests/tools/print_ddl build/tools/chdbsql >/dev/null
work_dir chdbdedup
SQL=build/tools/chdbsql
KOPTS="--kafka.session.timeout.ms=6000 --kafka.heartbeat.interval.ms=500"

$SQL "$D/db" "CREATE DATABASE IF NOT EXISTS spanhouse" "$(build/tests/tools/print_ddl modern spanhouse.llm_spans)" || fail "create table"
mock_start spans:2 dlq:1
spans_gen 6000 100 "$D/spans.tsv" "$D/sums"
read -r GOOD TOK COST BAD < "$D/sums"
ans=$(mock_cmd "produce spans $D/spans.tsv"); [ "$ans" = "produced 6000 failed 0" ] || fail "produce: $ans"

run() { # run LOG ROWS [env…]
  local log=$1 rows=$2; shift 2
  env "$@" timeout 120 build/spanhouse run --brokers "$MOCK_BOOT" --topic spans --group gdedup \
    --sink chdb --chdb-path "$D/db" --dlq-topic dlq --batch-max-rows "$rows" --batch-max-age-ms 60000 \
    --exit-at-eof $KOPTS ${EXTRA:-} 2> "$log"
}
set +e; run "$D/run1.log" 1000 SPANHOUSE_TEST_CRASH_AFTER_INSERTS=3; rc=$?; set -e
[ "$rc" = 9 ] || fail "first run should die in the test hook, exit $rc"
grep -q 'event=test_crash' "$D/run1.log" || fail "no test_crash in run 1"
before=$($SQL "$D/db" "SELECT count() FROM spanhouse.llm_spans") || fail "count"
[ "$before" -ge 1000 ] || fail "nothing stored before the crash ($before)"

# The dedup window slides past the stored batch before the restart (window 1, and another
# insert into the table since): the token alone would no longer catch the re-send; the worker
# must find the re-read range stored by its Kafka coordinates and not send it again.
$SQL "$D/db" "ALTER TABLE spanhouse.llm_spans MODIFY SETTING non_replicated_deduplication_window = 1" || fail "alter window"
$SQL "$D/db" "INSERT INTO spanhouse.llm_spans (kafka_topic, kafka_partition, kafka_offset) VALUES ('evict', 0, 0)" || fail "evicting insert"
# The group coordinator fails the committed-offset fetch a few times at the restart's
# assignment: the worker must retry it and still restore the cut (before, it started without
# the cuts, and librdkafka then never fetched the partitions).
ans=$(mock_cmd "err 9 4 15"); [ "$ans" = ok ] || fail "inject OffsetFetch errors: $ans"
# ... and with byte budgets far below the announced batch (1000 rows, ~200 KiB): the announced
# range must still be cut whole (its token), not hit partition-max-bytes as a fatal error.
EXTRA="--batch-max-bytes 48KiB --partition-max-bytes 144KiB --max-message-bytes 48KiB" \
  run "$D/run2.log" 700 || fail "second run exit $?"
grep -q 'planned_cuts=[1-9]' "$D/run2.log" || fail "restart did not restore the announced cut"
got=$($SQL "$D/db" "SELECT count(), uniqExact(kafka_partition, kafka_offset), sum(input_tokens + output_tokens), toInt64(sum(cost_usd) * 1000000000) FROM spanhouse.llm_spans WHERE kafka_topic = 'spans'") || fail "query"
grep -q 'event=range_already_stored' "$D/run2.log" || fail "the re-read range was not checked against the table"
[ "$got" = "$GOOD	$GOOD	$TOK	$COST" ] || fail "got '$got', want '$GOOD	$GOOD	$TOK	$COST' (before restart: $before)"
echo "ok: killed after an insert with $before rows stored; after restart exactly $GOOD rows, sums exact"
