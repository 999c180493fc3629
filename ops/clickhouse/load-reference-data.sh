#!/usr/bin/env bash
# Loads the pricing and tenant tables the worker uses (schema/pricing.csv, schema/tenants.csv)
# into spanhouse.llm_pricing and spanhouse.llm_tenants, so analysts and the views
# (v_spend_vs_budget, v_cache_savings) can join them. `spanhouse schema apply --pricing F
# --tenants F` does the same after checking the files with the worker's own parsers (prefer
# it); this script is for hosts with clickhouse-client only. Empty price fields stay NULL
# (= "as the input/output price", docs/pricing.md), not 0. Full reload: TRUNCATE then INSERT, so it is
# idempotent; run it again after editing the files (the worker reloads them on SIGHUP).
# Columns are matched by the CSV header's names (any order, as the worker reads them); extra
# columns (aliases, notes) and "#" comment lines are skipped. It does not validate prices: the
# worker's loader does (spanhouse check-config).
# Usage: ops/clickhouse/load-reference-data.sh            (uses clickhouse-client)
#        ops/clickhouse/load-reference-data.sh --print-sql (table, csv, structure, columns; for tests)
# Environment: CLICKHOUSE_CLIENT (default clickhouse-client, e.g. "clickhouse-client --host ch
# --user u --password p"), REFERENCE_DIR (default schema), SPANHOUSE_DATABASE (default spanhouse).
set -euo pipefail
CLIENT=${CLICKHOUSE_CLIENT:-clickhouse-client}
DIR=${REFERENCE_DIR:-schema}
DB=${SPANHOUSE_DATABASE:-spanhouse}

# table | csv file | structure of the needed columns (by header name)
TABLES=(
  "llm_pricing|pricing.csv|provider String, model String, effective_from Date, input_per_1m Decimal(18, 9), output_per_1m Decimal(18, 9), cache_read_per_1m Nullable(Decimal(18, 9)), cache_write_per_1m Nullable(Decimal(18, 9)), reasoning_per_1m Nullable(Decimal(18, 9)), batch_discount Nullable(Decimal(9, 6)), aliases String, notes String"
  "llm_tenants|tenants.csv|match_kind String, match_value String, tenant_id String, team_id String, cost_center String, plan_tier String, monthly_budget_usd Decimal(18, 6)"
)

for row in "${TABLES[@]}"; do
  IFS='|' read -r table csv structure <<<"$row"
  cols=$(sed -E 's/ [A-Z][A-Za-z0-9]*(\(([^()]|\([^()]*\))*\))?//g' <<<"$structure") # types may nest once
  if [ "${1:-}" = "--print-sql" ]; then
    printf '%s\t%s\t%s\t%s\n' "$DB.$table" "$DIR/$csv" "$structure" "$cols"
    continue
  fi
  $CLIENT --query "TRUNCATE TABLE $DB.$table"
  grep -v '^#' "$DIR/$csv" | grep -v '^[[:space:]]*$' |
    $CLIENT --input_format_skip_unknown_fields=1 --input_format_csv_empty_as_default=1 \
      --query "INSERT INTO $DB.$table ($cols) SELECT $cols FROM input('$structure') FORMAT CSVWithNames"
  echo "$DB.$table: $($CLIENT --query "SELECT count() FROM $DB.$table") rows from $DIR/$csv"
done
