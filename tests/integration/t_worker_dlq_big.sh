#!/usr/bin/env bash
# A poison pill larger than the DLQ topic takes must not stop the pipeline: one unterminated
# 1,005,000-byte message (its producer compressed it, so the broker took it) between valid
# spans. The worker dead-letters it TRUNCATED (payload_format=truncated, original_size and
# original_xxh3 headers, the payload a prefix of the original), keeps the whole original in
# llm_spans_rejected, stores every valid span, exits 0 and commits: a second run reads nothing.
# Before, the DLQ produce failed with "Message size too large" and the worker exited 1 on
# every restart, the partition pinned.
source "$(dirname "$0")/lib/prelude.sh"
source tests/integration/lib/worker.sh
source tests/integration/lib/chhttp.sh
make --no-print-directory -s build/spanhouse build/tests/tools/mockkafka build/tools/chdbsql build/tests/tools/xxh3sum >/dev/null
work_dir dlqbig
SQL=build/tools/chdbsql
chdb_schema "$D" || fail "schema apply"

spans_gen 600 0 "$D/s.tsv" "$D/sums"; read -r G T C _ < "$D/sums"
{ head -n 300 "$D/s.tsv"
  printf 'pill\t{"trace_id":"'; head -c 1004987 /dev/zero | tr '\0' 'a'; printf '\n'
  tail -n 300 "$D/s.tsv"; } > "$D/in.tsv"
PILL=$(sed -n 301p "$D/in.tsv" | cut -f2 | tr -d '\n' | wc -c)
[ "$PILL" = 1005000 ] || fail "pill is $PILL bytes"
MOCK_ARGS="--compression lz4" mock_start spans:1 dlq:1
ans=$(mock_cmd "produce spans $D/in.tsv"); [ "$ans" = "produced 601 failed 0" ] || fail "produce: $ans"

run() {
  timeout 120 build/spanhouse run --brokers "$MOCK_BOOT" --topic spans --group gbig --sink chdb \
    --chdb-path "$D/db" --dlq-topic dlq --rejected-table llm_spans_rejected --exit-at-eof \
    --kafka.session.timeout.ms=6000 2> "$1"
}
run "$D/run1.log" || fail "worker exit $? on a 1 MB poison pill"
got=$($SQL "$D/db" "SELECT count(), sum(input_tokens + output_tokens), toInt64(sum(cost_usd) * 1000000000) FROM spanhouse.llm_spans")
[ "$got" = "$G	$T	$C" ] || fail "stored '$got', want '$G	$T	$C'"
rej=$($SQL "$D/db" "SELECT reason, offset, length(payload), key FROM spanhouse.llm_spans_rejected")
[ "$rej" = "json_syntax	300	1005000	pill" ] || fail "rejected table: '$rej'"

timeout 60 kcat -C -b "$MOCK_BOOT" -t dlq -e -q -f '%k\t%S\t%h\n' > "$D/dlq.txt" 2>/dev/null || fail kcat
[ "$(wc -l < "$D/dlq.txt")" = 1 ] || fail "want one dead letter: $(cut -c1-300 "$D/dlq.txt")"
IFS=$'\t' read -r k size hdrs < "$D/dlq.txt"
[ "$k" = pill ] || fail "key '$k'"
grep -q 'payload_format=truncated' <<< "$hdrs" || fail "no payload_format=truncated: $hdrs"
grep -q 'original_size=1005000' <<< "$hdrs" || fail "no original_size: $hdrs"
grep -q 'reason=json_syntax' <<< "$hdrs" || fail "reason: $hdrs"
want_hash=$(sed -n 301p "$D/in.tsv" | cut -f2 | tr -d '\n' | build/tests/tools/xxh3sum)
grep -q "original_xxh3=$want_hash" <<< "$hdrs" || fail "original_xxh3 is not $want_hash: $hdrs"
[ "$size" -gt 0 ] && [ "$size" -lt 1000000 ] || fail "dead letter payload $size bytes"
timeout 60 kcat -C -b "$MOCK_BOOT" -t dlq -e -q -f '%s' 2>/dev/null > "$D/letter" || fail kcat
sed -n 301p "$D/in.tsv" | cut -f2 | tr -d '\n' > "$D/pill"
cmp -s -n "$size" "$D/pill" "$D/letter" && [ "$(wc -c < "$D/letter")" = "$size" ] || fail "the letter is not a prefix of the original"

run "$D/run2.log" || fail "second run exit $?"
grep -q 'event=stopped result=ok consumed=0' "$D/run2.log" || fail "not committed: $(grep stopped "$D/run2.log")"

# The broker refuses the letter as too large (a DLQ topic with a lower max.message.bytes):
# the letter is sent again, a quarter of the size, still marked and hashed as the original.
sed -n 301p "$D/in.tsv" > "$D/pill2.tsv"
ans=$(mock_cmd "produce spans $D/pill2.tsv"); [ "$ans" = "produced 1 failed 0" ] || fail "produce pill 2: $ans"
ans=$(mock_cmd "err 0 1 10"); [ "$ans" = ok ] || fail "err inject: $ans"
run "$D/run3.log" || fail "third run exit $? (broker refused the letter as too large)"
timeout 60 kcat -C -b "$MOCK_BOOT" -t dlq -o 1 -e -q -f '%S\t%h\n' > "$D/dlq2.txt" 2>/dev/null || fail kcat
[ "$(wc -l < "$D/dlq2.txt")" = 1 ] || fail "want one more dead letter: $(cut -c1-300 "$D/dlq2.txt")"
IFS=$'\t' read -r size2 hdrs2 < "$D/dlq2.txt"
[ "$size2" -le $(( size / 4 + 1 )) ] && [ "$size2" -gt 1000 ] || fail "re-sent letter $size2 bytes, want <= $(( size / 4 ))"
grep -q "original_xxh3=$want_hash" <<< "$hdrs2" && grep -q 'original_size=1005000' <<< "$hdrs2" || fail "re-sent headers: $hdrs2"
grep -q 'source_offset=601' <<< "$hdrs2" || fail "re-sent letter's source: $hdrs2"

echo "ok: 1,005,000-byte pill dead-lettered truncated to $size bytes (hash and size in headers, whole in the table), $G spans stored, committed"
