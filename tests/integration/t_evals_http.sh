#!/usr/bin/env bash
# Evals and outcomes through the HTTP sink (the 18.16 server cannot hold their tables, so the
# peer is ch_stub, the fault-injecting ClickHouse HTTP stand-in; row contents are checked on
# libchdb by t_evals_e2e.sh):
#  1. an eval topic: a 500 and a TOO_MANY_PARTS are retried with the SAME token
#     (evals-0-first-last) into llm_evals with eval_column_list(); a CANNOT_PARSE_INPUT data
#     error bisects the batch down to the one eval row the stub keeps refusing, dead-lettered
#     with reason server_rejected and its ORIGINAL key and bytes; the rest stored, committed.
#  2. spans, evals and outcomes consumed by one worker: every insert goes to the table of its
#     topic's kind with that table's column list, /metrics counts consumed and inserted by
#     kind exactly, and a second run consumes nothing.
source "$(dirname "$0")/lib/prelude.sh"
source tests/integration/lib/worker.sh
make --no-print-directory -s build/spanhouse build/tests/tools/mockkafka build/tests/tools/ch_stub >/dev/null
work_dir evhttp
STUB=
WPID=
stub_stop() { [ -z "$STUB" ] || { kill "$STUB" 2>/dev/null; wait "$STUB" 2>/dev/null || true; }; STUB=; }
at_exit stub_stop
stub_start() { # SCRIPT LOG
  rm -f "$D/port"
  build/tests/tools/ch_stub "$1" "$2" "$D/port" & STUB=$!
  for i in $(seq 1 50); do [ -s "$D/port" ] && break; sleep 0.1; done
  PORT=$(cat "$D/port")
}
run() { # LOG GROUP TOPIC…
  local log=$1 g=$2; shift 2
  local ta=() t
  for t in "$@"; do ta+=(--topic "$t"); done
  timeout 120 build/spanhouse run --brokers "$MOCK_BOOT" "${ta[@]}" --group "$g" \
    --clickhouse-url "http://127.0.0.1:$PORT" --dlq-topic dlq --exit-at-eof --batch-max-age-ms 60000 \
    --insert-concurrency 1 --kafka.session.timeout.ms=6000 2> "$log"
}
now=$(date +%s%3N)

mock_start evals:1 spans:2 evals2:2 outcomes:2 dlq:1
for i in 0 1 2 3; do
  printf 'ek%d\t{"timestamp":%d,"trace_id":"t%d","metric":"helpfulness","score":0.%d,"evaluator":"judge"}\n' $i $((now - i)) $i $i
done > "$D/evals.tsv"
ans=$(mock_cmd "produce evals $D/evals.tsv"); [ "$ans" = "produced 4 failed 0" ] || fail "produce: $ans"

# ---- 1
cat > "$D/script" <<'S'
500 - 0 boom
503 252 0 Too many parts (300). Merges are processing significantly slower than inserts
400 27 0 Cannot parse input: expected row 1
400 27 0 Cannot parse input: expected row 1
200 - 0
400 27 0 Cannot parse input: expected row 1
S
stub_start "$D/script" "$D/stub1.log"
run "$D/run1.log" gev evals:eval || fail "worker exit $?"
raw=$(grep -o 'token=[^ ]*' "$D/stub1.log" | grep -v 'token=-\?$' | cut -d= -f2)
[ "$(head -n 3 <<< "$raw" | sort -u | wc -l)" = 1 ] || fail "retries changed the token: $raw"
tokens=$(token_coords <<< "$raw" | tr '\n' ' ') || fail "tokens: $raw"
want="evals-0-0-3 evals-0-0-3 evals-0-0-3 evals-0-0-1 evals-0-0-0 evals-0-1-1 evals-0-2-3 "
[ "$tokens" = "$want" ] || fail "tokens '$tokens', want '$want'"
n_ev=$(grep -c 'query=INSERT INTO spanhouse.llm_evals (timestamp, trace_id, span_id, response_id, evaluator, evaluator_version, metric, score, label, confidence, source, sample_rate, explanation, explanation_truncated, kafka_topic, kafka_partition, kafka_offset, ingested_at) FORMAT RowBinary' "$D/stub1.log" || true)
[ "$n_ev" = 7 ] || fail "$n_ev of 7 requests are INSERT INTO spanhouse.llm_evals with the eval columns"
grep -q 'event=stopped result=ok consumed=4 inserted=3 rejected=1 retries=2' "$D/run1.log" || fail "stats: $(grep stopped "$D/run1.log")"
timeout 30 kcat -C -b "$MOCK_BOOT" -t dlq -e -q -f '%h\n' > "$D/dlq.txt" 2>/dev/null || fail kcat
[ "$(wc -l < "$D/dlq.txt")" = 1 ] || fail "DLQ: $(cat "$D/dlq.txt")"
grep -q 'reason=server_rejected' "$D/dlq.txt" && grep -q 'Cannot parse input' "$D/dlq.txt" &&
  grep -q 'source_topic=evals,source_partition=0,source_offset=1,' "$D/dlq.txt" || fail "letter: $(cat "$D/dlq.txt")"
timeout 30 kcat -C -b "$MOCK_BOOT" -t dlq -e -q -f '%k\t%s\n' > "$D/dlq_body.txt" 2>/dev/null || fail kcat
[ "$(cat "$D/dlq_body.txt")" = "$(sed -n 2p "$D/evals.tsv")" ] || fail "letter body '$(cat "$D/dlq_body.txt")', want '$(sed -n 2p "$D/evals.tsv")'"
run "$D/run1b.log" gev evals:eval || fail "rerun exit $?"
grep -q 'event=stopped result=ok consumed=0' "$D/run1b.log" || fail "not committed: $(grep stopped "$D/run1b.log")"
stub_stop
echo "1 ok: 2 retries with one token into llm_evals, bisected to offset 1, 3 rows stored, 1 dead letter, committed"

# ---- 2
spans_gen 300 0 "$D/spans.tsv" "$D/sums"
awk -v now="$now" 'NR <= 250 { printf "e%d\t{\"timestamp\":%.0f,\"trace_id\":\"t%d\",\"metric\":\"m\",\"score\":1}\n", NR, now, NR }' "$D/spans.tsv" > "$D/evals2.tsv"
awk -v now="$now" 'NR <= 120 { printf "o%d\t{\"timestamp\":%.0f,\"trace_id\":\"t%d\",\"event\":\"conversion\",\"value\":2}\n", NR, now, NR }' "$D/spans.tsv" > "$D/outcomes.tsv"
for t in spans evals2 outcomes; do
  f=$D/$t.tsv
  ans=$(mock_cmd "produce $t $f"); [ "$ans" = "produced $(wc -l < "$f") failed 0" ] || fail "produce $t: $ans"
done
: > "$D/script2"
stub_start "$D/script2" "$D/stub2.log"
# This run stays up (no --exit-at-eof) so that /metrics can be read, then stops on SIGTERM. One
# insert per batch (--insert-max-batches 1): the routing is read from the tokens' ranges.
build/spanhouse run --brokers "$MOCK_BOOT" --topic spans --topic evals2:eval --topic outcomes:outcome \
  --group gmix --clickhouse-url "http://127.0.0.1:$PORT" --dlq-topic dlq --batch-max-age-ms 200 \
  --insert-concurrency 2 --insert-max-batches 1 --kafka.session.timeout.ms=6000 --metrics-addr 127.0.0.1:0 2> "$D/run2.log" & WPID=$!
want_m='spanhouse_consumed_total{kind="eval"} 250
spanhouse_consumed_total{kind="outcome"} 120
spanhouse_consumed_total{kind="span"} 300
spanhouse_inserted_rows_total{kind="eval"} 250
spanhouse_inserted_rows_total{kind="outcome"} 120
spanhouse_inserted_rows_total{kind="span"} 300'
got_m=
for i in $(seq 1 300); do
  mport=$(sed -n 's/.*event=metrics_listening port=\([0-9]*\).*/\1/p' "$D/run2.log")
  if [ -n "$mport" ]; then
    got_m=$(curl -s "http://127.0.0.1:$mport/metrics" | grep -E '^spanhouse_(consumed|inserted_rows)_total' | sort || true)
    [ "$got_m" = "$want_m" ] && break
  fi
  sleep 0.1
done
kill -TERM $WPID; wait $WPID || { WPID=; fail "worker exit $? after SIGTERM"; }
WPID=
[ "$got_m" = "$want_m" ] || fail "metrics by kind: '$got_m', want '$want_m'"
# token topic -> table of the query, with rows counted per topic from the token ranges
# (no poison here: a range's size is its row count).
awk '/^REQ / { q = $0; sub(/.* query=INSERT INTO /, "", q); split(q, a, " "); tok = $0; sub(/.* token=/, "", tok); sub(/ .*/, "", tok); sub(/-x[0-9a-f]+$/, "", tok)
      n = split(tok, p, "-"); topic = p[1]; for (i = 2; i <= n - 3; i++) topic = topic "-" p[i]
      rows[topic " " a[1]] += p[n] - p[n - 1] + 1 }
     END { for (k in rows) print k, rows[k] }' "$D/stub2.log" | sort > "$D/routing"
printf 'evals2 spanhouse.llm_evals 250\noutcomes spanhouse.llm_outcomes 120\nspans spanhouse.llm_spans 300\n' > "$D/want_routing"
diff "$D/want_routing" "$D/routing" >&2 || fail "routing (topic table rows) differs"
grep -q 'query=INSERT INTO spanhouse.llm_outcomes (timestamp, trace_id, span_id, event, value, currency, kafka_topic, kafka_partition, kafka_offset, ingested_at) FORMAT RowBinary' "$D/stub2.log" || fail "outcome column list"
grep -q 'event=stopped result=ok consumed=670 inserted=670 rejected=0' "$D/run2.log" || fail "stats: $(grep stopped "$D/run2.log")"
run "$D/run2b.log" gmix spans evals2:eval outcomes:outcome || fail "rerun exit $?"
grep -q 'event=stopped result=ok consumed=0' "$D/run2b.log" || fail "not committed: $(grep stopped "$D/run2b.log")"
echo "2 ok: one worker, 3 topics over HTTP: each insert in its kind's table with its columns, metrics by kind exact, all committed"
