/* Round trip of the eval and outcome encoders through the real modern engine (libchdb,
 * ClickHouse 26.x): the whole schema/ is applied, decoded records are encoded with
 * eval_encode()/outcome_encode(), inserted with chdb_insert_rowbinary() into
 * spanhouse.llm_evals / llm_outcomes, read back as RowBinary and compared byte for byte, and
 * spot-checked as text. Then spans encoded by rowbin_encode_span() land after their evals
 * and the quality aggregate shows the sample-weighted mean in the span's minute. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../ingest/chdb.h"
#include "../../ingest/err.h"
#include "../../ingest/eval.h"
#include "../../ingest/eval_columns.h"
#include "../../ingest/outcome.h"
#include "../../ingest/rowbin.h"
#include "../../ingest/schema_apply.h"

#include <time.h>

/* Records must be recent: the tables have a 30-day TTL. BASE = start of the hour 2 h ago. */
static long long BASE;

static chdb_t *db;
static char err[4096];

static int exec_cb(void *ctx, const char *sql, char *errstr, size_t errstr_size) {
    return chdb_exec(ctx, sql, NULL, NULL, NULL, errstr, errstr_size);
}

static int setup(void **st) {
    BASE = ((long long)time(NULL) / 3600 - 2) * 3600;
    db = chdb_open(NULL, err, sizeof err);
    if (!db) {
        fprintf(stderr, "chdb_open: %s\n", err);
        return -1;
    }
    if (schema_apply(exec_cb, db, "schema", "views", NULL, err, sizeof err) < 0) {
        fprintf(stderr, "schema: %s\n", err);
        return -1;
    }
    return 0;
}
static int teardown(void **st) {
    chdb_close(db);
    return 0;
}

static char *query(const char *sql, const char *fmt, size_t *len) {
    char *out = NULL;
    if (chdb_exec(db, sql, fmt, &out, len, err, sizeof err) != 0) fail_msg("%s: %s", sql, err);
    return out;
}
static void query_eq(const char *sql, const char *want) {
    char *out = query(sql, "TSV", NULL);
    if (strcmp(out, want) != 0) fail_msg("%s\n got: %s\nwant: %s", sql, out, want);
    free(out);
}
/* The structure with single quotes escaped, for use inside a SQL string literal. */
static void insert(const char *table, const char *cols, const char *structure, const buf_t *b) {
    char esc[8192];
    size_t n = 0;
    for (const char *p = structure; *p && n < sizeof esc - 2; p++) {
        if (*p == '\'') esc[n++] = '\\';
        esc[n++] = *p;
    }
    esc[n] = '\0';
    if (chdb_insert_rowbinary(db, table, cols, esc, NULL, b->data, b->len, err, sizeof err))
        fail_msg("insert %s: %s", table, err);
}
static void readback_eq(const char *table, const char *cols, const buf_t *b) {
    char sql[1024];
    size_t len = 0;
    snprintf(sql, sizeof sql, "SELECT %s FROM %s ORDER BY kafka_offset", cols, table);
    char *out = query(sql, "RowBinary", &len);
    if (len != b->len || memcmp(out, b->data, len) != 0) {
        size_t i = 0;
        while (i < len && i < b->len && (uint8_t)out[i] == b->data[i]) i++;
        fail_msg("%s: read back %zu bytes, sent %zu, first difference at %zu", table, len, b->len, i);
    }
    free(out);
}

static const char *evals_json[] = {
    "{\"ts\":%lld.5,\"trace_id\":\"T1\",\"span_id\":\"S1\",\"metric\":\"helpfulness\",\"score\":0.8,"
    "\"sample_rate\":1,\"label\":\"pass\",\"source\":\"llm_judge\",\"confidence\":0.25}",
    "{\"ts\":%lld,\"trace_id\":\"T1\",\"span_id\":\"S1\",\"metric\":\"helpfulness\",\"score\":0.4,"
    "\"sample_rate\":0.1,\"label\":\"fail\",\"evaluator\":\"Zo\\u00eb \xe6\x9d\xb1\",\"evaluator_version\":\"\"}",
    "{\"ts\":%lld,\"trace_id\":\"T2\",\"metric\":\"json_valid\",\"score\":true,\"source\":\"heuristic\"}",
    "{\"ts\":%lld,\"trace_id\":\"T3\",\"metric\":\"tone\",\"label\":\"relevant\",\"explanation\":\"tab\\t 'q' \\\\ \\n\"}",
    "{\"ts\":%lld,\"trace_id\":\"T4\",\"metric\":\"big\",\"score\":-1000000,\"sample_rate\":1e-9}",
};

static void test_eval_roundtrip(void **st) {
    eval_dec_t *d = eval_dec_new(0, err, sizeof err);
    assert_non_null(d);
    buf_t b;
    buf_init(&b, 0);
    size_t n = sizeof evals_json / sizeof evals_json[0];
    for (size_t i = 0; i < n; i++) {
        eval_t e;
        const char *f;
        char j[512];
        snprintf(j, sizeof j, evals_json[i], BASE + (long long)i);
        if (eval_decode(d, j, strlen(j), &e, &f) != ERR_OK ||
            eval_validate(NULL, &e, (int64_t)time(NULL) * 1000, &f) != ERR_OK)
            fail_msg("eval %zu rejected (%s)", i, f ? f : "?");
        e.kafka_topic = SPAN_STR_LIT("llm.evals");
        e.kafka_partition = (int32_t)i - 1;
        e.kafka_offset = (int64_t)i;
        e.ingested_ms = 1764000000000LL + (int64_t)i;
        eval_encode(&b, &e);
    }
    assert_int_equal(buf_error(&b), 0);
    insert("spanhouse.llm_evals", eval_column_list(), eval_structure(), &b);
    readback_eq("spanhouse.llm_evals", eval_column_list(), &b);
    query_eq("SELECT groupArray(toUnixTimestamp64Milli(timestamp) - toUnixTimestamp(toStartOfHour(now() - INTERVAL 2 HOUR)) * 1000) FROM (SELECT timestamp FROM spanhouse.llm_evals ORDER BY kafka_offset)",
             "[500,1000,2000,3000,4000]\n");
    query_eq("SELECT kafka_offset, span_id, evaluator, score, confidence, sample_rate, label, source, "
             "explanation FROM spanhouse.llm_evals ORDER BY kafka_offset",
             "0\tS1\t\t0.8\t0.25\t1\tpass\tllm_judge\t\n"
             "1\tS1\tZoë 東\t0.4\t\\N\t0.1\tfail\t\t\n"
             "2\t\t\t1\t\\N\t1\t\theuristic\t\n"
             "3\t\t\t\\N\t\\N\t1\trelevant\t\ttab\\t \\'q\\' \\\\ \\n\n"
             "4\t\t\t-1000000\t\\N\t1e-9\t\t\t\n");
    buf_deinit(&b);
    eval_dec_destroy(d);
}

static void test_outcome_roundtrip(void **st) {
    static const char *js[] = {
        "{\"ts\":%lld,\"trace_id\":\"T1\",\"event\":\"conversion\",\"value\":\"19.990000001\",\"currency\":\"EUR\"}",
        "{\"ts\":%lld,\"trace_id\":\"T1\",\"span_id\":\"S1\",\"event\":\"refund\",\"value\":-999999999.999999999}",
        "{\"ts\":%lld,\"trace_id\":\"T9\",\"event\":\"thumbs_down\"}",
    };
    outcome_dec_t *d = outcome_dec_new(0, err, sizeof err);
    assert_non_null(d);
    buf_t b;
    buf_init(&b, 0);
    for (size_t i = 0; i < 3; i++) {
        outcome_t o;
        const char *f;
        char j[512];
        snprintf(j, sizeof j, js[i], BASE + (long long)i);
        if (outcome_decode(d, j, strlen(j), &o, &f) != ERR_OK ||
            outcome_validate(NULL, &o, (int64_t)time(NULL) * 1000, &f) != ERR_OK)
            fail_msg("outcome %zu rejected (%s)", i, f ? f : "?");
        o.kafka_topic = SPAN_STR_LIT("llm.outcomes");
        o.kafka_offset = (int64_t)i;
        outcome_encode(&b, &o);
    }
    insert("spanhouse.llm_outcomes", outcome_column_list(), outcome_structure(), &b);
    readback_eq("spanhouse.llm_outcomes", outcome_column_list(), &b);
    query_eq("SELECT event, value, currency FROM spanhouse.llm_outcomes ORDER BY kafka_offset",
             "conversion\t19.990000001\tEUR\nrefund\t-999999999.999999999\t\nthumbs_down\t0\t\n");
    buf_deinit(&b);
    outcome_dec_destroy(d);
}

/* Spans land after the evals and outcomes above (path (b) of 220_llm_quality_1m.sql): T1/S1
 * gets both helpfulness evals in ITS minute (15:00), weighted (0.8 x 1 + 0.4 x 10) / 11;
 * the whole-trace eval of T2 and the conversion of T1 attach to the earliest span of their
 * trace (T1/S1 at H, T2/X at H+2m); the refund names T1/S1. */
static void test_quality_join(void **st) {
    static span_t s;
    buf_t b;
    buf_init(&b, 0);
    const char *ids[][2] = {{"T1", "S1"}, {"T1", "S0"}, {"T2", "X"}};
    for (int i = 0; i < 3; i++) {
        span_reset(&s);
        s.ts_ms = (BASE - 3600) * 1000 + i * 60000; /* H, H+1m, H+2m: an hour before the evals */
        s.trace_id = span_str(ids[i][0], strlen(ids[i][0]));
        s.span_id = span_str(ids[i][1], strlen(ids[i][1]));
        s.model = SPAN_STR_LIT("gpt-4o");
        s.feature = SPAN_STR_LIT("chat");
        s.kafka_offset = i;
        rowbin_encode_span(&b, &s);
    }
    insert("spanhouse.llm_spans", rowbin_column_list(), rowbin_structure(0), &b);
    query_eq("SELECT dateDiff('minute', toStartOfHour(now() - INTERVAL 3 HOUR), minute), metric, event, sum(evals), round(sum(score_wsum) / sum(score_weight), 6), "
             "sum(outcomes), sum(outcome_value) FROM spanhouse.llm_quality_1m "
             "GROUP BY minute, metric, event ORDER BY minute, metric, event",
             "0\t\tconversion\t0\tnan\t1\t19.990000001\n"
             "0\t\trefund\t0\tnan\t1\t-999999999.999999999\n"
             "0\thelpfulness\t\t2\t0.436364\t0\t0\n"
             "2\tjson_valid\t\t1\t1\t0\t0\n");
    /* T3, T4 (evals) and T9 (outcome) have no span: orphans, listed, counted nowhere. */
    query_eq("SELECT kind, trace_id, name FROM spanhouse.v_eval_orphans ORDER BY trace_id",
             "eval\tT3\ttone\neval\tT4\tbig\noutcome\tT9\tthumbs_down\n");
    buf_deinit(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eval_roundtrip),
        cmocka_unit_test(test_outcome_roundtrip),
        cmocka_unit_test(test_quality_join),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
