/* sqltest: the SQL golden runner on the embedded ClickHouse engine (libchdb 26.x).
 *
 *   sqltest run  [--schema DIR] [--views DIR] [--queries DIR] [--only SUBSTR] [--record]
 *   sqltest exec SQL          run statements on a fresh database with the schema applied
 *
 * `run` creates a fresh database directory (mktemp), applies schema/ and views/ twice
 * (idempotency) plus once more into another database name (the rewrite), checks that every
 * statement of schema/cluster/ parses (EXPLAIN AST), then runs each tests/queries/NNNNN_x.sql
 * statement by statement and diffs the TSV output against NNNNN_x.reference. A statement
 * that carries a comment `{ serverError N }` must fail with code N. It does not start servers.
 *
 * Each test file runs in its own database, `spanhouse_tNNNNN`, with schema/ and views/ applied
 * to it: a file writes `spanhouse.` as a user would and the runner rewrites the name (the
 * schema's own rewrite, schema_rewrite_db), so no file empties tables another one filled and no
 * file depends on the order it runs in. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "chdb.h"
#include "columns.h"
#include "schema_apply.h"

typedef struct {
    chdb_t *db;
    FILE *out; /* where SELECT results go (NULL = discard) */
    const char *file;
    const char *src; /* the test file's text: hints follow a statement's ';' on its line */
    size_t src_len;
    const char *database; /* the test file's database (NULL: spanhouse, as written) */
    int failed;
    char msg[4096];
} run_ctx_t;

static int verbose(void) {
    const char *v = getenv("SQLTEST_VERBOSE");
    return v && *v && *v != '0';
}

static int exec_cb(void *ctx, const char *sql, char *errstr, size_t errstr_size) {
    run_ctx_t *r = ctx;
    if (verbose()) fprintf(stderr, "-- exec: %.200s\n", sql);
    return chdb_exec(r->db, sql, NULL, NULL, NULL, errstr, errstr_size);
}

static int explain_cb(void *ctx, const char *sql, char *errstr, size_t errstr_size) {
    run_ctx_t *r = ctx;
    size_t n = strlen(sql) + 32;
    char *q = malloc(n);
    if (!q) return -1;
    snprintf(q, n, "EXPLAIN AST %s", sql);
    int rc = chdb_exec(r->db, q, NULL, NULL, NULL, errstr, errstr_size);
    free(q);
    return rc;
}

static int error_code(const char *msg) {
    const char *p = strstr(msg, "Code: ");
    return p ? atoi(p + 6) : -1;
}

/* Runs one statement of a test file, writing its output (or nothing, for an expected error). */
static int test_stmt_cb(void *ctx, char *stmt, int index, size_t offset) {
    run_ctx_t *r = ctx;
    /* ClickHouse-test style: `SELECT …; -- { serverError N }` expects error code N. */
    int want = 0;
    if (r->src) {
        size_t e = offset + strlen(stmt);
        while (e < r->src_len && r->src[e] != '\n') {
            if (strncmp(r->src + e, "{ serverError ", 14) == 0) {
                want = atoi(r->src + e + 14);
                break;
            }
            e++;
        }
    }
    if (r->database) {
        char *moved = schema_rewrite_db(stmt, r->database);
        if (!moved) {
            snprintf(r->msg, sizeof(r->msg), "%s: statement %d: out of memory", r->file, index);
            free(stmt);
            return r->failed = 1;
        }
        free(stmt);
        stmt = moved;
    }
    if (verbose()) fprintf(stderr, "-- test: %.200s\n", stmt);
    char *out = NULL, err[4096] = "";
    int rc = chdb_exec(r->db, stmt, "TSV", &out, NULL, err, sizeof(err));
    if (rc == 0 && want) {
        snprintf(r->msg, sizeof(r->msg), "%s: statement %d succeeded, expected error %d", r->file,
                 index, want);
        r->failed = 1;
    } else if (rc != 0 && (!want || error_code(err) != want)) {
        snprintf(r->msg, sizeof(r->msg), "%s: statement %d failed: %.3500s", r->file, index, err);
        r->failed = 1;
    } else if (rc == 0 && out && r->out) {
        fputs(out, r->out);
    }
    free(out);
    free(stmt);
    return r->failed;
}

static char *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)(n < 0 ? 0 : n) + 1);
    if (s && n > 0 && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s) s[n < 0 ? 0 : n] = 0;
    if (len) *len = (size_t)(n < 0 ? 0 : n);
    fclose(f);
    return s;
}

/* Views read now(): wait so that no test straddles an hour (hence day, month) boundary. */
static void avoid_hour_boundary(void) {
    time_t t = time(NULL);
    int into = (int)(t % 3600);
    if (into > 3600 - 20) sleep((unsigned)(3600 - into + 2));
    else if (into < 2) sleep(2);
}

/* The worker encodes llm_spans from columns.h and llm_spans_rejected from its DLQ layout: the
 * first columns of both tables must have exactly those names and types, in that order. */
static int check_contract(run_ctx_t *r, const char *table, const char *expected, int ncols) {
    char q[512], err[1024], *out = NULL;
    snprintf(q, sizeof(q),
             "SELECT name, type FROM system.columns WHERE database = 'spanhouse' AND table = '%s' "
             "ORDER BY position LIMIT %d",
             table, ncols);
    int ok = chdb_exec(r->db, q, "TSVRaw", &out, NULL, err, sizeof(err)) == 0 &&
             strcmp(out, expected) == 0;
    if (!ok) printf("FAIL column contract %s:\n--- expected\n%s--- got\n%s\n", table, expected,
                    out ? out : err);
    else printf("PASS column contract %s: %d columns\n", table, ncols);
    free(out);
    return ok;
}

static int cmp_names(const void *x, const void *y) {
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Creates the database of one test file: its name from the file's number, schema and views. */
static int test_database(run_ctx_t *r, const char *file, const char *schema, const char *views,
                         char *db, size_t db_size) {
    char err[4096];
    snprintf(db, db_size, "spanhouse_t%.*s", (int)strspn(file, "0123456789"), file);
    if (schema_apply(exec_cb, r, schema, views, db, err, sizeof(err)) < 0) {
        snprintf(r->msg, sizeof(r->msg), "schema into %s: %.3900s", db, err);
        return -1;
    }
    return 0;
}

static int run_tests(run_ctx_t *r, const char *schema, const char *views, const char *qdir,
                     const char *only, int record) {
    DIR *d = opendir(qdir);
    if (!d) {
        fprintf(stderr, "cannot open %s\n", qdir);
        return 1;
    }
    char *names[1024];
    size_t nn = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && nn < 1024) {
        size_t l = strlen(de->d_name);
        if (l > 10 && strcmp(de->d_name + l - 4, ".sql") == 0 && de->d_name[0] >= '0' &&
            de->d_name[0] <= '9' && (!only || strstr(de->d_name, only)))
            names[nn++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, nn, sizeof(*names), cmp_names);
    int fails = 0;
    for (size_t i = 0; i < nn; i++) {
        char path[1024], ref[1024], outp[1024];
        snprintf(path, sizeof(path), "%s/%s", qdir, names[i]);
        snprintf(ref, sizeof(ref), "%.*s.reference", (int)(strlen(path) - 4), path);
        /* Actual output goes under build/ (kept on failure for inspection). */
        mkdir("build", 0755);
        mkdir("build/sqltest", 0755);
        snprintf(outp, sizeof(outp), "build/sqltest/%.*s.out", (int)(strlen(names[i]) - 4), names[i]);
        size_t len;
        char *sql = read_all(path, &len);
        if (!sql) {
            fprintf(stderr, "cannot read %s\n", path);
            fails++;
            continue;
        }
        char db[64];
        r->file = names[i];
        r->failed = 0;
        r->msg[0] = 0;
        if (test_database(r, names[i], schema, views, db, sizeof(db)) < 0) {
            printf("FAIL %s: %s\n", names[i], r->msg);
            free(sql);
            fails++;
            continue;
        }
        r->database = db;
        avoid_hour_boundary();
        r->out = fopen(outp, "w");
        r->src = sql;
        r->src_len = len;
        char e[512] = "";
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int rc = schema_split(sql, len, test_stmt_cb, r, e, sizeof(e));
        clock_gettime(CLOCK_MONOTONIC, &t1);
        fclose(r->out);
        r->out = NULL;
        r->src = NULL;
        r->database = NULL;
        free(sql);
        double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
        if (rc && !r->failed) snprintf(r->msg, sizeof(r->msg), "%s: %s", names[i], e);
        if (rc || r->failed) {
            printf("FAIL %s: %s\n", names[i], r->msg);
            fails++;
            continue;
        }
        if (record) {
            rename(outp, ref);
            printf("RECORDED %s\n", ref);
            continue;
        }
        char cmd[3200];
        snprintf(cmd, sizeof(cmd), "diff -u '%s' '%s' > /dev/null", ref, outp);
        if (system(cmd) != 0) {
            snprintf(cmd, sizeof(cmd), "diff -u '%s' '%s' | head -60", ref, outp);
            printf("FAIL %s: output differs from reference\n", names[i]);
            fflush(stdout);
            if (system(cmd) != 0) {
            }
            fails++;
        } else {
            printf("PASS %s (%.0f ms)\n", names[i], ms);
            unlink(outp);
        }
        fflush(stdout);
    }
    for (size_t i = 0; i < nn; i++) free(names[i]);
    printf("sql golden: %zu test(s), %d failed\n", nn, fails);
    return fails ? 1 : 0;
}

int main(int argc, char **argv) {
    const char *schema = "schema", *views = "views", *queries = "tests/queries", *only = NULL;
    int record = 0, rc = 1;
    if (argc < 2) {
        fprintf(stderr, "usage: sqltest run [--schema D] [--views D] [--queries D] [--only S] "
                        "[--record] | sqltest exec SQL\n");
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--schema") && i + 1 < argc) schema = argv[++i];
        else if (!strcmp(argv[i], "--views") && i + 1 < argc) views = argv[++i];
        else if (!strcmp(argv[i], "--queries") && i + 1 < argc) queries = argv[++i];
        else if (!strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i];
        else if (!strcmp(argv[i], "--record")) record = 1;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    char dir[] = "/tmp/spanhouse-sqltest-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char err[4096];
    run_ctx_t r = {0};
    r.db = chdb_open(dir, err, sizeof(err));
    if (!r.db) {
        fprintf(stderr, "chdb_open: %s\n", err);
        goto done;
    }
    if (!strcmp(argv[1], "exec")) {
        r.out = stdout;
        if (schema_apply(exec_cb, &r, schema, views, NULL, err, sizeof(err)) < 0) {
            fprintf(stderr, "schema: %s\n", err);
            goto done;
        }
        for (int i = 2; i < argc; i++) {
            if (!strcmp(argv[i], "--schema") || !strcmp(argv[i], "--views") ||
                !strcmp(argv[i], "--queries") || !strcmp(argv[i], "--only")) {
                i++;
                continue;
            }
            if (!strcmp(argv[i], "--record")) continue;
            if (schema_split(argv[i], strlen(argv[i]), test_stmt_cb, &r, err, sizeof(err)) ||
                r.failed) {
                fprintf(stderr, "%s\n", r.msg[0] ? r.msg : err);
                goto done;
            }
        }
        rc = 0;
        goto done;
    }
    /* Apply twice (idempotent), then into another database name (the rewrite). */
    for (int pass = 0; pass < 3; pass++) {
        int n = schema_apply(exec_cb, &r, schema, views, pass == 2 ? "spanhouse_alt" : NULL, err,
                             sizeof(err));
        if (n < 0) {
            printf("FAIL schema apply (pass %d): %s\n", pass + 1, err);
            goto done;
        }
        printf("PASS schema apply pass %d%s: %d statements\n", pass + 1,
               pass == 2 ? " (database spanhouse_alt)" : "", n);
    }
    char *out = NULL;
    if (chdb_exec(r.db,
                  "SELECT count() FROM system.tables WHERE database = 'spanhouse_alt' AND "
                  "create_table_query LIKE '%spanhouse.%'",
                  "TSV", &out, NULL, err, sizeof(err)) != 0 ||
        strcmp(out, "0\n") != 0) {
        printf("FAIL rewrite: objects in spanhouse_alt still name spanhouse. (%s)\n",
               out ? out : err);
        free(out);
        goto done;
    }
    free(out);
#define CONTRACT_COL_(name, modern, legacy, kind, field) #name "\t" modern "\n"
#define CONTRACT_CNT_(name, modern, legacy, kind, field) +1
    static const char spans_expected[] = COLUMNS_MAP(CONTRACT_COL_);
    static const char rejected_expected[] =
        "received_at\tDateTime64(3, 'UTC')\nkind\tLowCardinality(String)\n"
        "topic\tLowCardinality(String)\npartition\tInt32\noffset\tInt64\nkey\tString\n"
        "reason\tLowCardinality(String)\nfield\tString\ndetail\tString\npayload\tString\n";
    if (!check_contract(&r, "llm_spans", spans_expected, 0 COLUMNS_MAP(CONTRACT_CNT_)) ||
        !check_contract(&r, "llm_spans_rejected", rejected_expected, 10))
        goto done;
    /* spanhouse_alt stays: DROP DATABASE ... SYNC hangs in libchdb 26.5 with materialized views. */
    int n = schema_apply_ex(explain_cb, &r, schema, NULL, NULL, SCHEMA_APPLY_CLUSTER, err,
                            sizeof(err));
    if (n <= 0) {
        printf("FAIL cluster schema parse: %s\n", n == 0 ? "no statements" : err);
        goto done;
    }
    printf("PASS cluster schema parses: %d statements\n", n);
    char optdir[1024];
    snprintf(optdir, sizeof(optdir), "%s/optional", schema);
    n = schema_apply_ex(explain_cb, &r, optdir, NULL, NULL, 0, err, sizeof(err));
    if (n <= 0) {
        printf("FAIL optional schema (row policies) parse: %s\n", n == 0 ? "no statements" : err);
        goto done;
    }
    printf("PASS optional schema (row policies) parses: %d statements\n", n);
    rc = run_tests(&r, schema, views, queries, only, record);
done:
    chdb_close(r.db);
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0) rc = 1;
    return rc;
}
