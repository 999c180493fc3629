#!/usr/bin/env bash
# The soak's short fixed set inside make test: two seeds of tests/fault/soak.sh, 25 s of
# faults each (kills, SIGTERMs, restarts with other limits, ClickHouse failing before and
# after storing, timeouts, outages, Kafka errors on Fetch/OffsetCommit/OffsetFetch/Produce,
# a 1 MB poison pill) over spans, evaluations and outcomes, then the exactly-once checker. `make soak` runs more and longer.
source "$(dirname "$0")/lib/prelude.sh"
for seed in 101 202; do
  bash tests/fault/soak.sh "$seed" 25
done
