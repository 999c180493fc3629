#!/usr/bin/env bash
# SIGTERM is honoured within 30 s whatever ClickHouse does, and nothing unstored is committed:
# the modern engine behind chhttp stores every insert but answers only after 60 s (the
# worker's --timeout is 30 s, retry-max-ms 5 min). The worker gets SIGTERM while its first
# inserts hang: it must exit within 30 s (the stop grace is 15 s, then requests in flight are
# cancelled), and a restart against a healthy server stores every span exactly once (the
# stored-but-unanswered batches are re-sent with their tokens and dropped).
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/integration/lib/worker.sh
source tests/integration/lib/chhttp.sh
make --no-print-directory -s build/spanhouse build/tests/tools/mockkafka build/tests/tools/chhttp >/dev/null
D=$(mktemp -d "${TMPDIR:-/tmp}/spanhouse-sigterm.XXXXXX")
WPID=
trap 'worker_stop; mock_stop; chhttp_stop; [ "${KEEP:-0}" = 1 ] || rm -rf "$D"' EXIT
fail() { echo "FAIL: $*" >&2; for f in "$D"/*.log; do [ -f "$f" ] && { echo "== $f"; grep -v dead_letter "$f" | tail -n 10; } >&2; done; exit 1; }
chhttp_start "$D" || fail "chhttp"
URL=$CHHTTP_URL
chhttp_ctl "slow_after_ms=60000"
mock_start spans:2 dlq:1
spans_gen 3000 0 "$D/s.tsv" "$D/sums"; read -r G T C _ < "$D/sums"
[ "$(mock_cmd "produce spans $D/s.tsv")" = "produced 3000 failed 0" ] || fail produce
ARGS=(run --brokers "$MOCK_BOOT" --topic spans --group gterm --clickhouse-url "$URL" --dlq-topic dlq
      --batch-max-rows 500 --kafka.session.timeout.ms=6000)
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
echo "ok: SIGTERM during hung inserts honoured in ${took} ms (exit $rc, nothing committed unstored); restart stored $G spans once"
