/* outcome: the business-outcome record (a conversion, an escalated ticket, a thumbs-down …
 * attributed to a trace) and its flat JSON decoder and validator.
 *
 * One Kafka message = one JSON object (docs/span-format.md, "Outcome records"). Zero-copy
 * slices as for spans; money is exact (nano-units, like span cost). It does not join the
 * outcome to its span (ClickHouse does, docs/evals.md), nor encode rows (eval_columns.h). */
#ifndef SPANHOUSE_OUTCOME_H
#define SPANHOUSE_OUTCOME_H

#include <stddef.h>
#include <stdint.h>

#include "eval.h"
#include "span.h"

/* Currency codes longer than this are rejected (ISO 4217 is 3; room for tokens/credits). */
#define OUTCOME_CURRENCY_MAX 16

enum {
    OUTCOME_HAS_TS = 1u << 0,
    OUTCOME_HAS_VALUE = 1u << 1,
};

typedef struct outcome_s {
    int64_t ts_ms;       /* when the outcome happened, Unix epoch ms UTC */
    span_str_t trace_id; /* required */
    span_str_t span_id;  /* optional */
    span_str_t event;    /* required: conversion, ticket_escalated, thumbs_up, … */
    int64_t
        value_nano; /* exact value x 1e9 (Decimal(18,9)); may be negative (refunds); 0 if absent */
    span_str_t currency; /* USD, EUR, … or "" when the value is not money */
    uint32_t present;    /* OUTCOME_HAS_* */

    span_str_t kafka_topic;
    int32_t kafka_partition;
    int64_t kafka_offset;
    int64_t ingested_ms;
} outcome_t;

void outcome_reset(outcome_t *o);

typedef struct outcome_dec_s outcome_dec_t;

/* Same contract as eval_dec_new()/eval_dec_destroy()/eval_dec_owns(). */
outcome_dec_t *outcome_dec_new(size_t max_message_bytes, char *errstr, size_t errstr_size);
void outcome_dec_destroy(outcome_dec_t *d);
int outcome_dec_owns(const outcome_dec_t *d, const void *p, size_t n);

/* Decodes one message into *o (reset first): grammar, UTF-8, types, duplicates, value range
 * (|value| < 1e9). Unknown fields are ignored. Returns ERR_OK or a POISON code with *field
 * (may be NULL) set. Slices valid until the next decode on d or until payload is freed. */
int outcome_decode(outcome_dec_t *d, const char *payload, size_t len, outcome_t *o,
                   const char **field);

/* Required fields (timestamp, trace_id, event), timestamp window, lengths (limits shared with
 * evals; lim may be NULL for defaults). Returns ERR_OK or a POISON code with *field set. */
int outcome_validate(const eval_limits_t *lim, const outcome_t *o, int64_t now_ms,
                     const char **field);

#endif
