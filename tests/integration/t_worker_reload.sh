#!/usr/bin/env bash
# SIGHUP reload of the pricing and tenant files on a running worker (mock cluster → worker →
# ClickHouse 18.16). Spans carry no cost, so the worker prices them: spans produced before the
# reload must carry the old price and tenant, spans after it the new ones (exact cost sums per
# phase). Then a broken pricing file on the next SIGHUP must keep the previous tables (phase 3
# priced like phase 2), log reload_failed_keeping_old_tables and count it in /metrics.
# The worker is not wrapped in timeout(1): run that way, only the first SIGHUP reached it here
# (timeout relays signals to its own process group); the EXIT trap stops it.
source "$(dirname "$0")/lib/prelude.sh"
source tests/integration/lib/chserver.sh
source tests/integration/lib/worker.sh
make --no-print-directory -s build/tests/tools/xxh3sum build/spanhouse build/tests/tools/mockkafka build/tests/tools/print_ddl >/dev/null
WPID=

N=${N:-600} # spans per phase
chserver_start
chserver_create_legacy_spans
work_dir workerreload; W=$D
mock_start spans:3 dlq:1

HDR="provider,model,effective_from,input_per_1m,output_per_1m,cache_read_per_1m,cache_write_per_1m,reasoning_per_1m,batch_discount,aliases,notes"
THDR="match_kind,match_value,tenant_id,team_id,cost_center,plan_tier,monthly_budget_usd,notes"
# Old: 1.25 / 2.50 USD per 1M tokens = 1250 / 2500 nano-USD per token; new: 3.10 / 7.40.
printf '%s\nacme-ai,reload-model,2020-01-01,1.25,2.50,,,,,,old\n' "$HDR" > "$W/pricing.csv"
printf '%s\nservice,svc-reload,tenant-old,team-old,cc-old,free,,\n' "$THDR" > "$W/tenants.csv"

# phase_gen PHASE FILE: N spans of service svc-reload without cost; prints "tokens_in tokens_out".
phase_gen() {
  local now; now=$(date +%s%3N)
  awk -v n="$N" -v ph="$1" -v now="$now" -v out="$2" 'BEGIN {
    ti = 0; to = 0
    for (i = 0; i < n; i++) {
      it = (i * 37) % 900 + 1; ot = (i * 11) % 400 + 1; ti += it; to += ot
      printf "p%s-%d\t{\"timestamp\":%.0f,\"trace_id\":\"%s-%d\",\"span_id\":\"s%d\",\"provider\":\"acme-ai\",\"model\":\"reload-model\",\"service\":\"svc-reload\",\"feature\":\"%s\",\"input_tokens\":%d,\"output_tokens\":%d,\"status\":\"ok\"}\n", ph, i, now - i, ph, i, i, ph, it, ot > out
    }
    printf "%d %d\n", ti, to
  }'
}
# stored_count PHASE: rows of that phase in ClickHouse.
stored_count() { chserver_query "SELECT count() FROM spanhouse.llm_spans WHERE feature = '$1'"; }
wait_rows() { # wait_rows PHASE N
  local i
  for i in $(seq 1 300); do
    [ "$(stored_count "$1")" = "$2" ] && return 0
    kill -0 "$WPID" 2>/dev/null || fail "worker died"
    sleep 0.2
  done
  fail "phase $1: $(stored_count "$1") rows stored, want $2"
}
wait_log() { # wait_log PATTERN COUNT
  local i
  for i in $(seq 1 300); do
    [ "$(grep -c "$1" "$W/worker.log" || true)" -ge "$2" ] && return 0
    sleep 0.1
  done
  fail "no log line '$1' (#$2)"
}
check_phase() { # check_phase PHASE IN OUT PRICE_IN_NUSD PRICE_OUT_NUSD TENANT
  local want got
  want="$2	$3	$(( $2 * $4 + $3 * $5 ))	$(( $2 * $4 + $3 * $5 ))	$N	$6	computed"
  got=$(chserver_query "SELECT sum(input_tokens), sum(output_tokens), sum(cost_usd), sum(cost_usd_computed), countIf(pricing_status = 'ok'), any(tenant_id), any(cost_source) FROM spanhouse.llm_spans WHERE feature = '$1' HAVING uniqExact(tenant_id) = 1")
  [ "$got" = "$want" ] || fail "phase $1: got '$got', want '$want'"
}

build/spanhouse run --brokers "$MOCK_BOOT" --topic spans --group reload \
  --clickhouse-url "$CH_URL" --legacy --dlq-topic dlq --pricing "$W/pricing.csv" \
  --tenants "$W/tenants.csv" --batch-max-age-ms 200 --metrics-addr 127.0.0.1:0 \
  --kafka.session.timeout.ms=6000 --kafka.heartbeat.interval.ms=500 2> "$W/worker.log" &
WPID=$!
wait_log "event=metrics_listening" 1
MPORT=$(sed -n 's/.*event=metrics_listening.*port=\([0-9]*\).*/\1/p' "$W/worker.log" | head -n 1)

# Phase A under the old tables.
read -r AIN AOUT < <(phase_gen a "$W/a.tsv")
[ "$(mock_cmd "produce spans $W/a.tsv")" = "produced $N failed 0" ] || fail "produce a"
wait_rows a "$N"

# New prices and tenant on disk, then SIGHUP: phase B must use them.
printf '%s\nacme-ai,reload-model,2020-01-01,3.10,7.40,,,,,,new\n' "$HDR" > "$W/pricing.csv.tmp"
mv "$W/pricing.csv.tmp" "$W/pricing.csv"
printf '%s\nservice,svc-reload,tenant-new,team-new,cc-new,pro,,\n' "$THDR" > "$W/tenants.csv.tmp"
mv "$W/tenants.csv.tmp" "$W/tenants.csv"
kill -HUP "$WPID"
wait_log "event=tables_reloaded" 1
grep "event=tables_reloaded" "$W/worker.log" | grep -q "prices=1 tenants=1" || fail "reload counts: $(grep tables_reloaded "$W/worker.log")"
# Which file versions are in force, by checksum (a fleet on mixed versions shows it).
want_sum=$(build/tests/tools/xxh3sum < "$W/pricing.csv")
grep "event=tables_reloaded" "$W/worker.log" | grep -q "pricing_xxh3=$want_sum" || fail "reload checksum: want $want_sum: $(grep tables_reloaded "$W/worker.log")"
read -r BIN BOUT < <(phase_gen b "$W/b.tsv")
[ "$(mock_cmd "produce spans $W/b.tsv")" = "produced $N failed 0" ] || fail "produce b"
wait_rows b "$N"

# A broken pricing file: the reload fails, the tables of phase B stay in force.
printf '%s\nacme-ai,reload-model,2020-01-01,not-a-price,1,,,,,,broken\n' "$HDR" > "$W/pricing.csv.tmp"
mv "$W/pricing.csv.tmp" "$W/pricing.csv"
printf '%s\nservice,svc-reload,tenant-broken,team,cc,free,,\n' "$THDR" > "$W/tenants.csv.tmp"
mv "$W/tenants.csv.tmp" "$W/tenants.csv"
kill -HUP "$WPID"
wait_log "event=reload_failed_keeping_old_tables" 1
grep "event=reload_failed_keeping_old_tables" "$W/worker.log" | grep -q "pricing.csv:2" || fail "reload error does not name the file and line: $(grep reload_failed "$W/worker.log")"
read -r CIN COUT < <(phase_gen c "$W/c.tsv")
[ "$(mock_cmd "produce spans $W/c.tsv")" = "produced $N failed 0" ] || fail "produce c"
wait_rows c "$N"

check_phase a "$AIN" "$AOUT" 1250 2500 tenant-old
check_phase b "$BIN" "$BOUT" 3100 7400 tenant-new
check_phase c "$CIN" "$COUT" 3100 7400 tenant-new

M=$(curl -sS -m 5 "http://127.0.0.1:$MPORT/metrics") || fail "scrape"
grep -qx 'spanhouse_reloads_total{result="ok"} 1' <<< "$M" || fail "reload ok counter: $(grep reloads <<< "$M")"
grep -qx 'spanhouse_reloads_total{result="failed"} 1' <<< "$M" || fail "reload failed counter: $(grep reloads <<< "$M")"

worker_stop
grep -q "event=stopped.*result=ok " "$W/worker.log" || fail "worker did not stop cleanly: $(grep stopped "$W/worker.log")"
echo "ok: reload switched prices and tenant between phases; a broken file kept the old tables"
