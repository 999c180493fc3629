/* chdb: dlopen wrapper over libchdb's C API (see chdb.h). Declares the few entry points
 * itself because the npm package ships no header. */
#include "chdb.h"

#include <dlfcn.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct chdb_conn_ {
    void *internal;
} * chdb_connection;
typedef struct chdb_result_ chdb_result;

struct chdb_s {
    void *dl;
    chdb_connection *conn;
    chdb_connection *(*connect)(int, char **);
    void (*close_conn)(chdb_connection *);
    chdb_result *(*query_n)(chdb_connection, const char *, size_t, const char *, size_t);
    char *(*result_buffer)(chdb_result *);
    size_t (*result_length)(chdb_result *);
    const char *(*result_error)(chdb_result *);
    void (*destroy_result)(chdb_result *);
    char tmpdir[256];
    unsigned long seq;
};

static void *chdb_find_lib(char *errstr, size_t errstr_size) {
    const char *env = getenv("SPANHOUSE_CHDB_LIB");
    const char *pats[] = {"./.deps/chdb/node_modules/@chdb/*/libchdb.so",
                          "../.deps/chdb/node_modules/@chdb/*/libchdb.so",
                          "../../.deps/chdb/node_modules/@chdb/*/libchdb.so",
                          "/opt/spanhouse/.deps/chdb/node_modules/@chdb/*/libchdb.so"};
    void *dl = NULL;
    if (env && *env) {
        dl = dlopen(env, RTLD_NOW | RTLD_LOCAL);
        if (!dl) snprintf(errstr, errstr_size, "dlopen %s: %s", env, dlerror());
        return dl;
    }
    for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]) && !dl; i++) {
        glob_t g;
        if (glob(pats[i], 0, NULL, &g) == 0 && g.gl_pathc > 0)
            dl = dlopen(g.gl_pathv[0], RTLD_NOW | RTLD_LOCAL);
        globfree(&g);
    }
    if (!dl)
        snprintf(errstr, errstr_size,
                 "libchdb.so not found: run scripts/install-chdb.sh or set SPANHOUSE_CHDB_LIB");
    return dl;
}

chdb_t *chdb_open(const char *path, char *errstr, size_t errstr_size) {
    return chdb_open_args(path, NULL, 0, errstr, errstr_size);
}

chdb_t *chdb_open_args(const char *path, const char *const *args, int n_args, char *errstr,
                       size_t errstr_size) {
    if (n_args < 0 || n_args > 8) {
        snprintf(errstr, errstr_size, "at most 8 engine arguments");
        return NULL;
    }
    chdb_t *db = calloc(1, sizeof(*db));
    if (!db) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    db->dl = chdb_find_lib(errstr, errstr_size);
    if (!db->dl) goto err;
#define CHDB_SYM_(field, name)                                                                     \
    do {                                                                                           \
        *(void **)(&db->field) = dlsym(db->dl, name);                                              \
        if (!db->field) {                                                                          \
            snprintf(errstr, errstr_size, "libchdb.so lacks %s", name);                            \
            goto err;                                                                              \
        }                                                                                          \
    } while (0)
    CHDB_SYM_(connect, "chdb_connect");
    CHDB_SYM_(close_conn, "chdb_close_conn");
    CHDB_SYM_(query_n, "chdb_query_n");
    CHDB_SYM_(result_buffer, "chdb_result_buffer");
    CHDB_SYM_(result_length, "chdb_result_length");
    CHDB_SYM_(result_error, "chdb_result_error");
    CHDB_SYM_(destroy_result, "chdb_destroy_query_result");
#undef CHDB_SYM_
    char patharg[1024];
    char *argv[11] = {"clickhouse", NULL};
    int argc = 1;
    if (path) {
        snprintf(patharg, sizeof(patharg), "--path=%s", path);
        argv[argc++] = patharg;
    }
    for (int i = 0; i < n_args; i++)
        argv[argc++] = (char *)args[i];
    argv[argc] = NULL;
    db->conn = db->connect(argc, argv);
    if (!db->conn || !*db->conn) {
        snprintf(errstr, errstr_size, "chdb_connect failed (path %s)", path ? path : "(memory)");
        goto err;
    }
    const char *t = getenv("TMPDIR");
    snprintf(db->tmpdir, sizeof(db->tmpdir), "%s", t && *t ? t : "/tmp");
    return db;
err:
    free(db);
    return NULL;
}

void chdb_close(chdb_t *db) {
    if (!db) return;
    if (db->conn) db->close_conn(db->conn);
    free(db);
}

int chdb_exec(chdb_t *db, const char *sql, const char *format, char **out, size_t *out_len,
              char *errstr, size_t errstr_size) {
    if (!format) format = "TSV";
    if (out) *out = NULL;
    chdb_result *r = db->query_n(*db->conn, sql, strlen(sql), format, strlen(format));
    if (!r) {
        snprintf(errstr, errstr_size, "chdb_query_n returned NULL");
        return -1;
    }
    const char *e = db->result_error(r);
    if (e && *e) {
        snprintf(errstr, errstr_size, "%s", e);
        db->destroy_result(r);
        return -1;
    }
    if (out) {
        size_t n = db->result_length(r);
        char *copy = malloc(n + 1);
        if (!copy) {
            db->destroy_result(r);
            snprintf(errstr, errstr_size, "out of memory");
            return -1;
        }
        if (n) memcpy(copy, db->result_buffer(r), n);
        copy[n] = 0;
        *out = copy;
        if (out_len) *out_len = n;
    }
    db->destroy_result(r);
    return 0;
}

int chdb_insert_rowbinary(chdb_t *db, const char *table, const char *columns, const char *structure,
                          const char *settings, const void *data, size_t len, char *errstr,
                          size_t errstr_size) {
    char path[512];
    snprintf(path, sizeof(path), "%s/spanhouse-chdb-%d-%lu.rowbin", db->tmpdir, (int)getpid(),
             db->seq++);
    FILE *f = fopen(path, "wb");
    if (!f) {
        snprintf(errstr, errstr_size, "cannot create %s", path);
        return -1;
    }
    size_t w = len ? fwrite(data, 1, len, f) : 0;
    int bad = (w != len) | (fclose(f) != 0);
    if (bad) {
        unlink(path);
        snprintf(errstr, errstr_size, "cannot write %s", path);
        return -1;
    }
    size_t qn = strlen(table) + strlen(columns) + strlen(structure) + strlen(path) +
                (settings ? strlen(settings) : 0) + 128;
    char *q = malloc(qn);
    if (!q) {
        unlink(path);
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    snprintf(q, qn, "INSERT INTO %s (%s) %s%s SELECT * FROM file('%s', RowBinary, '%s')", table,
             columns, settings ? "SETTINGS " : "", settings ? settings : "", path, structure);
    int rc = chdb_exec(db, q, NULL, NULL, NULL, errstr, errstr_size);
    free(q);
    unlink(path);
    return rc;
}
