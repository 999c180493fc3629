#!/usr/bin/env bash
# Spans, quality evaluations and business outcomes on three topics, consumed by ONE worker
# through the mock Kafka cluster into the embedded ClickHouse 26.x (libchdb, --sink chdb: the
# llm_evals/llm_outcomes DDL uses DateTime64 and LowCardinality, which 18.16 lacks).
# Evals are late (stamped 2 h after their span, produced after the spans) and out of order,
# some evals and outcomes are orphans (no span), one eval and one outcome are invalid.
# Asserts exact row counts per table, the two invalid records in the DLQ (original key,
# reason and source headers) and in llm_spans_rejected with their kind, and per-model mean
# scores computed in ClickHouse (raw join and the llm_quality_1m aggregate) against values the
# test computes itself from what it produced.
source "$(dirname "$0")/lib/prelude.sh"
source tests/integration/lib/worker.sh
make --no-print-directory -s build/spanhouse build/tests/tools/mockkafka build/tools/chdbsql >/dev/null
work_dir evals
SQL=build/tools/chdbsql
KOPTS="--kafka.session.timeout.ms=6000 --kafka.heartbeat.interval.ms=500"

timeout 120 build/spanhouse schema apply --sink chdb --chdb-path "$D/db" > /dev/null || fail "schema apply"
mock_start spans:2 evals:3 outcomes:2 dlq:1

# NT traces with one span each (model by trace), evals for every trace (helpfulness) and for
# every other trace (groundedness, 10 % sampled: weight 10), 7 orphan evals, 40 outcomes + 3
# orphans. Evals are written in a scrambled order (i * 7919 mod NT). expect.tsv gets, per
# model, the plain mean and the sample-weighted mean of helpfulness and groundedness.
NT=600
now=$(date +%s%3N)
awk -v nt=$NT -v now="$now" -v dir="$D" 'BEGIN {
  span_ts = now - 3 * 3600 * 1000; eval_ts = now - 3600 * 1000
  ns = 0; ne = 0; no = 0
  for (i = 0; i < nt; i++) {
    m = "m" (i % 3); model[i] = m
    printf "s%05d\t{\"timestamp\":%.0f,\"trace_id\":\"t%05d\",\"span_id\":\"s%05d\",\"provider\":\"openai\",\"model\":\"%s\",\"operation\":\"chat\",\"tenant_id\":\"acme\",\"feature\":\"f%d\",\"input_tokens\":%d,\"output_tokens\":%d,\"cost_usd\":0.00%d,\"latency_ms\":100,\"status\":\"ok\"}\n", i, span_ts + i, i, i, m, i % 4, 100 + i, 10 + i % 50, 1 + i % 9 > (dir "/spans.tsv"); ns++
  }
  for (k = 0; k < nt; k++) {
    i = (k * 7919) % nt
    h = ((i * 37) % 101) / 100
    printf "eh%05d\t{\"timestamp\":%.0f,\"trace_id\":\"t%05d\",\"span_id\":\"s%05d\",\"evaluator\":\"judge\",\"metric\":\"helpfulness\",\"score\":%.2f,\"label\":\"%s\",\"source\":\"llm_judge\",\"sample_rate\":1}\n", i, eval_ts + k, i, i, h, (h >= 0.5 ? "pass" : "fail") > (dir "/evals.tsv"); ne++
    hs[model[i]] += h; hn[model[i]]++
    if (i % 2 == 0) {
      g = ((i * 53) % 97) / 96; rate = ((i % 4 == 0) ? 0.1 : 1)
      printf "eg%05d\t{\"ts\":%.0f,\"traceId\":\"t%05d\",\"metric\":\"groundedness\",\"score\":%.6f,\"sample_rate\":%s,\"explanation\":\"cites sources \\u00e9\"}\n", i, eval_ts + k, i, g, rate > (dir "/evals.tsv"); ne++
      gs[model[i]] += g / rate; gw[model[i]] += 1 / rate
    }
    if (k == nt / 2) {
      print "ebad\t{\"timestamp\":" sprintf("%.0f", eval_ts) ",\"trace_id\":\"t00001\",\"score\":0.5}" > (dir "/evals.tsv")
    }
  }
  for (o = 0; o < 7; o++) { printf "eo%d\t{\"timestamp\":%.0f,\"trace_id\":\"orphan%d\",\"metric\":\"helpfulness\",\"score\":0.9}\n", o, eval_ts, o > (dir "/evals.tsv"); ne++ }
  for (i = 0; i < 40; i++) { printf "o%05d\t{\"timestamp\":%.0f,\"trace_id\":\"t%05d\",\"event\":\"conversion\",\"value\":\"%d.25\",\"currency\":\"USD\"}\n", i, eval_ts + i, (i * 13) % nt, i > (dir "/outcomes.tsv"); no++ }
  print "obad\t{\"timestamp\":" sprintf("%.0f", eval_ts) ",\"trace_id\":\"t00002\",\"value\":3}" > (dir "/outcomes.tsv")
  for (o = 0; o < 3; o++) { printf "oo%d\t{\"timestamp\":%.0f,\"trace_id\":\"orphan-o%d\",\"event\":\"thumbs_down\"}\n", o, eval_ts, o > (dir "/outcomes.tsv"); no++ }
  printf "%d %d %d\n", ns, ne, no > (dir "/counts")
  for (m in hn) printf "%s\t%.6f\t%.6f\n", m, hs[m] / hn[m], gs[m] / gw[m] > (dir "/expect.tsv")
}'
sort -o "$D/expect.tsv" "$D/expect.tsv"
read -r NS NE NO < "$D/counts"

for t in spans evals outcomes; do
  ans=$(mock_cmd "produce $t $D/$t.tsv"); n=$(wc -l < "$D/$t.tsv")
  [ "$ans" = "produced $n failed 0" ] || fail "produce $t: $ans"
done

timeout 120 build/spanhouse run --brokers "$MOCK_BOOT" --topic spans --topic evals:eval --topic outcomes:outcome \
  --group gevals --sink chdb --chdb-path "$D/db" --dlq-topic dlq --rejected-table llm_spans_rejected \
  --batch-max-rows 97 --batch-max-age-ms 200 --exit-at-eof $KOPTS 2> "$D/run.log" || fail "worker exit $?"

got=$($SQL "$D/db" "SELECT (SELECT count() FROM spanhouse.llm_spans), (SELECT count() FROM spanhouse.llm_evals), (SELECT uniqExact(kafka_partition, kafka_offset) FROM spanhouse.llm_evals), (SELECT count() FROM spanhouse.llm_outcomes), (SELECT toInt64(sum(value) * 100) FROM spanhouse.llm_outcomes)") || fail "count query"
want_val=$(awk 'BEGIN { s = 0; for (i = 0; i < 40; i++) s += i * 100 + 25; printf "%d", s }') # cents
[ "$got" = "$NS	$NE	$NE	$NO	$want_val" ] || fail "counts: got '$got', want '$NS	$NE	$NE	$NO	$want_val'"

# The two invalid records: DLQ letters with their original keys and reasons, and rejected rows.
timeout 60 kcat -C -b "$MOCK_BOOT" -t dlq -e -q -f '%k %h\n' > "$D/dlq.txt" 2>/dev/null || fail "kcat"
[ "$(wc -l < "$D/dlq.txt")" = 2 ] || fail "DLQ has $(wc -l < "$D/dlq.txt") letters, want 2: $(cat "$D/dlq.txt")"
grep -q '^ebad .*reason=missing_field,.*source_topic=evals,' "$D/dlq.txt" || fail "eval letter: $(cat "$D/dlq.txt")"
grep -q '^obad .*reason=missing_field,.*source_topic=outcomes,' "$D/dlq.txt" || fail "outcome letter: $(cat "$D/dlq.txt")"
grep -q '^ebad .*field=metric' "$D/dlq.txt" || fail "eval letter without field=metric: $(cat "$D/dlq.txt")"
rej=$($SQL "$D/db" "SELECT kind, topic, key, reason, field FROM spanhouse.llm_spans_rejected ORDER BY kind") || fail "rejected query"
[ "$rej" = "eval	evals	ebad	missing_field	metric
outcome	outcomes	obad	missing_field	event" ] || fail "rejected rows: '$rej'"

# Orphans are stored, and listed by the orphans view.
orph=$($SQL "$D/db" "SELECT countIf(trace_id LIKE 'orphan%') FROM spanhouse.llm_evals") || fail "orphans"
[ "$orph" = 7 ] || fail "orphan evals stored: $orph"

# Per-model mean scores: raw join (plain mean of helpfulness) and the 1-minute aggregate
# (sample-weighted mean of groundedness), against the test's own figures.
$SQL "$D/db" "SELECT h.model, toString(round(h.mh, 6)), toString(round(g.mg, 6)) FROM
  (SELECT s.model AS model, avg(e.score) AS mh FROM spanhouse.llm_evals e INNER JOIN spanhouse.llm_spans s ON e.trace_id = s.trace_id AND e.span_id = s.span_id WHERE e.metric = 'helpfulness' GROUP BY s.model) h
  INNER JOIN (SELECT model, sum(score_wsum) / sum(score_weight) AS mg FROM spanhouse.llm_quality_1m WHERE metric = 'groundedness' GROUP BY model) g ON h.model = g.model
  ORDER BY h.model FORMAT TSV" > "$D/means.tsv" || fail "means query"
awk -F'\t' '{ printf "%s\t%.6f\t%.6f\n", $1, $2, $3 }' "$D/means.tsv" > "$D/means_n.tsv"
diff "$D/expect.tsv" "$D/means_n.tsv" >&2 || fail "per-model means differ (left: computed from input, right: ClickHouse)"

# Metrics by kind in the log summary.
grep -q 'event=stopped.*result=ok' "$D/run.log" || fail "worker did not stop cleanly"
echo "ok: one worker, 3 topics: $NS spans, $NE evals ($orph orphans), $NO outcomes; 2 invalid in DLQ + rejected table; per-model means match: $(tr '\n' ' ' < "$D/means_n.tsv")"
