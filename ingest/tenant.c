/* tenant: tenant table and per-span tenant enrichment (see tenant.h, docs/pricing.md).
 *
 * Rows live in one array with owned strings; two open-addressing indexes of precomputed
 * strhash hashes find a row by (match_kind, match_value) and a budget by tenant_id. Span
 * time: hash, probe, one memcmp; no allocation, no locks. */
#include "tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "err.h"
#include "strhash.h"

/* Span kinds (tenant_apply looks a span up by these) and bill kinds (a provider's project or
 * workspace id and API key id as its bill exports name them: only v_bill_reconciliation_tenant
 * reads them, from llm_tenants; spans never match them). */
#define TENANT_KINDS(X)                                                                            \
    X(TENANT_KIND_API_KEY, "api_key")                                                              \
    X(TENANT_KIND_SERVICE, "service")                                                              \
    X(TENANT_KIND_USER, "user")                                                                    \
    X(TENANT_KIND_BILL_PROJECT, "bill_project")                                                    \
    X(TENANT_KIND_BILL_API_KEY, "bill_api_key")
#define TENANT_KIND_ENUM(e, name) e,
#define TENANT_KIND_NAME(e, name) name,
#define TENANT_KIND_LIST(e, name) " " name
enum { TENANT_KINDS(TENANT_KIND_ENUM) TENANT_KIND__COUNT };
static const char *const tenant_kinds[TENANT_KIND__COUNT] = {TENANT_KINDS(TENANT_KIND_NAME)};

#define TENANT_MAX_VALUE 1024

typedef struct tenant_row_s {
    uint64_t h;
    int kind;
    span_str_t value, tenant_id, team_id, cost_center, plan_tier; /* owned, NUL-terminated */
    uint32_t line;
} tenant_row_t;

typedef struct tenant_budget_s {
    uint64_t h;
    span_str_t tenant_id; /* borrowed from a row */
    int64_t nusd;         /* -1 = none given */
    uint32_t line;        /* where the budget was given */
} tenant_budget_t;

struct tenant_table_s {
    tenant_row_t *rows;
    size_t n_rows;
    tenant_budget_t *budgets;
    size_t n_budgets;
    uint32_t *slots_row, *slots_budget; /* index + 1; 0 = empty */
    size_t mask;
};

static inline uint64_t tenant_hash(int kind, const char *p, size_t n) {
    return strhash(p, n, (uint64_t)(kind + 1));
}
#define TENANT_HASH_ID(p, n) strhash((p), (n), 0x74656e616e74ull)

static inline int tenant_str_eq(span_str_t a, const char *p, size_t n) {
    return a.n == n && (n == 0 || memcmp(a.p, p, n) == 0);
}

void tenant_destroy(tenant_table_t *tt) {
    if (!tt) return;
    for (size_t i = 0; i < tt->n_rows; i++) {
        tenant_row_t *r = &tt->rows[i];
        free((char *)r->value.p);
        free((char *)r->tenant_id.p);
        free((char *)r->team_id.p);
        free((char *)r->cost_center.p);
        free((char *)r->plan_tier.p);
    }
    free(tt->rows);
    free(tt->budgets);
    free(tt->slots_row);
    free(tt->slots_budget);
    free(tt);
}

size_t tenant_count(const tenant_table_t *tt) { return tt ? tt->n_rows : 0; }

static const tenant_row_t *tenant_find(const tenant_table_t *tt, int kind, span_str_t v) {
    if (v.n == 0) return NULL;
    uint64_t h = tenant_hash(kind, v.p, v.n);
    for (size_t i = (size_t)h & tt->mask;; i = (i + 1) & tt->mask) {
        uint32_t x = tt->slots_row[i];
        if (!x) return NULL;
        const tenant_row_t *r = &tt->rows[x - 1];
        if (r->h == h && r->kind == kind && tenant_str_eq(r->value, v.p, v.n)) return r;
    }
}

static const tenant_budget_t *tenant_find_budget(const tenant_table_t *tt, span_str_t id) {
    uint64_t h = TENANT_HASH_ID(id.p, id.n);
    for (size_t i = (size_t)h & tt->mask;; i = (i + 1) & tt->mask) {
        uint32_t x = tt->slots_budget[i];
        if (!x) return NULL;
        const tenant_budget_t *b = &tt->budgets[x - 1];
        if (b->h == h && tenant_str_eq(b->tenant_id, id.p, id.n)) return b;
    }
}

int64_t tenant_budget_nusd(const tenant_table_t *tt, span_str_t tenant_id) {
    if (!tt || tenant_id.n == 0 || tt->n_budgets == 0) return -1;
    const tenant_budget_t *b = tenant_find_budget(tt, tenant_id);
    return b ? b->nusd : -1;
}

int tenant_apply(const tenant_table_t *tt, tenant_policy_t policy, span_t *s) {
    const tenant_row_t *r = NULL;
    if (tt && tt->n_rows) {
        r = tenant_find(tt, TENANT_KIND_API_KEY, s->api_key_id);
        if (!r) r = tenant_find(tt, TENANT_KIND_SERVICE, s->service);
        if (!r) r = tenant_find(tt, TENANT_KIND_USER, s->user_id);
    }
    if (!r) {
        if (s->tenant_id.n)
            s->tenant_status = SPAN_STR_LIT("from_span");
        else if (s->api_key_id.n || s->service.n || s->user_id.n)
            s->tenant_status = SPAN_STR_LIT("unknown_key");
        else
            s->tenant_status = SPAN_STR_LIT("none");
        return 0;
    }
    if (policy == TENANT_POLICY_OVERRIDE) {
        s->tenant_id = r->tenant_id; /* always non-empty */
        if (r->team_id.n) s->team_id = r->team_id;
        if (r->cost_center.n) s->cost_center = r->cost_center;
        if (r->plan_tier.n) s->plan_tier = r->plan_tier;
        s->tenant_status = SPAN_STR_LIT("override");
        return 1;
    }
    if (s->tenant_id.n) {
        s->tenant_status = SPAN_STR_LIT("from_span");
    } else {
        s->tenant_id = r->tenant_id;
        s->tenant_status = SPAN_STR_LIT("from_table");
    }
    if (!s->team_id.n) s->team_id = r->team_id;
    if (!s->cost_center.n) s->cost_center = r->cost_center;
    if (!s->plan_tier.n) s->plan_tier = r->plan_tier;
    return 1;
}

/* ---- loading ---- */

enum {
    TC_KIND,
    TC_VALUE,
    TC_TENANT,
    TC_TEAM,
    TC_COST_CENTER,
    TC_PLAN,
    TC_BUDGET,
    TC_NOTES,
    TC__COUNT
};
static const char *const tenant_cols[TC__COUNT] = {
    "match_kind",  "match_value", "tenant_id",          "team_id",
    "cost_center", "plan_tier",   "monthly_budget_usd", "notes"};
#define TENANT_REQUIRED_COLS 3

static int tenant_dup(const csv_field_t *f, span_str_t *out) {
    char *p = malloc(f->n + 1);
    if (!p) return -1;
    memcpy(p, f->p, f->n);
    p[f->n] = 0;
    *out = span_str(p, f->n);
    return 0;
}

static int tenant_text_ok(const char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] < ' ' || p[i] == 0x7f) return 0;
    return 1;
}

/* The steps of tenant_parse return ERR_OK, ERR_CONFIG (refused: *eline, *ecol and msg say
 * where and why) or ERR_NOMEM. */

/* One data row into r (its strings owned by the table) and its budget (-1 = none). */
static int tenant_parse_row(tenant_row_t *r, int64_t *budget, const int *colmap,
                            const csv_reader_t *rd, uint32_t *eline, uint32_t *ecol, char *msg,
                            size_t msg_size) {
    const csv_field_t *f;
    memset(r, 0, sizeof(*r));
    *budget = -1;
    r->line = rd->rec_line;
    for (int c = 0; c < TC__COUNT; c++) {
        if (colmap[c] < 0) continue;
        f = &rd->fields[colmap[c]];
        if (f->n > TENANT_MAX_VALUE || !tenant_text_ok(f->p, f->n))
            return csv_refuse(f, eline, ecol, msg, msg_size,
                              "%s: control characters or longer than %d bytes", tenant_cols[c],
                              TENANT_MAX_VALUE);
    }
    f = &rd->fields[colmap[TC_KIND]];
    r->kind = -1;
    for (int k = 0; k < TENANT_KIND__COUNT; k++)
        if (!strcmp(f->p, tenant_kinds[k])) r->kind = k;
    if (r->kind < 0)
        return csv_refuse(f, eline, ecol, msg, msg_size,
                          "match_kind must be one of%s, got \"%.32s\"",
                          TENANT_KINDS(TENANT_KIND_LIST), f->p);
    f = &rd->fields[colmap[TC_VALUE]];
    if (f->n == 0) return csv_refuse(f, eline, ecol, msg, msg_size, "match_value is empty");
    if (tenant_dup(f, &r->value) < 0) return ERR_NOMEM;
    r->h = tenant_hash(r->kind, r->value.p, r->value.n);
    f = &rd->fields[colmap[TC_TENANT]];
    if (f->n == 0) return csv_refuse(f, eline, ecol, msg, msg_size, "tenant_id is empty");
    if (tenant_dup(f, &r->tenant_id) < 0) return ERR_NOMEM;
    span_str_t *dst[] = {&r->team_id, &r->cost_center, &r->plan_tier};
    for (int c = TC_TEAM; c <= TC_PLAN; c++) {
        if (colmap[c] < 0) continue;
        f = &rd->fields[colmap[c]];
        if (f->n && tenant_dup(f, dst[c - TC_TEAM]) < 0) return ERR_NOMEM;
    }
    if (colmap[TC_BUDGET] >= 0 && rd->fields[colmap[TC_BUDGET]].n) {
        uint64_t v;
        f = &rd->fields[colmap[TC_BUDGET]];
        const char *why = csv_decimal_nano(f->p, f->n, (uint64_t)INT64_MAX, &v);
        if (why)
            return csv_refuse(f, eline, ecol, msg, msg_size,
                              "monthly_budget_usd: %s (got \"%.32s\")", why, f->p);
        *budget = (int64_t)v;
    }
    return ERR_OK;
}

/* The indexes of tt's rows: by match kind and value, and one budget per tenant; a value mapped
 * twice, or a tenant given two different budgets, is refused naming both lines. */
static int tenant_index(tenant_table_t *tt, const int64_t *row_budget, uint32_t *eline,
                        uint32_t *ecol, char *msg, size_t msg_size) {
    size_t size = strhash_slots(tt->n_rows);
    tt->mask = size - 1;
    tt->slots_row = calloc(size, sizeof(uint32_t));
    tt->slots_budget = calloc(size, sizeof(uint32_t));
    tt->budgets = calloc(tt->n_rows ? tt->n_rows : 1, sizeof(*tt->budgets));
    if (!tt->slots_row || !tt->slots_budget || !tt->budgets) return ERR_NOMEM;
    for (size_t i = 0; i < tt->n_rows; i++) {
        tenant_row_t *r = &tt->rows[i];
        const tenant_row_t *o = tenant_find(tt, r->kind, r->value);
        if (o) {
            *eline = r->line;
            *ecol = 1;
            snprintf(msg, msg_size, "%s \"%.64s\" is already mapped on line %u",
                     tenant_kinds[r->kind], r->value.p, o->line);
            return ERR_CONFIG;
        }
        size_t j = (size_t)r->h & tt->mask;
        while (tt->slots_row[j])
            j = (j + 1) & tt->mask;
        tt->slots_row[j] = (uint32_t)i + 1;

        tenant_budget_t *b = NULL;
        if (tt->n_budgets) b = (tenant_budget_t *)tenant_find_budget(tt, r->tenant_id);
        if (!b) {
            b = &tt->budgets[tt->n_budgets];
            b->h = TENANT_HASH_ID(r->tenant_id.p, r->tenant_id.n);
            b->tenant_id = r->tenant_id;
            b->nusd = -1;
            j = (size_t)b->h & tt->mask;
            while (tt->slots_budget[j])
                j = (j + 1) & tt->mask;
            tt->slots_budget[j] = (uint32_t)++tt->n_budgets;
        }
        if (row_budget[i] >= 0) {
            if (b->nusd >= 0 && b->nusd != row_budget[i]) {
                *eline = r->line;
                *ecol = 1;
                snprintf(msg, msg_size,
                         "tenant \"%.64s\" already has a different monthly_budget_usd on line %u",
                         r->tenant_id.p, b->line);
                return ERR_CONFIG;
            }
            b->nusd = row_budget[i];
            b->line = r->line;
        }
    }
    return ERR_OK;
}

tenant_table_t *tenant_parse(const char *text, size_t len, const char *name_for_errors,
                             char *errstr, size_t errstr_size) {
    csv_reader_t rd;
    tenant_table_t *tt = NULL;
    size_t cap_rows = 0, ncols = 0;
    int colmap[TC__COUNT];
    int64_t *row_budget = NULL; /* per row, -1 = none */
    char msg[256] = "";
    const char *fname = name_for_errors ? name_for_errors : "tenants";
    uint32_t eline = 0, ecol = 0;
    int rc;

    csv_init(&rd, text, len);
    tt = calloc(1, sizeof(*tt));
    if (!tt) goto err_nomem;
    rc = csv_next(&rd, msg, sizeof(msg));
    if (rc < 0) goto err_csv;
    if (rc == 0) {
        snprintf(msg, sizeof(msg), "1:1: empty file: a header line is required");
        goto err_csv;
    }
    ncols = rd.nfields;
    if (csv_map_header(&rd, tenant_cols, TC__COUNT, TENANT_REQUIRED_COLS, colmap, &eline, &ecol,
                       msg, sizeof(msg)) != 0)
        goto err_at;

    while ((rc = csv_next(&rd, msg, sizeof(msg))) == 1) {
        if (rd.nfields != ncols) {
            eline = rd.rec_line;
            ecol = 1;
            snprintf(msg, sizeof(msg), "expected %zu fields as in the header, got %zu", ncols,
                     rd.nfields);
            goto err_at;
        }
        if (tt->n_rows == cap_rows) {
            size_t nc = cap_rows ? cap_rows * 2 : 64;
            tenant_row_t *nr = realloc(tt->rows, nc * sizeof(*nr));
            if (!nr) goto err_nomem;
            tt->rows = nr;
            int64_t *nb = realloc(row_budget, nc * sizeof(*nb));
            if (!nb) goto err_nomem;
            row_budget = nb;
            cap_rows = nc;
        }
        size_t i = tt->n_rows++;
        rc = tenant_parse_row(&tt->rows[i], &row_budget[i], colmap, &rd, &eline, &ecol, msg,
                              sizeof(msg));
        if (rc == ERR_CONFIG) goto err_at;
        if (rc == ERR_NOMEM) goto err_nomem;
    }
    if (rc < 0) goto err_csv;
    rc = tenant_index(tt, row_budget, &eline, &ecol, msg, sizeof(msg));
    if (rc == ERR_CONFIG) goto err_at;
    if (rc == ERR_NOMEM) goto err_nomem;
    free(row_budget);
    csv_deinit(&rd);
    return tt;

err_nomem:
    if (errstr && errstr_size) snprintf(errstr, errstr_size, "%s: out of memory", fname);
    goto cleanup;
err_at:
    if (errstr && errstr_size)
        snprintf(errstr, errstr_size, "%s:%u:%u: %s", fname, eline, ecol, msg);
    goto cleanup;
err_csv:
    if (errstr && errstr_size) snprintf(errstr, errstr_size, "%s:%s", fname, msg);
cleanup:
    free(row_budget);
    csv_deinit(&rd);
    tenant_destroy(tt);
    return NULL;
}

tenant_table_t *tenant_load(const char *path, char *errstr, size_t errstr_size) {
    char *text = NULL;
    size_t len = 0;
    tenant_table_t *tt = NULL;
    if (csv_read_file(path, &text, &len, errstr, errstr_size) < 0) goto err;
    tt = tenant_parse(text, len, path, errstr, errstr_size);
err:
    free(text);
    return tt;
}
