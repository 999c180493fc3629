/* sink: where encoded RowBinary batches go, behind one small vtable (HTTP or embedded).
 *
 * The worker calls sink_insert() with bytes already encoded and gets back one error class
 * (ok / retry / rejected-data / fatal) plus the server's code and message. This file also
 * holds the ONE table that maps ClickHouse exception codes to those classes, and the
 * retry backoff helper. It knows nothing about Kafka, batching or spans. */
#ifndef SPANHOUSE_SINK_H
#define SPANHOUSE_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct sink_s sink_t;

typedef struct sink_result_s {
    int err;     /* ERR_OK | ERR_NETWORK | ERR_TIMEOUT | ERR_SERVER_RETRY (retry later) |
                    ERR_SERVER_REJECTED (data error: bad rows, the worker splits the batch) |
                    ERR_SERVER_FATAL (auth, unknown table/column: stop) */
    int ch_code; /* ClickHouse exception code (X-ClickHouse-Exception-Code / "Code: N."), 0 if none
                  */
    int http_status; /* 0 when not HTTP */
    char msg[1024];  /* server message, truncated */
} sink_result_t;

/* Inserts one RowBinary block (rows already encoded) into table with the given column list.
 * table may be "db.table" or a bare name (then the sink's database is used).
 * structure ("name Type, …") is needed by the embedded sink; the HTTP sink ignores it.
 * dedup_token may be NULL; when set it is sent as insert_deduplication_token together with
 * deduplicate_blocks_in_dependent_materialized_views=1 (skipped on legacy servers).
 * Blocking. Threads: one caller at a time per sink. Returns res->err (res is always filled). */
int sink_insert(sink_t *sk, const char *table, const char *columns, const char *structure,
                const void *rowbin, size_t len, const char *dedup_token, sink_result_t *res);

/* Runs one DDL or SELECT statement (TabSeparated output). If out is not NULL, *out receives a
 * malloc'd NUL-terminated copy of the result (caller frees; NULL on error). Returns res->err. */
int sink_exec(sink_t *sk, const char *sql, char **out, sink_result_t *res);

/* "http" | "chdb". */
const char *sink_kind(const sink_t *sk);

/* Frees the sink (closes its connection). NULL ok. */
void sink_destroy(sink_t *sk);

/* ---- for sink implementations ---- */
typedef struct sink_ops_s {
    const char *kind;
    int (*insert)(sink_t *sk, const char *table, const char *columns, const char *structure,
                  const void *rowbin, size_t len, const char *dedup_token, sink_result_t *res);
    int (*exec)(sink_t *sk, const char *sql, char **out, sink_result_t *res);
    void (*destroy)(sink_t *sk);
} sink_ops_t;

/* Every implementation's struct starts with this. */
struct sink_s {
    const sink_ops_t *ops;
};

/* ---- error classification (one table, see sink.c and docs/operations.md) ---- */

/* Class of a ClickHouse exception code: ERR_SERVER_RETRY, ERR_SERVER_REJECTED,
 * ERR_SERVER_FATAL, or ERR_OK when the code is not in the table (unknown). */
int sink_code_class(int ch_code);
/* Symbolic name of a known ClickHouse code ("TOO_MANY_PARTS"), or NULL. */
const char *sink_code_name(int ch_code);
/* Final decision for a failed server answer: by code when known; else by HTTP status
 * (5xx, 408, 429 and non-HTTP → retry; other 4xx → fatal). Never returns ERR_OK. */
int sink_classify(int ch_code, int http_status);
/* Finds "Code: N" (18.16 "Code: N, e.displayText()…", modern "Code: N. DB::Exception…")
 * in a server message. Returns N or 0. msg need not be NUL-terminated (len bytes). */
int sink_parse_code(const char *msg, size_t len);
/* Fills res from a server error text: parses the code, classifies, copies the message
 * (trimmed, truncated). Returns res->err. */
int sink_result_from_message(sink_result_t *res, const char *msg, size_t len, int http_status);

/* ---- retry backoff: exponential with full jitter, capped; no global state ---- */
typedef struct sink_backoff_s {
    uint64_t base_ms; /* first ceiling, e.g. 100 */
    uint64_t cap_ms;  /* maximum ceiling, e.g. 30000 */
    uint32_t attempt; /* failures so far */
    uint64_t rng;     /* xorshift state; never 0 */
} sink_backoff_t;

/* base_ms 0 → 100, cap_ms 0 → 30000; seed 0 is replaced by a fixed constant. */
void sink_backoff_init(sink_backoff_t *b, uint64_t base_ms, uint64_t cap_ms, uint64_t seed);
/* Delay before the next attempt: uniform in [0, min(cap, base * 2^attempt)]; bumps attempt. */
uint64_t sink_backoff_next(sink_backoff_t *b);
/* After a success: the next failure starts again from base. */
void sink_backoff_reset(sink_backoff_t *b);

#endif
