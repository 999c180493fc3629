/* schema_apply: statement splitter, database rewrite and the file walk (see schema_apply.h).
 *
 * Hand-written scanner: no SQL library for C parses ClickHouse's dialect, and all we need
 * is where statements end and which bytes are outside quotes and comments. */
#include "schema_apply.h"
#include "schema_upgrade.h"

#include "buf.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum { SCAN_CODE, SCAN_QUOTE, SCAN_LINE_COMMENT, SCAN_BLOCK_COMMENT } scan_state_t;

/* Scanner over SQL text: advances one token-ish step and reports whether the bytes just
 * consumed were code. Shared by the splitter and the rewriter so they agree on quoting. */
typedef struct {
    const char *s;
    size_t len, i;
    scan_state_t st;
    char quote;
} scan_t;

/* Advances past one byte (or an escape pair / comment opener). Returns 1 if the consumed
 * byte(s) at [*start, i) are code, 0 if quoted or commented. */
static int scan_step(scan_t *sc, size_t *start) {
    const char *s = sc->s;
    size_t i = sc->i;
    *start = i;
    char c = s[i], n = i + 1 < sc->len ? s[i + 1] : 0;
    switch (sc->st) {
    case SCAN_CODE:
        if (c == '\'' || c == '"' || c == '`') {
            sc->st = SCAN_QUOTE;
            sc->quote = c;
            sc->i = i + 1;
            return 0;
        }
        if ((c == '-' && n == '-') || (c == '#' && (n == ' ' || n == '!'))) {
            sc->st = SCAN_LINE_COMMENT;
            sc->i = i + 2;
            return 0;
        }
        if (c == '/' && n == '*') {
            sc->st = SCAN_BLOCK_COMMENT;
            sc->i = i + 2;
            return 0;
        }
        sc->i = i + 1;
        return 1;
    case SCAN_QUOTE:
        if (c == '\\' && i + 1 < sc->len) {
            sc->i = i + 2;
        } else if (c == sc->quote && n == sc->quote) {
            sc->i = i + 2; /* doubled quote */
        } else {
            if (c == sc->quote) sc->st = SCAN_CODE;
            sc->i = i + 1;
        }
        return 0;
    case SCAN_LINE_COMMENT:
        if (c == '\n') sc->st = SCAN_CODE;
        sc->i = i + 1;
        return 0;
    case SCAN_BLOCK_COMMENT:
        if (c == '*' && n == '/') {
            sc->st = SCAN_CODE;
            sc->i = i + 2;
        } else {
            sc->i = i + 1;
        }
        return 0;
    }
    sc->i = i + 1;
    return 0;
}

static int is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
static int is_ident(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

int schema_split(const char *sql, size_t len, schema_stmt_fn cb, void *ctx, char *errstr,
                 size_t errstr_size) {
    scan_t sc = {sql, len, 0, SCAN_CODE, 0};
    size_t begin = 0;
    int has_code = 0, index = 0;
    while (sc.i <= len) {
        int at_end = sc.i == len;
        size_t start = sc.i;
        int code = 0;
        if (!at_end) code = scan_step(&sc, &start);
        if (at_end || (code && sql[start] == ';')) {
            if (at_end && (sc.st == SCAN_QUOTE || sc.st == SCAN_BLOCK_COMMENT)) {
                snprintf(errstr, errstr_size, "unterminated %s starting in statement %d",
                         sc.st == SCAN_QUOTE ? "quote" : "comment", index + 1);
                return -1;
            }
            if (has_code) {
                size_t end = start;
                while (end > begin && is_space(sql[end - 1]))
                    end--;
                size_t b = begin;
                while (b < end && is_space(sql[b]))
                    b++;
                char *stmt = malloc(end - b + 1);
                if (!stmt) {
                    snprintf(errstr, errstr_size, "out of memory");
                    return -1;
                }
                memcpy(stmt, sql + b, end - b);
                stmt[end - b] = 0;
                int rc = cb(ctx, stmt, ++index, b);
                if (rc) return rc;
            }
            if (at_end) break;
            begin = sc.i;
            has_code = 0;
            continue;
        }
        if (code && !is_space(sql[start])) has_code = 1;
    }
    return 0;
}

char *schema_rewrite_db(const char *stmt, const char *database) {
    static const char word[] = "spanhouse";
    const size_t wn = sizeof(word) - 1;
    size_t len = strlen(stmt), dn = strlen(database), cap = len + 1, hits = 0;
    scan_t sc = {stmt, len, 0, SCAN_CODE, 0};
    /* First pass counts the identifiers to replace. */
    for (int pass = 0; pass < 2; pass++) {
        char *out = NULL;
        size_t o = 0;
        if (pass == 1) {
            cap = len + hits * (dn > wn ? dn - wn : 0) + 1;
            out = malloc(cap);
            if (!out) return NULL;
        }
        sc.i = 0;
        sc.st = SCAN_CODE;
        while (sc.i < len) {
            size_t start;
            int code = scan_step(&sc, &start);
            int match = code && start + wn <= len && memcmp(stmt + start, word, wn) == 0 &&
                        (start == 0 || !is_ident(stmt[start - 1])) &&
                        (start + wn == len || !is_ident(stmt[start + wn]));
            if (match) {
                if (pass == 0) {
                    hits++;
                } else {
                    memcpy(out + o, database, dn);
                    o += dn;
                }
                sc.i = start + wn;
                continue;
            }
            if (pass == 1) {
                memcpy(out + o, stmt + start, sc.i - start);
                o += sc.i - start;
            }
        }
        if (pass == 1) {
            out[o] = 0;
            return out;
        }
    }
    return NULL;
}

/* The next code token (an identifier or one punctuation byte) from sc: its length (0 at the
 * end) and its offset in *off. */
static size_t next_token(scan_t *sc, size_t *off) {
    while (sc->i < sc->len) {
        size_t start;
        if (!scan_step(sc, &start) || is_space(sc->s[start])) continue;
        if (is_ident(sc->s[start]))
            while (sc->i < sc->len && is_ident(sc->s[sc->i]))
                sc->i++;
        *off = start;
        return sc->i - start;
    }
    return 0;
}

static int is_kw(const char *s, size_t off, size_t n, const char *kw) {
    return n == strlen(kw) && strncasecmp(s + off, kw, n) == 0;
}

schema_obj_t schema_head(const char *stmt, schema_head_t *h) {
    memset(h, 0, sizeof(*h));
    scan_t sc = {stmt, strlen(stmt), 0, SCAN_CODE, 0};
    size_t o = 0, n = next_token(&sc, &o);
    int mat = 0;
    schema_obj_t kind = SCHEMA_OBJ_OTHER;
    if (is_kw(stmt, o, n, "DROP")) { /* DROP VIEW IF EXISTS name: an object a release retired */
        size_t o2, o3, n1 = next_token(&sc, &o), n2 = next_token(&sc, &o2),
                       n3 = next_token(&sc, &o3);
        if (!is_kw(stmt, o, n1, "VIEW") || !is_kw(stmt, o2, n2, "IF") ||
            !is_kw(stmt, o3, n3, "EXISTS"))
            return SCHEMA_OBJ_OTHER;
        kind = SCHEMA_OBJ_DROP_VIEW;
        n = next_token(&sc, &o);
        goto name;
    }
    if (!is_kw(stmt, o, n, "CREATE")) return SCHEMA_OBJ_OTHER;
    n = next_token(&sc, &o);
    if (is_kw(stmt, o, n, "OR")) {
        n = next_token(&sc, &o);
        if (!is_kw(stmt, o, n, "REPLACE")) return SCHEMA_OBJ_OTHER;
        h->or_replace = 1;
        n = next_token(&sc, &o);
    }
    if (is_kw(stmt, o, n, "MATERIALIZED")) {
        mat = 1;
        n = next_token(&sc, &o);
    }
    if (is_kw(stmt, o, n, "TABLE") && !mat)
        kind = SCHEMA_OBJ_TABLE;
    else if (is_kw(stmt, o, n, "VIEW"))
        kind = mat ? SCHEMA_OBJ_MATVIEW : SCHEMA_OBJ_VIEW;
    else if (is_kw(stmt, o, n, "DATABASE") && !mat)
        kind = SCHEMA_OBJ_DATABASE;
    else
        return SCHEMA_OBJ_OTHER;
    n = next_token(&sc, &o);
    if (is_kw(stmt, o, n, "IF")) {
        size_t o2, o3, n2 = next_token(&sc, &o2), n3 = next_token(&sc, &o3);
        if (!is_kw(stmt, o2, n2, "NOT") || !is_kw(stmt, o3, n3, "EXISTS")) return SCHEMA_OBJ_OTHER;
        h->if_not_exists = 1;
        n = next_token(&sc, &o);
    }
name:
    if (!n || !is_ident(stmt[o]) || (stmt[o] >= '0' && stmt[o] <= '9')) return SCHEMA_OBJ_OTHER;
    h->name_off = o;
    h->name_len = n;
    h->body_off = o + n;
    scan_t peek = sc;
    size_t od, nd = next_token(&peek, &od);
    if (nd == 1 && stmt[od] == '.') {
        size_t on, nn = next_token(&peek, &on);
        if (!nn || !is_ident(stmt[on])) return SCHEMA_OBJ_OTHER;
        h->db_off = o;
        h->db_len = n;
        h->name_off = on;
        h->name_len = nn;
        h->body_off = on + nn;
        sc = peek;
    }
    if (kind == SCHEMA_OBJ_VIEW || kind == SCHEMA_OBJ_MATVIEW) {
        int depth = 0;
        while ((n = next_token(&sc, &o)) != 0) {
            if (n == 1 && stmt[o] == '(')
                depth++;
            else if (n == 1 && stmt[o] == ')')
                depth--;
            else if (depth == 0 && is_kw(stmt, o, n, "AS")) {
                if (next_token(&sc, &o)) h->select_off = o;
                break;
            }
        }
    }
    return h->kind = kind;
}

char *schema_rewrite_retention(const char *stmt, int days) {
    static const char ttl[] = "TTL toDateTime(timestamp) + INTERVAL ";
    schema_head_t h;
    const char *at = NULL;
    if (days > 0 && schema_head(stmt, &h) == SCHEMA_OBJ_TABLE &&
        ((h.name_len == 9 && !memcmp(stmt + h.name_off, "llm_spans", 9)) ||
         (h.name_len == 15 && !memcmp(stmt + h.name_off, "llm_spans_local", 15))))
        at = strstr(stmt + h.body_off, ttl);
    size_t digits = 0;
    if (at) {
        at += sizeof(ttl) - 1;
        while (at[digits] >= '0' && at[digits] <= '9')
            digits++;
        if (!digits || strncmp(at + digits, " DAY", 4)) at = NULL;
    }
    buf_t b;
    buf_init(&b, 0);
    if (!at) {
        buf_append(&b, stmt, strlen(stmt));
    } else {
        buf_append(&b, stmt, (size_t)(at - stmt));
        buf_printf(&b, "%d", days);
        buf_append(&b, at + digits, strlen(at + digits));
    }
    buf_append(&b, "", 1);
    if (buf_error(&b)) {
        buf_deinit(&b);
        return NULL;
    }
    return (char *)b.data; /* the buffer's bytes, owned by the caller now */
}

typedef struct {
    schema_exec_fn exec;
    void *ctx;
    const char *database;
    const char *file;
    unsigned flags;
    schema_upgrade_t *up;
    int executed;
    char *errstr;
    size_t errstr_size;
} apply_ctx_t;

static int apply_stmt(void *vctx, char *stmt, int index, size_t offset) {
    apply_ctx_t *a = vctx;
    int rc = 0;
    char *sql = schema_rewrite_db(stmt, a->database);
    free(stmt);
    if (sql && a->up && a->up->raw_retention_days > 0) {
        char *r = schema_rewrite_retention(sql, a->up->raw_retention_days);
        free(sql);
        sql = r;
    }
    if (!sql) {
        snprintf(a->errstr, a->errstr_size, "%s:%d: out of memory", a->file, index);
        return -1;
    }
    schema_head_t h;
    int handled = 0;
    if (a->up && !(a->flags & SCHEMA_APPLY_DRY_RUN) && schema_head(sql, &h) != SCHEMA_OBJ_OTHER) {
        char e[1024] = "";
        handled = schema_upgrade_stmt(a->up, a->database, sql, &h, e, sizeof(e));
        if (handled < 0) {
            snprintf(a->errstr, a->errstr_size, "%s:%d: %s", a->file, index, e);
            rc = -1;
        }
    } else if (a->up && a->up->plan) {
        handled = 1; /* plan mode runs nothing it cannot describe */
    }
    if (rc == 0 && !handled && !(a->flags & SCHEMA_APPLY_DRY_RUN)) {
        char e[1024] = "";
        if (a->exec(a->ctx, sql, e, sizeof(e)) != 0) {
            snprintf(a->errstr, a->errstr_size, "%s:%d: %s", a->file, index, e);
            rc = -1;
        }
    }
    if (rc == 0) a->executed++;
    free(sql);
    return rc;
}

static int cmp_names(const void *x, const void *y) {
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static int apply_file(apply_ctx_t *a, const char *path) {
    int rc = -1;
    char *text = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(a->errstr, a->errstr_size, "%s: cannot open", path);
        goto err;
    }
    if (fseek(f, 0, SEEK_END) != 0) goto err_io;
    long n = ftell(f);
    if (n < 0 || fseek(f, 0, SEEK_SET) != 0) goto err_io;
    text = malloc((size_t)n + 1);
    if (!text) {
        snprintf(a->errstr, a->errstr_size, "%s: out of memory", path);
        goto err;
    }
    if (fread(text, 1, (size_t)n, f) != (size_t)n) goto err_io;
    text[n] = 0;
    a->file = path;
    char e[512] = "";
    a->errstr[0] = 0;
    rc = schema_split(text, (size_t)n, apply_stmt, a, e, sizeof(e));
    if (rc != 0 && a->errstr[0] == 0) snprintf(a->errstr, a->errstr_size, "%s: %s", path, e);
    rc = rc ? -1 : 0;
    goto done;
err_io:
    snprintf(a->errstr, a->errstr_size, "%s: read error", path);
err:
done:
    if (f) fclose(f);
    free(text);
    return rc;
}

/* Applies the dir/NNN_x.sql files whose names start with a digit (or, for views, any letter too).
 */
static int apply_dir(apply_ctx_t *a, const char *dir, int any_name) {
    int rc = -1;
    char **names = NULL;
    size_t nn = 0, cap = 0;
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(a->errstr, a->errstr_size, "%s: cannot open directory", dir);
        return -1;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *nm = de->d_name;
        size_t l = strlen(nm);
        if (l < 5 || strcmp(nm + l - 4, ".sql") != 0) continue;
        if (!(nm[0] >= '0' && nm[0] <= '9') && !(any_name && is_ident(nm[0]))) continue;
        if (nn == cap) {
            cap = cap ? cap * 2 : 32;
            char **nb = realloc(names, cap * sizeof(*names));
            if (!nb) goto oom;
            names = nb;
        }
        if (!(names[nn] = strdup(nm))) goto oom;
        nn++;
    }
    qsort(names, nn, sizeof(*names), cmp_names);
    rc = 0;
    for (size_t i = 0; i < nn && rc == 0; i++) {
        size_t pl = strlen(dir) + strlen(names[i]) + 2;
        char *path = malloc(pl);
        if (!path) goto oom;
        snprintf(path, pl, "%s/%s", dir, names[i]);
        rc = apply_file(a, path);
        free(path);
    }
    goto done;
oom:
    snprintf(a->errstr, a->errstr_size, "%s: out of memory", dir);
    rc = -1;
done:
    for (size_t i = 0; i < nn; i++)
        free(names[i]);
    free(names);
    closedir(d);
    return rc;
}

static int valid_db_name(const char *s) {
    if (!*s || (*s >= '0' && *s <= '9')) return 0;
    for (; *s; s++)
        if (!is_ident(*s)) return 0;
    return 1;
}

int schema_apply_ex(schema_exec_fn exec, void *ctx, const char *schema_dir, const char *views_dir,
                    const char *database, unsigned flags, char *errstr, size_t errstr_size) {
    return schema_apply_upgrade(exec, ctx, schema_dir, views_dir, database, flags, NULL, errstr,
                                errstr_size);
}

int schema_apply_upgrade(schema_exec_fn exec, void *ctx, const char *schema_dir,
                         const char *views_dir, const char *database, unsigned flags,
                         schema_upgrade_t *up, char *errstr, size_t errstr_size) {
    if (!database || !*database) database = "spanhouse";
    if (!valid_db_name(database)) {
        snprintf(errstr, errstr_size, "invalid database name '%s'", database);
        return -1;
    }
    if (!exec && !(flags & SCHEMA_APPLY_DRY_RUN)) {
        snprintf(errstr, errstr_size, "no executor");
        return -1;
    }
    if (up && (flags & SCHEMA_APPLY_CLUSTER)) {
        snprintf(errstr, errstr_size,
                 "upgrades of the cluster schema are manual (docs/schema.md, "
                 "\"Upgrading an existing install\")");
        return -1;
    }
    apply_ctx_t a = {exec, ctx, database, NULL, flags, up, 0, errstr, errstr_size};
    if (schema_dir) {
        int rc;
        if (flags & SCHEMA_APPLY_CLUSTER) {
            size_t pl = strlen(schema_dir) + sizeof("/cluster");
            char *p = malloc(pl);
            if (!p) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
            }
            snprintf(p, pl, "%s/cluster", schema_dir);
            rc = apply_dir(&a, p, 0);
            free(p);
        } else {
            rc = apply_dir(&a, schema_dir, 0);
        }
        if (rc) return -1;
    }
    if (views_dir && apply_dir(&a, views_dir, 1)) return -1;
    return a.executed;
}

int schema_apply(schema_exec_fn exec, void *ctx, const char *schema_dir, const char *views_dir,
                 const char *database, char *errstr, size_t errstr_size) {
    return schema_apply_ex(exec, ctx, schema_dir, views_dir, database, 0, errstr, errstr_size);
}

int schema_load_csv(schema_exec_fn exec, void *ctx, const char *path, const char *table,
                    const char *structure, const char *database, char *errstr, size_t errstr_size) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(errstr, errstr_size, "%s: cannot open", path);
        return -1;
    }
    const char *db = database && *database ? database : "spanhouse";
    /* The column names of the structure ("a Type, b Type(…)…"): the insert's column list. */
    buf_t cols, sql;
    buf_init(&cols, 0);
    buf_init(&sql, 0);
    for (const char *p = structure; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *name = p;
        while (*p && *p != ' ')
            p++;
        if (p > name) {
            if (cols.len) buf_append(&cols, ", ", 2);
            buf_append(&cols, name, (size_t)(p - name));
        }
        int depth = 0;
        while (*p && (depth || *p != ',')) {
            depth += (*p == '(') - (*p == ')');
            p++;
        }
    }
    buf_append(&cols, "", 1);
    buf_printf(&sql, "INSERT INTO %s.%s (%s) SELECT %s FROM format(CSVWithNames, '%s', '", db,
               table, (const char *)cols.data, (const char *)cols.data, structure);
    /* The file minus "#" comment lines and blank lines (ClickHouse's CSV reader skips
     * neither), as one SQL string literal. */
    char line[8192];
    while (fgets(line, sizeof(line), f)) {
        const char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '#' || *s == '\n' || *s == '\r' || !*s) continue;
        buf_append_sql_escaped(&sql, line, strlen(line));
    }
    fclose(f);
    buf_printf(&sql, "') SETTINGS input_format_skip_unknown_fields = 1, "
                     "input_format_csv_empty_as_default = 1");
    int rc = -1;
    char trunc[512];
    snprintf(trunc, sizeof(trunc), "TRUNCATE TABLE %s.%s", db, table);
    if (buf_error(&sql) || buf_error(&cols))
        snprintf(errstr, errstr_size, "%s: out of memory", path);
    else if (exec(ctx, trunc, errstr, errstr_size) == 0 &&
             exec(ctx, (const char *)sql.data, errstr, errstr_size) == 0)
        rc = 0;
    buf_deinit(&cols);
    buf_deinit(&sql);
    return rc;
}
