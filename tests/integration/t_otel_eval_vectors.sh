#!/usr/bin/env bash
# The OTLP evaluation-result vectors are what the real OpenTelemetry JS SDK produces today:
# re-run tests/otel/gen_eval_vectors.mjs (SDK versions pinned by package-lock.json), check the
# bytes equal the committed vectors, and that span events (trace records, protobuf / SDK JSON /
# Collector JSON) and log records (logs records, same three forms) decode to exactly the eval
# rows, reasons and counts of the fresh expected_evals_*.tsv.
source "$(dirname "$0")/lib/prelude.sh"
work_dir otelevalvectors; tmp=$D

bash scripts/install-otel-node.sh
timeout 60 node tests/otel/gen_eval_vectors.mjs "$tmp" >/dev/null
for f in eval_trace.pb eval_trace.json eval_trace_collector.json eval_logs.pb eval_logs.json \
         eval_logs_collector.json expected_evals_trace.tsv expected_evals_logs.tsv \
         bench_logs_20.pb bench_logs_20.json; do
  cmp "$tmp/$f" "tests/otel/vectors/$f" || { echo "vector $f differs from the committed one: regenerate with node tests/otel/gen_eval_vectors.mjs"; exit 1; }
done

dump=build/tests/tools/otlp_eval_dump
[ -x "$dump" ] || make --no-print-directory "$dump" >/dev/null
now_ms=$((1763990000000 + 86400000)) # the vectors' day + 1: eval_validate's clock
for v in trace-proto:eval_trace.pb trace-json:eval_trace.json trace-json:eval_trace_collector.json \
         logs-proto:eval_logs.pb logs-json:eval_logs.json logs-json:eval_logs_collector.json; do
  mode=${v%%:*}; file=${v#*:}
  want=expected_evals_${mode%%-*}.tsv
  tail -n +3 "$tmp/$want" > "$tmp/want.tsv"
  "$dump" "$mode" "$tmp/$file" "$now_ms" > "$tmp/got.tsv" 2> "$tmp/err.txt"
  diff "$tmp/want.tsv" "$tmp/got.tsv" || { echo "FAIL: $file decodes to other eval rows"; exit 1; }
  head -1 "$tmp/$want" | grep -qxFf - "$tmp/err.txt" || { echo "FAIL: $file counts: $(cat "$tmp/err.txt")"; exit 1; }
  echo "ok $file: rows and counts match $want ($(cat "$tmp/err.txt"))"
done
