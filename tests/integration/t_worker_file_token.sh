#!/usr/bin/env bash
# Dedup tokens name their data, not only its coordinates (modern engine, libchdb): two
# DIFFERENT files with the same number of lines loaded one after the other with ingest-file
# (same "topic", same line numbers, so the same offset ranges) must both be stored, spans and
# dead letters alike; loading the first file again must store nothing new (same data, same
# tokens, dropped by the server's dedup window). Before tokens carried a content hash, the
# second file's batches all had the first file's tokens and vanished with exit 0.
source "$(dirname "$0")/lib/prelude.sh"
source tests/integration/lib/worker.sh
source tests/integration/lib/chhttp.sh
make --no-print-directory -s build/spanhouse build/tools/chdbsql >/dev/null
work_dir filetoken
SQL=build/tools/chdbsql
chdb_schema "$D" || fail "schema apply"

spans_gen 1000 50 "$D/a.tsv" "$D/a.sums"; read -r GA TA CA BA < "$D/a.sums"
sleep 0.01 # other timestamps: other bytes, same line count
spans_gen 1000 50 "$D/b.tsv" "$D/b.sums"; read -r GB TB CB BB < "$D/b.sums"
cut -f2 "$D/a.tsv" > "$D/a.jsonl"; cut -f2 "$D/b.tsv" > "$D/b.jsonl"
cmp -s "$D/a.jsonl" "$D/b.jsonl" && fail "the two files are identical"

load() { # load FILE LOG
  timeout 120 build/spanhouse ingest-file --sink chdb --chdb-path "$D/db" --rejected-table llm_spans_rejected \
    --batch-max-rows 300 "$1" 2> "$2" || fail "ingest-file $1 exit $?"
}
counts() {
  $SQL "$D/db" "SELECT (SELECT count() FROM spanhouse.llm_spans), (SELECT sum(input_tokens + output_tokens) FROM spanhouse.llm_spans), (SELECT toInt64(sum(cost_usd) * 1000000000) FROM spanhouse.llm_spans), (SELECT count() FROM spanhouse.llm_spans_rejected)"
}
load "$D/a.jsonl" "$D/a.log"
want="$GA	$TA	$CA	$BA"
[ "$(counts)" = "$want" ] || fail "after file a: '$(counts)', want '$want'"
load "$D/b.jsonl" "$D/b.log"
want="$((GA + GB))	$((TA + TB))	$((CA + CB))	$((BA + BB))"
[ "$(counts)" = "$want" ] || fail "after file b: '$(counts)', want '$want' (b's batches were taken for a's)"
load "$D/a.jsonl" "$D/a2.log"
[ "$(counts)" = "$want" ] || fail "file a again: '$(counts)', want '$want' (a re-sent file must deduplicate)"
echo "ok: two files of 1000 lines stored $((GA + GB)) spans and $((BA + BB)) dead letters; the first again added nothing"
