/* sink_chdb: sink_t over the embedded engine (see sink_chdb.h). Inserts go through
 * chdb_insert_rowbinary (a temporary file read with file(…, RowBinary, structure)) because
 * RowBinary inlined in the query text is unreliable in libchdb. */
#include "sink_chdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

typedef struct sink_chdb_s {
    sink_t base;
    chdb_t *db; /* borrowed */
    char *database;
    buf_t sql; /* scratch for quoted strings and the table name */
} sink_chdb_t;

/* Appends s as the body of a single-quoted SQL string literal. */
static void sink_chdb_put_quoted(buf_t *b, const char *s) {
    buf_append_sql_escaped(b, s, strlen(s));
}

/* Appends the structure the temporary file is read with: structure with every
 * LowCardinality(T) written as T, quoted as the body of a SQL string literal. The bytes are the
 * same (RowBinary encodes LowCardinality(String) as String) and the insert converts the block
 * column-wise, while reading LowCardinality straight from RowBinary inserts into the dictionary
 * row by row: measured on libchdb, 300,000 loadgen spans (24 LowCardinality columns), reading
 * the file took 2.43 s as LowCardinality and 0.48 s as String, and the whole INSERT … SELECT
 * into llm_spans 2.85 s against 0.95 s. */
static void sink_chdb_put_read_structure(buf_t *b, const char *s) {
    static const char lc[] = "LowCardinality(";
    uint64_t drop = 0; /* bit d set: the ')' closing depth d belongs to a dropped wrapper */
    unsigned depth = 0;
    for (const char *p = s; *p;) {
        if (!strncmp(p, lc, sizeof(lc) - 1)) {
            depth++;
            if (depth < 64) drop |= (uint64_t)1 << depth;
            p += sizeof(lc) - 1;
            continue;
        }
        if (*p == '(') {
            depth++;
            if (depth < 64) drop &= ~((uint64_t)1 << depth);
        } else if (*p == ')' && depth) {
            int dropped = depth < 64 && (drop >> depth & 1);
            depth--;
            if (dropped) {
                p++;
                continue;
            }
        }
        buf_append_sql_escaped(b, p, 1);
        p++;
    }
}

static int sink_chdb_fail(sink_result_t *res, const char *msg) {
    return sink_result_from_message(res, msg, strlen(msg), 0);
}

static int sink_chdb_insert(sink_t *sk, const char *table, const char *columns,
                            const char *structure, const void *rowbin, size_t len,
                            const char *dedup_token, sink_result_t *res) {
    sink_chdb_t *c = (sink_chdb_t *)sk;
    if (!structure || !*structure) {
        res->err = ERR_INVAL;
        snprintf(res->msg, sizeof(res->msg), "the embedded sink needs the structure string");
        return res->err;
    }
    /* One scratch buffer, three NUL-terminated strings: table, structure, settings. */
    buf_t *b = &c->sql;
    buf_reset(b);
    if (c->database && !strchr(table, '.')) {
        buf_put(b, c->database, strlen(c->database));
        buf_put(b, ".", 1);
    }
    buf_put(b, table, strlen(table) + 1);
    size_t st_off = b->len;
    sink_chdb_put_read_structure(b, structure);
    buf_put(b, "", 1);
    size_t set_off = b->len;
    if (dedup_token) {
        /* optimize_on_insert = 0: the aggregate tables' views already fold each block
         * (docs/design.md, "What an insert costs the server"). */
        static const char a[] = "insert_deduplication_token = '";
        static const char z[] =
            "', deduplicate_blocks_in_dependent_materialized_views = 1, insert_deduplicate = 1, "
            "async_insert = 0, optimize_on_insert = 0";
        buf_put(b, a, sizeof(a) - 1);
        sink_chdb_put_quoted(b, dedup_token);
        buf_put(b, z, sizeof(z) - 1);
    }
    buf_put(b, "", 1);
    if (buf_error(b)) {
        res->err = buf_error(b);
        snprintf(res->msg, sizeof(res->msg), "out of memory");
        return res->err;
    }
    const char *s = (const char *)b->data;
    char err[1024];
    if (chdb_insert_rowbinary(c->db, s, columns, s + st_off, dedup_token ? s + set_off : NULL,
                              rowbin, len, err, sizeof(err)) != 0)
        return sink_chdb_fail(res, err);
    return res->err = ERR_OK;
}

static int sink_chdb_exec(sink_t *sk, const char *sql, char **out, sink_result_t *res) {
    sink_chdb_t *c = (sink_chdb_t *)sk;
    char err[1024];
    if (chdb_exec(c->db, sql, "TabSeparated", out, NULL, err, sizeof(err)) != 0)
        return sink_chdb_fail(res, err);
    return res->err = ERR_OK;
}

static void sink_chdb_destroy(sink_t *sk) {
    sink_chdb_t *c = (sink_chdb_t *)sk;
    if (!c) return;
    buf_deinit(&c->sql);
    free(c->database);
    free(c);
}

static const sink_ops_t sink_chdb_ops = {"chdb", sink_chdb_insert, sink_chdb_exec,
                                         sink_chdb_destroy};

sink_t *sink_chdb_new(chdb_t *db, const char *database, char *errstr, size_t errstr_size) {
    if (!db) {
        snprintf(errstr, errstr_size, "no embedded engine given");
        return NULL;
    }
    sink_chdb_t *c = calloc(1, sizeof(*c));
    if (!c) goto nomem;
    c->base.ops = &sink_chdb_ops;
    c->db = db;
    buf_init(&c->sql, 0);
    if (database && *database && !(c->database = strdup(database))) goto nomem;
    return &c->base;
nomem:
    snprintf(errstr, errstr_size, "out of memory");
    sink_chdb_destroy(c ? &c->base : NULL);
    return NULL;
}
