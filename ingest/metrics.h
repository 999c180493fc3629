/* metrics: a small Prometheus registry (counters, gauges, histograms, optional labels) and
 * the worker's HTTP endpoint for it (libmicrohttpd): /metrics, /healthz, /readyz.
 * Thread-safe: every call may come from any thread (one mutex; calls are per batch, not per
 * span). It does not decide what to measure; the worker names its metrics.
 *
 * Histogram buckets are fixed by the metric name's suffix (documented in docs/operations.md):
 *   *_seconds  0.001 0.0025 0.005 0.01 0.025 0.05 0.1 0.25 0.5 1 2.5 5 10 30 60
 *   *_rows     1 10 100 1000 5000 10000 50000 100000 500000 1000000
 *   *_bytes    1 KiB ×4 each step up to 256 MiB (1024 4096 … 268435456)
 *   otherwise  Prometheus' defaults 0.005 0.01 0.025 0.05 0.1 0.25 0.5 1 2.5 5 10 */
#ifndef SPANHOUSE_METRICS_H
#define SPANHOUSE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef struct metrics_s metrics_t;

/* Returns NULL with errstr filled on failure. */
metrics_t *metrics_new(char *errstr, size_t errstr_size);
/* Stops the HTTP server (if any) and frees everything. NULL ok. */
void metrics_destroy(metrics_t *m);

/* labels: the inside of {…}, e.g. "reason=\"missing_field\"", or NULL. Label values must
 * already be escaped (\\, \", \n) by the caller. A name keeps the type of its first use
 * (or of metrics_describe); a call with another type for that name is ignored. */
void metrics_counter_add(metrics_t *m, const char *name, const char *labels, uint64_t v);
void metrics_gauge_set(metrics_t *m, const char *name, const char *labels, double v);
void metrics_histogram_observe(metrics_t *m, const char *name, const char *labels, double v);
/* type: "counter" | "gauge" | "histogram". Adds # HELP / # TYPE lines; may come before or
 * after the first value. */
void metrics_describe(metrics_t *m, const char *name, const char *type, const char *help);

/* Requires HTTP basic auth "user:password" (copied; NULL or "" = none) on /metrics from now
 * on; /healthz and /readyz stay open (probes carry no credentials, and they reveal nothing).
 * Call before metrics_serve. Returns 0 or ERR_NOMEM. */
int metrics_set_auth(metrics_t *m, const char *user_password);
/* Starts the HTTP server on addr ("127.0.0.1:9187", ":9187" = 127.0.0.1, "0.0.0.0:9187" = all
 * interfaces, "9187"; port 0 picks a free port, returned in *bound_port if not NULL). Serves GET
 * /metrics, /healthz (200 while the process runs), /readyz (200 once metrics_set_ready(m, 1), else
 * 503). Once per metrics_t. Returns 0, or an err_t with errstr filled. */
int metrics_serve(metrics_t *m, const char *addr, int *bound_port, char *errstr,
                  size_t errstr_size);
void metrics_set_ready(metrics_t *m, int ready);

/* Appends the whole registry in Prometheus text format 0.0.4 to out. */
void metrics_render(metrics_t *m, buf_t *out);

#endif
