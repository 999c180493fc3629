# spanhouse — build, test, bench, demo.
#   make            build build/libspanhouse.a (core, no Kafka/HTTP) and build/spanhouse (worker)
#   make test       install deps, then run every test (style, unit, sanitizers, SQL golden, integration, fuzz)
#   make test T=t   one test (tests/README.md)
#   make bench      benchmarks, each printing BENCH <name> <value> <unit> lines
#   make demo       install deps and run the embedded demo
#   make soak       seeded fault-injection soak with the exactly-once checker (SOAK_SEEDS, SOAK_SECONDS)
#   make asan / ubsan / fuzz / style-check / clean
SHELL := /bin/bash
CC ?= cc
BUILD ?= build
OPT ?= -O2
CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -g -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Iingest
CFLAGS ?= $(OPT) $(CFLAGS_BASE)
# The commit `spanhouse version` reports (main.c only; "unknown" outside a git checkout).
SPANHOUSE_BUILD := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LIBS := -lrdkafka -lcurl -lmicrohttpd -linih -ljansson -lzstd -llz4 -lz -ldl -lpthread -lm

# The core library (build/libspanhouse.a): decoding, validation, pricing, encoding, batching;
# plain C, libc + jansson + zstd/lz4 at most. `make core-check` (part of
# `make test`) proves it references no librdkafka, libcurl, libmicrohttpd or libchdb symbol.
CORE_SRCS := $(addprefix ingest/,batch.c buf.c csv.c err.c eval.c eval_rowbin.c fjson.c \
               json_span.c otlp_event.c otlp_json.c otlp_logs.c otlp_map.c otlp_proto.c \
               outcome.c price.c rowbin.c rowjson.c tenant.c validate.c)
# The worker (build/libspanhouse_worker.a + main.c): Kafka, HTTP, the embedded engine, the CLI.
WORKER_SRCS := $(addprefix ingest/,bill.c chdb.c config.c dlq.c kafka_consumer.c log.c main.c \
                 metrics.c pricing_import.c reconcile.c reprice.c schema_apply.c \
                 schema_upgrade.c sink.c sink_chdb.c sink_http.c worker.c worker_decode.c \
                 worker_rows.c worker_send.c)
# A source in neither list is a build error, not a silent member of the wrong library.
UNLISTED_SRCS := $(filter-out $(CORE_SRCS) $(WORKER_SRCS),$(wildcard ingest/*.c))
ifneq ($(UNLISTED_SRCS),)
$(error ingest sources in neither CORE_SRCS nor WORKER_SRCS (Makefile): $(UNLISTED_SRCS))
endif
WORKER_LIB_SRCS := $(filter-out ingest/main.c,$(WORKER_SRCS))
# The synthetic-data generators (build/libspanhouse_gen.a): for the programs in tools/, the
# benchmarks and the tests, never linked into the worker.
GEN_SRCS := $(wildcard tools/gen/*.c)
GEN_OBJS := $(patsubst tools/gen/%.c,$(BUILD)/obj/gen/%.o,$(GEN_SRCS))
# What programs outside the worker link, and see (the generators' headers).
TOOL_CFLAGS = $(CFLAGS) -Itools/gen
TOOL_LIBS = $(BUILD)/libspanhouse_gen.a $(BUILD)/libspanhouse_worker.a $(BUILD)/libspanhouse.a

CORE_OBJS := $(patsubst ingest/%.c,$(BUILD)/obj/%.o,$(CORE_SRCS))
WORKER_OBJS := $(patsubst ingest/%.c,$(BUILD)/obj/%.o,$(WORKER_LIB_SRCS))
UNIT_SRCS ?= $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

# Benchmark targets of the worker (bench-e2e, bench-peers).
include mk/worker.mk
.DEFAULT_GOAL := all

.PHONY: all deps test test-unit test-asan test-sql test-int fuzz bench demo asan ubsan style-check core-check clean tools soak

all: $(BUILD)/libspanhouse.a $(BUILD)/spanhouse tools

deps:
	@bash scripts/install-deps.sh >/dev/null

$(BUILD)/obj/%.o: ingest/%.c $(wildcard ingest/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@
$(BUILD)/obj/main.o: CFLAGS += -DSPANHOUSE_BUILD='"$(SPANHOUSE_BUILD)"'

# Each archive is rebuilt from its list when the Makefile changes (a source moved out of a list
# must not stay in the archive).
$(BUILD)/libspanhouse.a: $(CORE_OBJS) Makefile
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $(filter %.o,$^)

$(BUILD)/obj/gen/%.o: tools/gen/%.c $(wildcard tools/gen/*.h ingest/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(TOOL_CFLAGS) -c $< -o $@

$(BUILD)/libspanhouse_gen.a: $(GEN_OBJS) Makefile
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $(filter %.o,$^)

$(BUILD)/libspanhouse_worker.a: $(WORKER_OBJS) Makefile
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $(filter %.o,$^)

$(BUILD)/spanhouse: $(if $(wildcard ingest/main.c),$(BUILD)/obj/main.o) $(BUILD)/libspanhouse_worker.a $(BUILD)/libspanhouse.a
	@mkdir -p $(dir $@)
	$(if $(wildcard ingest/main.c),$(CC) $(CFLAGS) -o $@ $^ $(LIBS),@echo "worker not built yet")

$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h tools/gen/*.h) $(TOOL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(TOOL_CFLAGS) -Wno-unused-function -o $@ $< $(TOOL_LIBS) -lcmocka $(LIBS)

# Programs: every tools/*.c (loadgen, chdbsql: what the demo runs), tests/tools/*.c (test
# servers and checkers) and bench/*.c is one binary linked with the three libraries (a static
# pattern rule over the explicit list, so no implicit rule can shadow it).
TOOL_SRCS := $(wildcard tools/*.c tests/tools/*.c bench/*.c)
TOOL_BINS := $(patsubst %.c,$(BUILD)/%,$(TOOL_SRCS))
$(TOOL_BINS): $(BUILD)/%: %.c $(wildcard tests/tools/*.h tests/otel/*.h ingest/*.h tools/gen/*.h) $(TOOL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(TOOL_CFLAGS) -o $@ $< $(TOOL_LIBS) $(LIBS)
tools: $(TOOL_BINS)

test-unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

# The whole unit suite again under AddressSanitizer + UndefinedBehaviorSanitizer, except the
# tests that load libchdb (a prebuilt C++ engine with its own allocator: ASan cannot judge it;
# the core code those tests touch is covered by the other unit tests and the fuzzers).
ASAN_UNIT_SRCS := $(shell grep -L 'ingest/chdb.h' $(UNIT_SRCS) /dev/null 2>/dev/null | grep -v /dev/null)
test-asan:
	$(MAKE) --no-print-directory BUILD=build/asan CC=clang OPT="-O1 $(SAN_FLAGS)" \
	  UNIT_SRCS="$(ASAN_UNIT_SRCS)" test-unit

asan: test-asan
ubsan: test-asan

test-sql: all
	@bash tests/sql/run.sh

test-int: all
	@bash tests/integration/run.sh

# The core library must not reach the worker's libraries (see CORE_SRCS), and every source
# file is in docs/design.md's module map.
core-check: $(BUILD)/libspanhouse.a
	@bad=$$(nm -u $< | grep -E ' (rd_kafka_|curl_|MHD_|chdb_)' | sort -u); \
	if [ -n "$$bad" ]; then echo "libspanhouse.a references worker libraries:"; echo "$$bad"; exit 1; fi; \
	echo "core-check: libspanhouse.a references no librdkafka, libcurl, libmicrohttpd or libchdb symbol"
	@for f in $(CORE_SRCS) $(WORKER_SRCS) $(GEN_SRCS); do grep -q "| \`$$f\` |" docs/design.md || \
	  { echo "core-check: $$f is not in docs/design.md's module map"; exit 1; }; done

# Bounded libFuzzer runs (FUZZ_SECONDS each) of every tests/fuzz/fuzz_*.c target.
FUZZ_SECONDS ?= 20
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRCS))
FUZZ_CFLAGS := $(CFLAGS_BASE) -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all
# The core library is compiled once with coverage (fuzzer-no-link) and shared by every target
# (each target used to compile all of CORE_SRCS itself: ~1.5 min of CI on two cores).
FUZZ_CORE_OBJS := $(patsubst ingest/%.c,build/fuzz/obj/%.o,$(CORE_SRCS))
fuzz-build: $(FUZZ_BINS)
build/fuzz/obj/%.o: ingest/%.c $(wildcard ingest/*.h)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@
build/fuzz/libspanhouse.a: $(FUZZ_CORE_OBJS) Makefile
	rm -f $@ && ar rcs $@ $(filter %.o,$^)
$(FUZZ_BINS): build/fuzz/%: tests/fuzz/%.c build/fuzz/libspanhouse.a $(wildcard ingest/*.h tests/fuzz/*.h tests/unit/utf8_ref.h)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< build/fuzz/libspanhouse.a -ljansson -lm
# Built two at a time (one shared core archive) and run two at a time (tests/fuzz/run.sh): each target keeps its
# FUZZ_SECONDS, the wall time halves on two cores.
fuzz:
	@$(MAKE) --no-print-directory -j2 fuzz-build
	@bash tests/fuzz/run.sh $(FUZZ_SECONDS) $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRCS))

# make test T=NAME runs one test (tests/README.md): a unit test (test_sink), an integration test
# (t_worker_e2e) or the SQL golden tests whose file name contains NAME (00250).
test: deps
ifdef T
	$(MAKE) --no-print-directory all
	@bash tests/run_one.sh $(T)
else
	$(MAKE) --no-print-directory all
	$(MAKE) --no-print-directory style-check core-check
	$(MAKE) --no-print-directory test-unit
	$(MAKE) --no-print-directory test-asan
	$(MAKE) --no-print-directory test-sql
	$(MAKE) --no-print-directory test-int
	$(MAKE) --no-print-directory fuzz
	@echo "ALL TESTS PASSED"
endif

# The soak (tests/fault/soak.sh): one line "SOAK seed=… lost=0 duplicated=0 …" per seed, or a
# failure naming the seed (replay it with the same seed; KEEP=1 keeps its logs and database).
SOAK_SEEDS ?= 1 2 3 4 5 6 7 8
SOAK_SECONDS ?= 60
soak: deps all
	@set -e; for s in $(SOAK_SEEDS); do bash tests/fault/soak.sh $$s $(SOAK_SECONDS); done

bench: deps all
	@bash bench/run.sh

demo: deps all
	@bash scripts/demo.sh

# clang-format (.clang-format) over the C sources: hand-aligned tables sit between
# "clang-format off/on" comments.
STYLE_SRCS := $(wildcard ingest/*.c ingest/*.h tools/*.c tools/gen/*.c tools/gen/*.h)
style-check:
	@clang-format --dry-run --Werror $(STYLE_SRCS) && echo "style-check: $(words $(STYLE_SRCS)) files formatted"

clean:
	rm -rf build
