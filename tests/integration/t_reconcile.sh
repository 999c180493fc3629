#!/usr/bin/env bash
# reconcile (modern engine, libchdb): the KPI rollups are checked against the rows they are built
# from, and drifting buckets are rebuilt to exactly what an undisturbed load stored.
# 3,000 spans spread over ~50 hours (three UTC days) are loaded; then the rollups are broken the
# ways a server can break them: an hour of llm_kpi_1m missing while the raw rows are stored (the
# server died between the insert's part and its view's part), an hour of llm_kpi_1h missing (the
# same one level down, what the engine-kill soak found), a day of llm_kpi_1d missing, an hour of
# the quality views' llm_span_index missing (its evaluations would become orphans), a day of the
# bill reconciliation's llm_cost_1d missing; and an hour
# of raw rows deleted (as the raw table's TTL does long before the rollups'), which must be
# reported as "exceeds source" and left alone (the rollup is right to hold more).
# `reconcile` must find each (exit 3), `reconcile --repair` must bring every level back to the
# snapshot taken before the damage (sums, maps and quantiles), and a clean store must report
# nothing (exit 0).
source "$(dirname "$0")/lib/prelude.sh"
source tests/integration/lib/worker.sh
source tests/integration/lib/chhttp.sh
make --no-print-directory -s build/spanhouse build/tools/chdbsql >/dev/null
work_dir reconcile
SQL=build/tools/chdbsql
chdb_schema "$D" || fail "schema apply"

# Hour-aligned base 49 hours ago, so the spans cover whole hours of three days.
base=$(( ($(date +%s) / 3600 - 49) * 3600 ))
awk -v base="$base" 'BEGIN {
  for (i = 0; i < 3000; i++) {
    ts = (base + i * 58) * 1000 + i % 1000
    printf "{\"timestamp\":%.0f,\"trace_id\":\"t%d\",\"span_id\":\"s%d\",\"provider\":\"openai\",\"model\":\"gpt-4o\",\"operation\":\"chat\",\"tenant_id\":\"acme\",\"feature\":\"f%d\",\"input_tokens\":%d,\"output_tokens\":%d,\"cost_usd\":0.%06d,\"latency_ms\":%d,\"status\":\"%s\"}\n", ts, i, i, i % 5, i % 900 + 1, i % 300 + 1, i * 37 % 999983, i % 4000 + 40, i % 31 ? "ok" : "error"
  }
}' > "$D/spans.jsonl"
timeout 120 build/spanhouse ingest-file --sink chdb --chdb-path "$D/db" --rejected-table llm_spans_rejected \
  "$D/spans.jsonl" 2> "$D/load.log" || fail "ingest-file exit $?"

snapshot() { # every level, finalized: what a dashboard reads
  $SQL "$D/db" \
    "SELECT minute, feature, sum(requests), sum(errors), sum(cost_usd), sum(input_tokens), sumMap(errors_by_class), quantilesBFloat16Merge(0.5, 0.95, 0.99)(latency_q) FROM spanhouse.llm_kpi_1m GROUP BY minute, feature ORDER BY minute, feature" \
    "SELECT hour, feature, sum(requests), sum(errors), sum(cost_usd), sum(input_tokens), sumMap(errors_by_class) FROM spanhouse.llm_kpi_1h GROUP BY hour, feature ORDER BY hour, feature" \
    "SELECT day, feature, sum(requests), sum(errors), sum(cost_usd), sum(input_tokens), sumMap(errors_by_class) FROM spanhouse.llm_kpi_1d GROUP BY day, feature ORDER BY day, feature" \
    "SELECT toStartOfHour(timestamp) AS h, count(), uniqExact(trace_id, span_id), any(tenant_id) FROM spanhouse.llm_span_index GROUP BY h ORDER BY h" \
    "SELECT day, tenant_id, model_family, sum(requests), sum(cost_usd_computed), sum(input_uncached_tokens), sum(output_tokens) FROM spanhouse.llm_cost_1d GROUP BY day, tenant_id, model_family ORDER BY day"
}
rec() { # rec LOG [options]: runs reconcile over every stored hour, echoes its exit code
  local log=$1; shift
  set +e
  timeout 120 build/spanhouse reconcile --sink chdb --chdb-path "$D/db" --from 0 --to "$(( ($(date +%s) + 86400) * 1000 ))" "$@" 2> "$log"
  echo $?
  set -e
}
snapshot > "$D/before.tsv"
[ "$(awk -F'\t' 'NF == 8 && $2 != "" {n++} END {print n}' "$D/before.tsv")" -gt 100 ] || fail "snapshot too small"
[ "$(rec "$D/clean.log")" = 0 ] || fail "a clean store reported drift"
grep -q 'event=reconciled.*drifting=0' "$D/clean.log" || fail "no reconciled line"

h0=$base; h3=$(( base + 20 * 3600 )); h1=$(( base + 5 * 3600 )); h2=$(( base + 30 * 3600 )); d1=$(( (base / 86400 + 1) * 86400 ))
$SQL "$D/db" \
  "ALTER TABLE spanhouse.llm_kpi_1m DELETE WHERE toStartOfHour(minute) = toDateTime($h1, 'UTC') SETTINGS mutations_sync = 2" \
  "ALTER TABLE spanhouse.llm_kpi_1h DELETE WHERE hour = toDateTime($h2, 'UTC') SETTINGS mutations_sync = 2" \
  "ALTER TABLE spanhouse.llm_kpi_1d DELETE WHERE day = toDate(toDateTime($d1, 'UTC')) SETTINGS mutations_sync = 2" \
  "ALTER TABLE spanhouse.llm_span_index DELETE WHERE toStartOfHour(timestamp) = toDateTime($h3, 'UTC') SETTINGS mutations_sync = 2" \
  "ALTER TABLE spanhouse.llm_cost_1d DELETE WHERE day = toDate(toDateTime($d1, 'UTC')) SETTINGS mutations_sync = 2" \
  "ALTER TABLE spanhouse.llm_spans DELETE WHERE toStartOfHour(timestamp) = toDateTime($h0, 'UTC') SETTINGS mutations_sync = 2" \
  > /dev/null || fail "damage"
snapshot > "$D/damaged.tsv"
cmp -s "$D/before.tsv" "$D/damaged.tsv" && fail "the damage did not change the rollups"

[ "$(rec "$D/check.log")" = 3 ] || fail "drift not reported with exit 3"
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
for want in "table=llm_kpi_1m bucket=$(iso $h1)" "table=llm_kpi_1h bucket=$(iso $h2)" \
            "table=llm_kpi_1d bucket=$(iso $d1)" "table=llm_span_index bucket=$(iso $h3)" \
            "table=llm_cost_1d bucket=$(iso $d1)"; do
  grep -q "event=rollup_drift $want" "$D/check.log" || fail "no drift line '$want'"
done
# Raw rows deleted: the rollup holds more, reported and left; so is llm_kpi_1h over the hour
# whose minutes were lost (its source is the one to rebuild).
grep -q "event=rollup_exceeds_source table=llm_kpi_1m bucket=$(iso $h0)" "$D/check.log" || fail "raw rows deleted: not reported"
grep -q "event=rollup_exceeds_source table=llm_kpi_1h bucket=$(iso $h1)" "$D/check.log" || fail "1h over lost minutes: not reported"
[ "$(grep -c 'event=rollup_drift' "$D/check.log")" = 5 ] || fail "want 5 drifting buckets: $(grep -c 'event=rollup_drift' "$D/check.log")"
snapshot > "$D/still.tsv"
cmp -s "$D/damaged.tsv" "$D/still.tsv" || fail "a check without --repair changed the rollups"

[ "$(rec "$D/repair.log" --repair)" = 0 ] || fail "repair did not converge"
grep -q 'event=reconciled.*drifting=5 repaired=5' "$D/repair.log" || fail "want 5 repaired"
grep -q 'event=reconciled.*repaired=' "$D/repair.log" || fail "no repaired count"
snapshot > "$D/after.tsv"
diff "$D/before.tsv" "$D/after.tsv" > "$D/diff.log" || fail "repaired rollups differ from the undamaged ones"
[ "$(rec "$D/again.log")" = 0 ] || fail "drift after repair"
grep -q "event=rollup_exceeds_source table=llm_kpi_1m bucket=$(iso $h0)" "$D/again.log" || fail "the deleted raw hour vanished from the report"
echo "ok: 5 drifting buckets found (1m, 1h, 1d, span index, daily cost) and rebuilt to the undamaged tables exactly; an hour of deleted raw rows reported and left alone"
