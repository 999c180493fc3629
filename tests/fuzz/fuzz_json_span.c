/* libFuzzer target: jspan_decode + validate_span on arbitrary bytes. Must never crash, leak or
 * read out of bounds (ASan/UBSan), and on success the span must satisfy the decoder's
 * invariants: every slice lies in the payload, the decoder's scratch or a static literal, every
 * string is valid UTF-8, counts are bounded; after validate the token arithmetic holds. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "json_span.h"
#include "validate.h"
#include "utf8.h"

static jspan_dec_t *D;
static span_t S;

static void check_slice(const uint8_t *data, size_t size, span_str_t v, const char *what) {
    if (v.n == 0) return;
    const char *p = v.p;
    int in_payload = p >= (const char *)data && (size_t)(p - (const char *)data) <= size &&
                     v.n <= size - (size_t)(p - (const char *)data);
    if (!in_payload && !jspan_dec_owns(D, p, v.n) && !span_str_eq(v, "ok") &&
        !span_str_eq(v, "error")) {
        fprintf(stderr, "slice %s outside payload and scratch\n", what);
        abort();
    }
    if (!utf8_valid(p, v.n)) {
        fprintf(stderr, "slice %s is not UTF-8\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!D) {
        char errstr[128];
        jspan_opts_t o;
        jspan_opts_default(&o);
        o.max_message_bytes = 1 << 17;
        D = jspan_dec_new(&o, errstr, sizeof(errstr));
        if (!D) abort();
    }
    jspan_errinfo_t ei;
    int rc = jspan_decode(D, (const char *)data, size, &S, &ei);
    if (rc != ERR_OK) {
        if (err_class(rc) != ERR_CLASS_POISON) abort(); /* every decode error is a poison */
        if (strlen(ei.detail) == 0) abort();
        return 0;
    }
    if (S.n_attrs > SPAN_MAX_ATTRS) abort();
    const span_str_t strs[] = {S.trace_id,      S.span_id,        S.parent_span_id, S.request_id,
                               S.provider,      S.model,          S.response_model, S.operation,
                               S.endpoint,      S.feature,        S.prompt_template,
                               S.prompt_version, S.tenant_id,     S.team_id,        S.cost_center,
                               S.plan_tier,     S.user_id,        S.session_id,     S.experiment_id,
                               S.api_key_id,    S.service,        S.environment,    S.deploy_version,
                               S.status,        S.error_class,    S.finish_reason,  S.evaluator};
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) check_slice(data, size, strs[i], "field");
    for (uint32_t i = 0; i < S.n_attrs; i++) {
        check_slice(data, size, S.attrs[i].key, "attr key");
        check_slice(data, size, S.attrs[i].val, "attr value");
    }
    if (S.cost_nusd < 0 || S.cost_nusd > 999999999999999999LL) abort();
    if (S.status.n && !span_str_eq(S.status, "ok") && !span_str_eq(S.status, "error")) abort();
    for (uint32_t i = 0; i < S.provider.n; i++)
        if (S.provider.p[i] >= 'A' && S.provider.p[i] <= 'Z') abort();

    const char *field = NULL;
    int64_t now = S.ts_ms; /* so that the time window passes and the deeper checks run */
    int vrc = validate_span(NULL, &S, now, &field);
    if (vrc == ERR_OK) {
        if ((uint64_t)S.cache_read_tokens + S.cache_write_tokens > S.input_tokens) abort();
        if (S.reasoning_tokens > S.output_tokens) abort();
        if (S.model.n == 0 || S.trace_id.n == 0 || !(S.present & SPAN_HAS_TS)) abort();
        if (!span_str_eq(S.status, "ok") && !span_str_eq(S.status, "error")) abort();
    } else if (!field || err_class(vrc) != ERR_CLASS_POISON) {
        abort();
    }
    /* Decoding is deterministic. */
    span_t *again = malloc(sizeof(*again));
    if (!again) return 0;
    if (jspan_decode(D, (const char *)data, size, again, NULL) != ERR_OK) abort();
    if (again->input_tokens != S.input_tokens || again->ts_ms != S.ts_ms ||
        again->n_attrs != S.n_attrs || again->cost_nusd != S.cost_nusd)
        abort();
    free(again);
    return 0;
}
