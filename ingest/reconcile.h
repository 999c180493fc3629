/* reconcile: checks that the KPI rollups (llm_kpi_1m -> 1h -> 1d) and the quality views' span
 * index hold exactly what the rows they are built from hold, and rebuilds the buckets that do
 * not.
 *
 * Why it exists: ClickHouse writes an insert's part and its materialized views' parts one
 * after the other, not atomically. A server killed (or an insert cancelled) between them
 * leaves the raw rows stored and a view's part missing; the worker's retry then finds the
 * rows stored (or its re-send is dropped by the token) and nothing re-runs that view. Raw
 * rows are the truth: this module compares, per hour (per day for llm_kpi_1d), requests and
 * cost of every level with its source, and rebuilds a drifting bucket from its source with
 * the view's own SELECT (read from system.tables, so the schema stays the one definition).
 *
 * Needs a modern server (as_select, synchronous mutations); the caller refuses legacy.
 * Owns nothing between calls; every statement goes through sink_exec. Not thread-safe per
 * sink (one caller at a time, like the sink). */
#ifndef SPANHOUSE_RECONCILE_H
#define SPANHOUSE_RECONCILE_H

#include <stddef.h>
#include <stdint.h>

#include "sink.h"

/* The derived tables checked against their sources: level, its table, its bucket column and
 * whether that is a Date (else a DateTime), the materialized view that feeds it, the view's
 * source table and time column, the width of a checked bucket in seconds, the level it is fed
 * from (-1: the raw spans), what is compared ('R': requests and cost, 'C': rows, 'K': spans and
 * the computed cost of the calls that reached a provider, as llm_cost_1d keeps them), and how far
 * back it is kept (seconds; 0 = at least as long as its source). A level coarser than its
 * parent must not feed another. */
#define REC_LEVELS(X)                                                                              \
    X(REC_KPI_1M, "llm_kpi_1m", "minute", 0, "llm_kpi_1m_mv", "llm_spans", "timestamp", 3600, -1,  \
      'R', 0)                                                                                      \
    X(REC_KPI_1H, "llm_kpi_1h", "hour", 0, "llm_kpi_1h_mv", "llm_kpi_1m", "minute", 3600, 0, 'R',  \
      0)                                                                                           \
    X(REC_KPI_1D, "llm_kpi_1d", "day", 1, "llm_kpi_1d_mv", "llm_kpi_1h", "hour", 86400, 1, 'R', 0) \
    X(REC_SPAN_INDEX, "llm_span_index", "timestamp", 0, "llm_span_index_mv", "llm_spans",          \
      "timestamp", 3600, -1, 'C', 7 * 86400)                                                       \
    X(REC_COST_1D, "llm_cost_1d", "day", 1, "llm_cost_1d_mv", "llm_spans", "timestamp", 86400, -1, \
      'K', 0)

typedef enum {
#define REC_ENUM(id, ...) id,
    REC_LEVELS(REC_ENUM)
#undef REC_ENUM
        REC_N
} rec_level_t;

/* One bucket whose level does not agree with its source. Drift is a level holding FEWER
 * requests than its source (a view's part lost), or as many at another cost. A level holding
 * MORE is what retention does (llm_spans keeps 30 days, llm_kpi_1m 90, a backfill older than
 * the raw TTL counts only in the rollups) or a manual DELETE: reported (exceeds = 1), never
 * rebuilt, since the source no longer holds the truth there. */
typedef struct rec_drift_s {
    rec_level_t level;
    int exceeds;        /* 1: have_rows > want_rows (see above); rec_repair refuses it */
    int64_t bucket;     /* bucket start, unix seconds UTC */
    uint64_t want_rows; /* requests according to the source */
    uint64_t have_rows; /* requests stored in the level */
    char want_cost[48]; /* cost_usd sums as the server prints them (Decimal(38, 9)) */
    char have_cost[48];
} rec_drift_t;

/* The level's table name ("llm_kpi_1h"). */
const char *rec_level_name(rec_level_t level);

/* Compares every level with its source over the buckets inside [from, to) (unix seconds;
 * buckets are whole hours, whole days for llm_kpi_1d). *out receives a malloc'd array of the
 * drifting buckets (caller frees; NULL when none), *n its length. Returns ERR_OK, or the
 * sink's error with errstr holding the server's message. */
int rec_check(sink_t *sk, const char *database, int64_t from, int64_t to, rec_drift_t **out,
              size_t *n, char *errstr, size_t errstr_size);

/* Rebuilds one drifting bucket (exceeds = 0): deletes it from its level and every level fed from it
 * (the enclosing day of llm_kpi_1d), re-inserts the level from its source through the view's
 * SELECT (the views downstream fire as on any insert) and re-adds the day's other hours to
 * llm_kpi_1d. Inserts run without deduplication (a rebuilt block may equal an earlier one).
 * Not atomic against inserts into the same bucket: run it on settled buckets; a late row that
 * races it shows as drift at the next check. Returns ERR_OK or the sink's error. */
int rec_repair(sink_t *sk, const char *database, const rec_drift_t *d, char *errstr,
               size_t errstr_size);

#endif
