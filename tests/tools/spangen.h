/* spangen: deterministic synthetic spans for the sink tests and the sink benchmark, encoded
 * with the production RowBinary encoder (ingest/rowbin.h, driven by ingest/columns.h; legacy
 * and modern types give the same bytes). Header-only because each tools program is built alone. */
#ifndef SPANHOUSE_SPANGEN_H
#define SPANHOUSE_SPANGEN_H

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "rowbin.h"
#include "span.h"

/* The production encoder (ingest/rowbin.c): the sink tests send exactly the bytes the worker
 * sends. Column list and structure come from it too. */
static inline void spangen_encode(buf_t *b, const span_t *s) { rowbin_encode_span(b, s); }

/* Fills s with span number id (~500 bytes encoded). scratch (>= 128 bytes) holds the
 * ids, and must outlive s. input_tokens = id % 1000 + 1 so sums are predictable. */
static inline void spangen_fill(span_t *s, uint64_t id, char *scratch) {
    static const char *models[] = {"gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet", "gemini-1.5-pro"};
    static const char *tenants[] = {"acme", "globex", "initech", "umbrella", "hooli"};
    span_reset(s);
    int n = snprintf(scratch, 128, "%032llx", (unsigned long long)(id * 2654435761ull));
    s->trace_id = span_str(scratch, (size_t)n);
    s->span_id = span_str(scratch + 16, 16);
    s->request_id = span_str(scratch, 24);
    s->ts_ms = 1763000000000ll + (int64_t)id;
    s->provider = SPAN_STR_LIT("openai");
    const char *m = models[id % 4];
    s->model = span_str(m, strlen(m));
    s->response_model = s->model;
    s->operation = SPAN_STR_LIT("chat");
    s->endpoint = SPAN_STR_LIT("/v1/chat/completions");
    s->feature = SPAN_STR_LIT("support-bot");
    s->prompt_template = SPAN_STR_LIT("answer_ticket");
    s->prompt_version = SPAN_STR_LIT("v7");
    const char *t = tenants[id % 5];
    s->tenant_id = span_str(t, strlen(t));
    s->team_id = SPAN_STR_LIT("platform");
    s->cost_center = SPAN_STR_LIT("cc-1042");
    s->plan_tier = SPAN_STR_LIT("enterprise");
    s->user_id = SPAN_STR_LIT("user-000123456");
    s->session_id = SPAN_STR_LIT("sess-9f8e7d6c5b4a");
    s->api_key_id = SPAN_STR_LIT("key-live-0042");
    s->service = SPAN_STR_LIT("helpdesk-api");
    s->environment = SPAN_STR_LIT("production");
    s->deploy_version = SPAN_STR_LIT("2026.11.3");
    s->input_tokens = (uint32_t)(id % 1000) + 1;
    s->output_tokens = (uint32_t)(id % 300) + 1;
    s->cache_read_tokens = s->input_tokens / 4;
    s->cost_nusd = (int64_t)s->input_tokens * 2500 + (int64_t)s->output_tokens * 10000;
    s->cost_computed_nusd = s->cost_nusd;
    s->cost_source = SPAN_STR_LIT("computed");
    s->pricing_status = SPAN_STR_LIT("ok");
    s->latency_ms = 200 + (uint32_t)(id % 5000);
    s->ttft_ms = 80;
    s->present = SPAN_HAS_TTFT | SPAN_HAS_TS;
    if (id % 3 == 0) {
        s->quality_score = 0.75f;
        s->present |= SPAN_HAS_QUALITY;
    }
    s->streaming = 1;
    s->status = SPAN_STR_LIT("ok");
    s->http_status = 200;
    s->finish_reason = SPAN_STR_LIT("stop");
    s->evaluator = SPAN_STR_LIT("");
    s->tenant_status = SPAN_STR_LIT("from_span");
    s->n_attrs = 2;
    s->attrs[0].key = SPAN_STR_LIT("region");
    s->attrs[0].val = SPAN_STR_LIT("eu-west-1");
    s->attrs[1].key = SPAN_STR_LIT("app.tier");
    s->attrs[1].val = SPAN_STR_LIT("gold");
    s->kafka_topic = SPAN_STR_LIT("llm-spans");
    s->kafka_partition = (int32_t)(id % 16);
    s->kafka_offset = (int64_t)id;
    s->ingested_ms = s->ts_ms + 1500;
}

/* Appends rows [first, first+n) to b. */
static inline void spangen_rows(buf_t *b, uint64_t first, uint64_t n) {
    static span_t s;
    char scratch[128];
    for (uint64_t i = first; i < first + n; i++) {
        spangen_fill(&s, i, scratch);
        spangen_encode(b, &s);
    }
}

#endif
