#!/usr/bin/env bash
# `spanhouse reprice` (modern engine, libchdb): spans stored with a wrong pricing file (gpt-4o's
# input at $9.99 instead of $2.50, claude-3-5-haiku missing so its calls are unpriced,
# claude-sonnet-4-5's long-context input at $60 instead of $6, its 1-hour cache writes at $9.99
# and its web searches unpriced, o3 without its flex factor) are re-priced with the right one.
# Afterwards every span (cost_usd, cost_usd_computed, pricing_status, cost_source) and every
# rollup holding cost (llm_kpi_1m/1h/1d, llm_cost_1d) equals, exactly, a second store that was
# loaded with the right file from the start; producer-reported costs are untouched; a dry run
# changes nothing; a second reprice finds nothing to change; reconcile finds no drift; and
# --reprice-model limits it to one model. 20,000 generated spans plus hand-made calls (batch,
# long-context, reasoning, a response-cache hit, an unknown model).
source "$(dirname "$0")/lib/prelude.sh"
source tests/integration/lib/chhttp.sh
make --no-print-directory -s build/spanhouse build/tools/chdbsql build/tools/loadgen >/dev/null
work_dir reprice
SQL=build/tools/chdbsql

# The wrong file.
awk -F, 'BEGIN { OFS = "," }
  /^openai,gpt-4o,2024-10-02,/ { $4 = "9.99" }
  /^anthropic,claude-3-5-haiku,/ { next }
  /^anthropic,claude-sonnet-4-5,2025-09-29,/ { $13 = "60.00"; $17 = "9.99"; $21 = "" }
  /^openai,o3,/ { $19 = "" }
  { print }' schema/pricing.csv > "$D/wrong.csv"
cmp -s "$D/wrong.csv" schema/pricing.csv && fail "the wrong file is not wrong"

timeout 120 build/tools/loadgen --stdout --count 20000 --spacing-ms 5 > "$D/spans.jsonl" 2>/dev/null
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
cat >> "$D/spans.jsonl" <<EOF
{"timestamp":"$now","trace_id":"h1","span_id":"s","provider":"openai","model":"gpt-4o","operation":"chat","input_tokens":10000,"output_tokens":2000,"cache_read_tokens":4000,"is_batch":true,"latency_ms":10,"status":"ok"}
{"timestamp":"$now","trace_id":"h2","span_id":"s","provider":"anthropic","model":"claude-sonnet-4-5-20250929","operation":"chat","input_tokens":250000,"output_tokens":1000,"cache_read_tokens":100000,"cache_write_tokens":50000,"latency_ms":10,"status":"ok"}
{"timestamp":"$now","trace_id":"h3","span_id":"s","provider":"openai","model":"o3","operation":"chat","input_tokens":3000,"output_tokens":9000,"reasoning_tokens":8000,"latency_ms":10,"status":"ok"}
{"timestamp":"$now","trace_id":"h4","span_id":"s","provider":"anthropic","model":"claude-3-5-haiku","operation":"chat","input_tokens":3000,"output_tokens":100,"cache_hit":true,"latency_ms":10,"status":"ok"}
{"timestamp":"$now","trace_id":"h5","span_id":"s","provider":"acme","model":"llm-x","operation":"chat","input_tokens":3000,"output_tokens":100,"latency_ms":10,"status":"ok"}
{"timestamp":"$now","trace_id":"h6","span_id":"s","provider":"openai","model":"gpt-4o","operation":"chat","input_tokens":3000,"output_tokens":100,"cost_usd":"0.123","latency_ms":10,"status":"ok"}
{"timestamp":"$now","trace_id":"h7","span_id":"s","provider":"anthropic","model":"claude-sonnet-4-5","operation":"chat","usage":{"input_tokens":30000,"cache_read_input_tokens":20000,"cache_creation_input_tokens":100000,"cache_creation":{"ephemeral_1h_input_tokens":40000,"ephemeral_5m_input_tokens":60000},"output_tokens":10000,"server_tool_use":{"web_search_requests":3}},"latency_ms":10,"status":"ok"}
{"timestamp":"$now","trace_id":"h8","span_id":"s","provider":"openai","model":"o3","service_tier":"flex","operation":"chat","input_tokens":3000,"output_tokens":9000,"reasoning_tokens":8000,"latency_ms":10,"status":"ok"}
{"timestamp":"$now","trace_id":"h9","span_id":"s","provider":"openai","model":"gpt-4o","service_tier":"priority","operation":"chat","input_tokens":3000,"output_tokens":100,"latency_ms":10,"status":"ok"}
EOF
load() { # load DIR PRICING
  timeout 120 build/spanhouse schema apply --sink chdb --chdb-path "$1" --views-dir views --log-level warn > /dev/null || fail "schema apply"
  timeout 300 build/spanhouse ingest-file --sink chdb --chdb-path "$1" --rejected-table llm_spans_rejected \
    --pricing "$2" "$D/spans.jsonl" 2>> "$D/load.log" || fail "ingest-file $2"
}
load "$D/wrong" "$D/wrong.csv"
load "$D/right" schema/pricing.csv

spans() { $SQL "$1" "SELECT trace_id, span_id, cost_usd, cost_usd_computed, pricing_status, cost_source FROM spanhouse.llm_spans ORDER BY trace_id, span_id" | md5sum; }
rollups() { # a failing query fails the test (a digest of two identical errors would match)
  local out
  out=$($SQL "$1" \
    "SELECT minute, tenant_id, model, sum(requests), sum(cost_usd), sum(uncached_cost_usd), sumMap(error_cost_by_class), quantilesBFloat16Merge(0.5, 0.95, 0.99)(cost_q) FROM spanhouse.llm_kpi_1m GROUP BY minute, tenant_id, model ORDER BY minute, tenant_id, model" \
    "SELECT hour, tenant_id, model, sum(requests), sum(cost_usd), sum(uncached_cost_usd) FROM spanhouse.llm_kpi_1h GROUP BY hour, tenant_id, model ORDER BY hour, tenant_id, model" \
    "SELECT day, tenant_id, model, sum(requests), sum(cost_usd) FROM spanhouse.llm_kpi_1d GROUP BY day, tenant_id, model ORDER BY day, tenant_id, model" \
    "SELECT day, tenant_id, provider, model_family, sum(requests), sum(cost_usd_computed), sum(cost_usd_reported), sum(unpriced_requests) FROM spanhouse.llm_cost_1d GROUP BY day, tenant_id, provider, model_family ORDER BY day, tenant_id, provider, model_family") ||
    fail "rollup query failed on $1"
  echo "$out" | md5sum
}
[ "$(spans "$D/wrong")" != "$(spans "$D/right")" ] || fail "the two stores agree before re-pricing"
rw=$(rollups "$D/wrong"); rr=$(rollups "$D/right")
[ "$rw" != "$rr" ] || fail "the rollups agree before re-pricing"
before_producer=$($SQL "$D/wrong" "SELECT count(), sum(cost_usd) FROM spanhouse.llm_spans WHERE cost_source = 'producer'")
from=$(( ($(date +%s) - 86400) * 1000 )); to=$(( ($(date +%s) + 3600) * 1000 ))
rp() { timeout 300 build/spanhouse reprice --sink chdb --chdb-path "$D/wrong" --from "$from" --to "$to" "$@"; }

# A dry run counts and changes nothing.
rp --pricing schema/pricing.csv --dry-run 2> "$D/dry.log" || fail "dry run exit $?"
grep -q 'event=reprice_planned' "$D/dry.log" || fail "no reprice_planned line"
planned=$(sed -n 's/.*event=reprice_planned .* changed=\([0-9]*\).*/\1/p' "$D/dry.log")
[ "${planned:-0}" -gt 1000 ] || fail "dry run plans only '$planned' changes"
[ "$(spans "$D/wrong")" != "$(spans "$D/right")" ] || fail "the dry run changed spans"

# One model only: gpt-4o's spans become right, claude-3-5-haiku's stay unpriced.
rp --pricing schema/pricing.csv --reprice-model gpt-4o 2> "$D/one.log" || fail "reprice gpt-4o exit $?"
[ "$($SQL "$D/wrong" "SELECT sum(cost_usd_computed) FROM spanhouse.llm_spans WHERE model = 'gpt-4o'")" = \
  "$($SQL "$D/right" "SELECT sum(cost_usd_computed) FROM spanhouse.llm_spans WHERE model = 'gpt-4o'")" ] || fail "gpt-4o not re-priced"
[ "$($SQL "$D/wrong" "SELECT countIf(pricing_status = 'unknown_model') > 0 FROM spanhouse.llm_spans WHERE model = 'claude-3-5-haiku'")" = 1 ] ||
  fail "--reprice-model re-priced another model"

# Everything.
rp --pricing schema/pricing.csv 2> "$D/all.log" || fail "reprice exit $?"
grep -q 'event=repriced .*rollups_still_drifting=0' "$D/all.log" || fail "no repriced line: $(cat "$D/all.log")"
[ "$(spans "$D/wrong")" = "$(spans "$D/right")" ] || fail "re-priced spans differ from a store priced right from the start"
rw=$(rollups "$D/wrong"); rr=$(rollups "$D/right")
[ "$rw" = "$rr" ] || fail "re-priced rollups differ from a store priced right from the start"
[ "$($SQL "$D/wrong" "SELECT count(), sum(cost_usd) FROM spanhouse.llm_spans WHERE cost_source = 'producer'")" = "$before_producer" ] || fail "a producer's cost changed"
# The hand-made calls: long context at the right long price, batch discount, the cache hit at 0.
$SQL "$D/wrong" "SELECT trace_id, cost_usd, cost_usd_computed, pricing_status, cost_source FROM spanhouse.llm_spans WHERE trace_id LIKE 'h_' ORDER BY trace_id" > "$D/hand.tsv"
# h1: (6000 x 2.50 + 4000 x 1.25 + 2000 x 10) / 1e6 = 0.04 x 50 % = 0.02
# h2: long (250k > 200k): (100000 x 6 + 100000 x 0.60 + 50000 x 7.50 + 1000 x 22.50) / 1e6 = 1.0575
# h3: o3 (2025-06-10 price): (3000 x 2 + 9000 x 8) / 1e6 = 0.078
# h4: a cache hit: nothing spent, the avoided call (3000 x 0.80 + 100 x 4) / 1e6 = 0.0028
# h5: no row: unpriced; h6: the producer's 0.123 kept, the table's (3000 x 2.50 + 100 x 10) / 1e6
# h7 (Anthropic's usage block: exclusive counts, 1-hour writes and web searches nested):
#     30000 x 3 + 20000 x 0.30 + 60000 x 3.75 + 40000 x 6 + 10000 x 15 = $0.711, + 3 x $10/1000
# h8: o3 flex at 0.5: 0.078 / 2; h9: gpt-4o priority without a factor: standard, tier_default
want='h1	0.02	0.02	ok	computed
h2	1.0575	1.0575	long_context	computed
h3	0.078	0.078	ok	computed
h4	0	0.0028	ok	cache_hit
h5	0	0	unknown_model	none
h6	0.123	0.0085	ok	producer
h7	0.741	0.741	ok	computed
h8	0.039	0.039	ok	computed
h9	0.0085	0.0085	tier_default	computed'
[ "$(cat "$D/hand.tsv")" = "$want" ] || fail "hand-made calls:
$(cat "$D/hand.tsv")"

# Again: nothing to change; and reconcile agrees.
rp --pricing schema/pricing.csv 2> "$D/again.log" || fail "second reprice exit $?"
grep -q 'event=repriced .* changed=0 ' "$D/again.log" || fail "a second reprice changed something: $(cat "$D/again.log")"
timeout 120 build/spanhouse reconcile --sink chdb --chdb-path "$D/wrong" --from "$from" --to "$to" 2> "$D/rec.log" || fail "reconcile after reprice exit $?"
[ "$($SQL "$D/wrong" "SELECT count() FROM system.tables WHERE name = '_spanhouse_reprice'")" = 0 ] || fail "the lookup table was left behind"
echo "ok: $planned spans re-priced; spans and every cost rollup equal a store priced right from the start; producer costs kept; idempotent; per-model"
