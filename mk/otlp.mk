# otlp: explicit build rules for the OTLP tool and benchmark programs.
# The generic "$(BUILD)/tests/tools/% $(BUILD)/bench/%: ;" rule in the Makefile has an empty
# recipe that wins over the real pattern rules, so those programs are never built; explicit
# rules (which beat pattern rules) build ours. Included before `all`, hence the default goal.
.DEFAULT_GOAL := all

OTLP_PROG_DEPS = $(BUILD)/libspanhouse_worker.a $(BUILD)/libspanhouse.a tests/otel/otlp_row.h $(wildcard ingest/*.h)

$(BUILD)/tests/tools/otlp_dump: tests/tools/otlp_dump.c $(OTLP_PROG_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libspanhouse_worker.a $(BUILD)/libspanhouse.a $(LIBS)

$(BUILD)/bench/bench_otlp: bench/bench_otlp.c $(OTLP_PROG_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libspanhouse_worker.a $(BUILD)/libspanhouse.a $(LIBS)
