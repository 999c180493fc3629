#!/usr/bin/env bash
# The HTTP sink against a real ClickHouse 18.16 server started here: plain and gzip inserts,
# a password user (right and wrong password), unknown table, a corrupt RowBinary block, the
# server killed under a kept-alive connection (network error) and restarted (success), with
# exact row counts and token sums checked by SELECT. One sink_drive process runs the whole
# script so connection reuse and recovery are exercised on one libcurl handle.
source "$(dirname "$0")/lib/prelude.sh"
source tests/integration/lib/chserver.sh
make --no-print-directory -s build/tests/tools/sink_drive build/tests/tools/print_ddl >/dev/null
DRIVE=build/tests/tools/sink_drive

chserver_start
chserver_create_legacy_spans
work_dir sinkhttp; W=$D

expect() { # expect FILE LABEL ERRNAME [CH_CODE]
  local line; line=$(grep "^RESULT $2 " "$1" || true)
  [ -n "$line" ] || fail "no result for $2 in $1"
  set -- $line "$3" "${4:-}"
  local got=$3 code=$4 want=${@: -2:1} wcode=${@: -1}
  [ "$got" = "$want" ] || fail "$2: got $got, want $want ($line)"
  [ -z "$wcode" ] || [ "$code" = "$wcode" ] || fail "$2: code $code, want $wcode ($line)"
}
count() { chserver_query "SELECT count(), sum(input_tokens) FROM spanhouse.llm_spans"; }
tokens() { # sum of input_tokens of spans [first, first+n) as spangen makes them
  awk -v f="$1" -v n="$2" 'BEGIN{s=0; for(i=f;i<f+n;i++) s+=i%1000+1; print s}'
}

# 1. Plain, then gzip, as the password user; a wrong password; an unknown table; corrupt rows.
cat > "$W/a.script" <<S
insert plain 1000 0
insert plain2 20000 1000
stats s1
S
"$DRIVE" --url "$CH_URL" < "$W/a.script" > "$W/a.out"
expect "$W/a.out" plain ERR_OK; expect "$W/a.out" plain2 ERR_OK
grep -q "STATS s1 requests=2 connects=1" "$W/a.out" || fail "no keep-alive reuse: $(grep STATS "$W/a.out")"
[ "$(count)" = "21000	$(tokens 0 21000)" ] || fail "after plain: $(count)"

printf 'insert gz 5000 21000\nstats s2\n' |
  "$DRIVE" --url "$CH_URL" --compression gzip --user writer --password "$CH_WRITER_PASSWORD" > "$W/b.out"
expect "$W/b.out" gz ERR_OK
read -r raw sent < <(sed -n 's/.*bytes_raw=\([0-9]*\) bytes_sent=\([0-9]*\).*/\1 \2/p' "$W/b.out")
[ "$sent" -gt 0 ] && [ "$sent" -lt $((raw / 3)) ] || fail "gzip did not shrink the body: $raw -> $sent"
[ "$(count)" = "26000	$(tokens 0 26000)" ] || fail "after gzip: $(count)"

printf 'insert badpw 10 0\n' | "$DRIVE" --url "$CH_URL" --user writer --password wrong > "$W/c.out"
expect "$W/c.out" badpw server_fatal 193
grep -q "^RESULT badpw server_fatal 193 401 " "$W/c.out" || fail "wrong password: $(cat "$W/c.out")"
printf 'insert nouser 10 0\n' | "$DRIVE" --url "$CH_URL" --user nobody > "$W/c2.out"
expect "$W/c2.out" nouser server_fatal 192

printf 'insert notable 10 0\n' | "$DRIVE" --url "$CH_URL" --table spanhouse.nope > "$W/d.out"
expect "$W/d.out" notable server_fatal 60
printf 'insert nodb 10 0\n' | "$DRIVE" --url "$CH_URL" --table nodb.llm_spans > "$W/d2.out"
expect "$W/d2.out" nodb server_fatal 81
printf 'insert zstd 10 0\n' | "$DRIVE" --url "$CH_URL" --compression zstd > "$W/d3.out"
expect "$W/d3.out" zstd server_fatal 89   # 18.16 knows gzip/deflate only

printf 'corrupt bad 100\ncorrupt badgz 100\n' | "$DRIVE" --url "$CH_URL" > "$W/e.out"
expect "$W/e.out" bad server_rejected 33
expect "$W/e.out" badgz server_rejected 33
[ "$(count)" = "26000	$(tokens 0 26000)" ] || fail "a rejected block left rows: $(count)"

# legacy=-1 probes the version: 18.16 is legacy, so a token insert must not send the setting.
printf 'insert probed 10 26000 tok-1\n' | "$DRIVE" --url "$CH_URL" --legacy -1 > "$W/f.out"
expect "$W/f.out" probed ERR_OK
printf 'insert forced 10 26010 tok-2\n' | "$DRIVE" --url "$CH_URL" --legacy 0 > "$W/f2.out"
expect "$W/f2.out" forced server_fatal 115
[ "$(count)" = "26010	$(tokens 0 26010)" ] || fail "after probe: $(count)"

# The server closes idle keep-alive connections after 3 s (keep_alive_timeout): an insert after
# a longer pause must succeed on a fresh connection, not fail on the stale one.
printf 'insert idle1 10 26010\nsleep 4500\ninsert idle2 10 26020\nstats si\n' | "$DRIVE" --url "$CH_URL" > "$W/g.out"
expect "$W/g.out" idle1 ERR_OK; expect "$W/g.out" idle2 ERR_OK
grep -q "STATS si requests=2 connects=2 " "$W/g.out" || fail "idle reconnect: $(grep STATS "$W/g.out")"
[ "$(count)" = "26030	$(tokens 0 26030)" ] || fail "after idle: $(count)"

# 2. Outage under one kept-alive sink: insert, kill the server, insert (network error),
#    restart, insert again on the same handle (success).
rm -f "$W/killme" "$W/killed" "$W/restartme" "$W/restarted"
cat > "$W/o.script" <<S
insert before 3000 26030
signal $W/killme
waitfile $W/killed
insert during 3000 29030
signal $W/restartme
waitfile $W/restarted
insert after 3000 29030
stats o
S
"$DRIVE" --url "$CH_URL" --connect-timeout-ms 1000 --timeout-ms 10000 < "$W/o.script" > "$W/o.out" &
dpid=$!
for i in $(seq 1 300); do [ -e "$W/killme" ] && break; sleep 0.1; done
chserver_kill; touch "$W/killed"
for i in $(seq 1 300); do [ -e "$W/restartme" ] && break; sleep 0.1; done
chserver_restart || fail "restart"
touch "$W/restarted"
wait "$dpid" || fail "driver exited non-zero"
expect "$W/o.out" before ERR_OK
expect "$W/o.out" during network
expect "$W/o.out" after ERR_OK
[ "$(count)" = "32030	$(tokens 0 32030)" ] || fail "after outage: $(count)"
echo "t_sink_http: OK ($(count | cut -f1) rows)"
