/* Unit tests for buf: growth, hard cap, sticky error, reserve/commit, reset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../ingest/buf.h"
#include "../../ingest/err.h"

static void test_append_grows(void **state) {
    (void)state;
    buf_t b;
    buf_init(&b, 0);
    for (int i = 0; i < 10000; i++) buf_put(&b, "abcd", 4);
    assert_int_equal(buf_error(&b), 0);
    assert_int_equal(b.len, 40000);
    assert_memory_equal(b.data + 39996, "abcd", 4);
    buf_deinit(&b);
}

static void test_cap_is_sticky(void **state) {
    (void)state;
    buf_t b;
    buf_init(&b, 10);
    buf_append(&b, "12345678", 8);
    assert_int_equal(buf_error(&b), 0);
    buf_append(&b, "abc", 3); /* would make 11 > 10 */
    assert_int_equal(buf_error(&b), ERR_BUF_CAP);
    buf_append(&b, "x", 1); /* fits, but the error is sticky */
    assert_int_equal(b.len, 8);
    assert_null(buf_reserve(&b, 1));
    buf_reset(&b);
    assert_int_equal(buf_error(&b), 0);
    assert_int_equal(b.len, 0);
    buf_append(&b, "0123456789", 10);
    assert_int_equal(buf_error(&b), 0);
    buf_deinit(&b);
}

static void test_reserve_commit(void **state) {
    (void)state;
    buf_t b;
    buf_init(&b, 0);
    uint8_t *p = buf_reserve(&b, 100);
    assert_non_null(p);
    memcpy(p, "hello", 5);
    buf_commit(&b, 5);
    assert_int_equal(b.len, 5);
    buf_truncate(&b, 2);
    assert_int_equal(b.len, 2);
    assert_memory_equal(b.data, "he", 2);
    buf_deinit(&b);
    buf_deinit(&b); /* idempotent */
}

static void test_err_table(void **state) {
    (void)state;
    assert_string_equal(err_name(ERR_MISSING_FIELD), "missing_field");
    assert_int_equal(err_class(ERR_MISSING_FIELD), ERR_CLASS_POISON);
    assert_int_equal(err_class(ERR_NETWORK), ERR_CLASS_RETRY);
    assert_string_equal(err_name(9999), "unknown_error");
}

static void test_printf(void **state) {
    (void)state;
    buf_t b;
    buf_init(&b, 16);
    buf_printf(&b, "%s=%d", "ab", 42);
    assert_int_equal(b.len, 5);
    assert_string_equal((const char *)b.data, "ab=42");
    buf_printf(&b, ",%s", "cd");
    assert_string_equal((const char *)b.data, "ab=42,cd");
    buf_printf(&b, "%s", "0123456789"); /* 18 bytes + NUL > cap 16: sticky, nothing written */
    assert_int_equal(buf_error(&b), ERR_BUF_CAP);
    assert_int_equal(b.len, 8);
    buf_deinit(&b);
}

/* The inside of a ClickHouse string literal: quotes and backslashes escaped, nothing else. */
static void test_sql_escaped(void **state) {
    (void)state;
    buf_t b;
    buf_init(&b, 0);
    buf_append_sql_escaped(&b, "it's a\\b", 8);
    buf_append_sql_escaped(&b, "", 0);
    buf_append_sql_escaped(&b, "''", 2);
    buf_append(&b, "", 1);
    assert_string_equal((const char *)b.data, "it\\'s a\\\\b\\'\\'");
    buf_deinit(&b);
}

/* Money as exact decimals: nine fractional digits, the sign first, the extremes exact. */
static void test_append_nano(void **state) {
    (void)state;
    const struct {
        int64_t nano;
        const char *want;
    } cases[] = {{0, "0.000000000"},
                 {1, "0.000000001"},
                 {1500000000, "1.500000000"},
                 {-5, "-0.000000005"},
                 {-1250000000, "-1.250000000"},
                 {INT64_MAX, "9223372036.854775807"},
                 {INT64_MIN, "-9223372036.854775808"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        buf_t b;
        buf_init(&b, 0);
        buf_append_nano(&b, cases[i].nano);
        assert_int_equal(buf_error(&b), 0);
        assert_string_equal((const char *)b.data, cases[i].want);
        buf_deinit(&b);
    }
}

static void test_append_json_str(void **state) {
    (void)state;
    const struct {
        const char *in;
        size_t n;
        const char *want;
    } cases[] = {{"", 0, "\"\""},
                 {NULL, 0, "\"\""},
                 {"plain text", 10, "\"plain text\""},
                 {"a\"b\\c", 5, "\"a\\\"b\\\\c\""},
                 {"l1\nl2\tx", 7, "\"l1\\nl2\\tx\""},
                 {"\x01\x7f", 2, "\"\\u0001\\u007f\""},
                 {"nul\0in", 6, "\"nul\\u0000in\""},
                 {"caf\xc3\xa9", 5, "\"caf\xc3\xa9\""}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        buf_t b;
        buf_init(&b, 0);
        buf_append_json_str(&b, cases[i].in, cases[i].n);
        buf_put(&b, "", 1);
        assert_int_equal(buf_error(&b), 0);
        assert_string_equal((const char *)b.data, cases[i].want);
        buf_deinit(&b);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sql_escaped),
        cmocka_unit_test(test_append_grows),
        cmocka_unit_test(test_cap_is_sticky),
        cmocka_unit_test(test_reserve_commit),
        cmocka_unit_test(test_err_table),
        cmocka_unit_test(test_printf),
        cmocka_unit_test(test_append_nano),
        cmocka_unit_test(test_append_json_str),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
