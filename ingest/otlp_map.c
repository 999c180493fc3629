/* otlp_map: maps OpenTelemetry attributes onto span_t columns, for both OTLP decoders.
 *
 * One table of attribute keys (GenAI semantic conventions, current names first, deprecated
 * names and OpenLLMetry / OpenInference names as lower-priority fallbacks, plus the keys the
 * user configures) is hashed once per decoder; each attribute costs one hash and one memcmp.
 * Also owns the decoder object, its scratch arena and the LLM-span filter.
 * Does not parse bytes (otlp_proto.c, otlp_json.c do) and does not validate business rules.
 * The mapping is documented in docs/otel-mapping.md: keep the two in step. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "json_span.h"
#include "otlp_int.h"
#include "utf8.h"

void otlp_map_default(otlp_map_t *m) {
    memset(m, 0, sizeof(*m));
    m->tenant_key = "app.tenant_id";
    m->team_key = "app.team_id";
    m->feature_key = "app.feature";
    m->user_key = "user.id";
    m->prompt_template_key = "gen_ai.prompt.name";
    m->prompt_version_key = "app.prompt_version";
    m->endpoint_key = "app.endpoint";
}

/* Built-in keys. prio: 0 is the current semantic-convention name; higher numbers are older
 * or vendor names used only when no better-ranked key is present on the span. */
static const struct {
    const char *key;
    otlp_field_t field;
    uint8_t prio;
} otlp_builtin[] = {
    {"gen_ai.operation.name", OTLP_F_OPERATION, 0},
    {"llm.request.type", OTLP_F_OPERATION, 1}, /* OpenLLMetry */
    {"gen_ai.provider.name", OTLP_F_PROVIDER, 0},
    {"gen_ai.system", OTLP_F_PROVIDER, 1}, /* GenAI semconv <= 1.36 */
    {"llm.provider", OTLP_F_PROVIDER, 2},  /* OpenInference */
    {"llm.system", OTLP_F_PROVIDER, 3},    /* OpenInference */
    {"gen_ai.request.model", OTLP_F_MODEL, 0},
    {"llm.request.model", OTLP_F_MODEL, 1},
    {"llm.model_name", OTLP_F_MODEL, 2}, /* OpenInference */
    {"llm.model", OTLP_F_MODEL, 3},      /* the names seed 000's article uses */
    {"gen_ai.response.model", OTLP_F_RESPONSE_MODEL, 0},
    {"llm.response.model", OTLP_F_RESPONSE_MODEL, 1},
    {"gen_ai.usage.input_tokens", OTLP_F_IN_TOK, 0},
    {"gen_ai.usage.prompt_tokens", OTLP_F_IN_TOK, 1}, /* GenAI semconv <= 1.26 */
    {"llm.usage.prompt_tokens", OTLP_F_IN_TOK, 2},    /* OpenLLMetry */
    {"llm.token_count.prompt", OTLP_F_IN_TOK, 3},     /* OpenInference */
    {"llm.prompt_tokens", OTLP_F_IN_TOK, 4},          /* seed 000 */
    {"gen_ai.usage.output_tokens", OTLP_F_OUT_TOK, 0},
    {"gen_ai.usage.completion_tokens", OTLP_F_OUT_TOK, 1},
    {"llm.usage.completion_tokens", OTLP_F_OUT_TOK, 2},
    {"llm.token_count.completion", OTLP_F_OUT_TOK, 3},
    {"llm.completion_tokens", OTLP_F_OUT_TOK, 4}, /* seed 000 */
    {"llm.cost_usd", OTLP_F_COST, 0},             /* seed 000 */
    {"llm.cache_hit", OTLP_F_CACHE_HIT, 0},       /* seed 000 */
    {"llm.tenant", OTLP_F_TENANT, 1},             /* seed 000 (prio 0: tenant_key) */
    {"llm.usage.total_tokens", OTLP_F_TOTAL_TOK, 0},
    {"gen_ai.usage.total_tokens", OTLP_F_TOTAL_TOK, 1},
    {"llm.token_count.total", OTLP_F_TOTAL_TOK, 2},
    {"gen_ai.usage.cache_read.input_tokens", OTLP_F_CACHE_READ, 0},
    {"gen_ai.usage.cache_read_input_tokens", OTLP_F_CACHE_READ, 1}, /* OpenLLMetry */
    {"llm.token_count.prompt_details.cache_read", OTLP_F_CACHE_READ, 2},
    {"gen_ai.usage.cache_creation.input_tokens", OTLP_F_CACHE_WRITE, 0},
    {"gen_ai.usage.cache_creation_input_tokens", OTLP_F_CACHE_WRITE, 1},
    {"llm.token_count.prompt_details.cache_write", OTLP_F_CACHE_WRITE, 2},
    /* No GenAI convention yet for these three: the names of the provider's own usage block. */
    {"gen_ai.usage.cache_creation.ephemeral_1h_input_tokens", OTLP_F_CACHE_WRITE_1H, 0},
    {"gen_ai.usage.server_tool_use.web_search_requests", OTLP_F_WEB_SEARCH, 0},
    {"gen_ai.usage.web_search_requests", OTLP_F_WEB_SEARCH, 1},
    {"openai.response.service_tier", OTLP_F_SERVICE_TIER, 0},        /* GenAI semconv >= 1.37 */
    {"gen_ai.openai.response.service_tier", OTLP_F_SERVICE_TIER, 1}, /* semconv <= 1.36 */
    {"gen_ai.request.service_tier", OTLP_F_SERVICE_TIER, 2},
    {"gen_ai.usage.reasoning.output_tokens", OTLP_F_REASONING, 0},
    {"gen_ai.usage.reasoning_tokens", OTLP_F_REASONING, 1},
    {"llm.usage.reasoning_tokens", OTLP_F_REASONING, 2},
    {"llm.token_count.completion_details.reasoning", OTLP_F_REASONING, 3},
    {"gen_ai.response.finish_reasons", OTLP_F_FINISH, 0},
    {"gen_ai.response.finish_reason", OTLP_F_FINISH, 1},
    {"llm.response.finish_reason", OTLP_F_FINISH, 2},
    {"error.type", OTLP_F_ERROR_TYPE, 0},
    {"server.address", OTLP_F_ENDPOINT, 1}, /* prio 0 is the configured endpoint_key */
    {"gen_ai.conversation.id", OTLP_F_SESSION, 0},
    {"session.id", OTLP_F_SESSION, 1},
    {"gen_ai.response.id", OTLP_F_REQUEST_ID, 0},
    {"service.name", OTLP_F_SERVICE, 0},
    {"deployment.environment.name", OTLP_F_ENV, 0},
    {"deployment.environment", OTLP_F_ENV, 1}, /* semconv <= 1.26 */
    {"service.version", OTLP_F_VERSION, 0},
    {"enduser.id", OTLP_F_USER, 1}, /* prio 0 is the configured user_key */
    {"gen_ai.request.stream", OTLP_F_STREAM, 0},
    {"llm.is_streaming", OTLP_F_STREAM, 1}, /* OpenLLMetry */
    {"http.response.status_code", OTLP_F_HTTP_STATUS, 0},
    {"http.status_code", OTLP_F_HTTP_STATUS, 1},
    {"gen_ai.response.time_to_first_chunk", OTLP_F_TTFT_S, 0},
    {"gen_ai.response.time_to_first_token", OTLP_F_TTFT_S, 1},
    {"ai.response.msToFirstChunk", OTLP_F_TTFT_MS, 0}, /* Vercel AI SDK */
    {"gen_ai.input.messages", OTLP_F_CONTENT, 0},
    {"gen_ai.output.messages", OTLP_F_CONTENT, 0},
    {"gen_ai.system_instructions", OTLP_F_CONTENT, 0},
    {"gen_ai.prompt", OTLP_F_CONTENT, 0},
    {"gen_ai.completion", OTLP_F_CONTENT, 0},
    {"input.value", OTLP_F_CONTENT, 0},  /* OpenInference */
    {"output.value", OTLP_F_CONTENT, 0}, /* OpenInference */
};

/* Where each field lands in span_t: a string column, a uint32 count, or neither (0: handled
 * in otlp_apply). Offset 0 is ts_ms, never a string or count, so 0 can mean "none". */
#define OTLP_S_(f, m) [f] = offsetof(span_t, m)
/* Two mappings per line, aligned. */
/* clang-format off */
static const uint16_t otlp_str_off[OTLP_F__N] = {
    OTLP_S_(OTLP_F_OPERATION, operation),     OTLP_S_(OTLP_F_PROVIDER, provider),
    OTLP_S_(OTLP_F_MODEL, model),             OTLP_S_(OTLP_F_RESPONSE_MODEL, response_model),
    OTLP_S_(OTLP_F_ERROR_TYPE, error_class),  OTLP_S_(OTLP_F_ENDPOINT, endpoint),
    OTLP_S_(OTLP_F_SESSION, session_id),      OTLP_S_(OTLP_F_REQUEST_ID, request_id),
    OTLP_S_(OTLP_F_SERVICE, service),         OTLP_S_(OTLP_F_ENV, environment),
    OTLP_S_(OTLP_F_VERSION, deploy_version),  OTLP_S_(OTLP_F_TENANT, tenant_id),
    OTLP_S_(OTLP_F_TEAM, team_id),            OTLP_S_(OTLP_F_FEATURE, feature),
    OTLP_S_(OTLP_F_USER, user_id),            OTLP_S_(OTLP_F_PROMPT_TPL, prompt_template),
    OTLP_S_(OTLP_F_PROMPT_VER, prompt_version), OTLP_S_(OTLP_F_FINISH, finish_reason),
    OTLP_S_(OTLP_F_SERVICE_TIER, service_tier),
};
/* clang-format on */
static const uint16_t otlp_u32_off[OTLP_F__N] = {
    OTLP_S_(OTLP_F_IN_TOK, input_tokens),
    OTLP_S_(OTLP_F_OUT_TOK, output_tokens),
    OTLP_S_(OTLP_F_CACHE_READ, cache_read_tokens),
    OTLP_S_(OTLP_F_CACHE_WRITE, cache_write_tokens),
    OTLP_S_(OTLP_F_REASONING, reasoning_tokens),
    OTLP_S_(OTLP_F_CACHE_WRITE_1H, cache_write_1h_tokens),
    OTLP_S_(OTLP_F_WEB_SEARCH, web_search_calls),
};
#undef OTLP_S_

/* First insertion of a key wins, so configured keys (inserted first) shadow built-ins. */
static int otlp_key_add(otlp_dec_t *d, const char *k, otlp_field_t f, uint8_t prio) {
    size_t n = strlen(k);
    if (n == 0) return 0;
    uint32_t h = otlp_hash(k, n);
    for (uint32_t i = 0; i < OTLP_KEYTAB_SIZE; i++) {
        otlp_key_t *e = &d->keys[(h + i) & (OTLP_KEYTAB_SIZE - 1)];
        if (!e->key) {
            e->key = k;
            e->len = (uint32_t)n;
            e->field = (uint8_t)f;
            e->prio = prio;
            e->llm =
                (n > 7 && memcmp(k, "gen_ai.", 7) == 0) || (n >= 4 && memcmp(k, "llm.", 4) == 0);
            /* What otlp_apply would do without special cases (lower-casing, error flag). */
            if (otlp_str_off[f] && f != OTLP_F_PROVIDER && f != OTLP_F_ERROR_TYPE) {
                e->kind = OTLP_K_STR;
                e->off = otlp_str_off[f];
            } else if (otlp_u32_off[f]) {
                e->kind = OTLP_K_COUNT;
                e->off = otlp_u32_off[f];
            }
            e->present = f == OTLP_F_TENANT    ? SPAN_HAS_TENANT
                         : f == OTLP_F_TEAM    ? SPAN_HAS_TEAM
                         : f == OTLP_F_IN_TOK  ? SPAN_HAS_INPUT_TOKENS
                         : f == OTLP_F_OUT_TOK ? SPAN_HAS_OUTPUT_TOKENS
                                               : 0;
            return 0;
        }
        if (e->len == n && memcmp(e->key, k, n) == 0) return 0;
    }
    return -1;
}

otlp_dec_t *otlp_dec_new(const otlp_map_t *m, char *errstr, size_t errstr_size) {
    otlp_dec_t *d = NULL;
    otlp_map_t def;
    if (!m) {
        otlp_map_default(&def);
        m = &def;
    }
    d = calloc(1, sizeof(*d));
    if (!d) goto nomem;
    d->map = *m;
    const char *cfg[] = {m->tenant_key,          m->team_key,           m->feature_key, m->user_key,
                         m->prompt_template_key, m->prompt_version_key, m->endpoint_key};
    const otlp_field_t cfg_f[] = {OTLP_F_TENANT,     OTLP_F_TEAM,       OTLP_F_FEATURE, OTLP_F_USER,
                                  OTLP_F_PROMPT_TPL, OTLP_F_PROMPT_VER, OTLP_F_ENDPOINT};
    size_t total = 0;
    for (size_t i = 0; i < 7; i++)
        total += (cfg[i] ? strlen(cfg[i]) : 0) + 1;
    d->keystore = malloc(total);
    if (!d->keystore) goto nomem;
    char *w = d->keystore;
    for (size_t i = 0; i < 7; i++) {
        size_t n = cfg[i] ? strlen(cfg[i]) : 0;
        if (n) memcpy(w, cfg[i], n);
        w[n] = 0;
        if (otlp_key_add(d, w, cfg_f[i], 0) != 0) goto full;
        w += n + 1;
    }
    for (size_t i = 0; i < sizeof(otlp_builtin) / sizeof(otlp_builtin[0]); i++)
        if (otlp_key_add(d, otlp_builtin[i].key, otlp_builtin[i].field, otlp_builtin[i].prio))
            goto full;
    /* The map copy must not point at the caller's strings. */
    d->map.tenant_key = d->map.team_key = d->map.feature_key = d->map.user_key = NULL;
    d->map.prompt_template_key = d->map.prompt_version_key = d->map.endpoint_key = NULL;
    return d;
full:
    if (errstr && errstr_size) snprintf(errstr, errstr_size, "otlp: key table full");
    otlp_dec_destroy(d);
    return NULL;
nomem:
    if (errstr && errstr_size) snprintf(errstr, errstr_size, "otlp: out of memory");
    otlp_dec_destroy(d);
    return NULL;
}

void otlp_dec_destroy(otlp_dec_t *d) {
    if (!d) return;
    for (int i = 0; i < d->arena.n; i++)
        free(d->arena.b[i].data);
    free(d->buf);
    free(d->keystore);
    free(d);
}

/* ---- arena ---- */

char *otlp_arena_alloc(otlp_arena_t *a, size_t n) {
    if (n == 0) n = 1;
    if (a->n && a->b[a->cur].cap - a->b[a->cur].used >= n) {
        char *p = a->b[a->cur].data + a->b[a->cur].used;
        a->b[a->cur].used += n;
        return p;
    }
    /* Move on to the next block; blocks after cur are free, so one too small is replaced. */
    int next = a->n ? a->cur + 1 : 0;
    if (next >= OTLP_ARENA_BLOCKS) return NULL;
    if (next < a->n && a->b[next].cap < n) {
        free(a->b[next].data);
        size_t cap = n > OTLP_ARENA_MIN_BLOCK ? n : OTLP_ARENA_MIN_BLOCK;
        a->b[next].data = malloc(cap);
        if (!a->b[next].data) {
            /* Keep the block list dense: drop this slot and everything after it. */
            for (int i = next + 1; i < a->n; i++)
                free(a->b[i].data);
            a->n = next;
            return NULL;
        }
        a->b[next].cap = cap;
    } else if (next >= a->n) {
        size_t cap = OTLP_ARENA_MIN_BLOCK;
        if (a->n) cap = a->b[a->n - 1].cap * 2;
        if (cap < n) cap = n;
        a->b[next].data = malloc(cap);
        if (!a->b[next].data) return NULL;
        a->b[next].cap = cap;
        a->n = next + 1;
    }
    a->cur = next;
    a->b[next].used = n;
    return a->b[next].data;
}

/* ---- helpers ---- */

int otlp_fail(otlp_dec_t *d, int code, const char *fmt, ...) {
    if (d->detail && d->detail_size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(d->detail, d->detail_size, fmt, ap);
        va_end(ap);
    }
    return code;
}

char *otlp_hex(otlp_dec_t *d, const uint8_t *p, size_t n) {
    /* Two output characters per table entry: one load and one 2-byte store per input byte. */
    static const char hx2[513] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
                                 "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
                                 "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
                                 "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
                                 "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
                                 "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
                                 "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
                                 "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
    char *o = otlp_arena_get(&d->arena, 2 * n);
    if (!o) return NULL;
    for (size_t i = 0; i < n; i++)
        memcpy(o + 2 * i, hx2 + 2 * p[i], 2);
    return o;
}

void otlp_call_begin(otlp_dec_t *d, otlp_span_cb cb, void *ctx, otlp_stats_t *st, char *detail,
                     size_t detail_size) {
    d->cb = cb;
    d->cb_ctx = ctx;
    d->st = d->st_user = st ? st : &d->st_dummy;
    d->detail = detail;
    d->detail_size = detail_size;
    if (detail && detail_size) detail[0] = 0;
    d->arena.cur = 0;
    if (d->arena.n) d->arena.b[0].used = 0;
}

/* ---- mapping ---- */

static void otlp_fields_clear(otlp_fields_t *f) {
    memset(f, 0, sizeof(*f));
    memset(f->prio, 255, sizeof(f->prio));
}

void otlp_resource_begin(otlp_dec_t *d) {
    span_reset(&d->res);
    otlp_fields_clear(&d->res_f);
}

void otlp_span_begin(otlp_dec_t *d) {
    span_copy_fields(&d->span, &d->res);
    d->span.n_attrs = 0;
    d->span.present = d->res.present;
    d->f = d->res_f;
    d->f.is_llm = 0;
    d->status_error = 0;
    d->start_ns = d->end_ns = d->first_chunk_ns = 0;
    d->span_name = span_str(NULL, 0);
}

static int otlp_fmt_i64(char *buf, int64_t v) {
    static const char d2[] =
        "00010203040506070809101112131415161718192021222324252627282930313233343536"
        "37383940414243444546474849505152535455565758596061626364656667686970717273"
        "7475767778798081828384858687888990919293949596979899";
    char tmp[44]; /* digits end at tmp[24]; the fixed-size copy below reads up to tmp[43] */
    int i = 24, k = 0;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    while (u >= 100) { /* two digits per division, from the right */
        i -= 2;
        memcpy(tmp + i, d2 + 2 * (u % 100), 2);
        u /= 100;
    }
    if (u >= 10) {
        i -= 2;
        memcpy(tmp + i, d2 + 2 * u, 2);
    } else {
        tmp[--i] = (char)('0' + u);
    }
    if (v < 0) buf[k++] = '-';
    memcpy(buf + k, tmp + i, 20); /* fixed size (callers give >= 22 bytes); 24 - i are digits */
    k += 24 - i;
    buf[k] = 0;
    return k;
}

int otlp_fmt_double(char *buf, size_t size, double v) {
    /* Fast path: few decimals (0.7, 1.5, 95.4) print as integer.fraction exactly. */
    static const double p10[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
    if (size >= 48 && v > -1e12 && v < 1e12) {
        for (int m = 0; m < 7; m++) {
            double x = v * p10[m];
            if (x != (double)(int64_t)x) continue;
            int64_t iv = (int64_t)x;
            if ((double)iv / p10[m] != v) break;
            uint64_t a = iv < 0 ? 0 - (uint64_t)iv : (uint64_t)iv;
            uint64_t ip = a / (uint64_t)p10[m], fp = a % (uint64_t)p10[m];
            int k = 0;
            if (iv < 0) buf[k++] = '-';
            k += otlp_fmt_i64(buf + k, (int64_t)ip);
            if (m) {
                buf[k++] = '.';
                for (int i = m - 1; i >= 0; i--) {
                    buf[k + i] = (char)('0' + fp % 10);
                    fp /= 10;
                }
                k += m;
                while (buf[k - 1] == '0')
                    k--; /* 1.50 -> 1.5 */
            }
            buf[k] = 0;
            return k;
        }
    }
    /* Shortest of 15/16/17 significant digits that reads back as the same double. */
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    return n;
}

/* Renders a scalar as text into the arena (for attrs and string columns given numbers). */
static span_str_t otlp_val_text(otlp_dec_t *d, const otlp_val_t *v) {
    char *o;
    int n;
    switch (v->kind) {
    case OTLP_V_STR:
    case OTLP_V_BYTES:
    case OTLP_V_ARRAY:
    case OTLP_V_KVLIST:
        return v->str;
    case OTLP_V_BOOL:
        return v->i ? SPAN_STR_LIT("true") : SPAN_STR_LIT("false");
    case OTLP_V_INT:
        /* Straight into the arena (at most 20 characters), the unused tail given back. */
        if (!(o = otlp_arena_get(&d->arena, 24))) return (span_str_t){NULL, 0};
        n = otlp_fmt_i64(o, v->i);
        otlp_arena_unget(&d->arena, (size_t)(24 - n));
        return span_str(o, (size_t)n);
    case OTLP_V_DBL:
        if (isnan(v->d)) return SPAN_STR_LIT("NaN");
        if (isinf(v->d)) return v->d > 0 ? SPAN_STR_LIT("Infinity") : SPAN_STR_LIT("-Infinity");
        if (!(o = otlp_arena_get(&d->arena, 48))) return (span_str_t){NULL, 0};
        n = otlp_fmt_double(o, 48, v->d);
        otlp_arena_unget(&d->arena, (size_t)(48 - n));
        return span_str(o, (size_t)n);
    default:
        return SPAN_STR_LIT("");
    }
}

/* Non-negative integer that fits the column; doubles only if integral. */
static int otlp_val_count(const otlp_val_t *v, uint64_t max, uint64_t *out) {
    if (v->kind == OTLP_V_INT) {
        if (v->i < 0 || (uint64_t)v->i > max) return 0;
        *out = (uint64_t)v->i;
        return 1;
    }
    if (v->kind == OTLP_V_DBL) {
        if (!(v->d >= 0) || v->d > (double)max || v->d != floor(v->d)) return 0;
        *out = (uint64_t)v->d;
        return 1;
    }
    return 0;
}

static int otlp_val_seconds(const otlp_val_t *v, double *out) {
    if (v->kind == OTLP_V_DBL && v->d >= 0 && v->d < 4e6) return *out = v->d, 1;
    if (v->kind == OTLP_V_INT && v->i >= 0 && v->i < 4000000) return *out = (double)v->i, 1;
    return 0;
}

static inline span_str_t *otlp_str_field(span_t *s, otlp_field_t f) {
    return otlp_str_off[f] ? (span_str_t *)(void *)((char *)s + otlp_str_off[f]) : NULL;
}

static inline uint32_t *otlp_u32_field(span_t *s, otlp_field_t f) {
    return otlp_u32_off[f] ? (uint32_t *)(void *)((char *)s + otlp_u32_off[f]) : NULL;
}

/* Provider names are compared case-sensitively downstream: lower-case them (OpenLLMetry
 * writes gen_ai.system = "OpenAI"). Copies only when there is an upper-case letter. */
static span_str_t otlp_lower(otlp_dec_t *d, span_str_t v) {
    uint32_t i = 0;
    while (i < v.n && !(v.p[i] >= 'A' && v.p[i] <= 'Z'))
        i++;
    if (i == v.n) return v;
    char *o = otlp_arena_alloc(&d->arena, v.n);
    if (!o) return (span_str_t){NULL, 0};
    for (uint32_t k = 0; k < v.n; k++) {
        char c = v.p[k];
        o[k] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    return span_str(o, v.n);
}

static inline uint64_t otlp_w8(const char *p) {
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

static int otlp_is_content_key(span_str_t k) {
#define OTLP_PRE_(s)                                                                               \
    { s, sizeof(s) - 1 }
    static const struct {
        const char *s;
        size_t n;
    } pre[] = {OTLP_PRE_("gen_ai.prompt."), OTLP_PRE_("gen_ai.completion."),
               OTLP_PRE_("llm.input_messages."), OTLP_PRE_("llm.output_messages."),
               OTLP_PRE_("llm.prompts.")};
#undef OTLP_PRE_
    if (k.n < 13) return 0; /* the shortest, "llm.prompts.0", is 13 bytes */
    /* Most keys differ from every prefix in their first 8 bytes: one word compare each. */
    uint64_t w = otlp_w8(k.p);
    for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
        size_t n = pre[i].n;
        if (w == otlp_w8(pre[i].s) && k.n > n && memcmp(k.p, pre[i].s, n) == 0) {
            /* gen_ai.prompt.0.content, llm.input_messages.0.message.content, … */
            char c = k.p[n];
            if (c >= '0' && c <= '9') return 1;
        }
    }
    return 0;
}

static int otlp_add_attr(otlp_dec_t *d, span_str_t key, const otlp_val_t *v) {
    span_t *s = &d->span;
    if (s->n_attrs >= SPAN_MAX_ATTRS) {
        d->st->attrs_truncated++;
        return ERR_OK;
    }
    span_str_t t = otlp_val_text(d, v);
    if (!t.p && v->kind != OTLP_V_NONE) return ERR_NOMEM;
    s->attrs[s->n_attrs].key = key;
    s->attrs[s->n_attrs].val = t;
    s->n_attrs++;
    return ERR_OK;
}

int otlp_apply(otlp_dec_t *d, int is_resource, const otlp_key_t *e, span_str_t key,
               const otlp_val_t *v) {
    span_t *s = is_resource ? &d->res : &d->span;
    otlp_fields_t *f = is_resource ? &d->res_f : &d->f;
    if (!is_resource && !f->is_llm && key.n >= 4 &&
        ((key.n > 7 && memcmp(key.p, "gen_ai.", 7) == 0) || memcmp(key.p, "llm.", 4) == 0))
        f->is_llm = 1;

    if (!e) {
        if (is_resource) return ERR_OK; /* unmapped resource attributes are not copied */
        if (otlp_is_content_key(key) && !d->map.keep_content) {
            d->st->attrs_content_skipped++;
            return ERR_OK;
        }
        return otlp_add_attr(d, key, v);
    }
    if (e->field == OTLP_F_CONTENT) {
        if (is_resource) return ERR_OK;
        if (!d->map.keep_content) {
            d->st->attrs_content_skipped++;
            return ERR_OK;
        }
        return otlp_add_attr(d, key, v);
    }
    /* Span attributes always beat resource attributes: resource priorities rank 100 lower. */
    unsigned prio = e->prio + (is_resource ? 100u : 0u);
    otlp_field_t fld = (otlp_field_t)e->field;
    if (is_resource && fld == OTLP_F_ERROR_TYPE) return ERR_OK; /* an outcome is per span */
    if (prio >= f->prio[fld]) return ERR_OK; /* a better-ranked name already set it */

    span_str_t *sf = otlp_str_field(s, fld);
    uint32_t *uf = otlp_u32_field(s, fld);
    uint64_t u;
    double sec;
    if (sf) {
        span_str_t t;
        if (v->kind == OTLP_V_STR)
            t = v->str;
        else if (fld == OTLP_F_FINISH && v->kind == OTLP_V_ARRAY && v->first.p)
            t = v->first;
        else if (v->kind == OTLP_V_INT) {
            t = otlp_val_text(d, v);
            if (!t.p) return ERR_NOMEM;
        } else
            goto ignored;
        if (fld == OTLP_F_PROVIDER) {
            t = otlp_lower(d, t);
            if (!t.p && v->str.n) return ERR_NOMEM;
        }
        *sf = t;
        if (fld == OTLP_F_ERROR_TYPE) f->has_error_type = 1;
        if (fld == OTLP_F_TENANT) s->present |= SPAN_HAS_TENANT;
        if (fld == OTLP_F_TEAM) s->present |= SPAN_HAS_TEAM;
    } else if (uf) {
        if (!otlp_val_count(v, UINT32_MAX, &u)) goto ignored;
        *uf = (uint32_t)u;
        if (fld == OTLP_F_IN_TOK) s->present |= SPAN_HAS_INPUT_TOKENS;
        if (fld == OTLP_F_OUT_TOK) s->present |= SPAN_HAS_OUTPUT_TOKENS;
    } else {
        switch (fld) {
        case OTLP_F_TOTAL_TOK:
            if (!otlp_val_count(v, UINT32_MAX, &u)) goto ignored;
            f->total_tokens = (int64_t)u;
            break;
        case OTLP_F_STREAM:
            if (v->kind != OTLP_V_BOOL) goto ignored;
            s->streaming = (uint8_t)v->i;
            break;
        case OTLP_F_HTTP_STATUS:
            if (!otlp_val_count(v, 999, &u)) goto ignored;
            s->http_status = (uint16_t)u;
            break;
        case OTLP_F_TTFT_S:
            if (!otlp_val_seconds(v, &sec)) goto ignored;
            f->ttft_s = sec;
            break;
        case OTLP_F_TTFT_MS:
            if (!otlp_val_seconds(v, &sec) || sec > 4e9) goto ignored;
            f->ttft_ms = (int64_t)llround(sec);
            break;
        case OTLP_F_COST: {
            /* Exact as a decimal string; a double is rounded to the nano-dollar (1e-9 USD,
             * far below a double's error at bill sizes). Negative or absurd: ignored (kept
             * as an attribute), the span is priced from the table instead. */
            int64_t nano;
            if (v->kind == OTLP_V_STR) {
                if (jspan_parse_decimal_nano(v->str.p, v->str.n, &nano) != ERR_OK || nano < 0)
                    goto ignored;
            } else if (v->kind == OTLP_V_DBL && v->d >= 0 && v->d < 1e9) {
                nano = (int64_t)llround(v->d * 1e9);
            } else if (v->kind == OTLP_V_INT && v->i >= 0 && v->i < 1000000000) {
                nano = v->i * 1000000000;
            } else {
                goto ignored;
            }
            s->cost_nusd = nano;
            s->present |= SPAN_HAS_COST;
            break;
        }
        case OTLP_F_CACHE_HIT:
            if ((v->kind != OTLP_V_BOOL && v->kind != OTLP_V_INT) || (uint64_t)v->i > 1)
                goto ignored;
            s->cache_hit = (uint8_t)v->i;
            break;
        default:
            goto ignored;
        }
    }
    f->prio[fld] = (uint8_t)prio;
    return ERR_OK;
ignored:
    d->st->values_ignored++;
    if (is_resource) return ERR_OK;
    return otlp_add_attr(d, key, v);
}

void otlp_span_event(otlp_dec_t *d, span_str_t name, uint64_t time_ns) {
    /* Instrumentations that mark the first streamed chunk with a span event:
     * Vercel AI SDK "ai.stream.firstChunk", OpenLLMetry "llm.content.completion.chunk"
     * (one per chunk: the earliest counts). */
    if (span_str_eq(name, "ai.stream.firstChunk") ||
        span_str_eq(name, "llm.content.completion.chunk")) {
        if (time_ns && (!d->first_chunk_ns || time_ns < d->first_chunk_ns))
            d->first_chunk_ns = time_ns;
    }
}

static int otlp_buffer_push(otlp_dec_t *d);

static uint32_t otlp_clamp_u32(uint64_t v) { return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v; }

int otlp_span_end(otlp_dec_t *d) {
    span_t *s = &d->span;
    otlp_fields_t *f = &d->f;
    otlp_stats_t *st = d->st;
    st->spans_seen++;
    if (!f->is_llm && !d->map.keep_all) {
        st->spans_skipped_non_llm++;
        return 0;
    }
    if (d->start_ns) {
        s->ts_ms = (int64_t)(d->start_ns / 1000000u);
        s->present |= SPAN_HAS_TS;
        if (d->end_ns >= d->start_ns) {
            s->latency_ms = otlp_clamp_u32((d->end_ns - d->start_ns) / 1000000u);
            s->present |= SPAN_HAS_LATENCY;
        }
    }
    if (f->prio[OTLP_F_TTFT_S] != 255) {
        s->ttft_ms = otlp_clamp_u32((uint64_t)llround(f->ttft_s * 1000.0));
        s->present |= SPAN_HAS_TTFT;
    } else if (f->prio[OTLP_F_TTFT_MS] != 255) {
        s->ttft_ms = otlp_clamp_u32((uint64_t)f->ttft_ms);
        s->present |= SPAN_HAS_TTFT;
    } else if (d->first_chunk_ns && d->start_ns && d->first_chunk_ns >= d->start_ns) {
        s->ttft_ms = otlp_clamp_u32((d->first_chunk_ns - d->start_ns) / 1000000u);
        s->present |= SPAN_HAS_TTFT;
    }
    /* llm.usage.total_tokens without completion tokens: output = total - input. */
    if (f->prio[OTLP_F_OUT_TOK] == 255 && f->prio[OTLP_F_TOTAL_TOK] != 255 &&
        f->prio[OTLP_F_IN_TOK] != 255 && f->total_tokens >= (int64_t)s->input_tokens) {
        s->output_tokens = (uint32_t)(f->total_tokens - s->input_tokens);
        s->present |= SPAN_HAS_OUTPUT_TOKENS;
    }
    if (d->status_error || f->has_error_type) {
        s->status = SPAN_STR_LIT("error");
        if (!f->has_error_type) s->error_class = SPAN_STR_LIT("_OTHER");
    } else {
        s->status = SPAN_STR_LIT("ok");
    }
    /* A non-LLM span kept by keep_all has no model, which validation requires of every row:
     * it gets the marker "_none" so it is stored instead of dead-lettering its whole record. */
    if (!f->is_llm && s->model.n == 0) s->model = SPAN_STR_LIT(OTLP_NO_MODEL);
    /* Its stage (retrieval, a tool, a database call) is its span name, as instrumentations name
     * them; cut to OTLP_STAGE_MAX bytes on a character boundary (operation is a dimension). A
     * name that is not UTF-8 is left out (the span is kept; a name never fails a record). */
    if (!f->is_llm && s->operation.n == 0 && d->span_name.n &&
        utf8_valid(d->span_name.p, d->span_name.n)) {
        size_t n = d->span_name.n;
        if (n > OTLP_STAGE_MAX) {
            n = OTLP_STAGE_MAX;
            while (n > 0 && ((unsigned char)d->span_name.p[n] & 0xC0) == 0x80)
                n--;
        }
        s->operation = span_str(d->span_name.p, n);
    }
    if (s->response_model.n == 0) s->response_model = s->model;
    st->spans_emitted++;
    if (d->buffering) return otlp_buffer_push(d);
    return d->cb ? d->cb(d->cb_ctx, s) : 0;
}

void otlp_buffer_begin(otlp_dec_t *d) {
    d->check = d->mapping = d->buffering = 1;
    d->overflow = 0;
    d->nbuf = 0;
    memset(&d->st_pending, 0, sizeof(d->st_pending));
    d->st = &d->st_pending;
}

static size_t otlp_arena_used(const otlp_arena_t *a) {
    size_t n = 0;
    for (int i = 0; i < a->cur && i < a->n; i++)
        n += a->b[i].cap;
    return a->n ? n + a->b[a->cur].used : 0;
}

/* Keeps the finished span until the record is known good; on hitting a limit, switches the
 * rest of this pass to checking only (the second pass will emit). */
static int otlp_buffer_push(otlp_dec_t *d) {
    if (d->nbuf == d->capbuf) {
        size_t cap = d->capbuf ? d->capbuf * 2 : 32;
        span_t *nb = cap <= OTLP_BUF_SPANS ? realloc(d->buf, cap * sizeof(*nb)) : NULL;
        if (!nb) goto overflow;
        d->buf = nb;
        d->capbuf = cap;
    }
    if (otlp_arena_used(&d->arena) > OTLP_BUF_BYTES) goto overflow;
    span_t *b = &d->buf[d->nbuf++], *s = &d->span;
    span_copy_fields(b, s);
    memcpy(b->attrs, s->attrs, s->n_attrs * sizeof(s->attrs[0]));
    b->present = s->present;
    b->kafka_topic = (span_str_t){0};
    b->kafka_partition = 0;
    b->kafka_offset = 0;
    b->ingested_ms = 0;
    return 0;
overflow:
    d->overflow = 1;
    d->mapping = 0;
    d->nbuf = 0;
    return 0;
}

int otlp_buffer_flush(otlp_dec_t *d) {
    otlp_stats_t *u = d->st_user, *p = &d->st_pending;
    u->spans_seen += p->spans_seen;
    u->spans_emitted += p->spans_emitted;
    u->spans_skipped_non_llm += p->spans_skipped_non_llm;
    u->attrs_truncated += p->attrs_truncated;
    u->attrs_content_skipped += p->attrs_content_skipped;
    u->values_ignored += p->values_ignored;
    d->st = u;
    d->buffering = 0;
    for (size_t i = 0; i < d->nbuf; i++) {
        int rc = d->cb ? d->cb(d->cb_ctx, &d->buf[i]) : 0;
        if (rc) return rc;
    }
    return 0;
}

void otlp_second_pass(otlp_dec_t *d) {
    d->st = d->st_user;
    d->buffering = 0;
    d->check = 0;
    d->mapping = 1;
    d->nbuf = 0;
    d->arena.cur = 0;
    if (d->arena.n) d->arena.b[0].used = 0;
}
