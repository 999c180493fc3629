#!/usr/bin/env bash
# Faults against a real ClickHouse 18.16 and the mock cluster (legacy server: no dedup token,
# so the checks are "nothing lost", plus "no duplicate" where no insert can be cut in half):
#  1. SIGTERM mid-batch (long age, big batch): the worker flushes, commits, exits 0; a restart
#     of the same group stores the rest: exactly one copy of every span.
#  2. ClickHouse killed mid-stream and restarted 3 s later: the worker pauses, retries with
#     backoff, resumes; every span is stored (duplicates counted and reported, not failed).
#  3. Broker errors: the next OffsetCommit requests fail (COORDINATOR_NOT_AVAILABLE); the
#     announce is retried and everything is committed.
source "$(dirname "$0")/lib/prelude.sh"
source tests/integration/lib/chserver.sh
source tests/integration/lib/worker.sh
make --no-print-directory -s build/spanhouse build/tests/tools/mockkafka build/tests/tools/print_ddl >/dev/null
WPID=
KOPTS="--kafka.session.timeout.ms=6000 --kafka.heartbeat.interval.ms=500"
chserver_start
chserver_create_legacy_spans
work_dir workerfaults; W=$D
mock_start t1:2 t2:2 t3:2 dlq:1
q() { chserver_query "$1"; }
worker() { # worker TOPIC GROUP LOG [args…]  (background, sets WPID)
  local t=$1 g=$2 log=$3; shift 3
  build/spanhouse run --brokers "$MOCK_BOOT" --topic "$t" --group "$g" --clickhouse-url "$CH_URL" \
    --legacy --dlq-topic dlq $KOPTS "$@" 2> "$log" & WPID=$!
}
wait_rows() { # wait_rows TOPIC MIN SECONDS
  local i
  for i in $(seq 1 $(( $3 * 10 ))); do
    [ "$(q "SELECT count() FROM spanhouse.llm_spans WHERE kafka_topic = '$1'")" -ge "$2" ] && return 0
    sleep 0.1
  done
  return 1
}

# 1. SIGTERM mid-batch.
spans_gen 30000 0 "$W/s1.tsv" "$W/sums1"; read -r G1 T1 C1 B1 < "$W/sums1"
[ "$(mock_cmd "produce t1 $W/s1.tsv")" = "produced 30000 failed 0" ] || fail "produce t1"
worker t1 g1 "$W/term1.log" --batch-max-rows 4000 --batch-max-age-ms 600000 --rate 0
wait_rows t1 4000 60 || fail "nothing stored before SIGTERM"
kill -TERM "$WPID"; rc=0; wait "$WPID" || rc=$?; WPID=
[ "$rc" = 0 ] || fail "SIGTERM exit $rc"
mid=$(q "SELECT count() FROM spanhouse.llm_spans WHERE kafka_topic = 't1'")
timeout 120 build/spanhouse run --brokers "$MOCK_BOOT" --topic t1 --group g1 --clickhouse-url "$CH_URL" \
  --legacy --dlq-topic dlq $KOPTS --exit-at-eof 2> "$W/term2.log" || fail "restart exit $?"
got=$(q "SELECT count(), uniqExact(kafka_partition, kafka_offset), sum(input_tokens + output_tokens), sum(cost_usd) FROM spanhouse.llm_spans WHERE kafka_topic = 't1'")
[ "$got" = "$G1	$G1	$T1	$C1" ] || fail "after SIGTERM+restart: '$got', want '$G1	$G1	$T1	$C1'"
echo "1 ok: SIGTERM with $mid stored, restart completed, exactly $G1 rows"

# 2. ClickHouse killed and restarted mid-stream.
spans_gen 30000 0 "$W/s2.tsv" "$W/sums2"; read -r G2 T2 C2 B2 < "$W/sums2"
[ "$(mock_cmd "produce t2 $W/s2.tsv")" = "produced 30000 failed 0" ] || fail "produce t2"
# One 500-row batch per insert, one at a time: 60 inserts, so the stream outlasts the first
# ones and the kill lands mid-stream (grouped inserts stored all 30,000 in 0.7 s).
worker t2 g2 "$W/kill.log" --batch-max-rows 500 --insert-max-batches 1 --insert-concurrency 1 \
  --exit-at-eof --retry-max-ms 60000
wait_rows t2 1000 60 || fail "nothing stored before the kill"
chserver_kill; sleep 3; chserver_restart || fail "ClickHouse restart"
rc=0; timeout 120 tail --pid="$WPID" -f /dev/null || true; wait "$WPID" || rc=$?; WPID=
[ "$rc" = 0 ] || fail "worker exit $rc after the outage"
grep -q 'event=insert_retry' "$W/kill.log" || fail "no retry logged during the outage"
got=$(q "SELECT uniqExact(kafka_partition, kafka_offset), count() FROM spanhouse.llm_spans WHERE kafka_topic = 't2'")
set -- $got
[ "$1" = "$G2" ] || fail "after the outage: $1 distinct spans, want $G2"
echo "2 ok: ClickHouse outage: $G2 spans stored ($(( $2 - $1 )) duplicates on the token-less 18.16), retries=$(grep -c insert_retry "$W/kill.log")"

# 3. OffsetCommit (ApiKey 8) errors from the broker.
spans_gen 5000 0 "$W/s3.tsv" "$W/sums3"; read -r G3 T3 C3 B3 < "$W/sums3"
[ "$(mock_cmd "produce t3 $W/s3.tsv")" = "produced 5000 failed 0" ] || fail "produce t3"
[ "$(mock_cmd "err 8 4 15")" = ok ] || fail "inject"
timeout 120 build/spanhouse run --brokers "$MOCK_BOOT" --topic t3 --group g3 --clickhouse-url "$CH_URL" \
  --legacy --dlq-topic dlq $KOPTS --exit-at-eof --batch-max-rows 1000 2> "$W/broker.log" || fail "exit $? under commit errors"
got=$(q "SELECT count(), uniqExact(kafka_partition, kafka_offset), sum(input_tokens + output_tokens) FROM spanhouse.llm_spans WHERE kafka_topic = 't3'")
[ "$got" = "$G3	$G3	$T3" ] || fail "under commit errors: '$got'"
timeout 60 build/spanhouse run --brokers "$MOCK_BOOT" --topic t3 --group g3 --clickhouse-url "$CH_URL" \
  --legacy --dlq-topic dlq $KOPTS --exit-at-eof 2> "$W/broker2.log" || fail "second run"
grep -q 'event=stopped result=ok consumed=0' "$W/broker2.log" || fail "offsets not committed: $(grep stopped "$W/broker2.log")"
echo "3 ok: commit errors injected ($(grep -c announce_failed "$W/broker.log") announce retries), all committed"
