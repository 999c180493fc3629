#!/usr/bin/env bash
# loadgen against a real Kafka-protocol broker (librdkafka's mock cluster, started by loadgen
# itself): produce N keyed messages, consume them with kcat and count exactly N; a second
# loadgen produces into the first one's cluster at a limited rate; poison messages arrive as
# asked; --stdout is deterministic. Everything started here is stopped on exit.
source "$(dirname "$0")/lib/prelude.sh"
make -s build/tools/loadgen >/dev/null
LG=build/tools/loadgen
work_dir loadgen; tmp=$D
pid=""
at_exit 'kill_var pid'

wait_for() { # file pattern seconds
  for _ in $(seq 1 $(( $3 * 10 ))); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}

# 1. A mock cluster with 8 partitions; 6000 messages, 5% poison.
N=6000
$LG --mock 1 --partitions 8 --count $N --seed 11 --spike --regression --poison-fraction 0.05 \
    --linger-s -1 >"$tmp/mock.out" 2>"$tmp/mock.err" &
pid=$!
wait_for "$tmp/mock.out" '^PRODUCED' 60 || { cat "$tmp/mock.err"; fail "mock producer did not finish"; }
bs=$(awk '/^BOOTSTRAP/{print $2}' "$tmp/mock.out")
[ -n "$bs" ] || fail "no bootstrap address"
read -r _ produced _ poison _ bytes _ secs < <(grep '^PRODUCED' "$tmp/mock.out")
[ "$produced" = "$N" ] || fail "produced $produced, want $N"
# ~5% poison (binomial: 300 ± 3 sigma of 17)
[ "$poison" -ge 240 ] && [ "$poison" -le 360 ] || fail "poison $poison not ~5% of $N"

timeout 60 kcat -C -b "$bs" -t llm.spans -o beginning -e -q -f '%k\t%p\t%s\n' >"$tmp/got.tsv"
got=$(wc -l <"$tmp/got.tsv")
[ "$got" = "$N" ] || fail "consumed $got, want $N"
# Keys are trace ids (32 hex); messages spread over the partitions; good messages are JSON
# objects with the key as their trace_id.
bad_keys=$(cut -f1 "$tmp/got.tsv" | grep -cvE '^[0-9a-f]{32}$' || true)
[ "$bad_keys" = 0 ] || fail "$bad_keys keys are not trace ids"
parts=$(cut -f2 "$tmp/got.tsv" | sort -u | wc -l)
[ "$parts" -ge 6 ] || fail "messages on only $parts of 8 partitions"
matching=$(awk -F'\t' 'index($3, "\"trace_id\":\"" $1 "\"") > 0' "$tmp/got.tsv" | wc -l)
[ "$matching" -ge $(( N - 400 )) ] || fail "only $matching messages carry their key as trace_id"
total_bytes=$(cut -f3 "$tmp/got.tsv" | wc -c)
[ "$total_bytes" -eq $(( bytes + N )) ] || fail "consumed $total_bytes bytes, produced $bytes + $N newlines"

# 2. A second loadgen into the same cluster, rate-limited: 1000 messages at 2000/s take >= 0.45 s.
start=$(date +%s.%N)
$LG --brokers "$bs" --count 1000 --rate 2000 --seed 12 >"$tmp/rate.out" 2>"$tmp/rate.err" \
  || { cat "$tmp/rate.err"; fail "rate-limited producer failed"; }
el=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
grep -q '^PRODUCED 1000 ' "$tmp/rate.out" || fail "second producer: $(cat "$tmp/rate.out")"
awk -v e="$el" 'BEGIN { exit !(e >= 0.45) }' || fail "1000 messages at 2000/s took only $el s"
got=$(timeout 60 kcat -C -b "$bs" -t llm.spans -o beginning -e -q | wc -l)
[ "$got" = $(( N + 1000 )) ] || fail "after the second producer: $got messages, want $(( N + 1000 ))"

# 3. A broker that does not exist: loadgen fails (non-zero) instead of hanging or lying.
if timeout 90 $LG --brokers 127.0.0.1:1 --count 5 -X message.timeout.ms=2000 >"$tmp/dead.out" 2>&1; then
  fail "producing to a dead broker succeeded"
fi
grep -q '^PRODUCED' "$tmp/dead.out" && fail "claimed delivery to a dead broker"

kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""

# 4. Evals and outcomes on their own topics (off unless asked): exactly what loadgen reports,
#    keyed by trace_id, late ones out of order with their spans, orphans whose trace is no span.
M=20000
$LG --mock 1 --partitions 4 --count $M --seed 5 --regression --start-ms 1795478400000 --spacing-ms 1000 \
    --eval-topic llm.evals --outcome-topic llm.outcomes --linger-s -1 >"$tmp/q.out" 2>"$tmp/q.err" &
pid=$!
wait_for "$tmp/q.out" '^QUALITY' 60 || { cat "$tmp/q.err"; fail "quality producer did not finish"; }
bs=$(awk '/^BOOTSTRAP/{print $2}' "$tmp/q.out")
read -r _ _ evals _ outcomes _ tiers _ whole _ late _ oe _ oo _ conv _ notyet < <(grep '^QUALITY' "$tmp/q.out")
grep -q "^PRODUCED $(( M + evals + outcomes )) " "$tmp/q.out" || fail "PRODUCED is not spans + evals + outcomes: $(cat "$tmp/q.out")"
timeout 60 kcat -C -b "$bs" -t llm.evals -o beginning -e -q -f '%k\t%s\n' >"$tmp/evals.tsv"
timeout 60 kcat -C -b "$bs" -t llm.outcomes -o beginning -e -q -f '%k\t%s\n' >"$tmp/outcomes.tsv"
timeout 60 kcat -C -b "$bs" -t llm.spans -o beginning -e -q -f '%k\n' | sort -u >"$tmp/span_keys"
[ "$(wc -l <"$tmp/evals.tsv")" = "$evals" ] || fail "consumed $(wc -l <"$tmp/evals.tsv") evals, loadgen said $evals"
[ "$(wc -l <"$tmp/outcomes.tsv")" = "$outcomes" ] || fail "consumed $(wc -l <"$tmp/outcomes.tsv") outcomes, loadgen said $outcomes"
IFS=/ read -r full t10 t1 <<<"$tiers"
[ "$full" -gt 0 ] && [ "$t10" -gt $(( M / 20 )) ] && [ "$t1" -gt 0 ] || fail "tiers $tiers"
for r in 1 0.1 0.01; do grep -q "\"sample_rate\":$r," "$tmp/evals.tsv" || fail "no eval with sample_rate $r"; done
[ "$late" -gt 0 ] && [ "$conv" -gt 0 ] && [ "$oe" -gt 0 ] && [ "$oo" -gt 0 ] || fail "late $late conv $conv orphans $oe/$oo"
# orphans: keys of no span, exactly as many as reported
orph=$(cut -f1 "$tmp/evals.tsv" | sort -u | comm -23 - "$tmp/span_keys" | wc -l)
[ "$orph" = "$oe" ] || fail "$orph eval keys without a span, loadgen said $oe"
orph=$(cut -f1 "$tmp/outcomes.tsv" | sort -u | comm -23 - "$tmp/span_keys" | wc -l)
[ "$orph" = "$oo" ] || fail "$orph outcome keys without a span, loadgen said $oo"
grep -q '"event":"conversion","value":[0-9]*\.[0-9][0-9],"currency":"USD"' "$tmp/outcomes.tsv" || fail "no conversion with a value"
for ev in thumbs_down ticket_escalated; do grep -q "\"event\":\"$ev\"" "$tmp/outcomes.tsv" || fail "no $ev outcome"; done
# default off: a plain run produces spans only
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
$LG --mock 1 --partitions 2 --count 100 --seed 5 --linger-s 0 >"$tmp/plain.out" 2>&1 || fail "plain run"
grep -q '^PRODUCED 100 ' "$tmp/plain.out" && ! grep -q '^QUALITY' "$tmp/plain.out" || fail "plain run: $(cat "$tmp/plain.out")"
echo "quality streams: $evals evals (tiers $tiers, $late late, $oe orphans), $outcomes outcomes ($conv conversions, $oo orphans)"

# 5. --stdout: N JSON lines, deterministic for a given seed and start.
a=$($LG --stdout --count 500 --seed 3 --start-ms 1795478400000 | sha256sum)
b=$($LG --stdout --count 500 --seed 3 --start-ms 1795478400000 | sha256sum)
[ "$a" = "$b" ] || fail "--stdout is not deterministic"
lines=$($LG --stdout --count 500 --seed 3 --start-ms 1795478400000 | grep -c '^{"timestamp":"2026-11-24T')
[ "$lines" = 500 ] || fail "--stdout gave $lines good lines, want 500"
# Bad options are refused.
if $LG --stdout --poison-fraction 2 --count 1 >/dev/null 2>&1; then fail "accepted poison fraction 2"; fi
if $LG --count 1 >/dev/null 2>&1; then fail "accepted no output mode"; fi

echo "t_loadgen: OK ($N + 1000 messages through the mock cluster, rate limit $el s for 1000 @ 2000/s)"
