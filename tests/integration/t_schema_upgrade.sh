#!/usr/bin/env bash
# `spanhouse schema apply` on an install an older release created (modern engine, libchdb):
# an older release is simulated from this one's files (llm_kpi_1m and llm_quality_1m without
# experiment_id in their sorting keys, llm_pricing without the long-context,
# 1-hour cache, tier and fee columns, llm_kpi_1h_mv counting requests twice, v_cost_hourly with
# an extra column, no v_bill_reconciliation, the two span-side quality views that
# llm_quality_1m_spans_records_mv replaced), plus
# changes an operator made by hand (a longer TTL, a column type, an extra column).
#   - `schema plan` lists exactly the changes and warnings, and changes nothing;
#   - `schema apply` adds the columns (stored rows kept), replaces the view, gives the
#     materialized view this release's query (rows inserted after it are counted once, rows
#     before keep the old computation), leaves the operator's changes alone with warnings;
#   - the pricing file then loads its long-context columns; a second plan has 0 changes;
#   - raw-retention-days: planned (the TTL warning gives way to the change), applied to the
#     existing llm_spans, and a fresh install is created with it;
#   - a fresh install plans 0 changes and 0 warnings (every object compares equal to its file).
source "$(dirname "$0")/lib/prelude.sh"
make --no-print-directory -s build/spanhouse build/tools/chdbsql build/tests/tools/chhttp >/dev/null
work_dir upgrade
source tests/integration/lib/chhttp.sh
SQL=build/tools/chdbsql
sh() { timeout 120 build/spanhouse schema "$@" --log-level warn; }

# The "older release".
cp -r schema "$D/old"; cp -r views "$D/oldviews"
# Before llm_quality_1m_spans_records_mv: two span-side views, one per record kind, which the
# upgrade must drop before creating their replacement (both at once would count twice).
sed -i '/^-- (b) spans arriving after their evals and outcomes/,$d' "$D/old/220_llm_quality_1m.sql"
cat tests/fixtures/schema/220_quality_spans_mvs_v0.sql >> "$D/old/220_llm_quality_1m.sql"
grep -q "VIEW IF NOT EXISTS spanhouse.llm_quality_1m_spans_records_mv" "$D/old/220_llm_quality_1m.sql" && fail "old schema still has spans_records_mv"
sed -i -e '/-- Long-context tier/,/web_search_per_1k/d' -e 's/^\(    notes  *String\),$/\1/' "$D/old/030_llm_pricing.sql"
rm "$D/oldviews/v_bill_reconciliation.sql" # a view that release did not have
rm "$D/oldviews/v_dual_regression.sql"      # reads experiment_id, which that release had not
sed -i 's/sum(requests) AS requests/sum(requests) * 2 AS requests/' "$D/old/110_llm_kpi_1h.sql"
sed -i '0,/^SELECT$/s//SELECT 1 AS old_column,/' "$D/oldviews/v_cost_hourly.sql"
# llm_kpi_1m and llm_quality_1m before experiment_id joined their sorting keys (and the span
# index its columns): the upgrade must add the column and extend the key in one ALTER.
sed -i -e '/^    experiment_id  *LowCardinality(String),/d' -e 's/, provider, experiment_id)$/, provider)/' \
  -e '/^    experiment_id,$/d' -e 's/, provider, experiment_id;$/, provider;/' "$D/old/100_llm_kpi_1m.sql"
perl -0pi -e 's/\n    experiment_id   LowCardinality\(String\),//; s/, metric, event, experiment_id\)/, metric, event)/;
  s/    provider        LowCardinality\(String\),\n    experiment_id   LowCardinality\(String\)\n\)/    provider        LowCardinality(String)\n)/;
  s/, provider, experiment_id\n/, provider\n/g; s/\n    s\.experiment_id AS experiment_id,//g;
  s/, argMin\(experiment_id, timestamp\) AS experiment_id//g; s/, metric, event, experiment_id;/, metric, event;/g' "$D/old/220_llm_quality_1m.sql"
cat "$D/old/100_llm_kpi_1m.sql" "$D/old/220_llm_quality_1m.sql" | grep -v '^--' | grep -q experiment_id && fail "old schema still has experiment_id"
grep -q 'long_context' "$D/old/030_llm_pricing.sql" && fail "old llm_pricing still has the tier columns"
grep -q 'sum(requests) \* 2' "$D/old/110_llm_kpi_1h.sql" || fail "old llm_kpi_1h_mv not changed"
grep -q 'old_column' "$D/oldviews/v_cost_hourly.sql" || fail "old v_cost_hourly not changed"

sh apply --sink chdb --chdb-path "$D/db" --schema-dir "$D/old" --views-dir "$D/oldviews" > "$D/old.out" || fail "old apply"
$SQL "$D/db" "ALTER TABLE spanhouse.llm_spans MODIFY TTL toDateTime(timestamp) + INTERVAL 45 DAY" \
  "ALTER TABLE spanhouse.llm_tenants MODIFY COLUMN cost_center String" \
  "ALTER TABLE spanhouse.llm_tenants ADD COLUMN owner_email String" \
  "INSERT INTO spanhouse.llm_pricing (provider, model, effective_from, input_per_1m, output_per_1m) VALUES ('p', 'm', '2026-01-01', 1, 2)" \
  "INSERT INTO spanhouse.llm_kpi_1m (minute, tenant_id, requests) VALUES ('2026-12-01 10:00:00', 't', 3)" >/dev/null
[ "$($SQL "$D/db" "SELECT sum(requests) FROM spanhouse.llm_kpi_1h")" = 6 ] || fail "old view does not double"

# Plan: the changes, the warnings, and nothing changed.
sh plan --sink chdb --chdb-path "$D/db" --views-dir views > "$D/plan.out" || fail "plan"
cat "$D/plan.out"
[ "$(grep -c '^schema plan: add column   spanhouse.llm_pricing: ' "$D/plan.out")" = 10 ] || fail "plan: 10 added columns expected"
grep -q '^schema plan: create       spanhouse.v_bill_reconciliation: not installed' "$D/plan.out" || fail "plan: the new view"
grep -q '^schema plan: modify query spanhouse.llm_kpi_1h_mv' "$D/plan.out" || fail "plan: MV change missing"
grep -q '^schema plan: replace view spanhouse.v_cost_hourly' "$D/plan.out" || fail "plan: view change missing"
grep -q 'spanhouse.llm_spans: engine, keys, TTL or settings differ' "$D/plan.out" || fail "plan: TTL warning missing"
grep -q 'spanhouse.llm_tenants: column cost_center is String, this release has LowCardinality(String)' "$D/plan.out" || fail "plan: type warning missing"
grep -q 'spanhouse.llm_tenants: column owner_email is not in' "$D/plan.out" || fail "plan: extra column warning missing"
grep -q '^schema plan: add column   spanhouse.llm_kpi_1m: experiment_id LowCardinality(String) (appended to the sorting key)' "$D/plan.out" || fail "plan: key column"
grep -q '^schema plan: modify order by spanhouse.llm_kpi_1m: (minute, .*, provider, experiment_id)$' "$D/plan.out" || fail "plan: key extension"
grep -q '^schema plan: modify order by spanhouse.llm_quality_1m: (minute, .*, event, experiment_id)$' "$D/plan.out" || fail "plan: quality key extension"
for v in spans_evals_mv spans_outcomes_mv; do
  grep -q "^schema plan: drop view    spanhouse.llm_quality_1m_$v: retired" "$D/plan.out" || fail "plan: retired $v"
done
grep -q '^schema plan: create       spanhouse.llm_quality_1m_spans_records_mv: not installed' "$D/plan.out" || fail "plan: replacement view"
grep -q '^schema plan: spanhouse: 26 changes, 3 warnings$' "$D/plan.out" || fail "plan: summary"
[ "$($SQL "$D/db" "SELECT count() FROM system.columns WHERE database = 'spanhouse' AND table = 'llm_pricing'")" = 11 ] || fail "plan changed llm_pricing"
[ "$($SQL "$D/db" "SELECT count() FROM system.tables WHERE name LIKE '_spanhouse_next_%'")" = 0 ] || fail "plan left a scratch table"
# `schema check` is plan under another name: the same report, nothing changed.
sh check --sink chdb --chdb-path "$D/db" --views-dir views > "$D/check.out" || fail "check"
diff <(sed 's/^schema plan: /schema check: /' "$D/plan.out") "$D/check.out" > /dev/null || fail "check differs from plan: $(diff <(sed 's/^schema plan: /schema check: /' "$D/plan.out") "$D/check.out" | head -5)"
[ "$($SQL "$D/db" "SELECT count() FROM system.columns WHERE database = 'spanhouse' AND table = 'llm_pricing'")" = 11 ] || fail "check changed llm_pricing"

# Apply: the same list, done.
sh apply --sink chdb --chdb-path "$D/db" --views-dir views --pricing schema/pricing.csv > "$D/apply.out" || fail "apply"
# (23: the three views are created, not changed)
grep -q '(23 changes to an existing install, 3 warnings)' "$D/apply.out" || fail "apply: summary"
[ "$($SQL "$D/db" "SELECT arrayStringConcat(groupArray(name), ' ') FROM (SELECT name FROM system.tables WHERE database = 'spanhouse' AND name LIKE 'llm_quality_1m_spans_%' ORDER BY name)")" = llm_quality_1m_spans_records_mv ] ||
  fail "span-side quality views after apply: $($SQL "$D/db" "SELECT groupArray(name) FROM system.tables WHERE name LIKE 'llm_quality_1m_spans_%'")"
# The key grew by the new column and the stored row is kept under it; new rows split by it.
[ "$($SQL "$D/db" "SELECT sorting_key FROM system.tables WHERE database = 'spanhouse' AND name = 'llm_kpi_1m'")" = "minute, tenant_id, team_id, feature, endpoint, model, prompt_template, prompt_version, provider, experiment_id" ] || fail "llm_kpi_1m key not extended"
$SQL "$D/db" "INSERT INTO spanhouse.llm_spans (timestamp, tenant_id, experiment_id) VALUES ('2026-12-01 12:00:01', 't', 'exp-a'), ('2026-12-01 12:00:02', 't', '')" >/dev/null
[ "$($SQL "$D/db" "SELECT toString(minute), experiment_id, sum(requests) FROM spanhouse.llm_kpi_1m WHERE tenant_id = 't' GROUP BY minute, experiment_id ORDER BY minute, experiment_id FORMAT CSV")" = '"2026-12-01 10:00:00","",3
"2026-12-01 12:00:00","",1
"2026-12-01 12:00:00","exp-a",1' ] || fail "llm_kpi_1m after the key change: $($SQL "$D/db" "SELECT minute, experiment_id, sum(requests) FROM spanhouse.llm_kpi_1m GROUP BY ALL FORMAT CSV")"
[ "$($SQL "$D/db" "SELECT count() FROM system.columns WHERE database = 'spanhouse' AND table = 'llm_pricing'")" = 21 ] || fail "llm_pricing columns not added"
[ "$($SQL "$D/db" "SELECT count() FROM system.tables WHERE database = 'spanhouse' AND name = 'v_bill_reconciliation'")" = 1 ] || fail "new view not created"
[ "$($SQL "$D/db" "SELECT countIf(long_context_above IS NOT NULL) > 0 FROM spanhouse.llm_pricing")" = 1 ] || fail "tier columns not loaded"
[ "$($SQL "$D/db" "SELECT count() FROM system.columns WHERE table = 'v_cost_hourly' AND name = 'old_column'")" = 0 ] || fail "view not replaced"
$SQL "$D/db" "INSERT INTO spanhouse.llm_kpi_1m (minute, tenant_id, requests) VALUES ('2026-12-01 11:00:00', 't', 5)" >/dev/null
[ "$($SQL "$D/db" "SELECT hour, sum(requests) FROM spanhouse.llm_kpi_1h GROUP BY hour ORDER BY hour FORMAT CSV")" = '"2026-12-01 10:00:00",6
"2026-12-01 11:00:00",5
"2026-12-01 12:00:00",2' ] || fail "materialized view: old rows kept, new rows once"
# An evaluation stored before its span, then the span: counted once.
$SQL "$D/db" "INSERT INTO spanhouse.llm_evals (timestamp, trace_id, span_id, metric, score) VALUES ('2026-12-01 12:00:05', 'tr-up', 'sp-up', 'm', 0.5)" \
  "INSERT INTO spanhouse.llm_spans (timestamp, trace_id, span_id, tenant_id) VALUES ('2026-12-01 12:00:03', 'tr-up', 'sp-up', 'up')" >/dev/null
[ "$($SQL "$D/db" "SELECT sum(evals) FROM spanhouse.llm_quality_1m WHERE tenant_id = 'up'")" = 1 ] || fail "an orphan evaluation counted $($SQL "$D/db" "SELECT sum(evals) FROM spanhouse.llm_quality_1m WHERE tenant_id = 'up'") times after the upgrade"
[ "$($SQL "$D/db" "SELECT toString(engine_full LIKE '%toIntervalDay(45)%') FROM system.tables WHERE database = 'spanhouse' AND name = 'llm_spans'")" = 1 ] || fail "operator's TTL not kept"
[ "$($SQL "$D/db" "SELECT count() FROM system.columns WHERE table = 'llm_tenants' AND name = 'owner_email'")" = 1 ] || fail "extra column dropped"
[ "$($SQL "$D/db" "SELECT count() FROM system.tables WHERE name LIKE '_spanhouse_next_%'")" = 0 ] || fail "apply left a scratch table"

sh plan --sink chdb --chdb-path "$D/db" --views-dir views > "$D/plan2.out" || fail "second plan"
grep -q '^schema plan: spanhouse: 0 changes, 3 warnings$' "$D/plan2.out" || fail "second plan not current"

# Retention the operator sets (raw-retention-days) changes the TTL it would otherwise keep: the
# plan shows it (and no TTL warning), the apply makes it; a fresh install is created with it.
sh plan --sink chdb --chdb-path "$D/db" --views-dir views --raw-retention-days 60 > "$D/plan-ret.out" || fail "retention plan"
grep -q 'set retention.*spanhouse.llm_spans.*raw spans kept 60 days' "$D/plan-ret.out" || fail "retention plan: no change listed"
grep -q '^schema plan: spanhouse: 1 change, 2 warnings$' "$D/plan-ret.out" || fail "retention plan: summary"
[ "$($SQL "$D/db" "SELECT toString(engine_full LIKE '%toIntervalDay(45)%') FROM system.tables WHERE database = 'spanhouse' AND name = 'llm_spans'")" = 1 ] || fail "retention plan changed the TTL"
sh apply --sink chdb --chdb-path "$D/db" --views-dir views --raw-retention-days 60 > "$D/apply-ret.out" || fail "retention apply"
[ "$($SQL "$D/db" "SELECT toString(engine_full LIKE '%toIntervalDay(60)%') FROM system.tables WHERE database = 'spanhouse' AND name = 'llm_spans'")" = 1 ] || fail "retention not applied"
sh apply --sink chdb --chdb-path "$D/ret14" --raw-retention-days 14 > "$D/ret14.out" || fail "fresh retention apply"
[ "$($SQL "$D/ret14" "SELECT toString(engine_full LIKE '%toIntervalDay(14)%') FROM system.tables WHERE database = 'spanhouse' AND name = 'llm_spans'")" = 1 ] || fail "fresh install not created with 14 days"
sh plan --sink chdb --chdb-path "$D/ret14" --raw-retention-days 14 > "$D/ret14-plan.out" || fail "fresh retention plan"
grep -q '^schema plan: spanhouse: 0 changes, 0 warnings$' "$D/ret14-plan.out" || fail "fresh 14-day install not current with 14 days"

# A fresh install is current: nothing to change, nothing to warn about.
sh apply --sink chdb --chdb-path "$D/fresh" --views-dir views > "$D/fresh.out" || fail "fresh apply"
grep -q '(0 changes to an existing install, 0 warnings)' "$D/fresh.out" || fail "fresh apply: summary"
sh plan --sink chdb --chdb-path "$D/fresh" --views-dir views > "$D/fresh-plan.out" || fail "fresh plan"
grep -q '^schema plan: spanhouse: 0 changes, 0 warnings$' "$D/fresh-plan.out" || fail "fresh install not current"
# Plan against an empty path: everything is to be created, nothing is.
sh plan --sink chdb --chdb-path "$D/empty" --views-dir views > "$D/empty.out" || fail "empty plan"
n=$(grep -c '^schema plan: create' "$D/empty.out" || true)
want=$(cat schema/[0-9]*.sql views/*.sql | grep -c '^CREATE ')
[ "$n" = "$want" ] || fail "empty plan: $n creations, want $want"
# Through the HTTP sink (a server with tables but no views yet): the views are created, then
# the install is current.
mkdir -p "$D/http"
chhttp_start "$D/http" || fail "chhttp"
n=$(ls views/*.sql | wc -l)
sh plan --clickhouse-url "$CHHTTP_URL" --views-dir views > "$D/http-plan0.out" || fail "http plan"
grep -q "^schema plan: spanhouse: $n changes, 0 warnings$" "$D/http-plan0.out" || fail "http plan: the $n views to create"
sh apply --clickhouse-url "$CHHTTP_URL" --views-dir views > "$D/http-apply.out" || fail "http apply"
sh plan --clickhouse-url "$CHHTTP_URL" --views-dir views > "$D/http-plan.out" || fail "http plan"
grep -q '^schema plan: spanhouse: 0 changes, 0 warnings$' "$D/http-plan.out" || fail "http: not current"
chhttp_stop
echo "OK schema upgrade: plan lists 26 changes (a sorting key extended and two retired views dropped among them) + 3 warnings and changes nothing; apply makes them; raw-retention-days planned, applied, created with; fresh install current"
