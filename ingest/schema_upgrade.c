/* schema_upgrade: compare an installed object with this release's statement and close the gap
 * (see schema_upgrade.h). Every statement is built in one buf_t and run through up->query. */
#include "schema_upgrade.h"

#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCRATCH_PREFIX "_spanhouse_next_"

/* Appends s[0..n) as a single-quoted SQL string literal. */
static void put_literal(buf_t *b, const char *s, size_t n) {
    buf_append(b, "'", 1);
    buf_append_sql_escaped(b, s, n);
    buf_append(b, "'", 1);
}

/* Runs the statement in b; *out as schema_query_fn. */
static int run(schema_upgrade_t *up, buf_t *b, char **out, char *e, size_t en) {
    buf_append(b, "", 1);
    if (buf_error(b)) {
        snprintf(e, en, "out of memory");
        return -1;
    }
    return up->query(up->ctx, (const char *)b->data, out, e, en) ? -1 : 0;
}

/* Runs the query in b: 1 when it returned a row, 0 when none, -1 on failure (e filled). */
static int any_row(schema_upgrade_t *up, buf_t *b, char *e, size_t en) {
    char *out = NULL;
    int rc = run(up, b, &out, e, en) ? -1 : out && *out;
    free(out);
    return rc;
}

/* Splits the next line of *p (TabSeparated) in place into at most max unescaped fields;
 * advances *p past it. Returns the number of fields, 0 at the end. */
static int next_row(char **p, char **f, int max) {
    char *s = *p;
    if (!s || !*s) return 0;
    char *eol = strchr(s, '\n');
    if (eol) *eol = 0;
    *p = eol ? eol + 1 : s + strlen(s);
    int n = 0;
    f[n++] = s;
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r == '\t') {
            *w++ = 0;
            if (n < max) f[n++] = w;
            continue;
        }
        if (*r == '\\' && r[1]) {
            r++;
            *w++ = *r == 't' ? '\t' : *r == 'n' ? '\n' : *r == '0' ? '\0' : *r;
            continue;
        }
        *w++ = *r;
    }
    *w = 0;
    return n;
}

static void note(schema_upgrade_t *up, const char *what, const char *obj, const char *detail) {
    if (!strcmp(what, "warning"))
        up->warnings++;
    else
        up->changes++;
    if (up->note) up->note(up->ctx, what, obj, detail);
}

/* Views and materialized views: the server formats the file's query and compares it with the
 * stored one. */
static int upgrade_view(schema_upgrade_t *up, const char *db, const char *name, const char *stmt,
                        const schema_head_t *h, const char *obj, char *e, size_t en) {
    buf_t b;
    char *out = NULL;
    int rc = -1;
    buf_init(&b, 0);
    if (!h->select_off) {
        snprintf(e, en, "%s: no AS SELECT in the statement", obj);
        goto done;
    }
    buf_printf(&b, "SELECT engine, formatQuerySingleLine(");
    put_literal(&b, stmt + h->select_off, strlen(stmt + h->select_off));
    buf_printf(&b, ") = as_select FROM system.tables WHERE database = '%s' AND name = '%s'", db,
               name);
    if (run(up, &b, &out, e, en)) goto done;
    char *p = out, *f[2];
    if (next_row(&p, f, 2) < 2) {
        rc = 0; /* not installed */
        goto done;
    }
    rc = 1;
    int mat = h->kind == SCHEMA_OBJ_MATVIEW;
    if (strcmp(f[0], mat ? "MaterializedView" : "View")) {
        char d[256];
        snprintf(d, sizeof(d), "installed as a %s engine, this release defines a %s: kept", f[0],
                 mat ? "materialized view" : "view");
        note(up, "warning", obj, d);
        goto done;
    }
    if (!strcmp(f[1], "1")) goto done; /* current */
    note(up, mat ? "modify query" : "replace view", obj,
         mat ? "its query differs from this release's (rows stored before keep the old one)"
             : "its query differs from this release's");
    if (up->plan) goto done;
    buf_reset(&b);
    if (mat)
        buf_printf(&b, "ALTER TABLE %s.%s MODIFY QUERY %s", db, name, stmt + h->select_off);
    else
        buf_printf(&b, "CREATE OR REPLACE VIEW %s.%s%s", db, name, stmt + h->body_off);
    if (run(up, &b, NULL, e, en)) rc = -1;
done:
    free(out);
    buf_deinit(&b);
    return rc;
}

/* Tables: a scratch table from the file's statement, then column by column. */
static int upgrade_table(schema_upgrade_t *up, const char *db, const char *name, const char *stmt,
                         const schema_head_t *h, const char *obj, char *e, size_t en) {
    buf_t b;
    char *out = NULL, *f[4];
    int rc = -1, scratch = 0;
    buf_init(&b, 0);
    buf_printf(&b, "SELECT engine FROM system.tables WHERE database = '%s' AND name = '%s'", db,
               name);
    if (run(up, &b, &out, e, en)) goto done;
    if (!out || !*out) {
        rc = 0;
        goto done;
    }
    free(out);
    out = NULL;
    buf_reset(&b);
    buf_printf(&b, "DROP TABLE IF EXISTS %s." SCRATCH_PREFIX "%s SYNC", db, name);
    if (run(up, &b, NULL, e, en)) goto done;
    buf_reset(&b);
    buf_printf(&b, "CREATE TABLE %s." SCRATCH_PREFIX "%s%s", db, name, stmt + h->body_off);
    if (run(up, &b, NULL, e, en)) goto done;
    scratch = 1;
    /* A sorting key this release extends with columns it adds (as llm_kpi_1m's experiment_id):
     * ClickHouse can append only columns added in the same ALTER to a key (the stored order
     * still holds, the new columns being constant), so those columns are added together with a
     * MODIFY ORDER BY; any other key change stays a warning below. */
    char newkey[1024] = "", keycols[1024] = "";
    buf_reset(&b);
    buf_printf(&b,
               "SELECT o.sorting_key, n.sorting_key FROM system.tables AS o, system.tables AS n "
               "WHERE o.database = '%s' AND o.name = '%s' AND n.database = '%s' AND n.name = "
               "'" SCRATCH_PREFIX
               "%s' AND o.sorting_key != '' AND o.sorting_key != n.sorting_key AND "
               "startsWith(n.sorting_key, concat(o.sorting_key, ', '))",
               db, name, db, name);
    if (run(up, &b, &out, e, en)) goto done;
    {
        char *q = out;
        if (out && next_row(&q, f, 2) == 2 && strlen(f[1]) < sizeof(newkey)) {
            snprintf(newkey, sizeof(newkey), "%s", f[1]);
            /* ", c1, c2," : the appended columns, each between ", " and "," */
            snprintf(keycols, sizeof(keycols), "%s,", f[1] + strlen(f[0]));
        }
    }
    free(out);
    out = NULL;
    buf_t keyalter; /* ALTER … ADD COLUMN …, … MODIFY ORDER BY, built in the loop below */
    buf_init(&keyalter, 0);
    int n_keyadd = 0;
    /* Every column of the scratch table in order, with the installed type ('' = missing) and
     * the definition an ADD COLUMN needs. */
    buf_reset(&b);
    buf_printf(&b,
               "SELECT n.name, n.type, o.type, concat(n.type, if(n.default_kind = '', '', "
               "concat(' ', n.default_kind, ' ', n.default_expression)), "
               "if(n.compression_codec = '', '', concat(' ', n.compression_codec))) "
               "FROM system.columns AS n LEFT JOIN (SELECT name, type FROM system.columns WHERE "
               "database = '%s' AND table = '%s') AS o ON n.name = o.name "
               "WHERE n.database = '%s' AND n.table = '" SCRATCH_PREFIX "%s' ORDER BY n.position "
               "SETTINGS join_use_nulls = 0",
               db, name, db, name);
    if (run(up, &b, &out, e, en)) {
        buf_deinit(&keyalter);
        goto done;
    }
    char *p = out, *prev = NULL;
    while (next_row(&p, f, 4) == 4) {
        char d[512], pat[300];
        snprintf(pat, sizeof(pat), ", %s,", f[0]);
        if (!*f[2] && *newkey && strstr(keycols, pat)) {
            snprintf(d, sizeof(d), "%s %s (appended to the sorting key)", f[0], f[3]);
            note(up, "add column", obj, d);
            buf_printf(&keyalter, "%sADD COLUMN IF NOT EXISTS `%s` %s %s%s%s",
                       n_keyadd++ ? ", " : "", f[0], f[3], prev ? "AFTER `" : "FIRST",
                       prev ? prev : "", prev ? "`" : "");
        } else if (!*f[2]) {
            snprintf(d, sizeof(d), "%s %s", f[0], f[3]);
            note(up, "add column", obj, d);
            if (!up->plan) {
                buf_reset(&b);
                buf_printf(&b, "ALTER TABLE %s.%s ADD COLUMN IF NOT EXISTS `%s` %s %s%s%s", db,
                           name, f[0], f[3], prev ? "AFTER `" : "FIRST", prev ? prev : "",
                           prev ? "`" : "");
                if (run(up, &b, NULL, e, en)) goto done;
            }
        } else if (strcmp(f[1], f[2])) {
            snprintf(d, sizeof(d),
                     "column %s is %s, this release has %s: kept (see "
                     "docs/schema.md, \"Upgrading an existing install\")",
                     f[0], f[2], f[1]);
            note(up, "warning", obj, d);
        }
        prev = f[0];
    }
    free(out);
    out = NULL;
    /* Every appended key column must be one this apply adds; else the key differs otherwise. */
    int n_keycols = 0, key_planned = 0;
    for (const char *k = keycols; (k = strstr(k, ", ")); k += 2)
        n_keycols++;
    if (n_keyadd && n_keyadd == n_keycols) {
        char d[1100];
        snprintf(d, sizeof(d), "(%s)", newkey);
        note(up, "modify order by", obj, d);
        key_planned = up->plan;
        if (!up->plan) {
            buf_reset(&b);
            buf_printf(&b, "ALTER TABLE %s.%s ", db, name);
            buf_append(&b, keyalter.data, keyalter.len);
            buf_printf(&b, ", MODIFY ORDER BY (%s)", newkey);
            if (run(up, &b, NULL, e, en)) {
                buf_deinit(&keyalter);
                goto done;
            }
        }
    } else if (n_keyadd) {
        char d[1100];
        snprintf(d, sizeof(d),
                 "this release extends the sorting key to (%s) with columns not all new here: "
                 "kept, and the new key columns are not added (see docs/schema.md, \"Upgrading an "
                 "existing install\")",
                 newkey);
        note(up, "warning", obj, d);
    }
    buf_deinit(&keyalter);
    /* Raw retention the operator set (raw-retention-days): the TTL is changed, not warned about
     * (MODIFY TTL also applies it to the stored parts, in the background). */
    int ttl_planned = 0;
    if (up->raw_retention_days > 0 && !strcmp(name, "llm_spans")) {
        buf_reset(&b);
        buf_printf(&b,
                   "SELECT 1 FROM system.tables WHERE database = '%s' AND name = '%s' AND "
                   "position(engine_full, 'toIntervalDay(%d)') = 0",
                   db, name, up->raw_retention_days);
        int differs = any_row(up, &b, e, en);
        if (differs < 0) goto done;
        if (differs) {
            char d[128];
            snprintf(d, sizeof(d), "raw spans kept %d days (TTL)", up->raw_retention_days);
            note(up, "set retention", obj, d);
            ttl_planned = up->plan;
            if (!up->plan) {
                buf_reset(&b);
                buf_printf(&b,
                           "ALTER TABLE %s.%s MODIFY TTL toDateTime(timestamp) + INTERVAL %d DAY "
                           "DELETE",
                           db, name, up->raw_retention_days);
                if (run(up, &b, NULL, e, en)) goto done;
            }
        }
    }
    /* Columns this release no longer has, and the engine clause. */
    buf_reset(&b);
    buf_printf(&b,
               "SELECT 'column', name FROM system.columns WHERE database = '%s' AND table = '%s' "
               "AND name NOT IN (SELECT name FROM system.columns WHERE database = '%s' AND table "
               "= '" SCRATCH_PREFIX "%s') UNION ALL SELECT 'engine', '' FROM system.tables AS o, "
               "system.tables AS n WHERE o.database = '%s' AND o.name = '%s' AND n.database = '%s' "
               "AND n.name = '" SCRATCH_PREFIX "%s' AND if(o.primary_key != o.sorting_key AND "
               "n.primary_key = n.sorting_key, replaceOne(o.engine_full, concat(' PRIMARY KEY (', "
               "o.primary_key, ')'), ''), o.engine_full) != n.engine_full",
               db, name, db, name, db, name, db, name);
    if (run(up, &b, &out, e, en)) goto done;
    p = out;
    while (next_row(&p, f, 2) == 2) {
        char d[512];
        if (!strcmp(f[0], "column"))
            snprintf(d, sizeof(d), "column %s is not in this release's definition: kept", f[1]);
        else if (ttl_planned || key_planned)
            continue; /* the planned TTL or key change is the difference (plan changes nothing) */
        else
            snprintf(d, sizeof(d),
                     "engine, keys, TTL or settings differ from this release's: "
                     "kept (see docs/schema.md, \"Upgrading an existing install\")");
        note(up, "warning", obj, d);
    }
    rc = 1;
done:
    free(out);
    if (scratch) {
        char e2[256];
        buf_reset(&b);
        buf_printf(&b, "DROP TABLE IF EXISTS %s." SCRATCH_PREFIX "%s SYNC", db, name);
        if (run(up, &b, NULL, e2, sizeof(e2)) && rc >= 0) {
            snprintf(e, en, "%s: dropping the scratch table: %s", obj, e2);
            rc = -1;
        }
    }
    buf_deinit(&b);
    return rc;
}

static int database_exists(schema_upgrade_t *up, const char *db, char *e, size_t en) {
    buf_t b;
    buf_init(&b, 0);
    buf_printf(&b, "SELECT 1 FROM system.databases WHERE name = '%s'", db);
    int rc = any_row(up, &b, e, en);
    buf_deinit(&b);
    return rc;
}

/* A view this release retired: dropped (in plan mode: reported) when installed. 1 handled. */
static int retire_view(schema_upgrade_t *up, const char *db, const char *name, const char *obj,
                       char *e, size_t en) {
    buf_t b;
    buf_init(&b, 0);
    buf_printf(&b, "SELECT 1 FROM system.tables WHERE database = '%s' AND name = '%s'", db, name);
    int rc = any_row(up, &b, e, en);
    if (rc == 1) {
        note(up, "drop view", obj, "retired: replaced by this release's schema");
        if (!up->plan) {
            buf_reset(&b);
            buf_printf(&b, "DROP VIEW IF EXISTS %s.%s", db, name);
            rc = run(up, &b, NULL, e, en) ? -1 : 1;
        }
    }
    buf_deinit(&b);
    return rc < 0 ? -1 : 1;
}

int schema_upgrade_stmt(schema_upgrade_t *up, const char *database, const char *stmt,
                        const schema_head_t *h, char *errstr, size_t errstr_size) {
    char db[128], name[128], obj[260];
    if (h->db_len)
        snprintf(db, sizeof(db), "%.*s", (int)h->db_len, stmt + h->db_off);
    else
        snprintf(db, sizeof(db), "%s", database);
    snprintf(name, sizeof(name), "%.*s", (int)h->name_len, stmt + h->name_off);
    int rc;
    if (h->kind == SCHEMA_OBJ_DATABASE) {
        snprintf(obj, sizeof(obj), "%s", name);
        rc = database_exists(up, name, errstr, errstr_size);
    } else {
        snprintf(obj, sizeof(obj), "%s.%s", db, name);
        /* In plan mode a database still to be created holds nothing yet. */
        rc = up->plan ? database_exists(up, db, errstr, errstr_size) : 1;
        if (h->kind == SCHEMA_OBJ_DROP_VIEW)
            return rc == 1 ? retire_view(up, db, name, obj, errstr, errstr_size) : rc < 0 ? -1 : 1;
        if (rc == 1 && h->kind == SCHEMA_OBJ_TABLE)
            rc = upgrade_table(up, db, name, stmt, h, obj, errstr, errstr_size);
        else if (rc == 1 && (h->kind == SCHEMA_OBJ_VIEW || h->kind == SCHEMA_OBJ_MATVIEW))
            rc = upgrade_view(up, db, name, stmt, h, obj, errstr, errstr_size);
        else if (rc == 1)
            rc = 0;
    }
    if (rc == 0 && up->plan) {
        note(up, "create", obj, "not installed");
        return 1;
    }
    return rc;
}
