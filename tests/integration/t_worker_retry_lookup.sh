#!/usr/bin/env bash
# A retried insert is not sent again when the failed attempt was stored: the worker asks the
# table first (rows at the batch's Kafka coordinates). Without that, a token still drops the
# re-sent rows, but not what a materialized view makes of them when it differs from the first
# attempt: an evaluation stored while its span was not (llm_quality_1m view: nothing to join),
# whose answer was lost, then re-sent after the span arrived, was counted in llm_quality_1m
# (and would be again by the span's view): twice. Modern engine behind chhttp, which stores every
# insert and answers 500 until told otherwise.
source "$(dirname "$0")/lib/prelude.sh"
source tests/integration/lib/worker.sh
source tests/integration/lib/chhttp.sh
make --no-print-directory -s build/spanhouse build/tests/tools/mockkafka build/tests/tools/chhttp >/dev/null
work_dir retrylookup
WPID=
chhttp_start "$D" || fail "chhttp"
mock_start evals:1 dlq:1
ts=$(date +%s%3N)
printf 'e1\t{"timestamp":%s,"trace_id":"t1","span_id":"s1","metric":"helpfulness","score":0.5}\n' "$ts" > "$D/e.tsv"
[ "$(mock_cmd "produce evals $D/e.tsv")" = "produced 1 failed 0" ] || fail produce
chhttp_ctl "fail_after=100"
build/spanhouse run --brokers "$MOCK_BOOT" --topic evals:eval --group gretry --clickhouse-url "$CHHTTP_URL" \
  --dlq-topic dlq --batch-max-age-ms 100 --exit-at-eof --kafka.session.timeout.ms=6000 2> "$D/w.log" & WPID=$!
for _ in $(seq 1 100); do [ "$(chhttp_query "SELECT count() FROM spanhouse.llm_evals")" = 1 ] && break; sleep 0.1; done
[ "$(chhttp_query "SELECT count() FROM spanhouse.llm_evals")" = 1 ] || fail "the evaluation was never stored"
# its span arrives (another worker, say) while the evaluation's insert is being retried
chhttp_query "INSERT INTO spanhouse.llm_spans (timestamp, trace_id, span_id, kafka_topic, kafka_partition, kafka_offset) VALUES (fromUnixTimestamp64Milli($ts), 't1', 's1', 'spans', 0, 0)" > /dev/null
sleep 0.5
chhttp_ctl "fail_after=0"
wait "$WPID" || { WPID=; fail "worker exit $?"; }
WPID=
got=$(chhttp_query "SELECT (SELECT count() FROM spanhouse.llm_evals), (SELECT sum(evals) FROM spanhouse.llm_quality_1m WHERE metric = 'helpfulness')")
[ "$got" = "1	1" ] || fail "evals, quality_1m evals: '$got', want '1	1' (the retry was sent again and counted twice)"
grep -q 'event=range_already_stored why=retry' "$D/w.log" || fail "no look-up before the retry"
echo "1 ok: a stored-but-unanswered evaluation insert was found stored and not re-sent; counted once in llm_quality_1m"

# 2: the look-up must not take other data at the same coordinates for this batch: two different
# files through ingest-file (same line numbers), the second one's inserts refused before storing
# for a while. Rows of the first file sit at the same (topic, partition, offset): only rows with
# this job's encode times count as "stored", else the second file would be lost.
spans_gen 500 0 "$D/a.tsv" "$D/sa"; read -r GA _ _ _ < "$D/sa"
sleep 0.01
spans_gen 500 0 "$D/b.tsv" "$D/sb"
cut -f2 "$D/a.tsv" > "$D/a.jsonl"; cut -f2 "$D/b.tsv" > "$D/b.jsonl"
load() { timeout 120 build/spanhouse ingest-file --clickhouse-url "$CHHTTP_URL" --rejected-table llm_spans_rejected \
  --ingest-topic files "$1" 2> "$2"; }
load "$D/a.jsonl" "$D/fa.log" || fail "file a exit $?"
chhttp_ctl "fail_before=100"
load "$D/b.jsonl" "$D/fb.log" & LPID=$!
sleep 2
chhttp_ctl "fail_before=0"
wait "$LPID" || fail "file b exit $?"
got=$(chhttp_query "SELECT count(), uniqExact(trace_id, timestamp) FROM spanhouse.llm_spans WHERE kafka_topic = 'files'")
[ "$got" = "$(( GA * 2 ))	$(( GA * 2 ))" ] || fail "two files stored '$got', want $(( GA * 2 )) rows (the second taken for stored?)"
echo "2 ok: a refused insert of a second file was not taken for the first file's rows at the same offsets"
