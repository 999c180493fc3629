/* validate: semantic checks and defaults for a decoded span, after any decoder (JSON, OTLP).
 *
 * Applies the defaults the contract promises (response_model := model, status from
 * error_class/http_status) and rejects spans that can never be stored correctly, each with a
 * stable err_t reason code (err.h) and the offending field name. It does not parse anything,
 * check UTF-8 (decoders guarantee it), price or enrich. docs/span-format.md lists every rule. */
#ifndef SPANHOUSE_VALIDATE_H
#define SPANHOUSE_VALIDATE_H

#include <stdint.h>

#include "span.h"

typedef struct validate_opts_s {
    int64_t max_future_ms; /* default 5 min */
    int64_t max_past_ms;   /* default 400 days: replays of old topics must pass */
    uint32_t max_id_len;   /* trace/span/request/user/session/api-key ids, default 128 bytes */
    uint32_t max_dim_len;  /* dimension strings and attribute keys, default 256 bytes */
    uint32_t max_attr_len; /* attribute values, default 4096 bytes */
} validate_opts_t;

/* Fills *o with the defaults above. */
void validate_opts_default(validate_opts_t *o);

/* Applies defaults and checks the span (which it may modify: defaults only, slices point at
 * static literals or at existing slices). o may be NULL (defaults). now_ms is the wall clock in
 * Unix epoch ms. Returns ERR_OK or a POISON code; *field (field may be NULL) is set to a static
 * string naming the offending field, or NULL on success. Pure function: thread-safe. */
int validate_span(const validate_opts_t *o, span_t *s, int64_t now_ms, const char **field);

#endif
