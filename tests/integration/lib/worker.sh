# worker.sh: helpers for the worker's integration tests (source it after chserver.sh).
#
#   mock_start TOPIC:PARTS [TOPIC:PARTS…]  starts build/tests/tools/mockkafka, sets MOCK_BOOT
#   mock_cmd "produce TOPIC FILE"          sends one command, prints its one-line answer
#   spans_gen N POISON_EVERY OUT SUMS      writes N keyed JSON spans (every POISON_EVERY-th one
#                                          poison, 0 = none) to OUT and "good tokens cost_nusd
#                                          poison" to SUMS
#   mock_stop                              stops it (mock_start registers it with at_exit
#                                          when lib/prelude.sh is loaded)
#   token_coords                           filter: dedup tokens on stdin, one per line, printed
#                                          without their content hash (-x<16 hex>); fails
#                                          if a token has none
#   worker_stop                            SIGTERM the worker whose pid is in WPID, SIGKILL it
#                                          after 10 s, reap it, clear WPID (no-op when empty);
#                                          lib/prelude.sh runs it first at the test's end
# Spans carry cost_usd, so the stored cost is exact whatever the pricing table says.

MOCK_PID=
MOCK_DIR=

mock_start() {
  if declare -F at_exit > /dev/null; then at_exit mock_stop; fi
  MOCK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/spanhouse-mock.XXXXXX")
  mkfifo "$MOCK_DIR/ctl"
  local args=() t
  for t in "$@"; do args+=(--topic "$t"); done
  # shellcheck disable=SC2086 # MOCK_ARGS: extra flags, e.g. "--compression lz4"
  build/tests/tools/mockkafka ${MOCK_ARGS:-} "${args[@]}" < "$MOCK_DIR/ctl" > "$MOCK_DIR/out" 2> "$MOCK_DIR/err" &
  MOCK_PID=$!
  exec 7> "$MOCK_DIR/ctl"
  local i
  for i in $(seq 1 100); do
    MOCK_BOOT=$(sed -n 's/^bootstraps //p' "$MOCK_DIR/out")
    [ -n "$MOCK_BOOT" ] && break
    sleep 0.1
  done
  [ -n "$MOCK_BOOT" ] || { echo "mockkafka did not start: $(cat "$MOCK_DIR/err")" >&2; return 1; }
  export MOCK_BOOT
}

# Sends a command and waits (up to 120 s) for one more line of output.
mock_cmd() {
  local before after i
  before=$(wc -l < "$MOCK_DIR/out")
  echo "$1" >&7
  for i in $(seq 1 1200); do
    after=$(wc -l < "$MOCK_DIR/out")
    if [ "$after" -gt "$before" ]; then tail -n 1 "$MOCK_DIR/out"; return 0; fi
    sleep 0.1
  done
  echo "mock_cmd timed out: $1" >&2; return 1
}

mock_stop() {
  [ -n "$MOCK_PID" ] || return 0
  echo quit >&7 2>/dev/null || true
  exec 7>&- 2>/dev/null || true
  local i
  for i in $(seq 1 50); do kill -0 "$MOCK_PID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$MOCK_PID" 2>/dev/null || true; wait "$MOCK_PID" 2>/dev/null || true
  MOCK_PID=
  [ -z "$MOCK_DIR" ] || rm -rf "$MOCK_DIR"
}

# worker_stop [SECONDS]: SIGTERM the worker WPID names (or the spanhouse process under it when
# WPID is a wrapper such as /usr/bin/time, which then still reports its rusage), wait up to
# SECONDS (default 10) for WPID to end, then SIGKILL.
worker_stop() {
  [ -n "${WPID:-}" ] || return 0
  local p=$WPID i
  while [ -n "$p" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" != spanhouse ]; do p=$(pgrep -P "$p" | head -n 1); done
  kill -TERM "${p:-$WPID}" 2>/dev/null || true
  for i in $(seq 1 $(( ${1:-10} * 10 ))); do kill -0 "$WPID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$WPID" 2>/dev/null || true; wait "$WPID" 2>/dev/null || true
  WPID=
}

spans_gen() {
  local n=$1 every=$2 out=$3 sums=$4 now
  now=$(date +%s%3N)
  awk -v n="$n" -v every="$every" -v now="$now" -v sums="$sums" 'BEGIN {
    good = 0; tok = 0; cost = 0; bad = 0
    for (i = 0; i < n; i++) {
      key = sprintf("k%07d", i)
      if (every > 0 && i % every == every - 1) {
        k = int(i / every) % 4
        if (k == 0) v = sprintf("{\"timestamp\":%.0f,\"trace_id\":\"t%d\",\"model\":\"gpt-4o\"", now - i, i)
        else if (k == 1) v = sprintf("{\"timestamp\":%.0f,\"trace_id\":\"t%d\",\"span_id\":\"s%d\",\"provider\":\"openai\",\"model\":\"gpt-4o\",\"input_tokens\":-5}", now - i, i, i)
        else if (k == 2) v = "[1,2,3]"
        else v = sprintf("{\"trace_id\":\"t%d\",\"span_id\":\"s%d\"}", i, i)
        bad++
      } else {
        it = i % 1000 + 1; ot = i % 500 + 1; c = (i % 9973) * 1000 + 7
        v = sprintf("{\"timestamp\":%.0f,\"trace_id\":\"t%d\",\"span_id\":\"s%d\",\"provider\":\"openai\",\"model\":\"gpt-4o\",\"operation\":\"chat\",\"tenant_id\":\"acme\",\"feature\":\"f%d\",\"input_tokens\":%d,\"output_tokens\":%d,\"cost_usd\":%d.%09d,\"latency_ms\":%d,\"status\":\"ok\"}", now - (i % 100000), i, i, i % 7, it, ot, int(c / 1000000000), c % 1000000000, i % 3000 + 50)
        good++; tok += it + ot; cost += c
      }
      printf "%s\t%s\n", key, v
    }
    printf "%.0f %.0f %.0f %.0f\n", good, tok, cost, bad > sums
  }' > "$out"
}

token_coords() {
  local t rc=0
  while read -r t; do
    [ -n "$t" ] || continue
    if [[ $t =~ ^(.*)-x[0-9a-f]{16}$ ]]; then echo "${BASH_REMATCH[1]}"
    else echo "token without its content hash: $t" >&2; rc=1; fi
  done
  return $rc
}
