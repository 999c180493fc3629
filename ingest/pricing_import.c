/* pricing_import: LiteLLM's price list into pricing-file rows (see pricing_import.h).
 * Per-token prices are JSON numbers (2.5e-06): each is read as the nearest double and rounded
 * to the nano-dollar per 1M tokens (1e-15 USD per token), exact for any price LiteLLM lists
 * (they carry at most 7 significant digits). */
#include "pricing_import.h"

#include "price.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* LiteLLM provider names -> the names spans carry (docs/pricing.md); others kept as they are. */
static const char *const provider_map[][2] = {
    {"vertex_ai-language-models", "google"},
    {"vertex_ai", "google"},
    {"gemini", "google"},
    {"vertex_ai-anthropic_models", "anthropic"},
    {"text-completion-openai", "openai"},
};

enum {
    C_INPUT,
    C_OUTPUT,
    C_CACHE_READ,
    C_CACHE_WRITE,
    C_REASONING,
    C_BATCH,
    C_LONG_ABOVE,
    C_INPUT_LONG,
    C_OUTPUT_LONG,
    C_CACHE_READ_LONG,
    C_CACHE_WRITE_LONG,
    C_CACHE_WRITE_1H,
    C_FLEX,
    C_PRIORITY,
    C_WEB,
    C__N
};

typedef struct {
    char provider[64], model[192];
    char col[C__N][32]; /* decimal text, "" = empty */
} row_t;

static void report(buf_t *r, size_t *count, const char *model, const char *fmt, const char *what) {
    buf_printf(r, "%s: ", model);
    buf_printf(r, fmt, what);
    buf_printf(r, "\n");
    (*count)++;
}

/* A per-token price member in nano-USD per 1M tokens; 0 = absent. -1 = present but unusable. */
static int64_t per_1m(json_t *o, const char *key) {
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) return 0;
    if (!json_is_number(v)) return -1;
    double d = json_number_value(v);
    if (!isfinite(d) || d < 0 || d > 1.0) return -1;
    return (int64_t)llround(d * 1e15);
}

/* nano (1e-9 units) as a decimal without trailing zeros. */
static void dec(char *out, size_t n, uint64_t nano) {
    snprintf(out, n, "%llu.%09llu", (unsigned long long)(nano / 1000000000u),
             (unsigned long long)(nano % 1000000000u));
    char *e = out + strlen(out) - 1;
    while (*e == '0')
        *e-- = 0;
    if (*e == '.') *e = 0;
}

/* tier / base in 1e-9 units, rounded half-up. */
static uint64_t ratio(int64_t tier, int64_t base) {
    return (uint64_t)(((unsigned __int128)tier * 1000000000u + (uint64_t)base / 2) /
                      (uint64_t)base);
}

/* The factor a tier's input and output prices share; 0 when they disagree (reported). */
static uint64_t tier_factor(json_t *o, const char *suffix, int64_t in, int64_t out,
                            const char *name, buf_t *rep, size_t *notes) {
    char ki[96], ko[96];
    snprintf(ki, sizeof(ki), "input_cost_per_token_%s", suffix);
    snprintf(ko, sizeof(ko), "output_cost_per_token_%s", suffix);
    int64_t ti = per_1m(o, ki), to = per_1m(o, ko);
    if (ti == 0 && to == 0) return 0;
    if (ti <= 0 || to <= 0 || in <= 0 || out <= 0) {
        report(rep, notes, name, "%s prices incomplete: left empty", suffix);
        return 0;
    }
    uint64_t fi = ratio(ti, in), fo = ratio(to, out);
    if (fi + 1 < fo || fo + 1 < fi) {
        report(rep, notes, name, "%s prices are not one factor of input and output: left empty",
               suffix);
        return 0;
    }
    if (fi > PRICE_MAX_TIER_FACTOR_NANO) { /* the pricing file would refuse it (price.c) */
        report(rep, notes, name, "%s prices are over 10x the standard ones: left empty", suffix);
        return 0;
    }
    return fi;
}

static int row_cmp(const void *a, const void *b) {
    const row_t *x = a, *y = b;
    int c = strcmp(x->provider, y->provider);
    return c ? c : strcmp(x->model, y->model);
}

static void put_field(buf_t *b, const char *s) {
    buf_append(b, ",", 1);
    if (strpbrk(s, ",\"\n")) {
        buf_append(b, "\"", 1);
        for (; *s; s++) {
            if (*s == '"') buf_append(b, "\"", 1);
            buf_append(b, s, 1);
        }
        buf_append(b, "\"", 1);
    } else {
        buf_append(b, s, strlen(s));
    }
}

int pricing_import_litellm(const char *text, size_t len, const char *effective_from, buf_t *csv,
                           buf_t *rep, pricing_import_stats_t *st, char *errstr,
                           size_t errstr_size) {
    json_error_t je;
    memset(st, 0, sizeof(*st));
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!doc) {
        snprintf(errstr, errstr_size, "%d:%d: %s", je.line, je.column, je.text);
        return -1;
    }
    if (!json_is_object(doc)) {
        json_decref(doc);
        snprintf(errstr, errstr_size, "1:1: not a JSON object of models");
        return -1;
    }
    row_t *rows = calloc(json_object_size(doc) + 1, sizeof(*rows));
    if (!rows) {
        json_decref(doc);
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    size_t n = 0;
    const char *key;
    json_t *m;
    json_object_foreach(doc, key, m) {
        if (!strcmp(key, "sample_spec")) continue;
        if (!json_is_object(m)) {
            report(rep, &st->skipped, key, "%s", "not an object: skipped");
            continue;
        }
        const char *mode = json_string_value(json_object_get(m, "mode"));
        if (mode && strcmp(mode, "chat") && strcmp(mode, "completion") &&
            strcmp(mode, "responses") && strcmp(mode, "embedding")) {
            report(rep, &st->skipped, key, "mode %s is not priced per token: skipped", mode);
            continue;
        }
        int64_t in = per_1m(m, "input_cost_per_token"), out = per_1m(m, "output_cost_per_token");
        if (in < 0 || out < 0 || (in == 0 && out == 0)) {
            report(rep, &st->skipped, key, "%s", "no usable per-token prices: skipped");
            continue;
        }
        const char *prov = json_string_value(json_object_get(m, "litellm_provider"));
        if (!prov || !*prov) {
            report(rep, &st->skipped, key, "%s", "no litellm_provider: skipped");
            continue;
        }
        for (size_t i = 0; i < sizeof(provider_map) / sizeof(provider_map[0]); i++)
            if (!strcmp(prov, provider_map[i][0])) prov = provider_map[i][1];
        const char *slash = strrchr(key, '/');
        const char *name = slash ? slash + 1 : key;
        row_t *r = &rows[n];
        memset(r, 0, sizeof(*r));
        if (strlen(prov) >= sizeof(r->provider) || strlen(name) >= sizeof(r->model) ||
            !price_name_ok(prov, strlen(prov)) || !price_name_ok(name, strlen(name)) ||
            strpbrk(name, ",\"") || strpbrk(prov, ",\"") || !strcmp(name, "*")) {
            report(rep, &st->skipped, key, "%s", "name not usable in the pricing file: skipped");
            continue;
        }
        for (const char *p = prov; *p; p++)
            r->provider[p - prov] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        for (const char *p = name; *p; p++)
            r->model[p - name] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        int dup = 0;
        for (size_t i = 0; i < n; i++)
            dup |= !strcmp(rows[i].provider, r->provider) && !strcmp(rows[i].model, r->model);
        if (dup) {
            report(rep, &st->skipped, key, "%s",
                   "same provider and model as an earlier key: skipped");
            continue;
        }
        dec(r->col[C_INPUT], 32, (uint64_t)in);
        dec(r->col[C_OUTPUT], 32, (uint64_t)out);
        static const struct {
            int col;
            const char *key;
        } simple[] = {{C_CACHE_READ, "cache_read_input_token_cost"},
                      {C_CACHE_WRITE, "cache_creation_input_token_cost"},
                      {C_REASONING, "output_cost_per_reasoning_token"},
                      {C_CACHE_WRITE_1H, "cache_creation_input_token_cost_above_1hr"}};
        for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
            int64_t v = per_1m(m, simple[i].key);
            if (v < 0)
                report(rep, &st->notes, key, "%s unusable: left empty", simple[i].key);
            else if (v > 0)
                dec(r->col[simple[i].col], 32, (uint64_t)v);
        }
        /* Tiers: one factor of the standard prices. */
        uint64_t f = tier_factor(m, "batches", in, out, key, rep, &st->notes);
        if (f && f <= 1000000000u) dec(r->col[C_BATCH], 32, 1000000000u - f);
        if ((f = tier_factor(m, "flex", in, out, key, rep, &st->notes)) != 0)
            dec(r->col[C_FLEX], 32, f);
        if ((f = tier_factor(m, "priority", in, out, key, rep, &st->notes)) != 0)
            dec(r->col[C_PRIORITY], 32, f);
        /* Long-context tier: the pricing file wants input and output, and the long price of
         * every cache class priced explicitly (else cache reads would bill at long input). */
        int64_t il = per_1m(m, "input_cost_per_token_above_200k_tokens"),
                ol = per_1m(m, "output_cost_per_token_above_200k_tokens"),
                crl = per_1m(m, "cache_read_input_token_cost_above_200k_tokens"),
                cwl = per_1m(m, "cache_creation_input_token_cost_above_200k_tokens");
        if (il || ol) {
            if (il <= 0 || ol <= 0 || (r->col[C_CACHE_READ][0] && crl <= 0) ||
                (r->col[C_CACHE_WRITE][0] && cwl <= 0)) {
                report(rep, &st->notes, key, "%s", "200k tier incomplete: no long-context tier");
            } else {
                snprintf(r->col[C_LONG_ABOVE], 32, "200000");
                dec(r->col[C_INPUT_LONG], 32, (uint64_t)il);
                dec(r->col[C_OUTPUT_LONG], 32, (uint64_t)ol);
                if (crl > 0) dec(r->col[C_CACHE_READ_LONG], 32, (uint64_t)crl);
                if (cwl > 0) dec(r->col[C_CACHE_WRITE_LONG], 32, (uint64_t)cwl);
                if (r->col[C_CACHE_WRITE_1H][0])
                    report(rep, &st->notes, key, "%s",
                           "no 1-hour cache-write price above 200k in LiteLLM: "
                           "cache_write_1h_long_per_1m left empty (= cache_write_long_per_1m)");
            }
        }
        json_t *web = json_object_get(m, "search_context_cost_per_query");
        if (web) {
            json_t *med = json_object_get(web, "search_context_size_medium");
            double d = json_is_number(med) ? json_number_value(med) : -1;
            if (d < 0 || d > 1000)
                report(rep, &st->notes, key, "%s",
                       "search_context_cost_per_query unusable: left empty");
            else
                dec(r->col[C_WEB], 32, (uint64_t)llround(d * 1e12)); /* per query -> per 1,000 */
        }
        n++;
    }
    json_decref(doc);
    qsort(rows, n, sizeof(*rows), row_cmp);
    buf_printf(csv,
               "# Imported from LiteLLM's model_prices_and_context_window.json by `spanhouse "
               "pricing import`.\n# Review before use: docs/pricing.md.\n"
               "provider,model,effective_from,input_per_1m,output_per_1m,cache_read_per_1m,"
               "cache_write_per_1m,reasoning_per_1m,batch_discount,aliases,notes,"
               "long_context_above,input_long_per_1m,output_long_per_1m,cache_read_long_per_1m,"
               "cache_write_long_per_1m,cache_write_1h_per_1m,cache_write_1h_long_per_1m,"
               "flex_factor,priority_factor,web_search_per_1k\n");
    for (size_t i = 0; i < n; i++) {
        const row_t *r = &rows[i];
        buf_printf(csv, "%s", r->provider);
        put_field(csv, r->model);
        put_field(csv, effective_from);
        for (int c = C_INPUT; c <= C_BATCH; c++)
            put_field(csv, r->col[c]);
        put_field(csv, "");               /* aliases */
        put_field(csv, "litellm import"); /* notes */
        for (int c = C_LONG_ABOVE; c <= C_CACHE_WRITE_LONG; c++)
            put_field(csv, r->col[c]);
        put_field(csv, r->col[C_CACHE_WRITE_1H]);
        put_field(csv, ""); /* cache_write_1h_long: LiteLLM has no such price */
        put_field(csv, r->col[C_FLEX]);
        put_field(csv, r->col[C_PRIORITY]);
        put_field(csv, r->col[C_WEB]);
        buf_append(csv, "\n", 1);
    }
    st->rows = n;
    free(rows);
    if (buf_error(csv) || buf_error(rep)) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    return 0;
}
