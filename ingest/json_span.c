/* json_span: schema-directed, zero-copy scanner for one flat JSON span message (see json_span.h).
 *
 * Why hand-written and not a library: a DOM parser (cJSON 446k spans/s, jansson 84k spans/s on
 * this machine, see ENVIRONMENT.md) allocates per node and then needs a second pass to find the
 * fields; the ingest budget is >= 1M spans/s per core for decode+validate+enrich+encode. This
 * scanner makes one pass, dispatches each key through a small hash table built once per decoder,
 * writes straight into span_t, never allocates, and only copies strings that contain escapes.
 * Strictness (RFC 8259 grammar, UTF-8 incl. surrogate pairs, duplicates, types, ranges) is part
 * of the contract; it is fuzzed by tests/fuzz/fuzz_json_span.c. It does not apply defaults. */
#include "json_span.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "err.h"
#include "jstr.h"
#include "utf8.h"

/* ---------------------------------------------------------------------------------------------
 * Field table. Each JSON name (canonical or alias) maps to a canonical field (its duplicate bit
 * and error name) and a decoding kind. */

typedef enum {
    K_STR,      /* string -> span_str_t at off */
    K_PROVIDER, /* string, lower-cased */
    K_STATUS,   /* ok/success/error/failed... -> "ok" | "error" */
    K_TOKENS,   /* non-negative integer -> uint32_t at off */
    K_U16,      /* non-negative integer -> uint16_t at off */
    K_MS,       /* non-negative duration in ms (fraction rounded half up) -> uint32_t at off */
    K_BOOL,     /* true/false/0/1 -> uint8_t at off */
    K_COST,     /* exact decimal USD (number or string) -> cost_nusd */
    K_TS,       /* ISO-8601 string or epoch number -> ts_ms */
    K_END_TS,   /* same forms; gives latency_ms when latency is absent */
    K_QUALITY,  /* number -> quality_score */
    K_USAGE,    /* nested usage object (OpenAI / Anthropic SDK usage block) */
    K_DETAILS,  /* *_tokens_details object inside usage */
    K_TOKCONV,  /* token_convention: inclusive|openai|exclusive|anthropic */
} jkind_t;

/* Canonical fields: index = duplicate bit. */
/* clang-format off */
/* clang-format off */
#define JF_MAP(X)                        \
    X(TS, "timestamp")                   \
    X(END_TS, "end_time")                \
    X(TRACE, "trace_id")                 \
    X(SPAN, "span_id")                   \
    X(PARENT, "parent_span_id")          \
    X(REQUEST, "request_id")             \
    X(PROVIDER, "provider")              \
    X(MODEL, "model")                    \
    X(RESP_MODEL, "response_model")      \
    X(OPERATION, "operation")            \
    X(ENDPOINT, "endpoint")              \
    X(FEATURE, "feature")                \
    X(PTEMPLATE, "prompt_template")      \
    X(PVERSION, "prompt_version")        \
    X(TENANT, "tenant_id")               \
    X(TEAM, "team_id")                   \
    X(COST_CENTER, "cost_center")        \
    X(PLAN_TIER, "plan_tier")            \
    X(USER, "user_id")                   \
    X(SESSION, "session_id")             \
    X(EXPERIMENT, "experiment_id")       \
    X(API_KEY, "api_key_id")             \
    X(SERVICE, "service")                \
    X(ENV, "environment")                \
    X(DEPLOY, "deploy_version")          \
    X(IN_TOK, "input_tokens")            \
    X(OUT_TOK, "output_tokens")          \
    X(CR_TOK, "cache_read_tokens")       \
    X(CW_TOK, "cache_write_tokens")      \
    X(RS_TOK, "reasoning_tokens")        \
    X(COST, "cost_usd")                  \
    X(LATENCY, "latency_ms")             \
    X(TTFT, "ttft_ms")                   \
    X(STREAMING, "streaming")            \
    X(CACHE_HIT, "cache_hit")            \
    X(IS_BATCH, "is_batch")              \
    X(STATUS, "status")                  \
    X(ERROR_CLASS, "error_class")        \
    X(HTTP_STATUS, "http_status")        \
    X(RETRY, "retry_count")              \
    X(FINISH, "finish_reason")           \
    X(QUALITY, "quality_score")          \
    X(EVALUATOR, "evaluator")            \
    X(USAGE, "usage")                    \
    X(TOKCONV, "token_convention")       \
    X(DETAILS, "usage details")          \
    X(CW1H_TOK, "cache_write_1h_tokens") \
    X(WEB_SEARCH, "web_search_calls")    \
    X(SERVICE_TIER, "service_tier")
/* clang-format on */

/* clang-format on */
enum {
#define JF_ENUM_(id, name) JF_##id,
    JF_MAP(JF_ENUM_)
#undef JF_ENUM_
        JF__COUNT
};
static const char *const jf_names[] = {
#define JF_NAME_(id, name) name,
    JF_MAP(JF_NAME_)
#undef JF_NAME_
};

#define JE_ANTHROPIC 1u /* name only Anthropic's usage block uses: input_tokens excludes cache */
#define JE_USAGE_OK 2u  /* recognised inside a usage object too */

typedef struct jfield_s {
    const char *name;
    uint8_t kind, canon, flags;
    uint16_t off;     /* offset in span_t */
    uint32_t present; /* SPAN_HAS_* bit set when a value is stored */
} jfield_t;

#define SO(f) ((uint16_t)offsetof(span_t, f))
#define FSTR(n, c, f)                                                                              \
    { n, K_STR, JF_##c, 0, SO(f), 0 }
#define FTOK(n, c, f, bit, fl)                                                                     \
    { n, K_TOKENS, JF_##c, JE_USAGE_OK | (fl), SO(f), bit }

static const jfield_t jfields[] = {
    /* time */
    {"timestamp", K_TS, JF_TS, 0, 0, SPAN_HAS_TS},
    {"ts", K_TS, JF_TS, 0, 0, SPAN_HAS_TS},
    {"time", K_TS, JF_TS, 0, 0, SPAN_HAS_TS},
    {"timestamp_ms", K_TS, JF_TS, 0, 0, SPAN_HAS_TS},
    {"start_time", K_TS, JF_TS, 0, 0, SPAN_HAS_TS},
    {"start_time_unix_nano", K_TS, JF_TS, 0, 0, SPAN_HAS_TS},
    {"startTime", K_TS, JF_TS, 0, 0, SPAN_HAS_TS},
    {"end_time", K_END_TS, JF_END_TS, 0, 0, 0},
    {"end_time_unix_nano", K_END_TS, JF_END_TS, 0, 0, 0},
    {"endTime", K_END_TS, JF_END_TS, 0, 0, 0},
    /* lineage */
    FSTR("trace_id", TRACE, trace_id),
    FSTR("traceId", TRACE, trace_id),
    FSTR("span_id", SPAN, span_id),
    FSTR("spanId", SPAN, span_id),
    FSTR("parent_span_id", PARENT, parent_span_id),
    FSTR("parent_id", PARENT, parent_span_id),
    FSTR("parentSpanId", PARENT, parent_span_id),
    FSTR("request_id", REQUEST, request_id),
    FSTR("requestId", REQUEST, request_id),
    /* what was called */
    {"provider", K_PROVIDER, JF_PROVIDER, 0, SO(provider), 0},
    {"gen_ai.system", K_PROVIDER, JF_PROVIDER, 0, SO(provider), 0},
    {"gen_ai.provider.name", K_PROVIDER, JF_PROVIDER, 0, SO(provider), 0},
    FSTR("model", MODEL, model),
    FSTR("request_model", MODEL, model),
    FSTR("gen_ai.request.model", MODEL, model),
    FSTR("response_model", RESP_MODEL, response_model),
    FSTR("gen_ai.response.model", RESP_MODEL, response_model),
    FSTR("operation", OPERATION, operation),
    FSTR("operation_name", OPERATION, operation),
    FSTR("gen_ai.operation.name", OPERATION, operation),
    FSTR("endpoint", ENDPOINT, endpoint),
    FSTR("route", ENDPOINT, endpoint),
    FSTR("feature", FEATURE, feature),
    FSTR("prompt_template", PTEMPLATE, prompt_template),
    FSTR("prompt_template_name", PTEMPLATE, prompt_template),
    FSTR("prompt_version", PVERSION, prompt_version),
    FSTR("prompt_template_version", PVERSION, prompt_version),
    /* who */
    {"tenant_id", K_STR, JF_TENANT, 0, SO(tenant_id), SPAN_HAS_TENANT},
    {"tenant", K_STR, JF_TENANT, 0, SO(tenant_id), SPAN_HAS_TENANT},
    {"team_id", K_STR, JF_TEAM, 0, SO(team_id), SPAN_HAS_TEAM},
    {"team", K_STR, JF_TEAM, 0, SO(team_id), SPAN_HAS_TEAM},
    FSTR("cost_center", COST_CENTER, cost_center),
    FSTR("plan_tier", PLAN_TIER, plan_tier),
    FSTR("user_id", USER, user_id),
    FSTR("user", USER, user_id),
    FSTR("session_id", SESSION, session_id),
    FSTR("experiment_id", EXPERIMENT, experiment_id),
    FSTR("api_key_id", API_KEY, api_key_id),
    FSTR("service", SERVICE, service),
    FSTR("service_name", SERVICE, service),
    FSTR("service.name", SERVICE, service),
    FSTR("environment", ENV, environment),
    FSTR("env", ENV, environment),
    FSTR("deployment.environment", ENV, environment),
    FSTR("deploy_version", DEPLOY, deploy_version),
    FSTR("service_version", DEPLOY, deploy_version),
    FSTR("service.version", DEPLOY, deploy_version),
    /* tokens */
    FTOK("input_tokens", IN_TOK, input_tokens, SPAN_HAS_INPUT_TOKENS, 0),
    FTOK("prompt_tokens", IN_TOK, input_tokens, SPAN_HAS_INPUT_TOKENS, 0),
    FTOK("inputTokens", IN_TOK, input_tokens, SPAN_HAS_INPUT_TOKENS, 0),
    FTOK("promptTokens", IN_TOK, input_tokens, SPAN_HAS_INPUT_TOKENS, 0),
    FTOK("gen_ai.usage.input_tokens", IN_TOK, input_tokens, SPAN_HAS_INPUT_TOKENS, 0),
    FTOK("output_tokens", OUT_TOK, output_tokens, SPAN_HAS_OUTPUT_TOKENS, 0),
    FTOK("completion_tokens", OUT_TOK, output_tokens, SPAN_HAS_OUTPUT_TOKENS, 0),
    FTOK("outputTokens", OUT_TOK, output_tokens, SPAN_HAS_OUTPUT_TOKENS, 0),
    FTOK("completionTokens", OUT_TOK, output_tokens, SPAN_HAS_OUTPUT_TOKENS, 0),
    FTOK("gen_ai.usage.output_tokens", OUT_TOK, output_tokens, SPAN_HAS_OUTPUT_TOKENS, 0),
    FTOK("cache_read_tokens", CR_TOK, cache_read_tokens, 0, 0),
    FTOK("cached_tokens", CR_TOK, cache_read_tokens, 0, 0),
    FTOK("cached_input_tokens", CR_TOK, cache_read_tokens, 0, 0),
    FTOK("cache_read_input_tokens", CR_TOK, cache_read_tokens, 0, JE_ANTHROPIC),
    FTOK("cache_write_tokens", CW_TOK, cache_write_tokens, 0, 0),
    FTOK("cache_creation_tokens", CW_TOK, cache_write_tokens, 0, 0),
    FTOK("cache_creation_input_tokens", CW_TOK, cache_write_tokens, 0, JE_ANTHROPIC),
    FTOK("reasoning_tokens", RS_TOK, reasoning_tokens, 0, 0),
    FTOK("cache_write_1h_tokens", CW1H_TOK, cache_write_1h_tokens, 0, 0),
    /* Anthropic: usage.cache_creation.ephemeral_1h_input_tokens (the 5-minute part is the
     * rest of cache_creation_input_tokens) */
    FTOK("ephemeral_1h_input_tokens", CW1H_TOK, cache_write_1h_tokens, 0, JE_ANTHROPIC),
    FTOK("web_search_calls", WEB_SEARCH, web_search_calls, 0, 0),
    /* Anthropic: usage.server_tool_use.web_search_requests */
    FTOK("web_search_requests", WEB_SEARCH, web_search_calls, 0, 0),
    {"cache_creation", K_DETAILS, JF_DETAILS, JE_USAGE_OK, 0, 0},
    {"server_tool_use", K_DETAILS, JF_DETAILS, JE_USAGE_OK, 0, 0},
    FSTR("service_tier", SERVICE_TIER, service_tier),
    {"usage", K_USAGE, JF_USAGE, 0, 0, 0},
    {"prompt_tokens_details", K_DETAILS, JF_DETAILS, JE_USAGE_OK, 0, 0},
    {"completion_tokens_details", K_DETAILS, JF_DETAILS, JE_USAGE_OK, 0, 0},
    {"input_tokens_details", K_DETAILS, JF_DETAILS, JE_USAGE_OK, 0, 0},
    {"output_tokens_details", K_DETAILS, JF_DETAILS, JE_USAGE_OK, 0, 0},
    {"token_convention", K_TOKCONV, JF_TOKCONV, 0, 0, 0},
    /* money */
    {"cost_usd", K_COST, JF_COST, 0, 0, SPAN_HAS_COST},
    {"cost", K_COST, JF_COST, 0, 0, SPAN_HAS_COST},
    {"total_cost_usd", K_COST, JF_COST, 0, 0, SPAN_HAS_COST},
    {"total_cost", K_COST, JF_COST, 0, 0, SPAN_HAS_COST},
    /* timing */
    {"latency_ms", K_MS, JF_LATENCY, 0, SO(latency_ms), SPAN_HAS_LATENCY},
    {"latency", K_MS, JF_LATENCY, 0, SO(latency_ms), SPAN_HAS_LATENCY},
    {"duration_ms", K_MS, JF_LATENCY, 0, SO(latency_ms), SPAN_HAS_LATENCY},
    {"ttft_ms", K_MS, JF_TTFT, 0, SO(ttft_ms), SPAN_HAS_TTFT},
    {"ttft", K_MS, JF_TTFT, 0, SO(ttft_ms), SPAN_HAS_TTFT},
    {"time_to_first_token_ms", K_MS, JF_TTFT, 0, SO(ttft_ms), SPAN_HAS_TTFT},
    /* outcome */
    {"streaming", K_BOOL, JF_STREAMING, 0, SO(streaming), 0},
    {"stream", K_BOOL, JF_STREAMING, 0, SO(streaming), 0},
    {"is_streaming", K_BOOL, JF_STREAMING, 0, SO(streaming), 0},
    {"cache_hit", K_BOOL, JF_CACHE_HIT, 0, SO(cache_hit), 0},
    {"is_batch", K_BOOL, JF_IS_BATCH, 0, SO(is_batch), 0},
    {"batch", K_BOOL, JF_IS_BATCH, 0, SO(is_batch), 0},
    {"status", K_STATUS, JF_STATUS, 0, SO(status), 0},
    FSTR("error_class", ERROR_CLASS, error_class),
    FSTR("error_type", ERROR_CLASS, error_class),
    FSTR("error.type", ERROR_CLASS, error_class),
    {"http_status", K_U16, JF_HTTP_STATUS, 0, SO(http_status), 0},
    {"http_status_code", K_U16, JF_HTTP_STATUS, 0, SO(http_status), 0},
    {"status_code", K_U16, JF_HTTP_STATUS, 0, SO(http_status), 0},
    {"retry_count", K_U16, JF_RETRY, 0, SO(retry_count), 0},
    {"retries", K_U16, JF_RETRY, 0, SO(retry_count), 0},
    FSTR("finish_reason", FINISH, finish_reason),
    FSTR("stop_reason", FINISH, finish_reason),
    {"quality_score", K_QUALITY, JF_QUALITY, 0, 0, SPAN_HAS_QUALITY},
    {"score", K_QUALITY, JF_QUALITY, 0, 0, SPAN_HAS_QUALITY},
    FSTR("evaluator", EVALUATOR, evaluator),
};
#define JFIELDS_N (sizeof(jfields) / sizeof(jfields[0]))

#define JHT_SIZE 256 /* power of two, > 2x the names: short probe chains */
#define JNAME_MAX 32 /* longest field name, padded; checked in jspan_dec_new */

#define JPRED_START JFIELDS_N         /* prediction slot: first member */
#define JPRED_UNKNOWN (JFIELDS_N + 1) /* prediction slot: after an unknown member */

struct jspan_dec_s {
    jspan_opts_t o;
    char *scratch;
    size_t scratch_cap;
    int16_t ht[JHT_SIZE];                           /* index into jfields, -1 = empty */
    uint8_t flen[JFIELDS_N];                        /* length of each name */
    uint64_t fname[JFIELDS_N][JNAME_MAX / 8];       /* each name, zero-padded */
    uint64_t lenmask[JNAME_MAX + 1][JNAME_MAX / 8]; /* bytes < n of each word */
    /* Order prediction: producers serialize members in the same order every time, so the
     * field that followed field j in the previous message is tried first (one compare, no
     * hash). pred[j] = index into jfields or -1. Only this decoder's thread touches it. */
    int16_t pred[JFIELDS_N + 2];
};

static inline uint32_t jhash(const char *k, size_t n) {
    /* Length, first, middle and last byte in one multiply: the names differ enough there. */
    uint32_t x = (uint32_t)(uint8_t)k[0] | (uint32_t)(uint8_t)k[n / 2] << 8 |
                 (uint32_t)(uint8_t)k[n - 1] << 16 | (uint32_t)n << 24;
    return (x * 0x9E3779B1u) >> 20;
}

/* 1 if the key k[0..n) is the name of jfields[x]. wide: 32 bytes from k are readable. */
static inline int jname_eq(const jspan_dec_t *d, int x, const char *k, size_t n, int wide) {
    if (d->flen[x] != n) return 0;
    if (wide) {
        /* Branch-free compare of 32 bytes under a length mask: a byte loop here cost a
         * quarter of the decode time in mispredicted loop exits. */
        uint64_t w[4], diff = 0;
        memcpy(w, k, sizeof(w));
        for (int j = 0; j < 4; j++)
            diff |= (w[j] ^ d->fname[x][j]) & d->lenmask[n][j];
        return diff == 0;
    }
    return memcmp(jfields[x].name, k, n) == 0;
}

/* Index into jfields of the key k[0..n), or -1. wide: 32 bytes from k are readable. */
static int jlookup(const jspan_dec_t *d, const char *k, size_t n, int wide) {
    if (n == 0 || n > JNAME_MAX) return -1;
    uint32_t i = jhash(k, n) & (JHT_SIZE - 1);
    for (;;) {
        int16_t x = d->ht[i];
        if (x < 0) return -1;
        if (jname_eq(d, x, k, n, wide)) return x;
        i = (i + 1) & (JHT_SIZE - 1);
    }
}

void jspan_opts_default(jspan_opts_t *o) {
    o->max_message_bytes = 1u << 20;
    o->max_depth = 16;
}

jspan_dec_t *jspan_dec_new(const jspan_opts_t *opts, char *errstr, size_t errstr_size) {
    jspan_dec_t *d = NULL;
    jspan_opts_t o;
    if (opts)
        o = *opts;
    else
        jspan_opts_default(&o);
    if (o.max_message_bytes == 0 || o.max_message_bytes > (SIZE_MAX - 64) / 3 ||
        o.max_message_bytes > UINT32_MAX) {
        snprintf(errstr, errstr_size, "max_message_bytes must be in 1..4294967295");
        goto err;
    }
    if (o.max_depth == 0) {
        snprintf(errstr, errstr_size, "max_depth must be >= 1");
        goto err;
    }
    if (o.max_depth > 256) o.max_depth = 256; /* bounds the recursion of the value skipper */
    d = calloc(1, sizeof(*d));
    if (!d) {
        snprintf(errstr, errstr_size, "out of memory");
        goto err;
    }
    d->o = o;
    /* Bound on scratch use: unescaped strings are never longer than their JSON text, and keys
     * of unknown members inside usage get a "usage.<parent>." prefix, at most once more each
     * member's text; 3x is a safe bound. */
    d->scratch_cap = 3 * o.max_message_bytes + 4096;
    d->scratch = malloc(d->scratch_cap);
    if (!d->scratch) {
        snprintf(errstr, errstr_size, "out of memory (%zu bytes of scratch)", d->scratch_cap);
        goto err;
    }
    for (size_t i = 0; i < JHT_SIZE; i++)
        d->ht[i] = -1;
    for (size_t j = 0; j < JFIELDS_N; j++) {
        const char *nm = jfields[j].name;
        if (strlen(nm) > JNAME_MAX) {
            snprintf(errstr, errstr_size, "internal: field name %s longer than JNAME_MAX", nm);
            goto err;
        }
        uint32_t i = jhash(nm, strlen(nm)) & (JHT_SIZE - 1);
        while (d->ht[i] >= 0)
            i = (i + 1) & (JHT_SIZE - 1);
        d->ht[i] = (int16_t)j;
        d->flen[j] = (uint8_t)strlen(nm);
        memcpy(d->fname[j], nm, strlen(nm)); /* calloc zeroed the padding */
    }
    for (size_t j = 0; j < JFIELDS_N + 2; j++)
        d->pred[j] = -1;
    for (size_t n = 0; n <= JNAME_MAX; n++) {
        unsigned char m[JNAME_MAX] = {0};
        memset(m, 0xFF, n);
        memcpy(d->lenmask[n], m, sizeof(m));
    }
    return d;
err:
    jspan_dec_destroy(d);
    return NULL;
}

int jspan_dec_owns(const jspan_dec_t *d, const void *p, size_t n) {
    const char *q = p;
    return q >= d->scratch && n <= d->scratch_cap &&
           q - d->scratch <= (ptrdiff_t)(d->scratch_cap - n);
}

void jspan_dec_destroy(jspan_dec_t *d) {
    if (!d) return;
    free(d->scratch);
    free(d);
}

/* ---------------------------------------------------------------------------------------------
 * Scanner state */

typedef struct jctx_s {
    jspan_dec_t *d;
    const char *base, *p, *end;
    char *sp, *send; /* scratch write position and end */
    span_t *s;
    jspan_errinfo_t *ei;
    uint64_t seen; /* canonical fields already given */
    int anthropic_names, tokconv;
    int64_t end_ms;
    int prev; /* prediction slot of the previous top-level member */
} jctx_t;

static int jfail(jctx_t *c, int code, const char *field, const char *what) {
    if (c->ei) {
        c->ei->field = field;
        snprintf(c->ei->detail, sizeof(c->ei->detail), "%s%s%s at byte %zu: %s",
                 field ? "field '" : "", field ? field : "", field ? "'" : "",
                 (size_t)(c->p - c->base), what);
    }
    return code;
}

static inline void skip_ws(jctx_t *c) {
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\n' || *c->p == '\r' || *c->p == '\t'))
        c->p++;
}

/* ---------------------------------------------------------------------------------------------
 * UTF-8 */

/* utf8_seq and utf8_valid: utf8.h, the one validator of every decoder. */

/* ---------------------------------------------------------------------------------------------
 * Strings */

/* The SWAR special-byte test and escape decoding are shared with fjson.c (jstr.h). */

/* Slow path: the string has escapes. q points at the first backslash, start at the first
 * content byte. Unescapes into scratch. */
static int parse_str_escaped(jctx_t *c, const char *start, const char *q, span_str_t *out,
                             const char *field) {
    char *w = c->sp, *w0 = w;
    /* The unescaped text is never longer than what is left of the payload. */
    if ((size_t)(c->send - c->sp) < (size_t)(c->end - start))
        return jfail(c, ERR_OVERSIZED, field, "scratch space exhausted");
    memcpy(w, start, (size_t)(q - start));
    w += q - start;
    const char *end = c->end;
    while (q < end) {
        unsigned char ch = (unsigned char)*q;
        if (ch == '"') {
            *out = span_str(w0, (size_t)(w - w0));
            c->sp = w;
            c->p = q + 1;
            return ERR_OK;
        }
        if (ch < 0x20) {
            c->p = q;
            return jfail(c, ERR_JSON_SYNTAX, field, "control character in string");
        }
        if (ch >= 0x80) {
            int k = utf8_seq((const unsigned char *)q, (const unsigned char *)end);
            if (!k) {
                c->p = q;
                return jfail(c, ERR_BAD_UTF8, field, "invalid UTF-8 in string");
            }
            memcpy(w, q, (size_t)k);
            w += k;
            q += k;
            continue;
        }
        if (ch != '\\') {
            *w++ = (char)ch;
            q++;
            continue;
        }
        if (end - q < 2) break;
        c->p = q;
        switch (jstr_unescape(&q, end, &w)) {
        case JSTR_ESC_OK:
            continue;
        case JSTR_ESC_BAD_U:
            return jfail(c, ERR_JSON_SYNTAX, field, "bad \\u escape");
        case JSTR_ESC_LONE_LOW:
            return jfail(c, ERR_BAD_UTF8, field, "unpaired low surrogate in \\u escape");
        case JSTR_ESC_LONE_HIGH:
            return jfail(c, ERR_BAD_UTF8, field, "unpaired high surrogate in \\u escape");
        case JSTR_ESC_BAD:
        default:
            return jfail(c, ERR_JSON_SYNTAX, field, "bad escape in string");
        }
    }
    c->p = end;
    return jfail(c, ERR_JSON_SYNTAX, field, "unterminated string");
}

/* c->p at the opening quote. On success *out is the unescaped content and c->p is past the
 * closing quote. */
static inline __attribute__((always_inline)) int parse_str(jctx_t *c, span_str_t *out,
                                                           const char *field) {
    const char *start = c->p + 1, *q = start, *end = c->end;
    for (;;) {
        while (end - q >= 8) {
            uint64_t x;
            memcpy(&x, q, 8);
            uint64_t m = jstr_special_bytes(x);
            if (m) {
                q += __builtin_ctzll(m) >> 3;
                goto special;
            }
            q += 8;
        }
        while (q < end && (unsigned char)*q >= 0x20 && (unsigned char)*q < 0x80 && *q != '"' &&
               *q != '\\')
            q++;
        if (q >= end) {
            c->p = end;
            return jfail(c, ERR_JSON_SYNTAX, field, "unterminated string");
        }
    special:;
        unsigned char ch = (unsigned char)*q;
        if (ch == '"') {
            *out = span_str(start, (size_t)(q - start));
            c->p = q + 1;
            return ERR_OK;
        }
        if (ch == '\\') return parse_str_escaped(c, start, q, out, field);
        if (ch < 0x20) {
            c->p = q;
            return jfail(c, ERR_JSON_SYNTAX, field, "control character in string");
        }
        int k = utf8_seq((const unsigned char *)q, (const unsigned char *)end);
        if (!k) {
            c->p = q;
            return jfail(c, ERR_BAD_UTF8, field, "invalid UTF-8 in string");
        }
        q += k;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Numbers: strict JSON grammar, kept as text so that conversions are exact. */

typedef struct jnum_s {
    const char *ip, *ie; /* integer digits */
    const char *fp, *fe; /* fraction digits (empty when none) */
    int neg, has_frac, has_exp;
    int64_t exp;   /* saturated at +-100000 */
    uint64_t ival; /* value of the integer digits when they are at most 18 */
} jnum_t;

/* Scans a JSON number at p; returns the end or NULL on a grammar error. */
static const char *scan_number(const char *p, const char *end, jnum_t *n) {
    memset(n, 0, sizeof(*n));
    if (p < end && *p == '-') {
        n->neg = 1;
        p++;
    }
    n->ip = p;
    if (p >= end) return NULL;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        uint64_t v = 0;
        while (p < end && *p >= '0' && *p <= '9')
            v = v * 10 + (uint64_t)(*p++ - '0');
        n->ival = v; /* only meaningful with <= 18 digits; see num_scaled */
    } else {
        return NULL;
    }
    n->ie = p;
    n->fp = n->fe = p;
    if (p < end && *p == '.') {
        p++;
        n->fp = p;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
        n->fe = p;
        if (n->fe == n->fp) return NULL;
        n->has_frac = 1;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        int eneg = 0;
        if (p < end && (*p == '+' || *p == '-')) eneg = *p++ == '-';
        if (p >= end || *p < '0' || *p > '9') return NULL;
        int64_t e = 0;
        while (p < end && *p >= '0' && *p <= '9') {
            if (e < 100000) e = e * 10 + (*p - '0');
            p++;
        }
        n->exp = eneg ? -e : e;
        n->has_exp = 1;
    }
    return p;
}

static inline int num_digit(const jnum_t *n, int64_t i) {
    int64_t ni = n->ie - n->ip;
    return i < ni ? n->ip[i] - '0' : n->fp[i - ni] - '0';
}

/* |value| x 10^scale as an integer, truncated or rounded half up; *inexact tells whether a
 * non-zero digit was dropped. Returns 0, or -1 if the result exceeds max. Exact: no doubles. */
static int num_scaled(const jnum_t *n, int scale, int half_up, uint64_t max, uint64_t *out,
                      int *inexact) {
    int64_t ni = n->ie - n->ip, nf = n->fe - n->fp, k = ni + nf;
    if (nf == 0 && !n->has_exp && ni <= 18 && scale == 0) { /* plain integer: the common case */
        *inexact = 0;
        if (n->ival > max) return -1;
        *out = n->ival;
        return 0;
    }
    int64_t s = n->exp - nf + scale;
    int64_t keep = s >= 0 ? k : k + s;
    uint64_t v = 0;
    *inexact = 0;
    for (int64_t i = 0; i < keep; i++) {
        uint64_t dg = (uint64_t)num_digit(n, i);
        if (v > (max - dg) / 10) return -1;
        v = v * 10 + dg;
    }
    if (s > 0 && v != 0) {
        for (int64_t i = 0; i < s; i++) {
            if (v > max / 10) return -1;
            v *= 10;
        }
    }
    if (s < 0) {
        int64_t first = keep < 0 ? 0 : keep;
        for (int64_t i = first; i < k; i++)
            if (num_digit(n, i)) {
                *inexact = 1;
                break;
            }
        if (half_up && keep >= 0 && keep < k && num_digit(n, keep) >= 5) {
            if (v >= max) return -1;
            v++;
        }
    }
    *out = v;
    return 0;
}

static int num_is_zero(const jnum_t *n) {
    uint64_t v;
    int inexact;
    return num_scaled(n, 0, 0, UINT64_MAX, &v, &inexact) == 0 && v == 0 && !inexact;
}

#define NANO_MAX 999999999999999999ull /* Decimal(18, 9): < 1e9 USD */

static int decimal_nano(const jnum_t *n, int64_t *nano) {
    uint64_t v;
    int inexact;
    if (n->neg && !num_is_zero(n)) return ERR_NEGATIVE;
    if (num_scaled(n, 9, 1, NANO_MAX, &v, &inexact) != 0) return ERR_OUT_OF_RANGE;
    *nano = (int64_t)v;
    return ERR_OK;
}

int jspan_parse_decimal_nano(const char *p, size_t len, int64_t *nano) {
    jnum_t n;
    const char *e = scan_number(p, p + len, &n);
    if (!e || e != p + len) return ERR_WRONG_TYPE;
    return decimal_nano(&n, nano);
}

/* ---------------------------------------------------------------------------------------------
 * Timestamps */

static int digits(const char *p, int n, unsigned *v) {
    unsigned x = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return 0;
        x = x * 10 + (unsigned)(p[i] - '0');
    }
    *v = x;
    return 1;
}

int jspan_parse_iso8601(const char *p, size_t n, int64_t *ms) {
    static const unsigned char mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    unsigned Y, M, D, h, mi, sec, frac = 0;
    const char *e = p + n;
    if (n < 19) return ERR_BAD_TIMESTAMP;
    if (!digits(p, 4, &Y) || p[4] != '-' || !digits(p + 5, 2, &M) || p[7] != '-' ||
        !digits(p + 8, 2, &D) || (p[10] != 'T' && p[10] != 't' && p[10] != ' ') ||
        !digits(p + 11, 2, &h) || p[13] != ':' || !digits(p + 14, 2, &mi) || p[16] != ':' ||
        !digits(p + 17, 2, &sec))
        return ERR_BAD_TIMESTAMP;
    if (M < 1 || M > 12 || D < 1 || D > mdays[M - 1] || h > 23 || mi > 59 || sec > 60)
        return ERR_BAD_TIMESTAMP;
    if (M == 2 && D == 29 && !((Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0))
        return ERR_BAD_TIMESTAMP;
    p += 19;
    if (p < e && *p == '.') {
        p++;
        int nd = 0;
        while (p < e && *p >= '0' && *p <= '9') {
            if (nd < 3) frac = frac * 10 + (unsigned)(*p - '0');
            nd++;
            p++;
        }
        if (nd == 0) return ERR_BAD_TIMESTAMP;
        for (; nd < 3; nd++)
            frac *= 10;
    }
    int64_t off_min = 0;
    if (p < e) {
        if ((*p == 'Z' || *p == 'z') && p + 1 == e) {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p == '-' ? -1 : 1;
            unsigned oh, om;
            p++;
            if (e - p == 5 && p[2] == ':' && digits(p, 2, &oh) && digits(p + 3, 2, &om)) {
            } else if (e - p == 4 && digits(p, 2, &oh) && digits(p + 2, 2, &om)) {
            } else if (e - p == 2 && digits(p, 2, &oh)) {
                om = 0;
            } else {
                return ERR_BAD_TIMESTAMP;
            }
            if (oh > 23 || om > 59) return ERR_BAD_TIMESTAMP;
            off_min = sign * (int64_t)(oh * 60 + om);
            p = e;
        } else {
            return ERR_BAD_TIMESTAMP;
        }
    }
    int64_t days = civil_days(Y, M, D);
    int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - off_min * 60;
    *ms = secs * 1000 + frac;
    return ERR_OK;
}

/* Epoch numbers: the unit is chosen by magnitude of the integer part (see docs/span-format.md):
 * < 1e11 seconds, < 1e14 milliseconds, < 1e17 microseconds, else nanoseconds. Any of them
 * covers 1973..5138 unambiguously. Sub-millisecond digits are truncated. */
static int epoch_ms(const jnum_t *n, int64_t *ms) {
    uint64_t ip, v;
    int inexact;
    if (n->neg) return ERR_BAD_TIMESTAMP;
    if (num_scaled(n, 0, 0, (uint64_t)INT64_MAX, &ip, &inexact) != 0) return ERR_BAD_TIMESTAMP;
    int scale = ip < 100000000000ull         ? 3
                : ip < 100000000000000ull    ? 0
                : ip < 100000000000000000ull ? -3
                                             : -6;
    if (num_scaled(n, scale, 0, (uint64_t)INT64_MAX, &v, &inexact) != 0) return ERR_BAD_TIMESTAMP;
    *ms = (int64_t)v;
    return ERR_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Values */

static int match_lit(jctx_t *c, const char *lit, size_t n) {
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0) return 0;
    c->p += n;
    return 1;
}

/* Skips any JSON value at c->p (already past whitespace), validating it; depth is the depth
 * the value itself would have if it is a container. */
static int skip_value(jctx_t *c, uint32_t depth, const char *field) {
    if (c->p >= c->end) return jfail(c, ERR_JSON_SYNTAX, field, "value expected");
    char ch = *c->p;
    int rc;
    span_str_t tmp;
    if (ch == '"') {
        char *sp0 = c->sp;
        rc = parse_str(c, &tmp, field);
        c->sp = sp0; /* raw text is kept, the unescaped copy is not needed */
        return rc;
    }
    if (ch == '{' || ch == '[') {
        char close = ch == '{' ? '}' : ']';
        if (depth > c->d->o.max_depth)
            return jfail(c, ERR_TOO_DEEP, field, "nesting deeper than max_depth");
        c->p++;
        skip_ws(c);
        if (c->p < c->end && *c->p == close) {
            c->p++;
            return ERR_OK;
        }
        for (;;) {
            if (ch == '{') {
                if (c->p >= c->end || *c->p != '"')
                    return jfail(c, ERR_JSON_SYNTAX, field, "member name expected");
                char *sp0 = c->sp;
                rc = parse_str(c, &tmp, field);
                c->sp = sp0;
                if (rc) return rc;
                skip_ws(c);
                if (c->p >= c->end || *c->p != ':')
                    return jfail(c, ERR_JSON_SYNTAX, field, "':' expected");
                c->p++;
                skip_ws(c);
            }
            if ((rc = skip_value(c, depth + 1, field))) return rc;
            skip_ws(c);
            if (c->p < c->end && *c->p == ',') {
                c->p++;
                skip_ws(c);
                continue;
            }
            if (c->p < c->end && *c->p == close) {
                c->p++;
                return ERR_OK;
            }
            return jfail(c, ERR_JSON_SYNTAX, field, "',' or end of container expected");
        }
    }
    if (ch == 't')
        return match_lit(c, "true", 4) ? ERR_OK : jfail(c, ERR_JSON_SYNTAX, field, "bad literal");
    if (ch == 'f')
        return match_lit(c, "false", 5) ? ERR_OK : jfail(c, ERR_JSON_SYNTAX, field, "bad literal");
    if (ch == 'n')
        return match_lit(c, "null", 4) ? ERR_OK : jfail(c, ERR_JSON_SYNTAX, field, "bad literal");
    jnum_t n;
    const char *e = scan_number(c->p, c->end, &n);
    if (!e) return jfail(c, ERR_JSON_SYNTAX, field, "bad number");
    c->p = e;
    return ERR_OK;
}

static int add_attr(jctx_t *c, span_str_t key, span_str_t val) {
    span_t *s = c->s;
    if (s->n_attrs >= SPAN_MAX_ATTRS)
        return jfail(c, ERR_TOO_MANY_ATTRS, NULL, "more than SPAN_MAX_ATTRS unknown fields");
    s->attrs[s->n_attrs].key = key;
    s->attrs[s->n_attrs].val = val;
    s->n_attrs++;
    return ERR_OK;
}

/* An unknown member: its value (unescaped string, or raw JSON text) becomes an attribute. */
static int unknown_member(jctx_t *c, span_str_t key, uint32_t depth) {
    span_str_t val;
    int rc;
    if (*c->p == '"') {
        if ((rc = parse_str(c, &val, NULL))) return rc;
    } else {
        const char *v0 = c->p;
        if ((rc = skip_value(c, depth + 1, NULL))) return rc;
        val = span_str(v0, (size_t)(c->p - v0));
    }
    return add_attr(c, key, val);
}

static int parse_members(jctx_t *c, span_str_t prefix, uint32_t depth);

/* A known field: c->p at its value (past whitespace). */
static int known_member(jctx_t *c, const jfield_t *f, uint32_t depth) {
    span_t *s = c->s;
    const char *fname = jf_names[f->canon];
    const char *v0 = c->p;
    int rc;
    if (f->kind != K_DETAILS) {
        uint64_t bit = 1ull << f->canon;
        if (c->seen & bit)
            return jfail(c, ERR_DUP_FIELD, fname, "field given twice (or with an alias)");
        c->seen |= bit;
    }
    if (f->flags & JE_ANTHROPIC) c->anthropic_names = 1;
    char ch = *c->p;
    if (ch == 'n') {
        if (!match_lit(c, "null", 4)) return jfail(c, ERR_JSON_SYNTAX, fname, "bad literal");
        return ERR_OK; /* null = not sent */
    }
    switch ((jkind_t)f->kind) {
    case K_STR:
    case K_PROVIDER:
    case K_STATUS:
    case K_TOKCONV: {
        span_str_t v;
        if (ch != '"') return jfail(c, ERR_WRONG_TYPE, fname, "string expected");
        if ((rc = parse_str(c, &v, fname))) return rc;
        if (f->kind == K_STR) {
            *(span_str_t *)((char *)s + f->off) = v;
            if (v.n) s->present |= f->present;
        } else if (f->kind == K_PROVIDER) {
            size_t i;
            for (i = 0; i < v.n && !(v.p[i] >= 'A' && v.p[i] <= 'Z'); i++)
                ;
            if (i < v.n) { /* lower-case into scratch */
                char *w = c->sp;
                if ((size_t)(c->send - c->sp) < v.n)
                    return jfail(c, ERR_OVERSIZED, fname, "scratch space exhausted");
                for (i = 0; i < v.n; i++) {
                    char x = v.p[i];
                    w[i] = (x >= 'A' && x <= 'Z') ? (char)(x + 32) : x;
                }
                v = span_str(w, v.n);
                c->sp += v.n;
            }
            s->provider = v;
        } else {
            char low[24];
            size_t i;
            if (v.n >= sizeof(low)) goto bad_enum;
            for (i = 0; i < v.n; i++) {
                char x = v.p[i];
                low[i] = (x >= 'A' && x <= 'Z') ? (char)(x + 32) : x;
            }
            low[i] = '\0';
            if (f->kind == K_STATUS) {
                if (!strcmp(low, "ok") || !strcmp(low, "success") || !strcmp(low, "succeeded") ||
                    !strcmp(low, "unset") || !strcmp(low, "status_code_ok") ||
                    !strcmp(low, "status_code_unset"))
                    s->status = SPAN_STR_LIT("ok");
                else if (!strcmp(low, "error") || !strcmp(low, "failed") ||
                         !strcmp(low, "failure") || !strcmp(low, "fail") ||
                         !strcmp(low, "status_code_error"))
                    s->status = SPAN_STR_LIT("error");
                else
                    goto bad_enum;
            } else {
                if (!strcmp(low, "inclusive") || !strcmp(low, "openai"))
                    c->tokconv = 1;
                else if (!strcmp(low, "exclusive") || !strcmp(low, "anthropic"))
                    c->tokconv = 2;
                else
                    goto bad_enum;
            }
        }
        return ERR_OK;
    bad_enum:
        c->p = v0;
        return jfail(c, ERR_BAD_ENUM, fname,
                     f->kind == K_STATUS ? "status must be ok/success/error/failed"
                                         : "token_convention must be inclusive or exclusive");
    }
    case K_USAGE:
    case K_DETAILS: {
        if (ch != '{') return jfail(c, ERR_WRONG_TYPE, fname, "object expected");
        if (depth + 1 > c->d->o.max_depth)
            return jfail(c, ERR_TOO_DEEP, fname, "nesting deeper than max_depth");
        /* Unknown members inside become attributes named usage.<name> (or
         * usage.<details>.<name>): the prefix is built in scratch. */
        return ERR_OK; /* handled by the caller, which knows the key */
    }
    case K_TS:
    case K_END_TS: {
        int64_t ms;
        if (ch == '"') {
            span_str_t v;
            if ((rc = parse_str(c, &v, fname))) return rc;
            if (jspan_parse_iso8601(v.p, v.n, &ms) != ERR_OK) {
                c->p = v0;
                return jfail(c, ERR_BAD_TIMESTAMP, fname, "not an ISO-8601 date-time");
            }
        } else {
            jnum_t n;
            const char *e = scan_number(c->p, c->end, &n);
            if (!e) {
                if (ch == '{' || ch == '[' || ch == 't' || ch == 'f')
                    return jfail(c, ERR_WRONG_TYPE, fname, "string or number expected");
                return jfail(c, ERR_JSON_SYNTAX, fname, "bad number");
            }
            if (epoch_ms(&n, &ms) != ERR_OK)
                return jfail(c, ERR_BAD_TIMESTAMP, fname, "epoch number negative or too large");
            c->p = e;
        }
        if (f->kind == K_TS) {
            s->ts_ms = ms;
            s->present |= SPAN_HAS_TS;
        } else {
            c->end_ms = ms;
        }
        return ERR_OK;
    }
    case K_COST: {
        jnum_t n;
        const char *e;
        if (ch == '"') {
            span_str_t v;
            if ((rc = parse_str(c, &v, fname))) return rc;
            e = scan_number(v.p, v.p + v.n, &n);
            if (!e || e != v.p + v.n) {
                c->p = v0;
                return jfail(c, ERR_WRONG_TYPE, fname, "string is not a decimal number");
            }
        } else {
            e = scan_number(c->p, c->end, &n);
            if (!e) goto not_number;
            c->p = e;
        }
        rc = decimal_nano(&n, &s->cost_nusd);
        if (rc) {
            c->p = v0;
            return jfail(c, rc, fname,
                         rc == ERR_NEGATIVE ? "negative cost" : "cost >= 1e9 USD (Decimal(18,9))");
        }
        s->present |= SPAN_HAS_COST;
        return ERR_OK;
    }
    case K_QUALITY: {
        /* Exact decimal to nano-units, then one division: no strtof (locale-dependent: a
         * comma-decimal LC_NUMERIC would read 0.75 as 0) and no copy. Values too large for
         * that are far outside [0,1] anyway; validate rejects them. */
        jnum_t n;
        uint64_t v;
        int inexact;
        const char *e = scan_number(c->p, c->end, &n);
        if (!e) goto not_number;
        float q = num_scaled(&n, 9, 1, UINT64_MAX, &v, &inexact) == 0 ? (float)((double)v / 1e9)
                                                                      : 3.4e38f;
        s->quality_score = n.neg ? -q : q;
        s->present |= SPAN_HAS_QUALITY;
        c->p = e;
        return ERR_OK;
    }
    case K_BOOL: {
        uint8_t b;
        if (ch == 't' && match_lit(c, "true", 4)) {
            b = 1;
        } else if (ch == 'f' && match_lit(c, "false", 5)) {
            b = 0;
        } else {
            jnum_t n;
            const char *e = scan_number(c->p, c->end, &n);
            uint64_t v;
            int inexact;
            if (!e) goto not_number;
            if (n.neg || n.has_frac || n.has_exp || num_scaled(&n, 0, 0, 1, &v, &inexact) != 0)
                return jfail(c, ERR_WRONG_TYPE, fname, "boolean must be true, false, 0 or 1");
            b = (uint8_t)v;
            c->p = e;
        }
        *((uint8_t *)s + f->off) = b;
        return ERR_OK;
    }
    case K_TOKENS:
    case K_U16:
    case K_MS: {
        jnum_t n;
        uint64_t v;
        int inexact;
        const char *e = scan_number(c->p, c->end, &n);
        if (!e) goto not_number;
        if (n.neg && !num_is_zero(&n))
            return jfail(c, ERR_NEGATIVE, fname, "negative count or duration");
        uint64_t max = f->kind == K_U16 ? 65535u : UINT32_MAX;
        if (num_scaled(&n, 0, f->kind == K_MS, max, &v, &inexact) != 0)
            return jfail(c, ERR_OUT_OF_RANGE, fname, "number too large for its column");
        if (inexact && f->kind != K_MS) return jfail(c, ERR_WRONG_TYPE, fname, "integer expected");
        if (f->kind == K_U16)
            *(uint16_t *)((char *)s + f->off) = (uint16_t)v;
        else
            *(uint32_t *)((char *)s + f->off) = (uint32_t)v;
        s->present |= f->present;
        c->p = e;
        return ERR_OK;
    }
    }
    return jfail(c, ERR_INVAL, fname, "internal: unknown kind");
not_number:
    if (ch == '"' || ch == '{' || ch == '[' || ch == 't' || ch == 'f')
        return jfail(c, ERR_WRONG_TYPE, fname, "number expected");
    return jfail(c, ERR_JSON_SYNTAX, fname, "bad number");
}

static span_str_t prefixed(jctx_t *c, span_str_t prefix, span_str_t key) {
    char *w = c->sp;
    if ((size_t)(c->send - c->sp) < (size_t)prefix.n + key.n + 1) return span_str(NULL, 0);
    memcpy(w, prefix.p, prefix.n);
    memcpy(w + prefix.n, key.p, key.n);
    c->sp += prefix.n + key.n;
    return span_str(w, prefix.n + key.n);
}

/* Parses the members of an object; c->p just past '{'. depth = depth of this object.
 * prefix is empty at top level, "usage." or "usage.<details>." inside usage objects. */
static int parse_members(jctx_t *c, span_str_t prefix, uint32_t depth) {
    int rc;
    skip_ws(c);
    if (c->p < c->end && *c->p == '}') {
        c->p++;
        return ERR_OK;
    }
    for (;;) {
        span_str_t key;
        int x = -1, predicted = 0;
        if (c->p >= c->end || *c->p != '"')
            return jfail(c, ERR_JSON_SYNTAX, NULL, "member name expected");
        if (!prefix.n && c->end - c->p > JNAME_MAX + 1 && (x = c->d->pred[c->prev]) >= 0) {
            /* The predicted name followed by a quote matches the raw bytes: that is the whole
             * key (names hold no quotes or backslashes), so neither scan nor hash it. */
            size_t n = c->d->flen[x];
            uint64_t w[4], diff = 0;
            memcpy(w, c->p + 1, sizeof(w));
            for (int j = 0; j < 4; j++)
                diff |= (w[j] ^ c->d->fname[x][j]) & c->d->lenmask[n][j];
            if (!diff && c->p[1 + n] == '"') {
                key = span_str(c->p + 1, n);
                c->p += n + 2;
                predicted = 1;
            }
        }
        if (!predicted && (rc = parse_str(c, &key, NULL))) return rc;
        if (c->p < c->end && *c->p == ':') {
            c->p++;
        } else {
            skip_ws(c);
            if (c->p >= c->end || *c->p != ':')
                return jfail(c, ERR_JSON_SYNTAX, NULL, "':' expected");
            c->p++;
        }
        skip_ws(c);
        if (c->p >= c->end) return jfail(c, ERR_JSON_SYNTAX, NULL, "value expected");
        if (!predicted) {
            const char *kend = key.p >= c->base && key.p < c->end ? c->end : c->send;
            int wide = kend - key.p >= JNAME_MAX;
            x = jlookup(c->d, key.p, key.n, wide);
            if (!prefix.n) c->d->pred[c->prev] = (int16_t)x;
        }
        if (!prefix.n) c->prev = x >= 0 ? x : (int)JPRED_UNKNOWN;
        const jfield_t *f = x >= 0 ? &jfields[x] : NULL;
        if (f && prefix.n && !(f->flags & JE_USAGE_OK)) f = NULL;
        if (f && !prefix.n && f->kind == K_DETAILS) f = NULL;
        if (f && prefix.n > 6 && f->kind == K_DETAILS) f = NULL; /* details only one level */
        if (!f) {
            if (prefix.n) {
                key = prefixed(c, prefix, key);
                if (!key.p) return jfail(c, ERR_OVERSIZED, NULL, "scratch space exhausted");
            }
            rc = unknown_member(c, key, depth);
        } else if (f->kind == K_STR && *c->p == '"' && !(c->seen & (1ull << f->canon))) {
            /* Fast path for the most common member: a plain string field. */
            /* Parse straight into the span: going through a local struct made the compiler
             * copy it with a 16-byte load of two 8-byte stores (a store-forwarding stall). */
            span_str_t *dst = (span_str_t *)((char *)c->s + f->off);
            c->seen |= 1ull << f->canon;
            if ((rc = parse_str(c, dst, jf_names[f->canon]))) return rc;
            if (dst->n) c->s->present |= f->present;
        } else if ((f->kind == K_TOKENS || f->kind == K_MS || f->kind == K_U16) &&
                   c->end - c->p > 10 && *c->p >= '1' && *c->p <= '9' &&
                   !(c->seen & (1ull << f->canon))) {
            /* Fast path for a count of at most 9 digits; anything else takes the exact path. */
            const char *q = c->p;
            uint32_t v = 0;
            int nd = 0;
            while (nd < 10 && *q >= '0' && *q <= '9')
                v = v * 10 + (uint32_t)(*q++ - '0'), nd++;
            if (nd <= 9 && *q != '.' && *q != 'e' && *q != 'E' &&
                (f->kind != K_U16 || v <= 65535)) {
                c->seen |= 1ull << f->canon;
                if (f->flags & JE_ANTHROPIC) c->anthropic_names = 1;
                if (f->kind == K_U16)
                    *(uint16_t *)((char *)c->s + f->off) = (uint16_t)v;
                else
                    *(uint32_t *)((char *)c->s + f->off) = v;
                c->s->present |= f->present;
                c->p = q;
                rc = ERR_OK;
            } else {
                rc = known_member(c, f, depth);
            }
        } else {
            char ch0 = *c->p;
            rc = known_member(c, f, depth);
            if (!rc && (f->kind == K_USAGE || f->kind == K_DETAILS) && ch0 == '{') {
                span_str_t np;
                if (f->kind == K_USAGE) {
                    np = SPAN_STR_LIT("usage.");
                } else {
                    np = prefixed(c, prefix, key);
                    if (!np.p) return jfail(c, ERR_OVERSIZED, NULL, "scratch space exhausted");
                    *c->sp++ = '.';
                    np.n++;
                }
                c->p++;
                rc = parse_members(c, np, depth + 1);
            }
        }
        if (rc) return rc;
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            skip_ws(c);
            continue;
        }
        skip_ws(c);
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            skip_ws(c);
            continue;
        }
        if (c->p < c->end && *c->p == '}') {
            c->p++;
            return ERR_OK;
        }
        return jfail(c, ERR_JSON_SYNTAX, NULL, "',' or '}' expected");
    }
}

int jspan_decode(jspan_dec_t *d, const char *payload, size_t len, span_t *s, jspan_errinfo_t *ei) {
    jctx_t c;
    int rc;
    span_reset(s);
    if (!payload) len = 0, payload = "";
    c.d = d;
    c.base = c.p = payload;
    c.end = payload + len;
    c.sp = d->scratch;
    c.send = d->scratch + d->scratch_cap;
    c.s = s;
    c.ei = ei;
    c.seen = 0;
    c.anthropic_names = 0;
    c.tokconv = 0;
    c.end_ms = 0;
    c.prev = (int)JPRED_START;
    if (ei) {
        ei->field = NULL;
        ei->detail[0] = '\0';
    }
    if (len > d->o.max_message_bytes)
        return jfail(&c, ERR_OVERSIZED, NULL, "message larger than max_message_bytes");
    skip_ws(&c);
    if (c.p >= c.end) return jfail(&c, ERR_EMPTY, NULL, "empty message");
    if (*c.p != '{') return jfail(&c, ERR_NOT_OBJECT, NULL, "message is not a JSON object");
    c.p++;
    if ((rc = parse_members(&c, (span_str_t){NULL, 0}, 1))) return rc;
    skip_ws(&c);
    if (c.p != c.end) return jfail(&c, ERR_JSON_SYNTAX, NULL, "trailing data after the object");

    /* Token convention: input_tokens must include cache reads and writes. Anthropic's usage
     * block (recognised by its cache_*_input_tokens names, or token_convention "exclusive")
     * reports them separately, so they are added here. */
    if (c.tokconv == 2 || (c.tokconv == 0 && c.anthropic_names)) {
        uint64_t sum = (uint64_t)s->input_tokens + s->cache_read_tokens + s->cache_write_tokens;
        if (sum > UINT32_MAX)
            return jfail(&c, ERR_OUT_OF_RANGE, "input_tokens", "input + cache tokens > 2^32-1");
        s->input_tokens = (uint32_t)sum;
        if (s->cache_read_tokens || s->cache_write_tokens) s->present |= SPAN_HAS_INPUT_TOKENS;
    }
    /* end_time gives the latency when the producer did not send one. */
    if ((c.seen & (1ull << JF_END_TS)) && !(s->present & SPAN_HAS_LATENCY) &&
        (s->present & SPAN_HAS_TS) && c.end_ms) {
        int64_t dl = c.end_ms - s->ts_ms;
        if (dl < 0) return jfail(&c, ERR_NEGATIVE, "end_time", "end_time before timestamp");
        if (dl > (int64_t)UINT32_MAX)
            return jfail(&c, ERR_OUT_OF_RANGE, "end_time", "end_time - timestamp > 2^32-1 ms");
        s->latency_ms = (uint32_t)dl;
        s->present |= SPAN_HAS_LATENCY;
    }
    return ERR_OK;
}
