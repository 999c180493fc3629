/* buf: one growable byte buffer with a hard cap and a sticky error.
 *
 * Appends after a failure (allocation, cap exceeded) are no-ops; the caller checks
 * buf_error() once at the end (as SQLite's StrAccum). reserve()+commit() allow
 * zero-copy writes; reset() keeps the capacity for the next batch.
 * Knows nothing about Kafka, HTTP or spans. Not thread-safe: one owner at a time. */
#ifndef SPANHOUSE_BUF_H
#define SPANHOUSE_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct buf_s {
    uint8_t *data; /* owned; NULL until the first append */
    size_t len;
    size_t cap;
    size_t max; /* hard cap in bytes; 0 means SIZE_MAX/2 */
    int err;    /* sticky: 0 or an err_t code */
} buf_t;

/* Initialises an empty buffer that will never grow beyond max bytes (0 = no cap). */
void buf_init(buf_t *b, size_t max);
/* Frees the memory. Accepts a zeroed or already deinitialised buffer. */
void buf_deinit(buf_t *b);
/* Empties the buffer and clears the sticky error; keeps the capacity. */
void buf_reset(buf_t *b);
/* Returns a pointer to at least n writable bytes at the end, or NULL (and sets the sticky
 * error) if that would exceed the cap or memory. Follow with buf_commit(b, used). */
uint8_t *buf_reserve(buf_t *b, size_t n);
/* Marks n bytes of the last reserve as written. n must not exceed the reserved size. */
static inline void buf_commit(buf_t *b, size_t n) { b->len += n; }
/* Appends n bytes. No-op once the sticky error is set. */
void buf_append(buf_t *b, const void *p, size_t n);
/* Appends p[0..n) with ' and \ backslash-escaped: the inside of a ClickHouse '…' string
 * literal (the caller writes the quotes). No-op once the sticky error is set. */
void buf_append_sql_escaped(buf_t *b, const char *p, size_t n);
/* Appends nano (1e-9 units, e.g. nano-USD) as an exact decimal with nine fractional digits,
 * "-" first when negative: 1500000000 -> "1.500000000". The one formatter of money amounts
 * (a ClickHouse Decimal(…, 9) literal as well). No-op once the sticky error is set. */
void buf_append_nano(buf_t *b, int64_t nano);
/* Appends s[0..n) as a quoted JSON string: '"' and '\\' escaped, control characters as \n,
 * \t or \u00XX, other bytes as they are (callers hand in valid UTF-8). No-op once the sticky
 * error is set. */
void buf_append_json_str(buf_t *b, const char *s, size_t n);
/* Cuts the buffer back to len bytes (len <= current length). Does not clear the error. */
void buf_truncate(buf_t *b, size_t len);
/* Takes the buffer back to a length len recorded while buf_error() was 0: cuts it there and
 * clears the error, so it is exactly as it was then (undoing a record that hit the cap). */
void buf_restore(buf_t *b, size_t len);
/* Appends printf-style text and keeps a NUL after it (not counted in len), so b->data can be
 * read as a C string while buf_error() is 0. No-op once the sticky error is set. */
void buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Returns 0 or the sticky error code (ERR_NOMEM, ERR_BUF_CAP). */
static inline int buf_error(const buf_t *b) { return b->err; }

/* Fast path for small appends; falls back to buf_append when growth is needed. */
static inline void buf_put(buf_t *b, const void *p, size_t n) {
    if (b->cap - b->len >= n && !b->err) {
        memcpy(b->data + b->len, p, n);
        b->len += n;
    } else {
        buf_append(b, p, n);
    }
}

#endif
