/* Unit tests of the outcome decoder, validator and RowBinary encoder (ingest/outcome.h,
 * eval_columns.h): every field and alias, exact decimal values (signed, strings, exponents,
 * rounding), every rejection reason, and the encoder's bytes against a hand-built row. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../ingest/err.h"
#include "../../ingest/eval_columns.h"
#include "../../ingest/outcome.h"

#define NOW 1764000000000LL

static outcome_dec_t *D;

static int setup(void **st) {
    char err[128];
    D = outcome_dec_new(4096, err, sizeof err);
    return D ? 0 : -1;
}
static int teardown(void **st) {
    outcome_dec_destroy(D);
    return 0;
}

static int full(const char *json, outcome_t *o, const char **field) {
    int rc = outcome_decode(D, json, strlen(json), o, field);
    return rc ? rc : outcome_validate(NULL, o, NOW, field);
}

static void assert_str(span_str_t s, const char *want) {
    if (!span_str_eq(s, want)) fail_msg("got '%.*s' want '%s'", (int)s.n, s.p ? s.p : "", want);
}

static void test_all_fields(void **st) {
    outcome_t o;
    const char *f;
    assert_int_equal(full("{\"timestamp\":\"2025-11-24T17:59:00+02:00\",\"trace_id\":\"t\\u0031\",\"span_id\":\"s1\","
                          "\"event\":\"conversion\",\"value\":49.99,\"currency\":\"EUR\",\"other\":[1]}",
                          &o, &f),
                     ERR_OK);
    assert_null(f);
    assert_int_equal(o.ts_ms, 1763999940000LL);
    assert_str(o.trace_id, "t1");
    assert_true(outcome_dec_owns(D, o.trace_id.p, o.trace_id.n));
    assert_str(o.span_id, "s1");
    assert_str(o.event, "conversion");
    assert_int_equal(o.value_nano, 49990000000LL);
    assert_true(o.present & OUTCOME_HAS_VALUE);
    assert_str(o.currency, "EUR");
    /* Aliases, no value, no span. */
    assert_int_equal(full("{\"ts\":1763999940,\"traceId\":\"t\",\"outcome\":\"thumbs_down\"}", &o, &f), ERR_OK);
    assert_str(o.event, "thumbs_down");
    assert_int_equal(o.span_id.n, 0);
    assert_false(o.present & OUTCOME_HAS_VALUE);
    assert_int_equal(o.value_nano, 0);
}

static void test_values(void **st) {
    static const struct {
        const char *v;
        int64_t nano;
    } ok[] = {
        {"0", 0},
        {"12", 12000000000LL},
        {"\"19.95\"", 19950000000LL},
        {"-5.5", -5500000000LL},
        {"\"-0.000000001\"", -1},
        {"1.5e2", 150000000000LL},
        {"0.0000000015", 2}, /* half up at the 9th decimal */
        {"999999999.999999999", 999999999999999999LL},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char j[200];
        outcome_t o;
        const char *f;
        snprintf(j, sizeof j, "{\"ts\":1763999940,\"trace_id\":\"t\",\"event\":\"e\",\"amount\":%s}", ok[i].v);
        assert_int_equal(full(j, &o, &f), ERR_OK);
        if (o.value_nano != ok[i].nano) fail_msg("%s: %lld", ok[i].v, (long long)o.value_nano);
    }
}

static void test_rejections(void **st) {
    static const struct {
        const char *json;
        int code;
        const char *field;
    } cases[] = {
        {"", ERR_EMPTY, NULL},
        {"\"x\"", ERR_NOT_OBJECT, NULL},
        {"{\"event\":\"e\"", ERR_JSON_SYNTAX, NULL},
        {"{\"event\" \"e\"}", ERR_JSON_SYNTAX, NULL},
        {"{\"value\":+1}", ERR_JSON_SYNTAX, NULL},
        {"{\"event\":\"\xed\xa0\x80\"}", ERR_BAD_UTF8, NULL},
        {"{\"event\":\"a\",\"event_name\":\"b\"}", ERR_DUP_FIELD, "event"},
        {"{\"value\":1,\"amount\":2}", ERR_DUP_FIELD, "value"},
        {"{\"event\":true}", ERR_WRONG_TYPE, "event"},
        {"{\"currency\":1}", ERR_WRONG_TYPE, "currency"},
        {"{\"value\":true}", ERR_WRONG_TYPE, "value"},
        {"{\"value\":\"ten\"}", ERR_WRONG_TYPE, "value"},
        {"{\"value\":\"--1\"}", ERR_WRONG_TYPE, "value"},
        {"{\"value\":1e9}", ERR_OUT_OF_RANGE, "value"},
        {"{\"value\":-1e12}", ERR_OUT_OF_RANGE, "value"},
        {"{\"currency\":\"ABCDEFGHIJKLMNOPQ\"}", ERR_STRING_TOO_LONG, "currency"},
        {"{\"timestamp\":\"2025-13-01T00:00:00Z\"}", ERR_BAD_TIMESTAMP, "timestamp"},
        {"{\"timestamp\":{}}", ERR_WRONG_TYPE, "timestamp"},
        {"{\"trace_id\":\"t\",\"event\":\"e\"}", ERR_MISSING_FIELD, "timestamp"},
        {"{\"ts\":1763999940,\"event\":\"e\"}", ERR_MISSING_FIELD, "trace_id"},
        {"{\"ts\":1763999940,\"trace_id\":\"t\"}", ERR_MISSING_FIELD, "event"},
        {"{\"ts\":1763999940,\"trace_id\":\"t\",\"event\":\"\"}", ERR_MISSING_FIELD, "event"},
        {"{\"ts\":1764000400,\"trace_id\":\"t\",\"event\":\"e\"}", ERR_TS_FUTURE, "timestamp"},
        {"{\"ts\":1600000000,\"trace_id\":\"t\",\"event\":\"e\"}", ERR_TS_PAST, "timestamp"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        outcome_t o;
        const char *f = "unset";
        int rc = full(cases[i].json, &o, &f);
        if (rc != cases[i].code || (cases[i].field ? !f || strcmp(f, cases[i].field) : f != NULL))
            fail_msg("case %zu %s: got %s field %s, want %s", i, cases[i].json, err_name(rc),
                     f ? f : "(null)", err_name(cases[i].code));
    }
    /* Lengths: ids 128, event 256. */
    char j[1024], s[300];
    outcome_t o;
    const char *f;
    memset(s, 'x', 257);
    s[257] = 0;
    snprintf(j, sizeof j, "{\"ts\":1763999940,\"trace_id\":\"t\",\"event\":\"%s\"}", s);
    assert_int_equal(full(j, &o, &f), ERR_STRING_TOO_LONG);
    assert_string_equal(f, "event");
    s[129] = 0;
    snprintf(j, sizeof j, "{\"ts\":1763999940,\"trace_id\":\"%s\",\"event\":\"e\"}", s);
    assert_int_equal(full(j, &o, &f), ERR_STRING_TOO_LONG);
    assert_string_equal(f, "trace_id");
    snprintf(j, sizeof j, "{\"ts\":1763999940,\"trace_id\":\"t\",\"span_id\":\"%s\",\"event\":\"e\"}", s);
    assert_int_equal(full(j, &o, &f), ERR_STRING_TOO_LONG);
    assert_string_equal(f, "span_id");
    char big[5000];
    memset(big, ' ', sizeof big);
    big[0] = '{';
    big[sizeof big - 1] = '}';
    assert_int_equal(outcome_decode(D, big, sizeof big, &o, &f), ERR_OVERSIZED);
}

static void test_encode_bytes(void **st) {
    outcome_t o;
    const char *f;
    assert_int_equal(full("{\"ts\":1763999940.5,\"trace_id\":\"t\",\"span_id\":\"s\",\"event\":\"refund\","
                          "\"value\":\"-12.5\",\"currency\":\"USD\"}",
                          &o, &f),
                     ERR_OK);
    o.kafka_topic = SPAN_STR_LIT("o");
    o.kafka_partition = -1;
    o.kafka_offset = 7;
    o.ingested_ms = 5;
    buf_t b;
    buf_init(&b, 0);
    outcome_encode(&b, &o);
    static const uint8_t want[] = {
        0x94, 0xff, 0x96, 0xb6, 0x9a, 0x01, 0x00, 0x00, /* 1763999940500 LE */
        1, 't', 1, 's', 6, 'r', 'e', 'f', 'u', 'n', 'd',
        0x00, 0x23, 0xf1, 0x16, 0xfd, 0xff, 0xff, 0xff, /* -12500000000 LE */
        3, 'U', 'S', 'D', 1, 'o',
        0xff, 0xff, 0xff, 0xff,                         /* -1 */
        7, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0,
    };
    int64_t ts = 1763999940500LL, v = -12500000000LL;
    assert_memory_equal(want, &ts, 8);
    assert_memory_equal(want + 19, &v, 8);
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);
    buf_deinit(&b);
    assert_string_equal(outcome_column_list(), "timestamp, trace_id, span_id, event, value, currency, "
                                               "kafka_topic, kafka_partition, kafka_offset, ingested_at");
    assert_string_equal(outcome_structure(),
                        "timestamp DateTime64(3, 'UTC'), trace_id String, span_id String, event "
                        "LowCardinality(String), value Decimal(18, 9), currency LowCardinality(String), "
                        "kafka_topic LowCardinality(String), kafka_partition Int32, kafka_offset Int64, "
                        "ingested_at DateTime64(3, 'UTC')");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_fields),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_encode_bytes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
