#!/usr/bin/env bash
# Row-level security proven on the modern engine (libchdb 26.x): every table and view queried as
# two tenants and as an administrator; each tenant must see exactly its own rows.
#
# libchdb runs clickhouse-local, whose access control reads users.xml only: SQL-created users,
# roles and row policies are refused (no writable access storage), and so are --user and
# EXECUTE AS. users.xml <filter>s are row policies of the session's user, so a tenant session
# is simulated by a users.xml whose default user carries, as its filters, the USING conditions
# of schema/optional/900_row_policies.sql's RESTRICTIVE policies (read from the file, verbatim:
# currentUser() is 'default' there, and llm_tenant_users maps 'default' to the tenant under
# test). The file's CREATE statements themselves are checked to parse by the SQL suite.
#
# The proof, per tenant T (acme, globex; initech is the third tenant nobody asked for):
#  1. every table with tenant_id, as T: exactly the administrator's rows of T;
#  2. llm_evals and llm_outcomes, as T: exactly those of T's spans;
#  3. every view, as T on the full database, returns what the administrator gets from a
#     database holding only T's data (spans, evaluations, outcomes and tenant rows copied, the
#     materialized views rebuilding the aggregates): nothing of another tenant leaks into a
#     total, a ratio or a join (v_cost_per_outcome divides T's spend by T's outcomes only).
# Data sits at offsets from now() at least two minutes away from every view's window edge, so
# the two databases answer the same although queried seconds apart (an hour boundary crossed
# between them repeats the comparison once).
source "$(dirname "$0")/lib/prelude.sh"
make --no-print-directory -s build/spanhouse build/tools/chdbsql >/dev/null
work_dir rls
SQL=build/tools/chdbsql
POL=${ROW_POLICIES:-schema/optional/900_row_policies.sql}  # (a mutant file in the self-check below)
admin() { "$SQL" "$D/full" "$@"; }
as_tenant() { "$SQL" --arg "--config-file=$D/tenant.xml" "$D/full" "$@"; }

schema() { # schema DIR: the product schema, its views and the policy file's mapping table
  timeout 120 build/spanhouse schema apply --sink chdb --chdb-path "$1" --views-dir views --log-level warn >/dev/null
  "$SQL" "$1" "$(awk '/^CREATE TABLE IF NOT EXISTS spanhouse.llm_tenant_users/,/;/' "$POL")"
}
schema "$D/full"

# ---- data: three tenants, spans at fixed offsets (minutes) from now, evaluations, outcomes
OFFS='[3, 30, 90, 240, 600, 2000, 5000, 9000]'
admin "INSERT INTO spanhouse.llm_spans (timestamp, trace_id, span_id, tenant_id, team_id, feature, endpoint, model,
         provider, status, input_tokens, output_tokens, cache_read_tokens, cost_usd, latency_ms, cache_hit, user_id,
         session_id, quality_score, error_class, pricing_status, prompt_version)
       SELECT now64(3) - toIntervalMinute(arrayElement($OFFS, number % 8 + 1)) - toIntervalSecond(number % 50),
              concat('t', toString(number)), 's', ['acme','globex','initech'][number % 3 + 1],
              concat(['acme','globex','initech'][number % 3 + 1], '-core'),
              ['chat','search','agent'][intDiv(number, 3) % 3 + 1], concat('/v1/', ['chat','search','agent'][intDiv(number, 3) % 3 + 1]),
              ['gpt-4o','claude-3-5-sonnet'][intDiv(number, 9) % 2 + 1], ['openai','anthropic'][intDiv(number, 9) % 2 + 1],
              if(number % 17 = 0, 'error', 'ok'), 500 + number % 700, 100 + number % 300, if(number % 4 = 0, 200, 0),
              toDecimal64((10 + number % 90) / 10000, 9), 200 + (number * 37) % 12000, toUInt8(number % 5 = 0),
              concat('u', toString(number % 7)), concat('s', toString(number % 11)),
              toFloat32(0.5 + (number % 5) / 10), if(number % 17 = 0, 'timeout', ''),
              if(number % 23 = 0, 'unknown_model', 'ok'), ['v1','v2'][number % 2 + 1]
       FROM numbers(2400)" \
  "INSERT INTO spanhouse.llm_evals (timestamp, trace_id, span_id, metric, score, label, sample_rate)
       SELECT now64(3) - toIntervalMinute(1), concat('t', toString(number)), 's', ['helpfulness','groundedness'][number % 2 + 1],
              (number % 10) / 10, if(number % 10 >= 7, 'pass', 'fail'), [1., 0.5][number % 2 + 1]
       FROM numbers(2400) WHERE number % 2 = 0" \
  "INSERT INTO spanhouse.llm_outcomes (timestamp, trace_id, event, value)
       SELECT now64(3) - toIntervalMinute(1), concat('t', toString(number)), 'conversion', toDecimal64(1 + number % 4, 9)
       FROM numbers(2400) WHERE number % 5 = 0" \
  "INSERT INTO spanhouse.llm_tenants (match_kind, match_value, tenant_id, team_id, monthly_budget_usd)
       VALUES ('api_key', 'k-acme', 'acme', 'core', 100), ('api_key', 'k-globex', 'globex', 'core', 250),
              ('api_key', 'k-initech', 'initech', 'core', 50)"
admin "SELECT count() FROM spanhouse.llm_kpi_1m" | grep -qv '^0$' || fail "the materialized views built nothing"

# ---- the tenant's users.xml: the policy file's RESTRICTIVE conditions as the default user's filters
filters() { # prints <table>cond</table> for every table a RESTRICTIVE policy names
  tr '\n' ' ' < "$POL" | grep -o 'CREATE ROW POLICY[^;]*RESTRICTIVE[^;]*;' | while read -r stmt; do
    tables=$(sed -E 's/.* ON (.*) AS RESTRICTIVE.*/\1/' <<< "$stmt" | tr -d ' ' | tr ',' '\n' | sed 's/^spanhouse\.//')
    cond=$(sed -E 's/.* USING (.*) TO spanhouse_tenant;/\1/' <<< "$stmt" | sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g')
    for t in $tables; do printf '<%s><filter>%s</filter></%s>\n' "$t" "$cond" "$t"; done
  done
}
n_filters=$(filters | wc -l)
[ "$n_filters" -ge 1 ] || fail "no RESTRICTIVE policy found in $POL"
{ echo "<clickhouse><users><default><password></password><networks><ip>::/0</ip></networks>"
  echo "<profile>default</profile><quota>default</quota><databases><spanhouse>"
  filters
  echo "</spanhouse></databases></default></users><profiles><default/></profiles><quotas><default/></quotas></clickhouse>"
} > "$D/users.xml"
echo "<clickhouse><users_config>$D/users.xml</users_config></clickhouse>" > "$D/tenant.xml"

TENANT_TABLES="llm_spans llm_kpi_1m llm_kpi_1h llm_kpi_1d llm_cost_1d llm_quality_1m llm_span_index llm_tenants"
VIEWS=$(ls views/*.sql | xargs -n1 basename | sed 's/\.sql$//')
# Views a tenant may not read (they read tables revoked from spanhouse_tenant): not compared.
ORG_ONLY="v_bill_reconciliation v_bill_reconciliation_tenant v_dead_letters"

copy_tenant() { # copy_tenant T: a database holding only T's data, built through the product's MVs
  local t=$1 dir=$D/only_$1 tbl cols
  rm -rf "$dir"; schema "$dir"
  for tbl in llm_spans llm_evals llm_outcomes llm_tenants llm_pricing; do
    cols=$(admin "SELECT arrayStringConcat(groupArray(name), ', '), arrayStringConcat(groupArray(concat(name, ' ', type)), ', ')
                  FROM (SELECT name, type FROM system.columns WHERE database = 'spanhouse' AND table = '$tbl'
                        AND default_kind NOT IN ('MATERIALIZED', 'ALIAS', 'EPHEMERAL') ORDER BY position)")
    local names=${cols%%$'\t'*} structure=${cols#*$'\t'} where=1
    case $tbl in
      llm_spans|llm_tenants) where="tenant_id = '$t'" ;;
      llm_evals) where="(trace_id, span_id) IN (SELECT trace_id, span_id FROM spanhouse.llm_spans WHERE tenant_id = '$t')" ;;
      llm_outcomes) where="trace_id IN (SELECT trace_id FROM spanhouse.llm_spans WHERE tenant_id = '$t')" ;;
    esac
    "$SQL" --format TabSeparated "$D/full" "SELECT $names FROM spanhouse.$tbl WHERE $where" > "$D/$tbl.tsv"
    "$SQL" "$dir" "INSERT INTO spanhouse.$tbl ($names) SELECT * FROM file('$D/$tbl.tsv', TabSeparated, '$structure')"
  done
}

check_tenant() { # check_tenant T
  local t=$1 tbl got want v
  admin "TRUNCATE TABLE spanhouse.llm_tenant_users" "INSERT INTO spanhouse.llm_tenant_users VALUES ('default', '$t')"
  for tbl in $TENANT_TABLES; do
    got=$(as_tenant "SELECT count(), arraySort(groupUniqArray(toString(tenant_id))) FROM spanhouse.$tbl")
    want=$(admin "SELECT count(), ['$t'] FROM spanhouse.$tbl WHERE tenant_id = '$t'")
    [ "$got" = "$want" ] || fail "$t reads $tbl: '$got', want '$want'"
  done
  got=$(as_tenant "SELECT count() FROM spanhouse.llm_evals")
  want=$(admin "SELECT count() FROM spanhouse.llm_evals WHERE (trace_id, span_id) IN (SELECT trace_id, span_id FROM spanhouse.llm_spans WHERE tenant_id = '$t')")
  [ "$got" = "$want" ] && [ "$got" -gt 0 ] || fail "$t reads $got evaluations, want $want"
  got=$(as_tenant "SELECT count() FROM spanhouse.llm_outcomes")
  want=$(admin "SELECT count() FROM spanhouse.llm_outcomes WHERE trace_id IN (SELECT trace_id FROM spanhouse.llm_spans WHERE tenant_id = '$t')")
  [ "$got" = "$want" ] && [ "$got" -gt 0 ] || fail "$t reads $got outcomes, want $want"
  echo "ok: $t reads exactly its rows of $TENANT_TABLES, llm_evals and llm_outcomes"

  copy_tenant "$t"
  local tries hour_before compared=0 differ
  for tries in 1 2; do
    differ=
    hour_before=$(admin "SELECT toStartOfHour(now())")
    for v in $VIEWS; do
      case " $ORG_ONLY " in *" $v "*) continue ;; esac
      local cols='*'
      # columns that move with now() from one second to the next (the two reads are seconds apart)
      [ "$v" = v_spend_vs_budget ] && cols='* EXCEPT (days_elapsed, projected_month_usd, projected_budget_pct, projected_over_budget)'
      as_tenant "SELECT $cols FROM spanhouse.$v" > "$D/$v.tenant" || fail "$t cannot read $v"
      "$SQL" "$D/only_$t" "SELECT $cols FROM spanhouse.$v" > "$D/$v.only"
      cmp -s "$D/$v.tenant" "$D/$v.only" || differ="$differ $v"
    done
    [ "$hour_before" = "$(admin "SELECT toStartOfHour(now())")" ] && break
    echo "an hour boundary passed during the comparison: once more"
  done
  [ -z "$differ" ] || {
    for v in $differ; do echo "== $v as $t:" >&2; head -n 5 "$D/$v.tenant" >&2; echo "== $v on $t's data only:" >&2; head -n 5 "$D/$v.only" >&2; done
    fail "views differ for $t:$differ"
  }
  for v in $VIEWS; do [ -s "$D/$v.only" ] && compared=$((compared + 1)); done
  echo "ok: as $t every view ($(echo "$VIEWS" | wc -w) less the org-only $ORG_ONLY) equals the view over $t's data alone ($compared with rows)"
}

for t in acme globex; do check_tenant "$t"; done
# The administrator (no filters) sees every tenant.
n=$(admin "SELECT uniqExact(tenant_id) FROM spanhouse.llm_spans")
[ "$n" = 3 ] || fail "the administrator sees $n tenants, want 3"
echo "ok: the administrator sees all 3 tenants"
# The check itself must fail on a policy file that leaves one tenant table out (llm_quality_1m).
if [ -z "${ROW_POLICIES:-}" ]; then
  sed -z 's/spanhouse.llm_cost_1d, spanhouse.llm_quality_1m,\n    spanhouse.llm_span_index, spanhouse.llm_tenants\n    AS RESTRICTIVE/spanhouse.llm_cost_1d,\n    spanhouse.llm_span_index, spanhouse.llm_tenants\n    AS RESTRICTIVE/' "$POL" > "$D/mutant.sql"
  ! cmp -s "$POL" "$D/mutant.sql" || fail "the mutant policy file is the policy file"
  if ROW_POLICIES="$D/mutant.sql" bash "$0" > "$D/mutant.log" 2>&1; then fail "a policy file without llm_quality_1m passed"; fi
  grep -q "reads llm_quality_1m" "$D/mutant.log" || fail "the mutant failed for another reason: $(tail -n 3 "$D/mutant.log")"
  echo "ok: rejected as expected: a policy file leaving llm_quality_1m out"
fi
echo "t_row_policies: ok"
