/* reconcile: rollups checked against their source and rebuilt where they drift (see
 * reconcile.h). Every statement is built in one buf_t and run through sink_exec. */
#include "reconcile.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "err.h"

typedef struct rec_def_s {
    const char *table, *col;
    int col_is_date;
    const char *mv, *src, *src_col;
    int64_t width;
    int parent;   /* level it is fed from, -1 = the raw spans */
    char compare; /* 'R' requests and cost, 'C' rows */
    int64_t max_age;
} rec_def_t;

static const rec_def_t rec_defs[REC_N] = {
#define REC_DEF(id, table, col, is_date, mv, src, src_col, width, parent, compare, max_age)        \
    {table, col, is_date, mv, src, src_col, width, parent, compare, max_age},
    REC_LEVELS(REC_DEF)
#undef REC_DEF
};

const char *rec_level_name(rec_level_t level) {
    return level < REC_N ? rec_defs[level].table : "?";
}

static void set_err(char *e, size_t n, const char *what, const char *msg) {
    if (n) snprintf(e, n, "%s: %s", what, msg);
}

/* Runs the statement in b (NUL-terminated by buf_printf); *out as sink_exec. */
static int run(sink_t *sk, buf_t *b, char **out, const char *what, char *e, size_t en) {
    if (buf_error(b)) {
        set_err(e, en, what, err_name(buf_error(b)));
        return buf_error(b);
    }
    sink_result_t res;
    int rc = sink_exec(sk, (const char *)b->data, out, &res);
    if (rc != ERR_OK) set_err(e, en, what, res.msg);
    return rc;
}

/* col within [lo, hi) seconds; a Date column compares with the UTC dates. */
static void put_range(buf_t *b, const char *col, int is_date, int64_t lo, int64_t hi) {
    if (is_date)
        buf_printf(b,
                   "%s >= toDate(toDateTime(%" PRId64
                   ", 'UTC')) AND %s < toDate(toDateTime(%" PRId64 ", 'UTC'))",
                   col, lo, col, hi);
    else
        buf_printf(b,
                   "%s >= toDateTime(%" PRId64 ", 'UTC') AND %s < toDateTime(%" PRId64 ", 'UTC')",
                   col, lo, col, hi);
}

/* The bucket start of col as a DateTime, for a bucket of width seconds. */
static void put_bucket(buf_t *b, const char *col, int is_date, int64_t width) {
    if (is_date)
        buf_printf(b, "toDateTime(%s, 'UTC')", col);
    else
        buf_printf(b, "%s(%s)", width == 86400 ? "toStartOfDay" : "toStartOfHour", col);
}

static int check_level(sink_t *sk, const char *db, rec_level_t lv, int64_t from, int64_t to,
                       rec_drift_t **out, size_t *n, size_t *cap, char *e, size_t en) {
    const rec_def_t *d = &rec_defs[lv];
    int64_t oldest = (int64_t)time(NULL) - d->max_age;
    if (d->max_age && from < oldest) from = oldest; /* older buckets are gone by design */
    int64_t lo = (from + d->width - 1) / d->width * d->width, hi = to / d->width * d->width;
    if (hi <= lo) return ERR_OK;
    buf_t b;
    buf_init(&b, 0);
    buf_printf(&b, "SELECT b, e.n, e.c, s.n, s.c, s.n > e.n FROM (SELECT toUnixTimestamp(");
    put_bucket(&b, d->src_col, 0, d->width);
    if (d->compare == 'C')
        buf_printf(&b, ") AS b, count() AS n, toDecimal128(0, 9) AS c");
    else if (d->compare == 'K')
        buf_printf(&b,
                   ") AS b, count() AS n, "
                   "sumIf(toDecimal128(cost_usd_computed, 9), cost_source != 'cache_hit') AS c");
    else if (d->parent < 0) /* the raw rows: what the 1-minute view computes from them */
        buf_printf(&b, ") AS b, count() AS n, sum(toDecimal128(cost_usd, 9)) AS c");
    else
        buf_printf(&b, ") AS b, sum(requests) AS n, sum(cost_usd) AS c");
    buf_printf(&b, " FROM %s.%s WHERE ", db, d->src);
    put_range(&b, d->src_col, 0, lo, hi);
    buf_printf(&b, " GROUP BY b) AS e FULL OUTER JOIN (SELECT toUnixTimestamp(");
    put_bucket(&b, d->col, d->col_is_date, d->width);
    buf_printf(&b,
               d->compare == 'C' ? ") AS b, count() AS n, toDecimal128(0, 9) AS c FROM %s.%s WHERE "
               : d->compare == 'K'
                   ? ") AS b, sum(spans) AS n, sum(cost_usd_computed) AS c FROM "
                     "%s.%s WHERE "
                   : ") AS b, sum(requests) AS n, sum(cost_usd) AS c FROM %s.%s WHERE ",
               db, d->table);
    put_range(&b, d->col, d->col_is_date, lo, hi);
    buf_printf(&b, " GROUP BY b) AS s USING (b) WHERE e.n != s.n OR e.c != s.c ORDER BY b "
                   "FORMAT TabSeparated");
    char *res = NULL;
    int rc = run(sk, &b, &res, d->table, e, en);
    buf_deinit(&b);
    for (char *line = res, *next; rc == ERR_OK && line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        rec_drift_t r = {.level = lv};
        char *f[6];
        int nf = 0;
        for (char *p = line; nf < 6; p++) {
            f[nf++] = p;
            if (!(p = strchr(p, '\t'))) break;
            *p = '\0';
        }
        if (nf != 6) {
            set_err(e, en, d->table, "unexpected answer to the drift query");
            rc = ERR_SERVER_FATAL;
            break;
        }
        r.bucket = strtoll(f[0], NULL, 10);
        r.want_rows = strtoull(f[1], NULL, 10);
        snprintf(r.want_cost, sizeof(r.want_cost), "%s", f[2]);
        r.have_rows = strtoull(f[3], NULL, 10);
        snprintf(r.have_cost, sizeof(r.have_cost), "%s", f[4]);
        r.exceeds = f[5][0] == '1';
        if (*n == *cap) {
            size_t nc = *cap ? *cap * 2 : 16;
            rec_drift_t *nd = realloc(*out, nc * sizeof(*nd));
            if (!nd) {
                rc = ERR_NOMEM;
                set_err(e, en, d->table, "out of memory");
                break;
            }
            *out = nd;
            *cap = nc;
        }
        (*out)[(*n)++] = r;
    }
    free(res);
    return rc;
}

int rec_check(sink_t *sk, const char *database, int64_t from, int64_t to, rec_drift_t **out,
              size_t *n, char *errstr, size_t errstr_size) {
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    for (int lv = 0; lv < REC_N; lv++) {
        int rc =
            check_level(sk, database, (rec_level_t)lv, from, to, out, n, &cap, errstr, errstr_size);
        if (rc != ERR_OK) {
            free(*out);
            *out = NULL;
            *n = 0;
            return rc;
        }
    }
    return ERR_OK;
}

static int delete_range(sink_t *sk, const char *db, const rec_def_t *d, int64_t lo, int64_t hi,
                        char *e, size_t en) {
    buf_t b;
    buf_init(&b, 0);
    buf_printf(&b, "ALTER TABLE %s.%s DELETE WHERE ", db, d->table);
    put_range(&b, d->col, d->col_is_date, lo, hi);
    buf_printf(&b, " SETTINGS mutations_sync = 2");
    int rc = run(sk, &b, NULL, d->table, e, en);
    buf_deinit(&b);
    return rc;
}

/* Strips trailing newlines of a TSVRaw answer. */
static void chomp(char *s) {
    size_t l = strlen(s);
    while (l && (s[l - 1] == '\n' || s[l - 1] == '\r'))
        s[--l] = '\0';
}

/* Inserts into level d the view's rows computed from its source rows within [lo, hi), minus
 * those within [xlo, xhi) when xhi > xlo. */
static int insert_from_source(sink_t *sk, const char *db, const rec_def_t *d, int64_t lo,
                              int64_t hi, int64_t xlo, int64_t xhi, char *e, size_t en) {
    char *sel = NULL, *cols = NULL;
    buf_t b;
    buf_init(&b, 0);
    buf_printf(
        &b,
        "SELECT as_select FROM system.tables WHERE database = '%s' AND name = '%s' FORMAT TSVRaw",
        db, d->mv);
    int rc = run(sk, &b, &sel, d->mv, e, en);
    if (rc == ERR_OK) {
        buf_reset(&b);
        buf_printf(
            &b,
            "SELECT arrayStringConcat(groupArray(concat('`', name, '`')), ', ') FROM (SELECT name "
            "FROM system.columns WHERE database = '%s' AND table = '%s' ORDER BY position) FORMAT "
            "TSVRaw",
            db, d->table);
        rc = run(sk, &b, &cols, d->table, e, en);
    }
    if (rc == ERR_OK) {
        chomp(sel);
        chomp(cols);
        /* The view reads "FROM <db>.<src>" exactly once: that becomes the bounded sub-select. */
        char from[160];
        snprintf(from, sizeof(from), "FROM %s.%s", db, d->src);
        const char *at = NULL;
        int seen = 0;
        for (const char *p = strstr(sel, from); p; p = strstr(p + 1, from)) {
            char c = p[strlen(from)];
            if (c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                (c >= '0' && c <= '9'))
                continue;
            at = p;
            seen++;
        }
        if (seen != 1 || !*cols) {
            set_err(e, en, d->mv,
                    "view definition not recognised (expected one FROM of its source)");
            rc = ERR_SERVER_FATAL;
        } else {
            buf_reset(&b);
            buf_printf(
                &b, "INSERT INTO %s.%s (%s) SELECT %s FROM (%.*s FROM (SELECT * FROM %s.%s WHERE ",
                db, d->table, cols, cols, (int)(at - sel), sel, db, d->src);
            put_range(&b, d->src_col, 0, lo, hi);
            if (xhi > xlo) {
                buf_printf(&b, " AND NOT (");
                put_range(&b, d->src_col, 0, xlo, xhi);
                buf_printf(&b, ")");
            }
            buf_printf(&b,
                       ")%s) SETTINGS insert_deduplicate = 0, "
                       "deduplicate_blocks_in_dependent_materialized_views = 0",
                       at + strlen(from));
            rc = run(sk, &b, NULL, d->table, e, en);
        }
    }
    free(sel);
    free(cols);
    buf_deinit(&b);
    return rc;
}

/* Whether level j is fed, directly or through others, from level i. */
static int fed_from(int j, int i) {
    for (int p = rec_defs[j].parent; p >= 0; p = rec_defs[p].parent)
        if (p == i) return 1;
    return 0;
}

int rec_repair(sink_t *sk, const char *database, const rec_drift_t *dr, char *errstr,
               size_t errstr_size) {
    if (dr->level >= REC_N || dr->exceeds) {
        set_err(errstr, errstr_size, rec_level_name(dr->level),
                "holds more than its source: not rebuilt");
        return ERR_CONFIG;
    }
    const rec_def_t *d = &rec_defs[dr->level];
    int64_t lo = dr->bucket, hi = lo + d->width;
    int rc = ERR_OK;
    /* Out with the bucket, here and in every level fed from it (a coarser one: its enclosing
     * bucket). */
    for (int j = 0; j < REC_N && rc == ERR_OK; j++) {
        if (j != (int)dr->level && !fed_from(j, (int)dr->level)) continue;
        const rec_def_t *dj = &rec_defs[j];
        int64_t jlo = lo - lo % dj->width;
        rc = delete_range(sk, database, dj, jlo, dj->width > d->width ? jlo + dj->width : hi,
                          errstr, errstr_size);
    }
    /* In again from the source; the views downstream fire for [lo, hi). */
    if (rc == ERR_OK) rc = insert_from_source(sk, database, d, lo, hi, 0, 0, errstr, errstr_size);
    /* A coarser level downstream lost the rest of its bucket with the delete: add it back from
     * its own source (such a level feeds nothing further). */
    for (int j = 0; j < REC_N && rc == ERR_OK; j++) {
        const rec_def_t *dj = &rec_defs[j];
        if (!fed_from(j, (int)dr->level) || dj->width <= d->width) continue;
        int64_t jlo = lo - lo % dj->width;
        rc =
            insert_from_source(sk, database, dj, jlo, jlo + dj->width, lo, hi, errstr, errstr_size);
    }
    return rc;
}
