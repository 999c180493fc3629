/* otlp_event: the queue of evaluation rows of one OTLP record and the mapping of
 * gen_ai.evaluation.result event attributes to eval_t (see otlp_event.h).
 *
 * Every mapped attribute is checked as the flat eval decoder checks its JSON field (type,
 * duplicates, UTF-8, range, enum words, explanation truncation); the first problem is the
 * event's reason code. The entries live in one array allocated by otlp_evq_new, so nothing is
 * allocated per event or per attribute. Does not read protobuf or JSON (otlp_logs.c does). */
#include "otlp_event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fjson.h"
#include "jstr.h"
#include "otlp_int.h"
#include "utf8.h"

struct otlp_evq_s {
    otlp_eval_t *ev; /* max entries, allocated once */
    size_t max, n, overflow;
    otlp_eval_t spare; /* what otlp_evq_add returns when full */
    eval_limits_t lim;
    int64_t now_ms;
    char *scratch; /* unescaped JSON strings of the current record */
    size_t scratch_cap, scratch_used;
    otlp_evq_stats_t pending; /* counts of the current record */
};

otlp_evq_t *otlp_evq_new(size_t max_evals, const eval_limits_t *lim, char *errstr,
                         size_t errstr_size) {
    otlp_evq_t *q = NULL;
    if (max_evals == 0) max_evals = OTLP_EVQ_DEFAULT_MAX;
    if (max_evals > OTLP_EVQ_LIMIT) {
        if (errstr && errstr_size)
            snprintf(errstr, errstr_size, "otlp_evq: max_evals %zu above %d", max_evals,
                     OTLP_EVQ_LIMIT);
        return NULL;
    }
    q = calloc(1, sizeof(*q));
    if (!q) goto err;
    q->ev = calloc(max_evals, sizeof(*q->ev));
    if (!q->ev) goto err;
    q->max = max_evals;
    if (lim)
        q->lim = *lim;
    else
        eval_limits_default(&q->lim);
    return q;
err:
    if (errstr && errstr_size) snprintf(errstr, errstr_size, "otlp_evq: out of memory");
    otlp_evq_destroy(q);
    return NULL;
}

void otlp_evq_destroy(otlp_evq_t *q) {
    if (!q) return;
    free(q->ev);
    free(q->scratch);
    free(q);
}

int otlp_evq_begin(otlp_evq_t *q, size_t payload_len, int64_t now_ms) {
    q->n = q->overflow = 0;
    q->scratch_used = 0;
    q->now_ms = now_ms;
    memset(&q->pending, 0, sizeof(q->pending));
    /* Every string is unescaped at most twice (the span hook re-reads a bad event's name). */
    if (payload_len > SIZE_MAX / 2) return ERR_NOMEM;
    payload_len *= 2;
    if (payload_len > q->scratch_cap) {
        size_t cap = q->scratch_cap ? q->scratch_cap : 4096;
        while (cap < payload_len) {
            if (cap > SIZE_MAX / 2) return ERR_NOMEM;
            cap *= 2;
        }
        char *s = realloc(q->scratch, cap);
        if (!s) return ERR_NOMEM;
        q->scratch = s;
        q->scratch_cap = cap;
    }
    return ERR_OK;
}

void otlp_evq_end(otlp_evq_t *q, otlp_evq_stats_t *st) {
    if (!st) return;
    st->events_seen += q->pending.events_seen;
    st->evals_ok += q->pending.evals_ok;
    st->evals_rejected += q->pending.evals_rejected;
    st->events_other += q->pending.events_other;
}

size_t otlp_evq_count(const otlp_evq_t *q) { return q->n; }
const otlp_eval_t *otlp_evq_get(const otlp_evq_t *q, size_t i) {
    return i < q->n ? &q->ev[i] : NULL;
}
size_t otlp_evq_overflow(const otlp_evq_t *q) { return q->overflow; }

char *otlp_evq_scratch(otlp_evq_t *q, size_t n) {
    if (n > q->scratch_cap - q->scratch_used) return NULL;
    char *p = q->scratch + q->scratch_used;
    q->scratch_used += n;
    return p;
}

void otlp_evq_other(otlp_evq_t *q) {
    q->pending.events_seen++;
    q->pending.events_other++;
}

otlp_eval_t *otlp_evq_add(otlp_evq_t *q) {
    otlp_eval_t *ev = q->n < q->max ? &q->ev[q->n] : &q->spare;
    eval_reset(&ev->e);
    ev->response_id = span_str(NULL, 0);
    ev->rc = ERR_OK;
    ev->field = NULL;
    return ev;
}

/* Mapped attributes (bit = duplicate detection). */
enum {
    EA_METRIC,
    EA_SCORE,
    EA_LABEL,
    EA_EXPL,
    EA_RESPONSE,
    EA_EVALUATOR,
    EA_EVERSION,
    EA_SOURCE,
    EA_RATE,
    EA_CONF,
};
typedef struct ea_key_s {
    const char *key;
    uint8_t id, len;
} ea_key_t;
#define EA_(k, id)                                                                                 \
    { k, id, sizeof(k) - 1 }
static const ea_key_t ea_keys[] = {
    EA_("gen_ai.evaluation.name", EA_METRIC),
    EA_("gen_ai.evaluation.score.value", EA_SCORE),
    EA_("gen_ai.evaluation.score.label", EA_LABEL),
    EA_("gen_ai.evaluation.explanation", EA_EXPL),
    EA_("gen_ai.response.id", EA_RESPONSE),
    /* spanhouse extensions (not in the semantic conventions): docs/otel-mapping.md */
    EA_("spanhouse.eval.evaluator", EA_EVALUATOR),
    EA_("spanhouse.eval.evaluator_version", EA_EVERSION),
    EA_("spanhouse.eval.source", EA_SOURCE),
    EA_("spanhouse.eval.sample_rate", EA_RATE),
    EA_("spanhouse.eval.confidence", EA_CONF),
};

void otlp_event_reject(otlp_eval_t *ev, int rc, const char *field) {
    if (ev->rc != ERR_OK) return; /* the first problem is the reason */
    ev->rc = rc;
    ev->field = field;
}

/* A number attribute as a double: int and double values (booleans only if bool_ok). */
static int ev_number(otlp_eval_t *ev, const otlp_evval_t *v, int bool_ok, const char *field,
                     double *out) {
    if (v->kind == OTLP_EV_DBL)
        *out = v->d;
    else if (v->kind == OTLP_EV_INT)
        *out = (double)v->i;
    else if (v->kind == OTLP_EV_BOOL && bool_ok)
        *out = (double)v->i;
    else
        return otlp_event_reject(ev, ERR_WRONG_TYPE, field), 0;
    return 1;
}

int otlp_event_attr(otlp_eval_t *ev, span_str_t key, const otlp_evval_t *v) {
    if (key.n == 10 && memcmp(key.p, "event.name", 10) == 0)
        return v->kind == OTLP_EV_STR && span_str_eq(v->str, OTLP_EVENT_EVAL_NAME);
    /* All mapped keys start "gen_ai." or "spanhouse.": a cheap filter for the rest. */
    if (key.n < 18 || (key.p[0] != 'g' && key.p[0] != 's')) return 0;
    const ea_key_t *k = NULL;
    for (size_t i = 0; i < sizeof(ea_keys) / sizeof(ea_keys[0]); i++)
        if (key.n == ea_keys[i].len && memcmp(key.p, ea_keys[i].key, key.n) == 0) {
            k = &ea_keys[i];
            break;
        }
    if (!k) return 0;
    uint32_t bit = 1u << k->id;
    if (ev->e.present & (bit << 8)) { /* bits 8.. of present: seen (cleared by finish) */
        otlp_event_reject(ev, ERR_DUP_FIELD, k->key);
        return 0;
    }
    ev->e.present |= bit << 8;
    if (v->kind == OTLP_EV_NONE) return 0; /* empty value = not sent */
    double x;
    switch (k->id) {
    case EA_SCORE:
        /* Booleans are scores too (json_valid: true), as in the flat format. */
        if (!ev_number(ev, v, 1, "score", &x)) return 0;
        if (!(x >= -EVAL_SCORE_LIMIT && x <= EVAL_SCORE_LIMIT))
            return otlp_event_reject(ev, ERR_OUT_OF_RANGE, "score"), 0;
        ev->e.score = x;
        ev->e.present |= EVAL_HAS_SCORE;
        return 0;
    case EA_RATE:
        if (!ev_number(ev, v, 0, "sample_rate", &x)) return 0;
        if (!(x > 0.0 && x <= 1.0))
            return otlp_event_reject(ev, ERR_OUT_OF_RANGE, "sample_rate"), 0;
        ev->e.sample_rate = x;
        ev->e.present |= EVAL_HAS_SAMPLE_RATE;
        return 0;
    case EA_CONF:
        if (!ev_number(ev, v, 0, "confidence", &x)) return 0;
        if (!(x >= 0.0 && x <= 1.0))
            return otlp_event_reject(ev, ERR_OUT_OF_RANGE, "confidence"), 0;
        ev->e.confidence = (float)x;
        ev->e.present |= EVAL_HAS_CONFIDENCE;
        return 0;
    default:
        break;
    }
    /* String attributes. */
    static const char *const names[] = {
        [EA_METRIC] = "metric",       [EA_LABEL] = "label",
        [EA_EXPL] = "explanation",    [EA_RESPONSE] = "response_id",
        [EA_EVALUATOR] = "evaluator", [EA_EVERSION] = "evaluator_version",
        [EA_SOURCE] = "source",
    };
    const char *name = names[k->id];
    if (v->kind != OTLP_EV_STR) return otlp_event_reject(ev, ERR_WRONG_TYPE, name), 0;
    if (!utf8_valid(v->str.p, v->str.n)) return otlp_event_reject(ev, ERR_BAD_UTF8, name), 0;
    span_str_t s = v->str;
    switch (k->id) {
    case EA_METRIC:
        ev->e.metric = s;
        break;
    case EA_LABEL:
        ev->e.label = s;
        break;
    case EA_RESPONSE:
        ev->response_id = s;
        ev->e.response_id = s;
        break;
    case EA_EVALUATOR:
        ev->e.evaluator = s;
        break;
    case EA_EVERSION:
        ev->e.evaluator_version = s;
        break;
    case EA_EXPL: {
        size_t n = fjson_utf8_prefix(s.p, s.n, EVAL_EXPLANATION_MAX);
        ev->e.explanation_truncated = n < s.n;
        ev->e.explanation = span_str(s.p, n);
        break;
    }
    case EA_SOURCE:
        if (!(s.n == 0 || span_str_eq(s, "llm_judge") || span_str_eq(s, "heuristic") ||
              span_str_eq(s, "human") || span_str_eq(s, "user_feedback")))
            return otlp_event_reject(ev, ERR_BAD_ENUM, "source"), 0;
        ev->e.source = s;
        break;
    default:
        break;
    }
    return 0;
}

/* One id into out (2 * OTLP_MAX_ID_BYTES bytes); returns its hex length, 0 for an empty or
 * all-zero id (OTLP: "no trace/span"), -1 if malformed. */
static int ev_id(char *out, const uint8_t *p, size_t n, int hex) {
    static const char hx[] = "0123456789abcdef";
    size_t len = 0;
    int nonzero = 0;
    if (hex) {
        if (n % 2 || n > 2 * OTLP_MAX_ID_BYTES) return -1;
        for (size_t i = 0; i < n; i++) {
            int v = jstr_hexval(p[i]);
            if (v < 0) return -1;
            out[len++] = hx[v];
            nonzero |= v;
        }
    } else {
        if (n > OTLP_MAX_ID_BYTES) return -1;
        for (size_t i = 0; i < n; i++) {
            out[len++] = hx[p[i] >> 4];
            out[len++] = hx[p[i] & 15];
            nonzero |= p[i];
        }
    }
    return nonzero ? (int)len : 0;
}

void otlp_event_ids(otlp_eval_t *ev, const uint8_t *trace, size_t tn, const uint8_t *span,
                    size_t sn, int hex) {
    int t = ev_id(ev->trace_hex, trace, tn, hex);
    int s = ev_id(ev->span_hex, span, sn, hex);
    if (t < 0) return otlp_event_reject(ev, ERR_WRONG_TYPE, "trace_id");
    if (s < 0) return otlp_event_reject(ev, ERR_WRONG_TYPE, "span_id");
    ev->e.trace_id = span_str(ev->trace_hex, (size_t)t);
    ev->e.span_id = span_str(ev->span_hex, (size_t)s);
}

void otlp_evq_finish(otlp_evq_t *q, otlp_eval_t *ev, int is_eval, uint64_t ts_ns,
                     span_str_t evaluator, span_str_t evaluator_version) {
    q->pending.events_seen++;
    if (!is_eval) {
        q->pending.events_other++;
        return;
    }
    ev->e.present &= 0xffu; /* drop the seen-attribute bits */
    if (ev == &q->spare) {
        q->overflow++;
        q->pending.evals_rejected++;
        return;
    }
    if (ts_ns) {
        ev->e.ts_ms = (int64_t)(ts_ns / 1000000u);
        ev->e.present |= EVAL_HAS_TS;
    }
    if (ev->e.evaluator.n == 0 && ev->e.evaluator_version.n == 0) {
        ev->e.evaluator = evaluator;
        ev->e.evaluator_version = evaluator_version;
    }
    if (ev->rc == ERR_OK) {
        const char *field = NULL;
        int rc = eval_validate(&q->lim, &ev->e, q->now_ms, &field);
        if (rc != ERR_OK) otlp_event_reject(ev, rc, field);
    }
    if (ev->rc == ERR_OK)
        q->pending.evals_ok++;
    else
        q->pending.evals_rejected++;
    q->n++;
}
