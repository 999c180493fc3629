/* rowbin: ClickHouse RowBinary encoding of validated spans, driven by the column table.
 *
 * Every row, the INSERT column list, the structure string for file()/CREATE and the
 * RowBinaryWithNamesAndTypes header are expanded from COLUMNS_MAP (columns.h), so they
 * cannot disagree. The modern and legacy (18.16) types of each column have identical bytes.
 * Also exports the primitives (little-endian ints, varuint, strings, Nullable) for other
 * encoders (evals, rejected rows). No I/O, no allocation outside the caller's buf_t. */
#ifndef SPANHOUSE_ROWBIN_H
#define SPANHOUSE_ROWBIN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "span.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "rowbin assumes a little-endian host (RowBinary is little-endian); add byte swaps"
#endif

/* Maximum bytes of a varuint encoding a 32-bit length. */
#define ROWBIN_VARUINT32_MAX 5

/* ---- Primitives. All append to b; after a buffer failure they are no-ops (sticky error). */
static inline void rowbin_put_u8(buf_t *b, uint8_t v) { buf_put(b, &v, 1); }
static inline void rowbin_put_u16(buf_t *b, uint16_t v) { buf_put(b, &v, 2); }
static inline void rowbin_put_u32(buf_t *b, uint32_t v) { buf_put(b, &v, 4); }
static inline void rowbin_put_u64(buf_t *b, uint64_t v) { buf_put(b, &v, 8); }
static inline void rowbin_put_i32(buf_t *b, int32_t v) { buf_put(b, &v, 4); }
static inline void rowbin_put_i64(buf_t *b, int64_t v) { buf_put(b, &v, 8); }
static inline void rowbin_put_f32(buf_t *b, float v) { buf_put(b, &v, 4); }

/* Writes v as LEB128 at p (which must have room for 10 bytes); returns the bytes written. */
static inline size_t rowbin_varuint_to(uint8_t *p, uint64_t v) {
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}
/* Unsigned LEB128, as ClickHouse writes string lengths and array/map sizes. */
static inline void rowbin_put_varuint(buf_t *b, uint64_t v) {
    uint8_t tmp[10];
    buf_put(b, tmp, rowbin_varuint_to(tmp, v));
}
/* String: varuint length then the bytes (no terminator). s.p may be NULL when s.n == 0. */
static inline void rowbin_put_str(buf_t *b, span_str_t s) {
    rowbin_put_varuint(b, s.n);
    if (s.n) buf_put(b, s.p, s.n);
}
/* C string convenience for headers and small encoders. */
static inline void rowbin_put_cstr(buf_t *b, const char *s) {
    rowbin_put_str(b, span_str(s, strlen(s)));
}
/* Nullable(T): one byte, 1 = NULL (nothing follows), 0 = a value follows. */
static inline void rowbin_put_null(buf_t *b) { rowbin_put_u8(b, 1); }
static inline void rowbin_put_nullable_u32(buf_t *b, int present, uint32_t v) {
    if (!present) {
        rowbin_put_null(b);
        return;
    }
    uint8_t tmp[5] = {0};
    memcpy(tmp + 1, &v, 4);
    buf_put(b, tmp, 5);
}
static inline void rowbin_put_nullable_f32(buf_t *b, int present, float v) {
    if (!present) {
        rowbin_put_null(b);
        return;
    }
    uint8_t tmp[5] = {0};
    memcpy(tmp + 1, &v, 4);
    buf_put(b, tmp, 5);
}
static inline void rowbin_put_nullable_str(buf_t *b, int present, span_str_t s) {
    if (!present) {
        rowbin_put_null(b);
        return;
    }
    rowbin_put_u8(b, 0);
    rowbin_put_str(b, s);
}

/* ---- Spans. */

/* Number of columns in the table. */
size_t rowbin_ncolumns(void);
/* Appends one row for s (every column of columns.h, in order). Never fails by itself; on
 * buffer failure (cap, memory) nothing of the row is written and the sticky error is set:
 * check buf_error() once per batch. s is only read. */
void rowbin_encode_span(buf_t *b, const span_t *s);
/* Upper bound of the bytes rowbin_encode_span() appends for s (exact except varuints). */
size_t rowbin_span_size_bound(const span_t *s);

/* "timestamp, trace_id, …": the INSERT column list in table order. Static, never NULL. */
const char *rowbin_column_list(void);
/* "timestamp DateTime64(3, 'UTC'), trace_id String, …" with the modern (legacy = 0) or
 * 18.16 (legacy = 1) types: the structure argument of file()/input() and the body of a
 * CREATE TABLE. Static, never NULL. Contains single quotes: escape them inside SQL strings. */
const char *rowbin_structure(int legacy);
/* Appends the RowBinaryWithNamesAndTypes header: varuint column count, the names, then the
 * types (modern or legacy). Rows encoded by rowbin_encode_span() follow it unchanged. */
void rowbin_names_types_header(buf_t *b, int legacy);

/* Checks a table's DESCRIBE TABLE output in TabSeparated (name \t type \t …, one column per
 * line, TSV escapes allowed) against the column table. Every column must exist with the
 * expected type; types are compared after removing blanks, and DateTime64(3, tz) matches
 * whatever time zone (the bytes are the same). Extra table columns are allowed (the INSERT
 * names its columns; they take their defaults). Returns ERR_OK, or ERR_SERVER_FATAL with
 * a message naming the first offending column in errstr (may be NULL if errstr_size is 0),
 * or ERR_INVAL if describe_tsv is NULL. */
int rowbin_check_describe(const char *describe_tsv, int legacy, char *errstr, size_t errstr_size);

#endif
