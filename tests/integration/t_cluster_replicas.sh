#!/usr/bin/env bash
# Beyond one machine: a real ClickHouse cluster on loopback — ZooKeeper 3.8 (Debian) and four
# ClickHouse 18.16 servers, 2 shards x 2 replicas — holding llm_spans as the cluster schema does
# (ReplicatedMergeTree llm_spans_local on every node, a Distributed llm_spans over it sharded by
# cityHash64(tenant_id), internal_replication). Two workers of one consumer group, each writing
# through the Distributed table of a different node (insert_distributed_sync=1: a batch is
# acknowledged only when every shard's part is written; the server's default load_balancing,
# random: a shard's part goes to either replica), consume 40,000 spans of four tenants from a
# 4-partition topic (brokers slowed down so the stream lasts seconds) while one replica of
# shard 1 is SIGKILLed mid-stream, and restarted after the workers drained and committed.
# The kill often lands while a Distributed insert is writing to that replica: the insert then
# fails (code 32 "while receiving packet from" the dead replica) after the other shard stored
# its part. The worker must send the same bytes again (the shard's block deduplication drops
# the part it holds); re-sending them split (as it did for a data-error code) stored 3,000 of
# 40,000 rows twice in one of three runs. Afterwards every span is stored exactly once across
# the shards (count, distinct offsets, token sum), both shards hold rows, and each replica holds
# exactly its shard's rows (the killed one caught up through replication).
source "$(dirname "$0")/lib/prelude.sh"
source tests/integration/lib/chserver.sh   # port picking, users file, query helpers
source tests/integration/lib/worker.sh
command -v java >/dev/null && [ -f /usr/share/java/zookeeper.jar ] || { echo "FAIL: zookeeper not installed (scripts/install-deps.sh)"; exit 1; }
make --no-print-directory -s build/spanhouse build/tests/tools/mockkafka build/tests/tools/print_ddl >/dev/null
work_dir cluster; C=$D
declare -A PID HTTP TCP IS
ZK_PID=; WA=; WB=
stop_all() { # every step runs whatever the one before returned (a killed child's wait is 137)
  set +e
  local p n
  for p in "$WA" "$WB"; do [ -n "$p" ] && kill -TERM "$p" 2>/dev/null; done
  for p in "$WA" "$WB"; do [ -n "$p" ] && wait "$p" 2>/dev/null; done
  for n in "${!PID[@]}"; do [ -n "${PID[$n]}" ] && kill -9 "${PID[$n]}" 2>/dev/null; done
  for n in "${!PID[@]}"; do [ -n "${PID[$n]}" ] && wait "${PID[$n]}" 2>/dev/null; done
  [ -n "$ZK_PID" ] && kill -9 "$ZK_PID" 2>/dev/null && wait "$ZK_PID" 2>/dev/null
  mock_stop
  [ "${KEEP:-0}" = 1 ] || rm -rf "$C"
  return 0
}
at_exit stop_all
fail() {
  echo "FAIL: $*" >&2
  grep -h 'level=error\|level=warn' "$C"/worker_*.log 2>/dev/null | grep -v dead_letter | tail -n 12 >&2
  grep -h -m 3 'Exception' "$C"/*/err 2>/dev/null | cut -c1-300 >&2
  exit 1
}
q() { curl -sS -m 60 --data-binary "$2" "http://127.0.0.1:${HTTP[$1]}/"; } # q NODE SQL

# Ports below the kernel's ephemeral range: the servers' own outgoing connections (replication,
# Distributed inserts, ZooKeeper) take ephemeral ports and could take one picked for a server
# that starts later, which then fails with "Address already in use".
eph_lo=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
pick_port() {
  local p i
  for i in $(seq 1 200); do
    p=$(( 10000 + (RANDOM * 32768 + RANDOM) % (eph_lo - 10000) ))
    chserver__port_free "$p" && { echo "$p"; return 0; }
  done
  return 1
}
# ZooKeeper, standalone, on a free port.
ZK_PORT=$(pick_port)
mkdir -p "$C/zk"
java -cp "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar" org.apache.zookeeper.server.ZooKeeperServerMain \
  "$ZK_PORT" "$C/zk" > "$C/zk.log" 2>&1 &
ZK_PID=$!
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$ZK_PORT") 2>/dev/null && break; sleep 0.2; done
(exec 3<>"/dev/tcp/127.0.0.1/$ZK_PORT") 2>/dev/null || fail "zookeeper did not start"

# Four servers: node sS_R is replica R of shard S.
NODES="s1_1 s1_2 s2_1 s2_2"
for n in $NODES; do
  HTTP[$n]=$(pick_port); TCP[$n]=$(pick_port); IS[$n]=$(pick_port)
done
[ "$(for n in $NODES; do echo "${HTTP[$n]} ${TCP[$n]} ${IS[$n]}"; done | tr ' ' '\n' | sort -u | wc -l)" = 12 ] || fail "port clash"
replica() { echo "<replica><host>127.0.0.1</host><port>${TCP[$1]}</port></replica>"; }
launch() { # launch NODE
  local n=$1 d=$C/$1
  clickhouse-server --config-file="$d/config.xml" -- \
    --path="$d/data/" --tmp_path="$d/tmp/" --user_files_path="$d/user_files/" \
    --format_schema_path="$d/format_schemas/" --users_config="$d/users.xml" \
    --logger.log="$d/log" --logger.errorlog="$d/err" --logger.level=warning \
    --listen_host=127.0.0.1 --http_port="${HTTP[$n]}" --tcp_port="${TCP[$n]}" \
    --interserver_http_port="${IS[$n]}" --interserver_http_host=127.0.0.1 \
    --mark_cache_size=268435456 --uncompressed_cache_size=268435456 > "$d/stdout" 2>&1 &
  PID[$n]=$!
}
wait_up() { # wait_up NODE
  local i
  for i in $(seq 1 600); do
    curl -s -m 1 "http://127.0.0.1:${HTTP[$1]}/ping" 2>/dev/null | grep -q Ok && return 0
    kill -0 "${PID[$1]}" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
for n in $NODES; do
  d=$C/$n; mkdir -p "$d/data" "$d/tmp" "$d/user_files" "$d/format_schemas" "$d/config.d"
  cp /etc/clickhouse-server/config.xml "$d/config.xml"
  CH_DIR=$d chserver__write_users
  cat > "$d/config.d/cluster.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <zookeeper replace="replace"><node><host>127.0.0.1</host><port>$ZK_PORT</port></node><session_timeout_ms>4000</session_timeout_ms></zookeeper>
  <macros replace="replace"><shard>${n%_*}</shard><replica>$n</replica></macros>
  <remote_servers replace="replace">
    <spanhouse>
      <shard><internal_replication>true</internal_replication>$(replica s1_1)$(replica s1_2)</shard>
      <shard><internal_replication>true</internal_replication>$(replica s2_1)$(replica s2_2)</shard>
    </spanhouse>
  </remote_servers>
</yandex>
XML
  launch "$n"
done
for n in $NODES; do wait_up "$n" || fail "server $n did not start: $(tail -n 3 "$C/$n/err" 2>/dev/null)"; done

# The schema on every node: the replicated local table (legacy column types, from
# ingest/columns.h) and the Distributed table under the name the worker writes to.
local_ddl=$(build/tests/tools/print_ddl legacy spanhouse.llm_spans_local |
  sed "s#ENGINE = MergeTree()#ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/spanhouse/llm_spans_local', '{replica}')#")
grep -q ReplicatedMergeTree <<<"$local_ddl" || fail "no replicated DDL: $local_ddl"
for n in $NODES; do
  q "$n" "CREATE DATABASE IF NOT EXISTS spanhouse" > /dev/null || fail "create database on $n"
  q "$n" "$local_ddl" > /dev/null || fail "create llm_spans_local on $n"
  q "$n" "CREATE TABLE spanhouse.llm_spans AS spanhouse.llm_spans_local ENGINE = Distributed(spanhouse, spanhouse, llm_spans_local, cityHash64(tenant_id))" > /dev/null ||
    fail "create the Distributed table on $n"
done

# 40,000 spans of four tenants in 4 partitions.
N=40000
W=$C/w; mkdir -p "$W"
spans_gen "$N" 0 "$W/gen.tsv" "$W/sums"
read -r GOOD TOK _ _ < "$W/sums"
# Two tenants land on each shard (cityHash64(tenant) % 2: acme, umbrella -> 0; globex, initech -> 1).
awk -F'\t' -v OFS='\t' 'BEGIN { split("acme globex initech umbrella", t, " ") }
  { sub(/"tenant_id":"acme"/, "\"tenant_id\":\"" t[NR % 4 + 1] "\"", $2); print }' "$W/gen.tsv" > "$W/spans.tsv"
mock_start spans:4 dlq:1
[ "$(mock_cmd "produce spans $W/spans.tsv")" = "produced $N failed 0" ] || fail "produce"
# Slow the stream down (brokers answer 80 ms late, 64 KiB fetches) so that the kill lands
# mid-stream: a few seconds of inserts, some of them in flight when the replica dies.
[ "$(mock_cmd "rtt 80")" = ok ] || fail "mock rtt"

worker() { # worker NODE LOG: one member of the group, writing through NODE's Distributed table
  build/spanhouse run --brokers "$MOCK_BOOT" --topic spans --group cluster --dlq-topic dlq --legacy \
    --clickhouse-url "http://127.0.0.1:${HTTP[$1]}/?insert_distributed_sync=1" \
    --batch-max-rows 500 --batch-max-age-ms 100 --exit-at-eof \
    --kafka.max.partition.fetch.bytes=65536 --kafka.fetch.max.bytes=1048576 \
    --kafka.session.timeout.ms=6000 --kafka.heartbeat.interval.ms=500 2> "$2" &
}
worker s1_1 "$C/worker_a.log"; WA=$!
worker s2_1 "$C/worker_b.log"; WB=$!
stored() { q s2_1 "SELECT count() FROM spanhouse.llm_spans" 2>/dev/null || echo 0; }
for _ in $(seq 1 1200); do c=$(stored); [ "${c:-0}" -gt 1000 ] && break; sleep 0.05; done
[ "${c:-0}" -gt 1000 ] || fail "no rows arriving"
[ "$c" -lt $(( GOOD * 3 / 4 )) ] || fail "the stream was 3/4 done ($c) before the replica could be killed"
kill -9 "${PID[s1_2]}"; wait "${PID[s1_2]}" 2>/dev/null || true; PID[s1_2]=
killed_at=$c
# The workers drain the topic and commit with the replica down. What a Distributed insert
# wrote to the dying replica and had acknowledged is on its disk until it is back.
rca=0; rcb=0
wait "$WA" || rca=$?; WA=
wait "$WB" || rcb=$?; WB=
[ "$rca" = 0 ] && [ "$rcb" = 0 ] || fail "workers exited $rca / $rcb"
launch s1_2
wait_up s1_2 || fail "s1_2 did not restart"

# Replication settles first (the restarted replica fetches what it missed, and the other one
# what only the dead one had acknowledged), then: exactly once across the shards, and each
# replica holds its shard's rows.
# (The restarted replica waits for the killed process's ZooKeeper session to expire, 4 s here,
# before it replicates again.)
for _ in $(seq 1 300); do
  [ "$(q s1_2 "SELECT is_readonly FROM system.replicas WHERE database = 'spanhouse' AND table = 'llm_spans_local'")" = 0 ] && break
  sleep 0.2
done
for n in $NODES; do
  q "$n" "SYSTEM SYNC REPLICA spanhouse.llm_spans_local" > /dev/null || fail "SYSTEM SYNC REPLICA on $n"
done
got=$(q s2_1 "SELECT count(), uniqExact(kafka_partition, kafka_offset), sum(input_tokens) + sum(output_tokens) FROM spanhouse.llm_spans")
if [ "$got" != "$GOOD	$GOOD	$TOK" ]; then
  for n in $NODES; do echo "$n: $(q "$n" "SELECT count(), uniqExact(kafka_partition, kafka_offset) FROM spanhouse.llm_spans_local")" >&2; done
  q s1_1 "SELECT kafka_partition, count() - uniqExact(kafka_offset) AS dups, min(kafka_offset), max(kafka_offset) FROM spanhouse.llm_spans GROUP BY kafka_partition ORDER BY kafka_partition" >&2
  fail "through the Distributed table: $got, want $GOOD $GOOD $TOK"
fi
# 18.16's SYSTEM SYNC REPLICA can return before the replica has pulled the entries of the
# shared log into its queue (seen in CI with three tests at a time: 17,250 of 20,000 rows right
# after it, the Distributed count above already exact): the replicas get up to 60 s to agree.
for s in s1 s2; do
  for _ in $(seq 1 300); do
    a=$(q "${s}_1" "SELECT count() FROM spanhouse.llm_spans_local")
    b=$(q "${s}_2" "SELECT count() FROM spanhouse.llm_spans_local")
    [ "$b" = "$a" ] && break
    q "${s}_2" "SYSTEM SYNC REPLICA spanhouse.llm_spans_local" > /dev/null || true
    sleep 0.2
  done
  [ "$a" -gt 0 ] || fail "shard $s is empty"
  [ "$b" = "$a" ] || fail "replica ${s}_2 holds $b rows, ${s}_1 $a (60 s after the sync)"
  eval "n_$s=$a"
done
[ $(( n_s1 + n_s2 )) = "$GOOD" ] || fail "shards hold $n_s1 + $n_s2, want $GOOD"
# How many inserts the kill broke mid-way (re-sent whole); 0 in runs where it fell between inserts.
broken=$(cat "$C/worker_a.log" "$C/worker_b.log" | grep -c 'event=insert_retry.*while receiving packet from' || true)
echo "ok: 2 shards x 2 replicas (ZooKeeper): $GOOD spans once ($n_s1 + $n_s2), replica s1_2 killed at $killed_at rows (inserts broken by it and re-sent whole: $broken) and caught up"
