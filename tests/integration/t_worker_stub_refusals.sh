#!/usr/bin/env bash
# A batch the server keeps refusing in a way no retry fixes must not pin its partition:
#  1. a proxy's HTTP 413 (payload too large): the batch is split, a single row it still
#     refuses is dead-lettered (before: 4xx = fatal, exit 1, the same batch again after every
#     restart);
#  2. an unknown ClickHouse code under a 500, answered for the same batch again and again:
#     after 4 such answers the batch is split (halves with their own tokens); a single row that
#     keeps getting it while its siblings were stored is dead-lettered (before: re-sent
#     identically until retry-max-ms, exit 1, forever).
# Checked on ch_stub's request log (tokens) and the DLQ; everything committed.
source "$(dirname "$0")/lib/prelude.sh"
source tests/integration/lib/worker.sh
make --no-print-directory -s build/spanhouse build/tests/tools/mockkafka build/tests/tools/ch_stub >/dev/null
work_dir refuse
STUB=
at_exit 'kill_var STUB'
stub() { # SCRIPT LOG
  [ -z "$STUB" ] || { kill "$STUB"; wait "$STUB" 2>/dev/null || true; }
  rm -f "$D/port"
  build/tests/tools/ch_stub "$1" "$2" "$D/port" & STUB=$!
  for _ in $(seq 1 50); do [ -s "$D/port" ] && break; sleep 0.1; done
  PORT=$(cat "$D/port")
}
run() { # GROUP TOPIC LOG
  timeout 120 build/spanhouse run --brokers "$MOCK_BOOT" --topic "$2" --group "$1" \
    --clickhouse-url "http://127.0.0.1:$PORT" --dlq-topic dlq --exit-at-eof --batch-max-age-ms 60000 \
    --insert-concurrency 1 --kafka.session.timeout.ms=6000 2> "$3"
}
tokens() { grep -o 'token=[^ ]*' "$1" | grep -v 'token=-\?$' | cut -d= -f2 | token_coords | tr '\n' ' '; }
mock_start a:1 b:1 dlq:1
spans_gen 4 0 "$D/spans.tsv" "$D/sums"
[ "$(mock_cmd "produce a $D/spans.tsv")" = "produced 4 failed 0" ] || fail "produce a"
[ "$(mock_cmd "produce b $D/spans.tsv")" = "produced 4 failed 0" ] || fail "produce b"

# 1: 413 for the whole batch and for offset 3 alone
cat > "$D/s1" <<'S'
413 - 0 Request Entity Too Large
200 - 0
413 - 0 Request Entity Too Large
200 - 0
413 - 0 Request Entity Too Large
S
stub "$D/s1" "$D/stub1.log"
run g1 a "$D/run1.log" || fail "413: worker exit $?"
t=$(tokens "$D/stub1.log")
[ "$t" = "a-0-0-3 a-0-0-1 a-0-2-3 a-0-2-2 a-0-3-3 " ] || fail "413 tokens '$t'"
grep -q 'event=stopped result=ok consumed=4 inserted=3 rejected=1' "$D/run1.log" || fail "413 stats: $(grep stopped "$D/run1.log")"
echo "1 ok: HTTP 413 split the batch, the row still refused alone dead-lettered, 3 stored"

# 2: an unknown code (4242) four times for the batch, then for [2-3], then for offset 3 alone
{ for _ in 1 2 3 4; do echo "500 4242 0 Something new went wrong"; done
  echo "200 - 0"
  for _ in 1 2 3 4; do echo "500 4242 0 Something new went wrong"; done
  echo "200 - 0"
  for _ in 1 2 3 4 5 6 7 8; do echo "500 4242 0 Something new went wrong"; done; } > "$D/s2"
stub "$D/s2" "$D/stub2.log"
run g2 b "$D/run2.log" || fail "unknown code: worker exit $?"
t=$(tokens "$D/stub2.log")
want="b-0-0-3 b-0-0-3 b-0-0-3 b-0-0-3 b-0-0-1 b-0-2-3 b-0-2-3 b-0-2-3 b-0-2-3 b-0-2-2 b-0-3-3 b-0-3-3 b-0-3-3 b-0-3-3 "
[ "$t" = "$want" ] || fail "unknown-code tokens '$t', want '$want'"
grep -q 'event=stopped result=ok consumed=4 inserted=3 rejected=1' "$D/run2.log" || fail "unknown-code stats: $(grep stopped "$D/run2.log")"
timeout 30 kcat -C -b "$MOCK_BOOT" -t dlq -e -q -f '%h\n' > "$D/dlq.txt" 2>/dev/null || fail kcat
[ "$(grep -c 'reason=server_rejected' "$D/dlq.txt")" = 2 ] && grep -q 'source_topic=a,source_partition=0,source_offset=3,' "$D/dlq.txt" &&
  grep -q 'source_topic=b,source_partition=0,source_offset=3,.*' "$D/dlq.txt" && grep -q 'Something new went wrong' "$D/dlq.txt" || fail "DLQ: $(cat "$D/dlq.txt")"
echo "2 ok: an unknown code repeated for one batch split it after 4 answers; the row refused alone (siblings stored) dead-lettered"
