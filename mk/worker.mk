# worker: extra targets for the ingestion worker.
.PHONY: bench-e2e
bench-e2e: all
	bash bench/b_e2e.sh

# Side by side with ClickHouse 18.16's Kafka engine (bench/b_peers.sh; BENCH_SHAPES, BENCH_SPANS).
.PHONY: bench-peers
bench-peers: all
	bash bench/b_peers.sh
