/* Unit tests for schema_apply: the statement splitter (quotes, comments, empty statements,
 * unterminated input), the database rewrite, and the file walk with a recording executor
 * (order, numbering, error reporting as file:statement, cluster flag). No ClickHouse here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../ingest/schema_apply.h"

typedef struct {
    char *stmts[32];
    int n;
    int fail_at; /* 1-based call number that fails, 0 = never */
} rec_t;

static int rec_stmt(void *ctx, char *stmt, int index, size_t offset) {
    rec_t *r = ctx;
    assert_int_equal(index, r->n + 1);
    r->stmts[r->n++] = stmt;
    return 0;
}

static void rec_free(rec_t *r) {
    for (int i = 0; i < r->n; i++) free(r->stmts[i]);
    r->n = 0;
}

static int split(const char *sql, rec_t *r) {
    char err[256];
    memset(r, 0, sizeof(*r));
    return schema_split(sql, strlen(sql), rec_stmt, r, err, sizeof(err));
}

static void test_split_basic(void **state) {
    rec_t r;
    assert_int_equal(split("SELECT 1; SELECT 2;\n\n  SELECT 3  ", &r), 0);
    assert_int_equal(r.n, 3);
    assert_string_equal(r.stmts[0], "SELECT 1");
    assert_string_equal(r.stmts[1], "SELECT 2");
    assert_string_equal(r.stmts[2], "SELECT 3");
    rec_free(&r);
}

static void test_split_quotes_and_comments(void **state) {
    rec_t r;
    const char *sql = "-- head; comment\nSELECT 'a;b', \"c;d\", `e;f`, 'it''s;', 'x\\';y' /* ; */ -- ;\n;"
                      "# also; a comment\nSELECT 2;";
    assert_int_equal(split(sql, &r), 0);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.stmts[0], "-- head; comment\nSELECT 'a;b', \"c;d\", `e;f`, 'it''s;', "
                                    "'x\\';y' /* ; */ -- ;");
    assert_string_equal(r.stmts[1], "# also; a comment\nSELECT 2");
    rec_free(&r);
}

static void test_split_empty_statements(void **state) {
    rec_t r;
    assert_int_equal(split(";;  ; -- only a comment\n /* and this */ ;", &r), 0);
    assert_int_equal(r.n, 0);
    assert_int_equal(split("", &r), 0);
    assert_int_equal(r.n, 0);
    /* A trailing comment after the last ';' is not a statement. */
    assert_int_equal(split("SELECT 1; -- { serverError 47 }\n", &r), 0);
    assert_int_equal(r.n, 1);
    rec_free(&r);
}

static void test_split_unterminated(void **state) {
    rec_t r;
    assert_int_equal(split("SELECT 'abc", &r), -1);
    rec_free(&r);
    assert_int_equal(split("SELECT 1 /* never closed", &r), -1);
    rec_free(&r);
    assert_int_equal(split("SELECT 1; SELECT \"x", &r), -1);
    assert_int_equal(r.n, 1); /* the first statement was delivered before the error */
    rec_free(&r);
}

static void test_rewrite(void **state) {
    char *s = schema_rewrite_db("CREATE TABLE spanhouse.t AS spanhouse.u -- spanhouse.x\n"
                                "ENGINE = Distributed(c, spanhouse, t) COMMENT 'spanhouse.y' "
                                "/* spanhouse */ spanhouse_x x_spanhouse `spanhouse`",
                                "analytics_db");
    assert_non_null(s);
    assert_string_equal(s, "CREATE TABLE analytics_db.t AS analytics_db.u -- spanhouse.x\n"
                           "ENGINE = Distributed(c, analytics_db, t) COMMENT 'spanhouse.y' "
                           "/* spanhouse */ spanhouse_x x_spanhouse `spanhouse`");
    free(s);
    s = schema_rewrite_db("spanhouse", "a");
    assert_string_equal(s, "a");
    free(s);
}

/* A temporary schema tree: dir/001_a.sql, dir/002_b.sql, dir/README (ignored),
 * dir/cluster/001_c.sql, views/v_x.sql. */
static char tmp[64];
static void write_file(const char *rel, const char *text) {
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", tmp, rel);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

typedef struct {
    char log[2048];
    int calls, fail_at;
} exec_rec_t;

static int rec_exec(void *ctx, const char *sql, char *errstr, size_t errstr_size) {
    exec_rec_t *e = ctx;
    e->calls++;
    if (e->fail_at && e->calls == e->fail_at) {
        snprintf(errstr, errstr_size, "Code: 62. boom");
        return -1;
    }
    strncat(e->log, sql, sizeof(e->log) - strlen(e->log) - 2);
    strcat(e->log, "|");
    return 0;
}

static void make_tree(void) {
    snprintf(tmp, sizeof(tmp), "/tmp/test_schema_apply_XXXXXX");
    assert_non_null(mkdtemp(tmp));
    char p[256];
    snprintf(p, sizeof(p), "%s/schema", tmp);
    mkdir(p, 0700);
    snprintf(p, sizeof(p), "%s/schema/cluster", tmp);
    mkdir(p, 0700);
    snprintf(p, sizeof(p), "%s/views", tmp);
    mkdir(p, 0700);
    write_file("schema/002_b.sql", "CREATE TABLE spanhouse.b (x Int8) ENGINE = Memory;\nSELECT 'b2';");
    write_file("schema/001_a.sql", "-- first\nCREATE DATABASE IF NOT EXISTS spanhouse;");
    write_file("schema/README", "not sql;");
    write_file("schema/cluster/001_c.sql", "CREATE TABLE spanhouse.c ON CLUSTER '{cluster}' (x Int8);");
    write_file("views/v_x.sql", "CREATE VIEW spanhouse.v_x AS SELECT 1;");
}

static void rm_tree(void) {
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    assert_int_equal(system(cmd), 0);
}

static void test_apply_order_and_rewrite(void **state) {
    make_tree();
    char sdir[128], vdir[128], err[512];
    snprintf(sdir, sizeof(sdir), "%s/schema", tmp);
    snprintf(vdir, sizeof(vdir), "%s/views", tmp);
    exec_rec_t e = {0};
    assert_int_equal(schema_apply(rec_exec, &e, sdir, vdir, "db2", err, sizeof(err)), 4);
    assert_string_equal(e.log, "-- first\nCREATE DATABASE IF NOT EXISTS db2|"
                               "CREATE TABLE db2.b (x Int8) ENGINE = Memory|SELECT 'b2'|"
                               "CREATE VIEW db2.v_x AS SELECT 1|");
    /* Cluster flag: only schema/cluster/. */
    exec_rec_t c = {0};
    assert_int_equal(schema_apply_ex(rec_exec, &c, sdir, NULL, NULL, SCHEMA_APPLY_CLUSTER, err,
                                     sizeof(err)),
                     1);
    assert_string_equal(c.log, "CREATE TABLE spanhouse.c ON CLUSTER '{cluster}' (x Int8)|");
    /* Failure names the file and the statement. */
    exec_rec_t f = {.fail_at = 3};
    assert_int_equal(schema_apply(rec_exec, &f, sdir, vdir, NULL, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "002_b.sql:2: Code: 62. boom"));
    /* Bad database names and missing directories are refused. */
    assert_int_equal(schema_apply(rec_exec, &e, sdir, vdir, "x; DROP", err, sizeof(err)), -1);
    assert_int_equal(schema_apply(rec_exec, &e, "/nonexistent/dir", NULL, NULL, err, sizeof(err)), -1);
    rm_tree();
}

/* schema_head: kind, flags, name and where the query starts, from code only. */
static void head_is(const char *stmt, schema_obj_t kind, const char *db, const char *name,
                    const char *select, const char *body) {
    schema_head_t h;
    assert_int_equal(schema_head(stmt, &h), kind);
    if (kind == SCHEMA_OBJ_OTHER) return;
    char got[128];
    snprintf(got, sizeof(got), "%.*s", (int)h.db_len, stmt + h.db_off);
    assert_string_equal(got, db);
    snprintf(got, sizeof(got), "%.*s", (int)h.name_len, stmt + h.name_off);
    assert_string_equal(got, name);
    if (select) assert_string_equal(stmt + h.select_off, select);
    else assert_int_equal(h.select_off, 0);
    assert_string_equal(stmt + h.body_off, body);
}

static void test_head(void **state) {
    head_is("-- c\nCREATE TABLE IF NOT EXISTS db.t\n(x Int8) ENGINE = Memory", SCHEMA_OBJ_TABLE, "db", "t",
            NULL, "\n(x Int8) ENGINE = Memory");
    head_is("create table t (x Int8)", SCHEMA_OBJ_TABLE, "", "t", NULL, " (x Int8)");
    head_is("CREATE VIEW IF NOT EXISTS db.v AS SELECT 1 AS a", SCHEMA_OBJ_VIEW, "db", "v",
            "SELECT 1 AS a", " AS SELECT 1 AS a");
    head_is("CREATE OR REPLACE VIEW db . v /* AS no */ AS\nWITH x AS (SELECT 1) SELECT * FROM x",
            SCHEMA_OBJ_VIEW, "db", "v", "WITH x AS (SELECT 1) SELECT * FROM x",
            " /* AS no */ AS\nWITH x AS (SELECT 1) SELECT * FROM x");
    head_is("CREATE MATERIALIZED VIEW IF NOT EXISTS db.m TO db.t (a UInt8, `AS` UInt8) AS SELECT 'AS' AS a",
            SCHEMA_OBJ_MATVIEW, "db", "m", "SELECT 'AS' AS a", " TO db.t (a UInt8, `AS` UInt8) AS SELECT 'AS' AS a");
    head_is("CREATE DATABASE IF NOT EXISTS db", SCHEMA_OBJ_DATABASE, "", "db", NULL, "");
    head_is("CREATE TABLE `quoted` (x Int8)", SCHEMA_OBJ_OTHER, "", "", NULL, "");
    head_is("CREATE MATERIALIZED TABLE t", SCHEMA_OBJ_OTHER, "", "", NULL, "");
    head_is("CREATE TABLE IF EXISTS t", SCHEMA_OBJ_OTHER, "", "", NULL, "");
    head_is("-- retired\nDROP VIEW IF EXISTS db.old_mv", SCHEMA_OBJ_DROP_VIEW, "db", "old_mv", NULL, "");
    head_is("drop view if exists v", SCHEMA_OBJ_DROP_VIEW, "", "v", NULL, "");
    head_is("DROP VIEW db.v", SCHEMA_OBJ_OTHER, "", "", NULL, ""); /* only the idempotent form */
    head_is("DROP TABLE IF EXISTS db.t", SCHEMA_OBJ_OTHER, "", "", NULL, "");
    head_is("SELECT 1", SCHEMA_OBJ_OTHER, "", "", NULL, "");
    head_is("", SCHEMA_OBJ_OTHER, "", "", NULL, "");
    schema_head_t h;
    assert_int_equal(schema_head("CREATE OR REPLACE VIEW v AS SELECT 1", &h), SCHEMA_OBJ_VIEW);
    assert_true(h.or_replace && !h.if_not_exists);
}

/* raw-retention-days rewrites the raw table's TTL days only: other tables, other TTL shapes
 * and days <= 0 come back unchanged. */
static void test_rewrite_retention(void **state) {
    (void)state;
    const char *spans = "CREATE TABLE IF NOT EXISTS spanhouse.llm_spans (a Int8) ENGINE = MergeTree "
                        "ORDER BY a TTL toDateTime(timestamp) + INTERVAL 90 DAY DELETE";
    char *r = schema_rewrite_retention(spans, 14);
    assert_non_null(r);
    assert_non_null(strstr(r, "INTERVAL 14 DAY DELETE"));
    assert_null(strstr(r, "90"));
    free(r);
    r = schema_rewrite_retention(spans, 0);
    assert_string_equal(r, spans);
    free(r);
    const char *local = "CREATE TABLE db.llm_spans_local ON CLUSTER '{cluster}' (a Int8) ENGINE = "
                        "MergeTree ORDER BY a TTL toDateTime(timestamp) + INTERVAL 30 DAY";
    r = schema_rewrite_retention(local, 400);
    assert_non_null(strstr(r, "INTERVAL 400 DAY"));
    free(r);
    const char *evals = "CREATE TABLE spanhouse.llm_evals (a Int8) ENGINE = MergeTree ORDER BY a "
                        "TTL toDateTime(timestamp) + INTERVAL 30 DAY DELETE";
    r = schema_rewrite_retention(evals, 14);
    assert_string_equal(r, evals);
    free(r);
    const char *view = "CREATE VIEW spanhouse.llm_spans AS SELECT 1";
    r = schema_rewrite_retention(view, 14);
    assert_string_equal(r, view);
    free(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_basic),
        cmocka_unit_test(test_split_quotes_and_comments),
        cmocka_unit_test(test_split_empty_statements),
        cmocka_unit_test(test_split_unterminated),
        cmocka_unit_test(test_rewrite),
        cmocka_unit_test(test_apply_order_and_rewrite),
        cmocka_unit_test(test_head),
        cmocka_unit_test(test_rewrite_retention),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
