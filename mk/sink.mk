# sink.mk: builds the sink's test programs.
# The Makefile's pattern rules for tests/tools and bench programs are preceded by an
# empty-recipe rule ("$(BUILD)/tests/tools/% $(BUILD)/bench/%: ;") that wins, so each module
# names its programs explicitly; these are the sink's.
SINK_TOOL_BINS := $(BUILD)/tests/tools/ch_stub $(BUILD)/tests/tools/print_ddl $(BUILD)/tests/tools/sink_drive
$(SINK_TOOL_BINS): $(BUILD)/%: %.c tests/tools/spangen.h $(wildcard ingest/*.h) $(BUILD)/libspanhouse_worker.a $(BUILD)/libspanhouse.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libspanhouse_worker.a $(BUILD)/libspanhouse.a $(LIBS)
