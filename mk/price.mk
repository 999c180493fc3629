# price/tenant module: an explicit rule for the enrichment benchmark. The Makefile's empty
# pattern rule "$(BUILD)/bench/%: ;" comes before the real one and wins the tie, so
# build/bench/* is never built from the pattern rules; an explicit rule always wins.
$(BUILD)/bench/bench_enrich: bench/bench_enrich.c $(BUILD)/libspanhouse_worker.a $(BUILD)/libspanhouse.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS)
