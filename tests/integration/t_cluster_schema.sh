#!/usr/bin/env bash
# The cluster schema stays in step with the single-node one: schema/cluster/200-220 are what
# scripts/gen-cluster-schema.mjs generates from schema/200-220, and every schema/NNN file has a
# cluster variant creating the same objects with the same column blocks (the hand-kept 001-120
# included). That every cluster statement parses is checked by the SQL runner (tests/sql/run.sh,
# EXPLAIN AST on libchdb; no cluster can run here). Then the check must fail on a stale
# generated file, a drifted column, a missing object and a missing file.
source "$(dirname "$0")/lib/prelude.sh"
work_dir clusterschema; tmp=$D
command -v node >/dev/null || { echo "node not found"; exit 1; }

node scripts/gen-cluster-schema.mjs --check
# the generated files carry the transformation, not a copy
grep -q "ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/llm_evals_local', '{replica}')" schema/cluster/200_llm_evals.sql
grep -q "Distributed('{cluster}', spanhouse, llm_outcomes_local, cityHash64(trace_id))" schema/cluster/210_llm_outcomes.sql
grep -q "TO spanhouse.llm_quality_1m_local AS" schema/cluster/220_llm_quality_1m.sql
grep -q "FROM spanhouse.llm_evals_local AS e" schema/cluster/220_llm_quality_1m.sql
! grep -q " IN (SELECT" <(grep -v "GLOBAL" schema/cluster/220_llm_quality_1m.sql) || { echo "non-GLOBAL IN subquery in a cluster view"; exit 1; }

mut() {  # mut NAME FILE SED-EXPR: the check must fail on the mutated copy
  rm -rf "$tmp/r"; mkdir -p "$tmp/r"; cp -r schema "$tmp/r/schema"
  if [ "$3" = rm ]; then rm "$tmp/r/$2"; else sed -i "$3" "$tmp/r/$2"; fi
  if node scripts/gen-cluster-schema.mjs --check --root "$tmp/r" >"$tmp/out" 2>&1; then
    echo "check passed with $1"; exit 1
  fi
  echo "  fails as expected ($1): $(head -1 "$tmp/out")"
}
mut "stale generated file" schema/200_llm_evals.sql 's/explanation_truncated UInt8/explanation_truncated UInt16/'
mut "drifted hand-kept column" schema/cluster/010_llm_spans.sql 's/^    feature .*$/    feature String,/'
mut "missing object" schema/cluster/100_llm_kpi_1m.sql '/CREATE MATERIALIZED VIEW/,$d'
mut "missing cluster file" schema/cluster/040_llm_tenants.sql rm
echo "t_cluster_schema: ok"
