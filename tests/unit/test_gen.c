/* Unit tests for gen: determinism, option checks, realistic invariants of the workload,
 * agreement between the JSON text and gen_span(), the planted cost spike and quality
 * regression visible in aggregates, and poison messages of each kind at the asked rate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "gen.h"

static char err[256];

static gen_t *mk(uint64_t seed, uint64_t count) {
    gen_opts_t o;
    gen_opts_default(&o);
    o.seed = seed;
    o.count = count;
    gen_t *g = gen_new(&o, err, sizeof err);
    assert_non_null(g);
    return g;
}

static void test_deterministic(void **state) {
    gen_t *a = mk(1, 2000), *b = mk(1, 2000), *c = mk(2, 2000);
    buf_t ba, bb, bc;
    buf_init(&ba, 0);
    buf_init(&bb, 0);
    buf_init(&bc, 0);
    while (gen_next(a, &ba, NULL, 0, NULL) == 1) assert_int_equal(gen_next(b, &bb, NULL, 0, NULL), 1);
    assert_int_equal(gen_next(b, &bb, NULL, 0, NULL), 0);
    assert_int_equal(gen_next(a, &ba, NULL, 0, NULL), 0); /* stays done */
    while (gen_next(c, &bc, NULL, 0, NULL) == 1) {}
    assert_int_equal(gen_produced(a), 2000);
    assert_int_equal(ba.len, bb.len);
    assert_memory_equal(ba.data, bb.data, ba.len);
    assert_true(bc.len != ba.len || memcmp(ba.data, bc.data, ba.len) != 0);
    /* ~500–700 bytes a message on average. */
    assert_in_range(ba.len / 2000, 450, 750);
    /* Stable bytes across machines and versions: a fingerprint of the first run (FNV-1a).
     * If the model is changed on purpose, update it. */
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < ba.len; i++) h = (h ^ ba.data[i]) * 1099511628211ULL;
    printf("fingerprint %016llx over %zu bytes\n", (unsigned long long)h, ba.len);
    assert_int_equal(h, 0x4f66d17ab9dcd632ULL);
    gen_destroy(a);
    gen_destroy(b);
    gen_destroy(c);
    buf_deinit(&ba);
    buf_deinit(&bb);
    buf_deinit(&bc);
}

static void test_bad_options(void **state) {
    gen_opts_t o;
    gen_opts_default(&o);
    o.poison_fraction = 1.5;
    assert_null(gen_new(&o, err, sizeof err));
    assert_string_equal(err, "gen: poison_fraction must be in [0, 1]");
    gen_opts_default(&o);
    o.spike = 1;
    o.spike_tenant = "hooli";
    o.count = 10;
    assert_null(gen_new(&o, err, sizeof err));
    assert_non_null(strstr(err, "spike_tenant"));
    gen_opts_default(&o);
    o.spike = 1; /* count 0 and no window: nothing to spike */
    assert_null(gen_new(&o, err, sizeof err));
    assert_non_null(strstr(err, "empty spike window"));
    gen_opts_default(&o);
    o.regression = 1;
    o.regression_feature = "nope";
    assert_null(gen_new(&o, err, sizeof err));
    gen_opts_default(&o);
    o.regression = 1;
    o.regression_quality_factor = 1.2;
    assert_null(gen_new(&o, err, sizeof err));
    assert_null(gen_new(NULL, err, sizeof err));
    gen_destroy(NULL);
}

/* Returns the unsigned number after "name": in the JSON text, or -1 if absent. */
static long long json_num(const uint8_t *p, size_t n, const char *name) {
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", name);
    const char *hit = memmem(p, n, pat, strlen(pat));
    if (!hit) return -1;
    return strtoll(hit + strlen(pat), NULL, 10);
}
static int json_has_str(const uint8_t *p, size_t n, const char *name, span_str_t v) {
    char pat[256];
    int k = snprintf(pat, sizeof pat, "\"%s\":\"%.*s\"", name, (int)v.n, v.p);
    return memmem(p, n, pat, (size_t)k) != NULL;
}

static void test_realistic(void **state) {
    enum { N = 50000 };
    gen_t *g = mk(3, N);
    buf_t b;
    buf_init(&b, 0);
    static span_t s;
    char key[64];
    int poison;
    size_t no_tenant = 0, errors = 0, hits = 0, streaming = 0, quality = 0, cost_sent = 0, retried_err = 0;
    size_t tenants[4] = {0}, models[6] = {0}, classes[4] = {0};
    static const char *tn[] = {"acme", "globex", "initech", "umbrella"};
    static const char *mn[] = {"gpt-4o", "gpt-4o-mini", "claude-sonnet-4", "claude-3-5-haiku", "gemini-2.0-flash", "llama-3.1-70b"};
    static const char *cn[] = {"rate_limit", "timeout", "server_error", "context_length"};
    int64_t last_ts = 0;
    for (int i = 0; i < N; i++) {
        b.len = 0;
        assert_int_equal(gen_next(g, &b, key, sizeof key, &poison), 1);
        assert_int_equal(poison, 0);
        gen_span(g, &s);
        /* Text and truth agree. */
        assert_int_equal(b.data[0], '{');
        assert_int_equal(b.data[b.len - 1], '}');
        assert_int_equal(strlen(key), 32);
        assert_true(span_str_eq(s.trace_id, key));
        assert_true(json_has_str(b.data, b.len, "trace_id", s.trace_id));
        assert_true(json_has_str(b.data, b.len, "model", s.model));
        if (s.present & SPAN_HAS_TENANT) {
            assert_true(json_has_str(b.data, b.len, "tenant_id", s.tenant_id));
        } else {
            /* Only the API key was sent, and the shipped tenant table knows it. */
            assert_null(memmem(b.data, b.len, "\"tenant_id\"", 11));
            assert_true(json_has_str(b.data, b.len, "api_key_id", s.api_key_id));
            no_tenant++;
        }
        if (s.response_model.n != s.model.n || memcmp(s.response_model.p, s.model.p, s.model.n))
            assert_true(json_has_str(b.data, b.len, "response_model", s.response_model));
        assert_true(json_has_str(b.data, b.len, "feature", s.feature));
        assert_int_equal(json_num(b.data, b.len, "input_tokens"), s.input_tokens);
        assert_int_equal(json_num(b.data, b.len, "output_tokens"), s.output_tokens);
        assert_int_equal(json_num(b.data, b.len, "latency_ms"), s.latency_ms);
        long long cr = json_num(b.data, b.len, "cache_read_tokens");
        assert_int_equal(cr < 0 ? 0 : cr, s.cache_read_tokens);
        /* Invariants. */
        assert_true(s.ts_ms >= last_ts);
        last_ts = s.ts_ms;
        assert_true((uint64_t)s.cache_read_tokens + s.cache_write_tokens <= s.input_tokens);
        assert_true(s.reasoning_tokens <= s.output_tokens);
        if (s.present & SPAN_HAS_TTFT) {
            assert_true(s.streaming);
            assert_true(s.ttft_ms < s.latency_ms);
            streaming++;
        }
        if (s.present & SPAN_HAS_QUALITY) {
            assert_true(s.quality_score >= 0 && s.quality_score <= 1);
            assert_true(s.evaluator.n > 0);
            quality++;
        }
        cost_sent += (s.present & SPAN_HAS_COST) != 0;
        assert_true(s.cost_nusd >= 0);
        if (span_str_eq(s.status, "error")) {
            errors++;
            assert_int_equal(s.output_tokens, 0);
            assert_true(s.http_status >= 400);
            for (int k = 0; k < 4; k++) classes[k] += span_str_eq(s.error_class, cn[k]);
            retried_err += s.retry_count > 0;
        } else {
            assert_true(span_str_eq(s.status, "ok"));
            assert_int_equal(s.error_class.n, 0);
        }
        if (s.cache_hit) {
            hits++;
            assert_int_equal(s.cost_nusd, 0);
            assert_true(s.latency_ms < 200);
        }
        for (int k = 0; k < 4; k++) tenants[k] += span_str_eq(s.tenant_id, tn[k]);
        for (int k = 0; k < 6; k++) models[k] += span_str_eq(s.model, mn[k]);
    }
    assert_in_range(errors * 1000 / N, 20, 50);        /* 2–5% errors */
    assert_in_range(hits * 1000 / N, 150, 250);        /* ~20% response-cache hits */
    assert_in_range(streaming * 100 / N, 30, 60);
    assert_in_range(quality * 100 / N, 40, 70);
    assert_in_range(cost_sent * 100 / N, 25, 35);
    assert_true(retried_err > errors / 2);
    assert_in_range(no_tenant * 1000 / N, 5, 60);
    for (int k = 0; k < 4; k++) assert_true(tenants[k] > N / 20 && classes[k] > 0);
    for (int k = 0; k < 6; k++) assert_true(models[k] > N / 30);
    assert_true(tenants[0] > tenants[3]); /* acme is the big customer */
    gen_destroy(g);
    buf_deinit(&b);
}

static void test_timestamps(void **state) {
    gen_opts_t o;
    gen_opts_default(&o);
    o.count = 4;
    o.spacing_ms = 1;
    o.start_ms = 1709251199999LL; /* 2024-02-29T23:59:59.999Z, a leap day */
    o.ts_format = GEN_TS_MIXED;
    gen_t *g = gen_new(&o, err, sizeof err);
    buf_t b;
    buf_init(&b, 0);
    assert_int_equal(gen_next(g, &b, NULL, 0, NULL), 1);
    assert_memory_equal(b.data, "{\"timestamp\":\"2024-02-29T23:59:59.999Z\"", 39);
    b.len = 0;
    assert_int_equal(gen_next(g, &b, NULL, 0, NULL), 1);
    assert_memory_equal(b.data, "{\"timestamp\":1709251200000,", 27);
    b.len = 0;
    assert_int_equal(gen_next(g, &b, NULL, 0, NULL), 1);
    assert_memory_equal(b.data, "{\"timestamp\":\"2024-03-01T00:00:00.001Z\"", 39);
    gen_destroy(g);
    buf_deinit(&b);
}

/* The spike: the chosen tenant/team/feature costs ×8–10 more per span inside the window
 * than outside, and nobody else changes. */
static void test_spike(void **state) {
    gen_opts_t o;
    gen_opts_default(&o);
    o.count = 200000;
    o.spike = 1;
    gen_t *g = gen_new(&o, err, sizeof err);
    assert_non_null(g);
    int64_t w0 = o.start_ms + (int64_t)(o.count * o.spacing_ms * 6 / 10);
    int64_t w1 = o.start_ms + (int64_t)(o.count * o.spacing_ms * 7 / 10);
    buf_t b;
    buf_init(&b, 0);
    static span_t s;
    double in_cost = 0, out_cost = 0, in_tok = 0, out_tok = 0, other_in = 0, other_out = 0;
    size_t in_n = 0, out_n = 0, other_in_n = 0, other_out_n = 0;
    while (gen_next(g, &b, NULL, 0, NULL) == 1) {
        b.len = 0;
        gen_span(g, &s);
        int inw = s.ts_ms >= w0 && s.ts_ms < w1;
        int target = span_str_eq(s.tenant_id, "globex") && span_str_eq(s.team_id, "support") &&
                     span_str_eq(s.feature, "ticket_triage");
        if (target && s.cache_hit == 0 && span_str_eq(s.status, "ok")) {
            if (inw) {
                in_cost += (double)s.cost_nusd, in_tok += s.input_tokens, in_n++;
            } else {
                out_cost += (double)s.cost_nusd, out_tok += s.input_tokens, out_n++;
            }
        } else if (span_str_eq(s.feature, "ticket_triage") && !target && s.cache_hit == 0) {
            if (inw) other_in += s.input_tokens, other_in_n++;
            else other_out += s.input_tokens, other_out_n++;
        }
    }
    assert_true(in_n > 50 && out_n > 500);
    double cost_ratio = (in_cost / in_n) / (out_cost / out_n);
    double tok_ratio = (in_tok / in_n) / (out_tok / out_n);
    double other_ratio = (other_in / other_in_n) / (other_out / other_out_n);
    printf("spike: cost/span ×%.2f, input tokens/span ×%.2f, others ×%.2f\n", cost_ratio, tok_ratio, other_ratio);
    assert_true(cost_ratio > 6 && cost_ratio < 13);
    assert_true(tok_ratio > 6 && tok_ratio < 13);
    assert_true(other_ratio > 0.8 && other_ratio < 1.25);
    gen_destroy(g);
    buf_deinit(&b);
}

/* The regression: from the chosen time, the feature runs prompt v3 only, quality drops by
 * >= 12% and tokens move by the cost factor; before, v1/v2 only. */
static void test_regression(void **state) {
    gen_opts_t o;
    gen_opts_default(&o);
    o.count = 100000;
    o.regression = 1;
    gen_t *g = gen_new(&o, err, sizeof err);
    int64_t from = o.start_ms + (int64_t)(o.count * o.spacing_ms / 2);
    buf_t b;
    buf_init(&b, 0);
    static span_t s;
    double q0 = 0, q1 = 0, t0 = 0, t1 = 0;
    size_t nq0 = 0, nq1 = 0, n0 = 0, n1 = 0;
    while (gen_next(g, &b, NULL, 0, NULL) == 1) {
        b.len = 0;
        gen_span(g, &s);
        if (!span_str_eq(s.feature, "doc_summarize")) {
            assert_false(span_str_eq(s.prompt_version, "v3"));
            continue;
        }
        int after = s.ts_ms >= from;
        assert_true(after ? span_str_eq(s.prompt_version, "v3")
                          : (span_str_eq(s.prompt_version, "v1") || span_str_eq(s.prompt_version, "v2")));
        if (s.present & SPAN_HAS_QUALITY) {
            if (after) q1 += s.quality_score, nq1++;
            else q0 += s.quality_score, nq0++;
        }
        if (after) t1 += s.input_tokens, n1++;
        else t0 += s.input_tokens, n0++;
    }
    double qdrop = 1 - (q1 / nq1) / (q0 / nq0), tratio = (t1 / n1) / (t0 / n0);
    printf("regression: quality -%.1f%%, input tokens ×%.2f\n", qdrop * 100, tratio);
    assert_true(qdrop >= 0.12);
    assert_true(tratio > 0.5 && tratio < 0.7);
    gen_destroy(g);
    buf_deinit(&b);
}

static void test_poison(void **state) {
    gen_opts_t o;
    gen_opts_default(&o);
    o.count = 20000;
    o.poison_fraction = 0.1;
    gen_t *g = gen_new(&o, err, sizeof err);
    buf_t b;
    buf_init(&b, 0);
    size_t kinds[5] = {0};
    int poison;
    while (1) {
        b.len = 0;
        int rc = gen_next(g, &b, NULL, 0, &poison);
        if (rc == 0) break;
        assert_int_equal(rc, 1);
        assert_in_range(poison, 0, 4);
        kinds[poison]++;
        switch (poison) {
        case GEN_POISON_NONE:
            assert_int_equal(b.data[b.len - 1], '}');
            break;
        case GEN_POISON_TRUNCATED:
            assert_int_equal(b.data[0], '{');
            assert_int_not_equal(b.data[b.len - 1], '}');
            break;
        case GEN_POISON_NEGATIVE:
            assert_non_null(memmem(b.data, b.len, "\"input_tokens\":-", 16));
            break;
        case GEN_POISON_MISSING:
            assert_null(memmem(b.data, b.len, "\"trace_id\"", 10));
            assert_null(memmem(b.data, b.len, "\"model\"", 7));
            assert_null(memmem(b.data, b.len, "\"timestamp\"", 11));
            break;
        case GEN_POISON_NOT_OBJECT:
            assert_int_equal(b.data[0], '[');
            break;
        }
    }
    assert_in_range(kinds[0], 17500, 18500);
    for (int k = 1; k < 5; k++) assert_in_range(kinds[k], 300, 700);
    /* The good messages are the same whatever the poison fraction: poison replaces, it does
     * not shift the stream. */
    gen_destroy(g);
    gen_opts_t o2 = o;
    o2.poison_fraction = 0;
    gen_t *g1 = gen_new(&o, err, sizeof err), *g2 = gen_new(&o2, err, sizeof err);
    buf_t b2;
    buf_init(&b2, 0);
    for (int i = 0; i < 2000; i++) {
        b.len = b2.len = 0;
        gen_next(g1, &b, NULL, 0, &poison);
        gen_next(g2, &b2, NULL, 0, NULL);
        if (!poison) {
            assert_int_equal(b.len, b2.len);
            assert_memory_equal(b.data, b2.data, b.len);
        }
    }
    gen_destroy(g1);
    gen_destroy(g2);
    buf_deinit(&b);
    buf_deinit(&b2);
}

/* A capped output buffer reports -1. */
static void test_buffer_error(void **state) {
    gen_t *g = mk(1, 0);
    buf_t b;
    buf_init(&b, 100);
    assert_int_equal(gen_next(g, &b, NULL, 0, NULL), -1);
    gen_destroy(g);
    buf_deinit(&b);
}

/* Every good message decodes to exactly gen_span()'s truth, and every poison message is
 * rejected with the reason its kind calls for: the generator and the decoder check each other. */
#include "../../ingest/err.h"
#include "../../ingest/json_span.h"
#include "../../ingest/validate.h"

static void assert_str_same(span_str_t a, span_str_t b, const char *what, uint64_t i) {
    if (a.n != b.n || (a.n && memcmp(a.p, b.p, a.n) != 0))
        fail_msg("message %llu: %s decoded as '%.*s', generated '%.*s'", (unsigned long long)i,
                 what, (int)a.n, a.p, (int)b.n, b.p);
}

static void test_decoder_agrees(void **state) {
    gen_opts_t o;
    gen_opts_default(&o);
    o.count = 20000;
    o.seed = 99;
    o.ts_format = GEN_TS_MIXED;
    o.poison_fraction = 0.05;
    o.spike = o.regression = 1;
    o.start_ms = 1764000000000LL;
    gen_t *g = gen_new(&o, err, sizeof err);
    jspan_dec_t *d = jspan_dec_new(NULL, err, sizeof err);
    assert_non_null(d);
    static span_t got, want;
    buf_t b;
    buf_init(&b, 0);
    int poison;
    size_t rejected[5] = {0};
    for (uint64_t i = 0; gen_next(g, &b, NULL, 0, &poison) == 1; i++, b.len = 0) {
        gen_span(g, &want);
        const char *field = NULL;
        int rc = jspan_decode(d, (const char *)b.data, b.len, &got, NULL);
        if (rc == ERR_OK) rc = validate_span(NULL, &got, o.start_ms + 86400000, &field);
        switch (poison) {
        case GEN_POISON_NONE:
            break;
        case GEN_POISON_TRUNCATED:
            assert_int_equal(rc, ERR_JSON_SYNTAX);
            rejected[poison]++;
            continue;
        case GEN_POISON_NEGATIVE:
            assert_int_equal(rc, ERR_NEGATIVE);
            rejected[poison]++;
            continue;
        case GEN_POISON_MISSING:
            assert_int_equal(rc, ERR_MISSING_FIELD);
            rejected[poison]++;
            continue;
        case GEN_POISON_NOT_OBJECT:
            assert_int_equal(rc, ERR_NOT_OBJECT);
            rejected[poison]++;
            continue;
        }
        if (rc != ERR_OK) fail_msg("message %llu rejected (%s, field %s): %.*s", (unsigned long long)i,
                                   err_name(rc), field ? field : "-", (int)b.len, (const char *)b.data);
        assert_int_equal(got.ts_ms, want.ts_ms);
#define SAME_(f) assert_str_same(got.f, want.f, #f, i);
        SAME_(trace_id) SAME_(span_id) SAME_(parent_span_id) SAME_(request_id) SAME_(provider)
        SAME_(model) SAME_(response_model) SAME_(operation) SAME_(endpoint) SAME_(feature)
        SAME_(prompt_template) SAME_(prompt_version) SAME_(user_id) SAME_(session_id)
        SAME_(experiment_id) SAME_(api_key_id) SAME_(service) SAME_(environment)
        SAME_(deploy_version) SAME_(status) SAME_(error_class) SAME_(finish_reason) SAME_(evaluator)
#undef SAME_
        if (want.present & SPAN_HAS_TENANT) {
            assert_str_same(got.tenant_id, want.tenant_id, "tenant_id", i);
            assert_str_same(got.team_id, want.team_id, "team_id", i);
        } else {
            assert_int_equal(got.tenant_id.n, 0);
        }
        assert_int_equal(got.input_tokens, want.input_tokens);
        assert_int_equal(got.output_tokens, want.output_tokens);
        assert_int_equal(got.cache_read_tokens, want.cache_read_tokens);
        assert_int_equal(got.cache_write_tokens, want.cache_write_tokens);
        assert_int_equal(got.reasoning_tokens, want.reasoning_tokens);
        assert_int_equal(got.latency_ms, want.latency_ms);
        assert_int_equal(got.streaming, want.streaming);
        assert_int_equal(got.cache_hit, want.cache_hit);
        assert_int_equal(got.is_batch, want.is_batch);
        assert_int_equal(got.http_status, want.http_status);
        assert_int_equal(got.retry_count, want.retry_count);
        uint32_t bits = SPAN_HAS_TTFT | SPAN_HAS_QUALITY | SPAN_HAS_COST;
        assert_int_equal(got.present & bits, want.present & bits);
        if (want.present & SPAN_HAS_TTFT) assert_int_equal(got.ttft_ms, want.ttft_ms);
        if (want.present & SPAN_HAS_QUALITY) assert_true(got.quality_score == want.quality_score);
        if (want.present & SPAN_HAS_COST) assert_int_equal(got.cost_nusd, want.cost_nusd);
        assert_int_equal(got.n_attrs, want.n_attrs);
        for (uint32_t k = 0; k < want.n_attrs; k++) {
            assert_str_same(got.attrs[k].key, want.attrs[k].key, "attribute key", i);
            assert_str_same(got.attrs[k].val, want.attrs[k].val, "attribute value", i);
        }
    }
    for (int k = 1; k < 5; k++) assert_true(rejected[k] > 100);
    jspan_dec_destroy(d);
    gen_destroy(g);
    buf_deinit(&b);
}

#include "../../ingest/price.h"

/* The generator's own cost (list prices, cache reads/writes, half-price batch rounded half up)
 * equals what the pricing module computes from the shipped schema/pricing.csv for every span
 * that reached a model. Response-cache hits are left out: the generator bills them 0 (no
 * provider call), while price_apply() prices their tokens. */
static void test_cost_matches_pricing(void **state) {
    price_table_t *pt = price_load("schema/pricing.csv", err, sizeof err);
    if (!pt) fail_msg("%s (run from the repository root)", err);
    gen_opts_t o;
    gen_opts_default(&o);
    o.count = 50000;
    o.start_ms = 1764000000000LL;
    o.spike = o.regression = 1;
    gen_t *g = gen_new(&o, err, sizeof err);
    jspan_dec_t *d = jspan_dec_new(NULL, err, sizeof err);
    static span_t got, want;
    buf_t b;
    buf_init(&b, 0);
    size_t compared = 0;
    while (gen_next(g, &b, NULL, 0, NULL) == 1) {
        gen_span(g, &want);
        assert_int_equal(jspan_decode(d, (const char *)b.data, b.len, &got, NULL), ERR_OK);
        assert_int_equal(validate_span(NULL, &got, o.start_ms + 86400000, NULL), ERR_OK);
        b.len = 0;
        if (want.cache_hit) continue;
        got.present &= ~(uint32_t)SPAN_HAS_COST;
        assert_int_equal(price_apply(pt, &got), 1);
        if (got.cost_computed_nusd != want.cost_nusd)
            fail_msg("%.*s: pricing %lld nano-USD, generator %lld", (int)want.model.n, want.model.p,
                     (long long)got.cost_computed_nusd, (long long)want.cost_nusd);
        compared++;
    }
    assert_true(compared > 35000);
    price_destroy(pt);
    jspan_dec_destroy(d);
    gen_destroy(g);
    buf_deinit(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deterministic), cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_realistic),     cmocka_unit_test(test_timestamps),
        cmocka_unit_test(test_spike),         cmocka_unit_test(test_regression),
        cmocka_unit_test(test_poison),        cmocka_unit_test(test_buffer_error),
        cmocka_unit_test(test_decoder_agrees),
        cmocka_unit_test(test_cost_matches_pricing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
