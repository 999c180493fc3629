/* fjson: a tiny pull scanner for ONE flat JSON object (one Kafka message), member by member.
 *
 * Used by the eval and outcome decoders (eval.h, outcome.h). It checks the RFC 8259 grammar
 * and UTF-8 of strings, hands back each member as key + typed value slice, and lets the
 * caller decide what the key means. Zero-copy: slices point into the payload, or into the
 * caller's scratch buffer when a string had escapes. Nested objects/arrays are validated and
 * returned as raw JSON text (FJSON_NESTED). No allocation, no I/O, no schema knowledge. */
#ifndef SPANHOUSE_FJSON_H
#define SPANHOUSE_FJSON_H

#include <stddef.h>
#include <stdint.h>

#include <string.h>

#include "span.h"

typedef enum {
    FJSON_STR = 1, /* val = unescaped string content */
    FJSON_NUM,     /* val = the number's JSON text (grammar already checked) */
    FJSON_TRUE,
    FJSON_FALSE,
    FJSON_NULL,
    FJSON_NESTED, /* val = raw JSON text of an object or array */
} fjson_type_t;

#define FJSON_MAX_DEPTH 16 /* top-level object is depth 1 */

typedef struct fjson_s {
    const char *base, *p, *end; /* the payload being scanned */
    char *sp, *send;            /* scratch for unescaped strings (caller-owned) */
    int state;                  /* internal */
} fjson_t;

typedef struct fjson_member_s {
    span_str_t key;
    int type; /* fjson_type_t */
    span_str_t val;
} fjson_member_t;

/* Starts scanning payload[0..len). scratch must hold at least len bytes (unescaped text is
 * never longer than its JSON form); it is reused, not freed. Returns ERR_OK, ERR_EMPTY (only
 * whitespace) or ERR_NOT_OBJECT. */
int fjson_begin(fjson_t *j, const char *payload, size_t len, char *scratch, size_t scratch_size);

/* Reads the next member into *m. Returns ERR_OK with *done = 0 and *m filled, or ERR_OK with
 * *done = 1 at the end of the object (trailing bytes other than whitespace are an error), or a
 * POISON code (ERR_JSON_SYNTAX, ERR_BAD_UTF8, ERR_TOO_DEEP). Slices stay valid while the
 * payload and the scratch buffer do. */
int fjson_next(fjson_t *j, fjson_member_t *m, int *done);

/* Byte offset of the scanner in the payload (for error messages). */
static inline size_t fjson_offset(const fjson_t *j) { return (size_t)(j->p - j->base); }

/* Length of the longest prefix of s[0..n) that is at most max bytes and does not cut a UTF-8
 * sequence (s must be valid UTF-8). */
size_t fjson_utf8_prefix(const char *s, size_t n, size_t max);

/* Timestamp value: an RFC 3339 string (jspan_parse_iso8601) or an epoch number whose unit is
 * chosen by the magnitude of its integer part as for spans (docs/span-format.md): < 1e11
 * seconds, < 1e14 ms, < 1e17 us, else ns; sub-ms digits truncated; no exponent. Returns
 * ERR_OK, ERR_BAD_TIMESTAMP, or ERR_WRONG_TYPE (neither string nor number). */
int fjson_timestamp(const fjson_member_t *m, int64_t *ms);

/* Number value as a double (finite). Returns ERR_OK, ERR_WRONG_TYPE (not a number) or
 * ERR_OUT_OF_RANGE (overflows a double, or text longer than 63 bytes). */
int fjson_double(const fjson_member_t *m, double *v);

/* ---- Decoder support shared by the eval and outcome decoders. */

/* One entry of a decoder's field table: a JSON name (canonical or alias) and its length, and
 * three small numbers the decoder interprets (value kind, canonical field index, offset of
 * the member in its record). Tables are static const, owned by the decoder's module. */
typedef struct fjson_field_s {
    const char *name;
    uint8_t len, kind, canon;
    uint16_t off;
} fjson_field_t;

#define FJSON_SLOTS 64 /* open-addressing slots; a table may hold at most FJSON_SLOTS / 2 names */

/* A decoder's per-instance state: the scratch buffer for unescaped strings (max + 16 bytes,
 * allocated once) and a hash index of its field table (so a member name costs one hash and
 * one comparison, not a scan of the table). Embedded by value in eval_dec_t / outcome_dec_t. */
typedef struct fjson_dec_s {
    size_t max;
    char *scratch;
    size_t scratch_size;
    const fjson_field_t *fields;
    uint8_t slot[FJSON_SLOTS]; /* index + 1 into fields; 0 = empty */
} fjson_dec_t;

/* Sets up d for messages of at most max bytes (0 = 1 MiB) and the given table (kept by
 * pointer). Returns 0, or -1 on out of memory or a table larger than FJSON_SLOTS / 2. */
int fjson_dec_init(fjson_dec_t *d, size_t max, const fjson_field_t *fields, size_t nfields);
/* Frees the scratch buffer. Accepts a zeroed d. */
void fjson_dec_deinit(fjson_dec_t *d);
/* 1 if p[0..n) lies in d's scratch buffer. */
int fjson_dec_owns(const fjson_dec_t *d, const void *p, size_t n);

static inline unsigned fjson_hash_(const char *p, size_t n) {
    return (unsigned)(n * 31u + (unsigned char)p[0] * 7u + (unsigned char)p[n - 1] +
                      (unsigned char)p[n / 2] * 3u);
}
/* The table entry named exactly key, or NULL. */
static inline const fjson_field_t *fjson_dec_field(const fjson_dec_t *d, span_str_t key) {
    if (key.n == 0) return NULL;
    for (unsigned h = fjson_hash_(key.p, key.n);; h++) {
        unsigned s = d->slot[h & (FJSON_SLOTS - 1)];
        if (!s) return NULL;
        const fjson_field_t *f = &d->fields[s - 1];
        if (f->len == key.n && memcmp(f->name, key.p, key.n) == 0) return f;
    }
}

#endif
