/* otlp_row: prints a decoded span as one line of tests/otel/vectors/expected.tsv (the
 * columns the OTLP mapping fills), for tests/unit/test_otlp.c and tests/tools/otlp_dump.c.
 * Test-only helper; header-only so both programs share it without a library. */
#ifndef SPANHOUSE_OTLP_ROW_H
#define SPANHOUSE_OTLP_ROW_H

#include <stdio.h>
#include <string.h>

#include "span.h"

#define OTLP_ROW_HEADER                                                                         \
    "span_id\ttrace_id\tparent_span_id\tts_ms\tlatency_ms\tttft_ms\tprovider\tmodel\t"          \
    "response_model\toperation\tendpoint\tfeature\tprompt_template\tprompt_version\t"          \
    "tenant_id\tteam_id\tuser_id\tsession_id\trequest_id\tservice\tenvironment\t"              \
    "deploy_version\tinput_tokens\toutput_tokens\tcache_read_tokens\tcache_write_tokens\t"     \
    "reasoning_tokens\tstreaming\tstatus\terror_class\thttp_status\tfinish_reason\tattrs"

/* Writes the row (no newline) into out; returns its length (truncated to size-1). */
static inline size_t otlp_row(const span_t *s, char *out, size_t size) {
    size_t n = 0;
#define R_S(x) n += (size_t)snprintf(out + n, n < size ? size - n : 0, "%.*s\t", (int)(x).n, (x).p ? (x).p : "")
#define R_U(x) n += (size_t)snprintf(out + n, n < size ? size - n : 0, "%llu\t", (unsigned long long)(x))
    R_S(s->span_id); R_S(s->trace_id); R_S(s->parent_span_id);
    n += (size_t)snprintf(out + n, n < size ? size - n : 0, "%lld\t", (long long)s->ts_ms);
    R_U(s->latency_ms);
    if (s->present & SPAN_HAS_TTFT) R_U(s->ttft_ms);
    else n += (size_t)snprintf(out + n, n < size ? size - n : 0, "\t");
    R_S(s->provider); R_S(s->model); R_S(s->response_model); R_S(s->operation);
    R_S(s->endpoint); R_S(s->feature); R_S(s->prompt_template); R_S(s->prompt_version);
    R_S(s->tenant_id); R_S(s->team_id); R_S(s->user_id); R_S(s->session_id);
    R_S(s->request_id); R_S(s->service); R_S(s->environment); R_S(s->deploy_version);
    R_U(s->input_tokens); R_U(s->output_tokens); R_U(s->cache_read_tokens);
    R_U(s->cache_write_tokens); R_U(s->reasoning_tokens); R_U(s->streaming);
    R_S(s->status); R_S(s->error_class); R_U(s->http_status); R_S(s->finish_reason);
#undef R_S
#undef R_U
    for (uint32_t i = 0; i < s->n_attrs; i++)
        n += (size_t)snprintf(out + n, n < size ? size - n : 0, "%s%.*s=%.*s", i ? "|" : "",
                              (int)s->attrs[i].key.n, s->attrs[i].key.p ? s->attrs[i].key.p : "",
                              (int)s->attrs[i].val.n, s->attrs[i].val.p ? s->attrs[i].val.p : "");
    return n < size ? n : size - 1;
}

#endif
