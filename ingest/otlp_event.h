/* otlp_event: OpenTelemetry GenAI `gen_ai.evaluation.result` events → eval_t rows (eval.h),
 * the same record the flat `eval` topic format decodes to, so they are stored by eval_encode.
 *
 * An evaluation event reaches spanhouse as a span event inside an OTLP trace record, or as an
 * OTLP log record (otlp_logs.h). Both decoders feed the event's attributes to an otlp_evq_t,
 * a per-thread queue of finished, validated (eval_validate) rows of ONE Kafka record, each with
 * its reason code. The attribute mapping and the semantic-convention version: docs/otel-mapping.md,
 * "Evaluation results". No Kafka, no encoding, no span mapping (otlp.h). */
#ifndef SPANHOUSE_OTLP_EVENT_H
#define SPANHOUSE_OTLP_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "eval.h"
#include "otlp.h"

#define OTLP_EVENT_EVAL_NAME "gen_ai.evaluation.result"
/* Most evaluation events kept from one record (default of otlp_evq_new). */
#define OTLP_EVQ_DEFAULT_MAX 1024
/* Hard upper bound for max_evals. */
#define OTLP_EVQ_LIMIT 65536

/* One evaluation event of the record. */
typedef struct otlp_eval_s {
    eval_t e;               /* valid row when rc == ERR_OK (strings: see otlp_evq_get) */
    span_str_t response_id; /* gen_ai.response.id; also in e.response_id (llm_evals.response_id) */
    int rc;                 /* ERR_OK, or the POISON code that rejects this event */
    const char *field;      /* the offending field/attribute for rc != ERR_OK, or NULL */
    char trace_hex[2 * OTLP_MAX_ID_BYTES]; /* storage of e.trace_id / e.span_id */
    char span_hex[2 * OTLP_MAX_ID_BYTES];
} otlp_eval_t;

/* Counters, added to (never reset) by otlp_evq_end(); a record that fails adds nothing. */
typedef struct otlp_evq_stats_s {
    uint64_t events_seen;    /* span events / log records looked at */
    uint64_t evals_ok;       /* evaluation events that became a valid row */
    uint64_t evals_rejected; /* evaluation events with rc != ERR_OK (incl. overflow) */
    uint64_t events_other;   /* events / log records that are not evaluation results */
} otlp_evq_stats_t;

typedef struct otlp_evq_s otlp_evq_t;

/* Creates a queue holding at most max_evals evaluations per record (0 = OTLP_EVQ_DEFAULT_MAX,
 * at most OTLP_EVQ_LIMIT). lim may be NULL (eval_limits_default); it is copied. Allocates
 * everything but the string scratch (grown geometrically by otlp_evq_begin, then kept).
 * Returns NULL and fills errstr on failure. One queue per thread. */
otlp_evq_t *otlp_evq_new(size_t max_evals, const eval_limits_t *lim, char *errstr,
                         size_t errstr_size);
/* Frees q. Accepts NULL. Detach it from any trace decoder first (otlp_logs.h, otlp_evq_attach). */
void otlp_evq_destroy(otlp_evq_t *q);

/* Starts a record: empties q and makes room for the unescaped strings of a JSON payload of
 * payload_len bytes (pass 0 for protobuf, whose strings are slices of the payload: no scratch
 * is then needed); now_ms is the clock for eval_validate. Call before each decode call that may
 * add to q (otlp_logs_*_decode call it themselves). Returns ERR_OK or ERR_NOMEM. */
int otlp_evq_begin(otlp_evq_t *q, size_t payload_len, int64_t now_ms);
/* Ends a record whose decode returned ERR_OK: adds the record's counts to st (may be NULL).
 * Not calling it (decode failed) discards the record's counts; call otlp_evq_begin next. */
void otlp_evq_end(otlp_evq_t *q, otlp_evq_stats_t *st);

/* Evaluation events of the current record, in order of appearance: accepted and rejected
 * ones (rc). Strings point into the payload, into q's scratch or into the entry itself: valid
 * until the next otlp_evq_begin or otlp_evq_destroy, and while the payload lives. */
size_t otlp_evq_count(const otlp_evq_t *q);
const otlp_eval_t *otlp_evq_get(const otlp_evq_t *q, size_t i);
/* Evaluation events of the record beyond max_evals (also counted as rejected, reason
 * ERR_OVERSIZED): the worker dead-letters the record for them. */
size_t otlp_evq_overflow(const otlp_evq_t *q);

/* ---- for the decoders (otlp_logs.c): building one event ---- */

/* A scalar attribute value as the decoders present it. */
typedef enum {
    OTLP_EV_NONE = 0,
    OTLP_EV_STR,
    OTLP_EV_BOOL,
    OTLP_EV_INT,
    OTLP_EV_DBL,
    OTLP_EV_OTHER /* array, kvlist, bytes */
} otlp_evkind_t;
typedef struct otlp_evval_s {
    otlp_evkind_t kind;
    span_str_t str; /* OTLP_EV_STR: the text (unescaped, UTF-8 not yet checked) */
    int64_t i;
    double d;
} otlp_evval_t;

/* Starts an event; returns the entry to fill (never NULL: when q is full, a spare entry
 * that otlp_evq_finish counts as overflow). */
otlp_eval_t *otlp_evq_add(otlp_evq_t *q);
/* Applies one event attribute. Returns 1 if the key is `event.name` with value
 * gen_ai.evaluation.result (the older log-record marker), else 0. */
int otlp_event_attr(otlp_eval_t *ev, span_str_t key, const otlp_evval_t *v);
/* Rejects the event with code (the first reason given wins); field may be NULL. */
void otlp_event_reject(otlp_eval_t *ev, int code, const char *field);
/* Sets the ids from raw OTLP bytes (protobuf) or lower/upper-case hex text (JSON, hex = 1).
 * Ids of the wrong size or not hex reject the event (ERR_WRONG_TYPE). */
void otlp_event_ids(otlp_eval_t *ev, const uint8_t *trace, size_t tn, const uint8_t *span,
                    size_t sn, int hex);
/* Finishes the last entry: is_eval = 0 drops it again (not an evaluation event); otherwise
 * fills defaults (time ts_ns, evaluator from scope/resource when the attributes gave none) and
 * runs eval_validate. */
void otlp_evq_finish(otlp_evq_t *q, otlp_eval_t *ev, int is_eval, uint64_t ts_ns,
                     span_str_t evaluator, span_str_t evaluator_version);
/* Scratch bytes for unescaped JSON strings (NULL when exhausted: cannot happen for strings of
 * the payload begun with). */
char *otlp_evq_scratch(otlp_evq_t *q, size_t n);
/* Counts one event / log record that is not an evaluation result. */
void otlp_evq_other(otlp_evq_t *q);

#endif
