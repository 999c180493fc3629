/* genq: evals and outcomes for generated spans (see genq.h). Each observed span draws its
 * records into a min-heap ordered by (time, sequence); genq_next pops what is due and writes
 * it with the generators' JSON writer (gen_json.h). No I/O, no clock, no global state. */
#include "genq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_json.h"
#include "gen_rng.h"
#include "span.h"

#define GENQ_HOUR 3600000LL

/* The evaluators of each sampling tier. */
typedef struct {
    const char *metric, *evaluator, *version, *source;
    double rate;          /* sample_rate sent, and the share of calls judged */
    const char *rate_txt; /* sample_rate as written (exact decimal) */
    double lag_median_s;  /* lognormal lag of a normal evaluation; 0 = uniform lag_lo..lag_hi */
    int64_t lag_lo_ms, lag_hi_ms;
    double backlog;     /* share delayed by a backlog of 1-6 hours */
    double whole_trace; /* share scoring the whole trace (no span_id) */
} genq_tier_t;

static const genq_tier_t genq_tiers[GENQ_NTIERS] = {
    {"faithfulness", "judge-gpt-4o", "2026-10", "llm_judge", 1.0, "1", 40, 0, 0, 0.03, 0.0},
    {"helpfulness", "judge-gpt-4o-mini", "2026-09", "llm_judge", 0.1, "0.1", 90, 0, 0, 0.05, 0.2},
    {"groundedness", "review-pool-a", "2026.4", "human", 0.01, "0.01", 0, GENQ_HOUR, 24 * GENQ_HOUR,
     0.0, 0.0},
};

static const char *const genq_explanations[] = {
    "The answer follows the retrieved passages and answers the question asked.",
    "One claim about \"pricing\" is not supported by the context.",
    "Partly off topic; misses the second part of the request.",
};

enum { GQ_CONVERSION = 0, GQ_THUMBS_UP, GQ_THUMBS_DOWN, GQ_ESCALATED };
static const char *const genq_events[] = {"conversion", "thumbs_up", "thumbs_down",
                                          "ticket_escalated"};

typedef struct {
    int64_t at_ms, span_ms;
    uint64_t seq;
    char trace_id[33], span_id[17]; /* span_id "" = the whole trace */
    uint8_t kind, what;             /* GENQ_EVAL: tier; GENQ_OUTCOME: GQ_* event */
    uint8_t orphan, expl;
    uint16_t score_milli, conf_milli;
    uint32_t value_cents;
} genq_rec_t;

struct genq_s {
    genq_opts_t o;
    gen_rng_t rng;
    genq_rec_t *heap;
    size_t n, cap;
    uint64_t seq;
    genq_stats_t st;
    span_t span; /* scratch for gen_span */
};

void genq_opts_default(genq_opts_t *o) {
    memset(o, 0, sizeof(*o));
    o->seed = 4242;
    o->evals = o->outcomes = 1;
    o->full_feature = "doc_summarize";
    o->orphan_fraction = 0.001;
}

genq_t *genq_new(const genq_opts_t *o, char *errstr, size_t errstr_size) {
    const char *why = NULL;
    genq_t *q = NULL;
    if (!o)
        why = "no options";
    else if (!(o->orphan_fraction >= 0 && o->orphan_fraction <= 1))
        why = "orphan_fraction must be in [0, 1]";
    else if (o->now_ms < 0)
        why = "now_ms must be >= 0";
    if (why) goto err;
    if (!(q = calloc(1, sizeof(*q)))) {
        why = "out of memory";
        goto err;
    }
    q->o = *o;
    if (!q->o.full_feature) q->o.full_feature = "";
    gen_rng_seed(&q->rng, o->seed);
    return q;
err:
    if (errstr_size) snprintf(errstr, errstr_size, "genq: %s", why);
    free(q);
    return NULL;
}

void genq_destroy(genq_t *q) {
    if (!q) return;
    free(q->heap);
    free(q);
}

static int genq_before(const genq_rec_t *a, const genq_rec_t *b) {
    return a->at_ms < b->at_ms || (a->at_ms == b->at_ms && a->seq < b->seq);
}

/* Schedules r (at_ms, seq filled here): dropped if it happens after now_ms. */
static int genq_push(genq_t *q, genq_rec_t *r) {
    if (q->o.now_ms && r->at_ms > q->o.now_ms) {
        q->st.not_yet++;
        return 0;
    }
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 256;
        genq_rec_t *h = realloc(q->heap, cap * sizeof(*h));
        if (!h) return -1;
        q->heap = h;
        q->cap = cap;
    }
    r->seq = q->seq++;
    size_t i = q->n++;
    while (i > 0 && genq_before(r, &q->heap[(i - 1) / 2])) {
        q->heap[i] = q->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    q->heap[i] = *r;
    return 0;
}

static void genq_pop(genq_t *q, genq_rec_t *out) {
    *out = q->heap[0];
    genq_rec_t last = q->heap[--q->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= q->n) break;
        if (c + 1 < q->n && genq_before(&q->heap[c + 1], &q->heap[c])) c++;
        if (!genq_before(&q->heap[c], &last)) break;
        q->heap[i] = q->heap[c];
        i = c;
    }
    if (q->n) q->heap[i] = last;
}

static uint16_t genq_milli(double v) {
    if (v < 0) v = 0;
    if (v > 1) v = 1;
    return (uint16_t)(v * 1000 + 0.5);
}

static void genq_copy_id(char *dst, size_t cap, span_str_t s) {
    size_t n = s.n < cap - 1 ? s.n : cap - 1;
    memcpy(dst, s.p, n);
    dst[n] = '\0';
}

/* Lag of a normal evaluation of tier t, plus maybe a backlog (ms). */
static int64_t genq_eval_lag(genq_t *q, const genq_tier_t *t) {
    int64_t lag;
    if (t->lag_median_s > 0)
        lag = (int64_t)(gen_rng_lognormal(&q->rng, t->lag_median_s, 1.0) * 1000) + 500;
    else
        lag =
            t->lag_lo_ms + (int64_t)(gen_rng_u01(&q->rng) * (double)(t->lag_hi_ms - t->lag_lo_ms));
    if (t->backlog > 0 && gen_rng_chance(&q->rng, t->backlog))
        lag += GENQ_HOUR + (int64_t)(gen_rng_u01(&q->rng) * 5 * GENQ_HOUR);
    return lag;
}

static int genq_eval(genq_t *q, int tier, const span_t *s, double quality, int orphan) {
    const genq_tier_t *t = &genq_tiers[tier];
    genq_rec_t r;
    memset(&r, 0, sizeof r);
    r.kind = GENQ_EVAL;
    r.what = (uint8_t)tier;
    r.orphan = (uint8_t)orphan;
    r.span_ms = s->ts_ms;
    r.at_ms = s->ts_ms + genq_eval_lag(q, t);
    if (orphan) {
        gen_rng_hex(&q->rng, r.trace_id, 32);
        gen_rng_hex(&q->rng, r.span_id, 16);
    } else {
        genq_copy_id(r.trace_id, sizeof r.trace_id, s->trace_id);
        if (!gen_rng_chance(&q->rng, t->whole_trace))
            genq_copy_id(r.span_id, sizeof r.span_id, s->span_id);
    }
    /* A judge is a noisy measurement of the true quality. */
    r.score_milli = genq_milli(quality + 0.04 * gen_rng_normal(&q->rng));
    r.conf_milli = genq_milli(0.6 + 0.39 * gen_rng_u01(&q->rng));
    r.expl = (uint8_t)(r.score_milli >= 800 ? 0 : r.score_milli >= 650 ? 1 : 2);
    return genq_push(q, &r);
}

static int genq_outcome(genq_t *q, int event, const span_t *s, int64_t lag, int with_span,
                        int orphan) {
    genq_rec_t r;
    memset(&r, 0, sizeof r);
    r.kind = GENQ_OUTCOME;
    r.what = (uint8_t)event;
    r.orphan = (uint8_t)orphan;
    r.span_ms = s->ts_ms;
    r.at_ms = s->ts_ms + lag;
    if (orphan) {
        gen_rng_hex(&q->rng, r.trace_id, 32);
    } else {
        genq_copy_id(r.trace_id, sizeof r.trace_id, s->trace_id);
        if (with_span) genq_copy_id(r.span_id, sizeof r.span_id, s->span_id);
    }
    if (event == GQ_CONVERSION) r.value_cents = 500 + gen_rng_below(&q->rng, 24501);
    return genq_push(q, &r);
}

int genq_observe(genq_t *q, const gen_t *g) {
    span_t *s = &q->span;
    gen_span(g, s);
    double quality = gen_quality(g);
    gen_rng_t *R = &q->rng;
    int ok = span_str_eq(s->status, "ok"), rc = 0;
    /* Draw every decision whatever the options, so evals do not change with --outcomes. */
    int judged[GENQ_NTIERS];
    judged[GENQ_TIER_FULL] = span_str_eq(s->feature, q->o.full_feature);
    double u10 = gen_rng_u01(R), u1 = gen_rng_u01(R);
    judged[GENQ_TIER_10] = u10 < genq_tiers[GENQ_TIER_10].rate;
    judged[GENQ_TIER_1] = u1 < genq_tiers[GENQ_TIER_1].rate;
    double uc = gen_rng_u01(R), uu = gen_rng_u01(R), ud = gen_rng_u01(R), ue = gen_rng_u01(R);
    double uo_e = gen_rng_u01(R), uo_o = gen_rng_u01(R);
    if (q->o.evals && ok)
        for (int t = 0; t < GENQ_NTIERS && rc == 0; t++)
            if (judged[t]) rc = genq_eval(q, t, s, quality, 0);
    if (q->o.outcomes && ok && rc == 0) {
        /* Better answers convert more and annoy less. */
        if (uc < 0.03 * quality / 0.85)
            rc = genq_outcome(q, GQ_CONVERSION, s,
                              (int64_t)(gen_rng_lognormal(R, 1200, 1.2) * 1000), 0, 0);
        if (rc == 0 && uu < 0.02 * quality)
            rc = genq_outcome(q, GQ_THUMBS_UP, s, (int64_t)(gen_rng_lognormal(R, 60, 0.8) * 1000),
                              1, 0);
        double down = 0.01 + (quality < 0.82 ? (0.82 - quality) * 0.4 : 0);
        if (rc == 0 && ud < down)
            rc = genq_outcome(q, GQ_THUMBS_DOWN, s, (int64_t)(gen_rng_lognormal(R, 60, 0.8) * 1000),
                              1, 0);
        int support =
            span_str_eq(s->feature, "chat_assistant") || span_str_eq(s->feature, "ticket_triage");
        if (rc == 0 && support && ue < 0.004 + (quality < 0.8 ? (0.8 - quality) * 0.05 : 0))
            rc = genq_outcome(q, GQ_ESCALATED, s,
                              GENQ_HOUR + (int64_t)(gen_rng_u01(R) * 47 * GENQ_HOUR), 0, 0);
    }
    if (rc == 0 && q->o.evals && uo_e < q->o.orphan_fraction)
        rc = genq_eval(q, GENQ_TIER_10, s, quality, 1);
    if (rc == 0 && q->o.outcomes && uo_o < q->o.orphan_fraction)
        rc = genq_outcome(q, GQ_THUMBS_DOWN, s, (int64_t)(gen_rng_lognormal(R, 60, 0.8) * 1000), 0,
                          1);
    q->st.pending = q->n;
    return rc;
}

static void genq_write(const genq_rec_t *r, buf_t *b) {
    if (r->kind == GENQ_EVAL) {
        const genq_tier_t *t = &genq_tiers[r->what];
        gen_put(b, "{");
        gen_kv_iso_ts(b, "timestamp", r->at_ms, 1);
        gen_kv_str(b, "trace_id", r->trace_id);
        if (r->span_id[0]) gen_kv_str(b, "span_id", r->span_id);
        gen_kv_str(b, "evaluator", t->evaluator);
        gen_kv_str(b, "evaluator_version", t->version);
        gen_kv_str(b, "metric", t->metric);
        gen_kv_fixed(b, "score", r->score_milli, 3);
        gen_kv_str(b, "label", r->score_milli >= 700 ? "pass" : "fail");
        if (strcmp(t->source, "human") != 0) gen_kv_fixed(b, "confidence", r->conf_milli, 3);
        gen_kv_str(b, "source", t->source);
        gen_put(b, ",\"sample_rate\":");
        gen_put(b, t->rate_txt);
        gen_kv_str(b, "explanation", genq_explanations[r->expl]);
        gen_put(b, "}");
        return;
    }
    gen_put(b, "{\"timestamp\":");
    gen_put_u64(b, (uint64_t)r->at_ms);
    gen_kv_str(b, "trace_id", r->trace_id);
    if (r->span_id[0]) gen_kv_str(b, "span_id", r->span_id);
    gen_kv_str(b, "event", genq_events[r->what]);
    if (r->what == GQ_CONVERSION) {
        gen_kv_fixed(b, "value", r->value_cents, 2);
        gen_kv_str(b, "currency", "USD");
    }
    gen_put(b, "}");
}

int genq_next(genq_t *q, int64_t until_ms, buf_t *out, char *key, size_t key_size) {
    if (!q->n || q->heap[0].at_ms > until_ms) return GENQ_NONE;
    genq_rec_t r;
    genq_pop(q, &r);
    q->st.pending = q->n;
    genq_write(&r, out);
    if (key && key_size) snprintf(key, key_size, "%s", r.trace_id);
    if (r.at_ms - r.span_ms > GENQ_HOUR) q->st.late++;
    if (r.kind == GENQ_EVAL) {
        q->st.evals++;
        if (r.orphan)
            q->st.orphan_evals++;
        else
            q->st.tier[r.what]++;
        if (!r.span_id[0]) q->st.whole_trace++;
    } else {
        q->st.outcomes++;
        if (r.orphan) q->st.orphan_outcomes++;
        if (r.what == GQ_CONVERSION) {
            q->st.conversions++;
            q->st.conversion_value_cents += r.value_cents;
        }
    }
    if (buf_error(out)) return -1;
    return r.kind;
}

void genq_stats(const genq_t *q, genq_stats_t *st) { *st = q->st; }
