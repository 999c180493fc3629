/* err: the one table of error codes used by every spanhouse module.
 *
 * Codes are generated from one X-macro list; each has a stable name (used as the
 * dead-letter reason code and as a metrics label), a class the worker acts on
 * (retry, poison, fatal) and a human-readable message. No state, no I/O. */
#ifndef SPANHOUSE_ERR_H
#define SPANHOUSE_ERR_H

typedef enum {
    ERR_CLASS_NONE = 0,
    ERR_CLASS_RETRY,  /* transient: try again later with backoff */
    ERR_CLASS_POISON, /* this record can never succeed: dead-letter it and go on */
    ERR_CLASS_FATAL,  /* configuration or auth: stop with a clear message */
} err_class_t;

/* X(code, reason_name, class, message) */
#define ERR_MAP(X)                                                                                 \
    X(OK, "ok", NONE, "success")                                                                   \
    X(NOMEM, "out_of_memory", RETRY, "out of memory")                                              \
    X(BUF_CAP, "buffer_cap", RETRY, "buffer size cap reached")                                     \
    X(INVAL, "invalid_argument", FATAL, "invalid argument")                                        \
    X(IO, "io_error", FATAL, "input/output error")                                                 \
    X(CONFIG, "bad_config", FATAL, "bad configuration value")                                      \
    X(JSON_SYNTAX, "json_syntax", POISON, "malformed JSON")                                        \
    X(NOT_OBJECT, "not_an_object", POISON, "message is not a JSON object")                         \
    X(TOO_DEEP, "too_deep", POISON, "nesting too deep")                                            \
    X(EMPTY, "empty_message", POISON, "empty message")                                             \
    X(OVERSIZED, "oversized_message", POISON, "message larger than the configured maximum")        \
    X(BAD_UTF8, "invalid_utf8", POISON, "string is not valid UTF-8")                               \
    X(STRING_TOO_LONG, "string_too_long", POISON, "string longer than its column allows")          \
    X(WRONG_TYPE, "wrong_type", POISON, "field has the wrong JSON type")                           \
    X(DUP_FIELD, "duplicate_field", POISON, "field given twice")                                   \
    X(MISSING_FIELD, "missing_field", POISON, "required field missing")                            \
    X(NEGATIVE, "negative_value", POISON, "negative count or duration")                            \
    X(OUT_OF_RANGE, "out_of_range", POISON, "number out of range for its column")                  \
    X(BAD_TIMESTAMP, "bad_timestamp", POISON, "timestamp cannot be parsed")                        \
    X(TS_FUTURE, "timestamp_in_future", POISON, "timestamp too far in the future")                 \
    X(TS_PAST, "timestamp_too_old", POISON, "timestamp too far in the past")                       \
    X(BAD_ENUM, "bad_enum", POISON, "value not one of the allowed words")                          \
    X(TOKENS_INCONSISTENT, "tokens_inconsistent", POISON,                                          \
      "cache tokens exceed input tokens, or reasoning tokens exceed output tokens")                \
    X(TOO_MANY_ATTRS, "too_many_attributes", POISON, "more extra attributes than allowed")         \
    X(BAD_PROTOBUF, "bad_protobuf", POISON, "malformed protobuf")                                  \
    X(SERVER_REJECTED, "server_rejected", POISON, "ClickHouse rejected the row")                   \
    X(NETWORK, "network", RETRY, "network error")                                                  \
    X(TIMEOUT, "timeout", RETRY, "timed out")                                                      \
    X(SERVER_RETRY, "server_retryable", RETRY, "ClickHouse asked to retry")                        \
    X(SERVER_FATAL, "server_fatal", FATAL, "ClickHouse refused (auth, schema)")                    \
    X(KAFKA, "kafka", RETRY, "Kafka error")                                                        \
    X(FENCED, "fence_expired", RETRY, "partition ownership not proven within fence-window")

typedef enum {
#define ERR_ENUM_(code, name, cls, msg) ERR_##code,
    ERR_MAP(ERR_ENUM_)
#undef ERR_ENUM_
        ERR__COUNT
} err_t;

/* Stable snake_case reason name, e.g. "missing_field". Never NULL. */
const char *err_name(int code);
/* Human-readable message. Never NULL. */
const char *err2str(int code);
/* What the worker should do about the error. */
err_class_t err_class(int code);

#endif
