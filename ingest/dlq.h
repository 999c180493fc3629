/* dlq: the dead-letter producer. Sends a rejected message, with its original key and bytes,
 * to the DLQ topic with headers saying why (reason, field, detail), where it came from
 * (source topic/partition/offset), when, and which spanhouse did it.
 *
 * A dead letter counts only once the broker confirmed it: the caller's callback runs from
 * dlq_poll()/dlq_flush() with the delivery result. Also encodes a rejected row for the
 * llm_spans_rejected table (dlq_encode_rejected). Threads: one owner. */
#ifndef SPANHOUSE_DLQ_H
#define SPANHOUSE_DLQ_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"

typedef struct dlq_s dlq_t;

/* Why and where: every string is copied into the message headers (may be NULL = ""). */
typedef struct dlq_letter_s {
    const char *reason; /* err_name() of the code, e.g. "missing_field" */
    const char *field;
    const char *detail;
    const char *topic;
    int32_t partition;
    int64_t offset;
    const void *key;
    size_t key_len;
    const void *payload;
    size_t len;
    const char *payload_format; /* "original" (the message bytes; the worker always sends these) */
    uint64_t tag; /* handed back to the callback (the worker: assignment generation) */
} dlq_letter_t;

/* Called once per letter with ERR_OK (stored by the broker) or ERR_KAFKA (a permanent
 * refusal, e.g. authorization: transient failures are retried without end), and the letter's
 * tag. */
typedef void(dlq_done_fn)(void *opaque, const char *topic, int32_t partition, int64_t offset,
                          uint64_t tag, int err);

/* Creates a producer to cfg->dlq_topic (acks=all, idempotent, no message timeout). A letter
 * whose key + payload exceed cfg->dlq_max_bytes, or that the producer or broker refuses as too
 * large, is sent cut to fit with headers payload_format=truncated, original_size,
 * original_key_size and original_xxh3 (XXH3-64 of the whole original payload, 16 hex digits);
 * the detail header is cut at 4 KiB. Returns NULL + errstr. */
dlq_t *dlq_new(const config_t *cfg, dlq_done_fn *done, void *opaque, char *errstr,
               size_t errstr_size);
void dlq_destroy(dlq_t *d);
/* Queues one letter. ERR_OK, or ERR_KAFKA (queue full after waiting, bad topic) with errstr. */
int dlq_send(dlq_t *d, const dlq_letter_t *l, char *errstr, size_t errstr_size);
/* Serves delivery reports (runs the callbacks). */
void dlq_poll(dlq_t *d);
/* Waits up to timeout_ms for every queued letter's report. Returns the number still pending. */
int dlq_flush(dlq_t *d, int timeout_ms);
/* Letters queued and not yet reported. */
int dlq_pending(const dlq_t *d);

/* Column list, structure (legacy: Int64 for DateTime64) and row encoding for the rejected
 * table: received_at, kind, topic, partition, offset, key, reason, field, detail, payload. */
const char *dlq_rejected_columns(void);
const char *dlq_rejected_structure(int legacy);
void dlq_encode_rejected(buf_t *b, int64_t received_ms, const char *kind, const dlq_letter_t *l);

#endif
