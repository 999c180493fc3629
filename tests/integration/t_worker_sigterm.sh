#!/usr/bin/env bash
# SIGTERM is honoured within 30 s whatever ClickHouse does, and nothing unstored is committed:
# the modern engine behind chhttp stores every insert but answers only after 60 s (the
# worker's --timeout is 30 s, retry-max-ms 5 min). The worker gets SIGTERM while its first
# inserts hang: it must exit within 30 s (the stop grace is 15 s, then requests in flight are
# cancelled), and a restart against a healthy server stores every span exactly once (the
# stored-but-unanswered batches are re-sent with their tokens and dropped). fence-window 2 s
# keeps the restart's wait for the dead owner's inserts (2 x fence-window + timeout) at 34 s.
# Then the same with only the dead-letter insert hanging (llm_spans_rejected answers after 60 s,
# the spans are stored at once): it must end with the grace too. It ran on the consumer thread,
# which nothing woke to cancel it, so the stop took the request's whole 30 s timeout; it now
# runs on a sender after the batch, cancelled at the grace like any insert. A restart stores
# each dead letter once.
source "$(dirname "$0")/lib/prelude.sh"
source tests/integration/lib/worker.sh
source tests/integration/lib/chhttp.sh
make --no-print-directory -s build/spanhouse build/tests/tools/mockkafka build/tests/tools/chhttp >/dev/null
work_dir sigterm
WPID=
chhttp_start "$D" || fail "chhttp"
URL=$CHHTTP_URL
chhttp_ctl "slow_after_ms=60000"
mock_start spans:2 spans2:2 dlq:1
spans_gen 3000 0 "$D/s.tsv" "$D/sums"; read -r G T C _ < "$D/sums"
[ "$(mock_cmd "produce spans $D/s.tsv")" = "produced 3000 failed 0" ] || fail produce
ARGS=(run --brokers "$MOCK_BOOT" --topic spans --group gterm --clickhouse-url "$URL" --dlq-topic dlq
      --batch-max-rows 500 --kafka.session.timeout.ms=6000 --fence-window 2s)
build/spanhouse "${ARGS[@]}" 2> "$D/run1.log" & WPID=$!
for _ in $(seq 1 200); do [ "$(curl -sS "$URL/stats" | awk '{ print $4 }')" -ge 1 ] && break; sleep 0.1; done
sleep 1
t0=$(date +%s%3N)
kill -TERM "$WPID"
rc=0; timeout 40 tail --pid="$WPID" -f /dev/null || true
wait "$WPID" || rc=$?
WPID=
took=$(( $(date +%s%3N) - t0 ))
[ "$took" -le 30000 ] || fail "SIGTERM took ${took} ms (budget 30 s)"
[ "$rc" != 0 ] || fail "the worker exited 0 although its batches were not confirmed stored"
chhttp_ctl "slow_after_ms=0"
timeout 120 build/spanhouse "${ARGS[@]}" --exit-at-eof 2> "$D/run2.log" || fail "restart exit $?"
got=$(chhttp_query "SELECT count(), uniqExact(kafka_partition, kafka_offset), sum(input_tokens + output_tokens), toInt64(sum(cost_usd) * 1000000000) FROM spanhouse.llm_spans")
[ "$got" = "$G	$G	$T	$C" ] || fail "after restart '$got', want '$G	$G	$T	$C'"

# 2. Only the dead-letter insert hangs.
chhttp_ctl "slow_after_ms=60000&slow_table=spanhouse.llm_spans_rejected" > /dev/null
spans_gen 3000 50 "$D/s2.tsv" "$D/sums2"; read -r G2 _ _ B2 < "$D/sums2"
[ "$(mock_cmd "produce spans2 $D/s2.tsv")" = "produced 3000 failed 0" ] || fail produce2
ARGS2=(run --brokers "$MOCK_BOOT" --topic spans2 --group gterm2 --clickhouse-url "$URL" --dlq-topic dlq
       --rejected-table llm_spans_rejected --batch-max-rows 500 --kafka.session.timeout.ms=6000 --fence-window 2s)
slowed() { curl -sS "$URL/stats" | awk '{ print $10 }'; } # inserts stored and then held
s0=$(slowed)
build/spanhouse "${ARGS2[@]}" 2> "$D/run3.log" & WPID=$!
for _ in $(seq 1 200); do [ "$(slowed)" -gt "$s0" ] && break; sleep 0.1; done
[ "$(slowed)" -gt "$s0" ] || fail "no dead-letter insert held"
sleep 1
t0=$(date +%s%3N)
kill -TERM "$WPID"
rc2=0; timeout 40 tail --pid="$WPID" -f /dev/null || true
wait "$WPID" || rc2=$?
WPID=
took2=$(( $(date +%s%3N) - t0 ))
[ "$took2" -le 22000 ] || fail "SIGTERM with the dead-letter insert hanging took ${took2} ms (grace 15 s)"
chhttp_ctl "slow_after_ms=0&slow_table=" > /dev/null
timeout 120 build/spanhouse "${ARGS2[@]}" --exit-at-eof 2> "$D/run4.log" || fail "restart 2 exit $?"
got=$(chhttp_query "SELECT count(), uniqExact(kafka_partition, kafka_offset) FROM spanhouse.llm_spans WHERE kafka_topic = 'spans2'")
[ "$got" = "$G2	$G2" ] || fail "spans2 after restart '$got', want $G2"
got=$(chhttp_query "SELECT count(), uniqExact(partition, offset) FROM spanhouse.llm_spans_rejected WHERE topic = 'spans2'")
[ "$got" = "$B2	$B2" ] || fail "dead letters after restart '$got', want $B2 once each"
echo "ok: SIGTERM during hung inserts honoured in ${took} ms (exit $rc, nothing committed unstored); restart stored $G spans once; with only the dead-letter insert hanging in ${took2} ms (exit $rc2), $B2 dead letters once after restart"
