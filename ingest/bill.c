/* bill: provider exports into bill lines (see bill.h).
 * JSON is parsed by jansson (Debian's libjansson): the exports are small and read once, so a
 * DOM with exact error positions beats a hand-written reader. Decimal amounts are parsed here
 * by hand (decimal_nano): jansson, like every JSON library Debian ships, turns numbers into
 * doubles, and Anthropic's cent strings must stay exact to the nano-dollar. */
#include "bill.h"

#include "buf.h"
#include "csv.h"
#include "json_span.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const format_names[BILL__COUNT] = {"openai-costs", "openai-usage",
                                                      "anthropic-cost", "anthropic-usage", "csv"};

int bill_format_parse(const char *name) {
    for (int i = 0; i < BILL__COUNT; i++)
        if (!strcmp(name, format_names[i])) return i;
    return -1;
}

const char *bill_format_name(bill_format_t f) {
    return (unsigned)f < BILL__COUNT ? format_names[f] : "?";
}

void bill_lines_free(bill_lines_t *l) {
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

/* The decoder's state: where it is (for messages) and where lines go. */
typedef struct {
    bill_lines_t *out;
    char *err;
    size_t en;
    char at[64]; /* "data[i].results[j]" */
} bd_t;

static int fail(bd_t *b, const char *field, const char *what) {
    snprintf(b->err, b->en, "%s%s%s: %s", b->at, field ? "." : "", field ? field : "", what);
    return -1;
}

static bill_line_t *push(bd_t *b) {
    bill_lines_t *l = b->out;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        bill_line_t *v = realloc(l->v, cap * sizeof(*v));
        if (!v) return NULL;
        l->v = v;
        l->cap = cap;
    }
    bill_line_t *x = &l->v[l->n++];
    memset(x, 0, sizeof(*x));
    snprintf(x->source_ref, sizeof(x->source_ref), "%s", b->at);
    return x;
}

/* Copies an optional string member (absent or null = "") into dst. */
static int get_str(bd_t *b, json_t *o, const char *key, char *dst, size_t cap) {
    json_t *v = json_object_get(o, key);
    dst[0] = 0;
    if (!v || json_is_null(v)) return 0;
    if (!json_is_string(v)) return fail(b, key, "not a string");
    size_t n = json_string_length(v);
    if (n >= cap) return fail(b, key, "too long");
    memcpy(dst, json_string_value(v), n + 1);
    return 0;
}

/* An optional non-negative integer member (absent or null = 0). */
static int get_count(bd_t *b, json_t *o, const char *key, uint64_t *out) {
    json_t *v = json_object_get(o, key);
    *out = 0;
    if (!v || json_is_null(v)) return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return fail(b, key, "not a non-negative integer");
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

/* A decimal string of USD (cents = 0) or of cents (cents = 1) -> nano-USD: exact to the nano,
 * further digits rounded half away from zero; a sign allowed (credits). One digit past the
 * nano is kept and rounded once. */
static const char *decimal_nano(const char *s, int cents, int64_t *out) {
    const int keep = (cents ? 7 : 9) + 1;                      /* fractional digits kept */
    const uint64_t mult = cents ? 10000000ull : 1000000000ull; /* nano per unit */
    int neg = *s == '-';
    if (*s == '-' || *s == '+') s++;
    uint64_t ip = 0, fp = 0;
    int digits = 0, fd = 0;
    for (; *s >= '0' && *s <= '9'; s++, digits++) {
        if (ip > (uint64_t)INT64_MAX / mult) return "too large";
        ip = ip * 10 + (uint64_t)(*s - '0');
    }
    if (*s == '.') {
        for (s++; *s >= '0' && *s <= '9'; s++, digits++)
            if (fd < keep) {
                fp = fp * 10 + (uint64_t)(*s - '0');
                fd++;
            }
    }
    if (*s || !digits) return "not a decimal number";
    for (; fd < keep; fd++)
        fp *= 10;
    if (ip > ((uint64_t)INT64_MAX - fp / 10 - 1) / mult) return "too large";
    uint64_t q = ip * mult + fp / 10 + (fp % 10 >= 5);
    *out = neg ? -(int64_t)q : (int64_t)q;
    return NULL;
}

/* An RFC 3339 timestamp string member, as unix seconds. */
static int get_day_iso(bd_t *b, json_t *o, const char *key, int64_t *start) {
    json_t *v = json_object_get(o, key);
    int64_t ms;
    if (!json_is_string(v)) return fail(b, key, "missing (an RFC 3339 time)");
    if (jspan_parse_iso8601(json_string_value(v), json_string_length(v), &ms) != 0)
        return fail(b, key, "not an RFC 3339 time");
    *start = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    return 0;
}

/* OpenAI: data[].start_time (unix seconds) and data[].results[] (or result[]). */
static int openai_bucket(bd_t *b, json_t *bucket, int64_t *start, json_t **results) {
    json_t *t = json_object_get(bucket, "start_time");
    if (!json_is_integer(t)) return fail(b, "start_time", "missing (unix seconds)");
    *start = (int64_t)json_integer_value(t);
    *results = json_object_get(bucket, "results");
    if (!*results) *results = json_object_get(bucket, "result");
    if (!json_is_array(*results)) return fail(b, "results", "missing (an array)");
    return 0;
}

static const char *openai_tier(int batch, const char *tier) {
    if (batch) return "batch";
    if (!*tier || !strcmp(tier, "default") || !strcmp(tier, "auto")) return "standard";
    return tier;
}

static int openai_cost(bd_t *b, int64_t start, json_t *r) {
    char item[2 * BILL_STR], project[BILL_STR], cur[16], key[BILL_STR];
    if (get_str(b, r, "line_item", item, sizeof(item)) ||
        get_str(b, r, "project_id", project, sizeof(project)) ||
        get_str(b, r, "api_key_id", key, sizeof(key)))
        return -1;
    json_t *amount = json_object_get(r, "amount");
    if (!json_is_object(amount)) return fail(b, "amount", "missing (an object)");
    if (get_str(b, amount, "currency", cur, sizeof(cur))) return -1;
    if (*cur && strcasecmp(cur, "usd")) return fail(b, "amount.currency", "not usd");
    json_t *val = json_object_get(amount, "value");
    if (!json_is_number(val)) return fail(b, "amount.value", "not a number");
    double d = json_number_value(val);
    if (!isfinite(d) || fabs(d) >= 9e9) return fail(b, "amount.value", "out of range");
    char txt[64];
    snprintf(txt, sizeof(txt), "%.9f", d);
    bill_line_t *x = push(b);
    if (!x) return fail(b, NULL, "out of memory");
    if (decimal_nano(txt, 0, &x->amount_nano)) return fail(b, "amount.value", "out of range");
    x->has_amount = 1;
    x->bucket_start = start;
    snprintf(x->provider, sizeof(x->provider), "openai");
    snprintf(x->project, sizeof(x->project), "%s", project);
    snprintf(x->api_key, sizeof(x->api_key), "%s", key);
    snprintf(x->line_item, sizeof(x->line_item), "%s", item);
    /* "<model>, <input|cached input|output>": the documented line items of token costs. */
    const char *comma = strrchr(item, ',');
    const char *kind = comma ? comma + 1 : "";
    while (*kind == ' ')
        kind++;
    static const struct {
        const char *suffix, *type;
    } kinds[] = {{"input", "input"}, {"cached input", "cached_input"}, {"output", "output"}};
    snprintf(x->token_type, sizeof(x->token_type), "other");
    for (size_t i = 0; comma && i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strcasecmp(kind, kinds[i].suffix)) continue;
        snprintf(x->token_type, sizeof(x->token_type), "%s", kinds[i].type);
        snprintf(x->model, sizeof(x->model), "%.*s", (int)(comma - item), item);
    }
    return 0;
}

/* One usage line per token class with a non-zero count. */
typedef struct {
    const char *type;
    uint64_t n;
} usage_part_t;

static int usage_lines(bd_t *b, int64_t start, const char *provider, const char *model,
                       const char *project, const char *key, const char *tier, const char *window,
                       const usage_part_t *parts, size_t nparts) {
    for (size_t i = 0; i < nparts; i++) {
        if (!parts[i].n) continue;
        bill_line_t *x = push(b);
        if (!x) return fail(b, NULL, "out of memory");
        x->bucket_start = start;
        x->tokens = parts[i].n;
        snprintf(x->provider, sizeof(x->provider), "%s", provider);
        snprintf(x->model, sizeof(x->model), "%s", model);
        snprintf(x->project, sizeof(x->project), "%s", project);
        snprintf(x->api_key, sizeof(x->api_key), "%s", key);
        snprintf(x->service_tier, sizeof(x->service_tier), "%s", tier);
        snprintf(x->context_window, sizeof(x->context_window), "%s", window);
        snprintf(x->token_type, sizeof(x->token_type), "%s", parts[i].type);
    }
    return 0;
}

static int openai_usage(bd_t *b, int64_t start, json_t *r) {
    char model[BILL_STR], project[BILL_STR], key[BILL_STR], tier[32];
    uint64_t in, cached, out, req;
    if (get_str(b, r, "model", model, sizeof(model)) ||
        get_str(b, r, "project_id", project, sizeof(project)) ||
        get_str(b, r, "api_key_id", key, sizeof(key)) ||
        get_str(b, r, "service_tier", tier, sizeof(tier)) || get_count(b, r, "input_tokens", &in) ||
        get_count(b, r, "input_cached_tokens", &cached) || get_count(b, r, "output_tokens", &out) ||
        get_count(b, r, "num_model_requests", &req))
        return -1;
    json_t *batch = json_object_get(r, "batch");
    if (batch && !json_is_null(batch) && !json_is_boolean(batch))
        return fail(b, "batch", "not a boolean");
    /* OpenAI's input_tokens include the cached ones; a bill line says uncached input. */
    if (cached > in) return fail(b, "input_cached_tokens", "more than input_tokens");
    usage_part_t parts[] = {
        {"input", in - cached}, {"cached_input", cached}, {"output", out}, {"requests", req}};
    return usage_lines(b, start, "openai", model, project, key,
                       openai_tier(batch && json_is_true(batch), tier), "", parts, 4);
}

static int anthropic_cost(bd_t *b, int64_t start, json_t *r) {
    char cur[16], amount[64], cost_type[32], token_type[64];
    bill_line_t x;
    memset(&x, 0, sizeof(x));
    if (get_str(b, r, "currency", cur, sizeof(cur)) ||
        get_str(b, r, "amount", amount, sizeof(amount)) ||
        get_str(b, r, "model", x.model, sizeof(x.model)) ||
        get_str(b, r, "workspace_id", x.project, sizeof(x.project)) ||
        get_str(b, r, "service_tier", x.service_tier, sizeof(x.service_tier)) ||
        get_str(b, r, "context_window", x.context_window, sizeof(x.context_window)) ||
        get_str(b, r, "description", x.line_item, sizeof(x.line_item)) ||
        get_str(b, r, "cost_type", cost_type, sizeof(cost_type)) ||
        get_str(b, r, "token_type", token_type, sizeof(token_type)))
        return -1;
    if (*cur && strcasecmp(cur, "USD")) return fail(b, "currency", "not USD");
    if (!*amount) return fail(b, "amount", "missing (a decimal string in cents)");
    const char *e = decimal_nano(amount, 1, &x.amount_nano); /* cents -> USD */
    if (e) return fail(b, "amount", e);
    static const struct {
        const char *from, *to;
    } types[] = {{"uncached_input_tokens", "input"},
                 {"output_tokens", "output"},
                 {"cache_read_input_tokens", "cached_input"},
                 {"cache_creation.ephemeral_5m_input_tokens", "cache_write_5m"},
                 {"cache_creation.ephemeral_1h_input_tokens", "cache_write_1h"}};
    const char *type = !strcmp(cost_type, "web_search")       ? "web_search"
                       : !strcmp(cost_type, "code_execution") ? "code_execution"
                                                              : "other";
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (!strcmp(token_type, types[i].from)) type = types[i].to;
    bill_line_t *p = push(b);
    if (!p) return fail(b, NULL, "out of memory");
    snprintf(x.source_ref, sizeof(x.source_ref), "%s", p->source_ref);
    *p = x;
    p->bucket_start = start;
    p->has_amount = 1;
    snprintf(p->provider, sizeof(p->provider), "anthropic");
    snprintf(p->token_type, sizeof(p->token_type), "%s", type);
    return 0;
}

static int anthropic_usage(bd_t *b, int64_t start, json_t *r) {
    char model[BILL_STR], project[BILL_STR], key[BILL_STR], tier[32], window[32];
    uint64_t in, c5 = 0, c1h = 0, read, out, ws = 0;
    if (get_str(b, r, "model", model, sizeof(model)) ||
        get_str(b, r, "workspace_id", project, sizeof(project)) ||
        get_str(b, r, "api_key_id", key, sizeof(key)) ||
        get_str(b, r, "service_tier", tier, sizeof(tier)) ||
        get_str(b, r, "context_window", window, sizeof(window)) ||
        get_count(b, r, "uncached_input_tokens", &in) ||
        get_count(b, r, "cache_read_input_tokens", &read) || get_count(b, r, "output_tokens", &out))
        return -1;
    json_t *cc = json_object_get(r, "cache_creation");
    if (cc && !json_is_null(cc)) {
        if (!json_is_object(cc)) return fail(b, "cache_creation", "not an object");
        if (get_count(b, cc, "ephemeral_5m_input_tokens", &c5) ||
            get_count(b, cc, "ephemeral_1h_input_tokens", &c1h))
            return -1;
    }
    json_t *st = json_object_get(r, "server_tool_use");
    if (st && !json_is_null(st)) {
        if (!json_is_object(st)) return fail(b, "server_tool_use", "not an object");
        if (get_count(b, st, "web_search_requests", &ws)) return -1;
    }
    usage_part_t parts[] = {{"input", in},          {"cache_write_5m", c5}, {"cache_write_1h", c1h},
                            {"cached_input", read}, {"output", out},        {"web_search", ws}};
    return usage_lines(b, start, "anthropic", model, project, key, tier, window, parts, 6);
}

/* One response page: {"data": [bucket…], …}. */
static int json_page(bd_t *b, bill_format_t f, json_t *page, size_t pi, int many) {
    json_t *data = json_object_get(page, "data");
    if (!json_is_object(page) || !json_is_array(data)) {
        snprintf(b->at, sizeof(b->at), many ? "[%zu]" : "page", pi);
        return fail(b, "data", "missing (a response page has a data array)");
    }
    size_t i, j;
    json_t *bucket, *r;
    json_array_foreach(data, i, bucket) {
        int64_t start = 0;
        json_t *results = NULL;
        if (many)
            snprintf(b->at, sizeof(b->at), "[%zu].data[%zu]", pi, i);
        else
            snprintf(b->at, sizeof(b->at), "data[%zu]", i);
        if (!json_is_object(bucket)) return fail(b, NULL, "not an object");
        if (f == BILL_OPENAI_COSTS || f == BILL_OPENAI_USAGE) {
            if (openai_bucket(b, bucket, &start, &results)) return -1;
        } else {
            if (get_day_iso(b, bucket, "starting_at", &start)) return -1;
            results = json_object_get(bucket, "results");
            if (!json_is_array(results)) return fail(b, "results", "missing (an array)");
        }
        size_t at = strlen(b->at);
        json_array_foreach(results, j, r) {
            snprintf(b->at + at, sizeof(b->at) - at, ".results[%zu]", j);
            if (!json_is_object(r)) return fail(b, NULL, "not an object");
            int rc = f == BILL_OPENAI_COSTS     ? openai_cost(b, start, r)
                     : f == BILL_OPENAI_USAGE   ? openai_usage(b, start, r)
                     : f == BILL_ANTHROPIC_COST ? anthropic_cost(b, start, r)
                                                : anthropic_usage(b, start, r);
            if (rc) return -1;
        }
    }
    return 0;
}

/* The next line of [*p, end) with something besides blanks: its start and length, its 1-based
 * number in *lineno (counted from the caller's start). 0 at the end. */
static int next_line(const char **p, const char *end, const char **line, size_t *n,
                     size_t *lineno) {
    while (*p < end) {
        const char *nl = memchr(*p, '\n', (size_t)(end - *p));
        size_t len = nl ? (size_t)(nl - *p) : (size_t)(end - *p), k = 0;
        *line = *p;
        *p = nl ? nl + 1 : end;
        ++*lineno;
        while (k < len && ((*line)[k] == ' ' || (*line)[k] == '\t' || (*line)[k] == '\r'))
            k++;
        if (k < len) {
            *n = len;
            return 1;
        }
    }
    return 0;
}

/* JSON Lines: one response page per line. */
static int decode_json_lines(bd_t *b, bill_format_t f, const char *text, size_t len) {
    const char *p = text, *line;
    size_t n, lineno = 0, at = 0;
    while (next_line(&p, text + len, &line, &n, &lineno)) {
        json_error_t le;
        json_t *page = json_loadb(line, n, JSON_REJECT_DUPLICATES, &le);
        if (!page) {
            snprintf(b->err, b->en, "%zu:%d: %s", lineno, le.column, le.text);
            return -1;
        }
        int rc = json_page(b, f, page, at++, 1);
        json_decref(page);
        if (rc) {
            char tmp[256];
            snprintf(tmp, sizeof(tmp), "line %zu: %s", lineno, b->err);
            snprintf(b->err, b->en, "%s", tmp);
            return -1;
        }
    }
    return 0;
}

static int decode_json(bd_t *b, bill_format_t f, const char *text, size_t len) {
    json_error_t je;
    /* One page, an array of pages, or one page per line (JSON Lines: when the whole text is
     * not one value but its first line is). */
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!doc) {
        const char *p = text, *line;
        size_t n, lineno = 0;
        json_error_t le;
        json_t *first =
            next_line(&p, text + len, &line, &n, &lineno) ? json_loadb(line, n, 0, &le) : NULL;
        if (first) {
            json_decref(first);
            return decode_json_lines(b, f, text, len);
        }
        snprintf(b->err, b->en, "%d:%d: %s", je.line, je.column, je.text);
        return -1;
    }
    int rc = 0;
    if (json_is_array(doc)) {
        size_t i;
        json_t *page;
        json_array_foreach(doc, i, page) {
            if ((rc = json_page(b, f, page, i, 1)) != 0) break;
        }
    } else {
        rc = json_page(b, f, doc, 0, 0);
    }
    json_decref(doc);
    return rc;
}

static const char *const csv_cols[] = {"day",     "provider",     "model",          "project",
                                       "api_key", "service_tier", "context_window", "token_type",
                                       "tokens",  "amount_usd",   "line_item"};
enum { CSV_NCOLS = sizeof(csv_cols) / sizeof(csv_cols[0]), CSV_NREQ = 2 };

static int decode_csv(bd_t *b, const char *text, size_t len) {
    csv_reader_t r;
    int colmap[CSV_NCOLS], rc = -1, got;
    char e[256];
    csv_init(&r, text, len);
    if ((got = csv_next(&r, e, sizeof(e))) <= 0) {
        snprintf(b->err, b->en, "%s", got < 0 ? e : "1:1: empty file (a header row is needed)");
        goto done;
    }
    uint32_t line, col;
    if (csv_map_header(&r, csv_cols, CSV_NCOLS, CSV_NREQ, colmap, &line, &col, e, sizeof(e))) {
        snprintf(b->err, b->en, "%u:%u: %s", line, col, e);
        goto done;
    }
    if (colmap[8] < 0 && colmap[9] < 0) {
        snprintf(b->err, b->en, "1:1: the header needs tokens or amount_usd");
        goto done;
    }
    while ((got = csv_next(&r, e, sizeof(e))) > 0) {
        const csv_field_t *fd[CSV_NCOLS];
        for (int c = 0; c < CSV_NCOLS; c++)
            fd[c] = colmap[c] >= 0 && (size_t)colmap[c] < r.nfields ? &r.fields[colmap[c]] : NULL;
        bill_line_t *x = push(b);
        if (!x) {
            snprintf(b->err, b->en, "out of memory");
            goto done;
        }
        snprintf(x->source_ref, sizeof(x->source_ref), "line %u", r.rec_line);
        const csv_field_t *d = fd[0];
        int64_t ms;
        if (!d || jspan_parse_iso8601(d->p, d->n, &ms) != 0) {
            /* A bare date is the usual form; the ISO-8601 reader wants a time too. */
            char t[40];
            snprintf(t, sizeof(t), "%.*sT00:00:00Z", d ? (int)d->n : 0, d ? d->p : "");
            if (!d || d->n != 10 || jspan_parse_iso8601(t, strlen(t), &ms) != 0) {
                snprintf(b->err, b->en, "%u:%u: day: not a date (YYYY-MM-DD)",
                         d ? d->line : r.rec_line, d ? d->col : 1);
                goto done;
            }
        }
        x->bucket_start = ms / 1000;
        static const size_t offs[] = {0,
                                      offsetof(bill_line_t, provider),
                                      offsetof(bill_line_t, model),
                                      offsetof(bill_line_t, project),
                                      offsetof(bill_line_t, api_key),
                                      offsetof(bill_line_t, service_tier),
                                      offsetof(bill_line_t, context_window),
                                      offsetof(bill_line_t, token_type)};
        static const size_t caps[] = {0, 32, BILL_STR, BILL_STR, BILL_STR, 32, 32, 32};
        for (int c = 1; c < 8; c++) {
            if (!fd[c]) continue;
            if (fd[c]->n >= caps[c]) {
                snprintf(b->err, b->en, "%u:%u: %s: too long", fd[c]->line, fd[c]->col,
                         csv_cols[c]);
                goto done;
            }
            memcpy((char *)x + offs[c], fd[c]->p, fd[c]->n + 1);
        }
        if (!x->provider[0]) {
            snprintf(b->err, b->en, "%u:1: provider: empty", r.rec_line);
            goto done;
        }
        if (!x->token_type[0]) snprintf(x->token_type, sizeof(x->token_type), "other");
        if (fd[10]) snprintf(x->line_item, sizeof(x->line_item), "%.*s", (int)fd[10]->n, fd[10]->p);
        if (fd[8] && fd[8]->n) {
            char *end;
            unsigned long long v = strtoull(fd[8]->p, &end, 10);
            if (*end || fd[8]->p[0] == '-') {
                snprintf(b->err, b->en, "%u:%u: tokens: not a non-negative integer", fd[8]->line,
                         fd[8]->col);
                goto done;
            }
            x->tokens = v;
        }
        if (fd[9] && fd[9]->n) {
            const char *why = decimal_nano(fd[9]->p, 0, &x->amount_nano);
            if (why) {
                snprintf(b->err, b->en, "%u:%u: amount_usd: %s", fd[9]->line, fd[9]->col, why);
                goto done;
            }
            x->has_amount = 1;
        }
    }
    if (got < 0) {
        snprintf(b->err, b->en, "%s", e);
        goto done;
    }
    rc = 0;
done:
    csv_deinit(&r);
    return rc;
}

int bill_decode(bill_format_t f, const char *text, size_t len, bill_lines_t *out, char *errstr,
                size_t errstr_size) {
    bd_t b = {out, errstr, errstr_size, ""};
    size_t n0 = out->n;
    int rc;
    if ((unsigned)f >= BILL__COUNT) {
        snprintf(errstr, errstr_size, "unknown format");
        return -1;
    }
    rc = f == BILL_CSV ? decode_csv(&b, text, len) : decode_json(&b, f, text, len);
    if (rc) out->n = n0; /* nothing half-decoded */
    return rc ? -1 : 0;
}

/* A SQL string literal. */
static void put_sql_str(buf_t *b, const char *s) {
    buf_append(b, "'", 1);
    buf_append_sql_escaped(b, s, strlen(s));
    buf_append(b, "'", 1);
}

static void put_time(buf_t *b, int64_t sec, int ms, int with_time) {
    time_t t = (time_t)sec;
    struct tm tm;
    char x[96];
    gmtime_r(&t, &tm);
    if (with_time)
        snprintf(x, sizeof(x), "'%04d-%02d-%02d %02d:%02d:%02d.%03d'", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
    else
        snprintf(x, sizeof(x), "'%04d-%02d-%02d'", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    buf_append(b, x, strlen(x));
}

void bill_insert_sql(buf_t *b, const char *database, const bill_line_t *lines, size_t n,
                     bill_format_t f, const char *source_file, int64_t imported_ms,
                     const char *token) {
    buf_printf(b,
               "INSERT INTO %s.llm_bill_lines (bucket_start, day, provider, source_format, model, "
               "project, api_key, service_tier, context_window, token_type, line_item, tokens, "
               "amount_usd, source_file, source_ref, imported_at)",
               database);
    if (token) {
        buf_printf(b, " SETTINGS insert_deduplicate = 1, insert_deduplication_token = ");
        put_sql_str(b, token);
    }
    buf_printf(b, " VALUES");
    for (size_t i = 0; i < n; i++) {
        const bill_line_t *x = &lines[i];
        buf_printf(b, "%s\n(%lld, ", i ? "," : "", (long long)x->bucket_start);
        put_time(b, x->bucket_start, 0, 0);
        const char *strs[] = {x->provider,       bill_format_name(f), x->model,
                              x->project,        x->api_key,          x->service_tier,
                              x->context_window, x->token_type,       x->line_item};
        for (size_t k = 0; k < sizeof(strs) / sizeof(strs[0]); k++) {
            buf_append(b, ", ", 2);
            put_sql_str(b, strs[k]);
        }
        buf_printf(b, ", %llu, ", (unsigned long long)x->tokens);
        if (x->has_amount) {
            buf_append_nano(b, x->amount_nano);
        } else {
            buf_printf(b, "NULL");
        }
        buf_append(b, ", ", 2);
        put_sql_str(b, source_file);
        buf_append(b, ", ", 2);
        put_sql_str(b, x->source_ref);
        buf_append(b, ", ", 2);
        put_time(b, imported_ms / 1000, (int)(imported_ms % 1000), 1);
        buf_append(b, ")", 1);
    }
}
