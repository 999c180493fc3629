/* eval: the quality-evaluation record (one LLM-as-judge / heuristic / human / user-feedback
 * score of a trace or span) and its flat JSON decoder and validator.
 *
 * One Kafka message = one JSON object (docs/span-format.md, "Evaluation records"). Strings are
 * zero-copy slices into the payload or the decoder's scratch buffer, as for spans (span.h).
 * It does not look up the span being scored (ClickHouse does, docs/evals.md), nor encode
 * rows (eval_columns.h), nor know about Kafka (the worker fills the kafka_* fields). */
#ifndef SPANHOUSE_EVAL_H
#define SPANHOUSE_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "span.h"

/* Explanations longer than this are cut at a UTF-8 character boundary (never rejected);
 * explanation_truncated tells the reader. */
#define EVAL_EXPLANATION_MAX 2048
/* Scores outside [-EVAL_SCORE_LIMIT, EVAL_SCORE_LIMIT] are rejected (0..1 is the convention,
 * human 1..5 or 1..10 scales must pass). */
#define EVAL_SCORE_LIMIT 1e6

/* Bits of eval_t.present. */
enum {
    EVAL_HAS_TS = 1u << 0,
    EVAL_HAS_SCORE = 1u << 1,
    EVAL_HAS_CONFIDENCE = 1u << 2,
    EVAL_HAS_SAMPLE_RATE = 1u << 3,
};

typedef struct eval_s {
    int64_t ts_ms;          /* when the evaluation was made, Unix epoch ms UTC */
    span_str_t trace_id;    /* required */
    span_str_t span_id;     /* optional: empty = the evaluation scores the whole trace */
    span_str_t response_id; /* optional: the provider's response id (gen_ai.response.id) */
    span_str_t evaluator;   /* e.g. gpt-4o-judge, regex_json, reviewer-pool-a */
    span_str_t evaluator_version;
    span_str_t metric;      /* required: groundedness, helpfulness, json_valid, … */
    double score;           /* meaningful only with EVAL_HAS_SCORE */
    span_str_t label;       /* pass, fail, relevant, … (free text, lower case by convention) */
    float confidence;       /* 0..1, meaningful only with EVAL_HAS_CONFIDENCE */
    span_str_t source;      /* llm_judge | heuristic | human | user_feedback | "" */
    double sample_rate;     /* (0, 1]; 1 when absent */
    span_str_t explanation; /* at most EVAL_EXPLANATION_MAX bytes, valid UTF-8 */
    uint8_t explanation_truncated;
    uint32_t present; /* EVAL_HAS_* */

    /* Where the record came from; set by the worker, not by the decoder. */
    span_str_t kafka_topic;
    int32_t kafka_partition;
    int64_t kafka_offset;
    int64_t ingested_ms;
} eval_t;

/* Resets to "nothing sent" (sample_rate 1). */
void eval_reset(eval_t *e);

typedef struct eval_dec_s eval_dec_t;

/* Creates a decoder for messages of at most max_message_bytes (0 = 1 MiB); larger ones fail
 * with ERR_OVERSIZED. Allocates its scratch once; decoding never allocates. Returns NULL and
 * fills errstr on out of memory. One decoder per thread. */
eval_dec_t *eval_dec_new(size_t max_message_bytes, char *errstr, size_t errstr_size);
/* Frees the decoder (slices into its scratch become invalid). Accepts NULL. */
void eval_dec_destroy(eval_dec_t *d);
/* 1 if p[0..n) lies in d's scratch buffer (tests, fuzzer). */
int eval_dec_owns(const eval_dec_t *d, const void *p, size_t n);

/* Decodes one message into *e (reset first): JSON grammar, UTF-8, field types, duplicates,
 * enum words, numeric ranges, explanation truncation. Unknown fields are ignored (producers
 * may add fields before spanhouse knows them). Returns ERR_OK or a POISON code; *field (may be
 * NULL) names the offending field or is NULL. Slices stay valid until the next decode on d,
 * eval_dec_destroy(d), or until payload is freed. */
int eval_decode(eval_dec_t *d, const char *payload, size_t len, eval_t *e, const char **field);

/* Limits shared by eval_validate() and outcome_validate(). */
typedef struct eval_limits_s {
    int64_t max_future_ms; /* default 5 min (as validate.h) */
    int64_t max_past_ms;   /* default 400 days (as validate.h: replays must pass) */
    uint32_t max_id_len;   /* trace_id, span_id: default 128 bytes */
    uint32_t max_dim_len;  /* evaluator, metric, label, event, …: default 256 bytes */
} eval_limits_t;
void eval_limits_default(eval_limits_t *o);

/* Semantic checks after decode: required fields (timestamp, trace_id, metric), timestamp
 * window against now_ms, string lengths. o may be NULL (defaults). Returns ERR_OK or a POISON
 * code with *field (may be NULL) set. Pure: thread-safe. */
int eval_validate(const eval_limits_t *o, const eval_t *e, int64_t now_ms, const char **field);

#endif
