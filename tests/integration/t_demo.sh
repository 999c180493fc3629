#!/usr/bin/env bash
# Runs the README's demo command (make demo) with its data in a temporary directory and checks
# that the tables it prints show the planted signals: the ticket_triage cost spike in the
# anomaly band, the doc_summarize cost-and-quality regression, dead letters by reason, and
# every span either stored or dead-lettered.
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
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
echo "t_demo: $stored stored + $dl dead-lettered = $N; spike and regression shown"
