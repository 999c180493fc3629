/* eval: flat JSON decoder and validator for evaluation records (see eval.h).
 *
 * A small field table maps each JSON name (canonical, camelCase alias, or the OpenTelemetry
 * GenAI evaluation attribute) to an eval_t member and a kind; fjson.c does the scanning.
 * Every rejection is an err.h reason code and names the canonical field. No I/O. */
#include "eval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fjson.h"

struct eval_dec_s {
    fjson_dec_t f;
};

void eval_reset(eval_t *e) {
    memset(e, 0, sizeof(*e));
    e->sample_rate = 1.0;
}

typedef enum { EK_STR, EK_TS, EK_SCORE, EK_CONF, EK_RATE, EK_SOURCE, EK_EXPL } ekind_t;

/* Canonical fields (index = duplicate bit and error name). */
/* clang-format off */
#define EF_MAP(X)                    \
    X(TS, "timestamp")               \
    X(TRACE, "trace_id")             \
    X(SPAN, "span_id")               \
    X(RESPONSE, "response_id")       \
    X(EVALUATOR, "evaluator")        \
    X(EVERSION, "evaluator_version") \
    X(METRIC, "metric")              \
    X(SCORE, "score")                \
    X(LABEL, "label")                \
    X(CONF, "confidence")            \
    X(SOURCE, "source")              \
    X(RATE, "sample_rate")           \
    X(EXPL, "explanation")
/* clang-format on */

enum {
#define EF_ENUM_(id, name) EF_##id,
    EF_MAP(EF_ENUM_)
#undef EF_ENUM_
        EF__COUNT
};
static const char *const ef_names[] = {
#define EF_NAME_(id, name) name,
    EF_MAP(EF_NAME_)
#undef EF_NAME_
};

#define EO(f) ((uint16_t)offsetof(eval_t, f))
/* kind: ekind_t; canon: EF_*; off: the span_str_t member for EK_STR. */
static const fjson_field_t efields[] = {
    {"timestamp", 9, EK_TS, EF_TS, 0},
    {"ts", 2, EK_TS, EF_TS, 0},
    {"time", 4, EK_TS, EF_TS, 0},
    {"timestamp_ms", 12, EK_TS, EF_TS, 0},
    {"trace_id", 8, EK_STR, EF_TRACE, EO(trace_id)},
    {"traceId", 7, EK_STR, EF_TRACE, EO(trace_id)},
    {"span_id", 7, EK_STR, EF_SPAN, EO(span_id)},
    {"spanId", 6, EK_STR, EF_SPAN, EO(span_id)},
    {"response_id", 11, EK_STR, EF_RESPONSE, EO(response_id)},
    {"gen_ai.response.id", 18, EK_STR, EF_RESPONSE, EO(response_id)},
    {"evaluator", 9, EK_STR, EF_EVALUATOR, EO(evaluator)},
    {"evaluator_name", 14, EK_STR, EF_EVALUATOR, EO(evaluator)},
    {"evaluator_version", 17, EK_STR, EF_EVERSION, EO(evaluator_version)},
    {"metric", 6, EK_STR, EF_METRIC, EO(metric)},
    {"gen_ai.evaluation.name", 22, EK_STR, EF_METRIC, EO(metric)},
    {"score", 5, EK_SCORE, EF_SCORE, 0},
    {"gen_ai.evaluation.score.value", 29, EK_SCORE, EF_SCORE, 0},
    {"label", 5, EK_STR, EF_LABEL, EO(label)},
    {"gen_ai.evaluation.score.label", 29, EK_STR, EF_LABEL, EO(label)},
    {"confidence", 10, EK_CONF, EF_CONF, 0},
    {"source", 6, EK_SOURCE, EF_SOURCE, EO(source)},
    {"sample_rate", 11, EK_RATE, EF_RATE, 0},
    {"explanation", 11, EK_EXPL, EF_EXPL, 0},
    {"gen_ai.evaluation.explanation", 29, EK_EXPL, EF_EXPL, 0},
};

static const size_t n_efields = sizeof(efields) / sizeof(efields[0]);

eval_dec_t *eval_dec_new(size_t max_message_bytes, char *errstr, size_t errstr_size) {
    eval_dec_t *d = calloc(1, sizeof(*d));
    if (!d || fjson_dec_init(&d->f, max_message_bytes, efields, n_efields) != 0) goto err;
    return d;
err:
    if (errstr && errstr_size) snprintf(errstr, errstr_size, "eval decoder: out of memory");
    eval_dec_destroy(d);
    return NULL;
}

void eval_dec_destroy(eval_dec_t *d) {
    if (!d) return;
    fjson_dec_deinit(&d->f);
    free(d);
}

int eval_dec_owns(const eval_dec_t *d, const void *p, size_t n) {
    return fjson_dec_owns(&d->f, p, n);
}

static const char *const eval_sources[] = {"llm_judge", "heuristic", "human", "user_feedback"};

static int efail(const char **field, const char *name, int code) {
    if (field) *field = name;
    return code;
}

int eval_decode(eval_dec_t *d, const char *payload, size_t len, eval_t *e, const char **field) {
    fjson_t j;
    fjson_member_t m;
    uint32_t seen = 0;
    int done = 0, rc;
    eval_reset(e);
    if (field) *field = NULL;
    if (len > d->f.max) return ERR_OVERSIZED;
    if ((rc = fjson_begin(&j, payload, len, d->f.scratch, d->f.scratch_size)) != ERR_OK) return rc;
    for (;;) {
        if ((rc = fjson_next(&j, &m, &done)) != ERR_OK) return rc;
        if (done) break;
        const fjson_field_t *f = fjson_dec_field(&d->f, m.key);
        if (!f) continue; /* unknown fields are ignored (documented) */
        const char *fname = ef_names[f->canon];
        if (seen & (1u << f->canon)) return efail(field, fname, ERR_DUP_FIELD);
        seen |= 1u << f->canon;
        if (m.type == FJSON_NULL) continue; /* null = not sent */
        double v;
        switch ((ekind_t)f->kind) {
        case EK_STR:
        case EK_SOURCE:
        case EK_EXPL:
            if (m.type != FJSON_STR) return efail(field, fname, ERR_WRONG_TYPE);
            if (f->kind == EK_EXPL) {
                size_t n = fjson_utf8_prefix(m.val.p, m.val.n, EVAL_EXPLANATION_MAX);
                e->explanation_truncated = n < m.val.n;
                e->explanation = span_str(m.val.p, n);
                break;
            }
            if (f->kind == EK_SOURCE) {
                int ok = m.val.n == 0;
                for (size_t i = 0; !ok && i < sizeof(eval_sources) / sizeof(eval_sources[0]); i++)
                    ok = span_str_eq(m.val, eval_sources[i]);
                if (!ok) return efail(field, fname, ERR_BAD_ENUM);
            }
            *(span_str_t *)((char *)e + f->off) = m.val;
            break;
        case EK_TS:
            if ((rc = fjson_timestamp(&m, &e->ts_ms)) != ERR_OK) return efail(field, fname, rc);
            e->present |= EVAL_HAS_TS;
            break;
        case EK_SCORE:
            /* Booleans are scores too (json_valid: true). */
            if (m.type == FJSON_TRUE || m.type == FJSON_FALSE) {
                v = m.type == FJSON_TRUE;
            } else if ((rc = fjson_double(&m, &v)) != ERR_OK) {
                return efail(field, fname, rc);
            }
            if (!(v >= -EVAL_SCORE_LIMIT && v <= EVAL_SCORE_LIMIT))
                return efail(field, fname, ERR_OUT_OF_RANGE);
            e->score = v;
            e->present |= EVAL_HAS_SCORE;
            break;
        case EK_CONF:
            if ((rc = fjson_double(&m, &v)) != ERR_OK) return efail(field, fname, rc);
            if (!(v >= 0.0 && v <= 1.0)) return efail(field, fname, ERR_OUT_OF_RANGE);
            e->confidence = (float)v;
            e->present |= EVAL_HAS_CONFIDENCE;
            break;
        case EK_RATE:
            if ((rc = fjson_double(&m, &v)) != ERR_OK) return efail(field, fname, rc);
            if (!(v > 0.0 && v <= 1.0)) return efail(field, fname, ERR_OUT_OF_RANGE);
            e->sample_rate = v;
            e->present |= EVAL_HAS_SAMPLE_RATE;
            break;
        }
    }
    return ERR_OK;
}

void eval_limits_default(eval_limits_t *o) {
    o->max_future_ms = 5 * 60 * 1000;
    o->max_past_ms = 400LL * 24 * 3600 * 1000;
    o->max_id_len = 128;
    o->max_dim_len = 256;
}

int eval_validate(const eval_limits_t *o, const eval_t *e, int64_t now_ms, const char **field) {
    eval_limits_t def;
    if (!o) {
        eval_limits_default(&def);
        o = &def;
    }
    if (field) *field = NULL;
    if (!(e->present & EVAL_HAS_TS)) return efail(field, "timestamp", ERR_MISSING_FIELD);
    if (e->trace_id.n == 0) return efail(field, "trace_id", ERR_MISSING_FIELD);
    if (e->metric.n == 0) return efail(field, "metric", ERR_MISSING_FIELD);
    if (e->ts_ms > now_ms + o->max_future_ms) return efail(field, "timestamp", ERR_TS_FUTURE);
    if (e->ts_ms < now_ms - o->max_past_ms) return efail(field, "timestamp", ERR_TS_PAST);
#define EV_LEN_(f, lim)                                                                            \
    if (e->f.n > o->lim) return efail(field, #f, ERR_STRING_TOO_LONG);
    EV_LEN_(trace_id, max_id_len)
    EV_LEN_(span_id, max_id_len)
    EV_LEN_(response_id, max_id_len)
    EV_LEN_(evaluator, max_dim_len)
    EV_LEN_(evaluator_version, max_dim_len)
    EV_LEN_(metric, max_dim_len)
    EV_LEN_(label, max_dim_len)
#undef EV_LEN_
    return ERR_OK;
}
