#!/usr/bin/env bash
# The HTTP sink against a fault-injecting stub (tests/tools/ch_stub): each scripted answer
# must come back with the right error class and code, a reply slower than the timeout must be
# ERR_TIMEOUT, error answers must not cost a new connection (keep-alive), and zstd/lz4/gzip
# bodies must decompress to exactly the bytes handed to sink_insert. Also: the dedup-token
# settings are sent to a modern server (probed) and to an explicitly modern one, never to a
# legacy one.
source "$(dirname "$0")/lib/prelude.sh"
make --no-print-directory -s build/tests/tools/sink_drive build/tests/tools/ch_stub >/dev/null
DRIVE=build/tests/tools/sink_drive
# The sanitizer build covers unit tests only; here the sink runs under valgrind (when
# installed: scripts/install-deps.sh does) so leaks and bad reads on error paths fail the test.
VG=()
if command -v valgrind >/dev/null; then
  VG=(valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite)
fi
work_dir stub; W=$D
STUB_PID=
at_exit 'kill_var STUB_PID'

stub_start() { # stub_start SCRIPTFILE
  [ -z "$STUB_PID" ] || { kill "$STUB_PID"; wait "$STUB_PID" 2>/dev/null || true; }
  rm -f "$W/port"
  build/tests/tools/ch_stub "$1" "$W/stub.log" "$W/port" & STUB_PID=$!
  for i in $(seq 1 100); do [ -s "$W/port" ] && break; sleep 0.05; done
  [ -s "$W/port" ] || fail "stub did not start"
  URL="http://127.0.0.1:$(cat "$W/port")"
}
expect() { # expect LABEL ERRNAME CH_CODE HTTP
  local line; line=$(grep "^RESULT $1 " "$W/out" || true)
  read -r _ _ e c h _ <<<"$line"
  [ "$e $c $h" = "$2 $3 $4" ] || fail "$1: got '$e $c $h', want '$2 $3 $4' ($line)"
}

# 1. Error classes, timeouts, keep-alive.
cat > "$W/s1" <<S
500 252 0 Too many parts (300). Merges are processing significantly slower than inserts
500 - 0 boom without a code
503 - 0
500 27 0 Cannot parse input: expected '\t' before
401 516 0 default: Authentication failed
500 H241 0 Memory limit (total) exceeded
429 - 0 slow down
403 - 0 forbidden by a proxy
200 - 6000
200 - 0
S
stub_start "$W/s1"
cat > "$W/drv" <<S
insert toomany 10 0
insert nocode 10 0
insert unavail 10 0
insert parse 10 0
insert auth 10 0
insert hdronly 10 0
insert ratelimit 10 0
insert proxy 10 0
insert slow 10 0
insert ok 10 0
stats st
S
"${VG[@]}" "$DRIVE" --url "$URL" --timeout-ms 2500 < "$W/drv" > "$W/out" || fail "driver rc=$?"
expect toomany server_retryable 252 500
expect nocode server_retryable 0 500
expect unavail server_retryable 0 503
expect parse server_rejected 27 500
expect auth server_fatal 516 401
expect hdronly server_retryable 241 500
expect ratelimit server_retryable 0 429
expect proxy server_fatal 0 403
expect slow timeout 0 0
expect ok ERR_OK 0 200
grep -q "^RESULT toomany .*Too many parts (300)" "$W/out" || fail "message not kept"
# Eight error answers, one connection; the timed-out request forces exactly one reconnect.
conns=$(sed -n '1,8s/.* conn=\([0-9]*\) .*/\1/p' "$W/stub.log" | sort -u | wc -l)
[ "$conns" = 1 ] || fail "error answers used $conns connections: $(cat "$W/stub.log")"
grep -q "STATS st requests=10 connects=2 " "$W/out" || fail "connection reuse: $(grep STATS "$W/out")"
grep -q "^REQ 10 conn=2 " "$W/stub.log" || fail "after a timeout the connection is replaced"
grep -q "user=default" "$W/stub.log" || fail "basic auth user not sent"
grep -q 'query=INSERT INTO spanhouse.llm_spans (timestamp, trace_id' "$W/stub.log" || fail "query param"

# 2. Compression: every encoding decompresses to the exact payload.
for enc in gzip zstd lz4 none; do
  stub_start /dev/null
  printf 'insert c%s 2000 7\n' "$enc" | "${VG[@]}" "$DRIVE" --url "$URL" --compression "$enc" > "$W/out" ||
    fail "driver rc=$?"
  expect "c$enc" ERR_OK 0 200
  read -r len crc < <(sed -n "s/^PAYLOAD c$enc len=\([0-9]*\) crc=\([0-9a-f]*\)/\1 \2/p" "$W/out")
  want_enc=$enc; [ "$enc" != none ] || want_enc=-
  grep -q "^REQ 1 conn=1 enc=$want_enc raw=[0-9]* body=$len crc=$crc user" "$W/stub.log" ||
    fail "$enc: payload $len/$crc, stub saw: $(cat "$W/stub.log")"
  raw=$(sed -n 's/.* raw=\([0-9]*\) .*/\1/p' "$W/stub.log")
  [ "$enc" = none ] || [ "$raw" -lt $((len / 3)) ] || fail "$enc did not compress: $raw of $len"
  kill "$STUB_PID"; wait "$STUB_PID" 2>/dev/null || true; STUB_PID=
done

# 3. Dedup-token settings: probed modern server and forced modern get them, legacy does not.
stub_start /dev/null
printf 'insert p 5 0 topic-3-100-104\n' | "$DRIVE" --url "$URL" --legacy -1 > "$W/out"
printf 'insert m 5 0 topic-3-105-109\n' | "$DRIVE" --url "$URL" --legacy 0 >> "$W/out"
printf 'insert l 5 0 topic-3-110-114\n' | "$DRIVE" --url "$URL" --legacy 1 >> "$W/out"
printf 'insert n 5 0\n' | "$DRIVE" --url "$URL" --legacy 0 >> "$W/out"
expect p ERR_OK 0 200; expect m ERR_OK 0 200; expect l ERR_OK 0 200; expect n ERR_OK 0 200
grep -q "^REQ 1 .* token=topic-3-100-104 mvdedup=1 " "$W/stub.log" || fail "probed: $(cat "$W/stub.log")"
grep -q "^REQ 2 .* token=topic-3-105-109 mvdedup=1 " "$W/stub.log" || fail "modern: $(cat "$W/stub.log")"
grep -q "^REQ 3 .* token=- mvdedup=- " "$W/stub.log" || fail "legacy: $(cat "$W/stub.log")"
grep -q "^REQ 4 .* token=- mvdedup=- " "$W/stub.log" || fail "no token: $(cat "$W/stub.log")"
echo "t_sink_faults: OK"
