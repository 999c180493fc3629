#!/usr/bin/env bash
# loadgen against a real Kafka-protocol broker (librdkafka's mock cluster, started by loadgen
# itself): produce N keyed messages, consume them with kcat and count exactly N; a second
# loadgen produces into the first one's cluster at a limited rate; poison messages arrive as
# asked; --stdout is deterministic. Everything started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s build/bench/loadgen >/dev/null
LG=build/bench/loadgen
tmp=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "t_loadgen: FAIL: $*" >&2; exit 1; }

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

# 4. --stdout: N JSON lines, deterministic for a given seed and start.
a=$($LG --stdout --count 500 --seed 3 --start-ms 1795478400000 | sha256sum)
b=$($LG --stdout --count 500 --seed 3 --start-ms 1795478400000 | sha256sum)
[ "$a" = "$b" ] || fail "--stdout is not deterministic"
lines=$($LG --stdout --count 500 --seed 3 --start-ms 1795478400000 | grep -c '^{"timestamp":"2026-11-24T')
[ "$lines" = 500 ] || fail "--stdout gave $lines good lines, want 500"
# Bad options are refused.
if $LG --stdout --poison-fraction 2 --count 1 >/dev/null 2>&1; then fail "accepted poison fraction 2"; fi
if $LG --count 1 >/dev/null 2>&1; then fail "accepted no output mode"; fi

echo "t_loadgen: OK ($N + 1000 messages through the mock cluster, rate limit $el s for 1000 @ 2000/s)"
