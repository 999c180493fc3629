/* outcome: flat JSON decoder and validator for business-outcome records (see outcome.h).
 *
 * Same structure as eval.c: a field table (canonical names and aliases), fjson.c scanning,
 * err.h reason codes naming the canonical field. Values are converted exactly to nano-units
 * by jspan_parse_decimal_nano (numbers or numeric strings), never through a double. */
#include "outcome.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fjson.h"
#include "json_span.h"

struct outcome_dec_s {
    fjson_dec_t f;
};

void outcome_reset(outcome_t *o) { memset(o, 0, sizeof(*o)); }

typedef enum { OK_STR, OK_TS, OK_VALUE, OK_CURRENCY } okind_t;

/* clang-format off */
#define OF_MAP(X)           \
    X(TS, "timestamp")      \
    X(TRACE, "trace_id")    \
    X(SPAN, "span_id")      \
    X(EVENT, "event")       \
    X(VALUE, "value")       \
    X(CURRENCY, "currency")
/* clang-format on */

enum {
#define OF_ENUM_(id, name) OF_##id,
    OF_MAP(OF_ENUM_)
#undef OF_ENUM_
        OF__COUNT
};
static const char *const of_names[] = {
#define OF_NAME_(id, name) name,
    OF_MAP(OF_NAME_)
#undef OF_NAME_
};

#define OO(f) ((uint16_t)offsetof(outcome_t, f))
/* kind: okind_t; canon: OF_*; off: the span_str_t member for OK_STR/OK_CURRENCY. */
static const fjson_field_t ofields[] = {
    {"timestamp", 9, OK_TS, OF_TS, 0},
    {"ts", 2, OK_TS, OF_TS, 0},
    {"time", 4, OK_TS, OF_TS, 0},
    {"timestamp_ms", 12, OK_TS, OF_TS, 0},
    {"trace_id", 8, OK_STR, OF_TRACE, OO(trace_id)},
    {"traceId", 7, OK_STR, OF_TRACE, OO(trace_id)},
    {"span_id", 7, OK_STR, OF_SPAN, OO(span_id)},
    {"spanId", 6, OK_STR, OF_SPAN, OO(span_id)},
    {"event", 5, OK_STR, OF_EVENT, OO(event)},
    {"event_name", 10, OK_STR, OF_EVENT, OO(event)},
    {"outcome", 7, OK_STR, OF_EVENT, OO(event)},
    {"value", 5, OK_VALUE, OF_VALUE, 0},
    {"amount", 6, OK_VALUE, OF_VALUE, 0},
    {"currency", 8, OK_CURRENCY, OF_CURRENCY, OO(currency)},
};
static const size_t n_ofields = sizeof(ofields) / sizeof(ofields[0]);

outcome_dec_t *outcome_dec_new(size_t max_message_bytes, char *errstr, size_t errstr_size) {
    outcome_dec_t *d = calloc(1, sizeof(*d));
    if (!d || fjson_dec_init(&d->f, max_message_bytes, ofields, n_ofields) != 0) goto err;
    return d;
err:
    if (errstr && errstr_size) snprintf(errstr, errstr_size, "outcome decoder: out of memory");
    outcome_dec_destroy(d);
    return NULL;
}

void outcome_dec_destroy(outcome_dec_t *d) {
    if (!d) return;
    fjson_dec_deinit(&d->f);
    free(d);
}

int outcome_dec_owns(const outcome_dec_t *d, const void *p, size_t n) {
    return fjson_dec_owns(&d->f, p, n);
}

static int ofail(const char **field, const char *name, int code) {
    if (field) *field = name;
    return code;
}

/* Exact signed decimal -> nano-units: jspan_parse_decimal_nano() takes non-negative values. */
static int value_nano(span_str_t v, int64_t *nano) {
    int neg = v.n > 0 && v.p[0] == '-';
    if (neg && (v.n < 2 || v.p[1] == '-')) return ERR_WRONG_TYPE;
    int rc = jspan_parse_decimal_nano(v.p + neg, v.n - (size_t)neg, nano);
    if (rc != ERR_OK) return rc;
    if (neg) *nano = -*nano;
    return ERR_OK;
}

int outcome_decode(outcome_dec_t *d, const char *payload, size_t len, outcome_t *o,
                   const char **field) {
    fjson_t j;
    fjson_member_t m;
    uint32_t seen = 0;
    int done = 0, rc;
    outcome_reset(o);
    if (field) *field = NULL;
    if (len > d->f.max) return ERR_OVERSIZED;
    if ((rc = fjson_begin(&j, payload, len, d->f.scratch, d->f.scratch_size)) != ERR_OK) return rc;
    for (;;) {
        if ((rc = fjson_next(&j, &m, &done)) != ERR_OK) return rc;
        if (done) break;
        const fjson_field_t *f = fjson_dec_field(&d->f, m.key);
        if (!f) continue; /* unknown fields are ignored (documented) */
        const char *fname = of_names[f->canon];
        if (seen & (1u << f->canon)) return ofail(field, fname, ERR_DUP_FIELD);
        seen |= 1u << f->canon;
        if (m.type == FJSON_NULL) continue;
        switch ((okind_t)f->kind) {
        case OK_STR:
        case OK_CURRENCY:
            if (m.type != FJSON_STR) return ofail(field, fname, ERR_WRONG_TYPE);
            if (f->kind == OK_CURRENCY && m.val.n > OUTCOME_CURRENCY_MAX)
                return ofail(field, fname, ERR_STRING_TOO_LONG);
            *(span_str_t *)((char *)o + f->off) = m.val;
            break;
        case OK_TS:
            if ((rc = fjson_timestamp(&m, &o->ts_ms)) != ERR_OK) return ofail(field, fname, rc);
            o->present |= OUTCOME_HAS_TS;
            break;
        case OK_VALUE:
            /* A number, or a string holding one (exact money often travels as a string). */
            if (m.type != FJSON_NUM && m.type != FJSON_STR)
                return ofail(field, fname, ERR_WRONG_TYPE);
            if ((rc = value_nano(m.val, &o->value_nano)) != ERR_OK) return ofail(field, fname, rc);
            o->present |= OUTCOME_HAS_VALUE;
            break;
        }
    }
    return ERR_OK;
}

int outcome_validate(const eval_limits_t *lim, const outcome_t *o, int64_t now_ms,
                     const char **field) {
    eval_limits_t def;
    if (!lim) {
        eval_limits_default(&def);
        lim = &def;
    }
    if (field) *field = NULL;
    if (!(o->present & OUTCOME_HAS_TS)) return ofail(field, "timestamp", ERR_MISSING_FIELD);
    if (o->trace_id.n == 0) return ofail(field, "trace_id", ERR_MISSING_FIELD);
    if (o->event.n == 0) return ofail(field, "event", ERR_MISSING_FIELD);
    if (o->ts_ms > now_ms + lim->max_future_ms) return ofail(field, "timestamp", ERR_TS_FUTURE);
    if (o->ts_ms < now_ms - lim->max_past_ms) return ofail(field, "timestamp", ERR_TS_PAST);
    if (o->trace_id.n > lim->max_id_len) return ofail(field, "trace_id", ERR_STRING_TOO_LONG);
    if (o->span_id.n > lim->max_id_len) return ofail(field, "span_id", ERR_STRING_TOO_LONG);
    if (o->event.n > lim->max_dim_len) return ofail(field, "event", ERR_STRING_TOO_LONG);
    return ERR_OK;
}
