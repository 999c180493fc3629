/* validate: defaults and semantic checks for a decoded span (see validate.h).
 * Every rejection is one of the reason codes of err.h, documented with an example in
 * docs/span-format.md; no I/O, no allocation. */
#include "validate.h"

#include "err.h"

void validate_opts_default(validate_opts_t *o) {
    o->max_future_ms = 5 * 60 * 1000;
    o->max_past_ms = 400LL * 24 * 3600 * 1000;
    o->max_id_len = 128;
    o->max_dim_len = 256;
    o->max_attr_len = 4096;
}

/* clang-format off */
#define V_IDS(X)                                                                                   \
    X(trace_id) X(span_id) X(parent_span_id) X(request_id) X(user_id) X(session_id) X(api_key_id)
#define V_DIMS(X)                                                                                  \
    X(provider) X(model) X(response_model) X(operation) X(endpoint) X(feature) X(prompt_template)  \
    X(prompt_version) X(tenant_id) X(team_id) X(cost_center) X(plan_tier) X(experiment_id)         \
    X(service) X(environment) X(deploy_version) X(status) X(error_class) X(finish_reason)          \
    X(evaluator) X(service_tier)
/* clang-format on */

static int fail(const char **field, const char *name, int code) {
    if (field) *field = name;
    return code;
}

int validate_span(const validate_opts_t *o, span_t *s, int64_t now_ms, const char **field) {
    validate_opts_t def;
    if (!o) {
        validate_opts_default(&def);
        o = &def;
    }
    if (field) *field = NULL;

    /* Required fields. */
    if (!(s->present & SPAN_HAS_TS)) return fail(field, "timestamp", ERR_MISSING_FIELD);
    if (s->model.n == 0) return fail(field, "model", ERR_MISSING_FIELD);
    if (s->trace_id.n == 0) return fail(field, "trace_id", ERR_MISSING_FIELD);

    /* Time window, configurable: replays of old topics must pass, clocks far ahead must not. */
    if (s->ts_ms > now_ms + o->max_future_ms) return fail(field, "timestamp", ERR_TS_FUTURE);
    if (s->ts_ms < now_ms - o->max_past_ms) return fail(field, "timestamp", ERR_TS_PAST);

    /* Defaults. */
    if (s->response_model.n == 0) s->response_model = s->model;
    if (s->status.n == 0)
        s->status = (s->error_class.n || s->http_status >= 400) ? SPAN_STR_LIT("error")
                                                                : SPAN_STR_LIT("ok");
    if (!span_str_eq(s->status, "ok") && !span_str_eq(s->status, "error"))
        return fail(field, "status", ERR_BAD_ENUM);

        /* String lengths. */
#define V_ID_(f)                                                                                   \
    if (s->f.n > o->max_id_len) return fail(field, #f, ERR_STRING_TOO_LONG);
#define V_DIM_(f)                                                                                  \
    if (s->f.n > o->max_dim_len) return fail(field, #f, ERR_STRING_TOO_LONG);
    V_IDS(V_ID_)
    V_DIMS(V_DIM_)
#undef V_ID_
#undef V_DIM_

    /* Tokens: cache reads and writes are part of input_tokens; reasoning is part of output. */
    if ((uint64_t)s->cache_read_tokens + s->cache_write_tokens > s->input_tokens)
        return fail(field,
                    s->cache_read_tokens > s->input_tokens ? "cache_read_tokens"
                                                           : "cache_write_tokens",
                    ERR_TOKENS_INCONSISTENT);
    if (s->reasoning_tokens > s->output_tokens)
        return fail(field, "reasoning_tokens", ERR_TOKENS_INCONSISTENT);
    /* The 1-hour writes are part of the cache writes. */
    if (s->cache_write_1h_tokens > s->cache_write_tokens)
        return fail(field, "cache_write_1h_tokens", ERR_TOKENS_INCONSISTENT);

    /* Numbers. */
    if (s->cost_nusd < 0) return fail(field, "cost_usd", ERR_NEGATIVE);
    if ((s->present & SPAN_HAS_QUALITY) && !(s->quality_score >= 0.0f && s->quality_score <= 1.0f))
        return fail(field, "quality_score", ERR_OUT_OF_RANGE);
    if (s->http_status > 599 || (s->http_status > 0 && s->http_status < 100))
        return fail(field, "http_status", ERR_OUT_OF_RANGE);

    /* Attributes. */
    if (s->n_attrs > SPAN_MAX_ATTRS) return fail(field, "attributes", ERR_TOO_MANY_ATTRS);
    for (uint32_t i = 0; i < s->n_attrs; i++) {
        if (s->attrs[i].key.n > o->max_dim_len)
            return fail(field, "attributes", ERR_STRING_TOO_LONG);
        if (s->attrs[i].val.n > o->max_attr_len)
            return fail(field, "attributes", ERR_STRING_TOO_LONG);
    }
    return ERR_OK;
}
