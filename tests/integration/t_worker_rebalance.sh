#!/usr/bin/env bash
# Scale-out and rebalance: worker A consumes a 4-partition topic alone, worker B joins the same
# group mid-stream (partitions move: A drops its open batches uncommitted, B re-reads from the
# committed offsets and announced cuts), then A is stopped with SIGTERM (its partitions move to
# B), then B is stopped once everything is stored. Every span must be stored (exact distinct count and sums); the partitions each worker
# owned are checked in their logs.
source "$(dirname "$0")/lib/prelude.sh"
source tests/integration/lib/chserver.sh
source tests/integration/lib/worker.sh
make --no-print-directory -s build/spanhouse build/tests/tools/mockkafka build/tests/tools/print_ddl >/dev/null
PA= PB=
at_exit 'kill_var PA; kill_var PB'
chserver_start
chserver_create_legacy_spans
work_dir workerrebalance; W=$D
mock_start spans:4 dlq:1
spans_gen 40000 100 "$W/s.tsv" "$W/sums"; read -r G T C B < "$W/sums"
[ "$(mock_cmd "produce spans $W/s.tsv")" = "produced 40000 failed 0" ] || fail produce
run() { exec build/spanhouse run --brokers "$MOCK_BOOT" --topic spans --group grb --clickhouse-url "$CH_URL" \
  --legacy --dlq-topic dlq --kafka.session.timeout.ms=6000 --kafka.heartbeat.interval.ms=500 \
  --batch-max-rows 1500 "$@"; }
count() { chserver_query "SELECT count() FROM spanhouse.llm_spans"; }
run --batch-max-age-ms 200 2> "$W/a.log" & PA=$!
for i in $(seq 1 600); do [ "$(count)" -ge 3000 ] && break; sleep 0.1; done
run 2> "$W/b.log" & PB=$!
for i in $(seq 1 300); do grep -q partition_assigned "$W/b.log" && break; sleep 0.1; done
grep -q partition_assigned "$W/b.log" || fail "B never got partitions"
sleep 1
kill -TERM $PA; rc=0; wait $PA || rc=$?; PA=
[ "$rc" = 0 ] || fail "A exit $rc on SIGTERM"
distinct() { chserver_query "SELECT uniqExact(kafka_partition, kafka_offset) FROM spanhouse.llm_spans"; }
# A flushes and commits on SIGTERM, so the rows can be complete before the group has handed
# A's partitions to B: wait for both.
for i in $(seq 1 600); do [ "$(distinct)" -ge "$G" ] && grep -q 'event=partition_assigned topic=spans partition=[01] ' "$W/b.log" && break; sleep 0.1; done
grep -q 'event=partition_assigned topic=spans partition=[01] ' "$W/b.log" || fail "A's partitions never moved to B"
kill -TERM $PB; rc=0; wait $PB || rc=$?; PB=
[ "$rc" = 0 ] || fail "B exit $rc"
got=$(chserver_query "SELECT uniqExact(kafka_partition, kafka_offset), sum(input_tokens + output_tokens) / count() * uniqExact(kafka_partition, kafka_offset), count() FROM spanhouse.llm_spans")
set -- $got
[ "$1" = "$G" ] || fail "distinct stored $1, want $G"
exact=$(chserver_query "SELECT sum(t) FROM (SELECT any(input_tokens + output_tokens) AS t FROM spanhouse.llm_spans GROUP BY kafka_partition, kafka_offset)")
[ "$exact" = "$T" ] || fail "token sum over distinct spans $exact, want $T"
grep -q partition_revoked "$W/a.log" || fail "A saw no revocation"
echo "ok: rebalance A -> A+B -> B: $G distinct spans stored, $(( $3 - $1 )) duplicate rows on the token-less server, A revoked $(grep -c partition_revoked "$W/a.log") partition(s)"
