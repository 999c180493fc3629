#!/usr/bin/env bash
# The Kafka half of the OTLP end-to-end path: the SDK-made OTLP records (protobuf and
# Collector-style JSON) are produced, one file per Kafka record as the Collector's kafka
# exporter writes them, into a real Kafka-protocol broker (librdkafka's mock cluster, run by
# loadgen), consumed back with kcat, and must decode to exactly the columns of expected.tsv.
# (Through the worker into ClickHouse: t_otel_e2e.sh, once the worker has landed.)
source "$(dirname "$0")/lib/prelude.sh"
make -s build/tools/loadgen build/tests/tools/otlp_dump >/dev/null
work_dir otelkafka; tmp=$D
pid=""
at_exit 'kill_var pid'

build/tools/loadgen --mock 1 --partitions 1 --count 0 --linger-s -1 >"$tmp/mock.out" 2>"$tmp/mock.err" &
pid=$!
for _ in $(seq 1 300); do grep -q '^BOOTSTRAP' "$tmp/mock.out" 2>/dev/null && break; sleep 0.1; done
bs=$(awk '/^BOOTSTRAP/{print $2}' "$tmp/mock.out")
[ -n "$bs" ] || { cat "$tmp/mock.err"; fail "mock cluster did not start"; }

V=tests/otel/vectors
tail -n +3 "$V/expected.tsv" >"$tmp/want.tsv"
for v in otlp_proto:proto:request.pb otlp_json:json:request_collector.json; do
  IFS=: read -r topic enc file <<<"$v"
  # kcat -P with file arguments sends each file as one message, bytes unchanged.
  timeout 30 kcat -P -b "$bs" -t "$topic" -p 0 "$V/$file" || fail "produce $file"
  timeout 30 kcat -C -b "$bs" -t "$topic" -p 0 -o beginning -c 1 -e -q -f '%s' >"$tmp/$file" ||
    fail "consume $topic"
  cmp -s "$tmp/$file" "$V/$file" || fail "$file changed on its way through Kafka"
  build/tests/tools/otlp_dump "$enc" "$tmp/$file" >"$tmp/got.tsv" 2>"$tmp/err.txt" ||
    fail "$file: $(cat "$tmp/err.txt")"
  diff "$tmp/want.tsv" "$tmp/got.tsv" >&2 || fail "$file from topic $topic decodes to other columns"
  echo "ok $topic: $(wc -l <"$tmp/got.tsv") spans match expected.tsv"
done
