/* columns: the one table of llm_spans columns, in insert order.
 *
 * Each row: column name, modern ClickHouse type (schema/), the type with the same RowBinary
 * bytes on ClickHouse 18.16 (used by the legacy-server tests), encoder kind, span_t field.
 * The INSERT column list, the RowBinaryWithNamesAndTypes header, the DDL check and the
 * encoder are all expanded from this list, so they cannot disagree. No code here.
 *
 * Encoder kinds:  TS (Int64 ms) · STR · U32 · U16 · U8 · I32 · I64 · DEC (Int64 nano-USD)
 *                 NU32_TTFT / NF32_QUALITY (Nullable, presence from span_t.present) · MAP (attrs)
 * Legacy Map: 18.16 flattens a top-level Array(Tuple(String, String)) column into two
 * Array(String) columns (attributes.1, attributes.2: different bytes, "No such column
 * attributes"); wrapped in a one-element Tuple it is kept whole, and Tuple adds no bytes. */
#ifndef SPANHOUSE_COLUMNS_H
#define SPANHOUSE_COLUMNS_H

#define LC "LowCardinality(String)"

/* X(name, modern_type, legacy_type, kind, field) */
#define COLUMNS_MAP(X)                                                                             \
    X(timestamp, "DateTime64(3, 'UTC')", "Int64", TS, ts_ms)                                       \
    X(trace_id, "String", "String", STR, trace_id)                                                 \
    X(span_id, "String", "String", STR, span_id)                                                   \
    X(parent_span_id, "String", "String", STR, parent_span_id)                                     \
    X(request_id, "String", "String", STR, request_id)                                             \
    X(provider, LC, "String", STR, provider)                                                       \
    X(model, LC, "String", STR, model)                                                             \
    X(response_model, LC, "String", STR, response_model)                                           \
    X(operation, LC, "String", STR, operation)                                                     \
    X(endpoint, LC, "String", STR, endpoint)                                                       \
    X(feature, LC, "String", STR, feature)                                                         \
    X(prompt_template, LC, "String", STR, prompt_template)                                         \
    X(prompt_version, LC, "String", STR, prompt_version)                                           \
    X(tenant_id, LC, "String", STR, tenant_id)                                                     \
    X(team_id, LC, "String", STR, team_id)                                                         \
    X(cost_center, LC, "String", STR, cost_center)                                                 \
    X(plan_tier, LC, "String", STR, plan_tier)                                                     \
    X(user_id, "String", "String", STR, user_id)                                                   \
    X(session_id, "String", "String", STR, session_id)                                             \
    X(experiment_id, LC, "String", STR, experiment_id)                                             \
    X(api_key_id, "String", "String", STR, api_key_id)                                             \
    X(service, LC, "String", STR, service)                                                         \
    X(environment, LC, "String", STR, environment)                                                 \
    X(deploy_version, LC, "String", STR, deploy_version)                                           \
    X(input_tokens, "UInt32", "UInt32", U32, input_tokens)                                         \
    X(output_tokens, "UInt32", "UInt32", U32, output_tokens)                                       \
    X(cache_read_tokens, "UInt32", "UInt32", U32, cache_read_tokens)                               \
    X(cache_write_tokens, "UInt32", "UInt32", U32, cache_write_tokens)                             \
    X(reasoning_tokens, "UInt32", "UInt32", U32, reasoning_tokens)                                 \
    X(cache_write_1h_tokens, "UInt32", "UInt32", U32, cache_write_1h_tokens)                       \
    X(web_search_calls, "UInt32", "UInt32", U32, web_search_calls)                                 \
    X(service_tier, LC, "String", STR, service_tier)                                               \
    X(cost_usd, "Decimal(18, 9)", "Int64", DEC, cost_nusd)                                         \
    X(cost_usd_computed, "Decimal(18, 9)", "Int64", DEC, cost_computed_nusd)                       \
    X(cost_source, LC, "String", STR, cost_source)                                                 \
    X(pricing_status, LC, "String", STR, pricing_status)                                           \
    X(latency_ms, "UInt32", "UInt32", U32, latency_ms)                                             \
    X(ttft_ms, "Nullable(UInt32)", "Nullable(UInt32)", NU32_TTFT, ttft_ms)                         \
    X(streaming, "UInt8", "UInt8", U8, streaming)                                                  \
    X(cache_hit, "UInt8", "UInt8", U8, cache_hit)                                                  \
    X(is_batch, "UInt8", "UInt8", U8, is_batch)                                                    \
    X(status, LC, "String", STR, status)                                                           \
    X(error_class, LC, "String", STR, error_class)                                                 \
    X(http_status, "UInt16", "UInt16", U16, http_status)                                           \
    X(retry_count, "UInt16", "UInt16", U16, retry_count)                                           \
    X(finish_reason, LC, "String", STR, finish_reason)                                             \
    X(quality_score, "Nullable(Float32)", "Nullable(Float32)", NF32_QUALITY, quality_score)        \
    X(evaluator, LC, "String", STR, evaluator)                                                     \
    X(tenant_status, LC, "String", STR, tenant_status)                                             \
    X(attributes, "Map(String, String)", "Tuple(Array(Tuple(String, String)))", MAP, attrs)        \
    X(kafka_topic, LC, "String", STR, kafka_topic)                                                 \
    X(kafka_partition, "Int32", "Int32", I32, kafka_partition)                                     \
    X(kafka_offset, "Int64", "Int64", I64, kafka_offset)                                           \
    X(ingested_at, "DateTime64(3, 'UTC')", "Int64", TS, ingested_ms)

#endif
