/* json_span: decodes one flat JSON span message (one Kafka message = one JSON object) into a
 * span_t, directed by the span schema (docs/span-format.md): known fields and their aliases go to
 * their span_t member, every other field to span_t.attrs, with strict RFC 8259 + UTF-8 checks.
 * Zero-copy: string slices point into the payload, or into the decoder's scratch buffer when
 * the JSON string had escapes. It does not apply defaults or semantic checks (validate.h does),
 * nor pricing or tenant enrichment. */
#ifndef SPANHOUSE_JSON_SPAN_H
#define SPANHOUSE_JSON_SPAN_H

#include <stddef.h>
#include <stdint.h>

#include "span.h"

typedef struct jspan_opts_s {
    size_t max_message_bytes; /* default 1 MiB; larger messages fail with ERR_OVERSIZED */
    uint32_t max_depth;       /* nested objects/arrays are kept as attribute JSON text; a
                                 message nested deeper than this (the top-level object is
                                 depth 1) fails with ERR_TOO_DEEP. Default 16, capped at 256. */
} jspan_opts_t;

/* Fills *o with the defaults above. */
void jspan_opts_default(jspan_opts_t *o);

typedef struct jspan_dec_s jspan_dec_t;

/* Creates a decoder. opts may be NULL (defaults). Allocates the scratch buffer once
 * (3 x max_message_bytes + 64 bytes); decoding never allocates. Returns NULL and fills errstr
 * on bad options or out of memory. One decoder per thread: it is not thread-safe. */
jspan_dec_t *jspan_dec_new(const jspan_opts_t *opts, char *errstr, size_t errstr_size);
/* Frees the decoder. Accepts NULL. Slices into its scratch buffer become invalid. */
void jspan_dec_destroy(jspan_dec_t *d);

typedef struct jspan_errinfo_s {
    const char *field; /* static string naming the (canonical) field, or NULL */
    char detail[160];  /* human text incl. byte offset */
} jspan_errinfo_t;

/* Decodes one message into *s (span_reset first). Returns ERR_OK or a POISON err_t code (err.h)
 * and fills *ei when not NULL. On error *s is partially filled and must not be used.
 * Slices in *s stay valid until the next jspan_decode() on d, jspan_dec_destroy(d), or until
 * payload is freed, whichever is first. payload need not be NUL-terminated. */
int jspan_decode(jspan_dec_t *d, const char *payload, size_t len, span_t *s, jspan_errinfo_t *ei);

/* For tests and the fuzzer: 1 if p[0..n) lies inside d's scratch buffer, else 0. */
int jspan_dec_owns(const jspan_dec_t *d, const void *p, size_t n);

/* Exposed for tests and other decoders: parses an RFC 3339 / ISO-8601 date-time
 * (YYYY-MM-DD[Tt ]hh:mm:ss[.frac][Z|±hh:mm|±hhmm], no zone = UTC) into Unix epoch ms, truncating
 * sub-millisecond digits. Returns ERR_OK or ERR_BAD_TIMESTAMP. */
int jspan_parse_iso8601(const char *p, size_t n, int64_t *ms);

/* Exposed for tests and other decoders: parses an exact decimal (JSON number syntax, exponent
 * allowed, optional leading '-') into nano-units (value x 1e9), rounding half up beyond the 9th
 * decimal. Returns ERR_OK, ERR_NEGATIVE (value < 0), ERR_OUT_OF_RANGE (>= 1e9 units, i.e. does
 * not fit Decimal(18,9)) or ERR_WRONG_TYPE (not a number). */
int jspan_parse_decimal_nano(const char *p, size_t n, int64_t *nano);

#endif
