#!/usr/bin/env bash
# Runs the README's demo command (make demo) with its data in a temporary directory and checks
# that the tables it prints show the planted signals: the ticket_triage cost spike in the
# anomaly band, the doc_summarize cost-and-quality regression, dead letters by reason, and
# every span either stored or dead-lettered; and the quality streams: every eval and outcome the
# load generator produced stored or dead-lettered, the regression visible through the eval
# stream (lower eval scores for doc_summarize's prompt v3, the dual-threshold rule fed from
# evals), coverage per sampling tier, orphans listed.
source "$(dirname "$0")/lib/prelude.sh"
work_dir demo; tmp=$D
N=100000
TMPDIR="$tmp" DEMO_SPANS=$N make --no-print-directory -s demo >"$tmp/demo.out" 2>&1 || { tail -50 "$tmp/demo.out"; exit 1; }
out="$tmp/demo.out"
fail() { echo "t_demo: $*"; sed -n '/Stored/,$p' "$out"; exit 1; }
# Stored + dead-lettered = produced.
stored=$(awk '/spans.*total_cost_usd/ {getline; gsub(/[│ ]+/," "); print $2}' "$out")
dl=$(sed -n '/reason.*dead_letters/,/└/p' "$out" | awk -F'│' 'NF>3 {gsub(/ /,"",$3); s+=$3} END {print s+0}')
[ -n "$stored" ] && [ $((stored + dl)) -eq $N ] || fail "stored $stored + dead-lettered $dl != $N"
[ "$dl" -gt 0 ] || fail "no dead letters although poison was produced"
# The planted spike is the only upward anomaly of ticket_triage, and it is there.
sed -n '/cost anomaly band/,/regression/p' "$out" | grep -q 'ticket_triage' || fail "spike on ticket_triage not in the anomaly table"
# The planted regression fires for doc_summarize and nothing else.
reg=$(sed -n '/dual-threshold/,/per-user runaway/p' "$out")
echo "$reg" | grep -q 'doc_summarize' || fail "regression on doc_summarize not flagged"
if echo "$reg" | grep -E '│ (chat_assistant|code_review|email_draft|search_rerank|ticket_triage) ' >/dev/null; then fail "regression flagged on an unplanted feature"; fi
# The readable tables the issue asks for are there.
for h in "Spend by team and model" "Latency and TTFT" "Cache hit rate" "SLO burn rate"; do
  grep -q "$h" "$out" || fail "missing section: $h"
done
grep -q 'p99_ttft_ms' "$out" || fail "no TTFT quantiles"
# Quality streams: produced = stored + dead-lettered, per kind.
read -r _ _ pe _ po _ <<<"$(grep '^QUALITY' "$out")"
row=$(awk '/evals.*outcomes.*eval_outcome_dead_letters/ {getline; gsub(/[│ ]+/," "); print}' "$out")
read -r _ se so qdl <<<"$row"
[ -n "$pe" ] && [ -n "$se" ] || fail "no quality stream figures (QUALITY line or stored counts missing)"
[ $((se + so + qdl)) -eq $((pe + po)) ] || fail "evals $se + outcomes $so + dead letters $qdl != produced $pe + $po"
[ "$se" -gt 0 ] && [ "$so" -gt 0 ] || fail "no evals or outcomes stored"
# Eval scores of doc_summarize's prompt template: v3 (the regression) below v1 and v2 on every metric shown.
trend=$(sed -n '/sample-weighted mean eval score/,/dual-threshold regression fed/p' "$out")
echo "$trend" | awk -F'│' 'NF > 6 && $2 ~ /summarize_doc/ {gsub(/ /,"",$3); gsub(/ /,"",$4); gsub(/ /,"",$7); m[$4 "/" $3] = $7; seen[$4] = 1}
  END { n = 0; for (k in seen) { n++; if (!(m[k "/v3"] > 0 && m[k "/v3"] < 0.9 * m[k "/v1"] && m[k "/v3"] < 0.9 * m[k "/v2"])) { print k ": v1 " m[k "/v1"] " v2 " m[k "/v2"] " v3 " m[k "/v3"]; bad = 1 } }
        exit (bad || n == 0) }' || fail "eval scores do not show the v3 regression"
# The dual-threshold rule from the eval stream: doc_summarize and nothing else, quality from evals.
regq=$(sed -n '/dual-threshold regression fed from the eval stream/,/evaluation coverage/p' "$out")
echo "$regq" | grep -E '│ doc_summarize .*│ evals ' >/dev/null || fail "eval-fed regression on doc_summarize not flagged"
if echo "$regq" | grep -E '│ (chat_assistant|code_review|email_draft|search_rerank|ticket_triage) ' >/dev/null; then fail "eval-fed regression on an unplanted feature"; fi
# Coverage: the three tiers are there.
cov=$(sed -n '/evaluation coverage per sampling tier/,/cost per outcome/p' "$out")
for m in faithfulness helpfulness groundedness; do echo "$cov" | grep -q "│ $m " || fail "no coverage row for $m"; done
# Orphans: both kinds listed.
orph=$(sed -n '/without a span (orphans)/,/Every view/p' "$out")
for k in eval outcome; do echo "$orph" | grep -q "│ $k " || fail "no $k orphans listed"; done
sed -n '/cost per outcome/,/orphans/p' "$out" | grep -q '│ conversion ' || fail "no cost per conversion"
echo "t_demo: $stored stored + $dl dead-lettered = $N; $se evals + $so outcomes + $qdl dead letters = $((pe + po)) produced; spike and regression shown (also through the eval stream), orphans listed"
