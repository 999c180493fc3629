/* Unit tests for OTLP evaluation results (otlp_event.c, otlp_logs.c): the SDK-made vectors
 * (tests/otel/gen_eval_vectors.mjs) must give exactly the rows of expected_evals_*.tsv, field
 * by field, as span events (with the hook in the trace decoders) and as log records, in
 * protobuf, SDK JSON and Collector JSON; every rejection reason; record-level errors; overflow;
 * span events never failing a trace record; the rows encode with eval_encode. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../ingest/buf.h"
#include "../../ingest/csv.h"
#include "../../ingest/err.h"
#include "../../ingest/eval_columns.h"
#include "../../ingest/otlp.h"
#include "../../ingest/otlp_logs.h"
#include "../otel/eval_row.h"

#define VEC "tests/otel/vectors/"
#define T0_MS 1763990000000LL
#define NOW (T0_MS + 86400000LL)

/* The project's whole-file reader (NUL-terminated); NULL when the file cannot be read. */
static char *read_file(const char *path, size_t *n) {
    char *b;
    return csv_read_file(path, &b, n, NULL, 0) < 0 ? NULL : b;
}

static int count_spans(void *ctx, span_t *s) {
    (void)s;
    (*(int *)ctx)++;
    return 0;
}

typedef enum { M_TRACE_PB, M_TRACE_JSON, M_LOGS_PB, M_LOGS_JSON } mode_t_;

/* Decodes p with q (attaching q to a trace decoder for the trace modes). */
static int run(otlp_evq_t *q, mode_t_ m, const void *p, size_t n, otlp_evq_stats_t *st,
               int *nspans) {
    char detail[256];
    int spans = 0, rc;
    if (m == M_LOGS_PB) return otlp_logs_proto_decode(q, p, n, NOW, st, detail, sizeof(detail));
    if (m == M_LOGS_JSON) return otlp_logs_json_decode(q, p, n, NOW, st, detail, sizeof(detail));
    otlp_dec_t *d = otlp_dec_new(NULL, NULL, 0);
    assert_non_null(d);
    otlp_evq_attach(q, d);
    assert_int_equal(otlp_evq_begin(q, m == M_TRACE_JSON ? n : 0, NOW), ERR_OK);
    rc = m == M_TRACE_JSON ? otlp_json_decode(d, p, n, count_spans, &spans, NULL, detail, 256)
                           : otlp_proto_decode(d, p, n, count_spans, &spans, NULL, detail, 256);
    if (rc == ERR_OK) otlp_evq_end(q, st);
    otlp_dec_destroy(d);
    if (nspans) *nspans = spans;
    return rc;
}

static void check_vector(const char *file, mode_t_ m, const char *expected) {
    size_t n, en;
    char *data = read_file(file, &n);
    char *exp = read_file(expected, &en);
    assert_non_null(data);
    assert_non_null(exp);
    otlp_evq_t *q = otlp_evq_new(0, NULL, NULL, 0);
    assert_non_null(q);
    otlp_evq_stats_t st = {0};
    assert_int_equal(run(q, m, data, n, &st, NULL), ERR_OK);
    /* Counts line, header line, then the rows (an explanation may hold a newline). */
    char counts[256];
    snprintf(counts, sizeof(counts),
             "# events_seen=%llu evals_ok=%llu evals_rejected=%llu events_other=%llu\n",
             (unsigned long long)st.events_seen, (unsigned long long)st.evals_ok,
             (unsigned long long)st.evals_rejected, (unsigned long long)st.events_other);
    assert_memory_equal(exp, counts, strlen(counts));
    char *rows = strchr(exp + strlen(counts), '\n') + 1;
    assert_memory_equal(exp + strlen(counts), EVAL_ROW_HEADER "\n", strlen(EVAL_ROW_HEADER) + 1);
    size_t cap = en + 65536, used = 0;
    char *got = malloc(cap);
    for (size_t i = 0; i < otlp_evq_count(q); i++) {
        used += eval_row(otlp_evq_get(q, i), got + used, cap - used);
        got[used++] = '\n';
    }
    got[used] = 0;
    assert_string_equal(got, rows);
    /* Every accepted row encodes (the same encoder as the flat eval topic). */
    buf_t b;
    buf_init(&b, 0);
    for (size_t i = 0; i < otlp_evq_count(q); i++)
        if (otlp_evq_get(q, i)->rc == ERR_OK) eval_encode(&b, &otlp_evq_get(q, i)->e);
    assert_int_equal(buf_error(&b), ERR_OK);
    assert_true(b.len > 0 || st.evals_ok == 0);
    buf_deinit(&b);
    free(got);
    otlp_evq_destroy(q);
    free(data);
    free(exp);
}

static void test_vectors_trace(void **state) {
    (void)state;
    check_vector(VEC "eval_trace.pb", M_TRACE_PB, VEC "expected_evals_trace.tsv");
    check_vector(VEC "eval_trace.json", M_TRACE_JSON, VEC "expected_evals_trace.tsv");
    check_vector(VEC "eval_trace_collector.json", M_TRACE_JSON, VEC "expected_evals_trace.tsv");
}

static void test_vectors_logs(void **state) {
    (void)state;
    check_vector(VEC "eval_logs.pb", M_LOGS_PB, VEC "expected_evals_logs.tsv");
    check_vector(VEC "eval_logs.json", M_LOGS_JSON, VEC "expected_evals_logs.tsv");
    check_vector(VEC "eval_logs_collector.json", M_LOGS_JSON, VEC "expected_evals_logs.tsv");
}

/* Field-level look at the first log-record eval: types, presence bits, defaults. */
static void test_fields(void **state) {
    (void)state;
    size_t n;
    char *data = read_file(VEC "eval_logs.pb", &n);
    assert_non_null(data);
    otlp_evq_t *q = otlp_evq_new(0, NULL, NULL, 0);
    assert_int_equal(run(q, M_LOGS_PB, data, n, NULL, NULL), ERR_OK);
    const otlp_eval_t *ev = otlp_evq_get(q, 0);
    assert_int_equal(ev->rc, ERR_OK);
    assert_int_equal(ev->e.ts_ms, T0_MS + 60000);
    assert_true(span_str_eq(ev->e.trace_id, "0af7651916cd43dd8448eb211c803101"));
    assert_true(span_str_eq(ev->e.span_id, "b7ad6b7169203302"));
    assert_true(span_str_eq(ev->e.metric, "groundedness"));
    assert_true(ev->e.present & EVAL_HAS_SCORE);
    assert_true(ev->e.score == 0.92);
    assert_true(span_str_eq(ev->e.label, "grounded"));
    assert_true(span_str_eq(ev->e.source, "llm_judge"));
    assert_true(ev->e.sample_rate == 0.1);
    assert_false(ev->e.present & EVAL_HAS_CONFIDENCE);
    assert_true(span_str_eq(ev->e.evaluator, "llm-judge"));
    assert_true(span_str_eq(ev->e.evaluator_version, "3.1.0"));
    assert_true(span_str_eq(ev->response_id, "chatcmpl-9x8y7z"));
    /* Strings of the protobuf form are slices of the payload (zero-copy). */
    assert_true(ev->e.metric.p >= data && ev->e.metric.p < data + n);
    assert_null(otlp_evq_get(q, otlp_evq_count(q)));
    otlp_evq_destroy(q);
    free(data);
}

/* ---- hand-made protobuf ---- */

typedef struct pbw_s {
    uint8_t b[8192];
    size_t n;
} pbw_t;

static void pw_varint(pbw_t *w, uint64_t v) {
    while (v >= 0x80) {
        w->b[w->n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    w->b[w->n++] = (uint8_t)v;
}
static void pw_bytes(pbw_t *w, uint32_t field, const void *p, size_t n) {
    pw_varint(w, (uint64_t)field << 3 | 2);
    pw_varint(w, n);
    memcpy(w->b + w->n, p, n);
    w->n += n;
}
static void pw_str(pbw_t *w, uint32_t field, const char *s) { pw_bytes(w, field, s, strlen(s)); }
static void pw_msg(pbw_t *w, uint32_t field, const pbw_t *m) { pw_bytes(w, field, m->b, m->n); }
static void pw_fixed64(pbw_t *w, uint32_t field, uint64_t v) {
    pw_varint(w, (uint64_t)field << 3 | 1);
    memcpy(w->b + w->n, &v, 8);
    w->n += 8;
}
/* KeyValue with a string / int / double value. */
static void pw_kv_str(pbw_t *w, uint32_t field, const char *k, const char *v) {
    pbw_t kv = {.n = 0}, av = {.n = 0};
    pw_str(&av, 1, v);
    pw_str(&kv, 1, k);
    pw_msg(&kv, 2, &av);
    pw_msg(w, field, &kv);
}
static void pw_kv_int(pbw_t *w, uint32_t field, const char *k, int64_t v) {
    pbw_t kv = {.n = 0}, av = {.n = 0};
    pw_varint(&av, 3 << 3 | 0);
    pw_varint(&av, (uint64_t)v);
    pw_str(&kv, 1, k);
    pw_msg(&kv, 2, &av);
    pw_msg(w, field, &kv);
}
static void pw_kv_dbl(pbw_t *w, uint32_t field, const char *k, double v) {
    pbw_t kv = {.n = 0}, av = {.n = 0};
    uint64_t u;
    memcpy(&u, &v, 8);
    pw_fixed64(&av, 4, u);
    pw_str(&kv, 1, k);
    pw_msg(&kv, 2, &av);
    pw_msg(w, field, &kv);
}

static const uint8_t TID[16] = {0x0a, 0xf7, 0x65, 0x19, 0x16, 0xcd, 0x43, 0xdd,
                                0x84, 0x48, 0xeb, 0x21, 0x1c, 0x80, 0x31, 0x01};
static const uint8_t SID[8] = {0xb7, 0xad, 0x6b, 0x71, 0x69, 0x20, 0x33, 0x02};

/* A LogRecord with event_name, times, ids and a metric; extra attributes added by fn. */
static void pw_log(pbw_t *req, void (*extra)(pbw_t *lr), int with_ts) {
    pbw_t lr = {.n = 0}, sl = {.n = 0}, rl = {.n = 0};
    if (with_ts) pw_fixed64(&lr, 1, (uint64_t)(T0_MS + 5000) * 1000000u);
    pw_kv_str(&lr, 6, "gen_ai.evaluation.name", "relevance");
    if (extra) extra(&lr);
    pw_bytes(&lr, 9, TID, 16);
    pw_bytes(&lr, 10, SID, 8);
    pw_str(&lr, 12, "gen_ai.evaluation.result");
    pw_msg(&sl, 2, &lr);
    pw_msg(&rl, 2, &sl);
    pw_msg(req, 1, &rl);
}

static int one_log(void (*extra)(pbw_t *), int with_ts, const char **field) {
    pbw_t req = {.n = 0};
    pw_log(&req, extra, with_ts);
    otlp_evq_t *q = otlp_evq_new(0, NULL, NULL, 0);
    assert_int_equal(otlp_logs_proto_decode(q, req.b, req.n, NOW, NULL, NULL, 0), ERR_OK);
    assert_int_equal(otlp_evq_count(q), 1);
    int rc = otlp_evq_get(q, 0)->rc;
    static char fieldbuf[64];
    const char *f = otlp_evq_get(q, 0)->field;
    snprintf(fieldbuf, sizeof(fieldbuf), "%s", f ? f : "");
    *field = fieldbuf;
    otlp_evq_destroy(q);
    return rc;
}

static void x_dup(pbw_t *lr) { pw_kv_str(lr, 6, "gen_ai.evaluation.name", "again"); }
static void x_metric_int(pbw_t *lr) { (void)lr; }
static void x_score_str(pbw_t *lr) { pw_kv_str(lr, 6, "gen_ai.evaluation.score.value", "0.5"); }
static void x_score_big(pbw_t *lr) { pw_kv_dbl(lr, 6, "gen_ai.evaluation.score.value", 1e7); }
static void x_score_nan(pbw_t *lr) {
    pw_kv_dbl(lr, 6, "gen_ai.evaluation.score.value", __builtin_nan(""));
}
static void x_conf(pbw_t *lr) { pw_kv_dbl(lr, 6, "spanhouse.eval.confidence", 1.5); }
static void x_rate(pbw_t *lr) { pw_kv_int(lr, 6, "spanhouse.eval.sample_rate", 0); }
static void x_source(pbw_t *lr) { pw_kv_str(lr, 6, "spanhouse.eval.source", "robot"); }
static void x_utf8(pbw_t *lr) { pw_kv_str(lr, 6, "gen_ai.evaluation.score.label", "\xc3\x28"); }
static void x_long_label(pbw_t *lr) {
    char s[400];
    memset(s, 'a', sizeof(s) - 1);
    s[sizeof(s) - 1] = 0;
    pw_kv_str(lr, 6, "gen_ai.evaluation.score.label", s);
}
static void x_label_int(pbw_t *lr) { pw_kv_int(lr, 6, "gen_ai.evaluation.score.label", 3); }
static void x_ok_int(pbw_t *lr) { pw_kv_int(lr, 6, "gen_ai.evaluation.score.value", 3); }

static void test_reject_reasons(void **state) {
    (void)state;
    const char *f;
    assert_int_equal(one_log(x_ok_int, 1, &f), ERR_OK);
    assert_int_equal(one_log(NULL, 0, &f), ERR_MISSING_FIELD);
    assert_string_equal(f, "timestamp");
    assert_int_equal(one_log(x_dup, 1, &f), ERR_DUP_FIELD);
    assert_string_equal(f, "gen_ai.evaluation.name");
    (void)x_metric_int;
    assert_int_equal(one_log(x_score_str, 1, &f), ERR_WRONG_TYPE);
    assert_string_equal(f, "score");
    assert_int_equal(one_log(x_score_big, 1, &f), ERR_OUT_OF_RANGE);
    assert_string_equal(f, "score");
    assert_int_equal(one_log(x_score_nan, 1, &f), ERR_OUT_OF_RANGE);
    assert_int_equal(one_log(x_conf, 1, &f), ERR_OUT_OF_RANGE);
    assert_string_equal(f, "confidence");
    assert_int_equal(one_log(x_rate, 1, &f), ERR_OUT_OF_RANGE);
    assert_string_equal(f, "sample_rate");
    assert_int_equal(one_log(x_source, 1, &f), ERR_BAD_ENUM);
    assert_string_equal(f, "source");
    assert_int_equal(one_log(x_utf8, 1, &f), ERR_BAD_UTF8);
    assert_string_equal(f, "label");
    assert_int_equal(one_log(x_long_label, 1, &f), ERR_STRING_TOO_LONG);
    assert_string_equal(f, "label");
    assert_int_equal(one_log(x_label_int, 1, &f), ERR_WRONG_TYPE);
    assert_string_equal(f, "label");
}

/* Timestamp window of eval_validate. */
static void test_reject_time(void **state) {
    (void)state;
    static const char *tpl =
        "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"timeUnixNano\":\"%lld\","
        "\"eventName\":\"gen_ai.evaluation.result\",\"traceId\":\"%s\",\"spanId\":\"b7ad6b7169203302\","
        "\"attributes\":[{\"key\":\"gen_ai.evaluation.name\",\"value\":{\"stringValue\":\"m\"}}]}]}]}]}";
    char buf[1024];
    otlp_evq_t *q = otlp_evq_new(0, NULL, NULL, 0);
    struct {
        long long ns;
        const char *tid;
        int rc;
        const char *field;
    } cases[] = {
        {(NOW + 3600000LL) * 1000000LL, "0af7651916cd43dd8448eb211c803101", ERR_TS_FUTURE, "timestamp"},
        {(NOW - 401LL * 86400000LL) * 1000000LL, "0af7651916cd43dd8448eb211c803101", ERR_TS_PAST, "timestamp"},
        {T0_MS * 1000000LL, "0AF7651916CD43DD8448EB211C803101", ERR_OK, NULL},
        {T0_MS * 1000000LL, "0af7651916cd43dd8448eb211c80310", ERR_WRONG_TYPE, "trace_id"},
        {T0_MS * 1000000LL, "zzf7651916cd43dd8448eb211c803101", ERR_WRONG_TYPE, "trace_id"},
        {T0_MS * 1000000LL, "00000000000000000000000000000000", ERR_MISSING_FIELD, "trace_id"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int n = snprintf(buf, sizeof(buf), tpl, cases[i].ns, cases[i].tid);
        assert_int_equal(otlp_logs_json_decode(q, buf, (size_t)n, NOW, NULL, NULL, 0), ERR_OK);
        assert_int_equal(otlp_evq_count(q), 1);
        assert_int_equal(otlp_evq_get(q, 0)->rc, cases[i].rc);
        if (cases[i].field) assert_string_equal(otlp_evq_get(q, 0)->field, cases[i].field);
        if (cases[i].rc == ERR_OK)
            assert_true(span_str_eq(otlp_evq_get(q, 0)->e.trace_id, "0af7651916cd43dd8448eb211c803101"));
    }
    otlp_evq_destroy(q);
}

/* Record-level errors: the whole record is refused, nothing counted. */
static void test_record_errors(void **state) {
    (void)state;
    otlp_evq_t *q = otlp_evq_new(0, NULL, NULL, 0);
    otlp_evq_stats_t st = {0};
    char detail[128];
    struct {
        const char *json;
        int rc;
    } js[] = {
        {"", ERR_EMPTY},
        {"   ", ERR_EMPTY},
        {"[1]", ERR_NOT_OBJECT},
        {"{\"resourceLogs\":[", ERR_JSON_SYNTAX},
        {"{\"resourceLogs\":[]} x", ERR_JSON_SYNTAX},
        {"{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"attributes\":[{\"key\":\"a\","
         "\"value\":{\"stringValue\":\"x\",\"intValue\":1}}]}]}]}]}",
         ERR_DUP_FIELD},
        {"{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"attributes\":[{\"key\":\"a\","
         "\"value\":{\"intValue\":\"1x\"}}]}]}]}]}",
         ERR_WRONG_TYPE},
        {"{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"timeUnixNano\":-1}]}]}]}",
         ERR_OUT_OF_RANGE},
        {"{\"a\":\"\xff\"}", ERR_BAD_UTF8},
        {"{\"a\":\"\\ud800\"}", ERR_BAD_UTF8},
    };
    for (size_t i = 0; i < sizeof(js) / sizeof(js[0]); i++) {
        int rc = otlp_logs_json_decode(q, js[i].json, strlen(js[i].json), NOW, &st, detail,
                                       sizeof(detail));
        assert_int_equal(rc, js[i].rc);
        assert_true(detail[0] != 0);
    }
    /* Nesting past OTLP_LOGS_MAX_NEST. */
    char deep[512];
    size_t n = 0;
    n += (size_t)snprintf(deep, sizeof(deep), "{\"x\":");
    for (int i = 0; i < 100; i++) deep[n++] = '[';
    for (int i = 0; i < 100; i++) deep[n++] = ']';
    deep[n++] = '}';
    assert_int_equal(otlp_logs_json_decode(q, deep, n, NOW, &st, detail, sizeof(detail)),
                     ERR_TOO_DEEP);
    /* Protobuf: truncated, wrong wire type, a good record followed by garbage. */
    pbw_t req = {.n = 0};
    pw_log(&req, NULL, 1);
    assert_int_equal(otlp_logs_proto_decode(q, req.b, req.n - 1, NOW, &st, detail, sizeof(detail)),
                     ERR_BAD_PROTOBUF);
    req.b[req.n++] = 0xff;
    assert_int_equal(otlp_logs_proto_decode(q, req.b, req.n, NOW, &st, detail, sizeof(detail)),
                     ERR_BAD_PROTOBUF);
    uint8_t wt[] = {0x08, 0x01}; /* resource_logs as a varint */
    assert_int_equal(otlp_logs_proto_decode(q, wt, sizeof(wt), NOW, &st, detail, sizeof(detail)),
                     ERR_BAD_PROTOBUF);
    assert_int_equal(otlp_logs_proto_decode(q, NULL, 0, NOW, &st, detail, sizeof(detail)),
                     ERR_EMPTY);
    /* No failed record added a count. */
    assert_int_equal(st.events_seen, 0);
    assert_int_equal(st.evals_ok + st.evals_rejected, 0);
    otlp_evq_destroy(q);
}

/* Non-evaluation records are counted and skipped; event.name is the older marker. */
static void test_other_and_marker(void **state) {
    (void)state;
    const char *j =
        "{\"resourceLogs\":[{\"scopeLogs\":[{\"scope\":{\"name\":\"s\"},\"logRecords\":["
        "{\"eventName\":\"gen_ai.choice\",\"timeUnixNano\":\"1763990000000000000\"},"
        "{\"body\":{\"stringValue\":\"plain log\"}},"
        "{\"attributes\":[{\"key\":\"gen_ai.evaluation.name\",\"value\":{\"stringValue\":\"m\"}},"
        "{\"key\":\"event.name\",\"value\":{\"stringValue\":\"gen_ai.evaluation.result\"}}],"
        "\"observedTimeUnixNano\":1763990000000000000,\"traceId\":\"0af7651916cd43dd8448eb211c803101\"}"
        "]}],\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"svc\"}}]}}]}";
    otlp_evq_t *q = otlp_evq_new(0, NULL, NULL, 0);
    otlp_evq_stats_t st = {0};
    assert_int_equal(otlp_logs_json_decode(q, j, strlen(j), NOW, &st, NULL, 0), ERR_OK);
    assert_int_equal(st.events_seen, 3);
    assert_int_equal(st.events_other, 2);
    assert_int_equal(st.evals_ok, 1);
    assert_int_equal(otlp_evq_count(q), 1);
    const otlp_eval_t *ev = otlp_evq_get(q, 0);
    assert_int_equal(ev->rc, ERR_OK);
    assert_int_equal(ev->e.ts_ms, T0_MS); /* observed time when there is no time */
    assert_int_equal(ev->e.span_id.n, 0); /* no span: the eval scores the whole trace */
    assert_true(span_str_eq(ev->e.evaluator, "s"));
    /* Without a scope name the resource's service.name is the evaluator. */
    const char *j2 =
        "{\"resourceLogs\":[{\"resource\":{\"attributes\":[{\"value\":{\"stringValue\":\"svc\"},"
        "\"key\":\"service.name\"}]},\"scopeLogs\":[{\"logRecords\":[{\"eventName\":"
        "\"gen_ai.evaluation.result\",\"timeUnixNano\":1763990000000000000,\"traceId\":"
        "\"0af7651916cd43dd8448eb211c803101\",\"attributes\":[{\"key\":\"gen_ai.evaluation.name\","
        "\"value\":{\"stringValue\":\"a\\u00e9\\ud83d\\ude00\"}}]}]}]}]}";
    assert_int_equal(otlp_logs_json_decode(q, j2, strlen(j2), NOW, NULL, NULL, 0), ERR_OK);
    ev = otlp_evq_get(q, 0);
    assert_int_equal(ev->rc, ERR_OK);
    assert_true(span_str_eq(ev->e.evaluator, "svc"));
    assert_true(span_str_eq(ev->e.metric, "a\xc3\xa9\xf0\x9f\x98\x80")); /* escapes decoded */
    /* The scope after the records (read again once the scope is known). */
    const char *j3 =
        "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"eventName\":"
        "\"gen_ai.evaluation.result\",\"timeUnixNano\":1763990000000000000,\"traceId\":"
        "\"0af7651916cd43dd8448eb211c803101\",\"attributes\":[{\"key\":\"gen_ai.evaluation.name\","
        "\"value\":{\"stringValue\":\"m\"}}]}],\"scope\":{\"version\":\"9\",\"name\":\"late\"}}]}]}";
    assert_int_equal(otlp_logs_json_decode(q, j3, strlen(j3), NOW, NULL, NULL, 0), ERR_OK);
    assert_int_equal(otlp_evq_count(q), 1);
    ev = otlp_evq_get(q, 0);
    assert_true(span_str_eq(ev->e.evaluator, "late"));
    assert_true(span_str_eq(ev->e.evaluator_version, "9"));
    otlp_evq_destroy(q);
}

/* More evaluation events than max_evals: kept up to the bound, the rest counted as overflow. */
static void test_overflow(void **state) {
    (void)state;
    pbw_t req = {.n = 0};
    for (int i = 0; i < 3; i++) pw_log(&req, NULL, 1);
    otlp_evq_t *q = otlp_evq_new(2, NULL, NULL, 0);
    otlp_evq_stats_t st = {0};
    assert_int_equal(otlp_logs_proto_decode(q, req.b, req.n, NOW, &st, NULL, 0), ERR_OK);
    assert_int_equal(otlp_evq_count(q), 2);
    assert_int_equal(otlp_evq_overflow(q), 1);
    assert_int_equal(st.evals_ok, 2);
    assert_int_equal(st.evals_rejected, 1);
    otlp_evq_destroy(q);
    char err[64];
    assert_null(otlp_evq_new(OTLP_EVQ_LIMIT + 1, NULL, err, sizeof(err)));
    assert_true(err[0] != 0);
    otlp_evq_destroy(NULL);
}

/* A malformed evaluation span event never fails the trace record: the spans are emitted as
 * without the hook, the event is rejected, and the following event is still found. */
static void test_span_event_never_fails_trace(void **state) {
    (void)state;
    const char *j =
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":\"chat\",\"traceId\":"
        "\"0af7651916cd43dd8448eb211c803101\",\"spanId\":\"b7ad6b7169203302\","
        "\"startTimeUnixNano\":\"1763990000000000000\",\"endTimeUnixNano\":\"1763990001000000000\","
        "\"attributes\":[{\"key\":\"gen_ai.operation.name\",\"value\":{\"stringValue\":\"chat\"}}],"
        "\"events\":[{\"attributes\":[{\"key\":\"gen_ai.evaluation.score.value\",\"value\":"
        "{\"intValue\":\"x1\"}}],\"name\":\"gen_ai.evaluation.result\",\"timeUnixNano\":"
        "\"1763990002000000000\"},{\"name\":\"gen_ai.evaluation.result\",\"timeUnixNano\":"
        "\"1763990003000000000\",\"attributes\":[{\"key\":\"gen_ai.evaluation.name\",\"value\":"
        "{\"stringValue\":\"ok\"}}]}]}]}]}]}";
    otlp_evq_t *q = otlp_evq_new(0, NULL, NULL, 0);
    otlp_evq_stats_t st = {0};
    int spans = 0;
    assert_int_equal(run(q, M_TRACE_JSON, j, strlen(j), &st, &spans), ERR_OK);
    assert_int_equal(spans, 1);
    assert_int_equal(otlp_evq_count(q), 2);
    assert_int_equal(otlp_evq_get(q, 0)->rc, ERR_WRONG_TYPE);
    assert_string_equal(otlp_evq_get(q, 0)->field, "attributes");
    assert_int_equal(otlp_evq_get(q, 1)->rc, ERR_OK);
    assert_true(span_str_eq(otlp_evq_get(q, 1)->e.span_id, "b7ad6b7169203302"));
    assert_int_equal(otlp_evq_get(q, 1)->e.ts_ms, T0_MS + 3000);

    /* Events before the ids in the span object: the ids still reach the eval. */
    const char *j2 =
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"events\":[{\"name\":"
        "\"gen_ai.evaluation.result\",\"timeUnixNano\":1763990003000000000,\"attributes\":[{\"key\":"
        "\"gen_ai.evaluation.name\",\"value\":{\"stringValue\":\"late_ids\"}}]}],\"spanId\":"
        "\"B7AD6B7169203302\",\"traceId\":\"0af7651916cd43dd8448eb211c803101\",\"attributes\":[{"
        "\"key\":\"gen_ai.operation.name\",\"value\":{\"stringValue\":\"chat\"}}]}]}]}]}";
    assert_int_equal(run(q, M_TRACE_JSON, j2, strlen(j2), NULL, &spans), ERR_OK);
    assert_int_equal(otlp_evq_count(q), 1);
    assert_int_equal(otlp_evq_get(q, 0)->rc, ERR_OK);
    assert_true(span_str_eq(otlp_evq_get(q, 0)->e.span_id, "b7ad6b7169203302"));
    assert_true(span_str_eq(otlp_evq_get(q, 0)->e.metric, "late_ids"));

    /* Protobuf: an event whose attribute has a bad wire type. */
    pbw_t ev = {.n = 0}, bad = {.n = 0}, sp = {.n = 0}, ss = {.n = 0}, rs = {.n = 0},
          req = {.n = 0};
    pw_fixed64(&ev, 1, (uint64_t)(T0_MS + 1000) * 1000000u);
    pw_varint(&bad, 3 << 3 | 0); /* attributes as a varint */
    pw_varint(&bad, 7);
    memcpy(ev.b + ev.n, bad.b, bad.n);
    ev.n += bad.n;
    pw_str(&ev, 2, "gen_ai.evaluation.result");
    pw_bytes(&sp, 1, TID, 16);
    pw_bytes(&sp, 2, SID, 8);
    pw_kv_str(&sp, 9, "gen_ai.operation.name", "chat");
    pw_msg(&sp, 11, &ev);
    pw_msg(&ss, 2, &sp);
    pw_msg(&rs, 2, &ss);
    pw_msg(&req, 1, &rs);
    spans = 0;
    assert_int_equal(run(q, M_TRACE_PB, req.b, req.n, NULL, &spans), ERR_OK);
    assert_int_equal(spans, 1);
    assert_int_equal(otlp_evq_count(q), 1);
    assert_int_equal(otlp_evq_get(q, 0)->rc, ERR_BAD_PROTOBUF);
    otlp_evq_destroy(q);
}

/* Hook off (default): the trace decoders behave as before and add nothing. */
static void test_hook_off(void **state) {
    (void)state;
    size_t n;
    char *data = read_file(VEC "eval_trace.pb", &n);
    otlp_dec_t *d = otlp_dec_new(NULL, NULL, 0);
    otlp_evq_t *q = otlp_evq_new(0, NULL, NULL, 0);
    int spans_off = 0, spans_on = 0;
    assert_int_equal(otlp_proto_decode(d, (uint8_t *)data, n, count_spans, &spans_off, NULL, NULL, 0),
                     ERR_OK);
    assert_int_equal(run(q, M_TRACE_PB, data, n, NULL, &spans_on), ERR_OK);
    assert_int_equal(spans_on, spans_off);
    assert_int_equal(spans_off, 3);
    otlp_evq_attach(q, d);
    otlp_evq_attach(NULL, d);
    assert_int_equal(otlp_evq_begin(q, n, NOW), ERR_OK);
    assert_int_equal(otlp_proto_decode(d, (uint8_t *)data, n, count_spans, &spans_off, NULL, NULL, 0),
                     ERR_OK);
    assert_int_equal(otlp_evq_count(q), 0);
    otlp_dec_destroy(d);
    otlp_evq_destroy(q);
    free(data);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors_trace),
        cmocka_unit_test(test_vectors_logs),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_reject_reasons),
        cmocka_unit_test(test_reject_time),
        cmocka_unit_test(test_record_errors),
        cmocka_unit_test(test_other_and_marker),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_span_event_never_fails_trace),
        cmocka_unit_test(test_hook_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
