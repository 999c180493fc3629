#!/usr/bin/env bash
# OpenTelemetry evaluation results end to end (libchdb, --sink chdb: llm_evals needs a modern
# server). SDK-made vectors (tests/otel/vectors, OpenTelemetry JS SDK) on four mock-cluster
# topics consumed by ONE worker:
#   traces.pb  (otlp_proto)      eval_trace.pb: LLM spans with gen_ai.evaluation.result events,
#                                and a span without a model: the record fails span validation
#   traces.js  (otlp_json)       eval_trace_collector.json (Collector JSON) without that span
#   logs.pb    (otlp_logs_proto) eval_logs.pb: evaluation log records, some invalid
#   logs.js    (otlp_logs_json)  eval_logs_collector.json without its invalid log records
# One trace record yields span rows AND eval rows at one offset: one batch, two tables, the
# same token. Checked: the eval rows of each topic equal the valid rows of
# expected_evals_{trace,logs}.tsv (the vectors' own expectations), spans stored as without
# events, evals carry their record's offset; a trace record with rejected events keeps its
# spans and valid evals and sends a copy to the DLQ (reason of the first rejected event); a
# trace record whose span fails validation is dead-lettered whole, its evals with it; a logs
# record with a rejected record is dead-lettered whole (all or nothing). The worker is first
# killed between the insert of the traces.js batch (spans + evals) and its commit, then
# restarted on all topics: exactly one copy of every span and eval row.
source "$(dirname "$0")/lib/prelude.sh"
source tests/integration/lib/worker.sh
make --no-print-directory -s build/spanhouse build/tests/tools/mockkafka build/tools/chdbsql >/dev/null
work_dir otelevals
SQL=build/tools/chdbsql
V=tests/otel/vectors
KOPTS="--kafka.session.timeout.ms=6000 --kafka.heartbeat.interval.ms=500"

# The valid eval rows of an expected_evals file (records may span lines: an explanation can
# hold a newline), as "trace_id span_id ts_ms evaluator evaluator_version metric score label
# confidence source sample_rate response_id".
want_rows() {
  tail -n +3 "$1" | awk -F'\t' '{ buf = (buf == "" ? $0 : buf "\\n" $0); n = split(buf, f, "\t")
    if (n >= 15) { if (f[15] == "ok") { o = f[1]; for (i = 2; i <= 11; i++) o = o "\t" f[i]; print o "\t" f[14] }; buf = "" } }' | sort
}
COLS="trace_id, span_id, toUnixTimestamp64Milli(timestamp), evaluator, evaluator_version, metric, ifNull(toString(score), ''), label, ifNull(toString(confidence), ''), source, toString(sample_rate), response_id"

reasons=$(tail -n +3 "$V/expected_evals_logs.tsv" | awk -F'\t' 'NF >= 15 { print $15 }' | tr '\n' ' ')
[ "$reasons" = "ok ok missing_field out_of_range bad_enum ok " ] || fail "expected_evals_logs.tsv changed: $reasons (update the selection below)"
[ "$(jq '[.resourceLogs[].scopeLogs[].logRecords[]] | length' "$V/eval_logs_collector.json")" = 7 ] || fail "eval_logs_collector.json: want 7 log records"
# Flatten positions: drop global record numbers 3, 4, 5 (0-based, all log records in order;
# record 2 is the non-evaluation one, so evaluation entries 2, 3, 4 = expected rows 3..5).
jq -c '[paths(type == "object" and has("logRecords"))] as $ps |
       ([ $ps[] as $p | getpath($p + ["logRecords"]) | length ] ) as $lens |
       reduce range(0; $ps | length) as $k (.;
         ([ $lens[0:$k][] ] | add // 0) as $base |
         setpath($ps[$k] + ["logRecords"];
           [ getpath($ps[$k] + ["logRecords"]) | to_entries[] | select(($base + .key) as $g | [3,4,5] | index($g) | not) | .value ]))' \
  "$V/eval_logs_collector.json" > "$D/logs_good.json"
[ "$(jq '[.resourceLogs[].scopeLogs[].logRecords[]] | length' "$D/logs_good.json")" = 4 ] || fail "logs_good.json"

now=$(date +%s%3N)
timeout 120 build/spanhouse schema apply --sink chdb --chdb-path "$D/db" > /dev/null || fail "schema apply"
# The vectors are stamped 2025-11: keep them past the tables' TTL, and let them pass validation.
$SQL "$D/db" "ALTER TABLE spanhouse.llm_spans REMOVE TTL" "ALTER TABLE spanhouse.llm_evals REMOVE TTL" || fail "remove TTL"
mock_start traces.pb:1 traces.js:1 logs.pb:1 logs.js:1 dlq:1
timeout 30 kcat -P -b "$MOCK_BOOT" -t traces.pb -p 0 -k tk "$V/eval_trace.pb" || fail "produce traces.pb"
jq -c 'del(.resourceSpans[].scopeSpans[].spans[] | select(any(.attributes[]?; .key == "gen_ai.request.model") | not))' \
  "$V/eval_trace_collector.json" > "$D/trace_good.json"
timeout 30 kcat -P -b "$MOCK_BOOT" -t traces.js -p 0 -k tj "$D/trace_good.json" || fail "produce traces.js"
timeout 30 kcat -P -b "$MOCK_BOOT" -t logs.pb -p 0 -k lk "$V/eval_logs.pb" || fail "produce logs.pb"
timeout 30 kcat -P -b "$MOCK_BOOT" -t logs.js -p 0 -k lj "$D/logs_good.json" || fail "produce logs.js"
ALL="traces.pb:otlp_proto traces.js:otlp_json logs.pb:otlp_logs_proto logs.js:otlp_logs_json"
run() { # LOG "TOPICS" [env…]
  local log=$1 ta=() t; for t in $2; do ta+=(--topic "$t"); done; shift 2
  env "$@" timeout 120 build/spanhouse run --brokers "$MOCK_BOOT" "${ta[@]}" --group gotelev --sink chdb --chdb-path "$D/db" \
    --dlq-topic dlq --rejected-table llm_spans_rejected --ts-past-tolerance 36500d --batch-max-age-ms 60000 \
    --exit-at-eof $KOPTS 2> "$log"
}

# ---- 1: killed after the traces.js batch (spans + evals of one record) is stored, before its commit
set +e; run "$D/run1.log" traces.js:otlp_json SPANHOUSE_TEST_CRASH_AFTER_INSERTS=1; rc=$?; set -e
[ "$rc" = 9 ] || fail "run 1 should die in the test hook, exit $rc"
before=$($SQL "$D/db" "SELECT (SELECT count() FROM spanhouse.llm_spans), (SELECT count() FROM spanhouse.llm_evals)") || fail "count"
[ "$before" != "0	0" ] || fail "nothing stored before the crash"
run "$D/run2.log" "$ALL" || fail "run 2 exit $?"
grep -q 'planned_cuts=[1-9]' "$D/run2.log" || fail "restart did not restore the announced cut"

# ---- 2: what is stored
want_rows "$V/expected_evals_trace.tsv" > "$D/want_trace.tsv"
want_rows "$V/expected_evals_logs.tsv" > "$D/want_logs.tsv"
[ -s "$D/want_trace.tsv" ] && [ -s "$D/want_logs.tsv" ] || fail "no expected rows"
$SQL "$D/db" "SELECT $COLS FROM spanhouse.llm_evals WHERE kafka_topic = 'traces.js' FORMAT TSV" | sort > "$D/got.tsv" || fail "query"
diff "$D/want_trace.tsv" "$D/got.tsv" >&2 || fail "traces.js: eval rows differ from expected_evals_trace.tsv"
$SQL "$D/db" "SELECT $COLS FROM spanhouse.llm_evals WHERE kafka_topic = 'logs.js' FORMAT TSV" | sort > "$D/got.tsv" || fail "query"
diff "$D/want_logs.tsv" "$D/got.tsv" >&2 || fail "logs.js: eval rows differ from the valid rows of expected_evals_logs.tsv"
NT=$(wc -l < "$D/want_trace.tsv"); NL=$(wc -l < "$D/want_logs.tsv")
NS=$(jq '[.resourceSpans[].scopeSpans[].spans[]] | length' "$D/trace_good.json")
got=$($SQL "$D/db" "SELECT (SELECT count() FROM spanhouse.llm_evals), (SELECT uniqExact(kafka_topic, trace_id, span_id, metric, timestamp) FROM spanhouse.llm_evals), (SELECT countIf(kafka_topic IN ('logs.pb', 'traces.pb')) FROM spanhouse.llm_evals), (SELECT max(kafka_offset) FROM spanhouse.llm_evals), (SELECT count() FROM spanhouse.llm_spans), (SELECT uniqExact(kafka_topic, span_id) FROM spanhouse.llm_spans), (SELECT countIf(kafka_topic = 'traces.js') FROM spanhouse.llm_spans)") || fail "counts"
want="$((NT + NL))	$((NT + NL))	0	0	$NS	$NS	$NS"
[ "$got" = "$want" ] || fail "evals, distinct evals, evals from dead-lettered records, max offset, spans, distinct spans, traces.js spans: got '$got', want '$want' (before the restart: $before)"

# ---- 3: dead letters: copies of the two trace records, the whole logs.pb record
# The DLQ topic is at-least-once: the traces.js letter was confirmed before the kill, and the
# restart, re-reading the uncommitted record, sends it again. Distinct letters (key, reason,
# source) are what must be there; the rejected table below is deduplicated by its token.
timeout 30 kcat -C -b "$MOCK_BOOT" -t dlq -e -q -f '%k %h\n' | sed 's/,timestamp=[0-9]*,/,/' | sort -u > "$D/dlq.txt" 2>/dev/null || fail kcat
[ "$(wc -l < "$D/dlq.txt")" = 3 ] || fail "DLQ: $(cat "$D/dlq.txt")"
grep "^tj " "$D/dlq.txt" | grep 'reason=missing_field,field=metric,' | grep -q 'spans and valid evaluations stored' || fail "traces.js letter: $(cat "$D/dlq.txt")"
grep "^tk " "$D/dlq.txt" | grep -q 'reason=missing_field,field=model,' || fail "traces.pb letter: $(cat "$D/dlq.txt")"
grep '^lk ' "$D/dlq.txt" | grep 'reason=missing_field,field=trace_id,' | grep -q 'nothing of the record stored' || fail "logs letter: $(cat "$D/dlq.txt")"
rej=$($SQL "$D/db" "SELECT kind, topic, key, reason, length(payload) FROM spanhouse.llm_spans_rejected ORDER BY topic") || fail "rejected"
want_rej=$(printf 'eval\tlogs.pb\tlk\tmissing_field\t%s\neval\ttraces.js\ttj\tmissing_field\t%s\nspan\ttraces.pb\ttk\tmissing_field\t%s' \
  "$(wc -c < "$V/eval_logs.pb")" "$(wc -c < "$D/trace_good.json")" "$(wc -c < "$V/eval_trace.pb")")
[ "$rej" = "$want_rej" ] || fail "rejected rows: '$rej', want '$want_rej'"
echo "ok: traces.js: $NT eval rows beside $NS spans (one batch, two tables) + a DLQ copy for its rejected events; $NL from logs.js; traces.pb and logs.pb dead-lettered whole; killed after the spans+evals insert ($(echo $before | tr ' ' +) stored), the restart left exactly one copy"
