#!/usr/bin/env bash
# The worker checks the span table's columns at start-up (DESCRIBE against the encoder's column
# table): a widened column stops it at once with a message naming the column, instead of every
# row coming back server_rejected, dead-lettered and committed while the table stays empty.
# The same table with the right type loads normally.
source "$(dirname "$0")/lib/prelude.sh"
source tests/integration/lib/worker.sh
make --no-print-directory -s build/spanhouse build/tools/chdbsql build/tests/tools/print_ddl >/dev/null
work_dir schemacheck
SQL=build/tools/chdbsql
$SQL "$D/db" "CREATE DATABASE IF NOT EXISTS spanhouse" "$(build/tests/tools/print_ddl modern spanhouse.llm_spans)" \
  "CREATE TABLE spanhouse.llm_spans_rejected (received_at DateTime64(3, 'UTC'), kind String, topic String, partition Int32, offset Int64, key String, reason String, field String, detail String, payload String) ENGINE = MergeTree ORDER BY (topic, partition, offset)" || fail "create"
$SQL "$D/db" "ALTER TABLE spanhouse.llm_spans MODIFY COLUMN input_tokens UInt64" || fail "alter"
spans_gen 200 0 "$D/s.tsv" "$D/sums"; read -r G _ _ _ < "$D/sums"
cut -f2 "$D/s.tsv" > "$D/s.jsonl"
load() { timeout 60 build/spanhouse ingest-file --sink chdb --chdb-path "$D/db" --rejected-table llm_spans_rejected "$D/s.jsonl" 2> "$1"; }
set +e; load "$D/bad.log"; rc=$?; set -e
[ "$rc" != 0 ] || fail "the worker loaded into a drifted table"
grep -q 'event=schema_mismatch.*column input_tokens has type UInt64, spanhouse writes UInt32' "$D/bad.log" || fail "no clear schema error"
[ "$($SQL "$D/db" "SELECT count() FROM spanhouse.llm_spans_rejected")" = 0 ] || fail "rows were dead-lettered instead"
$SQL "$D/db" "ALTER TABLE spanhouse.llm_spans MODIFY COLUMN input_tokens UInt32" || fail "alter back"
load "$D/good.log" || fail "load into the fixed table exit $?"
[ "$($SQL "$D/db" "SELECT count() FROM spanhouse.llm_spans")" = "$G" ] || fail "fixed table"
echo "ok: widened column refused at start-up ($(grep -o 'column input_tokens[^"]*' "$D/bad.log" | head -1)); fixed table loads $G spans"
