# worker: extra targets for the ingestion worker.
.PHONY: bench-e2e
bench-e2e: all
	bash bench/b_e2e.sh
