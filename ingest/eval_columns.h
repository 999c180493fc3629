/* eval_columns: the column tables of llm_evals and llm_outcomes, in insert order, and their
 * RowBinary encoders (implemented in eval_rowbin.c).
 *
 * As columns.h does for llm_spans: the INSERT column list, the structure string and the row
 * encoder are expanded from one X-macro list each, so they cannot disagree with each other;
 * schema/200_llm_evals.sql and 210_llm_outcomes.sql must match (tests/unit/test_eval_chdb.c
 * checks it). Modern types only: no 18.16 support for these tables. No I/O. */
#ifndef SPANHOUSE_EVAL_COLUMNS_H
#define SPANHOUSE_EVAL_COLUMNS_H

#include "buf.h"
#include "eval.h"
#include "outcome.h"

/* Encoder kinds: TS (Int64 ms) · STR · U8 · I32 · I64 · DEC (Int64 nano) · F64
 *                NF64_SCORE / NF32_CONF (Nullable, presence from .present) */

/* X(name, type, kind, field) */
#define EVAL_COLUMNS_MAP(X)                                                                        \
    X(timestamp, "DateTime64(3, 'UTC')", TS, ts_ms)                                                \
    X(trace_id, "String", STR, trace_id)                                                           \
    X(span_id, "String", STR, span_id)                                                             \
    X(response_id, "String", STR, response_id)                                                     \
    X(evaluator, "LowCardinality(String)", STR, evaluator)                                         \
    X(evaluator_version, "LowCardinality(String)", STR, evaluator_version)                         \
    X(metric, "LowCardinality(String)", STR, metric)                                               \
    X(score, "Nullable(Float64)", NF64_SCORE, score)                                               \
    X(label, "LowCardinality(String)", STR, label)                                                 \
    X(confidence, "Nullable(Float32)", NF32_CONF, confidence)                                      \
    X(source, "LowCardinality(String)", STR, source)                                               \
    X(sample_rate, "Float64", F64, sample_rate)                                                    \
    X(explanation, "String", STR, explanation)                                                     \
    X(explanation_truncated, "UInt8", U8, explanation_truncated)                                   \
    X(kafka_topic, "LowCardinality(String)", STR, kafka_topic)                                     \
    X(kafka_partition, "Int32", I32, kafka_partition)                                              \
    X(kafka_offset, "Int64", I64, kafka_offset)                                                    \
    X(ingested_at, "DateTime64(3, 'UTC')", TS, ingested_ms)

#define OUTCOME_COLUMNS_MAP(X)                                                                     \
    X(timestamp, "DateTime64(3, 'UTC')", TS, ts_ms)                                                \
    X(trace_id, "String", STR, trace_id)                                                           \
    X(span_id, "String", STR, span_id)                                                             \
    X(event, "LowCardinality(String)", STR, event)                                                 \
    X(value, "Decimal(18, 9)", DEC, value_nano)                                                    \
    X(currency, "LowCardinality(String)", STR, currency)                                           \
    X(kafka_topic, "LowCardinality(String)", STR, kafka_topic)                                     \
    X(kafka_partition, "Int32", I32, kafka_partition)                                              \
    X(kafka_offset, "Int64", I64, kafka_offset)                                                    \
    X(ingested_at, "DateTime64(3, 'UTC')", TS, ingested_ms)

/* "timestamp, trace_id, …": INSERT column list. Static, never NULL. */
const char *eval_column_list(void);
/* "timestamp DateTime64(3, 'UTC'), …": structure for file()/input()/CREATE. Static, never
 * NULL; contains single quotes. */
const char *eval_structure(void);
/* Appends one RowBinary row for e. On buffer failure the sticky error is set and nothing of
 * the row remains: check buf_error() once per batch. */
void eval_encode(buf_t *b, const eval_t *e);

const char *outcome_column_list(void);
const char *outcome_structure(void);
void outcome_encode(buf_t *b, const outcome_t *o);

#endif
