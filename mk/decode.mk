# decode helper: explicit rule for the decode benchmark. The Makefile's pattern rule for
# $(BUILD)/bench/% is shadowed by the empty rule declared just before it (same stem, first
# wins), so bench binaries are never built; an explicit rule sidesteps that without editing it.
$(BUILD)/bench/bench_decode: bench/bench_decode.c $(BUILD)/libspanhouse_worker.a $(BUILD)/libspanhouse.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS)
