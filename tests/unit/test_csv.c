/* Unit tests for csv: RFC 4180 quoting, comments, CRLF, trimming, errors with line:column,
 * exact decimal parsing and whole-file reading. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../ingest/csv.h"

static int next(csv_reader_t *r, char *err) { return csv_next(r, err, 256); }

static void test_quoting_and_layout(void **state) {
    (void)state;
    const char *t = "# comment line\n"
                    "a, b ,c\r\n"
                    "\n"
                    "   # indented comment\n"
                    "\"x,y\",\"say \"\"hi\"\"\",\"multi\nline\"\n"
                    "1,,\n"
                    "last,\"\"";
    char err[256] = "";
    csv_reader_t r;
    csv_init(&r, t, strlen(t));
    assert_int_equal(next(&r, err), 1);
    assert_int_equal(r.nfields, 3);
    assert_string_equal(r.fields[0].p, "a");
    assert_string_equal(r.fields[1].p, "b"); /* unquoted fields are trimmed */
    assert_string_equal(r.fields[2].p, "c"); /* CR of CRLF removed */
    assert_int_equal(r.fields[1].line, 2);
    assert_int_equal(r.fields[1].col, 4);
    assert_int_equal(next(&r, err), 1);
    assert_int_equal(r.rec_line, 5);
    assert_int_equal(r.nfields, 3);
    assert_string_equal(r.fields[0].p, "x,y");
    assert_string_equal(r.fields[1].p, "say \"hi\"");
    assert_string_equal(r.fields[2].p, "multi\nline");
    assert_int_equal(r.fields[2].n, 10);
    assert_int_equal(r.fields[0].quoted, 1);
    assert_int_equal(next(&r, err), 1);
    assert_int_equal(r.rec_line, 7); /* the quoted newline counted as a line */
    assert_int_equal(r.nfields, 3);
    assert_string_equal(r.fields[0].p, "1");
    assert_int_equal(r.fields[1].n, 0);
    assert_int_equal(r.fields[2].n, 0);
    assert_int_equal(next(&r, err), 1); /* no final newline */
    assert_int_equal(r.nfields, 2);
    assert_string_equal(r.fields[0].p, "last");
    assert_int_equal(r.fields[1].n, 0);
    assert_int_equal(next(&r, err), 0);
    assert_int_equal(next(&r, err), 0);
    csv_deinit(&r);
}

static void expect_error(const char *t, size_t len, const char *want) {
    char err[256] = "";
    csv_reader_t r;
    int rc;
    csv_init(&r, t, len);
    while ((rc = csv_next(&r, err, sizeof(err))) == 1) {
    }
    assert_int_equal(rc, -1);
    if (!strstr(err, want)) fail_msg("error \"%s\" does not contain \"%s\"", err, want);
    csv_deinit(&r);
}

static void test_errors(void **state) {
    (void)state;
    expect_error("a,b\nc,\"open\n\n", 13, "2:3: unterminated quoted field");
    expect_error("a,b\n\"x\"y,z\n", 11, "2:4: unexpected character after closing quote");
    expect_error("a,b\nab\"c,d\n", 11, "2:3: quote inside an unquoted field");
    expect_error("a,b\nx\0y,1\n", 10, "2:2: NUL byte");
    char many[200] = "";
    for (int i = 0; i < 40; i++) strcat(many, "x,");
    strcat(many, "x\n");
    expect_error(many, strlen(many), "too many fields");
}

static void test_empty_and_blank(void **state) {
    (void)state;
    char err[256];
    csv_reader_t r;
    csv_init(&r, "", 0);
    assert_int_equal(next(&r, err), 0);
    csv_deinit(&r);
    csv_init(&r, "\n\n# c\n  \n", 9);
    assert_int_equal(next(&r, err), 0);
    csv_deinit(&r);
    csv_deinit(NULL);
}

static void test_decimal(void **state) {
    (void)state;
    uint64_t v = 0;
    assert_null(csv_decimal_nano("2.5", 3, UINT64_MAX, &v));
    assert_int_equal(v, 2500000000ull);
    assert_null(csv_decimal_nano("0.075", 5, UINT64_MAX, &v));
    assert_int_equal(v, 75000000ull);
    assert_null(csv_decimal_nano("10", 2, UINT64_MAX, &v));
    assert_int_equal(v, 10000000000ull);
    assert_null(csv_decimal_nano(".5", 2, UINT64_MAX, &v));
    assert_int_equal(v, 500000000ull);
    assert_null(csv_decimal_nano("3.", 2, UINT64_MAX, &v));
    assert_int_equal(v, 3000000000ull);
    assert_null(csv_decimal_nano("0.000000001", 11, UINT64_MAX, &v));
    assert_int_equal(v, 1);
    assert_non_null(csv_decimal_nano("0.0000000001", 12, UINT64_MAX, &v)); /* 10 places */
    assert_non_null(csv_decimal_nano("-1", 2, UINT64_MAX, &v));
    assert_non_null(csv_decimal_nano("1e3", 3, UINT64_MAX, &v));
    assert_non_null(csv_decimal_nano("", 0, UINT64_MAX, &v));
    assert_non_null(csv_decimal_nano(".", 1, UINT64_MAX, &v));
    assert_non_null(csv_decimal_nano("1.2.3", 5, UINT64_MAX, &v));
    assert_non_null(csv_decimal_nano("1.5", 3, 1000000000ull, &v)); /* above max */
    assert_non_null(csv_decimal_nano("99999999999999999999", 20, UINT64_MAX, &v));
    assert_null(csv_decimal_nano("18446744073", 11, UINT64_MAX, &v));
    assert_int_equal(v, 18446744073000000000ull);
    assert_non_null(csv_decimal_nano("18446744074", 11, UINT64_MAX, &v));
}

static void test_read_file(void **state) {
    (void)state;
    char path[] = "/tmp/test_csv_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("h\n1\n", f);
    fclose(f);
    char *text = NULL, err[256] = "";
    size_t len = 0;
    assert_int_equal(csv_read_file(path, &text, &len, err, sizeof(err)), 0);
    assert_int_equal(len, 4);
    assert_string_equal(text, "h\n1\n");
    free(text);
    remove(path);
    assert_int_equal(csv_read_file(path, &text, &len, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "No such file"));
    assert_null(text);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quoting_and_layout), cmocka_unit_test(test_errors),
        cmocka_unit_test(test_empty_and_blank),    cmocka_unit_test(test_decimal),
        cmocka_unit_test(test_read_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
