#!/usr/bin/env bash
# spanhouse_consumer_lag keeps moving while nothing can be committed: ClickHouse (the modern
# engine behind chhttp) goes down, spans keep arriving, and the gauge must rise to the backlog
# within a few seconds (it is set from the broker's high watermark on a timer, not only at
# commits, which an outage stops). After recovery it falls back to 0.
source "$(dirname "$0")/lib/prelude.sh"
source tests/integration/lib/worker.sh
source tests/integration/lib/chhttp.sh
make --no-print-directory -s build/spanhouse build/tests/tools/mockkafka build/tests/tools/chhttp >/dev/null
work_dir lag
WPID=
chhttp_start "$D" || fail "chhttp"
URL=$CHHTTP_URL
mock_start spans:1 dlq:1
spans_gen 2000 0 "$D/a.tsv" "$D/sa"
spans_gen 3000 0 "$D/b.tsv" "$D/sb"
[ "$(mock_cmd "produce spans $D/a.tsv")" = "produced 2000 failed 0" ] || fail produce
build/spanhouse run --brokers "$MOCK_BOOT" --topic spans --group glag --clickhouse-url "$URL" --dlq-topic dlq \
  --batch-max-age-ms 200 --metrics-addr 127.0.0.1:0 --kafka.session.timeout.ms=6000 2> "$D/w.log" & WPID=$!
lag() { curl -sS "http://127.0.0.1:$MPORT/metrics" | awk '/^spanhouse_consumer_lag\{/ { print $2 }'; }
for _ in $(seq 1 100); do MPORT=$(sed -n 's/.*event=metrics_listening.*port=\([0-9]*\).*/\1/p' "$D/w.log" 2>/dev/null | head -n 1 || true); [ -n "$MPORT" ] && break; sleep 0.1; done
for _ in $(seq 1 150); do [ "$(lag)" = 0 ] && break; sleep 0.2; done
[ "$(lag)" = 0 ] || fail "lag $(lag) after the first 2000, want 0"
chhttp_ctl "down=1"
[ "$(mock_cmd "produce spans $D/b.tsv")" = "produced 3000 failed 0" ] || fail produce
for _ in $(seq 1 60); do [ "$(lag)" = 3000 ] && break; sleep 0.25; done
[ "$(lag)" = 3000 ] || fail "lag $(lag) during the outage, want 3000 (frozen at the last commit?)"
chhttp_ctl "down=0"
for _ in $(seq 1 200); do [ "$(lag)" = 0 ] && break; sleep 0.25; done
[ "$(lag)" = 0 ] || fail "lag $(lag) after recovery, want 0"
echo "ok: lag rose to 3000 during a ClickHouse outage and fell back to 0 after it"
