#!/usr/bin/env bash
# A crashed replay resumes (modern engine, libchdb): `replay --from --to` is killed between an
# insert and its commit (test hook), the table's dedup window is shrunk to 1 block and slid
# past what it stored, and the SAME replay is run again with another batch size. It must start
# where the first run committed, with the cut it announced (its group is named after the
# range), look the re-read range up and store every span exactly once. Before, a replay always
# restarted at --from and re-cut everything: with the window slid, every batch stored before
# the crash was stored again.
source "$(dirname "$0")/lib/prelude.sh"
source tests/integration/lib/worker.sh
make --no-print-directory -s build/spanhouse build/tests/tools/mockkafka build/tests/tools/print_ddl build/tools/chdbsql >/dev/null
work_dir replayresume
SQL=build/tools/chdbsql

$SQL "$D/db" "CREATE DATABASE IF NOT EXISTS spanhouse" "$(build/tests/tools/print_ddl modern spanhouse.llm_spans)" || fail "create table"
mock_start spans:2 dlq:1
spans_gen 6000 100 "$D/spans.tsv" "$D/sums"
read -r GOOD TOK COST BAD < "$D/sums"
ans=$(mock_cmd "produce spans $D/spans.tsv"); [ "$ans" = "produced 6000 failed 0" ] || fail "produce: $ans"
# The mock cluster answers offsetsForTimes only for the log ends (t_worker_replay_file.sh):
# from 0 = log start, a `to` an hour ahead = the current end. The same two values both runs.
TO=$(( $(date +%s%3N) + 3600000 ))

run() { # run LOG ROWS [env…]
  local log=$1 rows=$2; shift 2
  env "$@" timeout 120 build/spanhouse replay --brokers "$MOCK_BOOT" --topic spans --group grr \
    --from 0 --to "$TO" --sink chdb --chdb-path "$D/db" --dlq-topic dlq --batch-max-rows "$rows" \
    --batch-max-age-ms 60000 --kafka.session.timeout.ms=6000 2> "$log"
}
set +e; run "$D/run1.log" 1000 SPANHOUSE_TEST_CRASH_AFTER_INSERTS=3; rc=$?; set -e
[ "$rc" = 9 ] || fail "first run should die in the test hook, exit $rc"
before=$($SQL "$D/db" "SELECT count() FROM spanhouse.llm_spans") || fail "count"
[ "$before" -ge 2000 ] || fail "too little stored before the crash ($before)"

$SQL "$D/db" "ALTER TABLE spanhouse.llm_spans MODIFY SETTING non_replicated_deduplication_window = 1" || fail "alter window"
$SQL "$D/db" "INSERT INTO spanhouse.llm_spans (kafka_topic, kafka_partition, kafka_offset) VALUES ('evict', 0, 0)" || fail "evicting insert"

run "$D/run2.log" 700 || fail "second run exit $?"
grep -Eq 'event=partition_assigned topic=spans partition=[01] committed=[1-9][0-9]* ' "$D/run2.log" ||
  fail "the rerun did not resume at the committed offsets"
grep -q 'event=partition_assigned topic=spans .*planned_cuts=[1-9]' "$D/run2.log" || fail "the rerun lost the announced cut"
grep -q 'event=range_already_stored' "$D/run2.log" || fail "the re-read range was not looked up"
got=$($SQL "$D/db" "SELECT count(), uniqExact(kafka_partition, kafka_offset), sum(input_tokens + output_tokens), toInt64(sum(cost_usd) * 1000000000) FROM spanhouse.llm_spans WHERE kafka_topic = 'spans'") || fail "query"
[ "$got" = "$GOOD	$GOOD	$TOK	$COST" ] || fail "got '$got', want '$GOOD	$GOOD	$TOK	$COST' (stored before the crash: $before)"
echo "ok: a replay killed after $before stored spans resumed at its committed offsets; exactly $GOOD spans, sums exact"
