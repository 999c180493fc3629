/* Unit tests for genq: a fixed seed gives exact counts; every record decodes and validates
 * through the worker's own eval/outcome decoders; records come out in time order (late ones
 * after later spans); tier counts match the spans they sample; orphans name no span; evals
 * after the planted regression score the regressed prompt lower; options are checked; the
 * now cap drops records that have not happened yet. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../ingest/err.h"
#include "../../ingest/eval.h"
#include "gen.h"
#include "genq.h"
#include "../../ingest/outcome.h"

#define N_SPANS 20000
#define START_MS 1795478400000LL /* 2026-11-24T00:00:00Z */
#define SPACING 1000             /* 20000 spans = 5.6 hours */
#define EXPECT_EVALS 5959   /* 3800 + 1944 + 188 + 27 orphans */
#define EXPECT_OUTCOMES 1404 /* 541 + 308 + 496 + 59 */
#define EXPECT_LATE 553

typedef struct {
    uint64_t evals, outcomes, by_metric[3], whole_trace, orphans_e, orphans_o, late_1h, out_of_order;
    uint64_t events[4], spans_ok_full, spans_ok;
    double reg_sum[2];  /* faithfulness score sum of doc_summarize: before / after the regression */
    uint64_t reg_n[2];
    int64_t conv_nano;
    uint64_t bytes;
} tally_t;

static char err[256];

/* Span trace ids seen (open addressing on the first 16 hex digits). */
#define SEEN_CAP (1u << 16)
static uint64_t seen[SEEN_CAP];
static uint64_t hex16(const char *p) {
    uint64_t v = 0;
    for (int i = 0; i < 16; i++) v = v * 16 + (uint64_t)(p[i] <= '9' ? p[i] - '0' : p[i] - 'a' + 10);
    return v | 1;
}
static void seen_add(const char *t) {
    uint64_t v = hex16(t);
    for (uint32_t h = (uint32_t)v & (SEEN_CAP - 1);; h = (h + 1) & (SEEN_CAP - 1))
        if (!seen[h] || seen[h] == v) { seen[h] = v; return; }
}
static int seen_has(const char *t, size_t n) {
    if (n < 16) return 0;
    uint64_t v = hex16(t);
    for (uint32_t h = (uint32_t)v & (SEEN_CAP - 1); seen[h]; h = (h + 1) & (SEEN_CAP - 1))
        if (seen[h] == v) return 1;
    return 0;
}

static const char *metrics[3] = {"faithfulness", "helpfulness", "groundedness"};
static const char *events[4] = {"conversion", "thumbs_up", "thumbs_down", "ticket_escalated"};

static void consume(genq_t *q, int64_t until, tally_t *t, int64_t reg_from, int64_t *last_ts,
                    eval_dec_t *ed, outcome_dec_t *od) {
    buf_t b;
    buf_init(&b, 0);
    char key[64];
    int k;
    while ((k = genq_next(q, until, &b, key, sizeof key)) > 0) {
        const char *f;
        t->bytes += b.len;
        int64_t ts;
        if (k == GENQ_EVAL) {
            eval_t e;
            assert_int_equal(eval_decode(ed, (const char *)b.data, b.len, &e, &f), ERR_OK);
            assert_int_equal(eval_validate(NULL, &e, START_MS + 40LL * 86400000, &f), ERR_OK);
            assert_int_equal(e.trace_id.n, strlen(key));
            ts = e.ts_ms;
            t->evals++;
            int m = -1;
            for (int i = 0; i < 3; i++) if (span_str_eq(e.metric, metrics[i])) m = i;
            assert_true(m >= 0);
            assert_true(e.present & EVAL_HAS_SCORE);
            assert_true(e.score >= 0 && e.score <= 1);
            if (!seen_has(e.trace_id.p, e.trace_id.n)) {
                t->orphans_e++;
            } else {
                t->by_metric[m]++;
                if (!e.span_id.n) t->whole_trace++;
            }
            (void)reg_from;
        } else {
            outcome_t o;
            assert_int_equal(k, GENQ_OUTCOME);
            assert_int_equal(outcome_decode(od, (const char *)b.data, b.len, &o, &f), ERR_OK);
            assert_int_equal(outcome_validate(NULL, &o, START_MS + 40LL * 86400000, &f), ERR_OK);
            ts = o.ts_ms;
            t->outcomes++;
            int ev = -1;
            for (int i = 0; i < 4; i++) if (span_str_eq(o.event, events[i])) ev = i;
            assert_true(ev >= 0);
            t->events[ev]++;
            if (ev == 0) {
                assert_true(span_str_eq(o.currency, "USD"));
                assert_true(o.value_nano >= 5000000000LL && o.value_nano <= 250000000000LL);
                t->conv_nano += o.value_nano;
            }
            if (!seen_has(o.trace_id.p, o.trace_id.n)) t->orphans_o++;
        }
        if (ts < *last_ts) t->out_of_order++;
        *last_ts = ts;
        b.len = 0;
    }
    buf_deinit(&b);
}

/* Runs the span generator (regression planted at half the run) with genq fed after each good
 * span, emitting what is due at each span's time, then drains. */
static void run(uint64_t seed, const genq_opts_t *qo, tally_t *t, genq_stats_t *st) {
    memset(t, 0, sizeof *t);
    memset(seen, 0, sizeof seen);
    gen_opts_t go;
    gen_opts_default(&go);
    go.seed = seed;
    go.count = N_SPANS;
    go.start_ms = START_MS;
    go.spacing_ms = SPACING;
    go.regression = 1;
    go.poison_fraction = 0.01;
    gen_t *g = gen_new(&go, err, sizeof err);
    assert_non_null(g);
    genq_t *q = genq_new(qo, err, sizeof err);
    assert_non_null(q);
    eval_dec_t *ed = eval_dec_new(0, err, sizeof err);
    outcome_dec_t *od = outcome_dec_new(0, err, sizeof err);
    assert_non_null(ed);
    assert_non_null(od);
    buf_t b;
    buf_init(&b, 0);
    int poison, r;
    int64_t last_ts = 0, reg_from = START_MS + (int64_t)N_SPANS * SPACING / 2;
    while ((r = gen_next(g, &b, NULL, 0, &poison)) == 1) {
        b.len = 0;
        if (poison) continue;
        span_t s;
        gen_span(g, &s);
        char tid[33];
        memcpy(tid, s.trace_id.p, 32);
        tid[32] = 0;
        seen_add(tid);
        int ok = span_str_eq(s.status, "ok");
        t->spans_ok += ok;
        t->spans_ok_full += ok && span_str_eq(s.feature, "doc_summarize");
        if (ok && span_str_eq(s.feature, "doc_summarize")) {
            int after = s.ts_ms >= reg_from;
            t->reg_sum[after] += gen_quality(g);
            t->reg_n[after]++;
        }
        assert_int_equal(genq_observe(q, g), 0);
        consume(q, s.ts_ms, t, reg_from, &last_ts, ed, od);
    }
    assert_int_equal(r, 0);
    consume(q, INT64_MAX, t, reg_from, &last_ts, ed, od);
    genq_stats(q, st);
    assert_int_equal(st->pending, 0);
    buf_deinit(&b);
    eval_dec_destroy(ed);
    outcome_dec_destroy(od);
    genq_destroy(q);
    gen_destroy(g);
}

static void test_exact_counts_and_invariants(void **state) {
    (void)state;
    genq_opts_t qo;
    genq_opts_default(&qo);
    tally_t t;
    genq_stats_t st;
    run(7, &qo, &t, &st);
    /* Exact for seed 7 / genq seed 4242 (the generators are deterministic; a change of the
     * workload model changes these on purpose, and the invariants below say what must hold). */
    printf("evals %llu (full %llu, 10%% %llu, 1%% %llu, whole trace %llu, orphans %llu) outcomes %llu "
           "(conv %llu up %llu down %llu esc %llu, orphans %llu) late %llu\n",
           (unsigned long long)t.evals, (unsigned long long)t.by_metric[0], (unsigned long long)t.by_metric[1],
           (unsigned long long)t.by_metric[2], (unsigned long long)t.whole_trace, (unsigned long long)t.orphans_e,
           (unsigned long long)t.outcomes, (unsigned long long)t.events[0], (unsigned long long)t.events[1],
           (unsigned long long)t.events[2], (unsigned long long)t.events[3], (unsigned long long)t.orphans_o,
           (unsigned long long)st.late);
    assert_int_equal(t.evals, EXPECT_EVALS);
    assert_int_equal(t.outcomes, EXPECT_OUTCOMES);
    assert_int_equal(st.late, EXPECT_LATE);
    /* The decoders' view agrees with the generator's own statistics. */
    assert_int_equal(t.evals, st.evals);
    assert_int_equal(t.outcomes, st.outcomes);
    assert_int_equal(t.by_metric[0], st.tier[GENQ_TIER_FULL]);
    assert_int_equal(t.by_metric[1], st.tier[GENQ_TIER_10]);
    assert_int_equal(t.by_metric[2], st.tier[GENQ_TIER_1]);
    assert_int_equal(t.orphans_e, st.orphan_evals);
    assert_int_equal(t.orphans_o, st.orphan_outcomes);
    assert_int_equal(t.whole_trace, st.whole_trace);
    assert_int_equal(t.events[0], st.conversions);
    assert_int_equal(t.conv_nano, st.conversion_value_cents * 10000000LL);
    /* Tier 100 %: every good doc_summarize call, exactly. 10 % and 1 %: near their rate. */
    assert_int_equal(t.by_metric[0], t.spans_ok_full);
    assert_true(t.by_metric[1] > t.spans_ok * 0.09 && t.by_metric[1] < t.spans_ok * 0.11);
    assert_true(t.by_metric[2] > t.spans_ok * 0.006 && t.by_metric[2] < t.spans_ok * 0.014);
    assert_true(t.whole_trace > 0 && t.whole_trace < t.by_metric[1]);
    /* Orphans: about 0.1 % of spans each; late records and out-of-order arrival exist. */
    assert_true(t.orphans_e > 5 && t.orphans_e < 45);
    assert_true(t.orphans_o > 5 && t.orphans_o < 45);
    assert_true(st.late > 0);
    assert_true(t.out_of_order == 0); /* emitted in their own time order ... */
    assert_true(t.events[3] > 0 && t.events[0] > 0 && t.events[1] > 0 && t.events[2] > 0);
    /* ... and the planted regression (quality x0.8 after half the run) is in the true quality. */
    assert_true(t.reg_n[0] > 100 && t.reg_n[1] > 100);
    double before = t.reg_sum[0] / t.reg_n[0], after = t.reg_sum[1] / t.reg_n[1];
    assert_true(after < before * 0.85);

    /* Same seed, same bytes; another genq seed, other records. */
    tally_t t2;
    genq_stats_t st2;
    run(7, &qo, &t2, &st2);
    assert_int_equal(t2.bytes, t.bytes);
    assert_int_equal(t2.evals, t.evals);
    qo.seed = 99;
    run(7, &qo, &t2, &st2);
    assert_true(t2.bytes != t.bytes || t2.evals != t.evals);
}

/* Scores follow the span: mean faithfulness score of doc_summarize drops after the regression. */
static void test_regression_in_scores(void **state) {
    (void)state;
    gen_opts_t go;
    gen_opts_default(&go);
    go.seed = 11;
    go.count = 20000;
    go.start_ms = START_MS;
    go.spacing_ms = SPACING;
    go.regression = 1;
    gen_t *g = gen_new(&go, err, sizeof err);
    genq_opts_t qo;
    genq_opts_default(&qo);
    qo.outcomes = 0;
    qo.orphan_fraction = 0;
    genq_t *q = genq_new(&qo, err, sizeof err);
    eval_dec_t *ed = eval_dec_new(0, err, sizeof err);
    assert_non_null(g);
    assert_non_null(q);
    buf_t b;
    buf_init(&b, 0);
    int64_t reg_from = START_MS + 20000LL * SPACING / 2;
    /* spans of doc_summarize by span ts: the eval's span is found by its trace id */
    while (gen_next(g, &b, NULL, 0, NULL) == 1) {
        b.len = 0;
        assert_int_equal(genq_observe(q, g), 0);
    }
    double sum[2] = {0, 0};
    uint64_t n[2] = {0, 0}, outcomes = 0;
    int k;
    while ((k = genq_next(q, INT64_MAX, &b, NULL, 0)) > 0) {
        eval_t e;
        const char *f;
        if (k != GENQ_EVAL) { outcomes++; b.len = 0; continue; }
        assert_int_equal(eval_decode(ed, (const char *)b.data, b.len, &e, &f), ERR_OK);
        if (span_str_eq(e.metric, "faithfulness")) {
            /* tier 100 % judges doc_summarize only, mostly within minutes (3 % hit a backlog of
             * hours): the eval time tells the side, bar those few */
            int after = e.ts_ms >= reg_from + 3600000LL ? 1 : e.ts_ms < reg_from ? 0 : -1;
            if (after >= 0) {
                sum[after] += e.score;
                n[after]++;
            }
        }
        b.len = 0;
    }
    assert_int_equal(outcomes, 0);
    assert_true(n[0] > 100 && n[1] > 50);
    double before = sum[0] / n[0], after = sum[1] / n[1];
    assert_true(before > 0.8 && after < before * 0.85);
    buf_deinit(&b);
    eval_dec_destroy(ed);
    genq_destroy(q);
    gen_destroy(g);
}

static void test_now_cap_and_options(void **state) {
    (void)state;
    genq_opts_t qo;
    genq_opts_default(&qo);
    qo.orphan_fraction = 2;
    assert_null(genq_new(&qo, err, sizeof err));
    assert_non_null(strstr(err, "orphan_fraction"));
    assert_null(genq_new(NULL, err, sizeof err));
    genq_opts_default(&qo);
    /* now = the last span's time: everything scheduled later is dropped, and nothing emitted
     * is later than now. */
    qo.now_ms = START_MS + 2000LL * SPACING;
    genq_t *q = genq_new(&qo, err, sizeof err);
    gen_opts_t go;
    gen_opts_default(&go);
    go.count = 2000;
    go.start_ms = START_MS;
    go.spacing_ms = SPACING;
    gen_t *g = gen_new(&go, err, sizeof err);
    buf_t b;
    buf_init(&b, 0);
    while (gen_next(g, &b, NULL, 0, NULL) == 1) assert_int_equal(genq_observe(q, g), 0);
    eval_dec_t *ed = eval_dec_new(0, err, sizeof err);
    int k;
    b.len = 0;
    while ((k = genq_next(q, INT64_MAX, &b, NULL, 0)) > 0) {
        if (k == GENQ_EVAL) {
            eval_t e;
            const char *f;
            assert_int_equal(eval_decode(ed, (const char *)b.data, b.len, &e, &f), ERR_OK);
            assert_true(e.ts_ms <= qo.now_ms);
        }
        b.len = 0;
    }
    genq_stats_t st;
    genq_stats(q, &st);
    assert_true(st.not_yet > 0); /* the 1 % human tier lags by hours: some are in the future */
    assert_int_equal(genq_next(q, INT64_MAX, &b, NULL, 0), GENQ_NONE);
    buf_deinit(&b);
    eval_dec_destroy(ed);
    genq_destroy(q);
    gen_destroy(g);
    genq_destroy(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_counts_and_invariants),
        cmocka_unit_test(test_regression_in_scores),
        cmocka_unit_test(test_now_cap_and_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
