/* gen: synthetic span messages (see gen.h). Draws one record from the workload model into
 * fixed buffers, then writes it as flat JSON with a small hand-rolled writer (numbers are
 * formatted from integers, so no locale or float printing is involved and output is
 * byte-identical everywhere). No I/O, no clock, no global state. */
#include "gen.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "gen_json.h"
#include "gen_rng.h"

/* ---- Workload model (constant tables). */

typedef struct {
    const char *name;
    unsigned weight;
} gen_pick_t;

static const gen_pick_t gen_tenants[] = {
    {"acme", 40}, {"globex", 30}, {"initech", 20}, {"umbrella", 10}};
static const gen_pick_t gen_teams[] = {
    {"search", 30}, {"support", 30}, {"growth", 20}, {"platform", 20}};

typedef struct {
    const char *name, *endpoint, *template_name;
    unsigned weight;
    double in_median, out_median; /* tokens */
    double quality;               /* mean quality score */
} gen_feature_t;

static const gen_feature_t gen_features[] = {
    {"chat_assistant", "/v1/chat", "assistant_system", 30, 1800, 350, 0.82},
    {"doc_summarize", "/v1/summarize", "summarize_doc", 20, 3500, 250, 0.86},
    {"code_review", "/v1/review", "review_diff", 10, 5000, 600, 0.78},
    {"search_rerank", "/v1/search", "rerank_passages", 15, 1200, 60, 0.80},
    {"ticket_triage", "/v1/triage", "triage_ticket", 15, 900, 120, 0.88},
    {"email_draft", "/v1/draft", "draft_email", 10, 700, 300, 0.84},
};

/* Prices in nano-USD per token (= USD per 1M tokens × 1000): list prices as of 2025. */
typedef struct {
    const char *name, *provider, *sdk, *response_model; /* the id the provider answers with */
    unsigned weight;
    int64_t p_in, p_out, p_cached, p_cache_write;
    double ttft_median, ms_per_token;
} gen_model_t;

static const gen_model_t gen_models[] = {
    {"gpt-4o", "openai", "openai-python/1.54.3", "gpt-4o-2024-08-06", 20, 2500, 10000, 1250, 2500,
     450, 12},
    {"gpt-4o-mini", "openai", "openai-python/1.54.3", "gpt-4o-mini-2024-07-18", 30, 150, 600, 75,
     150, 300, 8},
    {"claude-sonnet-4", "anthropic", "anthropic-sdk-python/0.40.0", "claude-sonnet-4-20250514", 15,
     3000, 15000, 300, 3750, 600, 14},
    {"claude-3-5-haiku", "anthropic", "anthropic-sdk-python/0.40.0", "claude-3-5-haiku-20241022",
     15, 800, 4000, 80, 1000, 350, 9},
    {"gemini-2.0-flash", "google", "google-genai/0.3.0", "gemini-2.0-flash-001", 12, 100, 400, 25,
     100, 250, 5},
    {"llama-3.1-70b", "together", "together-python/1.3.3",
     "meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo", 8, 880, 880, 880, 880, 400, 10},
};

static const gen_pick_t gen_errors[] = {
    {"rate_limit", 40}, {"timeout", 25}, {"server_error", 25}, {"context_length", 10}};
static const gen_pick_t gen_regions[] = {
    {"us-east-1", 50}, {"eu-west-1", 35}, {"ap-southeast-2", 15}};
static const gen_pick_t gen_evaluators[] = {
    {"llm_judge", 70}, {"heuristic", 20}, {"user_feedback", 10}};

#define GEN_N(a) (sizeof(a) / sizeof((a)[0]))
#define GEN_ERROR_RATE 0.035 /* share of failed calls */
#define GEN_CACHE_HIT_RATE 0.20
#define GEN_COST_SENT_RATE 0.30
#define GEN_QUALITY_RATE 0.45
#define GEN_STR 64
/* A rare attribute with escapes and multi-byte UTF-8, so decoders meet them in every run. */
#define GEN_NOTE                                                                                   \
    "R\xc3\xa9sum\xc3\xa9 du \"Q3\" \xe2\x80\x94 \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x9a\x80\ttab"

/* Optional fields a given producer may or may not send (keeps messages near 500 bytes, as
 * real fleets mix SDKs that send more or less context). */
enum {
    GEN_OPT_REQUEST = 1,
    GEN_OPT_SESSION = 2,
    GEN_OPT_KEY = 4,
    GEN_OPT_SERVICE = 8,
    GEN_OPT_DEPLOY = 16,
    GEN_OPT_SDK = 32,
    GEN_OPT_TEMPLATE = 64,
    GEN_OPT_HTTP = 128,
    GEN_OPT_REGION = 256,
};
#define GEN_NOPT 9
static const double gen_opt_rate[GEN_NOPT] = {0.1, 0.2, 0.3, 0.1, 0.1, 0.2, 0.3, 0.2, 0.5};

/* ---- The record being generated. */
typedef struct {
    int64_t ts_ms;
    char trace_id[33], span_id[17], parent_span_id[17], request_id[32];
    const char *provider, *model, *operation, *endpoint, *feature, *prompt_template,
        *prompt_version, *tenant, *team, *environment, *deploy_version, *status, *error_class,
        *finish_reason, *evaluator, *region, *sdk, *response_model;
    char user_id[GEN_STR], session_id[GEN_STR], experiment_id[GEN_STR], api_key_id[GEN_STR],
        service[GEN_STR];
    uint32_t input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,
        latency_ms, ttft_ms;
    int64_t cost_nusd;
    int cost_sent, has_ttft, has_quality, has_note, has_response_model, tenant_sent;
    unsigned opt; /* GEN_OPT_*: which optional fields this producer sends */
    uint8_t streaming, cache_hit, is_batch;
    uint16_t http_status, retry_count;
    uint32_t quality_milli; /* quality_score × 1000 */
} gen_rec_t;

struct gen_s {
    gen_opts_t o;
    gen_rng_t rng;
    uint64_t produced;
    gen_rec_t r;
    int poison;
    int fi_spike, fi_reg; /* feature indexes of the planted anomalies */
};

/* ---- PRNG (gen_rng.h), on the generator's own state. */
static double gen_u01(gen_t *g) { return gen_rng_u01(&g->rng); }
static uint32_t gen_below(gen_t *g, uint32_t n) { return gen_rng_below(&g->rng, n); }
static int gen_chance(gen_t *g, double p) { return gen_rng_chance(&g->rng, p); }
static double gen_normal(gen_t *g) { return gen_rng_normal(&g->rng); }
static double gen_lognormal(gen_t *g, double median, double sigma) {
    return gen_rng_lognormal(&g->rng, median, sigma);
}
/* An index into n table rows of size stride, drawn in proportion to each row's unsigned weight
 * (w points at the first row's): one draw. GEN_PICK(g, table) for any table with .weight. */
static size_t gen_pick_weighted(gen_t *g, const unsigned *w, size_t stride, size_t n) {
#define GEN_W(i) (*(const unsigned *)((const char *)w + (i)*stride))
    unsigned total = 0;
    for (size_t i = 0; i < n; i++)
        total += GEN_W(i);
    unsigned r = gen_below(g, total);
    for (size_t i = 0; i < n; i++) {
        if (r < GEN_W(i)) return i;
        r -= GEN_W(i);
    }
    return n - 1;
#undef GEN_W
}
#define GEN_PICK(g, table)                                                                         \
    gen_pick_weighted((g), &(table)[0].weight, sizeof((table)[0]), GEN_N(table))
static void gen_hex(gen_t *g, char *dst, unsigned nhex) { gen_rng_hex(&g->rng, dst, nhex); }
static uint32_t gen_clamp_u32(double v, double lo, double hi) {
    if (v < lo) v = lo;
    if (v > hi) v = hi;
    return (uint32_t)llround(v);
}

/* ---- Options. */

void gen_opts_default(gen_opts_t *o) {
    memset(o, 0, sizeof(*o));
    o->seed = 42;
    o->start_ms = 1795478400000LL; /* 2026-11-24T00:00:00Z */
    o->spacing_ms = 10;
    o->ts_format = GEN_TS_ISO;
    o->spike_tenant = "globex";
    o->spike_team = "support";
    o->spike_feature = "ticket_triage";
    o->spike_factor_min = 8;
    o->spike_factor_max = 10;
    o->regression_feature = "doc_summarize";
    o->regression_version = "v3";
    o->regression_cost_factor = 0.6;
    o->regression_quality_factor = 0.8;
}

static int gen_find(const gen_pick_t *t, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].name, name) == 0) return (int)i;
    return -1;
}
static int gen_find_feature(const char *name) {
    for (size_t i = 0; i < GEN_N(gen_features); i++)
        if (name && strcmp(gen_features[i].name, name) == 0) return (int)i;
    return -1;
}

gen_t *gen_new(const gen_opts_t *o, char *errstr, size_t errstr_size) {
    gen_t *g = NULL;
    const char *why = NULL;
    if (!o) {
        why = "no options";
        goto err;
    }
    if (!(o->poison_fraction >= 0 && o->poison_fraction <= 1))
        why = "poison_fraction must be in [0, 1]";
    else if (o->ts_format < GEN_TS_ISO || o->ts_format > GEN_TS_MIXED)
        why = "bad ts_format";
    else if (o->start_ms < 0)
        why = "start_ms must be >= 0";
    if (why) goto err;
    g = calloc(1, sizeof(*g));
    if (!g) {
        why = "out of memory";
        goto err;
    }
    g->o = *o;
    g->fi_spike = g->fi_reg = -1;
    uint64_t duration = (uint64_t)o->count * o->spacing_ms;
    if (o->spike) {
        g->fi_spike = gen_find_feature(o->spike_feature);
        if (!o->spike_tenant || gen_find(gen_tenants, GEN_N(gen_tenants), o->spike_tenant) < 0)
            why = "spike_tenant is not one of acme, globex, initech, umbrella";
        else if (!o->spike_team || gen_find(gen_teams, GEN_N(gen_teams), o->spike_team) < 0)
            why = "spike_team is not one of search, support, growth, platform";
        else if (g->fi_spike < 0)
            why = "spike_feature is not a known feature";
        else if (!(o->spike_factor_min >= 1 && o->spike_factor_max >= o->spike_factor_min &&
                   o->spike_factor_max <= 1000))
            why = "spike factors must satisfy 1 <= min <= max <= 1000";
        if (why) goto err;
        if (g->o.spike_start_ms == 0 && g->o.spike_end_ms == 0) {
            g->o.spike_start_ms = o->start_ms + (int64_t)(duration * 6 / 10);
            g->o.spike_end_ms = o->start_ms + (int64_t)(duration * 7 / 10);
        }
        if (g->o.spike_end_ms <= g->o.spike_start_ms) {
            why = "empty spike window (set spike_start_ms/spike_end_ms or a count)";
            goto err;
        }
    }
    if (o->regression) {
        g->fi_reg = gen_find_feature(o->regression_feature);
        if (g->fi_reg < 0)
            why = "regression_feature is not a known feature";
        else if (!o->regression_version || !*o->regression_version ||
                 strlen(o->regression_version) >= GEN_STR)
            why = "regression_version must be a short non-empty string";
        else if (!(o->regression_cost_factor > 0 && o->regression_cost_factor <= 100))
            why = "regression_cost_factor must be in (0, 100]";
        else if (!(o->regression_quality_factor > 0 && o->regression_quality_factor <= 1))
            why = "regression_quality_factor must be in (0, 1]";
        if (why) goto err;
        if (g->o.regression_from_ms == 0)
            g->o.regression_from_ms = o->start_ms + (int64_t)(duration / 2);
    }
    gen_rng_seed(&g->rng, o->seed);
    return g;
err:
    if (errstr_size) snprintf(errstr, errstr_size, "gen: %s", why);
    free(g);
    return NULL;
}

void gen_destroy(gen_t *g) { free(g); }

uint64_t gen_produced(const gen_t *g) { return g->produced; }
double gen_quality(const gen_t *g) {
    return g->r.status[0] == 'o' ? (double)g->r.quality_milli / 1000.0 : 0.0;
}

/* ---- Drawing one record. */

/* API keys of the example tenant table shipped in schema/tenants.csv. */
static int gen_known_key(const char *key) {
    static const char *const known[] = {"key_acme_search_1",      "key_acme_search_2",
                                        "key_acme_support_1",     "key_globex_growth_1",
                                        "key_globex_platform_1",  "key_initech_search_1",
                                        "key_umbrella_platform_1"};
    for (size_t i = 0; i < GEN_N(known); i++)
        if (strcmp(known[i], key) == 0) return 1;
    return 0;
}

static int64_t gen_cost(const gen_model_t *m, const gen_rec_t *r) {
    int64_t uncached = (int64_t)r->input_tokens - r->cache_read_tokens - r->cache_write_tokens;
    int64_t c = uncached * m->p_in + (int64_t)r->cache_read_tokens * m->p_cached +
                (int64_t)r->cache_write_tokens * m->p_cache_write +
                (int64_t)r->output_tokens * m->p_out;
    return r->is_batch ? (c + 1) / 2 : c; /* half price, rounded half up to the nano-USD */
}

/* The span's time and ids. */
static void gen_draw_ids(gen_t *g, gen_rec_t *r) {
    const gen_opts_t *o = &g->o;
    uint64_t i = g->produced;
    r->ts_ms = o->start_ms + (int64_t)(i * o->spacing_ms) +
               (o->spacing_ms > 1 ? (int64_t)gen_below(g, o->spacing_ms) : 0);
    gen_hex(g, r->trace_id, 32);
    gen_hex(g, r->span_id, 16);
    if (gen_chance(g, 0.3))
        gen_hex(g, r->parent_span_id, 16);
    else
        r->parent_span_id[0] = '\0';
    memcpy(r->request_id, "req_", 4);
    gen_hex(g, r->request_id + 4, 24);
}

/* Who called what: tenant, team, feature (its index in *fi_out), model, and the labels that
 * follow from them. */
static const gen_model_t *gen_draw_who(gen_t *g, gen_rec_t *r, size_t *fi_out) {
    size_t ti = GEN_PICK(g, gen_tenants);
    size_t tm = GEN_PICK(g, gen_teams);
    size_t fi = *fi_out = GEN_PICK(g, gen_features);
    const gen_feature_t *f = &gen_features[fi];
    const gen_model_t *m = &gen_models[GEN_PICK(g, gen_models)];

    r->tenant = gen_tenants[ti].name;
    r->team = gen_teams[tm].name;
    r->feature = f->name;
    r->endpoint = f->endpoint;
    r->prompt_template = f->template_name;
    r->provider = m->provider;
    r->model = m->name;
    r->sdk = m->sdk;
    r->response_model = m->response_model;
    /* Together always answers with its own long id (which the pricing table knows). */
    r->has_response_model = strcmp(m->provider, "together") == 0 || gen_chance(g, 0.3);
    r->operation = gen_chance(g, 0.95) ? "chat" : "completion";
    r->prompt_version = gen_chance(g, 0.6) ? "v2" : "v1";
    r->environment = gen_chance(g, 0.9) ? "prod" : "staging";
    r->deploy_version = gen_chance(g, 0.8) ? "2026.11.3" : "2026.11.2";
    r->region = gen_regions[GEN_PICK(g, gen_regions)].name;
    snprintf(r->user_id, GEN_STR, "u_%s_%04u", r->tenant, gen_below(g, 500));
    snprintf(r->session_id, GEN_STR, "s_%08x", (unsigned)gen_below(g, 0xFFFFFFFFu));
    if (gen_chance(g, 0.2))
        snprintf(r->experiment_id, GEN_STR, "exp_%u", 40 + gen_below(g, 3));
    else
        r->experiment_id[0] = '\0';
    snprintf(r->api_key_id, GEN_STR, "key_%s_%s_%u", r->tenant, r->team, 1 + gen_below(g, 2));
    snprintf(r->service, GEN_STR, "%s-svc", f->name);

    return m;
}

/* Tokens: lognormal around the feature's medians, with a planted regression or cost spike
 * applied; returns the regression's quality factor (1 without). */
static double gen_draw_tokens(gen_t *g, gen_rec_t *r, size_t fi, const gen_model_t *m) {
    const gen_opts_t *o = &g->o;
    const gen_feature_t *f = &gen_features[fi];
    /* Cache reads/writes are parts of input. */
    double in = gen_lognormal(g, f->in_median, 0.6), out = gen_lognormal(g, f->out_median, 0.7);
    double tok_factor = 1.0, q_factor = 1.0;
    if (g->fi_reg == (int)fi && r->ts_ms >= o->regression_from_ms) {
        r->prompt_version = o->regression_version;
        tok_factor = o->regression_cost_factor;
        q_factor = o->regression_quality_factor;
    }
    int spiking = g->fi_spike == (int)fi && strcmp(r->tenant, o->spike_tenant) == 0 &&
                  strcmp(r->team, o->spike_team) == 0 && r->ts_ms >= o->spike_start_ms &&
                  r->ts_ms < o->spike_end_ms;
    double spike_draw = gen_u01(g);
    if (spiking)
        tok_factor *=
            o->spike_factor_min + (o->spike_factor_max - o->spike_factor_min) * spike_draw;
    r->input_tokens = gen_clamp_u32(in * tok_factor, 8, 1000000);
    r->output_tokens = gen_clamp_u32(out * tok_factor, 1, 64000);
    r->cache_read_tokens = r->cache_write_tokens = r->reasoning_tokens = 0;
    if (gen_chance(g, 0.4))
        r->cache_read_tokens = (uint32_t)(r->input_tokens * (0.3 + 0.6 * gen_u01(g)));
    if (m->p_cache_write != m->p_in && gen_chance(g, 0.1))
        r->cache_write_tokens =
            (uint32_t)((r->input_tokens - r->cache_read_tokens) * gen_u01(g) * 0.8);
    if (strcmp(m->name, "claude-sonnet-4") == 0 && gen_chance(g, 0.15))
        r->reasoning_tokens = (uint32_t)(r->output_tokens * (0.2 + 0.5 * gen_u01(g)));
    /* Batch APIs (half price) exist at OpenAI, Anthropic and Google, not at Together. */
    r->is_batch = gen_chance(g, 0.05) && strcmp(m->provider, "together") != 0;

    return q_factor;
}

/* Outcome: errors (with retries) produce no output; response-cache hits skip the model. */
static void gen_draw_outcome(gen_t *g, gen_rec_t *r, const gen_model_t *m) {
    r->status = "ok";
    r->error_class = "";
    r->http_status = 200;
    r->retry_count = gen_chance(g, 0.04) ? 1 : 0;
    r->finish_reason =
        gen_chance(g, 0.85) ? "stop" : (gen_chance(g, 0.66) ? "tool_calls" : "length");
    r->cache_hit = 0;
    r->streaming = !r->is_batch && gen_chance(g, 0.6);
    double ttft = gen_lognormal(g, m->ttft_median, 0.5);
    double lat = ttft + r->output_tokens * m->ms_per_token * (0.7 + 0.6 * gen_u01(g));
    if (gen_chance(g, GEN_ERROR_RATE)) {
        size_t ei = GEN_PICK(g, gen_errors);
        static const uint16_t http[] = {429, 504, 500, 400};
        r->status = "error";
        r->error_class = gen_errors[ei].name;
        r->http_status = http[ei];
        r->retry_count = ei == 3 ? 0 : (uint16_t)(1 + gen_below(g, 3));
        r->finish_reason = "";
        r->output_tokens = 0;
        r->reasoning_tokens = 0;
        r->streaming = 0;
        lat = ei == 1 ? 30000 + gen_below(g, 30000) : 50 + gen_lognormal(g, 300, 0.5);
    } else if (gen_chance(g, GEN_CACHE_HIT_RATE)) {
        /* Tokens are those of the cached answer (what the hit saved); nothing was billed. */
        r->cache_hit = 1;
        r->streaming = 0;
        r->retry_count = 0;
        lat = 2 + gen_lognormal(g, 8, 0.5);
    }
    r->has_ttft = r->streaming;
    r->ttft_ms = gen_clamp_u32(ttft, 20, 120000);
    r->latency_ms = gen_clamp_u32(lat, 1, 600000);
    if (r->has_ttft && r->ttft_ms >= r->latency_ms)
        r->latency_ms = r->ttft_ms + 1 + r->output_tokens;
}

static void gen_draw(gen_t *g) {
    gen_rec_t *r = &g->r;
    size_t fi;
    gen_draw_ids(g, r);
    const gen_model_t *m = gen_draw_who(g, r, &fi);
    const gen_feature_t *f = &gen_features[fi];
    double q_factor = gen_draw_tokens(g, r, fi, m);
    gen_draw_outcome(g, r, m);
    r->cost_nusd = r->cache_hit ? 0 : gen_cost(m, r);
    r->cost_sent = gen_chance(g, GEN_COST_SENT_RATE);

    r->has_quality = r->status[0] == 'o' && gen_chance(g, GEN_QUALITY_RATE);
    double q = (f->quality + 0.08 * gen_normal(g)) * q_factor;
    r->quality_milli = gen_clamp_u32(q * 1000, 0, 1000);
    r->evaluator = r->has_quality ? gen_evaluators[GEN_PICK(g, gen_evaluators)].name : "";
    r->has_note = gen_chance(g, 0.01);
    r->opt = 0;
    for (unsigned k = 0; k < GEN_NOPT; k++)
        if (gen_chance(g, gen_opt_rate[k])) r->opt |= 1u << k;
    /* Some producers send only their API key: the tenant table names tenant and team. Only
     * for keys the shipped example table (schema/tenants.csv) knows, so that aggregates by
     * tenant stay exact in the demo. */
    r->tenant_sent = 1;
    if ((r->opt & GEN_OPT_KEY) && gen_known_key(r->api_key_id) && gen_chance(g, 0.5))
        r->tenant_sent = 0;
}

/* ---- JSON writer: gen_json.h. */
static void gen_put_ts(gen_t *g, buf_t *b) {
    const gen_rec_t *r = &g->r;
    int iso =
        g->o.ts_format == GEN_TS_ISO || (g->o.ts_format == GEN_TS_MIXED && (g->produced & 1) == 0);
    if (!iso) {
        gen_put(b, "\"timestamp\":");
        gen_put_u64(b, (uint64_t)r->ts_ms);
        return;
    }
    gen_kv_iso_ts(b, "timestamp", r->ts_ms, 1);
}
static void gen_write(gen_t *g, buf_t *b) {
    const gen_rec_t *r = &g->r;
    int missing = g->poison == GEN_POISON_MISSING;
    size_t start = b->len;
    if (g->poison == GEN_POISON_NOT_OBJECT) {
        gen_put(b, "[");
        gen_put_jstr(b, r->trace_id);
        gen_put(b, ",");
        gen_put_jstr(b, r->model);
        gen_put(b, "]");
        return;
    }
    gen_put(b, "{");
    if (!missing) {
        gen_put_ts(g, b);
        gen_kv_str(b, "trace_id", r->trace_id);
        gen_kv_str(b, "span_id", r->span_id);
    } else {
        gen_put(b, "\"note\":\"missing required fields\"");
    }
    if (r->parent_span_id[0]) gen_kv_str(b, "parent_span_id", r->parent_span_id);
    if (r->opt & GEN_OPT_REQUEST) gen_kv_str(b, "request_id", r->request_id);
    if (!missing) {
        gen_kv_str(b, "provider", r->provider);
        gen_kv_str(b, "model", r->model);
        if (r->has_response_model) gen_kv_str(b, "response_model", r->response_model);
    }
    gen_kv_str(b, "operation", r->operation);
    gen_kv_str(b, "endpoint", r->endpoint);
    gen_kv_str(b, "feature", r->feature);
    if (r->opt & GEN_OPT_TEMPLATE) gen_kv_str(b, "prompt_template", r->prompt_template);
    gen_kv_str(b, "prompt_version", r->prompt_version);
    if (r->tenant_sent) {
        gen_kv_str(b, "tenant_id", r->tenant);
        gen_kv_str(b, "team_id", r->team);
    }
    gen_kv_str(b, "user_id", r->user_id);
    if (r->opt & GEN_OPT_SESSION) gen_kv_str(b, "session_id", r->session_id);
    if (r->experiment_id[0]) gen_kv_str(b, "experiment_id", r->experiment_id);
    if (r->opt & GEN_OPT_KEY) gen_kv_str(b, "api_key_id", r->api_key_id);
    if (r->opt & GEN_OPT_SERVICE) gen_kv_str(b, "service", r->service);
    gen_kv_str(b, "environment", r->environment);
    if (r->opt & GEN_OPT_DEPLOY) gen_kv_str(b, "deploy_version", r->deploy_version);
    if (g->poison == GEN_POISON_NEGATIVE) {
        gen_put(b, ",\"input_tokens\":-");
        gen_put_u64(b, r->input_tokens);
    } else {
        gen_kv_u(b, "input_tokens", r->input_tokens);
    }
    gen_kv_u(b, "output_tokens", r->output_tokens);
    /* Zero counts and false flags are left out, as most SDKs do: they are the defaults. */
    if (r->cache_read_tokens) gen_kv_u(b, "cache_read_tokens", r->cache_read_tokens);
    if (r->cache_write_tokens) gen_kv_u(b, "cache_write_tokens", r->cache_write_tokens);
    if (r->reasoning_tokens) gen_kv_u(b, "reasoning_tokens", r->reasoning_tokens);
    if (r->cost_sent) gen_kv_fixed(b, "cost_usd", (uint64_t)r->cost_nusd, 9);
    gen_kv_u(b, "latency_ms", r->latency_ms);
    if (r->has_ttft) gen_kv_u(b, "ttft_ms", r->ttft_ms);
    if (r->streaming) gen_kv_bool(b, "streaming", r->streaming);
    if (r->cache_hit) gen_kv_bool(b, "cache_hit", r->cache_hit);
    if (r->is_batch) gen_kv_bool(b, "is_batch", r->is_batch);
    gen_kv_str(b, "status", r->status);
    if (r->error_class[0]) gen_kv_str(b, "error_class", r->error_class);
    /* Failed calls always say how; many SDKs leave out a plain 200. */
    if (r->http_status != 200 || (r->opt & GEN_OPT_HTTP))
        gen_kv_u(b, "http_status", r->http_status);
    if (r->retry_count) gen_kv_u(b, "retry_count", r->retry_count);
    if (r->finish_reason[0]) gen_kv_str(b, "finish_reason", r->finish_reason);
    if (r->has_quality) {
        gen_kv_fixed(b, "quality_score", r->quality_milli, 3);
        gen_kv_str(b, "evaluator", r->evaluator);
    }
    /* Attributes without a column: they land in the attributes map. */
    if (r->opt & GEN_OPT_REGION) gen_kv_str(b, "region", r->region);
    if (r->opt & GEN_OPT_SDK) gen_kv_str(b, "sdk", r->sdk);
    if (r->has_note) gen_kv_str(b, "prompt_preview", GEN_NOTE);
    gen_put(b, "}");
    if (g->poison == GEN_POISON_TRUNCATED && !buf_error(b))
        buf_truncate(b, start + (b->len - start) / 2);
}

int gen_next(gen_t *g, buf_t *out, char *key, size_t key_size, int *is_poison) {
    if (g->o.count && g->produced >= g->o.count) return 0;
    gen_draw(g);
    g->poison = GEN_POISON_NONE;
    /* Always draw, so the good messages of a run do not depend on the poison fraction's
     * effect on the PRNG stream beyond which messages are poisoned. */
    double pd = gen_u01(g);
    uint32_t kind = gen_below(g, 4);
    if (g->o.poison_fraction > 0 && pd < g->o.poison_fraction) g->poison = (int)kind + 1;
    gen_write(g, out);
    g->produced++;
    if (key && key_size) {
        size_t n = strlen(g->r.trace_id);
        if (n >= key_size) n = key_size - 1;
        memcpy(key, g->r.trace_id, n);
        key[n] = '\0';
    }
    if (is_poison) *is_poison = g->poison;
    return buf_error(out) ? -1 : 1;
}

static span_str_t gen_s(const char *s) { return span_str(s, strlen(s)); }

void gen_span(const gen_t *g, span_t *s) {
    const gen_rec_t *r = &g->r;
    span_reset(s);
    s->ts_ms = r->ts_ms;
    s->trace_id = gen_s(r->trace_id);
    s->span_id = gen_s(r->span_id);
    s->parent_span_id = gen_s(r->parent_span_id);
    if (r->opt & GEN_OPT_REQUEST) s->request_id = gen_s(r->request_id);
    s->provider = gen_s(r->provider);
    s->model = gen_s(r->model);
    s->response_model = gen_s(r->has_response_model ? r->response_model : r->model);
    s->operation = gen_s(r->operation);
    s->endpoint = gen_s(r->endpoint);
    s->feature = gen_s(r->feature);
    if (r->opt & GEN_OPT_TEMPLATE) s->prompt_template = gen_s(r->prompt_template);
    s->prompt_version = gen_s(r->prompt_version);
    s->tenant_id = gen_s(r->tenant); /* the truth, even when only the API key was sent */
    s->team_id = gen_s(r->team);
    s->user_id = gen_s(r->user_id);
    if (r->opt & GEN_OPT_SESSION) s->session_id = gen_s(r->session_id);
    s->experiment_id = gen_s(r->experiment_id);
    if (r->opt & GEN_OPT_KEY) s->api_key_id = gen_s(r->api_key_id);
    if (r->opt & GEN_OPT_SERVICE) s->service = gen_s(r->service);
    s->environment = gen_s(r->environment);
    if (r->opt & GEN_OPT_DEPLOY) s->deploy_version = gen_s(r->deploy_version);
    s->input_tokens = r->input_tokens;
    s->output_tokens = r->output_tokens;
    s->cache_read_tokens = r->cache_read_tokens;
    s->cache_write_tokens = r->cache_write_tokens;
    s->reasoning_tokens = r->reasoning_tokens;
    s->cost_nusd = r->cost_nusd;
    s->latency_ms = r->latency_ms;
    s->ttft_ms = r->has_ttft ? r->ttft_ms : 0;
    s->streaming = r->streaming;
    s->cache_hit = r->cache_hit;
    s->is_batch = r->is_batch;
    s->status = gen_s(r->status);
    s->error_class = gen_s(r->error_class);
    s->http_status = (r->http_status != 200 || (r->opt & GEN_OPT_HTTP)) ? r->http_status : 0;
    s->retry_count = r->retry_count;
    s->finish_reason = gen_s(r->finish_reason);
    s->quality_score = r->has_quality ? (float)r->quality_milli / 1000.0f : 0.0f;
    s->evaluator = gen_s(r->evaluator);
    s->n_attrs = 0;
    if (r->opt & GEN_OPT_REGION)
        s->attrs[s->n_attrs++] = (span_attr_t){SPAN_STR_LIT("region"), gen_s(r->region)};
    if (r->opt & GEN_OPT_SDK)
        s->attrs[s->n_attrs++] = (span_attr_t){SPAN_STR_LIT("sdk"), gen_s(r->sdk)};
    if (r->has_note)
        s->attrs[s->n_attrs++] = (span_attr_t){SPAN_STR_LIT("prompt_preview"), gen_s(GEN_NOTE)};
    s->present = SPAN_HAS_TS | SPAN_HAS_LATENCY | SPAN_HAS_INPUT_TOKENS | SPAN_HAS_OUTPUT_TOKENS |
                 (r->tenant_sent ? SPAN_HAS_TENANT | SPAN_HAS_TEAM : 0) |
                 (r->cost_sent ? SPAN_HAS_COST : 0) | (r->has_ttft ? SPAN_HAS_TTFT : 0) |
                 (r->has_quality ? SPAN_HAS_QUALITY : 0);
}
