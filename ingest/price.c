/* price: versioned pricing table and exact per-span cost (see price.h, docs/pricing.md).
 *
 * Load time: CSV rows -> rows sorted by (provider, model, effective_from) -> keys (one per
 * provider+model, plus one per alias) -> two open-addressing indexes of precomputed strhash
 * hashes: provider+model and model-only. Span time: lower-case the name while hashing it,
 * probe, confirm with one memcmp, pick the row in force. No allocation, no locks. */
#include "price.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "csv.h"
#include "err.h"
#include "strhash.h"

typedef struct price_key_s {
    uint64_t h_pm;     /* hash of provider + '\x1f' + name */
    uint64_t h_m;      /* hash of name */
    char *prov, *name; /* owned, lower case, NUL-terminated */
    uint32_t prov_n, name_n;
    uint32_t canon; /* key holding the rows (itself unless this is an alias) */
    uint32_t first_row, n_rows;
    uint32_t first_line; /* earliest CSV line naming it: decides model-only ties */
} price_key_t;

struct price_table_s {
    price_row_t *rows;
    size_t n_rows;
    price_key_t *keys;
    size_t n_keys;
    uint32_t *slots_pm, *slots_m; /* key index + 1; 0 = empty */
    size_t mask;
};

static inline unsigned char price_lc(unsigned char c) {
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}
/* Model-only keys hash the name; provider+model keys combine that with the provider's hash,
 * so one name hash serves both indexes. */
static inline uint64_t price_hash_name(const char *name, size_t nn) { return strhash(name, nn, 0); }
static inline uint64_t price_hash_prov(const char *prov, size_t pn) {
    return strhash(prov, pn, 0x70726f76ull);
}
static inline uint64_t price_hash_pm(uint64_t h_prov, uint64_t h_name) {
    return strhash_mix(h_name ^ (h_prov * STRHASH_K1));
}

void price_destroy(price_table_t *pt) {
    if (!pt) return;
    for (size_t i = 0; i < pt->n_keys; i++) {
        free(pt->keys[i].prov);
        free(pt->keys[i].name);
    }
    free(pt->keys);
    free(pt->rows);
    free(pt->slots_pm);
    free(pt->slots_m);
    free(pt);
}

size_t price_count(const price_table_t *pt) { return pt ? pt->n_rows : 0; }

/* ---- lookup ---- */

/* Finds a key by name (h_name = price_hash_name(name)); with a provider (h_prov its hash)
 * in the provider+model index, else in the model-only index. */
static const price_key_t *price_find(const price_table_t *pt, const char *prov, size_t pn,
                                     uint64_t h_prov, const char *name, size_t nn,
                                     uint64_t h_name) {
    uint64_t h = prov ? price_hash_pm(h_prov, h_name) : h_name;
    const uint32_t *slots = prov ? pt->slots_pm : pt->slots_m;
    for (size_t i = (size_t)h & pt->mask;; i = (i + 1) & pt->mask) {
        uint32_t v = slots[i];
        if (!v) return NULL;
        const price_key_t *k = &pt->keys[v - 1];
        if ((prov ? k->h_pm : k->h_m) != h || k->name_n != nn) continue;
        if (memcmp(k->name, name, nn) != 0) continue;
        if (prov && (k->prov_n != pn || memcmp(k->prov, prov, pn) != 0)) continue;
        return &pt->keys[k->canon];
    }
}

static int price_all_digits(const char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9') return 0;
    return 1;
}

/* Strips one trailing snapshot/version tag; returns the new length (n if none). Tags:
 * "-latest", [-@]YYYY-MM-DD, [-@]YYYYMMDD, -MM-DD, -NNN or -NNNN (gpt-4-0613,
 * gemini-1.5-pro-002), and Bedrock's -vN:M. "-preview" and "-exp" are deliberately not
 * tags: previews and experiments are often priced differently (or free), so they stay
 * "unknown_model" unless a row or alias names them. */
static size_t price_strip_tag(const char *s, size_t n) {
    if (n > 7 && memcmp(s + n - 7, "-latest", 7) == 0) return n - 7;
    if (n > 11 && (s[n - 11] == '-' || s[n - 11] == '@') && s[n - 3] == '-' && s[n - 6] == '-' &&
        price_all_digits(s + n - 10, 4) && price_all_digits(s + n - 5, 2) &&
        price_all_digits(s + n - 2, 2))
        return n - 11;
    if (n > 9 && (s[n - 9] == '-' || s[n - 9] == '@') && price_all_digits(s + n - 8, 8))
        return n - 9;
    if (n > 6 && s[n - 6] == '-' && s[n - 3] == '-' && price_all_digits(s + n - 5, 2) &&
        price_all_digits(s + n - 2, 2))
        return n - 6;
    for (size_t d = 4; d >= 3; d--)
        if (n > d + 1 && s[n - d - 1] == '-' && price_all_digits(s + n - d, d)) return n - d - 1;
    /* Bedrock's -vN:M (a bare -vN is left alone: deepseek-v3 is a model, not a tag). */
    const char *colon = memchr(s, ':', n);
    if (colon && colon + 1 < s + n && price_all_digits(colon + 1, (size_t)(s + n - colon - 1))) {
        size_t i = (size_t)(colon - s);
        while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
            i--;
        if (i < (size_t)(colon - s) && i >= 3 && s[i - 1] == 'v' && s[i - 2] == '-') return i - 2;
    }
    return n;
}

static const price_key_t *price_find_name(const price_table_t *pt, const char *prov, size_t pn,
                                          const char *lc, size_t n) {
    const char *slash = NULL;
    for (size_t i = n; i > 0; i--)
        if (lc[i - 1] == '/') {
            slash = lc + i - 1;
            break;
        }
    /* The base name: after the last '/', without Bedrock-style "vendor." prefixes
     * ("us.anthropic.claude-..."): letters then '.', before any '-' or digit. */
    const char *base = slash ? slash + 1 : lc;
    for (;;) {
        const char *q = base;
        while (q < lc + n && *q >= 'a' && *q <= 'z')
            q++;
        if (q == base || q >= lc + n || *q != '.') break;
        base = q + 1;
    }
    /* A "host/" prefix names the provider when the span did not. */
    if (!pn && slash) {
        const char *first = memchr(lc, '/', n);
        prov = lc;
        pn = (size_t)(first - lc);
    }
    uint64_t hp = pn ? price_hash_prov(prov, pn) : 0;
    for (int variant = 0; variant < 2; variant++) {
        const char *s = lc;
        size_t sn = n;
        if (variant == 1) {
            if (base == lc) break;
            s = base;
            sn = n - (size_t)(s - lc);
        }
        for (int strip = 0; strip < 4 && sn > 0; strip++) {
            const price_key_t *k;
            uint64_t hn = price_hash_name(s, sn);
            if (pn && (k = price_find(pt, prov, pn, hp, s, sn, hn))) return k;
            if ((k = price_find(pt, NULL, 0, 0, s, sn, hn))) return k;
            size_t m = price_strip_tag(s, sn);
            if (m == sn) break;
            sn = m;
        }
    }
    return NULL;
}

/* ASCII lower-case of 8 bytes at once (SWAR): adds 0x20 to each byte in 'A'..'Z'. */
static inline uint64_t price_lc8(uint64_t w) {
    uint64_t low7 = w & 0x7f7f7f7f7f7f7f7full;
    uint64_t ge_a = low7 + 0x3f3f3f3f3f3f3f3full; /* bit 7 set where byte >= 'A' */
    uint64_t gt_z = low7 + 0x2525252525252525ull; /* bit 7 set where byte > 'Z' */
    uint64_t upper = ge_a & ~gt_z & ~w & 0x8080808080808080ull;
    return w | (upper >> 2);
}

/* Lower-cases src[0..n) into dst, 8 bytes at a time (dst has room for n rounded up to 8). */
static inline void price_lower(char *dst, const char *src, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, src + i, 8);
        w = price_lc8(w);
        memcpy(dst + i, &w, 8);
    }
    for (; i < n; i++)
        dst[i] = (char)price_lc((unsigned char)src[i]);
}

const price_row_t *price_lookup(const price_table_t *pt, span_str_t provider, span_str_t model,
                                int64_t ts_ms) {
    char lc[PRICE_MAX_NAME + 8], lp[PRICE_MAX_NAME + 8];
    if (!pt || pt->n_keys == 0 || model.n == 0 || model.n > PRICE_MAX_NAME ||
        provider.n > PRICE_MAX_NAME)
        return NULL;
    price_lower(lc, model.p, model.n);
    price_lower(lp, provider.p, provider.n);
    const price_key_t *k = price_find_name(pt, lp, provider.n, lc, model.n);
    if (!k) return NULL;
    /* Rows of a key are sorted by from_ms: take the last one already in force. Before the
     * first known date the earliest row applies (documented in docs/pricing.md). */
    const price_row_t *r = &pt->rows[k->first_row];
    for (uint32_t i = k->n_rows; i > 1; i--) {
        const price_row_t *c = &pt->rows[k->first_row + i - 1];
        if (c->from_ms <= ts_ms) return c;
    }
    return r;
}

/* ---- arithmetic ---- */

static int tier_is(span_str_t t, const char *w) {
    size_t n = strlen(w);
    if (t.n != n) return 0;
    for (size_t i = 0; i < n; i++)
        if ((t.p[i] | 0x20) != w[i]) return 0;
    return 1;
}

int price_tier(const span_t *s) {
    if (s->is_batch) return 1;
    if (!s->service_tier.n) return 0;
    if (tier_is(s->service_tier, "batch")) return 1;
    if (tier_is(s->service_tier, "flex")) return 2;
    if (tier_is(s->service_tier, "priority")) return 3;
    return 0; /* standard, default, auto, scale, empty, anything else */
}

static int64_t cost_at_tier(const price_row_t *r, const span_t *s, int tier);

int64_t price_cost_nusd(const price_row_t *r, const span_t *s) {
    return cost_at_tier(r, s, price_tier(s));
}

static int64_t cost_at_tier(const price_row_t *r, const span_t *s, int tier) {
    typedef unsigned __int128 u128;
    uint64_t in = s->input_tokens, out = s->output_tokens;
    uint64_t cr = s->cache_read_tokens < in ? s->cache_read_tokens : in;
    uint64_t cw = s->cache_write_tokens < in - cr ? s->cache_write_tokens : in - cr;
    uint64_t cw1h = s->cache_write_1h_tokens < cw ? s->cache_write_1h_tokens : cw;
    uint64_t rs = s->reasoning_tokens < out ? s->reasoning_tokens : out;
    /* Prices are 1e-9 USD per 1M tokens, so tokens x price is in 1e-15 USD. Above the
     * long-context threshold every token of the request is billed at the long prices. */
    int lg = r->long_above && in > r->long_above;
    u128 sum = (u128)(in - cr - cw) * (lg ? r->input_long : r->input) +
               (u128)cr * (lg ? r->cache_read_long : r->cache_read) +
               (u128)(cw - cw1h) * (lg ? r->cache_write_long : r->cache_write) +
               (u128)cw1h * (lg ? r->cache_write_1h_long : r->cache_write_1h) +
               (u128)(out - rs) * (lg ? r->output_long : r->output) +
               (u128)rs * (lg ? r->reasoning_long : r->reasoning);
    /* Fees: 1e-9 USD per 1,000 calls -> 1e-15 USD is x 1,000. */
    u128 fee = (u128)s->web_search_calls * r->web_search_per_1k * 1000u;
    u128 den = 1000000u; /* 1e-15 USD -> 1e-9 USD */
    uint64_t factor =
        tier == 1
            ? (r->batch_discount
                   ? (r->batch_discount >= 1000000000ull ? 0 : 1000000000ull - r->batch_discount)
                   : 1000000000ull)
        : tier == 2 ? (r->flex_factor ? r->flex_factor : 1000000000ull)
        : tier == 3 ? (r->priority_factor ? r->priority_factor : 1000000000ull)
                    : 1000000000ull;
    if (factor != 1000000000ull) {
        /* The tier's factor folded into one half-up division; fees are not discounted. */
        sum = sum * factor + fee * 1000000000u;
        den *= 1000000000u;
    } else {
        sum += fee;
    }
    u128 q = (sum + den / 2) / den; /* half-up, once per span */
    return q > (u128)INT64_MAX ? INT64_MAX : (int64_t)q;
}

int price_apply(const price_table_t *pt, span_t *s) {
    const price_row_t *r = NULL;
    if (s->response_model.n) r = price_lookup(pt, s->provider, s->response_model, s->ts_ms);
    if (!r && s->model.n &&
        (s->model.n != s->response_model.n ||
         memcmp(s->model.p, s->response_model.p, s->model.n) != 0)) /* not tried already */
        r = price_lookup(pt, s->provider, s->model, s->ts_ms);
    int producer = (s->present & SPAN_HAS_COST) != 0;
    if (!r) {
        s->cost_computed_nusd = 0;
        s->pricing_status = SPAN_STR_LIT("unknown_model");
        if (producer) {
            s->cost_source = SPAN_STR_LIT("producer");
        } else {
            s->cost_nusd = 0;
            s->cost_source = SPAN_STR_LIT("none");
        }
        return 0;
    }
    int tier = price_tier(s);
    s->cost_computed_nusd = cost_at_tier(r, s, tier);
    if ((tier == 2 && !r->flex_factor) || (tier == 3 && !r->priority_factor))
        s->pricing_status = SPAN_STR_LIT("tier_default");
    else if (s->web_search_calls && !r->web_search_per_1k)
        s->pricing_status = SPAN_STR_LIT("fee_unpriced");
    else if (r->long_above && s->input_tokens > r->long_above)
        s->pricing_status = SPAN_STR_LIT("long_context");
    else
        s->pricing_status = SPAN_STR_LIT("ok");
    if (producer) {
        s->cost_source = SPAN_STR_LIT("producer");
    } else if (s->cache_hit) {
        /* A response-cache hit made no provider call: nothing was spent. The computed cost
         * stays beside it as the list price of the avoided call. */
        s->cost_nusd = 0;
        s->cost_source = SPAN_STR_LIT("cache_hit");
    } else {
        s->cost_nusd = s->cost_computed_nusd;
        s->cost_source = SPAN_STR_LIT("computed");
    }
    return 1;
}

/* ---- loading ---- */

enum {
    PC_PROVIDER,
    PC_MODEL,
    PC_FROM,
    PC_INPUT,
    PC_OUTPUT,
    PC_CACHE_READ,
    PC_CACHE_WRITE,
    PC_REASONING,
    PC_BATCH,
    PC_ALIASES,
    PC_NOTES,
    PC_LONG_ABOVE,
    PC_INPUT_LONG,
    PC_OUTPUT_LONG,
    PC_CACHE_READ_LONG,
    PC_CACHE_WRITE_LONG,
    PC_CACHE_WRITE_1H,
    PC_CACHE_WRITE_1H_LONG,
    PC_FLEX,
    PC_PRIORITY,
    PC_WEB_SEARCH,
    PC__COUNT
};
static const char *const price_cols[PC__COUNT] = {"provider",
                                                  "model",
                                                  "effective_from",
                                                  "input_per_1m",
                                                  "output_per_1m",
                                                  "cache_read_per_1m",
                                                  "cache_write_per_1m",
                                                  "reasoning_per_1m",
                                                  "batch_discount",
                                                  "aliases",
                                                  "notes",
                                                  "long_context_above",
                                                  "input_long_per_1m",
                                                  "output_long_per_1m",
                                                  "cache_read_long_per_1m",
                                                  "cache_write_long_per_1m",
                                                  "cache_write_1h_per_1m",
                                                  "cache_write_1h_long_per_1m",
                                                  "flex_factor",
                                                  "priority_factor",
                                                  "web_search_per_1k"};
#define PRICE_REQUIRED_COLS 5 /* the first five */

typedef struct price_ent_s {
    char *prov, *model, *aliases;
    price_row_t row;
} price_ent_t;

/* Parses YYYY-MM-DD (UTC) into epoch ms of 00:00. Returns 0 or -1. */
static int price_parse_date(const char *p, size_t n, int64_t *ms) {
    if (n != 10 || p[4] != '-' || p[7] != '-' || !price_all_digits(p, 4) ||
        !price_all_digits(p + 5, 2) || !price_all_digits(p + 8, 2))
        return -1;
    int y = atoi(p), m = (p[5] - '0') * 10 + (p[6] - '0'), d = (p[8] - '0') * 10 + (p[9] - '0');
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1970 || m < 1 || m > 12 || d < 1) return -1;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[m - 1] + (m == 2 && leap)) return -1;
    *ms = civil_days(y, (unsigned)m, (unsigned)d) * 86400000ll;
    return 0;
}

static char *price_strdup_lc(const char *p, size_t n) {
    char *s = malloc(n + 1);
    if (!s) return NULL;
    for (size_t i = 0; i < n; i++)
        s[i] = (char)price_lc((unsigned char)p[i]);
    s[n] = 0;
    return s;
}

static int price_ent_cmp(const void *a, const void *b) {
    const price_ent_t *x = a, *y = b;
    int c = strcmp(x->prov, y->prov);
    if (!c) c = strcmp(x->model, y->model);
    if (!c) c = (x->row.from_ms > y->row.from_ms) - (x->row.from_ms < y->row.from_ms);
    if (!c) c = (x->row.line > y->row.line) - (x->row.line < y->row.line);
    return c;
}

int price_name_ok(const char *p, size_t n) {
    if (n == 0 || n > PRICE_MAX_NAME) return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] <= ' ' || p[i] == '|') return 0;
    return 1;
}

/* Adds a key (taking ownership of prov and name) unless provider+name exists. Returns the
 * index of the key now holding that name, or -1 on allocation failure. */
static long price_add_key(price_table_t *pt, size_t *cap, char *prov, char *name, uint32_t canon,
                          uint32_t line, int *existed) {
    *existed = 0;
    /* Only aliases can collide (canonical keys come from sorted, deduplicated rows); this
     * runs at load time only, so a scan is fine here. */
    for (size_t i = 0; canon != UINT32_MAX && i < pt->n_keys; i++) {
        if (!strcmp(pt->keys[i].prov, prov) && !strcmp(pt->keys[i].name, name)) {
            free(prov);
            free(name);
            *existed = 1;
            return (long)i;
        }
    }
    if (pt->n_keys == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        price_key_t *nk = realloc(pt->keys, nc * sizeof(*nk));
        if (!nk) goto err;
        pt->keys = nk;
        *cap = nc;
    }
    price_key_t *k = &pt->keys[pt->n_keys];
    memset(k, 0, sizeof(*k));
    k->prov = prov;
    k->name = name;
    k->prov_n = (uint32_t)strlen(prov);
    k->name_n = (uint32_t)strlen(name);
    k->h_m = price_hash_name(name, k->name_n);
    k->h_pm = price_hash_pm(price_hash_prov(prov, k->prov_n), k->h_m);
    k->canon = canon == UINT32_MAX ? (uint32_t)pt->n_keys : canon;
    k->first_line = line;
    return (long)pt->n_keys++;
err:
    free(prov);
    free(name);
    return -1;
}

static void price_ents_free(price_ent_t *ents, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(ents[i].prov);
        free(ents[i].model);
        free(ents[i].aliases);
    }
    free(ents);
}

static int price_build_index(price_table_t *pt) {
    size_t size = strhash_slots(pt->n_keys);
    pt->mask = size - 1;
    pt->slots_pm = calloc(size, sizeof(uint32_t));
    pt->slots_m = calloc(size, sizeof(uint32_t));
    if (!pt->slots_pm || !pt->slots_m) return -1;
    for (size_t i = 0; i < pt->n_keys; i++) {
        const price_key_t *k = &pt->keys[i];
        size_t j = (size_t)k->h_pm & pt->mask;
        while (pt->slots_pm[j])
            j = (j + 1) & pt->mask;
        pt->slots_pm[j] = (uint32_t)i + 1;
        /* Model-only: one key per name; the one named first in the file wins. */
        for (j = (size_t)k->h_m & pt->mask; pt->slots_m[j]; j = (j + 1) & pt->mask) {
            price_key_t *o = &pt->keys[pt->slots_m[j] - 1];
            if (o->h_m == k->h_m && !strcmp(o->name, k->name)) break;
        }
        if (!pt->slots_m[j] || pt->keys[pt->slots_m[j] - 1].first_line > k->first_line)
            pt->slots_m[j] = (uint32_t)i + 1;
    }
    return 0;
}

/* The long-context columns of one row. Empty threshold: no tier (its prices must be empty
 * too). With a threshold, input and output long prices are required, and so is the long price
 * of every cache class the row prices explicitly (a forgotten one would bill cache reads at the
 * full long input price); an empty one follows the long input price as the short one follows
 * the input price. Reasoning is billed at the long output price. Returns 0, or ERR_CONFIG with the
 * position and message set. */
static int price_parse_long(price_ent_t *e, const int *colmap, const csv_reader_t *rd,
                            uint32_t *eline, uint32_t *ecol, char *msg, size_t msg_size) {
    const csv_field_t *th = colmap[PC_LONG_ABOVE] >= 0 ? &rd->fields[colmap[PC_LONG_ABOVE]] : NULL;
    uint64_t *dst[] = {&e->row.input_long, &e->row.output_long, &e->row.cache_read_long,
                       &e->row.cache_write_long};
    /* Whether the short cache prices were given (not defaulted to the input price). */
    int explicit_cache[2] = {0, 0};
    for (int c = PC_CACHE_READ; c <= PC_CACHE_WRITE; c++)
        explicit_cache[c - PC_CACHE_READ] = colmap[c] >= 0 && rd->fields[colmap[c]].n > 0;
    if (th && th->n) {
        uint64_t v = 0;
        const char *why =
            price_all_digits(th->p, th->n) && th->n <= 9 ? NULL : "not a whole number";
        if (!why) {
            for (size_t i = 0; i < th->n; i++)
                v = v * 10 + (uint64_t)(th->p[i] - '0');
            if (v == 0) why = "must be above 0";
        }
        if (why) {
            return csv_refuse(th, eline, ecol, msg, msg_size,
                              "long_context_above: %s: input tokens, e.g. 200000 (got \"%.32s\")",
                              why, th->p);
        }
        e->row.long_above = v;
    }
    for (int c = PC_INPUT_LONG; c <= PC_CACHE_WRITE_LONG; c++) {
        const csv_field_t *f = colmap[c] >= 0 ? &rd->fields[colmap[c]] : NULL;
        uint64_t *d = dst[c - PC_INPUT_LONG];
        if (!f || f->n == 0) {
            int needed = e->row.long_above &&
                         (c <= PC_OUTPUT_LONG || explicit_cache[c - PC_CACHE_READ_LONG]);
            if (needed) {
                *eline = f ? f->line : (th ? th->line : e->row.line);
                *ecol = f ? f->col : (th ? th->col : 1);
                snprintf(msg, msg_size, "%s is required with long_context_above%s", price_cols[c],
                         c > PC_OUTPUT_LONG ? " when the short cache price is given" : "");
                return ERR_CONFIG;
            }
            *d = c <= PC_OUTPUT_LONG ? 0 : e->row.input_long;
            continue;
        }
        if (!e->row.long_above) {
            return csv_refuse(f, eline, ecol, msg, msg_size, "%s without long_context_above",
                              price_cols[c]);
        }
        const char *why = csv_decimal_nano(f->p, f->n, PRICE_MAX_USD_PER_1M * 1000000000ull, d);
        if (why) {
            return csv_refuse(f, eline, ecol, msg, msg_size, "%s: %s (got \"%.32s\")",
                              price_cols[c], why, f->p);
        }
    }
    /* Cache prices defaulted above from input_long when the row leaves them empty; reasoning
     * follows the long output price unless the row has no tier. */
    for (int c = PC_CACHE_READ_LONG; c <= PC_CACHE_WRITE_LONG; c++)
        if (e->row.long_above && !explicit_cache[c - PC_CACHE_READ_LONG] &&
            (colmap[c] < 0 || rd->fields[colmap[c]].n == 0))
            *dst[c - PC_INPUT_LONG] = e->row.input_long;
    e->row.reasoning_long = e->row.output_long;
    return 0;
}

/* The optional columns after the long-context tier: 1-hour cache-write prices (default the
 * row's cache-write prices), the flex and priority factors and the web-search fee (default 0:
 * not priced). A 1-hour long price needs the tier. Returns 0, or ERR_CONFIG with position and
 * message. */
static int price_parse_extras(price_ent_t *e, const int *colmap, const csv_reader_t *rd,
                              uint32_t *eline, uint32_t *ecol, char *msg, size_t msg_size) {
    static const struct {
        int col;
        uint64_t max;
        const char *hint;
    } ex[] = {
        {PC_CACHE_WRITE_1H, PRICE_MAX_USD_PER_1M * 1000000000ull, ""},
        {PC_CACHE_WRITE_1H_LONG, PRICE_MAX_USD_PER_1M * 1000000000ull, ""},
        {PC_FLEX, PRICE_MAX_TIER_FACTOR_NANO, ": a factor of the standard price, e.g. 0.5"},
        {PC_PRIORITY, PRICE_MAX_TIER_FACTOR_NANO, ": a factor of the standard price, e.g. 1.7"},
        {PC_WEB_SEARCH, PRICE_MAX_USD_PER_1M * 1000000000ull, ": USD per 1,000 calls"}};
    uint64_t *dst[] = {&e->row.cache_write_1h, &e->row.cache_write_1h_long, &e->row.flex_factor,
                       &e->row.priority_factor, &e->row.web_search_per_1k};
    e->row.cache_write_1h = e->row.cache_write;
    e->row.cache_write_1h_long = e->row.cache_write_long;
    for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
        const csv_field_t *f = colmap[ex[i].col] >= 0 ? &rd->fields[colmap[ex[i].col]] : NULL;
        if (!f || f->n == 0) continue;
        if (ex[i].col == PC_CACHE_WRITE_1H_LONG && !e->row.long_above) {
            return csv_refuse(f, eline, ecol, msg, msg_size, "%s without long_context_above",
                              price_cols[ex[i].col]);
        }
        const char *why = csv_decimal_nano(f->p, f->n, ex[i].max, dst[i]);
        if (!why && ex[i].col >= PC_FLEX && ex[i].col <= PC_PRIORITY && *dst[i] == 0)
            why = "must be above 0";
        if (why) {
            return csv_refuse(f, eline, ecol, msg, msg_size, "%s: %s%s (got \"%.32s\")",
                              price_cols[ex[i].col], why, ex[i].hint, f->p);
        }
    }
    return 0;
}

/* The steps of price_parse return ERR_OK, ERR_CONFIG (refused: *eline, *ecol and msg say where
 * and why) or ERR_NOMEM. */

/* One data row of the file into e (its names lower-cased and owned by e). */
static int price_parse_row(price_ent_t *e, const int *colmap, const csv_reader_t *rd,
                           uint32_t *eline, uint32_t *ecol, char *msg, size_t msg_size) {
    const csv_field_t *f;
#define PRICE_FIELD(c) (colmap[c] >= 0 ? &rd->fields[colmap[c]] : NULL)
    memset(e, 0, sizeof(*e));
    e->row.line = rd->rec_line;
    const csv_field_t *prov = PRICE_FIELD(PC_PROVIDER), *model = PRICE_FIELD(PC_MODEL);
    if (!price_name_ok(prov->p, prov->n))
        return csv_refuse(prov, eline, ecol, msg, msg_size,
                          "provider must be 1-255 characters without spaces or '|'");
    if (!price_name_ok(model->p, model->n))
        return csv_refuse(model, eline, ecol, msg, msg_size,
                          "model must be 1-255 characters without spaces or '|'");
    e->prov = price_strdup_lc(prov->p, prov->n);
    e->model = price_strdup_lc(model->p, model->n);
    if (!e->prov || !e->model) return ERR_NOMEM;
    f = PRICE_FIELD(PC_FROM);
    if (price_parse_date(f->p, f->n, &e->row.from_ms) < 0)
        return csv_refuse(f, eline, ecol, msg, msg_size,
                          "effective_from must be a date YYYY-MM-DD (UTC), got \"%.32s\"", f->p);
    uint64_t *dst[] = {&e->row.input,       &e->row.output,    &e->row.cache_read,
                       &e->row.cache_write, &e->row.reasoning, &e->row.batch_discount};
    for (int c = PC_INPUT; c <= PC_BATCH; c++) {
        f = PRICE_FIELD(c);
        uint64_t *d = dst[c - PC_INPUT];
        if (!f || f->n == 0) {
            if (c == PC_INPUT || c == PC_OUTPUT)
                return csv_refuse(f, eline, ecol, msg, msg_size, "%s is required", price_cols[c]);
            /* Defaults: cache prices = input, reasoning = output, no batch discount. */
            *d = c == PC_REASONING ? e->row.output : c == PC_BATCH ? 0 : e->row.input;
            continue;
        }
        uint64_t max = c == PC_BATCH ? 1000000000ull : PRICE_MAX_USD_PER_1M * 1000000000ull;
        const char *why = csv_decimal_nano(f->p, f->n, max, d);
        if (why)
            return csv_refuse(f, eline, ecol, msg, msg_size, "%s: %s%s (got \"%.32s\")",
                              price_cols[c], why,
                              c == PC_BATCH ? ": a fraction from 0 to 1, e.g. 0.5" : "", f->p);
    }
    if (price_parse_long(e, colmap, rd, eline, ecol, msg, msg_size) != 0) return ERR_CONFIG;
    if (price_parse_extras(e, colmap, rd, eline, ecol, msg, msg_size) != 0) return ERR_CONFIG;
    f = PRICE_FIELD(PC_ALIASES);
    if (f && f->n && !strcmp(e->model, "*"))
        return csv_refuse(f, eline, ecol, msg, msg_size,
                          "a fallback price (model *) takes no aliases");
    if (f && f->n && !(e->aliases = price_strdup_lc(f->p, f->n))) return ERR_NOMEM;
    return ERR_OK;
#undef PRICE_FIELD
}

/* The rows of ents (sorted by provider, model, date) into pt's rows and one key per
 * provider/model; the same model twice on one date is refused, as is a second fallback
 * price of a provider on one date. */
static int price_index_rows(price_table_t *pt, price_ent_t *ents, size_t n_ents, size_t *cap_keys,
                            uint32_t *eline, uint32_t *ecol, char *msg, size_t msg_size) {
    pt->rows = calloc(n_ents ? n_ents : 1, sizeof(*pt->rows));
    if (!pt->rows) return ERR_NOMEM;
    for (size_t i = 0; i < n_ents; i++) {
        price_ent_t *e = &ents[i];
        pt->rows[i] = e->row;
        if (!strcmp(e->model, "*")) {
            /* A fallback price (docs/pricing.md): what v_unpriced_models estimates unpriced
             * spend with. Never used to price a span: an unknown model stays 'unknown_model',
             * counted and alerted on, instead of looking priced. Rows sort by provider, then
             * model ('*' first), so a provider's fallback rows are adjacent. */
            if (i && ents[i - 1].model && !strcmp(ents[i - 1].model, "*") &&
                !strcmp(ents[i - 1].prov, e->prov) && ents[i - 1].row.from_ms == e->row.from_ms) {
                *eline = e->row.line;
                *ecol = 1;
                snprintf(msg, msg_size,
                         "%s/* already has a fallback price from this date (line %u)", e->prov,
                         ents[i - 1].row.line);
                return ERR_CONFIG;
            }
            continue;
        }
        const price_key_t *last = pt->n_keys ? &pt->keys[pt->n_keys - 1] : NULL;
        int same = last && !strcmp(last->prov, e->prov) && !strcmp(last->name, e->model);
        if (same && ents[i - 1].row.from_ms == e->row.from_ms) {
            *eline = e->row.line;
            *ecol = 1;
            snprintf(msg, msg_size, "%s/%s already has a price from this date (line %u)", e->prov,
                     e->model, ents[i - 1].row.line);
            return ERR_CONFIG;
        }
        if (same) {
            pt->keys[pt->n_keys - 1].n_rows++;
            if (e->row.line < pt->keys[pt->n_keys - 1].first_line)
                pt->keys[pt->n_keys - 1].first_line = e->row.line;
            continue;
        }
        int existed;
        long k = price_add_key(pt, cap_keys, e->prov, e->model, UINT32_MAX, e->row.line, &existed);
        e->model = NULL; /* owned by the key now */
        e->prov = NULL;
        if (k < 0) return ERR_NOMEM;
        pt->keys[k].first_row = (uint32_t)i;
        pt->keys[k].n_rows = 1;
    }
    pt->n_rows = n_ents;
    return ERR_OK;
}

/* Aliases: more names for the same provider/model rows (e.g. a cloud's own id); a name that
 * already names another model is refused. */
static int price_index_aliases(price_table_t *pt, price_ent_t *ents, size_t n_ents,
                               size_t *cap_keys, uint32_t *eline, uint32_t *ecol, char *msg,
                               size_t msg_size) {
    size_t n_canon = pt->n_keys, ki = 0;
    for (size_t i = 0; i < n_ents; i++) {
        while (ki + 1 < n_canon && pt->keys[ki + 1].first_row <= i)
            ki++;
        char *a = ents[i].aliases;
        if (!a) continue;
        char *save = NULL;
        for (char *tok = strtok_r(a, " |", &save); tok; tok = strtok_r(NULL, " |", &save)) {
            char *prov = strdup(pt->keys[ki].prov), *name = strdup(tok);
            if (!prov || !name) {
                free(prov);
                free(name);
                return ERR_NOMEM;
            }
            int existed;
            long k =
                price_add_key(pt, cap_keys, prov, name, (uint32_t)ki, ents[i].row.line, &existed);
            if (k < 0) return ERR_NOMEM;
            if (existed && pt->keys[k].canon != ki) {
                *eline = ents[i].row.line;
                *ecol = 1;
                snprintf(msg, msg_size, "alias \"%.64s\" already names %s/%s", tok,
                         pt->keys[pt->keys[k].canon].prov, pt->keys[pt->keys[k].canon].name);
                return ERR_CONFIG;
            }
        }
    }
    return ERR_OK;
}

price_table_t *price_parse(const char *text, size_t len, const char *name_for_errors, char *errstr,
                           size_t errstr_size) {
    csv_reader_t rd;
    price_table_t *pt = NULL;
    price_ent_t *ents = NULL;
    size_t n_ents = 0, cap_ents = 0, cap_keys = 0;
    int colmap[PC__COUNT];
    size_t ncols = 0;
    char msg[256] = "";
    const char *fname = name_for_errors ? name_for_errors : "pricing";
    uint32_t eline = 0, ecol = 0;
    int rc;

    csv_init(&rd, text, len);
    pt = calloc(1, sizeof(*pt));
    if (!pt) goto nomem;
    /* Header: columns by name, any order; unknown or repeated names are errors. */
    rc = csv_next(&rd, msg, sizeof(msg));
    if (rc < 0) goto err_csv;
    if (rc == 0) {
        snprintf(msg, sizeof(msg), "1:1: empty file: a header line is required");
        goto err_csv;
    }
    ncols = rd.nfields;
    if (csv_map_header(&rd, price_cols, PC__COUNT, PRICE_REQUIRED_COLS, colmap, &eline, &ecol, msg,
                       sizeof(msg)) != 0)
        goto err_at;

    while ((rc = csv_next(&rd, msg, sizeof(msg))) == 1) {
        if (rd.nfields != ncols) {
            eline = rd.rec_line;
            ecol = 1;
            snprintf(msg, sizeof(msg), "expected %zu fields as in the header, got %zu", ncols,
                     rd.nfields);
            goto err_at;
        }
        if (n_ents == cap_ents) {
            size_t nc = cap_ents ? cap_ents * 2 : 64;
            price_ent_t *ne = realloc(ents, nc * sizeof(*ne));
            if (!ne) goto nomem;
            ents = ne;
            cap_ents = nc;
        }
        rc = price_parse_row(&ents[n_ents++], colmap, &rd, &eline, &ecol, msg, sizeof(msg));
        if (rc == ERR_CONFIG) goto err_at;
        if (rc == ERR_NOMEM) goto nomem;
    }
    if (rc < 0) goto err_csv;

    if (n_ents) qsort(ents, n_ents, sizeof(*ents), price_ent_cmp);
    if ((rc = price_index_rows(pt, ents, n_ents, &cap_keys, &eline, &ecol, msg, sizeof(msg))) ==
        ERR_OK)
        rc = price_index_aliases(pt, ents, n_ents, &cap_keys, &eline, &ecol, msg, sizeof(msg));
    if (rc == ERR_CONFIG) goto err_at;
    if (rc == ERR_NOMEM || price_build_index(pt) < 0) goto nomem;
    price_ents_free(ents, n_ents);
    csv_deinit(&rd);
    return pt;

err_at:
    if (errstr && errstr_size)
        snprintf(errstr, errstr_size, "%s:%u:%u: %s", fname, eline, ecol, msg);
    goto cleanup;
err_csv:
    if (errstr && errstr_size) snprintf(errstr, errstr_size, "%s:%s", fname, msg);
    goto cleanup;
nomem:
    if (errstr && errstr_size) snprintf(errstr, errstr_size, "%s: out of memory", fname);
cleanup:
    price_ents_free(ents, n_ents);
    csv_deinit(&rd);
    price_destroy(pt);
    return NULL;
}

price_table_t *price_load(const char *path, char *errstr, size_t errstr_size) {
    char *text = NULL;
    size_t len = 0;
    price_table_t *pt = NULL;
    if (csv_read_file(path, &text, &len, errstr, errstr_size) < 0) goto err;
    pt = price_parse(text, len, path, errstr, errstr_size);
err:
    free(text);
    return pt;
}
