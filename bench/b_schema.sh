#!/usr/bin/env bash
# What the schema costs the server per span, on the modern engine (libchdb, ClickHouse 26.x):
# BENCH_SPANS (default 300,000) generated spans loaded with `spanhouse ingest-file --sink chdb`
# into a fresh data directory holding the project's schema with fewer or more of its
# materialized views attached:
#   raw       llm_spans alone (every view dropped)
#   kpi_1m    + llm_kpi_1m_mv
#   kpi       + the hourly and daily rollups (llm_kpi_1h_mv, llm_kpi_1d_mv: fed from llm_kpi_1m)
#   full      + the span-side quality views (llm_span_index_mv, llm_quality_1m_spans_records_mv)
# and, as the engine's own yardstick, the same rows inserted with
# INSERT INTO llm_spans SELECT * FROM file(…, RowBinary) into a raw-only directory (chdbsql,
# its start-up measured apart and subtracted). Each variant runs BENCH_RUNS times (default 5);
# the median CPU (user+sys of the one process: worker and engine share it) is reported per
# span, and each view's cost as the difference to the variant before it.
# BENCH_HISTORY=N first stores N older spans (INSERT … SELECT from the generated rows, shifted
# back a week) in every variant, to show what grows with stored history.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${BENCH_SPANS:-300000}
RUNS=${BENCH_RUNS:-5}
HIST=${BENCH_HISTORY:-0}
SPACING=${BENCH_SPACING_MS:-2}
make --no-print-directory -s build/spanhouse build/tools/loadgen build/tools/chdbsql >/dev/null
SQL=build/tools/chdbsql
D=$(mktemp -d "${TMPDIR:-/tmp}/spanhouse-bschema.XXXXXX")
trap 'rm -rf "$D"' EXIT
timeout 300 build/tools/loadgen --stdout --count "$N" --spacing-ms "$SPACING" > "$D/spans.jsonl" 2>/dev/null

QUALITY_SPAN_MVS="llm_span_index_mv llm_quality_1m_spans_records_mv"
drop_for() { # variant -> the views to drop
  case $1 in
    raw) echo "llm_kpi_1m_mv llm_kpi_1h_mv llm_kpi_1d_mv $QUALITY_SPAN_MVS" ;;
    kpi_1m) echo "llm_kpi_1h_mv llm_kpi_1d_mv $QUALITY_SPAN_MVS" ;;
    kpi) echo "$QUALITY_SPAN_MVS" ;;
    full) echo "" ;;
  esac
}
prepare() { # prepare DIR VARIANT [nohist]
  timeout 120 build/spanhouse schema apply --sink chdb --chdb-path "$1" --log-level warn > /dev/null
  local v stmts=()
  for v in $(drop_for "$2"); do stmts+=("DROP VIEW spanhouse.$v"); done
  if [ "$HIST" -gt 0 ] && [ -z "${3:-}" ]; then
    stmts+=("INSERT INTO spanhouse.llm_spans SELECT * REPLACE (timestamp - INTERVAL 7 DAY AS timestamp, 'history' AS kafka_topic) FROM file('$D/hist.rowbin', RowBinary, '$(cat "$D/structure")')")
  fi
  [ "${#stmts[@]}" = 0 ] || $SQL "$1" "${stmts[@]}" > /dev/null
}
cpu_of() { # cpu_of OUT CMD…: user+sys seconds of CMD into OUT
  local out=$1; shift
  /usr/bin/time -f '%U %S' -o "$D/t" "$@" > /dev/null 2> "$D/cmd.err" || { cat "$D/cmd.err" >&2; return 1; }
  awk '{ printf "%.3f\n", $1 + $2 }' "$D/t" > "$out"
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
calc() { awk "BEGIN { printf \"%.3f\\n\", $1 }"; }

# The rows as RowBinary, for the engine's own insert and for history.
prepare "$D/ref" raw nohist
timeout 300 build/spanhouse ingest-file --sink chdb --chdb-path "$D/ref" --rejected-table llm_spans_rejected \
  --batch-max-rows 100000 --log-level warn "$D/spans.jsonl" 2> /dev/null
# Read as the embedded sink reads its file: LowCardinality(String) as String (same bytes; the
# engine's row-by-row dictionary insert would triple the yardstick, docs/design.md).
$SQL --format TSVRaw "$D/ref" "SELECT arrayStringConcat(groupArray(concat(name, ' ', replaceAll(type, 'LowCardinality(String)', 'String'))), ', ') FROM (SELECT name, type FROM system.columns WHERE database = 'spanhouse' AND table = 'llm_spans' AND default_kind NOT IN ('MATERIALIZED', 'ALIAS') ORDER BY position)" |
  sed "s/'/\\\\'/g" > "$D/structure" # quoted inside the SQL string below
$SQL "$D/ref" "SELECT * FROM spanhouse.llm_spans INTO OUTFILE '$D/spans.rowbin' FORMAT RowBinary" > /dev/null
stored=$($SQL "$D/ref" "SELECT count() FROM spanhouse.llm_spans")
if [ "$HIST" -gt 0 ]; then
  reps=$(( (HIST + stored - 1) / stored ))
  for i in $(seq 1 "$reps"); do cat "$D/spans.rowbin"; done > "$D/hist.rowbin"
fi

# Variants interleaved run by run (raw, kpi_1m, kpi, full, raw, …): the engine's background
# merges make single runs vary by ±20 %, and a slow spell of the machine then touches every
# variant alike instead of one.
declare -A CPU=()
for r in $(seq 1 "$RUNS"); do
  for v in raw kpi_1m kpi full; do
    rm -rf "$D/db"; prepare "$D/db" "$v"
    cpu_of "$D/c.$v.$r" timeout 600 build/spanhouse ingest-file --sink chdb --chdb-path "$D/db" \
      --rejected-table llm_spans_rejected --batch-max-rows 100000 --log-level warn "$D/spans.jsonl"
  done
done
for v in raw kpi_1m kpi full; do CPU[$v]=$(cat "$D"/c."$v".* | median); done
# The engine's own insert of the same rows, less chdbsql's start-up (an empty query).
for r in $(seq 1 "$RUNS"); do
  rm -rf "$D/db"; prepare "$D/db" raw
  cpu_of "$D/e.$r" $SQL "$D/db" "INSERT INTO spanhouse.llm_spans SETTINGS optimize_on_insert = 0 SELECT * FROM file('$D/spans.rowbin', RowBinary, '$(cat "$D/structure")')"
  cpu_of "$D/z.$r" $SQL "$D/db" "SELECT 1"
done
ENGINE=$(for r in $(seq 1 "$RUNS"); do calc "$(cat "$D/e.$r") - $(cat "$D/z.$r")"; done | median)

us() { awk -v c="$1" -v n="$stored" 'BEGIN { printf "%.2f\n", c * 1000000 / n }'; }
echo "schema cost per span on the modern engine: $stored spans, history $HIST, median of $RUNS runs (CPU of the one ingest-file process)"
printf '%-44s %10s %12s\n' "variant" "cpu s" "us/span"
printf '%-44s %10s %12s\n' "engine: INSERT SELECT FROM file(RowBinary)" "$ENGINE" "$(us "$ENGINE")"
prev=
for v in raw kpi_1m kpi full; do
  extra=
  [ -n "$prev" ] && extra="  (+$(us "$(calc "${CPU[$v]} - ${CPU[$prev]}")") us for its views)"
  printf '%-44s %10s %12s%s\n' "ingest-file, $v" "${CPU[$v]}" "$(us "${CPU[$v]}")" "$extra"
  prev=$v
done
views=$(calc "${CPU[full]} - ${CPU[raw]}")
echo "BENCH schema_views_over_raw=$(calc "$views / ${CPU[raw]}") raw_us=$(us "${CPU[raw]}") views_us=$(us "$views") engine_us=$(us "$ENGINE") sink_over_engine=$(calc "${CPU[raw]} / $ENGINE")"
