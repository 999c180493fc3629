/* worker: the ingestion loop. Kafka messages (or lines of a file) go through decode,
 * validate, enrich and RowBinary encoding into their partition's batch; batches are cut by
 * rows/bytes/age (or exactly where a previous owner announced them), inserted with retries,
 * split on data errors, and only then is the contiguous prefix of offsets committed.
 *
 * One consumer thread does consume, encode, bookkeeping and commits; up to insert-concurrency
 * sender threads run the inserts (see docs/design.md "Worker threads"). Signals only set the flags
 * the caller passes. */
#ifndef SPANHOUSE_WORKER_H
#define SPANHOUSE_WORKER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "log.h"
#include "metrics.h"
#include "sink.h"

typedef struct worker_s worker_t;

typedef enum {
    WORKER_MODE_RUN = 0, /* consumer group, until stopped (or --exit-at-eof) */
    WORKER_MODE_REPLAY,  /* own group <group>-replay, assigned by time, stops at --to */
    WORKER_MODE_FILE,    /* ingest-file: lines of a file, no consumer */
} worker_mode_t;

/* A stop (SIGTERM) flushes, stores and commits what it can for WORKER_STOP_GRACE_MS; then
 * (or at a second SIGTERM) retries stop, requests in flight are cancelled and the worker
 * returns an error without committing what is not stored. */
#define WORKER_STOP_GRACE_MS 15000

typedef struct worker_hooks_s {
    volatile sig_atomic_t *stop;   /* set by SIGTERM/SIGINT: flush, commit, return */
    volatile sig_atomic_t *reload; /* set by SIGHUP: reload pricing and tenants between batches */
    volatile sig_atomic_t *cancel; /* may be NULL; set by the worker when the stop grace is over
                                      (hand it to the HTTP sinks: sink_http_conf_t.cancel) */
} worker_hooks_t;

/* The worker's metrics, one row each: id, name, type, help (labels are named in the help).
 * Registration (worker_describe_metrics) and every update go through it, so a metric cannot be
 * updated under a name that is not described, and a typo is a compile error. */
/* clang-format off */
#define WORKER_METRICS(X)                                                                          \
    X(CONSUMED, "spanhouse_consumed_total", "counter",                                             \
      "Kafka messages (or file lines) read, by kind")                                              \
    X(INSERTED, "spanhouse_inserted_rows_total", "counter",                                        \
      "rows acknowledged by ClickHouse, by kind (target table)")                                   \
    X(REJECTED, "spanhouse_rejected_total", "counter", "dead letters by reason and kind")          \
    X(RETRIES, "spanhouse_insert_retries_total", "counter", "insert attempts retried")             \
    X(BATCH_ROWS, "spanhouse_batch_rows", "histogram", "rows per batch")                          \
    X(BATCH_BYTES, "spanhouse_batch_bytes", "histogram", "RowBinary bytes per batch")              \
    X(INSERT_SECONDS, "spanhouse_insert_seconds", "histogram", "insert request latency")           \
    X(INSERT_ROWS, "spanhouse_insert_rows", "histogram",                                           \
      "rows per stored insert (one insert carries the batches of many partitions)")                \
    X(LAG, "spanhouse_consumer_lag", "gauge", "high watermark minus committed offset")             \
    X(PAUSED, "spanhouse_paused_partitions", "gauge", "partitions paused by backpressure")         \
    X(RELOADS, "spanhouse_reloads_total", "counter",                                               \
      "SIGHUP reloads of the pricing and tenant files by result")                                  \
    X(OTLP_SKIPPED, "spanhouse_otlp_spans_skipped_total", "counter",                               \
      "OTLP spans skipped as not LLM calls (otlp-keep-all off)")                                   \
    X(OTLP_EVAL_EVENTS, "spanhouse_otlp_eval_events_total", "counter",                             \
      "OTLP gen_ai.evaluation.result events by result")                                            \
    X(UNPRICED_SPANS, "spanhouse_unpriced_spans_total", "counter",                                 \
      "spans no price matched (stored at $0 or the producer's cost), by provider and model")       \
    X(UNPRICED_TOKENS, "spanhouse_unpriced_tokens_total", "counter",                               \
      "input + output tokens of those spans, by provider and model")
/* clang-format on */

typedef enum {
#define WORKER_METRIC_ID_(id, name, type, help) WM_##id,
    WORKER_METRICS(WORKER_METRIC_ID_)
#undef WORKER_METRIC_ID_
        WM__N
} worker_metric_t;

/* The exposition name of a metric, e.g. WM_NAME(CONSUMED) = "spanhouse_consumed_total". */
extern const char *const worker_metric_names[WM__N];
#define WM_NAME(id) (worker_metric_names[WM_##id])
/* Registers every row of WORKER_METRICS with m (type and help). */
void worker_describe_metrics(metrics_t *m);

/* Borrowed: cfg, sink, m (may be NULL), lg; they must outlive the worker. Loads the pricing
 * and tenant files, creates the decoder, the consumer (not in FILE mode) and the DLQ producer
 * (when dlq-topic is set). Returns NULL with errstr; *fatal_cfg (may be NULL) is set to 1 when
 * the failure is a configuration problem (exit 2). */
worker_t *worker_new(const config_t *cfg, worker_mode_t mode, sink_t *sink, metrics_t *m,
                     const log_t *lg, const worker_hooks_t *hooks, int *fatal_cfg, char *errstr,
                     size_t errstr_size);
/* Adds one sender thread that inserts through sink (borrowed, must outlive the worker, used
 * by that thread only; a libcurl handle cannot be shared between threads). Call before
 * worker_run/worker_ingest_file, once per wanted concurrent insert. With no sender the
 * inserts run on the calling thread through the worker's own sink (sink=chdb does that).
 * Returns ERR_OK, or ERR_INVAL when running or full (64). */
int worker_add_sink(worker_t *w, sink_t *sink);
/* Runs until stopped, drained (exit-at-eof / replay end) or a fatal error. Returns ERR_OK for
 * a clean stop (everything stored is committed), else the error (logged). */
int worker_run(worker_t *w);
/* FILE mode: reads path (one JSON span per line) through the same path. ERR_OK or error. */
int worker_ingest_file(worker_t *w, const char *path);
/* CHECK mode (`spanhouse check-span`): each line of path through the same decode, validation,
 * pricing and tenant lookup as ingest-file, nothing stored: one line per span to out ("ok"
 * with its price and tenant) and per rejected record ("rejected" with reason, field and
 * detail), then a summary. With json, one JSON object per line instead ({"line":N,"row":{the
 * stored row}} or {"line":N,"reason":…,"field":…,"detail":…}) and the summary on stderr. Span
 * formats only (json, otlp_json, otlp_proto). Needs no sink (worker_new may get NULL). Returns
 * ERR_OK when every record was accepted, ERR_INVAL when one was rejected, or an I/O error. */
int worker_check_file(worker_t *w, const char *path, FILE *out, int json);
void worker_destroy(worker_t *w);

typedef struct worker_stats_s {
    uint64_t consumed, inserted, rejected, retries, batches;
} worker_stats_t;
void worker_stats(const worker_t *w, worker_stats_t *st);

#endif
