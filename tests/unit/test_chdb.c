/* Integration-flavoured unit test for the chdb wrapper: a real embedded ClickHouse engine
 * runs SQL, rejects bad SQL with a message, and loads RowBinary bytes through a file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../../ingest/chdb.h"

static chdb_t *db;

static int setup(void **state) {
    char err[512];
    db = chdb_open(NULL, err, sizeof(err));
    if (!db) fprintf(stderr, "chdb_open: %s\n", err);
    return db ? 0 : -1;
}
static int teardown(void **state) {
    chdb_close(db);
    return 0;
}

static void test_select(void **state) {
    char err[512], *out = NULL;
    assert_int_equal(chdb_exec(db, "SELECT 1+2, version() >= '24'", "TSV", &out, NULL, err, sizeof err), 0);
    assert_string_equal(out, "3\t1\n");
    free(out);
}

static void test_error(void **state) {
    char err[512];
    assert_int_equal(chdb_exec(db, "SELECT FROM WHERE ))", NULL, NULL, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "Code: 62."));
}

static void test_rowbinary_insert(void **state) {
    char err[512], *out = NULL;
    assert_int_equal(chdb_exec(db, "CREATE TABLE t_rb (a UInt32, s String) ENGINE = Memory", NULL, NULL, NULL, err, sizeof err), 0);
    /* Row 1: a=7, s=" x" (leading space: the byte that inline RowBinary loses). Row 2: a=1, s="". */
    const uint8_t rows[] = {7, 0, 0, 0, 2, ' ', 'x', 1, 0, 0, 0, 0};
    assert_int_equal(chdb_insert_rowbinary(db, "t_rb", "a, s", "a UInt32, s String", NULL, rows, sizeof rows, err, sizeof err), 0);
    assert_int_equal(chdb_exec(db, "SELECT a, concat('[', s, ']') FROM t_rb ORDER BY a", "TSV", &out, NULL, err, sizeof err), 0);
    assert_string_equal(out, "1\t[]\n7\t[ x]\n");
    free(out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select),
        cmocka_unit_test(test_error),
        cmocka_unit_test(test_rowbinary_insert),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
