#!/usr/bin/env bash
# Effectively-once for evals and outcomes on the modern engine (libchdb, --sink chdb; the
# llm_evals DDL needs ClickHouse >= 20): spans are stored first, then the worker consuming the
# eval and outcome topics dies between an insert and its commit (test hook
# SPANHOUSE_TEST_CRASH_AFTER_INSERTS: _exit right after the insert is acknowledged, before the
# commit, like a SIGKILL there) and is restarted with a DIFFERENT batch size. The restart must
# cut the announced ranges exactly (commit metadata), so the dedup tokens match: exactly one
# copy of every eval and outcome row, and the llm_quality_1m materialized view (which fires on
# those inserts) counts every eval once (deduplicate_blocks_in_dependent_materialized_views).
source "$(dirname "$0")/lib/prelude.sh"
source tests/integration/lib/worker.sh
make --no-print-directory -s build/spanhouse build/tests/tools/mockkafka build/tools/chdbsql >/dev/null
work_dir evrestart
SQL=build/tools/chdbsql
KOPTS="--kafka.session.timeout.ms=6000 --kafka.heartbeat.interval.ms=500"

timeout 120 build/spanhouse schema apply --sink chdb --chdb-path "$D/db" > /dev/null || fail "schema apply"
mock_start spans:2 evals:2 outcomes:1 dlq:1
NT=1500
now=$(date +%s%3N)
awk -v nt=$NT -v now="$now" -v dir="$D" 'BEGIN {
  for (i = 0; i < nt; i++) {
    printf "s%d\t{\"timestamp\":%.0f,\"trace_id\":\"t%d\",\"span_id\":\"s%d\",\"provider\":\"openai\",\"model\":\"m%d\",\"input_tokens\":10,\"output_tokens\":5,\"cost_usd\":0.001,\"status\":\"ok\"}\n", i, now - 600000, i, i, i % 3 > (dir "/spans.tsv")
    printf "e%d\t{\"timestamp\":%.0f,\"trace_id\":\"t%d\",\"span_id\":\"s%d\",\"metric\":\"helpfulness\",\"score\":%.2f}\n", i, now - 1000, i, i, (i % 100) / 100 > (dir "/evals.tsv")
    if (i % 3 == 0) printf "o%d\t{\"timestamp\":%.0f,\"trace_id\":\"t%d\",\"event\":\"conversion\",\"value\":1.5}\n", i, now - 1000, i > (dir "/outcomes.tsv")
  }
}'
NO=$(wc -l < "$D/outcomes.tsv")
for t in spans evals outcomes; do
  ans=$(mock_cmd "produce $t $D/$t.tsv"); [ "$ans" = "produced $(wc -l < "$D/$t.tsv") failed 0" ] || fail "produce $t: $ans"
done
run() { # LOG ROWS TOPICS… [-- env…]
  local log=$1 rows=$2; shift 2
  local ta=() envs=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do ta+=(--topic "$1"); shift; done
  [ $# -gt 0 ] && { shift; envs=("$@"); }
  env "${envs[@]}" timeout 120 build/spanhouse run --brokers "$MOCK_BOOT" "${ta[@]}" --group gevr \
    --sink chdb --chdb-path "$D/db" --dlq-topic dlq --batch-max-rows "$rows" --batch-max-age-ms 60000 \
    --exit-at-eof $KOPTS 2> "$log"
}
run "$D/run0.log" 1000 spans || fail "spans run exit $?"
set +e; run "$D/run1.log" 400 evals:eval outcomes:outcome -- SPANHOUSE_TEST_CRASH_AFTER_INSERTS=3; rc=$?; set -e
[ "$rc" = 9 ] || fail "eval run should die in the test hook, exit $rc"
grep -q 'event=test_crash' "$D/run1.log" || fail "no test_crash in run 1"
before=$($SQL "$D/db" "SELECT (SELECT count() FROM spanhouse.llm_evals) + (SELECT count() FROM spanhouse.llm_outcomes)") || fail "count"
[ "$before" -ge 1 ] || fail "nothing stored before the crash ($before)"

run "$D/run2.log" 270 evals:eval outcomes:outcome || fail "second run exit $?"
grep -q 'planned_cuts=[1-9]' "$D/run2.log" || fail "restart did not restore an announced cut"
got=$($SQL "$D/db" "SELECT (SELECT count() FROM spanhouse.llm_evals), (SELECT uniqExact(kafka_partition, kafka_offset) FROM spanhouse.llm_evals), (SELECT count() FROM spanhouse.llm_outcomes), (SELECT uniqExact(kafka_partition, kafka_offset) FROM spanhouse.llm_outcomes), (SELECT sum(evals) FROM spanhouse.llm_quality_1m WHERE metric = 'helpfulness'), (SELECT sum(outcomes) FROM spanhouse.llm_quality_1m WHERE event = 'conversion')") || fail "query"
[ "$got" = "$NT	$NT	$NO	$NO	$NT	$NO" ] || fail "got '$got', want '$NT	$NT	$NO	$NO	$NT	$NO' (before restart: $before)"
echo "ok: killed after an insert with $before eval+outcome rows stored; after restart exactly $NT evals and $NO outcomes, each counted once in llm_quality_1m"
