/* spangen: deterministic synthetic spans and a small RowBinary encoder for the sink tests and
 * the sink benchmark. Driven by ingest/columns.h so the bytes match the llm_spans schema
 * (legacy and modern give the same bytes). Test-only: the production encoder is ingest/rowbin*.
 * Header-only because each tools program is built alone. */
#ifndef SPANHOUSE_SPANGEN_H
#define SPANHOUSE_SPANGEN_H

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "columns.h"
#include "span.h"

/* Column list "timestamp, trace_id, …" and structure "timestamp Int64, …". */
#define SPANGEN_COLNAME_(name, mt, lt, kind, field) #name ", "
#define SPANGEN_LEGACY_(name, mt, lt, kind, field) #name " " lt ", "
#define SPANGEN_MODERN_(name, mt, lt, kind, field) #name " " mt ", "
static const char spangen_columns_raw[] = COLUMNS_MAP(SPANGEN_COLNAME_);
static const char spangen_legacy_raw[] = COLUMNS_MAP(SPANGEN_LEGACY_);
static const char spangen_modern_raw[] = COLUMNS_MAP(SPANGEN_MODERN_);

/* Copies a raw list without its trailing ", " into out. */
static inline const char *spangen_list(const char *raw, char *out, size_t n) {
    snprintf(out, n, "%s", raw);
    size_t l = strlen(out);
    if (l >= 2) out[l - 2] = 0;
    return out;
}

static inline void spangen_varint(buf_t *b, uint64_t v) {
    uint8_t t[10];
    size_t n = 0;
    do {
        t[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v) t[n] |= 0x80;
        n++;
    } while (v);
    buf_put(b, t, n);
}
static inline void spangen_str(buf_t *b, span_str_t s) {
    spangen_varint(b, s.n);
    if (s.n) buf_put(b, s.p, s.n);
}
#define SPANGEN_PUT_(b, v) buf_put((b), &(v), sizeof(v)) /* little-endian host */

#define SPANGEN_ENC_TS(b, s, f) SPANGEN_PUT_(b, (s)->f)
#define SPANGEN_ENC_I64(b, s, f) SPANGEN_PUT_(b, (s)->f)
#define SPANGEN_ENC_DEC(b, s, f) SPANGEN_PUT_(b, (s)->f)
#define SPANGEN_ENC_I32(b, s, f) SPANGEN_PUT_(b, (s)->f)
#define SPANGEN_ENC_U32(b, s, f) SPANGEN_PUT_(b, (s)->f)
#define SPANGEN_ENC_U16(b, s, f) SPANGEN_PUT_(b, (s)->f)
#define SPANGEN_ENC_U8(b, s, f) SPANGEN_PUT_(b, (s)->f)
#define SPANGEN_ENC_STR(b, s, f) spangen_str(b, (s)->f)
#define SPANGEN_ENC_NU32_TTFT(b, s, f)                                                       \
    do {                                                                                     \
        uint8_t isnull_ = ((s)->present & SPAN_HAS_TTFT) ? 0 : 1;                            \
        buf_put(b, &isnull_, 1);                                                             \
        if (!isnull_) SPANGEN_PUT_(b, (s)->f);                                               \
    } while (0)
#define SPANGEN_ENC_NF32_QUALITY(b, s, f)                                                    \
    do {                                                                                     \
        uint8_t isnull_ = ((s)->present & SPAN_HAS_QUALITY) ? 0 : 1;                         \
        buf_put(b, &isnull_, 1);                                                             \
        if (!isnull_) SPANGEN_PUT_(b, (s)->f);                                               \
    } while (0)
#define SPANGEN_ENC_MAP(b, s, f)                                                             \
    do {                                                                                     \
        spangen_varint(b, (s)->n_attrs);                                                     \
        for (uint32_t i_ = 0; i_ < (s)->n_attrs; i_++) {                                     \
            spangen_str(b, (s)->attrs[i_].key);                                              \
            spangen_str(b, (s)->attrs[i_].val);                                              \
        }                                                                                    \
    } while (0)
#define SPANGEN_ENC_(name, mt, lt, kind, field) SPANGEN_ENC_##kind(b, s, field);

static inline void spangen_encode(buf_t *b, const span_t *s) { COLUMNS_MAP(SPANGEN_ENC_) }

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
