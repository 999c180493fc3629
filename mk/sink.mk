# sink.mk: builds every tests/tools/*.c and bench/*.c program.
# The Makefile's pattern rules for these are preceded by an empty-recipe rule
# ("$(BUILD)/tests/tools/% $(BUILD)/bench/%: ;") that wins, so `make tools` built nothing.
# A static pattern rule over the explicit list takes precedence over any implicit rule.
SINK_TOOL_SRCS := $(wildcard tests/tools/*.c bench/*.c)
SINK_TOOL_BINS := $(patsubst %.c,$(BUILD)/%,$(SINK_TOOL_SRCS))
$(SINK_TOOL_BINS): $(BUILD)/%: %.c $(wildcard tests/tools/*.h) $(BUILD)/libspanhouse_worker.a $(BUILD)/libspanhouse.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libspanhouse_worker.a $(BUILD)/libspanhouse.a $(LIBS)
