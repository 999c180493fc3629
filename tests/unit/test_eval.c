/* Unit tests of the eval decoder, validator and RowBinary encoder (ingest/eval.h,
 * eval_columns.h): every field and alias, every rejection reason, explanation truncation at a
 * UTF-8 boundary, and the encoder's bytes checked one by one against a hand-built row. */
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
#include "../../ingest/eval_columns.h"
#include "../../ingest/fjson.h"
#include "../../ingest/json_span.h"
#include "utf8.h"

#define NOW 1764000000000LL /* 2025-11-24T16:00:00Z */

static eval_dec_t *D;

static int setup(void **st) {
    char err[128];
    D = eval_dec_new(1 << 16, err, sizeof err);
    return D ? 0 : -1;
}
static int teardown(void **st) {
    eval_dec_destroy(D);
    return 0;
}

static int dec(const char *json, eval_t *e, const char **field) {
    return eval_decode(D, json, strlen(json), e, field);
}
/* Decodes and validates. */
static int full(const char *json, eval_t *e, const char **field) {
    int rc = dec(json, e, field);
    return rc ? rc : eval_validate(NULL, e, NOW, field);
}

static void assert_str(span_str_t s, const char *want) {
    if (!span_str_eq(s, want)) fail_msg("got '%.*s' want '%s'", (int)s.n, s.p ? s.p : "", want);
}

static void test_all_fields(void **st) {
    eval_t e;
    const char *f;
    const char *j = "{\"timestamp\":\"2025-11-24T15:59:00.250Z\",\"trace_id\":\"t1\",\"span_id\":\"s1\","
                    "\"evaluator\":\"gpt-4o-judge\",\"evaluator_version\":\"3\",\"metric\":\"groundedness\","
                    "\"score\":0.75,\"label\":\"pass\",\"confidence\":0.5,\"source\":\"llm_judge\","
                    "\"sample_rate\":0.1,\"explanation\":\"cites \\\"doc\\\" \\u00e9\",\"extra\":{\"a\":[1,2]}}";
    assert_int_equal(full(j, &e, &f), ERR_OK);
    assert_null(f);
    assert_int_equal(e.ts_ms, 1763999940250LL);
    assert_str(e.trace_id, "t1");
    assert_str(e.span_id, "s1");
    assert_str(e.evaluator, "gpt-4o-judge");
    assert_str(e.evaluator_version, "3");
    assert_str(e.metric, "groundedness");
    assert_true(e.present & EVAL_HAS_SCORE);
    assert_true(e.score == 0.75);
    assert_str(e.label, "pass");
    assert_true(e.present & EVAL_HAS_CONFIDENCE);
    assert_true(e.confidence == 0.5f);
    assert_str(e.source, "llm_judge");
    assert_true(e.sample_rate == 0.1);
    assert_str(e.explanation, "cites \"doc\" \xc3\xa9");
    assert_true(eval_dec_owns(D, e.explanation.p, e.explanation.n));
    assert_false(eval_dec_owns(D, e.trace_id.p, e.trace_id.n));
    assert_int_equal(e.explanation_truncated, 0);
}

static void test_defaults_and_aliases(void **st) {
    eval_t e;
    const char *f;
    /* Minimal record: span_id absent (whole trace), no score, sample_rate 1. */
    assert_int_equal(full("{\"ts\":1763999940,\"traceId\":\"t\",\"metric\":\"m\"}", &e, &f), ERR_OK);
    assert_int_equal(e.ts_ms, 1763999940000LL);
    assert_int_equal(e.span_id.n, 0);
    assert_false(e.present & (EVAL_HAS_SCORE | EVAL_HAS_CONFIDENCE | EVAL_HAS_SAMPLE_RATE));
    assert_true(e.sample_rate == 1.0);
    /* OpenTelemetry GenAI names, epoch ms, null = not sent, boolean score. */
    assert_int_equal(full("{\"time\":1763999940123,\"trace_id\":\"t\",\"spanId\":\"s\","
                          "\"gen_ai.evaluation.name\":\"relevance\",\"gen_ai.evaluation.score.value\":0.5,"
                          "\"gen_ai.evaluation.score.label\":\"relevant\","
                          "\"gen_ai.evaluation.explanation\":\"ok\",\"label\":null}",
                          &e, &f),
                     ERR_DUP_FIELD);
    assert_string_equal(f, "label");
    assert_int_equal(full("{\"time\":1763999940123,\"trace_id\":\"t\",\"spanId\":\"s\","
                          "\"gen_ai.evaluation.name\":\"relevance\",\"gen_ai.evaluation.score.value\":0.5,"
                          "\"gen_ai.evaluation.score.label\":\"relevant\","
                          "\"gen_ai.evaluation.explanation\":\"ok\",\"confidence\":null}",
                          &e, &f),
                     ERR_OK);
    assert_int_equal(e.ts_ms, 1763999940123LL);
    assert_str(e.metric, "relevance");
    assert_str(e.label, "relevant");
    assert_str(e.explanation, "ok");
    assert_false(e.present & EVAL_HAS_CONFIDENCE);
    assert_int_equal(full("{\"timestamp_ms\":1763999940123000,\"trace_id\":\"t\",\"metric\":\"json_valid\","
                          "\"score\":true}",
                          &e, &f),
                     ERR_OK);
    assert_int_equal(e.ts_ms, 1763999940123LL); /* microseconds by magnitude */
    assert_true(e.score == 1.0);
    assert_int_equal(full("{\"timestamp\":1763999940123456789,\"trace_id\":\"t\",\"metric\":\"j\",\"score\":false}",
                          &e, &f),
                     ERR_OK);
    assert_int_equal(e.ts_ms, 1763999940123LL); /* nanoseconds */
    assert_true(e.score == 0.0 && (e.present & EVAL_HAS_SCORE));
    const char *srcs[] = {"heuristic", "human", "user_feedback", ""};
    for (int i = 0; i < 4; i++) {
        char j[160];
        snprintf(j, sizeof j, "{\"ts\":1763999940,\"trace_id\":\"t\",\"metric\":\"m\",\"source\":\"%s\"}", srcs[i]);
        assert_int_equal(full(j, &e, &f), ERR_OK);
        assert_str(e.source, srcs[i]);
    }
}

typedef struct {
    const char *json;
    int code;
    const char *field;
} reject_t;

static void test_rejections(void **st) {
    static const reject_t cases[] = {
        {"", ERR_EMPTY, NULL},
        {"  \n", ERR_EMPTY, NULL},
        {"[1]", ERR_NOT_OBJECT, NULL},
        {"{\"trace_id\":\"t\"", ERR_JSON_SYNTAX, NULL},
        {"{\"trace_id\":\"t\"} x", ERR_JSON_SYNTAX, NULL},
        {"{\"trace_id\":\"t\",}", ERR_JSON_SYNTAX, NULL},
        {"{\"trace_id\":\"t\\q\"}", ERR_JSON_SYNTAX, NULL},
        {"{\"trace_id\":\"a\x01\"}", ERR_JSON_SYNTAX, NULL},
        {"{\"score\":01}", ERR_JSON_SYNTAX, NULL},
        {"{\"score\":1.}", ERR_JSON_SYNTAX, NULL},
        {"{\"score\":tru}", ERR_JSON_SYNTAX, NULL},
        {"{\"trace_id\":\"\xff\"}", ERR_BAD_UTF8, NULL},
        {"{\"trace_id\":\"\xc0\xaf\"}", ERR_BAD_UTF8, NULL},
        {"{\"trace_id\":\"\\ud800\"}", ERR_BAD_UTF8, NULL},
        {"{\"trace_id\":\"a\\n\xe2\x82\"}", ERR_BAD_UTF8, NULL}, /* escape + truncated sequence */
        {"{\"trace_id\":\"\\u00e9\xe2\x82\xac\\ud83d\\ude80\",\"metric\":\"m\",\"ts\":1763999940}", ERR_OK, NULL},
        {"{\"x\":[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]}", ERR_TOO_DEEP, NULL},
        {"{\"trace_id\":\"a\",\"traceId\":\"b\"}", ERR_DUP_FIELD, "trace_id"},
        {"{\"trace_id\":1}", ERR_WRONG_TYPE, "trace_id"},
        {"{\"metric\":[\"m\"]}", ERR_WRONG_TYPE, "metric"},
        {"{\"score\":\"0.5\"}", ERR_WRONG_TYPE, "score"},
        {"{\"confidence\":true}", ERR_WRONG_TYPE, "confidence"},
        {"{\"sample_rate\":\"1\"}", ERR_WRONG_TYPE, "sample_rate"},
        {"{\"timestamp\":true}", ERR_WRONG_TYPE, "timestamp"},
        {"{\"explanation\":5}", ERR_WRONG_TYPE, "explanation"},
        {"{\"score\":1e7}", ERR_OUT_OF_RANGE, "score"},
        {"{\"score\":-1e7}", ERR_OUT_OF_RANGE, "score"},
        {"{\"score\":1e999}", ERR_OUT_OF_RANGE, "score"},
        {"{\"confidence\":1.01}", ERR_OUT_OF_RANGE, "confidence"},
        {"{\"confidence\":-0.1}", ERR_OUT_OF_RANGE, "confidence"},
        {"{\"sample_rate\":0}", ERR_OUT_OF_RANGE, "sample_rate"},
        {"{\"sample_rate\":1.5}", ERR_OUT_OF_RANGE, "sample_rate"},
        {"{\"sample_rate\":-0.5}", ERR_OUT_OF_RANGE, "sample_rate"},
        {"{\"source\":\"robot\"}", ERR_BAD_ENUM, "source"},
        {"{\"timestamp\":\"yesterday\"}", ERR_BAD_TIMESTAMP, "timestamp"},
        {"{\"timestamp\":-5}", ERR_BAD_TIMESTAMP, "timestamp"},
        {"{\"timestamp\":1.7e9}", ERR_BAD_TIMESTAMP, "timestamp"},
        /* validation */
        {"{\"trace_id\":\"t\",\"metric\":\"m\"}", ERR_MISSING_FIELD, "timestamp"},
        {"{\"ts\":1763999940,\"metric\":\"m\"}", ERR_MISSING_FIELD, "trace_id"},
        {"{\"ts\":1763999940,\"trace_id\":\"\",\"metric\":\"m\"}", ERR_MISSING_FIELD, "trace_id"},
        {"{\"ts\":1763999940,\"trace_id\":\"t\"}", ERR_MISSING_FIELD, "metric"},
        {"{\"ts\":1764000400,\"trace_id\":\"t\",\"metric\":\"m\"}", ERR_TS_FUTURE, "timestamp"},
        {"{\"ts\":1700000000,\"trace_id\":\"t\",\"metric\":\"m\"}", ERR_TS_PAST, "timestamp"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        eval_t e;
        const char *f = "unset";
        int rc = full(cases[i].json, &e, &f);
        if (rc != cases[i].code || (cases[i].field ? !f || strcmp(f, cases[i].field) : f != NULL))
            fail_msg("case %zu %s: got %s field %s, want %s field %s", i, cases[i].json,
                     err_name(rc), f ? f : "(null)", err_name(cases[i].code),
                     cases[i].field ? cases[i].field : "(null)");
    }
    eval_t e;
    const char *f;
    char *big = malloc((1 << 16) + 2);
    memset(big, ' ', (1 << 16) + 1);
    big[0] = '{';
    big[1 << 16] = '}';
    assert_int_equal(eval_decode(D, big, (1 << 16) + 1, &e, &f), ERR_OVERSIZED);
    free(big);
}

static void test_lengths(void **st) {
    eval_t e;
    const char *f;
    char j[1024], id[200], dim[300];
    memset(id, 'i', 129);
    id[129] = 0;
    memset(dim, 'd', 257);
    dim[257] = 0;
    const char *idf[] = {"trace_id", "span_id"};
    for (int i = 0; i < 2; i++) {
        snprintf(j, sizeof j, "{\"ts\":1763999940,\"trace_id\":\"t\",\"metric\":\"m\",\"%s\":\"%s\"}", idf[i], id);
        if (i == 0) snprintf(j, sizeof j, "{\"ts\":1763999940,\"trace_id\":\"%s\",\"metric\":\"m\"}", id);
        assert_int_equal(full(j, &e, &f), ERR_STRING_TOO_LONG);
        assert_string_equal(f, idf[i]);
    }
    const char *dims[] = {"evaluator", "evaluator_version", "label", "metric"};
    for (int i = 0; i < 4; i++) {
        if (i == 3)
            snprintf(j, sizeof j, "{\"ts\":1763999940,\"trace_id\":\"t\",\"metric\":\"%s\"}", dim);
        else
            snprintf(j, sizeof j, "{\"ts\":1763999940,\"trace_id\":\"t\",\"metric\":\"m\",\"%s\":\"%s\"}", dims[i], dim);
        assert_int_equal(full(j, &e, &f), ERR_STRING_TOO_LONG);
        assert_string_equal(f, dims[i]);
    }
    /* At the limit passes. */
    id[128] = 0;
    snprintf(j, sizeof j, "{\"ts\":1763999940,\"trace_id\":\"%s\",\"metric\":\"m\"}", id);
    assert_int_equal(full(j, &e, &f), ERR_OK);
}

static void test_explanation_truncation(void **st) {
    eval_t e;
    const char *f;
    size_t n = EVAL_EXPLANATION_MAX + 100;
    char *j = malloc(n + 200), *p = j;
    p += sprintf(p, "{\"ts\":1763999940,\"trace_id\":\"t\",\"metric\":\"m\",\"explanation\":\"");
    /* 2047 ASCII bytes then a 3-byte character spanning the 2048-byte bound. */
    memset(p, 'a', EVAL_EXPLANATION_MAX - 1);
    p += EVAL_EXPLANATION_MAX - 1;
    memcpy(p, "\xe2\x82\xac", 3); /* € */
    p += 3;
    memset(p, 'b', 50);
    p += 50;
    p += sprintf(p, "\"}");
    assert_int_equal(full(j, &e, &f), ERR_OK);
    assert_int_equal(e.explanation.n, EVAL_EXPLANATION_MAX - 1);
    assert_int_equal(e.explanation_truncated, 1);
    assert_true(utf8_valid(e.explanation.p, e.explanation.n));
    /* Exactly at the bound: kept whole. */
    p = j + sprintf(j, "{\"ts\":1763999940,\"trace_id\":\"t\",\"metric\":\"m\",\"explanation\":\"");
    memset(p, 'a', EVAL_EXPLANATION_MAX);
    strcpy(p + EVAL_EXPLANATION_MAX, "\"}");
    assert_int_equal(full(j, &e, &f), ERR_OK);
    assert_int_equal(e.explanation.n, EVAL_EXPLANATION_MAX);
    assert_int_equal(e.explanation_truncated, 0);
    free(j);
    /* The helper itself: 4-byte character cut in each position. */
    const char *s = "ab\xf0\x9f\x98\x80";
    for (size_t max = 2; max < 6; max++) assert_int_equal(fjson_utf8_prefix(s, 6, max), 2);
    assert_int_equal(fjson_utf8_prefix(s, 6, 6), 6);
    assert_int_equal(fjson_utf8_prefix(s, 6, 1), 1);
}

/* Expected bytes, built field by field. */
static void put(uint8_t **w, const void *p, size_t n) {
    memcpy(*w, p, n);
    *w += n;
}
static void put_s(uint8_t **w, const char *s) {
    uint8_t n = (uint8_t)strlen(s);
    put(w, &n, 1);
    put(w, s, n);
}

static void test_encode_bytes(void **st) {
    eval_t e;
    const char *f;
    assert_int_equal(full("{\"timestamp\":1763999940250,\"trace_id\":\"t1\",\"span_id\":\"s1\",\"response_id\":\"r1\",\"evaluator\":\"j\","
                          "\"evaluator_version\":\"v\",\"metric\":\"m\",\"score\":0.75,\"label\":\"pass\","
                          "\"confidence\":0.5,\"source\":\"human\",\"sample_rate\":0.25,\"explanation\":\"x\"}",
                          &e, &f),
                     ERR_OK);
    e.kafka_topic = SPAN_STR_LIT("llm.evals");
    e.kafka_partition = 3;
    e.kafka_offset = 42;
    e.ingested_ms = 1764000000001LL;
    buf_t b;
    buf_init(&b, 0);
    eval_encode(&b, &e);
    uint8_t want[256], *w = want;
    int64_t i64 = 1763999940250LL;
    put(&w, &i64, 8);
    put_s(&w, "t1");
    put_s(&w, "s1");
    put_s(&w, "r1");
    put_s(&w, "j");
    put_s(&w, "v");
    put_s(&w, "m");
    uint8_t z = 0, one = 1;
    double d = 0.75;
    put(&w, &z, 1);
    put(&w, &d, 8);
    put_s(&w, "pass");
    float fl = 0.5f;
    put(&w, &z, 1);
    put(&w, &fl, 4);
    put_s(&w, "human");
    d = 0.25;
    put(&w, &d, 8);
    put_s(&w, "x");
    put(&w, &z, 1);
    put_s(&w, "llm.evals");
    int32_t i32 = 3;
    put(&w, &i32, 4);
    i64 = 42;
    put(&w, &i64, 8);
    i64 = 1764000000001LL;
    put(&w, &i64, 8);
    assert_int_equal(buf_error(&b), 0);
    assert_int_equal(b.len, (size_t)(w - want));
    assert_memory_equal(b.data, want, b.len);
    /* Absent score and confidence are NULLs (one byte each). */
    size_t full_len = b.len;
    buf_reset(&b);
    e.present &= ~(uint32_t)(EVAL_HAS_SCORE | EVAL_HAS_CONFIDENCE);
    eval_encode(&b, &e);
    assert_int_equal(b.len, full_len - 8 - 4);
    assert_int_equal(b.data[8 + 3 + 3 + 3 + 2 + 2 + 2], one);
    /* A capped buffer keeps nothing of a row that does not fit. */
    buf_t small;
    buf_init(&small, 20);
    eval_encode(&small, &e);
    assert_int_equal(small.len, 0);
    assert_int_equal(buf_error(&small), ERR_BUF_CAP);
    buf_deinit(&small);
    buf_deinit(&b);
    assert_string_equal(eval_column_list(),
                        "timestamp, trace_id, span_id, response_id, evaluator, evaluator_version, metric, score, "
                        "label, confidence, source, sample_rate, explanation, explanation_truncated, "
                        "kafka_topic, kafka_partition, kafka_offset, ingested_at");
    assert_non_null(strstr(eval_structure(), "score Nullable(Float64), label LowCardinality(String)"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_fields),        cmocka_unit_test(test_defaults_and_aliases),
        cmocka_unit_test(test_rejections),        cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_explanation_truncation), cmocka_unit_test(test_encode_bytes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
