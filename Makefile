# spanhouse — build, test, bench, demo.
#   make            build build/libspanhouse.a (core, no Kafka/HTTP) and build/spanhouse (worker)
#   make test       install deps, then run every test (unit, sanitizers, SQL golden, integration, fuzz)
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

# Worker-only modules (they may use librdkafka, libcurl, libchdb, libmicrohttpd, jansson).
# Everything else in ingest/ is the core library and must not.
WORKER_SRCS := $(sort $(wildcard ingest/main.c ingest/kafka*.c ingest/sink*.c ingest/dlq*.c \
                 ingest/metrics*.c ingest/worker*.c ingest/config*.c ingest/cli*.c \
                 ingest/pipeline*.c ingest/replay*.c ingest/log*.c ingest/chdb*.c ingest/schema*.c \
                 ingest/reconcile*.c ingest/bill*.c ingest/reprice*.c \
                 ingest/pricing_import*.c))
CORE_SRCS := $(sort $(filter-out $(WORKER_SRCS),$(wildcard ingest/*.c)))
WORKER_LIB_SRCS := $(filter-out ingest/main.c,$(WORKER_SRCS))

CORE_OBJS := $(patsubst ingest/%.c,$(BUILD)/obj/%.o,$(CORE_SRCS))
WORKER_OBJS := $(patsubst ingest/%.c,$(BUILD)/obj/%.o,$(WORKER_LIB_SRCS))
UNIT_SRCS ?= $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

# Modules may add their own targets in mk/*.mk (e.g. extra test binaries) without editing this file.
-include mk/*.mk
.DEFAULT_GOAL := all

.PHONY: all deps test test-unit test-asan test-sql test-int fuzz fuzz-short bench demo asan ubsan style-check clean tools soak

all: $(BUILD)/libspanhouse.a $(BUILD)/spanhouse tools

deps:
	@bash scripts/install-deps.sh >/dev/null

$(BUILD)/obj/%.o: ingest/%.c $(wildcard ingest/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@
$(BUILD)/obj/main.o: CFLAGS += -DSPANHOUSE_BUILD='"$(SPANHOUSE_BUILD)"'

$(BUILD)/libspanhouse.a: $(CORE_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/libspanhouse_worker.a: $(WORKER_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^ $(if $(WORKER_OBJS),,) 

$(BUILD)/spanhouse: $(if $(wildcard ingest/main.c),$(BUILD)/obj/main.o) $(BUILD)/libspanhouse_worker.a $(BUILD)/libspanhouse.a
	@mkdir -p $(dir $@)
	$(if $(wildcard ingest/main.c),$(CC) $(CFLAGS) -o $@ $^ $(LIBS),@echo "worker not built yet")

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libspanhouse_worker.a $(BUILD)/libspanhouse.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-unused-function -o $@ $< $(BUILD)/libspanhouse_worker.a $(BUILD)/libspanhouse.a -lcmocka $(LIBS)

# Extra tool programs: every tests/tools/*.c and bench/*.c is one binary linked with both
# libraries (a static pattern rule over the explicit list, so no implicit rule can shadow it).
TOOL_SRCS := $(wildcard tests/tools/*.c bench/*.c)
TOOL_BINS := $(patsubst %.c,$(BUILD)/%,$(TOOL_SRCS))
$(TOOL_BINS): $(BUILD)/%: %.c $(wildcard tests/tools/*.h tests/otel/*.h ingest/*.h) $(BUILD)/libspanhouse_worker.a $(BUILD)/libspanhouse.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libspanhouse_worker.a $(BUILD)/libspanhouse.a $(LIBS)
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
	@if [ -x tests/sql/run.sh ]; then bash tests/sql/run.sh; else echo "no SQL tests yet"; fi

test-int: all
	@if [ -x tests/integration/run.sh ]; then bash tests/integration/run.sh; else echo "no integration tests yet"; fi

# Bounded libFuzzer runs (FUZZ_SECONDS each) of every tests/fuzz/fuzz_*.c target.
FUZZ_SECONDS ?= 20
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
fuzz-build: $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRCS))
build/fuzz/%: tests/fuzz/%.c $(CORE_SRCS) $(wildcard ingest/*.h tests/fuzz/*.h)
	@mkdir -p build/fuzz
	clang $(CFLAGS_BASE) -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -o $@ $< $(CORE_SRCS) -ljansson -lm
# Built two at a time and run two at a time (tests/fuzz/run.sh): each target keeps its
# FUZZ_SECONDS, the wall time halves on two cores.
fuzz:
	@$(MAKE) --no-print-directory -j2 fuzz-build
	@bash tests/fuzz/run.sh $(FUZZ_SECONDS) $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRCS))

test: deps
	$(MAKE) --no-print-directory all
	$(MAKE) --no-print-directory test-unit
	$(MAKE) --no-print-directory test-asan
	$(MAKE) --no-print-directory test-sql
	$(MAKE) --no-print-directory test-int
	$(MAKE) --no-print-directory fuzz
	@echo "ALL TESTS PASSED"

# The soak (tests/fault/soak.sh): one line "SOAK seed=… lost=0 duplicated=0 …" per seed, or a
# failure naming the seed (replay it with the same seed; KEEP=1 keeps its logs and database).
SOAK_SEEDS ?= 1 2 3 4 5 6 7 8
SOAK_SECONDS ?= 60
soak: deps all
	@set -e; for s in $(SOAK_SEEDS); do bash tests/fault/soak.sh $$s $(SOAK_SECONDS); done

bench: deps all
	@if [ -x bench/run.sh ]; then bash bench/run.sh; else echo "no benchmarks yet"; fi

demo: deps all
	@bash scripts/demo.sh

style-check:
	@clang-format --dry-run --Werror ingest/*.c ingest/*.h

clean:
	rm -rf build
