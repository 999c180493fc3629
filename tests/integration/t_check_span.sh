#!/usr/bin/env bash
# `spanhouse check-span`: a producer team checks its records without Kafka or ClickHouse, through
# the worker's own decode, validation, pricing and tenant lookup:
#  - flat JSON: a priced span (cost worked out from schema/pricing.csv: gpt-4o, 600 uncached
#    input x 2.50 + 400 cache reads x 1.25 + 200 output x 10.00 per 1M = 0.004 USD) attributed
#    by its API key; a producer cost kept for a model the file lacks (unknown_model); a negative
#    count and a non-object rejected with their reasons and line numbers; exit 1;
#  - OTLP JSON with seed 000's attribute names (llm.model, llm.prompt_tokens, …); from stdin;
#    all accepted: exit 0;
#  - a bad --format is a usage error (2); nothing listens, nothing is written.
source "$(dirname "$0")/lib/prelude.sh"
make --no-print-directory -s build/spanhouse build/tests/tools/print_ddl >/dev/null
work_dir check
CS=(build/spanhouse check-span --pricing schema/pricing.csv --tenants schema/tenants.csv --log-level warn)
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
cat > "$D/spans.jsonl" <<JSON
{"timestamp":"$now","trace_id":"t1","span_id":"s1","provider":"openai","model":"gpt-4o","input_tokens":1000,"output_tokens":200,"cache_read_tokens":400,"api_key_id":"key_acme_search_1"}
{"timestamp":"$now","trace_id":"t2","span_id":"s2","model":"gpt-4o","input_tokens":-5}

not json
{"timestamp":"$now","trace_id":"t3","span_id":"s3","provider":"acme","model":"mystery-1","input_tokens":10,"output_tokens":2,"cost_usd":"0.5"}
JSON
rc=0; "${CS[@]}" "$D/spans.jsonl" > "$D/json.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "a file with rejected records exits $rc, want 1"
grep -q "^line 1: ok: openai/gpt-4o input 1000 (cache read 400, write 0) output 200 (reasoning 0) cost_usd 0.004000000 (computed; computed 0.004000000, pricing ok) tenant 'acme' (from_table) team 'search'$" "$D/json.out" || fail "line 1"
grep -q '^line 2: rejected: negative_value field input_tokens: ' "$D/json.out" || fail "line 2"
grep -q '^line 4: rejected: not_an_object' "$D/json.out" || fail "line 4"
grep -q "^line 5: ok: acme/mystery-1 .* cost_usd 0.500000000 (producer; computed 0.000000000, pricing unknown_model)" "$D/json.out" || fail "line 5"
grep -q '^2 spans accepted, 2 records rejected$' "$D/json.out" || fail "summary"
ns=$(( $(date +%s) * 1000000000 ))
printf '%s\n' "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"0af7651916cd43dd8448eb211c80319c\",\"spanId\":\"b7ad6b7169203331\",\"startTimeUnixNano\":\"$ns\",\"endTimeUnixNano\":\"$((ns + 1000000000))\",\"attributes\":[{\"key\":\"llm.model\",\"value\":{\"stringValue\":\"gpt-4o-mini\"}},{\"key\":\"gen_ai.provider.name\",\"value\":{\"stringValue\":\"openai\"}},{\"key\":\"llm.prompt_tokens\",\"value\":{\"intValue\":\"1000000\"}},{\"key\":\"llm.completion_tokens\",\"value\":{\"intValue\":\"0\"}},{\"key\":\"llm.tenant\",\"value\":{\"stringValue\":\"globex\"}}]}]}]}]}" > "$D/otlp.jsonl"
rc=0; "${CS[@]}" --format otlp_json - < "$D/otlp.jsonl" > "$D/otlp.out" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "an accepted OTLP record exits $rc"
grep -q "^line 1: ok: openai/gpt-4o-mini input 1000000 .* cost_usd 0.150000000 (computed; .* tenant 'globex' (from_span)" "$D/otlp.out" || fail "OTLP with seed 000's names"
rc=0; "${CS[@]}" --format otlp_proto "$D/otlp.jsonl" > "$D/bad.out" 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "--format otlp_proto exits $rc, want 2"
# --json (and the validate alias): one JSON object per line, the stored row or the reason; the
# summary on stderr. Parsed by node, so a malformed line fails.
rc=0; build/spanhouse validate --json --pricing schema/pricing.csv --tenants schema/tenants.csv --log-level warn \
  "$D/spans.jsonl" > "$D/rows.out" 2> "$D/rows.err" || rc=$?
[ "$rc" = 1 ] || fail "validate --json exits $rc, want 1"
grep -q '^2 spans accepted, 2 records rejected$' "$D/rows.err" || fail "validate --json: summary not on stderr"
node -e '
  const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const want = (c, m) => { if (!c) { console.error("validate --json: " + m); process.exit(1); } };
  want(lines.length === 4, "4 lines, got " + lines.length);
  const r = lines[0].row;
  want(lines[0].line === 1 && r.model === "gpt-4o" && r.tenant_id === "acme" && r.team_id === "search", "line 1 attribution");
  want(r.input_tokens === 1000 && r.cache_read_tokens === 400 && r.cost_usd === "0.004000000" && r.pricing_status === "ok", "line 1 price");
  want(r.ttft_ms === null && r.quality_score === null && r.kafka_topic === "check" && r.kafka_offset === 0, "line 1 nullables and coordinates");
  const cols = process.argv[2].split(",").map((c) => c.trim());
  want(JSON.stringify(Object.keys(r)) === JSON.stringify(cols), "line 1 columns " + Object.keys(r) + " are not the insert columns " + cols);
  want(lines[1].line === 2 && lines[1].reason === "negative_value" && lines[1].field === "input_tokens", "line 2 reason");
  want(lines[2].line === 4 && lines[2].reason === "not_an_object", "line 4 reason");
  want(lines[3].row.cost_usd === "0.500000000" && lines[3].row.pricing_status === "unknown_model", "line 5");
' "$D/rows.out" "$(build/tests/tools/print_ddl columns)" || fail "validate --json output"
echo "t_check_span: ok (flat JSON priced, attributed and rejected by line; OTLP JSON from stdin; usage errors; --json rows)"
