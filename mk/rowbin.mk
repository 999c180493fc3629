# rowbin helper: explicit rules for its programs. The Makefile's pattern rule for
# $(BUILD)/bench/% is shadowed by the empty rule declared just before it (same stem, first
# wins), so bench binaries are never built; explicit rules sidestep that without editing it.
$(BUILD)/bench/bench_core: bench/bench_core.c $(BUILD)/libspanhouse_worker.a $(BUILD)/libspanhouse.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS)
$(BUILD)/bench/loadgen: bench/loadgen.c $(BUILD)/libspanhouse_worker.a $(BUILD)/libspanhouse.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS)
