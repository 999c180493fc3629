/* otlp_logs: decoders for OpenTelemetry log export requests (the OpenTelemetry Collector's
 * kafka exporter on a logs topic, encodings otlp_proto and otlp_json), keeping the log records
 * that are GenAI `gen_ai.evaluation.result` events, and the span-event hook that collects the
 * same events from OTLP trace records (otlp.h decoders).
 *
 * Worker topic formats: `otlp_logs_proto`, `otlp_logs_json` (docs/evals.md, "Wiring").
 * Every other log record is counted and skipped. Rows go to an otlp_evq_t (otlp_event.h).
 * No Kafka, no encoding, no span rows. */
#ifndef SPANHOUSE_OTLP_LOGS_H
#define SPANHOUSE_OTLP_LOGS_H

#include <stddef.h>
#include <stdint.h>

#include "otlp.h"
#include "otlp_event.h"

/* Nesting bound of the JSON scanner (the OTLP envelope plus 3 levels per AnyValue level, as
 * otlp_json.c); AnyValue nesting in protobuf is never descended into (skipped by length). */
#define OTLP_LOGS_MAX_NEST (8 + 3 * OTLP_MAX_DEPTH)

/* Decode one ExportLogsServiceRequest (protobuf) / its OTLP/JSON form into q: calls
 * otlp_evq_begin(q, n, now_ms) first, then adds one entry per gen_ai.evaluation.result log
 * record (event_name field, or the older `event.name` attribute), valid or rejected with its
 * reason. All or nothing for the record's structure: on a non-OK return q holds nothing
 * usable. On ERR_OK, st (may be NULL) gets the record's counts (otlp_evq_end).
 * Returns ERR_OK or a POISON code (ERR_EMPTY, ERR_BAD_PROTOBUF, ERR_JSON_SYNTAX, ERR_NOT_OBJECT,
 * ERR_TOO_DEEP, ERR_BAD_UTF8, ERR_WRONG_TYPE, ERR_DUP_FIELD, ERR_BAD_ENUM) with a one-line
 * detail, or ERR_NOMEM. detail may be NULL. Strings stay valid as otlp_evq_get says. */
int otlp_logs_proto_decode(otlp_evq_t *q, const uint8_t *p, size_t n, int64_t now_ms,
                           otlp_evq_stats_t *st, char *detail, size_t detail_size);
int otlp_logs_json_decode(otlp_evq_t *q, const char *p, size_t n, int64_t now_ms,
                          otlp_evq_stats_t *st, char *detail, size_t detail_size);

/* Makes trace decoder d hand every span that has events to q, so that otlp_proto_decode /
 * otlp_json_decode also collect the spans' gen_ai.evaluation.result events with the span's
 * trace_id and span_id. q NULL detaches (the default: no cost). q must outlive the
 * attachment. The caller brackets each trace decode with otlp_evq_begin(q, n, now_ms) and,
 * if the decode returned ERR_OK, otlp_evq_end; after an error the entries are not used.
 * An event never makes the trace record fail: a malformed one is a rejected entry. */
void otlp_evq_attach(otlp_evq_t *q, otlp_dec_t *d);

#endif
