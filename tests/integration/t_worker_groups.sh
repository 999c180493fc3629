#!/usr/bin/env bash
# Inserts that carry the batches of many partitions, on the modern engine behind chhttp:
#  1. 32 partitions, 20,000 spans, batches of 100 rows: far fewer inserts than batches, every
#     span stored once, everything committed (a second run consumes nothing).
#  2. A zombie: worker A's group insert is still in flight at the server (held 8 s, as on a
#     busy server) when A dies; B takes the partitions over ~4 s later and finds A's announced
#     cuts. A re-send now would carry per-partition tokens the server cannot match with A's
#     group token: B must wait out the window A announced (2 x fence-window + timeout), then
#     look the ranges up (stored by A's late insert) and not send them again. Exactly once
#     (without the wait: 24,000 rows, 4,000 of them twice).
#  3. A rebalance that splits groups: A inserts (each held 0.7 s) while B joins; the revoked
#     partitions' groups finish first, the rest moves to B: exactly once.
#  4. The fence within one worker: a group insert held 3 s by the server times out (timeout
#     2 s), is not found stored, and the fence (1 s) has passed: the batches go back to be
#     announced again, wait one fence-window for the server to finish, are looked up (found:
#     the held insert landed) and not sent again. Exactly once.
#  5. A look-up the server cannot answer (down while B restores A's stored, uncommitted group)
#     is asked again, never taken for "not stored": exactly once.
#  6. A backlog behind inserts slower than the fence-window (each held 1.5 s, window 1 s, two
#     senders): queued batches keep their proof of ownership fresh while they wait, so none
#     goes back to be announced again and the worker drains (before: queued batches missed
#     the window round after round, a livelock seen in CI).
source "$(dirname "$0")/lib/prelude.sh"
source tests/integration/lib/worker.sh
source tests/integration/lib/chhttp.sh
make --no-print-directory -s build/spanhouse build/tests/tools/mockkafka build/tests/tools/chhttp >/dev/null
work_dir groups
WPID= BPID=
at_exit 'kill_var BPID'
chhttp_start "$D" || fail "chhttp"
mock_start g1:32 g2:8 g3:8 g4:8 g5:8 g6:8 dlq:1
KOPTS="--dlq-topic dlq --kafka.session.timeout.ms=6000 --kafka.heartbeat.interval.ms=500"
count() { chhttp_query "SELECT count(), uniqExact(kafka_partition, kafka_offset) FROM spanhouse.llm_spans WHERE kafka_topic = '$1'"; }
stat() { curl -sS "$CHHTTP_URL/stats" | awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }
N=20000
spans_gen $N 0 "$D/s.tsv" "$D/sums"

# ---- 1: many partitions, few inserts
[ "$(mock_cmd "produce g1 $D/s.tsv")" = "produced $N failed 0" ] || fail "produce g1"
i0=$(stat inserts)
timeout 120 build/spanhouse run --brokers "$MOCK_BOOT" --topic g1 --group gg1 --clickhouse-url "$CHHTTP_URL" \
  --batch-max-rows 100 --insert-min-rows 5000 --exit-at-eof $KOPTS 2> "$D/w1.log" || fail "run 1 exit $?"
ins=$(( $(stat inserts) - i0 ))
batches=$(grep -o 'event=stopped.*' "$D/w1.log" | grep -o 'batches=[0-9]*' | cut -d= -f2)
[ "$(count g1)" = "$N	$N" ] || fail "run 1 stored '$(count g1)', want $N once each"
[ "$batches" -ge 200 ] && [ "$ins" -le $(( batches / 10 )) ] || fail "$ins inserts for $batches batches"
timeout 60 build/spanhouse run --brokers "$MOCK_BOOT" --topic g1 --group gg1 --clickhouse-url "$CHHTTP_URL" \
  --exit-at-eof $KOPTS 2> "$D/w1b.log" || fail "run 1b exit $?"
grep -q 'event=stopped result=ok consumed=0 ' "$D/w1b.log" || fail "not all committed: $(grep stopped "$D/w1b.log")"
echo "1 ok: $N spans of 32 partitions in $batches batches and $ins inserts, once each, all committed"

# ---- 2: a zombie's group insert lands after the next owner took over
[ "$(mock_cmd "produce g2 $D/s.tsv")" = "produced $N failed 0" ] || fail "produce g2"
# a next owner waits 2 x 1 s + 7 s = 9 s > the 8 s hold; A's session ends 3 s after its death
FOPTS="--fence-window 1s --timeout 7s --kafka.session.timeout.ms=3000 --kafka.heartbeat.interval.ms=300"
chhttp_ctl "hold_ms=8000"
build/spanhouse run --brokers "$MOCK_BOOT" --topic g2 --group gg2 --clickhouse-url "$CHHTTP_URL" \
  --batch-max-rows 500 --insert-min-rows 2000 $KOPTS $FOPTS 2> "$D/a2.log" & WPID=$!
for _ in $(seq 1 100); do [ "$(stat holding)" -ge 1 ] && break; sleep 0.1; done
[ "$(stat holding)" -ge 1 ] || fail "A's insert never reached the server"
kill -9 "$WPID"; wait "$WPID" 2>/dev/null || true; WPID=
held_at=$(date +%s%3N)
chhttp_ctl "hold_ms=0"
timeout 120 build/spanhouse run --brokers "$MOCK_BOOT" --topic g2 --group gg2 --clickhouse-url "$CHHTTP_URL" \
  --exit-at-eof $KOPTS $FOPTS 2> "$D/b2.log" || fail "B exit $?"
[ "$(count g2)" = "$N	$N" ] || fail "after the zombie: '$(count g2)', want $N once each (a re-send did not wait for A's insert)"
grep -q 'event=restore_wait' "$D/b2.log" || fail "B did not wait before restoring A's ranges"
grep -q 'event=range_already_stored why=restart' "$D/b2.log" || fail "B found none of A's ranges stored"
echo "2 ok: A died with its group insert held at the server; B waited $(grep -o 'restore_wait.*wait_ms=[0-9]*' "$D/b2.log" | head -n 1 | grep -o '[0-9]*$') ms, found A's late rows, stored the rest: $N once each"

# ---- 3: a rebalance splits A's groups between A and B
[ "$(mock_cmd "produce g3 $D/s.tsv")" = "produced $N failed 0" ] || fail "produce g3"
# Nobody dies here: sessions long enough that a CPU-starved run (three tests at a time on two
# cores) does not lose membership over and over (3 s sessions did: 92 assignments, no exit).
FOPTS="--fence-window 1s --timeout 3s --kafka.session.timeout.ms=6000 --kafka.heartbeat.interval.ms=500"
chhttp_ctl "hold_ms=700"
build/spanhouse run --brokers "$MOCK_BOOT" --topic g3 --group gg3 --clickhouse-url "$CHHTTP_URL" \
  --batch-max-rows 200 --insert-min-rows 1000 --exit-at-eof $KOPTS $FOPTS 2> "$D/a3.log" & WPID=$!
for _ in $(seq 1 100); do [ "$(stat holding)" -ge 1 ] && break; sleep 0.1; done
build/spanhouse run --brokers "$MOCK_BOOT" --topic g3 --group gg3 --clickhouse-url "$CHHTTP_URL" \
  --batch-max-rows 200 --insert-min-rows 1000 --exit-at-eof $KOPTS $FOPTS 2> "$D/b3.log" & BPID=$!
# Each must end on its own (exit-at-eof); one still running after 150 s is a failure with its
# log, not a hang of the whole test (a bare wait after the timeout blocked forever once in CI).
for who in A B; do
  pid=$WPID; [ "$who" = B ] && pid=$BPID
  timeout 150 tail --pid="$pid" -f /dev/null || { kill -9 "$WPID" "$BPID" 2>/dev/null || true; fail "$who did not exit within 150 s"; }
  rc=0; wait "$pid" || rc=$?
  if [ "$who" = A ]; then WPID=; else BPID=; fi
  [ "$rc" = 0 ] || fail "$who exit $rc"
done
chhttp_ctl "hold_ms=0"
grep -q 'event=partition_revoked' "$D/a3.log" || fail "no partition moved from A to B"
grep -q 'event=partition_assigned' "$D/b3.log" || fail "B got no partition"
[ "$(count g3)" = "$N	$N" ] || fail "after the split: '$(count g3)', want $N once each"
echo "3 ok: B joined while A's groups were in flight; $N once each"

# ---- 4: the worker's own timed-out group insert lands after the fence gave the batches back
[ "$(mock_cmd "produce g4 $D/s.tsv")" = "produced $N failed 0" ] || fail "produce g4"
chhttp_ctl "hold_ms=3000"
build/spanhouse run --brokers "$MOCK_BOOT" --topic g4 --group gg4 --clickhouse-url "$CHHTTP_URL" \
  --batch-max-rows 500 --insert-min-rows 2000 --exit-at-eof $KOPTS --fence-window 1s --timeout 2s \
  2> "$D/a4.log" & WPID=$!
for _ in $(seq 1 100); do [ "$(stat holding)" -ge 1 ] && break; sleep 0.1; done
[ "$(stat holding)" -ge 1 ] || fail "no insert reached the server"
sleep 0.5
chhttp_ctl "hold_ms=0"
rc=0; timeout 120 tail --pid="$WPID" -f /dev/null || true; wait "$WPID" || rc=$?; WPID=
[ "$rc" = 0 ] || fail "run 4 exit $rc"
grep -q 'event=fence_renewed' "$D/a4.log" || fail "the fence never gave a batch back"
grep -q 'event=range_already_stored why=retry' "$D/a4.log" || fail "the held insert was not found stored"
[ "$(count g4)" = "$N	$N" ] || fail "after the timed-out group: '$(count g4)', want $N once each"
echo "4 ok: a timed-out group insert was given back by the fence, waited for, found stored: $N once each"

# ---- 5: the look-up of a restored range cannot be answered (the server is down just then)
# A's first group insert is stored and A dies before committing it (the test hook), so its
# ranges are announced, stored under A's group token and not committed. B restores them while
# every request is refused: "cannot tell" must not pass for "not stored" (B's per-partition
# tokens cannot match A's group token): B asks again until the server answers, finds them
# stored and does not send them again.
[ "$(mock_cmd "produce g5 $D/s.tsv")" = "produced $N failed 0" ] || fail "produce g5"
FOPTS="--fence-window 1s --timeout 2s --kafka.session.timeout.ms=3000 --kafka.heartbeat.interval.ms=300"
rc=0; SPANHOUSE_TEST_CRASH_AFTER_INSERTS=1 timeout 60 build/spanhouse run --brokers "$MOCK_BOOT" \
  --topic g5 --group gg5 --clickhouse-url "$CHHTTP_URL" --batch-max-rows 500 --insert-min-rows 2000 \
  $KOPTS $FOPTS 2> "$D/a5.log" || rc=$?
[ "$rc" = 9 ] || fail "A did not die between its insert and its commit (exit $rc)"
stored_by_a=$(count g5 | cut -f1)
[ "$stored_by_a" -gt 0 ] || fail "A stored nothing before dying"
build/spanhouse run --brokers "$MOCK_BOOT" --topic g5 --group gg5 --clickhouse-url "$CHHTTP_URL" \
  --exit-at-eof $KOPTS $FOPTS 2> "$D/b5.log" & WPID=$!
# down once B waits out A's window (it checks the schema first, so not before it starts)
for _ in $(seq 1 300); do grep -q 'event=restore_wait' "$D/b5.log" && break; sleep 0.1; done
chhttp_ctl "down=1"
for _ in $(seq 1 300); do grep -q 'event=range_check_failed' "$D/b5.log" && break; sleep 0.1; done
grep -q 'event=range_check_failed' "$D/b5.log" || { chhttp_ctl "down=0"; fail "B never tried to look A's ranges up"; }
sleep 1.5
chhttp_ctl "down=0"
rc=0; timeout 120 tail --pid="$WPID" -f /dev/null || true; wait "$WPID" || rc=$?; WPID=
[ "$rc" = 0 ] || fail "B exit $rc"
[ "$(count g5)" = "$N	$N" ] || fail "after a look-up the server could not answer: '$(count g5)', want $N once each"
grep -q 'event=range_already_stored why=restart' "$D/b5.log" || fail "B found none of A's ranges stored"
echo "5 ok: A's $stored_by_a stored, uncommitted rows were looked up again until the server answered: $N once each"

# ---- 6: queued batches wait behind inserts longer than the fence-window without expiring
[ "$(mock_cmd "produce g6 $D/s.tsv")" = "produced $N failed 0" ] || fail "produce g6"
chhttp_ctl "hold_ms=1500"
rc=0; timeout 120 build/spanhouse run --brokers "$MOCK_BOOT" --topic g6 --group gg6 --clickhouse-url "$CHHTTP_URL" \
  --batch-max-rows 200 --insert-min-rows 1000 --insert-concurrency 2 --exit-at-eof $KOPTS \
  --fence-window 1s --timeout 7s 2> "$D/a6.log" || rc=$?
chhttp_ctl "hold_ms=0"
[ "$rc" = 0 ] || fail "run 6 exit $rc"
[ "$(count g6)" = "$N	$N" ] || fail "behind slow inserts: '$(count g6)', want $N once each"
expired=$(grep -c 'event=fence_renewed' "$D/a6.log" || true)
[ "$expired" = 0 ] || fail "$expired queued batches missed the fence-window and went back to be announced again"
echo "6 ok: a backlog waited behind inserts held longer than the fence-window: $N once each, no batch expired while queued"
