#!/usr/bin/env bash
# /metrics, /healthz and /readyz of a running worker after a known load: N keyed spans (M of
# them poison, four reasons) pre-produced into 4 partitions, consumed into ClickHouse 18.16
# with cuts only at the end of each partition (huge row/age limits), so the exact counter
# values are known: consumed N, inserted N-M, rejected M by reason, 4 batches and 4 insert
# requests, lag 0 on every partition, no paused partition, no retries; and without a pricing
# file every stored span counted as unpriced (spanhouse_unpriced_{spans,tokens}_total).
# The worker is not wrapped in timeout(1) (it forwards signals to its own process group);
# the EXIT trap stops it.
source "$(dirname "$0")/lib/prelude.sh"
source tests/integration/lib/chserver.sh
source tests/integration/lib/worker.sh
make --no-print-directory -s build/spanhouse build/tests/tools/mockkafka build/tests/tools/print_ddl >/dev/null
WPID=

N=${N:-4000}
EVERY=50 # every 50th span is poison: reasons rotate json_syntax, negative_value, not_an_object, missing_field
chserver_start
chserver_create_legacy_spans
work_dir workermetrics; W=$D
mock_start spans:4 dlq:1
spans_gen "$N" "$EVERY" "$W/spans.tsv" "$W/sums"
read -r GOOD TOK COST BAD < "$W/sums"
[ "$BAD" = $(( N / EVERY )) ] && [ $(( BAD % 4 )) = 0 ] || fail "generator: $BAD poison"
ans=$(mock_cmd "produce spans $W/spans.tsv")
[ "$ans" = "produced $N failed 0" ] || fail "produce: $ans"

build/spanhouse run --brokers "$MOCK_BOOT" --topic spans --group metrics \
  --clickhouse-url "$CH_URL" --legacy --dlq-topic dlq --batch-max-rows 1000000 \
  --batch-max-age-ms 600000 --metrics-addr 127.0.0.1:0 \
  --kafka.session.timeout.ms=6000 --kafka.heartbeat.interval.ms=500 2> "$W/worker.log" &
WPID=$!
for i in $(seq 1 300); do grep -q "event=metrics_listening" "$W/worker.log" && break; sleep 0.1; done
MPORT=$(sed -n 's/.*event=metrics_listening.*port=\([0-9]*\).*/\1/p' "$W/worker.log" | head -n 1)
[ -n "$MPORT" ] || fail "no metrics port"
U="http://127.0.0.1:$MPORT"
code() { curl -s -o /dev/null -m 5 -w '%{http_code}' "$@"; }
[ "$(code "$U/healthz")" = 200 ] || fail "/healthz"

# Wait for the load to be stored, every partition committed and the counters published.
for i in $(seq 1 600); do
  M=$(curl -sS -m 5 "$U/metrics") || fail "scrape"
  if grep -qx "spanhouse_consumed_total{kind=\"span\"} $N" <<< "$M" &&
     [ "$(grep -c '^spanhouse_consumer_lag{topic="spans",partition="[0-3]"} 0$' <<< "$M")" = 4 ]; then break; fi
  kill -0 "$WPID" 2>/dev/null || fail "worker died"
  sleep 0.1
done
got=$(chserver_query "SELECT count(), sum(input_tokens + output_tokens), sum(cost_usd) FROM spanhouse.llm_spans")
[ "$got" = "$GOOD	$TOK	$COST" ] || fail "stored: got '$got', want '$GOOD	$TOK	$COST'"
M=$(curl -sS -m 5 "$U/metrics") || fail "scrape"
echo "$M" > "$W/metrics.txt"
want() { grep -qx "$1" <<< "$M" || fail "/metrics lacks '$1'; has: $(grep "^${1%% *}" <<< "$M" | head -n 5 | tr '\n' '|')"; }
want "spanhouse_consumed_total{kind=\"span\"} $N"
want "spanhouse_inserted_rows_total{kind=\"span\"} $GOOD"
for r in json_syntax negative_value not_an_object missing_field; do
  want "spanhouse_rejected_total{reason=\"$r\",kind=\"span\"} $(( BAD / 4 ))"
done
[ "$(grep -c '^spanhouse_rejected_total{' <<< "$M")" = 4 ] || fail "unexpected reasons: $(grep '^spanhouse_rejected_total' <<< "$M")"
want "spanhouse_batch_rows_count 4"
want "spanhouse_batch_rows_sum $GOOD"
# The 4 batches share inserts (as many as the queue held when a sender started): every row in
# one stored insert or another, one request each.
INS=$(awk '/^spanhouse_insert_rows_count / { print $2 }' <<< "$M")
[ -n "$INS" ] && [ "$INS" -ge 1 ] && [ "$INS" -le 4 ] || fail "inserts: '$INS' for 4 batches"
want "spanhouse_insert_rows_sum $GOOD"
want "spanhouse_insert_seconds_count $INS"
for p in 0 1 2 3; do want "spanhouse_consumer_lag{topic=\"spans\",partition=\"$p\"} 0"; done
want "spanhouse_paused_partitions 0"
# No pricing file: every span is unpriced (stored at $0), and says so by provider and model.
want "spanhouse_unpriced_spans_total{provider=\"openai\",model=\"gpt-4o\"} $GOOD"
want "spanhouse_unpriced_tokens_total{provider=\"openai\",model=\"gpt-4o\"} $TOK"
want "# TYPE spanhouse_unpriced_spans_total counter"
if grep -q '^spanhouse_insert_retries_total ' <<< "$M"; then want "spanhouse_insert_retries_total 0"; fi
want "# TYPE spanhouse_insert_seconds histogram"
# Histogram buckets are cumulative and end at the count.
want "spanhouse_insert_seconds_bucket{le=\"+Inf\"} $INS"
[ "$(code "$U/readyz")" = 200 ] || fail "/readyz while running"
[ "$(code "$U/nope")" = 404 ] || fail "unknown path"
[ "$(code -X POST "$U/metrics")" = 405 ] || fail "POST /metrics"

worker_stop
grep -q "event=stopped result=ok consumed=$N inserted=$GOOD rejected=$BAD retries=0 batches=4" "$W/worker.log" ||
  fail "stop line: $(grep event=stopped "$W/worker.log")"
echo "ok: /metrics exact after $N spans ($BAD poison); /healthz /readyz 200"
