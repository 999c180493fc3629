#!/usr/bin/env bash
# Concurrent inserts keep the guarantees (insert-concurrency 4 against ch_stub, which serves
# each connection on its own thread):
#  1. a slow insert, a 500 and a TOO_MANY_PARTS among fast successes: several connections
#     are used at once, every offset is stored exactly once (the ranges answered 200 tile each
#     partition from 0 with no overlap), the failed ranges are retried with the SAME token,
#     and everything is committed (a second run consumes nothing);
#  2. the first insert of a fresh group fails for good (slow 500, retry-max-ms exceeded) while
#     later batches succeed: the worker exits 1, and a restart re-sends exactly that range
#     with the same token: nothing was committed past the unacked batch, nothing is lost.
# One insert per partition batch (--insert-max-batches 1): the ranges are read from the tokens.
# Inserts that carry many batches are t_worker_groups.sh's.
source "$(dirname "$0")/lib/prelude.sh"
source tests/integration/lib/worker.sh
make --no-print-directory -s build/spanhouse build/tests/tools/mockkafka build/tests/tools/ch_stub >/dev/null
work_dir conc
STUB=
stub_stop() { [ -z "$STUB" ] || { kill "$STUB" 2>/dev/null; wait "$STUB" 2>/dev/null || true; }; STUB=; }
at_exit stub_stop
stub_start() { # SCRIPT LOG
  rm -f "$D/port"
  build/tests/tools/ch_stub "$1" "$2" "$D/port" & STUB=$!
  for i in $(seq 1 50); do [ -s "$D/port" ] && break; sleep 0.1; done
  PORT=$(cat "$D/port")
}
run() { # GROUP TOPIC LOG [extra args]
  local g=$1 t=$2 log=$3; shift 3
  timeout 120 build/spanhouse run --brokers "$MOCK_BOOT" --topic "$t" --group "$g" \
    --clickhouse-url "http://127.0.0.1:$PORT" --exit-at-eof --batch-max-rows 25 \
    --batch-max-age-ms 60000 --insert-concurrency 4 --insert-max-batches 1 --kafka.session.timeout.ms=6000 \
    --dlq-topic dlq --log-level debug "$@" 2> "$log"
}
# "token status" per insert request: REQ n gets script line n (200 after the script).
answers() { # SCRIPT LOG
  awk 'FILENAME == ARGV[1] { if ($0 != "" && $0 !~ /^#/) st[++n] = $1; next }
       /^REQ / { split($0, a, " token="); split(a[2], b, " "); r = $2 + 0
                 print b[1], ((r in st) ? st[r] : 200) }' "$1" "$2"
}
# Checks that the 200-ranges of TOPIC tile each partition from offset 0 with no overlap and
# cover N offsets in all; prints the number of distinct stored ranges.
tiles() { # TOPIC N FILE(token status lines)
  awk -v t="$1" -v n="$2" '$2 == 200 { print $1 }' "$3" | sort -u | token_coords |
    awk -F- -v n="$2" '{ print $(NF-2), $(NF-1), $NF }' | sort -n -k1,1 -k2,2 |
    awk -v n="$2" '{ if ($1 != p) { p = $1; nx = 0 } if ($2 != nx) { print "gap/overlap at", $0; bad = 1 }
                    nx = $3 + 1; tot += $3 - $2 + 1; k++ }
                    END { if (tot != n) { print "covered", tot, "of", n; bad = 1 } if (!bad) print "ranges", k; exit bad }'
}

mock_start spans:4 spans2:4 dlq:1
N=400
spans_gen $N 0 "$D/spans.tsv" "$D/sums"
[ "$(mock_cmd "produce spans $D/spans.tsv")" = "produced $N failed 0" ] || fail "produce spans"
[ "$(mock_cmd "produce spans2 $D/spans.tsv")" = "produced $N failed 0" ] || fail "produce spans2"

# ---- 1: slow / failing / fast inserts at once
cat > "$D/script1" <<'S'
200 - 2500
500 - 0 boom
503 252 0 Too many parts (300). Merges are processing significantly slower than inserts
S
stub_start "$D/script1" "$D/stub1.log"
run g1 spans "$D/run1.log" || fail "run 1 exit $?"
answers "$D/script1" "$D/stub1.log" > "$D/ans1"
out=$(tiles spans $N "$D/ans1") || fail "run 1 tiling: $out"
conns=$(grep -o 'conn=[0-9]*' "$D/stub1.log" | sort -u | wc -l)
[ "$conns" -ge 2 ] || fail "only $conns connection(s): inserts were not concurrent"
for r in 2 3; do
  tok=$(awk -v r=$r '$1 == "REQ" && $2 == r { sub(/.* token=/, ""); sub(/ .*/, ""); print }' "$D/stub1.log")
  [ "$(awk -v t="$tok" '$1 == t && $2 == 200' "$D/ans1" | wc -l)" = 1 ] || fail "failed range $tok not retried once with its token"
done
grep -q "event=stopped result=ok consumed=$N inserted=$N rejected=0 retries=2" "$D/run1.log" || fail "stats: $(grep stopped "$D/run1.log")"
run g1 spans "$D/run1b.log" || fail "run 1b exit $?"
grep -q 'event=stopped result=ok consumed=0' "$D/run1b.log" || fail "not all committed: $(grep stopped "$D/run1b.log")"
stub_stop
echo "1 ok: $out over $conns connections, 2 retries with their tokens, all committed"

# ---- 2: a batch that never succeeds while later ones do
cat > "$D/script2" <<'S'
500 - 3000 boom
S
stub_start "$D/script2" "$D/stub2.log"
set +e; run g2 spans2 "$D/run2.log" --retry-max-ms 1000; rc=$?; set -e
[ "$rc" = 1 ] || fail "run 2 exit $rc, want 1"
answers "$D/script2" "$D/stub2.log" > "$D/ans2"
bad=$(awk '$2 != 200 { print $1 }' "$D/ans2")
[ "$(echo "$bad" | wc -w)" = 1 ] || fail "failed requests: $bad"
ok2=$(awk '$2 == 200' "$D/ans2" | wc -l)
[ "$ok2" -ge 1 ] || fail "no batch succeeded next to the failing one"
stub_stop
: > "$D/script3"
stub_start "$D/script3" "$D/stub3.log"
run g2 spans2 "$D/run3.log" || fail "run 3 exit $?"
answers "$D/script3" "$D/stub3.log" > "$D/ans3"
awk -v t="$bad" '$1 == t && $2 == 200' "$D/ans3" | grep -q . || fail "range $bad was not re-sent after the restart: committed past it"
# Together the two runs store every offset; a range sent in both has the same cut.
cat "$D/ans2" "$D/ans3" > "$D/ans23"
out=$(tiles spans2 $N "$D/ans23") || fail "runs 2+3 tiling: $out"
echo "2 ok: $bad failed, $ok2 later batches stored meanwhile; restart re-sent it with the same token; $out"
