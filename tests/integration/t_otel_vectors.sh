#!/usr/bin/env bash
# The OTLP test vectors are what the real OpenTelemetry JS SDK produces today: re-run the
# generator (tests/otel/gen_vectors.mjs, SDK versions pinned by package-lock.json), check the
# bytes equal the committed vectors, and that the decoders map the fresh protobuf, SDK JSON and
# Collector-style JSON to exactly the columns of the fresh expected.tsv.
source "$(dirname "$0")/lib/prelude.sh"
work_dir otelvectors; tmp=$D

bash scripts/install-otel-node.sh
timeout 60 node tests/otel/gen_vectors.mjs "$tmp" >/dev/null
for f in request.pb request.json request_collector.json expected.tsv bench_20spans.pb bench_20spans.json; do
  cmp "$tmp/$f" "tests/otel/vectors/$f" || { echo "vector $f differs from the committed one: regenerate with node tests/otel/gen_vectors.mjs"; exit 1; }
done

dump=build/tests/tools/otlp_dump
[ -x "$dump" ] || make --no-print-directory "$dump" >/dev/null
tail -n +3 "$tmp/expected.tsv" > "$tmp/want.tsv"
want_counts=$(head -1 "$tmp/expected.tsv")
for v in proto:request.pb json:request.json json:request_collector.json; do
  enc=${v%%:*}; file=${v#*:}
  "$dump" "$enc" "$tmp/$file" > "$tmp/got.tsv" 2> "$tmp/err.txt"
  diff "$tmp/want.tsv" "$tmp/got.tsv" || { echo "FAIL: $file decodes to other columns"; exit 1; }
  grep -qxF "$want_counts" "$tmp/err.txt" || { echo "FAIL: $file counts: $(cat "$tmp/err.txt")"; exit 1; }
  echo "ok $file: $(wc -l < "$tmp/got.tsv") spans match expected.tsv"
done
