#!/usr/bin/env bash
# Retries and bisection by error class, against ch_stub (a fault-injecting ClickHouse HTTP
# stand-in): a 500 and a TOO_MANY_PARTS (252) are retried with the SAME dedup token; a
# CANNOT_PARSE_INPUT (27) data error splits the batch down to the one row the stub keeps
# refusing, which goes to the DLQ with reason server_rejected, the server's message and its
# ORIGINAL key and bytes (payload_format=original);
# the other rows are stored and the offsets committed. Checked on the stub's request log.
source "$(dirname "$0")/lib/prelude.sh"
source tests/integration/lib/worker.sh
make --no-print-directory -s build/spanhouse build/tests/tools/mockkafka build/tests/tools/ch_stub >/dev/null
work_dir stub
STUB=
at_exit 'kill_var STUB'

cat > "$D/script" <<'S'
500 - 0 boom
503 252 0 Too many parts (300). Merges are processing significantly slower than inserts
400 27 0 Cannot parse input: expected row 1
400 27 0 Cannot parse input: expected row 1
200 - 0
400 27 0 Cannot parse input: expected row 1
S
build/tests/tools/ch_stub "$D/script" "$D/stub.log" "$D/port" & STUB=$!
for i in $(seq 1 50); do [ -s "$D/port" ] && break; sleep 0.1; done
PORT=$(cat "$D/port")

mock_start spans:1 dlq:1
spans_gen 4 0 "$D/spans.tsv" "$D/sums"
ans=$(mock_cmd "produce spans $D/spans.tsv"); [ "$ans" = "produced 4 failed 0" ] || fail "produce: $ans"
timeout 120 build/spanhouse run --brokers "$MOCK_BOOT" --topic spans --group gstub \
  --clickhouse-url "http://127.0.0.1:$PORT" --dlq-topic dlq --exit-at-eof --batch-max-age-ms 60000 \
  --kafka.session.timeout.ms=6000 2> "$D/run.log" || fail "worker exit $?"

raw=$(grep -o 'token=[^ ]*' "$D/stub.log" | grep -v 'token=-\?$' | cut -d= -f2)
[ "$(head -n 3 <<< "$raw" | sort -u | wc -l)" = 1 ] || fail "retries changed the token: $raw"
tokens=$(token_coords <<< "$raw" | tr '\n' ' ') || fail "tokens: $raw"
want="spans-0-0-3 spans-0-0-3 spans-0-0-3 spans-0-0-1 spans-0-0-0 spans-0-1-1 spans-0-2-3 "
[ "$tokens" = "$want" ] || fail "tokens '$tokens', want '$want'"
grep -q 'event=stopped result=ok consumed=4 inserted=3 rejected=1 retries=2' "$D/run.log" || fail "stats: $(grep stopped "$D/run.log")"
timeout 30 kcat -C -b "$MOCK_BOOT" -t dlq -e -q -f '%h\n' > "$D/dlq.txt" 2>/dev/null || fail kcat
[ "$(wc -l < "$D/dlq.txt")" = 1 ] || fail "DLQ: $(cat "$D/dlq.txt")"
grep -q 'reason=server_rejected' "$D/dlq.txt" && grep -q 'Cannot parse input' "$D/dlq.txt" &&
  grep -q 'source_offset=1,' "$D/dlq.txt" && grep -q 'payload_format=original' "$D/dlq.txt" || fail "letter: $(cat "$D/dlq.txt")"
# The letter carries the ORIGINAL key and bytes of offset 1 (line 2 of what was produced).
timeout 30 kcat -C -b "$MOCK_BOOT" -t dlq -e -q -f '%k\t%s\n' > "$D/dlq_body.txt" 2>/dev/null || fail kcat
[ "$(cat "$D/dlq_body.txt")" = "$(sed -n 2p "$D/spans.tsv")" ] || fail "letter body '$(cat "$D/dlq_body.txt")', want '$(sed -n 2p "$D/spans.tsv")'"
echo "ok: 2 retries with one token, bisected to offset 1, 3 rows stored, 1 dead letter"
