/* otlp: decoders for OpenTelemetry trace export requests (the bytes the OpenTelemetry
 * Collector's kafka exporter writes with encoding otlp_proto or otlp_json) into span_t rows.
 *
 * One Kafka record holds one ExportTraceServiceRequest with any number of resources, scopes
 * and spans; each LLM span (a gen_ai.* or llm.* attribute) becomes one span_t, handed to a
 * callback. Attribute names follow the OpenTelemetry GenAI semantic conventions, current names
 * first and deprecated ones as fallbacks; the mapping is in docs/otel-mapping.md.
 * No Kafka, no HTTP, no validation of business rules (that is validate's job). */
#ifndef SPANHOUSE_OTLP_H
#define SPANHOUSE_OTLP_H

#include <stddef.h>
#include <stdint.h>

#include "span.h"

/* Attribute keys for the columns that have no semantic convention. Each may be NULL or ""
 * (column not mapped). Keys are looked up in span attributes first, then resource attributes.
 * The strings are copied by otlp_dec_new(). */
typedef struct otlp_map_s {
    const char *tenant_key;          /* default "app.tenant_id" */
    const char *team_key;            /* default "app.team_id" */
    const char *feature_key;         /* default "app.feature" */
    const char *user_key;            /* default "user.id" (enduser.id is a built-in fallback) */
    const char *prompt_template_key; /* default "gen_ai.prompt.name" */
    const char *prompt_version_key;  /* default "app.prompt_version" */
    const char *endpoint_key;        /* default "app.endpoint" (server.address is the fallback) */
    int keep_all;                    /* 1: emit every span, not only LLM spans (a non-LLM
                                        span without a model gets model OTLP_NO_MODEL and,
                                        without an operation, its span name as operation) */
    int keep_content; /* 1: keep prompt/completion text attributes in attrs (default 0) */
} otlp_map_t;

/* The model of a non-LLM span kept by keep_all (validation requires a model on every row). */
#define OTLP_NO_MODEL "_none"
/* Such a span's operation is its span name (the stage: retrieval, a tool, a database call),
 * at most this many bytes. */
#define OTLP_STAGE_MAX 64

/* Fills m with the defaults listed above. */
void otlp_map_default(otlp_map_t *m);

typedef struct otlp_dec_s otlp_dec_t;

/* Creates a decoder. m may be NULL (defaults). Returns NULL and fills errstr on failure.
 * One decoder per thread: a decoder is not thread-safe (it owns the scratch space). */
otlp_dec_t *otlp_dec_new(const otlp_map_t *m, char *errstr, size_t errstr_size);
/* Frees the decoder. Accepts NULL. */
void otlp_dec_destroy(otlp_dec_t *d);

/* Called once per emitted span. The span and every string in it are valid only during the
 * call: strings point into the input payload or into the decoder's scratch space, which the
 * next decode call reuses. Return 0 to continue; any other value stops decoding and is returned. */
typedef int (*otlp_span_cb)(void *ctx, span_t *s);

/* Counters, added to (never reset) by the decode functions; a record that fails adds nothing. */
typedef struct otlp_stats_s {
    uint64_t spans_seen;            /* every span in the request */
    uint64_t spans_emitted;         /* passed to the callback */
    uint64_t spans_skipped_non_llm; /* no gen_ai.* / llm.* attribute and keep_all == 0 */
    uint64_t attrs_truncated;       /* unmapped attributes beyond SPAN_MAX_ATTRS, not kept */
    uint64_t attrs_content_skipped; /* prompt/completion text attributes not kept */
    uint64_t values_ignored;        /* mapped attribute with an unusable value (wrong type,
                                       negative or too large count): kept in attrs instead */
} otlp_stats_t;

/* Decode one serialized ExportTraceServiceRequest (protobuf) / its OTLP/JSON form.
 * All or nothing: the whole record is checked before the first span is emitted, so on an
 * error no span of the record reaches the callback.
 * Returns ERR_OK, a POISON err_t code (ERR_BAD_PROTOBUF, ERR_JSON_SYNTAX, ERR_TOO_DEEP,
 * ERR_BAD_UTF8, ERR_WRONG_TYPE, ERR_DUP_FIELD, ERR_EMPTY) with a one-line detail, ERR_NOMEM,
 * or the callback's non-zero return value. st and detail may be NULL. */
int otlp_proto_decode(otlp_dec_t *d, const uint8_t *p, size_t n, otlp_span_cb cb, void *ctx,
                      otlp_stats_t *st, char *detail, size_t detail_size);
int otlp_json_decode(otlp_dec_t *d, const char *p, size_t n, otlp_span_cb cb, void *ctx,
                     otlp_stats_t *st, char *detail, size_t detail_size);

/* Bounds on hostile input. */
#define OTLP_MAX_DEPTH 16    /* nested AnyValue arrays / kvlists (JSON: any nesting) */
#define OTLP_MAX_ID_BYTES 32 /* trace/span ids longer than this are malformed */

#endif
