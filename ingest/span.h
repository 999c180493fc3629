/* span: the record for one LLM call, as every module sees it.
 *
 * Strings are slices (pointer + length), not copies: they point into the Kafka payload,
 * into a decoder's scratch space (unescaped JSON strings), into an enrichment table, or at
 * static literals. A span_t is therefore valid only as long as what it points into: the
 * worker decodes, enriches and encodes a span before it lets go of the message.
 * The field list is documented once, for producers, in docs/span-format.md; the ClickHouse
 * column for each field is in columns.h. No I/O, no allocation. */
#ifndef SPANHOUSE_SPAN_H
#define SPANHOUSE_SPAN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct span_str_s {
    const char *p; /* not NUL-terminated; NULL or any pointer when n == 0 */
    uint32_t n;
} span_str_t;

#define SPAN_STR_LIT(s) ((span_str_t){(s), (uint32_t)(sizeof(s) - 1)})
static inline span_str_t span_str(const char *p, size_t n) { return (span_str_t){p, (uint32_t)n}; }
static inline int span_str_eq(span_str_t a, const char *lit) {
    size_t n = strlen(lit);
    return a.n == n && (n == 0 || memcmp(a.p, lit, n) == 0);
}

/* Extra attributes (unknown JSON fields, OTLP attributes without a column) are kept here,
 * bounded: more than SPAN_MAX_ATTRS is a validation error, never a silent drop. */
#define SPAN_MAX_ATTRS 64

typedef struct span_attr_s {
    span_str_t key;
    span_str_t val; /* non-string JSON values keep their JSON text, e.g. 12, true, {"a":1} */
} span_attr_t;

/* Bits of span_t.present: which optional fields the producer actually sent. */
enum {
    SPAN_HAS_TS = 1u << 0,
    SPAN_HAS_COST = 1u << 1, /* cost_nusd came from the producer */
    SPAN_HAS_TTFT = 1u << 2,
    SPAN_HAS_QUALITY = 1u << 3,
    SPAN_HAS_LATENCY = 1u << 4,
    SPAN_HAS_INPUT_TOKENS = 1u << 5,
    SPAN_HAS_OUTPUT_TOKENS = 1u << 6,
    SPAN_HAS_TENANT = 1u << 7,
    SPAN_HAS_TEAM = 1u << 8,
};

typedef struct span_s {
    int64_t ts_ms; /* start of the call, Unix epoch milliseconds, UTC */

    /* Lineage */
    span_str_t trace_id, span_id, parent_span_id, request_id;

    /* What was called */
    span_str_t provider;       /* openai, anthropic, google, … (lower case) */
    span_str_t model;          /* requested model */
    span_str_t response_model; /* model the provider says answered; defaults to model */
    span_str_t operation;      /* chat, completion, embedding, … */
    span_str_t endpoint;       /* the application's endpoint / route */
    span_str_t feature;
    span_str_t prompt_template, prompt_version;

    /* Who */
    span_str_t tenant_id, team_id, cost_center, plan_tier;
    span_str_t user_id, session_id, experiment_id;
    span_str_t api_key_id, service;
    span_str_t environment, deploy_version;

    /* Tokens. input_tokens counts every prompt token, cache reads and writes included
     * (OpenAI / OpenTelemetry GenAI convention); the cache counts are subsets of it. */
    uint32_t input_tokens, output_tokens;
    uint32_t cache_read_tokens, cache_write_tokens;
    uint32_t reasoning_tokens; /* subset of output_tokens */

    /* Money in nano-USD (1e-9 USD), exact integers: ClickHouse Decimal(18,9). */
    int64_t cost_nusd;          /* as sent by the producer, else = cost_computed_nusd */
    int64_t cost_computed_nusd; /* from the pricing table; 0 when the model is unknown */
    span_str_t cost_source;     /* "producer" | "computed" | "cache_hit" | "none" */
    span_str_t pricing_status;  /* "ok" | "long_context" | "tier_default" | "unknown_model" */

    /* Timing */
    uint32_t latency_ms;
    uint32_t ttft_ms; /* meaningful only with SPAN_HAS_TTFT */

    /* Outcome */
    uint8_t streaming, cache_hit, is_batch;
    span_str_t status;      /* "ok" | "error" */
    span_str_t error_class; /* rate_limit, timeout, server_error, … ; empty when ok */
    uint16_t http_status, retry_count;
    span_str_t finish_reason;
    float quality_score; /* meaningful only with SPAN_HAS_QUALITY */
    span_str_t evaluator;

    span_str_t tenant_status; /* "from_span" | "from_table" | "override" | "unknown_key" | "none" */

    uint32_t n_attrs;
    span_attr_t attrs[SPAN_MAX_ATTRS];

    uint32_t present; /* SPAN_HAS_* bits */

    /* Where the record came from; set by the worker, not by decoders. */
    span_str_t kafka_topic;
    int32_t kafka_partition;
    int64_t kafka_offset;
    int64_t ingested_ms;

    /* Billing detail (docs/pricing.md), kept after the hot fields so that adding it did not
     * move them (bench/README.md, "Enrichment"). */
    uint32_t cache_write_1h_tokens; /* subset of cache_write_tokens written with a 1-hour TTL */
    uint32_t web_search_calls;      /* server-side web searches the provider bills per call */
    span_str_t service_tier; /* as sent ("standard", "default", "flex", "priority", "batch", …) */
} span_t;
/* The decoders' field tables keep offsets into span_t in 16 bits. */
_Static_assert(sizeof(span_t) < 65536,
               "span_t offsets must fit uint16_t (json_span.c, otlp_map.c)");

/* Resets a span to "nothing sent": zero numbers, empty strings, no attributes. */
/* Copies every field of src but the attributes, the presence bits and the Kafka position (the
 * span's own fields: what a decoder starts a span from or keeps of it). */
static inline void span_copy_fields(span_t *dst, const span_t *src) {
    memcpy(dst, src, offsetof(span_t, attrs));
    dst->cache_write_1h_tokens = src->cache_write_1h_tokens;
    dst->web_search_calls = src->web_search_calls;
    dst->service_tier = src->service_tier;
}

static inline void span_reset(span_t *s) {
    /* attrs[] need not be cleared: n_attrs bounds what is read. */
    memset(s, 0, offsetof(span_t, attrs));
    s->present = 0;
    s->kafka_topic = (span_str_t){0};
    s->kafka_partition = 0;
    s->kafka_offset = 0;
    s->ingested_ms = 0;
    s->cache_write_1h_tokens = s->web_search_calls = 0;
    s->service_tier = (span_str_t){0};
}

#endif
