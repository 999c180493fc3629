#!/usr/bin/env bash
# `spanhouse schema apply --pricing F --tenants F` loads llm_pricing and llm_tenants from the very
# files the workers read (modern engine, libchdb): every priced row of the file, empty prices as
# NULL (= the input/output price, docs/pricing.md; a 0 there made v_cache_savings count every
# cache read of such a model as saved money), idempotent when applied again, and a file the
# worker's parser refuses is refused before anything is replaced (exit 2, table unchanged).
source "$(dirname "$0")/lib/prelude.sh"
source tests/integration/lib/chhttp.sh
make --no-print-directory -s build/spanhouse build/tools/chdbsql >/dev/null
work_dir reference
SQL=build/tools/chdbsql
apply() { timeout 120 build/spanhouse schema apply --sink chdb --chdb-path "$D/db" --log-level warn "$@"; }

apply --pricing schema/pricing.csv --tenants schema/tenants.csv > "$D/apply1.out" || fail "schema apply"
want_p=$(sed -n "s/^pricing: \([0-9]*\) prices.*/\1/p" "$D/apply1.out")
want_t=$(grep -v '^#' schema/tenants.csv | grep -v '^[[:space:]]*$' | tail -n +2 | wc -l)
got=$($SQL "$D/db" "SELECT (SELECT count() FROM spanhouse.llm_pricing), (SELECT count() FROM spanhouse.llm_tenants)")
[ "$got" = "$want_p	$want_t" ] || fail "loaded '$got', want $want_p prices and $want_t tenant rows"
# A row whose cache price is empty in the file: NULL, not 0.
# (awk reads the file itself: a grep feeding it would die of SIGPIPE when awk exits early,
# failing the assignment under pipefail with exit 141 — seen once in CI)
row=$(awk -F, '/^#/ { next } { n++ } n > 1 && NF > 5 && $6 == "" { print $1 "," $2 "," $3; exit }' schema/pricing.csv)
[ -n "$row" ] || fail "no pricing row with an empty cache_read price to check"
IFS=, read -r prov model eff <<< "$row"
n=$($SQL "$D/db" "SELECT countIf(cache_read_per_1m IS NULL) FROM spanhouse.llm_pricing WHERE provider = '$prov' AND model = '$model' AND effective_from = '$eff'")
[ "$n" = 1 ] || fail "$prov/$model: empty cache_read price not NULL"

apply --pricing schema/pricing.csv --tenants schema/tenants.csv > "$D/apply2.out" || fail "second apply"
got2=$($SQL "$D/db" "SELECT (SELECT count() FROM spanhouse.llm_pricing), (SELECT count() FROM spanhouse.llm_tenants)")
[ "$got2" = "$got" ] || fail "applied twice: '$got2', want '$got'"

# the file's header and one row with a bad price and the right field count (awk, not head:
# head closing the pipe early would SIGPIPE grep under pipefail)
awk -F, '!/^#/ && NF { print; n = NF; exit } END { printf "openai,gpt-x,2024-01-01,abc,1"; for (i = 6; i <= n; i++) printf ","; print "" }' schema/pricing.csv > "$D/bad.csv"
set +e; apply --pricing "$D/bad.csv" > "$D/bad.out" 2>&1; rc=$?; set -e
[ "$rc" = 2 ] || fail "a broken pricing file: exit $rc, want 2"
grep -q "bad.csv:2" "$D/bad.out" || fail "no file:line for the broken file"
got3=$($SQL "$D/db" "SELECT count() FROM spanhouse.llm_pricing")
[ "$got3" = "$want_p" ] || fail "the refused file replaced llm_pricing ($got3 rows)"
echo "ok: $want_p prices and $want_t tenant rows loaded from the workers' files (empty prices NULL), idempotent; a broken file refused with the tables untouched"
