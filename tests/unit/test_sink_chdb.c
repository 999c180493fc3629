/* The embedded sink on the real modern engine (libchdb): effectively-once inserts through
 * insert_deduplication_token on a plain MergeTree with non_replicated_deduplication_window
 * and a materialized view, corrupt bytes rejected by code, unknown table fatal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../ingest/chdb.h"
#include "../../ingest/sink_chdb.h"
#include "../tools/spangen.h"

static chdb_t *db;
static sink_t *sk;
static const char *cols, *structure;

static int setup(void **state) {
    char err[512];
    db = chdb_open(NULL, err, sizeof(err));
    if (!db) {
        fprintf(stderr, "chdb_open: %s\n", err);
        return -1;
    }
    sk = sink_chdb_new(db, "sh", err, sizeof err);
    if (!sk) return -1;
    cols = rowbin_column_list();
    structure = rowbin_structure(0);
    sink_result_t r;
    char ddl[12000];
    if (sink_exec(sk, "CREATE DATABASE IF NOT EXISTS sh", NULL, &r)) return -1;
    snprintf(ddl, sizeof ddl,
             "CREATE TABLE sh.llm_spans (%s) ENGINE = MergeTree ORDER BY (tenant_id, timestamp) "
             "SETTINGS non_replicated_deduplication_window = 1000",
             structure);
    if (sink_exec(sk, ddl, NULL, &r)) {
        fprintf(stderr, "%s\n", r.msg);
        return -1;
    }
    if (sink_exec(sk,
                  "CREATE TABLE sh.tokens_by_tenant (tenant_id String, input_tokens UInt64) "
                  "ENGINE = MergeTree ORDER BY tenant_id "
                  "SETTINGS non_replicated_deduplication_window = 1000",
                  NULL, &r) ||
        sink_exec(sk,
                  "CREATE MATERIALIZED VIEW sh.mv_tokens TO sh.tokens_by_tenant AS "
                  "SELECT tenant_id, input_tokens FROM sh.llm_spans",
                  NULL, &r)) {
        fprintf(stderr, "%s\n", r.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state) {
    sink_destroy(sk);
    chdb_close(db);
    return 0;
}

static void counts(uint64_t *table_rows, uint64_t *mv_rows, uint64_t *mv_tokens) {
    sink_result_t r;
    char *out = NULL;
    assert_int_equal(sink_exec(sk,
                               "SELECT (SELECT count() FROM sh.llm_spans), "
                               "(SELECT count() FROM sh.tokens_by_tenant), "
                               "(SELECT sum(input_tokens) FROM sh.tokens_by_tenant)",
                               &out, &r),
                     ERR_OK);
    unsigned long long a = 0, b = 0, c = 0;
    assert_int_equal(sscanf(out, "%llu\t%llu\t%llu", &a, &b, &c), 3);
    free(out);
    *table_rows = a;
    *mv_rows = b;
    *mv_tokens = c;
}

static uint64_t tokens_of(uint64_t first, uint64_t n) {
    uint64_t t = 0;
    for (uint64_t i = first; i < first + n; i++) t += i % 1000 + 1;
    return t;
}

static void insert_rows(uint64_t first, uint64_t n, const char *token, int expect) {
    buf_t b;
    buf_init(&b, 0);
    spangen_rows(&b, first, n);
    sink_result_t r;
    int e = sink_insert(sk, "llm_spans", cols, structure, b.data, b.len, token, &r);
    if (e != expect) fprintf(stderr, "insert: %s (%d) %s\n", err_name(e), r.ch_code, r.msg);
    assert_int_equal(e, expect);
    buf_deinit(&b);
}

static void test_kind_and_exec(void **state) {
    assert_string_equal(sink_kind(sk), "chdb");
    sink_result_t r;
    char *out = NULL;
    assert_int_equal(sink_exec(sk, "SELECT 40 + 2", &out, &r), ERR_OK);
    assert_string_equal(out, "42\n");
    free(out);
}

static void test_dedup_same_token(void **state) {
    uint64_t t, m, tok;
    insert_rows(0, 500, "llm-spans-0-0-499", ERR_OK);
    insert_rows(0, 500, "llm-spans-0-0-499", ERR_OK); /* a retry after a timeout / crash */
    counts(&t, &m, &tok);
    assert_int_equal(t, 500);
    assert_int_equal(m, 500);
    assert_int_equal(tok, tokens_of(0, 500));
}

static void test_dedup_other_token(void **state) {
    uint64_t t, m, tok;
    /* Same bytes, different offset range: a genuinely new batch must land. */
    insert_rows(0, 500, "llm-spans-0-500-999", ERR_OK);
    counts(&t, &m, &tok);
    assert_int_equal(t, 1000);
    assert_int_equal(m, 1000);
    assert_int_equal(tok, 2 * tokens_of(0, 500));
    /* Without a token, identical bytes are deduplicated by content hash only if the table
     * asks for it; with the window set they would be: so the worker must always send one.
     * A new range of new rows, with its token, lands once more even if retried. */
    insert_rows(500, 250, "llm-spans-1-0-249", ERR_OK);
    insert_rows(500, 250, "llm-spans-1-0-249", ERR_OK);
    counts(&t, &m, &tok);
    assert_int_equal(t, 1250);
    assert_int_equal(m, 1250);
}

static void test_corrupt_rejected(void **state) {
    buf_t b;
    buf_init(&b, 0);
    spangen_rows(&b, 0, 10);
    size_t keep = b.len;
    spangen_rows(&b, 10, 1);
    buf_truncate(&b, keep + (b.len - keep) / 2); /* half a row at the end */
    sink_result_t r;
    assert_int_equal(sink_insert(sk, "llm_spans", cols, structure, b.data, b.len, "bad-1", &r),
                     ERR_SERVER_REJECTED);
    assert_true(r.ch_code != 0);
    assert_int_equal(sink_code_class(r.ch_code), ERR_SERVER_REJECTED);
    assert_int_equal(r.http_status, 0);
    buf_deinit(&b);
    uint64_t t, m, tok;
    counts(&t, &m, &tok);
    assert_int_equal(t, 1250); /* nothing of the bad block landed */
}

static void test_unknown_table_fatal(void **state) {
    const uint8_t row[] = {1, 0, 0, 0};
    sink_result_t r;
    assert_int_equal(sink_insert(sk, "nope", "a", "a UInt32", row, sizeof row, NULL, &r),
                     ERR_SERVER_FATAL);
    assert_int_equal(r.ch_code, 60);
    assert_int_equal(sink_insert(sk, "llm_spans", cols, NULL, row, sizeof row, NULL, &r),
                     ERR_INVAL);
}

/* The file is read with LowCardinality(T) as T (same bytes, a block-wise conversion instead of
 * a dictionary insert per row): nested wrappers keep their other parentheses, and the values
 * and the table's types come out as written. */
static void test_lowcardinality_read_as_plain(void **state) {
    sink_result_t r;
    assert_int_equal(sink_exec(sk,
                               "CREATE TABLE sh.lc (a LowCardinality(String), "
                               "b LowCardinality(Nullable(String)), "
                               "c Map(LowCardinality(String), UInt32), "
                               "d Array(LowCardinality(Nullable(String)))) "
                               "ENGINE = MergeTree ORDER BY tuple()",
                               NULL, &r),
                     ERR_OK);
    /* a = "x", b = NULL, c = {"k": 7}, d = ["y", NULL]; then a = "x", b = "z", c = {}, d = []. */
    static const uint8_t rows[] = {1, 'x', 1, 1, 1, 'k', 7, 0, 0, 0, 2, 0, 1, 'y', 1,
                                   1, 'x', 0, 1, 'z', 0, 0};
    const char *st = "a LowCardinality(String), b LowCardinality(Nullable(String)), "
                     "c Map(LowCardinality(String), UInt32), "
                     "d Array(LowCardinality(Nullable(String)))";
    int e = sink_insert(sk, "lc", "a, b, c, d", st, rows, sizeof rows, "lc-1", &r);
    if (e != ERR_OK) fprintf(stderr, "insert: %s\n", r.msg);
    assert_int_equal(e, ERR_OK);
    char *out = NULL;
    assert_int_equal(sink_exec(sk,
                               "SELECT a, b, c, d, toTypeName(a), toTypeName(b) FROM sh.lc "
                               "ORDER BY b NULLS FIRST FORMAT TSV",
                               &out, &r),
                     ERR_OK);
    assert_string_equal(out, "x\t\\N\t{'k':7}\t['y',NULL]\tLowCardinality(String)\t"
                             "LowCardinality(Nullable(String))\n"
                             "x\tz\t{}\t[]\tLowCardinality(String)\t"
                             "LowCardinality(Nullable(String))\n");
    free(out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kind_and_exec),
        cmocka_unit_test(test_dedup_same_token),
        cmocka_unit_test(test_dedup_other_token),
        cmocka_unit_test(test_corrupt_rejected),
        cmocka_unit_test(test_unknown_table_fatal),
        cmocka_unit_test(test_lowcardinality_read_as_plain),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
