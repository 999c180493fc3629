/* Unit tests for the OTLP decoders (otlp_proto.c, otlp_json.c) and the attribute mapping
 * (otlp_map.c): the committed vectors made by the real OpenTelemetry JS SDK
 * (tests/otel/vectors, see tests/otel/gen_vectors.mjs) must decode to expected.tsv column by
 * column; hostile and odd inputs are rejected whole (no span of a bad record is emitted). */
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
#include "../../ingest/otlp.h"
#include "../otel/otlp_row.h"

#define VEC "tests/otel/vectors/"

/* The project's whole-file reader (NUL-terminated); NULL when the file cannot be read. */
static char *read_file(const char *path, size_t *n) {
    char *b;
    return csv_read_file(path, &b, n, NULL, 0) < 0 ? NULL : b;
}

/* Collected rows of one decode call. */
typedef struct rows_s {
    int n;
    uint32_t cw1h[32], web[32]; /* billing detail of each span (not in otlp_row) */
    char tier[32][16];
    char row[32][8192];
    span_t last;
    int stop_after; /* callback returns 77 after this many spans (0: never) */
} rows_t;

static int collect(void *ctx, span_t *s) {
    rows_t *r = ctx;
    if (r->n < 32) {
        otlp_row(s, r->row[r->n], sizeof(r->row[0]));
        r->cw1h[r->n] = s->cache_write_1h_tokens;
        r->web[r->n] = s->web_search_calls;
        snprintf(r->tier[r->n], sizeof(r->tier[0]), "%.*s", (int)s->service_tier.n,
                 s->service_tier.p);
    }
    r->last = *s; /* strings dangle after return: tests only read numbers from it */
    r->n++;
    if (r->stop_after && r->n >= r->stop_after) return 77;
    return 0;
}

static int decode(otlp_dec_t *d, int json, const void *p, size_t n, rows_t *r, otlp_stats_t *st,
                  char *detail) {
    memset(r, 0, offsetof(rows_t, row));
    r->n = 0;
    return json ? otlp_json_decode(d, p, n, collect, r, st, detail, 256)
                : otlp_proto_decode(d, p, n, collect, r, st, detail, 256);
}

/* Splits s on c into at most max fields (in place). */
static int split(char *s, char c, char **f, int max) {
    int n = 0;
    f[n++] = s;
    for (char *p = s; *p && n < max; p++)
        if (*p == c) {
            *p = 0;
            f[n++] = p + 1;
        }
    return n;
}

static void check_vector(const char *file, int json) {
    size_t n, en;
    char *data = read_file(file, &n);
    char *exp = read_file(VEC "expected.tsv", &en);
    assert_non_null(data);
    assert_non_null(exp);
    char err[256], detail[256];
    otlp_dec_t *d = otlp_dec_new(NULL, err, sizeof(err));
    assert_non_null(d);
    static rows_t r;
    otlp_stats_t st = {0};
    int rc = decode(d, json, data, n, &r, &st, detail);
    if (rc != ERR_OK) fail_msg("%s: %s %s", file, err_name(rc), detail);

    char *lines[64];
    int nl = split(exp, '\n', lines, 64);
    assert_true(nl >= 3);
    unsigned seen, emitted;
    assert_int_equal(sscanf(lines[0], "# spans_seen=%u spans_emitted=%u", &seen, &emitted), 2);
    assert_int_equal(st.spans_seen, seen);
    assert_int_equal(st.spans_emitted, emitted);
    assert_int_equal(st.spans_skipped_non_llm, seen - emitted);
    assert_int_equal(r.n, (int)emitted);
    char *cols[64];
    int nc = split(lines[1], '\t', cols, 64);
    assert_int_equal(nc, 33);
    for (int i = 0; i < r.n; i++) {
        char *want[64], *got[64];
        int nw = split(lines[2 + i], '\t', want, 64);
        int ng = split(r.row[i], '\t', got, 64);
        assert_int_equal(nw, nc);
        assert_int_equal(ng, nc);
        for (int c = 0; c < nc; c++)
            if (strcmp(want[c], got[c]) != 0)
                fail_msg("%s span %d column %s: want '%s' got '%s'", file, i, cols[c], want[c],
                         got[c]);
    }
    /* Decoding again with the same decoder gives the same result (scratch reuse). */
    otlp_stats_t st2 = {0};
    assert_int_equal(decode(d, json, data, n, &r, &st2, detail), ERR_OK);
    assert_int_equal(st2.spans_emitted, emitted);
    /* keep_all emits every span. */
    otlp_map_t m;
    otlp_map_default(&m);
    m.keep_all = 1;
    otlp_dec_t *d2 = otlp_dec_new(&m, err, sizeof(err));
    otlp_stats_t st3 = {0};
    assert_int_equal(decode(d2, json, data, n, &r, &st3, detail), ERR_OK);
    assert_int_equal(r.n, (int)seen);
    assert_int_equal(st3.spans_skipped_non_llm, 0);
    /* The non-LLM spans it keeps carry the "_none" model, so they pass validation. */
    int none = 0;
    for (int i = 0; i < r.n; i++) {
        char *f[64], row[8192];
        strcpy(row, r.row[i]);
        assert_int_equal(split(row, '\t', f, 64), 33);
        none += strcmp(f[7], OTLP_NO_MODEL) == 0;
        assert_true(f[7][0] != 0);
        /* and their span name as operation (every SDK span has a name) */
        if (!strcmp(f[7], OTLP_NO_MODEL)) assert_true(f[9][0] != 0);
    }
    assert_int_equal(none, (int)(seen - emitted));
    otlp_dec_destroy(d2);
    otlp_dec_destroy(d);
    free(data);
    free(exp);
}

static void test_vector_proto(void **state) {
    (void)state;
    check_vector(VEC "request.pb", 0);
}
static void test_vector_json(void **state) {
    (void)state;
    check_vector(VEC "request.json", 1);
}
static void test_vector_collector_json(void **state) {
    (void)state;
    check_vector(VEC "request_collector.json", 1);
}

/* Every prefix and many single-byte corruptions of the SDK request: either a clean error
 * with no span emitted, or success. */
static void all_or_nothing(const char *file, int json) {
    size_t n;
    char *data = read_file(file, &n);
    assert_non_null(data);
    otlp_dec_t *d = otlp_dec_new(NULL, NULL, 0);
    static rows_t r;
    char detail[256];
    int errors = 0;
    for (size_t len = 0; len < n; len++) {
        int rc = decode(d, json, data, len, &r, NULL, detail);
        if (rc != ERR_OK) {
            errors++;
            assert_int_equal(r.n, 0);
            assert_int_equal(err_class(rc), ERR_CLASS_POISON);
            assert_true(detail[0] != 0);
        }
    }
    assert_true(errors > (int)n / 4);
    char *copy = malloc(n);
    for (size_t i = 0; i < n; i += 3) {
        memcpy(copy, data, n);
        copy[i] ^= (char)0xA5;
        int rc = decode(d, json, copy, n, &r, NULL, detail);
        if (rc != ERR_OK) assert_int_equal(r.n, 0);
    }
    free(copy);
    otlp_dec_destroy(d);
    free(data);
}
static void test_proto_all_or_nothing(void **state) {
    (void)state;
    all_or_nothing(VEC "request.pb", 0);
}
static void test_json_all_or_nothing(void **state) {
    (void)state;
    all_or_nothing(VEC "request.json", 1);
}

/* ---- a tiny protobuf writer for hand-made requests ---- */
static void pw_varint(buf_t *b, uint64_t v) {
    while (v >= 0x80) {
        uint8_t c = (uint8_t)(v | 0x80);
        buf_append(b, &c, 1);
        v >>= 7;
    }
    uint8_t c = (uint8_t)v;
    buf_append(b, &c, 1);
}
static void pw_bytes(buf_t *b, uint32_t field, const void *p, size_t n) {
    pw_varint(b, (uint64_t)field << 3 | 2);
    pw_varint(b, n);
    buf_append(b, p, n);
}
static void pw_msg(buf_t *b, uint32_t field, buf_t *sub) {
    pw_bytes(b, field, sub->data, sub->len);
    buf_reset(sub);
}
static void pw_fixed64(buf_t *b, uint32_t field, uint64_t v) {
    pw_varint(b, (uint64_t)field << 3 | 1);
    buf_append(b, &v, 8);
}
/* KeyValue with a string or int value, appended as field `field` of b. */
static void pw_kv_str(buf_t *b, uint32_t field, const char *k, const char *v) {
    buf_t kv, av;
    buf_init(&kv, 0);
    buf_init(&av, 0);
    pw_bytes(&av, 1, v, strlen(v));
    pw_bytes(&kv, 1, k, strlen(k));
    pw_msg(&kv, 2, &av);
    pw_msg(b, field, &kv);
    buf_deinit(&kv);
    buf_deinit(&av);
}
static void pw_kv_int(buf_t *b, uint32_t field, const char *k, int64_t v) {
    buf_t kv, av;
    buf_init(&kv, 0);
    buf_init(&av, 0);
    pw_varint(&av, 3 << 3 | 0);
    pw_varint(&av, (uint64_t)v);
    pw_bytes(&kv, 1, k, strlen(k));
    pw_msg(&kv, 2, &av);
    pw_msg(b, field, &kv);
    buf_deinit(&kv);
    buf_deinit(&av);
}
/* Wraps span bytes into ExportTraceServiceRequest{ResourceSpans{resource, ScopeSpans{span}}}. */
static void pw_request(buf_t *out, buf_t *span, buf_t *resource) {
    buf_t ss, rs;
    buf_init(&ss, 0);
    buf_init(&rs, 0);
    pw_msg(&ss, 2, span);
    if (resource && resource->len) pw_msg(&rs, 1, resource);
    pw_msg(&rs, 2, &ss);
    pw_msg(out, 1, &rs);
    buf_deinit(&ss);
    buf_deinit(&rs);
}

static void test_proto_attr_bounds(void **state) {
    (void)state;
    buf_t span, req;
    buf_init(&span, 0);
    buf_init(&req, 0);
    pw_bytes(&span, 1, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10", 16);
    pw_fixed64(&span, 7, 1700000000000000000ull);
    pw_fixed64(&span, 8, 1700000000250000000ull);
    /* The deprecated name first, the current one later: the current one wins. */
    pw_kv_int(&span, 9, "gen_ai.usage.prompt_tokens", 11);
    pw_kv_int(&span, 9, "gen_ai.usage.input_tokens", 22);
    pw_kv_int(&span, 9, "gen_ai.usage.prompt_tokens", 33);
    pw_kv_int(&span, 9, "gen_ai.usage.output_tokens", -5); /* unusable: kept as attribute */
    pw_kv_str(&span, 9, "tenant", "t-9");
    for (int i = 0; i < 100; i++) {
        char k[32];
        snprintf(k, sizeof(k), "x.attr%d", i);
        pw_kv_str(&span, 9, k, "v");
    }
    pw_request(&req, &span, NULL);
    otlp_map_t m;
    otlp_map_default(&m);
    m.tenant_key = "tenant";
    otlp_dec_t *d = otlp_dec_new(&m, NULL, 0);
    static rows_t r;
    otlp_stats_t st = {0};
    char detail[256];
    assert_int_equal(decode(d, 0, req.data, req.len, &r, &st, detail), ERR_OK);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.last.input_tokens, 22);
    assert_int_equal(r.last.output_tokens, 0);
    assert_false(r.last.present & SPAN_HAS_OUTPUT_TOKENS);
    assert_int_equal(r.last.latency_ms, 250);
    assert_int_equal(r.last.ts_ms, 1700000000000);
    assert_int_equal(r.last.n_attrs, SPAN_MAX_ATTRS);
    assert_int_equal(st.attrs_truncated, 101 - SPAN_MAX_ATTRS);
    assert_int_equal(st.values_ignored, 1);
    char *f[64];
    char row[8192];
    strcpy(row, r.row[0]);
    split(row, '\t', f, 64);
    assert_string_equal(f[1], "0102030405060708090a0b0c0d0e0f10");
    assert_string_equal(f[14], "t-9");
    assert_memory_equal(f[32], "gen_ai.usage.output_tokens=-5|x.attr0=v|", 40);
    assert_non_null(strstr(f[32], "|x.attr62=v"));
    assert_null(strstr(f[32], "x.attr63"));
    otlp_dec_destroy(d);
    buf_deinit(&span);
    buf_deinit(&req);
}

/* An attribute whose value is an array of strings (the layout of finish_reasons). */
static void pw_kv_strs(buf_t *b, uint32_t field, const char *k, const char **v, int n) {
    buf_t kv, av, arr, el;
    buf_init(&kv, 0);
    buf_init(&av, 0);
    buf_init(&arr, 0);
    buf_init(&el, 0);
    for (int i = 0; i < n; i++) {
        buf_reset(&el);
        pw_bytes(&el, 1, v[i], strlen(v[i]));
        pw_msg(&arr, 1, &el);
    }
    pw_msg(&av, 5, &arr);
    pw_bytes(&kv, 1, k, strlen(k));
    pw_msg(&kv, 2, &av);
    pw_msg(b, field, &kv);
    buf_deinit(&kv);
    buf_deinit(&av);
    buf_deinit(&arr);
    buf_deinit(&el);
}

/* The fast paths of the protobuf reader (one-byte layouts, string arrays, word-wise key
 * compare, number rendering) give what the general path gives. */
static void test_proto_fast_paths(void **state) {
    (void)state;
    buf_t span, req;
    buf_init(&span, 0);
    buf_init(&req, 0);
    pw_bytes(&span, 1, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10", 16);
    pw_fixed64(&span, 7, 1700000000000000000ull);
    pw_kv_str(&span, 9, "gen_ai.request.model", "m");
    const int64_t ints[] = {0, 9, 10, 99, 100, 1000, -1, -100, 1234567, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        char k[16];
        snprintf(k, sizeof(k), "i%zu", i);
        pw_kv_int(&span, 9, k, ints[i]);
    }
    const char *fr[] = {"stop", "len\"gth"};
    pw_kv_strs(&span, 9, "gen_ai.response.finish_reasons", fr, 2);
    pw_kv_strs(&span, 9, "x.arr", fr, 2);
    const char *cafe[] = {"caf\xc3\xa9"};
    pw_kv_strs(&span, 9, "x.cafe", cafe, 1);
    pw_kv_strs(&span, 9, "x.empty", NULL, 0);
    pw_kv_str(&span, 9, "t.abcdef", "eight");              /* 8-byte key */
    pw_kv_str(&span, 9, "t.abcdeg", "near miss");          /* differs in its last byte */
    pw_kv_str(&span, 9, "team.key.17.chars", "seventeen"); /* 17 bytes: word + overlap */
    pw_kv_str(&span, 9, "team.key.17.charz", "near miss");
    pw_request(&req, &span, NULL);
    otlp_map_t m;
    otlp_map_default(&m);
    m.tenant_key = "t.abcdef";
    m.team_key = "team.key.17.chars";
    otlp_dec_t *d = otlp_dec_new(&m, NULL, 0);
    assert_non_null(d);
    static rows_t r;
    otlp_stats_t st = {0};
    char detail[256];
    assert_int_equal(decode(d, 0, req.data, req.len, &r, &st, detail), ERR_OK);
    assert_int_equal(r.n, 1);
    char *f[64];
    char row[8192];
    strcpy(row, r.row[0]);
    assert_int_equal(split(row, '\t', f, 64), 33);
    assert_string_equal(f[14], "eight");
    assert_string_equal(f[15], "seventeen");
    assert_string_equal(f[31], "stop");
    assert_string_equal(f[32],
                        "i0=0|i1=9|i2=10|i3=99|i4=100|i5=1000|i6=-1|i7=-100|i8=1234567|"
                        "i9=9223372036854775807|i10=-9223372036854775808|"
                        "x.arr=[\"stop\",\"len\\\"gth\"]|x.cafe=[\"caf\xc3\xa9\"]|x.empty=[]|"
                        "t.abcdeg=near miss|team.key.17.charz=near miss");
    /* A string array with invalid UTF-8 fails the record, as any string does. */
    buf_reset(&span);
    buf_reset(&req);
    pw_kv_str(&span, 9, "gen_ai.request.model", "m");
    const char *bad[] = {"ok", "\xc3("};
    pw_kv_strs(&span, 9, "x.bad", bad, 2);
    pw_request(&req, &span, NULL);
    assert_int_equal(decode(d, 0, req.data, req.len, &r, &st, detail), ERR_BAD_UTF8);
    assert_int_equal(r.n, 0);
    otlp_dec_destroy(d);
    buf_deinit(&span);
    buf_deinit(&req);
}

static void test_proto_hostile(void **state) {
    (void)state;
    otlp_dec_t *d = otlp_dec_new(NULL, NULL, 0);
    static rows_t r;
    char detail[256];
    buf_t span, req, av, nest;
    buf_init(&span, 0);
    buf_init(&req, 0);
    buf_init(&av, 0);
    buf_init(&nest, 0);
    assert_int_equal(decode(d, 0, "", 0, &r, NULL, detail), ERR_EMPTY);
    /* Length past the end. */
    assert_int_equal(decode(d, 0, "\x0a\x7f\x00", 3, &r, NULL, detail), ERR_BAD_PROTOBUF);
    /* 11-byte varint. */
    assert_int_equal(
        decode(d, 0, "\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12, &r, NULL, detail),
        ERR_BAD_PROTOBUF);
    /* Group wire type. */
    assert_int_equal(decode(d, 0, "\x0b", 1, &r, NULL, detail), ERR_BAD_PROTOBUF);
    /* Known field with the wrong wire type: resource_spans as varint. */
    assert_int_equal(decode(d, 0, "\x08\x01", 2, &r, NULL, detail), ERR_BAD_PROTOBUF);
    /* AnyValue arrays nested 100 deep. */
    pw_bytes(&av, 1, "x", 1);
    for (int i = 0; i < 100; i++) {
        buf_t arr;
        buf_init(&arr, 0);
        pw_msg(&arr, 1, &av); /* ArrayValue.values */
        pw_msg(&av, 5, &arr); /* AnyValue.array_value */
        buf_deinit(&arr);
    }
    pw_bytes(&nest, 1, "gen_ai.deep", 11);
    pw_msg(&nest, 2, &av);
    pw_msg(&span, 9, &nest);
    pw_request(&req, &span, NULL);
    assert_int_equal(decode(d, 0, req.data, req.len, &r, NULL, detail), ERR_TOO_DEEP);
    assert_int_equal(r.n, 0);
    /* Invalid UTF-8 in an attribute value, after a good span: nothing emitted. */
    buf_reset(&req);
    pw_kv_str(&span, 9, "gen_ai.request.model", "gpt");
    pw_request(&req, &span, NULL);
    pw_kv_str(&span, 9, "gen_ai.request.model", "g\xff");
    pw_request(&req, &span, NULL);
    assert_int_equal(decode(d, 0, req.data, req.len, &r, NULL, detail), ERR_BAD_UTF8);
    assert_int_equal(r.n, 0);
    /* Over-long trace id. */
    buf_reset(&req);
    pw_bytes(&span, 1, "0123456789abcdef0123456789abcdef0", 33);
    pw_request(&req, &span, NULL);
    assert_int_equal(decode(d, 0, req.data, req.len, &r, NULL, detail), ERR_BAD_PROTOBUF);
    buf_deinit(&span);
    buf_deinit(&req);
    buf_deinit(&av);
    buf_deinit(&nest);
    otlp_dec_destroy(d);
}

/* More spans than the decoder buffers (OTLP_BUF_SPANS = 4096): the record is checked whole,
 * then emitted in a second pass; counts are not doubled; a bad last span still emits nothing. */
static int count_cb(void *ctx, span_t *s) {
    int *n = ctx;
    if (s->input_tokens != 7 || s->trace_id.n != 32) return 99;
    (*n)++;
    return 0;
}
static void big_record(int json, int bad_last) {
    buf_t req, span, ss, rs;
    buf_init(&req, 0);
    buf_init(&span, 0);
    buf_init(&ss, 0);
    buf_init(&rs, 0);
    const int nspans = 5000;
    if (json) buf_append(&req, "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[", 43);
    for (int i = 0; i < nspans; i++) {
        const char *model = (bad_last && i == nspans - 1) ? "g\xff" : "gpt-4o";
        if (json) {
            char one[512];
            int k = snprintf(one, sizeof(one),
                             "%s{\"traceId\":\"%032x\",\"attributes\":[{\"key\":\"gen_ai.usage."
                             "input_tokens\",\"value\":{\"intValue\":7}},{\"key\":\"gen_ai.request."
                             "model\",\"value\":{\"stringValue\":\"%s\"}}]}",
                             i ? "," : "", i, model);
            buf_append(&req, one, (size_t)k);
        } else {
            char id[16] = {0};
            memcpy(id, &i, sizeof(i));
            pw_bytes(&span, 1, id, 16);
            pw_kv_int(&span, 9, "gen_ai.usage.input_tokens", 7);
            pw_kv_str(&span, 9, "gen_ai.request.model", model);
            pw_msg(&ss, 2, &span);
        }
    }
    if (json) {
        buf_append(&req, "]}]}]}", 6);
    } else {
        pw_msg(&rs, 2, &ss);
        pw_msg(&req, 1, &rs);
    }
    otlp_dec_t *d = otlp_dec_new(NULL, NULL, 0);
    otlp_stats_t st = {0};
    int n = 0;
    char detail[256];
    int rc = json ? otlp_json_decode(d, (char *)req.data, req.len, count_cb, &n, &st, detail, 256)
                  : otlp_proto_decode(d, req.data, req.len, count_cb, &n, &st, detail, 256);
    if (bad_last) {
        assert_int_equal(rc, ERR_BAD_UTF8);
        assert_int_equal(n, 0);
        assert_int_equal(st.spans_seen, 0);
    } else {
        if (rc != ERR_OK) fail_msg("%s %s", err_name(rc), detail);
        assert_int_equal(n, nspans);
        assert_int_equal(st.spans_seen, nspans);
        assert_int_equal(st.spans_emitted, nspans);
    }
    otlp_dec_destroy(d);
    buf_deinit(&req);
    buf_deinit(&span);
    buf_deinit(&ss);
    buf_deinit(&rs);
}
static void test_big_record(void **state) {
    (void)state;
    big_record(0, 0);
    big_record(0, 1);
    big_record(1, 0);
    big_record(1, 1);
}

static void test_callback_stop(void **state) {
    (void)state;
    size_t n;
    char *data = read_file(VEC "request.pb", &n);
    otlp_dec_t *d = otlp_dec_new(NULL, NULL, 0);
    static rows_t r;
    memset(&r, 0, offsetof(rows_t, row));
    r.stop_after = 2;
    assert_int_equal(otlp_proto_decode(d, (uint8_t *)data, n, collect, &r, NULL, NULL, 0), 77);
    assert_int_equal(r.n, 2);
    otlp_dec_destroy(d);
    free(data);
}

static int json_rc(otlp_dec_t *d, const char *s, rows_t *r) {
    char detail[256];
    return decode(d, 1, s, strlen(s), r, NULL, detail);
}

static void test_json_forms(void **state) {
    (void)state;
    otlp_dec_t *d = otlp_dec_new(NULL, NULL, 0);
    static rows_t r;
    /* scopeSpans before resource, value before key, snake_case names, escapes, upper-case
     * hex ids, enum names, int64 as strings, null fields. */
    const char *doc =
        "{\"resource_spans\":[{\"scopeSpans\":[{\"scope\":null,\"spans\":[{"
        "\"traceId\":\"0AF7651916CD43DD8448EB211C80319C\",\"span_id\":\"B7AD6B7169203331\","
        "\"startTimeUnixNano\":\"1700000000000000000\",\"end_time_unix_nano\":1700000001000000000,"
        "\"status\":{\"code\":\"STATUS_CODE_ERROR\",\"message\":\"x\"},"
        "\"attributes\":[{\"value\":{\"stringValue\":\"gpt-4\\u006f\"},\"key\":\"gen_ai.request."
        "model\"},"
        "{\"key\":\"gen_ai\\u002eprovider.name\",\"value\":{\"stringValue\":\"OpenAI\"}},"
        "{\"key\":\"gen_ai.usage.input_tokens\",\"value\":{\"intValue\":\"12\"}},"
        "{\"key\":\"gen_ai.response.finish_reasons\",\"value\":{\"arrayValue\":{\"values\":"
        "[{\"stringValue\":\"st\\\"op\"},{\"intValue\":3}]}}},"
        "{\"key\":\"x.kv\",\"value\":{\"kvlistValue\":{\"values\":[{\"key\":\"a\",\"value\":"
        "{\"doubleValue\":1.5}},{\"value\":{\"boolValue\":false},\"key\":\"b\"}]}}},"
        "{\"key\":\"x.empty\",\"value\":{}}"
        "]}]}],\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":"
        "{\"stringValue\":\"svc\\n1\"}}]}}]}";
    assert_int_equal(json_rc(d, doc, &r), ERR_OK);
    assert_int_equal(r.n, 1);
    char *f[64];
    split(r.row[0], '\t', f, 64);
    assert_string_equal(f[0], "b7ad6b7169203331");
    assert_string_equal(f[1], "0af7651916cd43dd8448eb211c80319c");
    assert_string_equal(f[3], "1700000000000");
    assert_string_equal(f[4], "1000");
    assert_string_equal(f[6], "openai");
    assert_string_equal(f[7], "gpt-4o");
    assert_string_equal(f[19], "svc\n1");
    assert_string_equal(f[22], "12");
    assert_string_equal(f[28], "error");
    assert_string_equal(f[29], "_OTHER");
    assert_string_equal(f[31], "st\"op");
    assert_string_equal(f[32], "x.kv={\"a\":1.5,\"b\":false}|x.empty=");
    otlp_dec_destroy(d);
}

/* The billing detail (1-hour cache writes, web searches, service tier) belongs to its span:
 * the next span of the record starts without it, and spans buffered until the record is known
 * good keep it. */
static void test_billing_detail_per_span(void **state) {
    (void)state;
    otlp_dec_t *d = otlp_dec_new(NULL, NULL, 0);
    static rows_t r;
    const char *doc =
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":["
        "{\"traceId\":\"0af7651916cd43dd8448eb211c80319c\",\"spanId\":\"b7ad6b7169203331\","
        "\"startTimeUnixNano\":\"1700000000000000000\",\"endTimeUnixNano\":\"1700000001000000000\","
        "\"attributes\":[{\"key\":\"gen_ai.request.model\",\"value\":{\"stringValue\":\"o3\"}},"
        "{\"key\":\"openai.response.service_tier\",\"value\":{\"stringValue\":\"flex\"}},"
        "{\"key\":\"gen_ai.usage.input_tokens\",\"value\":{\"intValue\":\"100\"}},"
        "{\"key\":\"gen_ai.usage.cache_creation.input_tokens\",\"value\":{\"intValue\":\"10\"}},"
        "{\"key\":\"gen_ai.usage.cache_creation.ephemeral_1h_input_tokens\",\"value\":{"
        "\"intValue\":\"7\"}},"
        "{\"key\":\"gen_ai.usage.web_search_requests\",\"value\":{\"intValue\":\"2\"}}]},"
        "{\"traceId\":\"0af7651916cd43dd8448eb211c80319c\",\"spanId\":\"b7ad6b7169203332\","
        "\"startTimeUnixNano\":\"1700000000000000000\",\"endTimeUnixNano\":\"1700000001000000000\","
        "\"attributes\":[{\"key\":\"gen_ai.request.model\",\"value\":{\"stringValue\":\"o3\"}},"
        "{\"key\":\"gen_ai.usage.input_tokens\",\"value\":{\"intValue\":\"5\"}}]}"
        "]}]}]}";
    assert_int_equal(json_rc(d, doc, &r), ERR_OK);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.tier[0], "flex");
    assert_int_equal(r.cw1h[0], 7);
    assert_int_equal(r.web[0], 2);
    assert_string_equal(r.tier[1], "");
    assert_int_equal(r.cw1h[1], 0);
    assert_int_equal(r.web[1], 0);
    otlp_dec_destroy(d);
}

/* Seed 000's own attribute names (llm.model, llm.prompt_tokens, llm.completion_tokens,
 * llm.cost_usd, llm.cache_hit, llm.tenant) make an LLM span on their own; beside the GenAI
 * convention's names (and the configured tenant key) they rank last. The producer's cost is
 * exact from a decimal string, rounded to the nano-dollar from a double, and ignored when
 * negative (the span is then priced from the table). */
static void test_seed000_names(void **state) {
    (void)state;
    otlp_dec_t *d = otlp_dec_new(NULL, NULL, 0);
    static rows_t r;
#define SEED_SPAN(id, attrs)                                                                   \
    "{\"traceId\":\"0af7651916cd43dd8448eb211c80319c\",\"spanId\":\"" id "\","                 \
    "\"startTimeUnixNano\":\"1700000000000000000\",\"endTimeUnixNano\":\"1700000001000000000\"," \
    "\"attributes\":[" attrs "]}"
#define SEED_ATTR(k, v) "{\"key\":\"" k "\",\"value\":{" v "}}"
    const char *doc =
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":["
        SEED_SPAN("b7ad6b7169203331",
                  SEED_ATTR("llm.model", "\"stringValue\":\"gpt-4o\"") ","
                  SEED_ATTR("llm.prompt_tokens", "\"intValue\":\"1200\"") ","
                  SEED_ATTR("llm.completion_tokens", "\"intValue\":\"300\"") ","
                  SEED_ATTR("llm.cost_usd", "\"doubleValue\":0.00125") ","
                  SEED_ATTR("llm.cache_hit", "\"boolValue\":true") ","
                  SEED_ATTR("llm.tenant", "\"stringValue\":\"acme\"")) ","
        SEED_SPAN("b7ad6b7169203332",
                  SEED_ATTR("llm.model", "\"stringValue\":\"seed-name\"") ","
                  SEED_ATTR("gen_ai.request.model", "\"stringValue\":\"semconv-name\"") ","
                  SEED_ATTR("llm.tenant", "\"stringValue\":\"seed-tenant\"") ","
                  SEED_ATTR("app.tenant_id", "\"stringValue\":\"configured\"") ","
                  SEED_ATTR("llm.cost_usd", "\"stringValue\":\"0.000000001\"") ","
                  SEED_ATTR("llm.cache_hit", "\"intValue\":\"0\"")) ","
        SEED_SPAN("b7ad6b7169203333",
                  SEED_ATTR("llm.model", "\"stringValue\":\"gpt-4o\"") ","
                  SEED_ATTR("llm.cost_usd", "\"doubleValue\":-1.0"))
        "]}]}]}";
#undef SEED_SPAN
#undef SEED_ATTR
    static rows_t one;
    assert_int_equal(json_rc(d, doc, &r), ERR_OK);
    assert_int_equal(r.n, 3);
    char *f[64];
    split(r.row[0], '\t', f, 64);
    assert_string_equal(f[7], "gpt-4o");
    assert_string_equal(f[14], "acme");
    assert_string_equal(f[22], "1200");
    assert_string_equal(f[23], "300");
    split(r.row[1], '\t', f, 64);
    assert_string_equal(f[7], "semconv-name");
    assert_string_equal(f[14], "configured");
    assert_int_equal(r.last.cost_nusd, 0); /* the third span: negative cost ignored */
    assert_false(r.last.present & SPAN_HAS_COST);
    /* the numbers of the first two, decoded one span at a time */
    const char *first = strstr(doc, "{\"traceId\"");
    const char *second = strstr(first + 1, "{\"traceId\"");
    const char *third = strstr(second + 1, "{\"traceId\"");
    char one_doc[4096];
    snprintf(one_doc, sizeof(one_doc), "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[%.*s]}]}]}",
             (int)(second - 1 - first), first);
    assert_int_equal(json_rc(d, one_doc, &one), ERR_OK);
    assert_int_equal(one.last.cost_nusd, 1250000);
    assert_true(one.last.present & SPAN_HAS_COST);
    assert_int_equal(one.last.cache_hit, 1);
    snprintf(one_doc, sizeof(one_doc), "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[%.*s]}]}]}",
             (int)(third - 1 - second), second);
    assert_int_equal(json_rc(d, one_doc, &one), ERR_OK);
    assert_int_equal(one.last.cost_nusd, 1);
    assert_int_equal(one.last.cache_hit, 0);
    otlp_dec_destroy(d);
}

/* The JSON string scanner reads eight bytes at a time: a quote, backslash, control character
 * or non-ASCII byte at every position of strings of every length up to 24 must be found. */
/* keep_all: a non-LLM span's operation is its name (the stage of the request: retrieval, a
 * tool), cut to OTLP_STAGE_MAX bytes on a character boundary; an LLM span keeps its
 * gen_ai.operation.name; a span without a name has none. */
static void test_keep_all_stage_names(void **state) {
    (void)state;
    otlp_map_t m;
    otlp_map_default(&m);
    m.keep_all = 1;
    otlp_dec_t *d = otlp_dec_new(&m, NULL, 0);
    static rows_t r;
#define STAGE_SPAN(id, name, attrs)                                                            \
    "{\"traceId\":\"0af7651916cd43dd8448eb211c80319c\",\"spanId\":\"" id "\"," name         \
    "\"startTimeUnixNano\":\"1700000000000000000\",\"endTimeUnixNano\":\"1700000001000000000\"," \
    "\"attributes\":[" attrs "]}"
#define A63 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    const char *doc =
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":["
        STAGE_SPAN("b7ad6b7169203331", "\"name\":\"chat gpt-4o\",",
                   "{\"key\":\"gen_ai.operation.name\",\"value\":{\"stringValue\":\"chat\"}},"
                   "{\"key\":\"gen_ai.request.model\",\"value\":{\"stringValue\":\"gpt-4o\"}}") ","
        STAGE_SPAN("b7ad6b7169203332", "\"name\":\"vector.search\",", "") ","
        STAGE_SPAN("b7ad6b7169203333", "\"name\":\"" A63 "\\u00e9tail\",", "") ","
        STAGE_SPAN("b7ad6b7169203334", "", "")
        "]}]}]}";
#undef STAGE_SPAN
    assert_int_equal(json_rc(d, doc, &r), ERR_OK);
    assert_int_equal(r.n, 4);
    const char *want_op[4] = {"chat", "vector.search", A63, ""};
    const char *want_model[4] = {"gpt-4o", OTLP_NO_MODEL, OTLP_NO_MODEL, OTLP_NO_MODEL};
#undef A63
    for (int i = 0; i < 4; i++) {
        char *f[64];
        assert_int_equal(split(r.row[i], '\t', f, 64), 33);
        assert_string_equal(f[7], want_model[i]);
        assert_string_equal(f[9], want_op[i]);
    }
    otlp_dec_destroy(d);
    /* Without keep_all only the LLM span is emitted. */
    d = otlp_dec_new(NULL, NULL, 0);
    assert_int_equal(json_rc(d, doc, &r), ERR_OK);
    assert_int_equal(r.n, 1);
    otlp_dec_destroy(d);
}

static void test_json_string_positions(void **state) {
    (void)state;
    otlp_dec_t *d = otlp_dec_new(NULL, NULL, 0);
    static rows_t r;
    char doc[1024], val[64], want[64];
    for (int len = 1; len <= 24; len++)
        for (int pos = 0; pos < len; pos++)
            for (int kind = 0; kind < 5; kind++) {
                /* kind 0: \" escape, 1: caf\xc3\xa9-style UTF-8, 2: raw control byte (bad),
                 * 3: invalid UTF-8 (bad), 4: plain ASCII */
                int n = 0, w = 0;
                for (int i = 0; i < len; i++) {
                    if (i != pos || kind == 4) {
                        val[n++] = (char)('a' + i % 26);
                        want[w++] = (char)('a' + i % 26);
                    } else if (kind == 0) {
                        val[n++] = '\\', val[n++] = '"', want[w++] = '"';
                    } else if (kind == 1) {
                        val[n++] = (char)0xc3, val[n++] = (char)0xa9;
                        want[w++] = (char)0xc3, want[w++] = (char)0xa9;
                    } else if (kind == 2) {
                        val[n++] = 0x01;
                    } else {
                        val[n++] = (char)0xc3, val[n++] = '(';
                    }
                }
                val[n] = want[w] = 0;
                snprintf(doc, sizeof(doc),
                         "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"0a\","
                         "\"spanId\":\"0b\",\"startTimeUnixNano\":\"1700000000000000000\","
                         "\"attributes\":[{\"key\":\"gen_ai.request.model\",\"value\":"
                         "{\"stringValue\":\"%s\"}}]}]}]}]}",
                         val);
                int rc = json_rc(d, doc, &r);
                if (kind == 2) {
                    assert_int_equal(rc, ERR_JSON_SYNTAX);
                } else if (kind == 3) {
                    assert_int_equal(rc, ERR_BAD_UTF8);
                } else {
                    if (rc != ERR_OK)
                        fail_msg("len %d pos %d kind %d: %s", len, pos, kind, err_name(rc));
                    char *f[64];
                    split(r.row[0], '\t', f, 64);
                    assert_string_equal(f[7], want);
                }
            }
    otlp_dec_destroy(d);
}

static void test_json_errors(void **state) {
    (void)state;
    otlp_dec_t *d = otlp_dec_new(NULL, NULL, 0);
    static rows_t r;
    const char *good = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"attributes\":"
                       "[{\"key\":\"gen_ai.system\",\"value\":{\"stringValue\":\"x\"}}]}]}]}";
    char buf[4096];
    assert_int_equal(json_rc(d, "   ", &r), ERR_EMPTY);
    assert_int_equal(json_rc(d, "[1]", &r), ERR_NOT_OBJECT);
    assert_int_equal(json_rc(d, "{\"resourceSpans\":5}", &r), ERR_WRONG_TYPE);
    snprintf(buf, sizeof(buf), "%s]}", good);
    assert_int_equal(json_rc(d, buf, &r), ERR_OK);
    assert_int_equal(r.n, 1);
    /* A good span followed by a syntax error: nothing is emitted. */
    snprintf(buf, sizeof(buf), "%s,{\"scopeSpans\":[}]}", good);
    assert_int_equal(json_rc(d, buf, &r), ERR_JSON_SYNTAX);
    assert_int_equal(r.n, 0);
    snprintf(buf, sizeof(buf), "%s]} x", good);
    assert_int_equal(json_rc(d, buf, &r), ERR_JSON_SYNTAX);
    assert_int_equal(json_rc(d, "{\"a\":\"\xc3\x28\"}", &r), ERR_BAD_UTF8);
    assert_int_equal(json_rc(d, "{\"a\":\"\\ud800\"}", &r), ERR_BAD_UTF8);
    assert_int_equal(json_rc(d, "{\"a\":01}", &r), ERR_JSON_SYNTAX);
    assert_int_equal(json_rc(d, "{\"a\":[1,]}", &r), ERR_JSON_SYNTAX);
    assert_int_equal(json_rc(d, "{\"a\":\"x\ty\"}", &r), ERR_JSON_SYNTAX);
    /* Nesting bomb. */
    char *bomb = malloc(200000);
    size_t k = 0;
    k += (size_t)sprintf(bomb, "{\"x\":");
    for (int i = 0; i < 50000; i++)
        bomb[k++] = '[';
    bomb[k] = 0;
    assert_int_equal(json_rc(d, bomb, &r), ERR_TOO_DEEP);
    free(bomb);
    /* Bad id, bad int. */
    assert_int_equal(
        json_rc(d, "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"xyz\"}]}]}]}",
                &r),
        ERR_WRONG_TYPE);
    assert_int_equal(json_rc(d,
                             "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{"
                             "\"startTimeUnixNano\":\"1.5\"}]}]}]}",
                             &r),
                     ERR_WRONG_TYPE);
    assert_int_equal(json_rc(d, "{\"resourceSpans\":[{\"resource\":{},\"resource\":{}}]}", &r),
                     ERR_DUP_FIELD);
    otlp_dec_destroy(d);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vector_proto),
        cmocka_unit_test(test_vector_json),
        cmocka_unit_test(test_vector_collector_json),
        cmocka_unit_test(test_proto_all_or_nothing),
        cmocka_unit_test(test_json_all_or_nothing),
        cmocka_unit_test(test_proto_attr_bounds),
        cmocka_unit_test(test_proto_fast_paths),
        cmocka_unit_test(test_proto_hostile),
        cmocka_unit_test(test_callback_stop),
        cmocka_unit_test(test_big_record),
        cmocka_unit_test(test_json_forms),
        cmocka_unit_test(test_billing_detail_per_span),
        cmocka_unit_test(test_seed000_names),
        cmocka_unit_test(test_keep_all_stage_names),
        cmocka_unit_test(test_json_string_positions),
        cmocka_unit_test(test_json_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
