/* sink: the vtable dispatch, the one ClickHouse-code → error-class table, the parser for
 * "Code: N" in server messages, and the retry backoff (see sink.h).
 * No I/O here: the transports live in sink_http.c and sink_chdb.c. */
#include "sink.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

int sink_insert(sink_t *sk, const char *table, const char *columns, const char *structure,
                const void *rowbin, size_t len, const char *dedup_token, sink_result_t *res) {
    memset(res, 0, sizeof(*res));
    return sk->ops->insert(sk, table, columns, structure, rowbin, len, dedup_token, res);
}

int sink_exec(sink_t *sk, const char *sql, char **out, sink_result_t *res) {
    memset(res, 0, sizeof(*res));
    if (out) *out = NULL;
    return sk->ops->exec(sk, sql, out, res);
}

const char *sink_kind(const sink_t *sk) { return sk ? sk->ops->kind : "none"; }

void sink_destroy(sink_t *sk) {
    if (sk) sk->ops->destroy(sk);
}

/* The one table. Why each class:
 *  RETRY    the server or its environment is overloaded/unavailable; the same bytes can
 *           succeed later (the dedup token makes a retried insert harmless).
 *  REJECTED the bytes themselves cannot be parsed into the table: the same batch will fail
 *           forever, so the worker splits it to isolate the bad rows and dead-letters them.
 *           Except when the message says the server read it from another server (see
 *           sink_remote_failure): then RETRY.
 *  FATAL    configuration, credentials or schema: no batch can succeed; stop loudly
 *           (nothing is committed, nothing is lost). */
static const struct {
    int code;
    const char *name;
    int cls;
} sink_codes[] = {
    /* retry: load, limits, replication, network inside the cluster */
    {159, "TIMEOUT_EXCEEDED", ERR_SERVER_RETRY},
    {173, "CANNOT_ALLOCATE_MEMORY", ERR_SERVER_RETRY},
    {202, "TOO_MANY_SIMULTANEOUS_QUERIES", ERR_SERVER_RETRY},
    {203, "NO_FREE_CONNECTION", ERR_SERVER_RETRY},
    {209, "SOCKET_TIMEOUT", ERR_SERVER_RETRY},
    {210, "NETWORK_ERROR", ERR_SERVER_RETRY},
    {225, "NO_ZOOKEEPER", ERR_SERVER_RETRY},
    {236, "ABORTED", ERR_SERVER_RETRY},
    {241, "MEMORY_LIMIT_EXCEEDED", ERR_SERVER_RETRY},
    {242, "TABLE_IS_READ_ONLY", ERR_SERVER_RETRY},
    {243, "NOT_ENOUGH_SPACE", ERR_SERVER_RETRY},
    {252, "TOO_MANY_PARTS", ERR_SERVER_RETRY},
    {285, "TOO_FEW_LIVE_REPLICAS", ERR_SERVER_RETRY},
    {319, "UNKNOWN_STATUS_OF_INSERT", ERR_SERVER_RETRY},
    {341, "UNFINISHED", ERR_SERVER_RETRY},
    {373, "SESSION_IS_LOCKED", ERR_SERVER_RETRY},
    {394, "QUERY_WAS_CANCELLED", ERR_SERVER_RETRY},
    {425, "SYSTEM_ERROR", ERR_SERVER_RETRY},
    {439, "CANNOT_SCHEDULE_TASK", ERR_SERVER_RETRY},
    {999, "KEEPER_EXCEPTION", ERR_SERVER_RETRY},
    {354, "ZLIB_INFLATE_FAILED", ERR_SERVER_RETRY}, /* body damaged on the way: resend */
    {1000, "POCO_EXCEPTION", ERR_SERVER_RETRY},
    /* rejected: the RowBinary bytes do not fit the table */
    {3, "UNEXPECTED_END_OF_FILE", ERR_SERVER_REJECTED},
    {6, "CANNOT_PARSE_TEXT", ERR_SERVER_REJECTED},
    {26, "CANNOT_PARSE_QUOTED_STRING", ERR_SERVER_REJECTED},
    {27, "CANNOT_PARSE_INPUT_ASSERTION_FAILED", ERR_SERVER_REJECTED},
    {32, "ATTEMPT_TO_READ_AFTER_EOF", ERR_SERVER_REJECTED},
    {33, "CANNOT_READ_ALL_DATA", ERR_SERVER_REJECTED},
    {38, "CANNOT_PARSE_DATE", ERR_SERVER_REJECTED},
    {41, "CANNOT_PARSE_DATETIME", ERR_SERVER_REJECTED},
    {53, "TYPE_MISMATCH", ERR_SERVER_REJECTED},
    {69, "ARGUMENT_OUT_OF_BOUND", ERR_SERVER_REJECTED},
    {70, "CANNOT_CONVERT_TYPE", ERR_SERVER_REJECTED},
    {72, "CANNOT_PARSE_NUMBER", ERR_SERVER_REJECTED},
    {117, "INCORRECT_DATA", ERR_SERVER_REJECTED},
    {128, "TOO_LARGE_ARRAY_SIZE", ERR_SERVER_REJECTED},
    {131, "TOO_LARGE_STRING_SIZE", ERR_SERVER_REJECTED},
    {190, "SIZES_OF_ARRAYS_DOESNT_MATCH", ERR_SERVER_REJECTED},
    {349, "CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN", ERR_SERVER_REJECTED},
    {469, "VIOLATED_CONSTRAINT", ERR_SERVER_REJECTED}, /* a table CONSTRAINT refuses some rows */
    /* fatal: credentials, permissions, schema, configuration */
    {8, "THERE_IS_NO_COLUMN", ERR_SERVER_FATAL},
    {10, "NOT_FOUND_COLUMN_IN_BLOCK", ERR_SERVER_FATAL},
    {16, "NO_SUCH_COLUMN_IN_TABLE", ERR_SERVER_FATAL},
    {47, "UNKNOWN_IDENTIFIER", ERR_SERVER_FATAL},
    {50, "UNKNOWN_TYPE", ERR_SERVER_FATAL},
    {60, "UNKNOWN_TABLE", ERR_SERVER_FATAL},
    {62, "SYNTAX_ERROR", ERR_SERVER_FATAL},
    {73, "UNKNOWN_FORMAT", ERR_SERVER_FATAL},
    {81, "UNKNOWN_DATABASE", ERR_SERVER_FATAL},
    {89, "UNKNOWN_COMPRESSION_METHOD", ERR_SERVER_FATAL}, /* zstd/lz4 sent to 18.16 */
    {115, "UNKNOWN_SETTING", ERR_SERVER_FATAL},
    {164, "READONLY", ERR_SERVER_FATAL},
    {192, "UNKNOWN_USER", ERR_SERVER_FATAL},
    {193, "WRONG_PASSWORD", ERR_SERVER_FATAL},
    {194, "REQUIRED_PASSWORD", ERR_SERVER_FATAL},
    {195, "IP_ADDRESS_NOT_ALLOWED", ERR_SERVER_FATAL},
    {497, "ACCESS_DENIED", ERR_SERVER_FATAL},
    {516, "AUTHENTICATION_FAILED", ERR_SERVER_FATAL},
};

int sink_code_class(int ch_code) {
    for (size_t i = 0; i < sizeof(sink_codes) / sizeof(sink_codes[0]); i++)
        if (sink_codes[i].code == ch_code) return sink_codes[i].cls;
    return ERR_OK;
}

const char *sink_code_name(int ch_code) {
    for (size_t i = 0; i < sizeof(sink_codes) / sizeof(sink_codes[0]); i++)
        if (sink_codes[i].code == ch_code) return sink_codes[i].name;
    return NULL;
}

int sink_classify(int ch_code, int http_status) {
    int cls = ch_code ? sink_code_class(ch_code) : ERR_OK;
    if (cls != ERR_OK) return cls;
    /* Unknown or missing code: decide by transport status. An unknown code under a 5xx (or
     * with no HTTP at all) is treated as transient: the worker bounds its retries. A 4xx is
     * a request the server will never accept (bad URL, auth, bad parameter): fatal. */
    if (http_status == 408 || http_status == 429) return ERR_SERVER_RETRY;
    /* 413 (a proxy's body limit): this body can never pass, a smaller one may. The worker
     * splits the batch like a data error; a single row still refused is dead-lettered. */
    if (http_status == 413) return ERR_SERVER_REJECTED;
    if (http_status >= 400 && http_status < 500) return ERR_SERVER_FATAL;
    return ERR_SERVER_RETRY;
}

int sink_parse_code(const char *msg, size_t len) {
    static const char key[] = "Code: ";
    const size_t kn = sizeof(key) - 1;
    for (size_t i = 0; i + kn < len; i++) {
        if (memcmp(msg + i, key, kn) != 0) continue;
        size_t j = i + kn;
        long v = 0;
        size_t d = 0;
        while (j < len && isdigit((unsigned char)msg[j]) && d < 6) {
            v = v * 10 + (msg[j] - '0');
            j++;
            d++;
        }
        if (d > 0 && d < 6 && (j == len || msg[j] == '.' || msg[j] == ',')) return (int)v;
    }
    return 0;
}

/* Whether msg reports a failure on the server's own connection to another server (a
 * Distributed insert's shard, a replica): ClickHouse appends "while receiving packet from
 * HOST:PORT" to what it read from that peer. A data-error code there is about the peer's
 * stream, not our bytes, and the insert may be partly stored on other shards: it must be
 * retried as it was sent (the shards' deduplication drops the parts they hold), never split
 * into smaller inserts, which the shards would take for new data. */
static int sink_remote_failure(const char *msg, size_t len) {
    static const char mark[] = "while receiving packet from ";
    return memmem(msg, len, mark, sizeof(mark) - 1) != NULL;
}

int sink_result_from_message(sink_result_t *res, const char *msg, size_t len, int http_status) {
    if (!res->ch_code) res->ch_code = sink_parse_code(msg, len);
    res->http_status = http_status;
    while (len > 0 && isspace((unsigned char)msg[len - 1]))
        len--;
    while (len > 0 && isspace((unsigned char)*msg))
        msg++, len--;
    size_t n = len < sizeof(res->msg) - 1 ? len : sizeof(res->msg) - 1;
    memcpy(res->msg, msg, n);
    res->msg[n] = 0;
    for (size_t i = 0; i < n; i++) /* one log line: no raw control bytes */
        if ((unsigned char)res->msg[i] < 0x20) res->msg[i] = ' ';
    res->err = sink_classify(res->ch_code, http_status);
    if (res->err == ERR_SERVER_REJECTED && sink_remote_failure(msg, len))
        res->err = ERR_SERVER_RETRY;
    return res->err;
}

/* ---- backoff ---- */

void sink_backoff_init(sink_backoff_t *b, uint64_t base_ms, uint64_t cap_ms, uint64_t seed) {
    b->base_ms = base_ms ? base_ms : 100;
    b->cap_ms = cap_ms ? cap_ms : 30000;
    if (b->cap_ms < b->base_ms) b->cap_ms = b->base_ms;
    b->attempt = 0;
    b->rng = seed ? seed : 0x9E3779B97F4A7C15ull;
}

static uint64_t sink_rng_next(uint64_t *s) { /* xorshift64* */
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

uint64_t sink_backoff_next(sink_backoff_t *b) {
    uint64_t ceil = b->base_ms;
    for (uint32_t i = 0; i < b->attempt && ceil < b->cap_ms; i++)
        ceil *= 2;
    if (ceil > b->cap_ms) ceil = b->cap_ms;
    if (b->attempt < UINT32_MAX) b->attempt++;
    return sink_rng_next(&b->rng) % (ceil + 1);
}

void sink_backoff_reset(sink_backoff_t *b) { b->attempt = 0; }
