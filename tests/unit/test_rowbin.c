/* Unit tests for rowbin: rows compared byte for byte with hand-built expectations and with
 * golden files (tests/unit/golden/rowbin_*.bin, reviewed and proven by the libchdb round
 * trip in test_rowbin_chdb.c), primitives, the RowBinaryWithNamesAndTypes header, the column
 * list/structure against columns.h, and the DESCRIBE check on good and bad tables.
 * Regenerate the golden files (after a deliberate format change) with ROWBIN_REGEN_GOLDEN=1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../ingest/columns.h"
#include "../../ingest/err.h"
#include "../../ingest/rowbin.h"

/* ---- A tiny independent byte writer for expectations (not the encoder's code). */
typedef struct {
    uint8_t b[8192];
    size_t n;
} exp_t;
static void e_bytes(exp_t *e, const void *p, size_t n) {
    if (n) memcpy(e->b + e->n, p, n);
    e->n += n;
}
static void e_le(exp_t *e, uint64_t v, int width) {
    for (int i = 0; i < width; i++) e->b[e->n++] = (uint8_t)(v >> (8 * i));
}
static void e_str(exp_t *e, const char *s) {
    size_t n = strlen(s);
    assert_true(n < 128);
    e->b[e->n++] = (uint8_t)n;
    e_bytes(e, s, n);
}

static void assert_buf_eq(const buf_t *b, const exp_t *e) {
    assert_int_equal(buf_error(b), 0);
    if (b->len != e->n || memcmp(b->data, e->b, e->n) != 0) {
        size_t i = 0;
        while (i < b->len && i < e->n && b->data[i] == e->b[i]) i++;
        fail_msg("bytes differ: got %zu bytes, want %zu; first difference at offset %zu", b->len,
                 e->n, i);
    }
}

/* ---- Primitives. */
static void test_primitives(void **state) {
    buf_t b;
    buf_init(&b, 0);
    rowbin_put_u8(&b, 0xAB);
    rowbin_put_u16(&b, 0x1234);
    rowbin_put_u32(&b, 0xDEADBEEF);
    rowbin_put_i32(&b, -2);
    rowbin_put_i64(&b, -1);
    rowbin_put_f32(&b, 1.0f);
    rowbin_put_varuint(&b, 0);
    rowbin_put_varuint(&b, 127);
    rowbin_put_varuint(&b, 128);
    rowbin_put_varuint(&b, 300);
    rowbin_put_varuint(&b, UINT32_MAX);
    rowbin_put_str(&b, (span_str_t){NULL, 0});
    rowbin_put_str(&b, SPAN_STR_LIT("hé"));
    rowbin_put_nullable_u32(&b, 0, 99);
    rowbin_put_nullable_u32(&b, 1, 258);
    rowbin_put_nullable_f32(&b, 0, 0.5f);
    rowbin_put_nullable_f32(&b, 1, 0.5f);
    rowbin_put_nullable_str(&b, 0, SPAN_STR_LIT("x"));
    rowbin_put_nullable_str(&b, 1, SPAN_STR_LIT("x"));
    static const uint8_t want[] = {
        0xAB, 0x34, 0x12, 0xEF, 0xBE, 0xAD, 0xDE, 0xFE, 0xFF, 0xFF, 0xFF,             /* u8 u16 u32 i32 */
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,                               /* i64 -1 */
        0x00, 0x00, 0x80, 0x3F,                                                       /* f32 1.0 */
        0x00, 0x7F, 0x80, 0x01, 0xAC, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F,             /* varuints */
        0x00, 0x03, 'h', 0xC3, 0xA9,                                                  /* strings */
        0x01, 0x00, 0x02, 0x01, 0x00, 0x00,                                           /* nullable u32 */
        0x01, 0x00, 0x00, 0x00, 0x00, 0x3F,                                           /* nullable f32 */
        0x01, 0x00, 0x01, 'x',                                                        /* nullable str */
    };
    assert_int_equal(b.len, sizeof(want));
    assert_memory_equal(b.data, want, sizeof(want));
    buf_deinit(&b);
}

/* ---- Rows. */

/* Hand-written expectation of the whole row, column by column in the order of columns.h as
 * written out here by hand (so a reordering of the table is caught too). */
static void expect_row(exp_t *e, const span_t *s) {
    e_le(e, (uint64_t)s->ts_ms, 8);
    const span_str_t *strs1[] = {&s->trace_id,       &s->span_id,         &s->parent_span_id,
                                 &s->request_id,     &s->provider,        &s->model,
                                 &s->response_model, &s->operation,       &s->endpoint,
                                 &s->feature,        &s->prompt_template, &s->prompt_version,
                                 &s->tenant_id,      &s->team_id,         &s->cost_center,
                                 &s->plan_tier,      &s->user_id,         &s->session_id,
                                 &s->experiment_id,  &s->api_key_id,      &s->service,
                                 &s->environment,    &s->deploy_version};
    for (size_t i = 0; i < sizeof(strs1) / sizeof(strs1[0]); i++) {
        assert_true(strs1[i]->n < 128);
        e->b[e->n++] = (uint8_t)strs1[i]->n;
        e_bytes(e, strs1[i]->p, strs1[i]->n);
    }
    e_le(e, s->input_tokens, 4);
    e_le(e, s->output_tokens, 4);
    e_le(e, s->cache_read_tokens, 4);
    e_le(e, s->cache_write_tokens, 4);
    e_le(e, s->reasoning_tokens, 4);
    e_le(e, s->cache_write_1h_tokens, 4);
    e_le(e, s->web_search_calls, 4);
    assert_true(s->service_tier.n < 128);
    e->b[e->n++] = (uint8_t)s->service_tier.n;
    e_bytes(e, s->service_tier.p, s->service_tier.n);
    e_le(e, (uint64_t)s->cost_nusd, 8);
    e_le(e, (uint64_t)s->cost_computed_nusd, 8);
    e->b[e->n++] = (uint8_t)s->cost_source.n;
    e_bytes(e, s->cost_source.p, s->cost_source.n);
    e->b[e->n++] = (uint8_t)s->pricing_status.n;
    e_bytes(e, s->pricing_status.p, s->pricing_status.n);
    e_le(e, s->latency_ms, 4);
    if (s->present & SPAN_HAS_TTFT) {
        e->b[e->n++] = 0;
        e_le(e, s->ttft_ms, 4);
    } else {
        e->b[e->n++] = 1;
    }
    e->b[e->n++] = s->streaming;
    e->b[e->n++] = s->cache_hit;
    e->b[e->n++] = s->is_batch;
    e->b[e->n++] = (uint8_t)s->status.n;
    e_bytes(e, s->status.p, s->status.n);
    e->b[e->n++] = (uint8_t)s->error_class.n;
    e_bytes(e, s->error_class.p, s->error_class.n);
    e_le(e, s->http_status, 2);
    e_le(e, s->retry_count, 2);
    e->b[e->n++] = (uint8_t)s->finish_reason.n;
    e_bytes(e, s->finish_reason.p, s->finish_reason.n);
    if (s->present & SPAN_HAS_QUALITY) {
        uint32_t bits;
        memcpy(&bits, &s->quality_score, 4);
        e->b[e->n++] = 0;
        e_le(e, bits, 4);
    } else {
        e->b[e->n++] = 1;
    }
    e->b[e->n++] = (uint8_t)s->evaluator.n;
    e_bytes(e, s->evaluator.p, s->evaluator.n);
    e->b[e->n++] = (uint8_t)s->tenant_status.n;
    e_bytes(e, s->tenant_status.p, s->tenant_status.n);
    e->b[e->n++] = (uint8_t)s->n_attrs;
    for (uint32_t i = 0; i < s->n_attrs; i++) {
        e->b[e->n++] = (uint8_t)s->attrs[i].key.n;
        e_bytes(e, s->attrs[i].key.p, s->attrs[i].key.n);
        e->b[e->n++] = (uint8_t)s->attrs[i].val.n;
        e_bytes(e, s->attrs[i].val.p, s->attrs[i].val.n);
    }
    e->b[e->n++] = (uint8_t)s->kafka_topic.n;
    e_bytes(e, s->kafka_topic.p, s->kafka_topic.n);
    e_le(e, (uint32_t)s->kafka_partition, 4);
    e_le(e, (uint64_t)s->kafka_offset, 8);
    e_le(e, (uint64_t)s->ingested_ms, 8);
}

static void fill_small(span_t *s) {
    span_reset(s);
    s->ts_ms = 1764000000123;
    s->trace_id = SPAN_STR_LIT("4bf92f3577b34da6a3ce929d0e0e4736");
    s->span_id = SPAN_STR_LIT("00f067aa0ba902b7");
    s->provider = SPAN_STR_LIT("openai");
    s->model = SPAN_STR_LIT("gpt-4o-mini");
    s->response_model = SPAN_STR_LIT("gpt-4o-mini-2024-07-18");
    s->operation = SPAN_STR_LIT("chat");
    s->feature = SPAN_STR_LIT("doc_summarize");
    s->tenant_id = SPAN_STR_LIT("acme");
    s->team_id = SPAN_STR_LIT("search");
    s->input_tokens = 1200;
    s->output_tokens = 300;
    s->cache_read_tokens = 1024;
    s->cache_write_tokens = 100;
    s->cache_write_1h_tokens = 60;
    s->web_search_calls = 3;
    s->service_tier = SPAN_STR_LIT("flex");
    s->cost_nusd = 123456789;
    s->cost_computed_nusd = 123456780;
    s->cost_source = SPAN_STR_LIT("producer");
    s->pricing_status = SPAN_STR_LIT("ok");
    s->latency_ms = 2345;
    s->ttft_ms = 321;
    s->streaming = 1;
    s->status = SPAN_STR_LIT("ok");
    s->http_status = 200;
    s->finish_reason = SPAN_STR_LIT("stop");
    s->quality_score = 0.875f;
    s->evaluator = SPAN_STR_LIT("llm_judge");
    s->tenant_status = SPAN_STR_LIT("from_span");
    s->n_attrs = 2;
    s->attrs[0] = (span_attr_t){SPAN_STR_LIT("region"), SPAN_STR_LIT("eu-west-1")};
    s->attrs[1] = (span_attr_t){SPAN_STR_LIT("tries"), SPAN_STR_LIT("2")};
    s->present = SPAN_HAS_TS | SPAN_HAS_TTFT | SPAN_HAS_QUALITY | SPAN_HAS_COST;
    s->kafka_topic = SPAN_STR_LIT("llm-spans");
    s->kafka_partition = 7;
    s->kafka_offset = 123456789012LL;
    s->ingested_ms = 1764000000999;
}

static void test_row_small(void **state) {
    static span_t s;
    static exp_t e;
    buf_t b;
    buf_init(&b, 0);
    fill_small(&s);
    rowbin_encode_span(&b, &s);
    e.n = 0;
    expect_row(&e, &s);
    assert_buf_eq(&b, &e);
    assert_true(b.len <= rowbin_span_size_bound(&s));

    /* Nullables unset, no attributes, everything else empty: the minimum row. */
    buf_reset(&b);
    span_reset(&s);
    rowbin_encode_span(&b, &s);
    e.n = 0;
    expect_row(&e, &s);
    assert_buf_eq(&b, &e);
    /* 8 + 23 strings + 7*4 + 1 string (tier) + 2*8 + 2 strings + 4 + 1 + 3 + 2 strings + 2 + 2 +
     * 1 str + 1 + 2 str + map 1 + topic 1 + 4 + 8 + 8 */
    assert_int_equal(b.len,
                     8 + 23 + 28 + 1 + 16 + 2 + 4 + 1 + 3 + 2 + 4 + 1 + 1 + 2 + 1 + 1 + 4 + 8 + 8);
    buf_deinit(&b);
}

/* Rows append: two rows are the concatenation of each row alone. */
static void test_rows_append(void **state) {
    static span_t s1, s2;
    buf_t b1, b2;
    buf_init(&b1, 0);
    buf_init(&b2, 0);
    fill_small(&s1);
    span_reset(&s2);
    s2.trace_id = SPAN_STR_LIT("x");
    rowbin_encode_span(&b1, &s1);
    size_t n1 = b1.len;
    rowbin_encode_span(&b1, &s2);
    rowbin_encode_span(&b2, &s2);
    assert_int_equal(b1.len, n1 + b2.len);
    assert_memory_equal(b1.data + n1, b2.data, b2.len);
    buf_deinit(&b1);
    buf_deinit(&b2);
}

/* Long strings use multi-byte varuint lengths. */
static void test_long_string(void **state) {
    static span_t s;
    static char big[70000];
    memset(big, 'a', sizeof big);
    span_reset(&s);
    s.user_id = span_str(big, sizeof big);
    buf_t b;
    buf_init(&b, 0);
    rowbin_encode_span(&b, &s);
    /* Offset of user_id: ts(8) + 16 empty strings before it. */
    const uint8_t *p = b.data + 8 + 16;
    assert_int_equal(p[0], (70000 & 0x7F) | 0x80);
    assert_int_equal(p[1], ((70000 >> 7) & 0x7F) | 0x80);
    assert_int_equal(p[2], 70000 >> 14);
    assert_memory_equal(p + 3, big, 100);
    buf_deinit(&b);
}

/* A capped buffer: the row is not written at all, the error is sticky. */
static void test_cap(void **state) {
    static span_t s;
    fill_small(&s);
    buf_t b;
    buf_init(&b, 64);
    rowbin_encode_span(&b, &s);
    assert_int_equal(buf_error(&b), ERR_BUF_CAP);
    assert_int_equal(b.len, 0);
    buf_deinit(&b);
}

/* ---- Golden files. */
static void golden_check(const char *path, const buf_t *b) {
    if (getenv("ROWBIN_REGEN_GOLDEN")) {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(b->data, 1, b->len, f), b->len);
        fclose(f);
    }
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s (run from the repository root)", path);
    static uint8_t want[65536];
    size_t n = fread(want, 1, sizeof want, f);
    fclose(f);
    assert_int_equal(b->len, n);
    assert_memory_equal(b->data, want, n);
}

static void test_golden_rows(void **state) {
    static span_t s;
    buf_t b;
    buf_init(&b, 0);
    fill_small(&s);
    rowbin_encode_span(&b, &s);
    /* A second row: error span, unicode, max values, nullables unset. */
    span_reset(&s);
    s.ts_ms = 0;
    s.trace_id = SPAN_STR_LIT("ffffffffffffffffffffffffffffffff");
    s.model = SPAN_STR_LIT("claude-sonnet-4");
    s.user_id = SPAN_STR_LIT("Zoë 東京 🚀");
    s.input_tokens = UINT32_MAX;
    s.output_tokens = UINT32_MAX;
    s.cost_nusd = INT64_MAX;
    s.cost_computed_nusd = -1;
    s.latency_ms = UINT32_MAX;
    s.status = SPAN_STR_LIT("error");
    s.error_class = SPAN_STR_LIT("rate_limit");
    s.http_status = 429;
    s.retry_count = UINT16_MAX;
    s.kafka_partition = INT32_MIN;
    s.kafka_offset = INT64_MAX;
    s.n_attrs = 1;
    s.attrs[0] = (span_attr_t){SPAN_STR_LIT(""), SPAN_STR_LIT("{\"a\":1}")};
    rowbin_encode_span(&b, &s);
    golden_check("tests/unit/golden/rowbin_rows.bin", &b);
    buf_reset(&b);
    rowbin_names_types_header(&b, 0);
    golden_check("tests/unit/golden/rowbin_header_modern.bin", &b);
    buf_reset(&b);
    rowbin_names_types_header(&b, 1);
    golden_check("tests/unit/golden/rowbin_header_legacy.bin", &b);
    buf_deinit(&b);
}

/* ---- Names, structure, header. */
static const char *const names[] = {
#define N_(name, mt, lt, kind, field) #name,
    COLUMNS_MAP(N_)
#undef N_
};
static const char *const mtypes[] = {
#define T_(name, mt, lt, kind, field) mt,
    COLUMNS_MAP(T_)
#undef T_
};
static const char *const ltypes[] = {
#define T_(name, mt, lt, kind, field) lt,
    COLUMNS_MAP(T_)
#undef T_
};
#define NCOL (sizeof(names) / sizeof(names[0]))

static void test_column_list(void **state) {
    assert_int_equal(rowbin_ncolumns(), NCOL);
    const char *l = rowbin_column_list();
    assert_true(strncmp(l, "timestamp, trace_id, span_id, ", 30) == 0);
    /* Walk the list: each name in order, separated by ", ". */
    const char *p = l;
    for (size_t i = 0; i < NCOL; i++) {
        size_t n = strlen(names[i]);
        assert_memory_equal(p, names[i], n);
        p += n;
        if (i + 1 < NCOL) {
            assert_memory_equal(p, ", ", 2);
            p += 2;
        }
    }
    assert_int_equal(*p, '\0');
    assert_string_equal(names[NCOL - 1], "ingested_at");
}

static void test_structure(void **state) {
    for (int legacy = 0; legacy < 2; legacy++) {
        const char *p = rowbin_structure(legacy);
        for (size_t i = 0; i < NCOL; i++) {
            char want[300];
            snprintf(want, sizeof want, "%s %s%s", names[i], legacy ? ltypes[i] : mtypes[i],
                     i + 1 < NCOL ? ", " : "");
            assert_memory_equal(p, want, strlen(want));
            p += strlen(want);
        }
        assert_int_equal(*p, '\0');
    }
    assert_non_null(strstr(rowbin_structure(0), "timestamp DateTime64(3, 'UTC'), trace_id String"));
    assert_non_null(strstr(rowbin_structure(1), "attributes Tuple(Array(Tuple(String, String)))"));
}

static void test_header(void **state) {
    buf_t b;
    buf_init(&b, 0);
    rowbin_names_types_header(&b, 0);
    exp_t *e = calloc(1, sizeof *e);
    e->b[e->n++] = (uint8_t)NCOL;
    for (size_t i = 0; i < NCOL; i++) e_str(e, names[i]);
    for (size_t i = 0; i < NCOL; i++) e_str(e, mtypes[i]);
    assert_buf_eq(&b, e);
    /* The header's modern types name LowCardinality as such (the server checks strictly). */
    assert_non_null(memmem(b.data, b.len, "\x16LowCardinality(String)", 23));
    buf_reset(&b);
    rowbin_names_types_header(&b, 1);
    assert_null(memmem(b.data, b.len, "LowCardinality", 14));
    free(e);
    buf_deinit(&b);
}

/* ---- DESCRIBE check. */

/* Builds DESCRIBE-like TSV (name \t type \t default_type \t …) from the table, with TSV
 * escaping of single quotes as ClickHouse writes them, optionally altering one column. */
static char *make_describe(int legacy, const char *skip, const char *retype_col,
                           const char *retype) {
    size_t cap = 16384, n = 0;
    char *out = calloc(1, cap);
    for (size_t i = 0; i < NCOL; i++) {
        if (skip && strcmp(names[i], skip) == 0) continue;
        const char *t = legacy ? ltypes[i] : mtypes[i];
        if (retype_col && strcmp(names[i], retype_col) == 0) t = retype;
        n += (size_t)snprintf(out + n, cap - n, "%s\t", names[i]);
        for (const char *c = t; *c; c++) {
            if (*c == '\'') out[n++] = '\\';
            out[n++] = *c;
        }
        n += (size_t)snprintf(out + n, cap - n, "\t\t\t\t\t\n");
    }
    /* An extra MATERIALIZED column the INSERT does not name is fine. */
    n += (size_t)snprintf(out + n, cap - n, "date\tDate\tMATERIALIZED\ttoDate(timestamp)\t\t\t\n");
    return out;
}

static void test_describe(void **state) {
    char err[256];
    char *d = make_describe(0, NULL, NULL, NULL);
    assert_int_equal(rowbin_check_describe(d, 0, err, sizeof err), ERR_OK);
    /* The modern table is not a legacy one. */
    assert_int_equal(rowbin_check_describe(d, 1, err, sizeof err), ERR_SERVER_FATAL);
    assert_non_null(strstr(err, "column timestamp has type DateTime64(3, 'UTC'), spanhouse writes Int64"));
    free(d);
    d = make_describe(1, NULL, NULL, NULL);
    assert_int_equal(rowbin_check_describe(d, 1, err, sizeof err), ERR_OK);
    free(d);

    /* Missing column. */
    d = make_describe(0, "retry_count", NULL, NULL);
    assert_int_equal(rowbin_check_describe(d, 0, err, sizeof err), ERR_SERVER_FATAL);
    assert_string_equal(err, "table has no column retry_count (expected type UInt16)");
    free(d);
    /* Wrong types. */
    d = make_describe(0, NULL, "cost_usd", "Float64");
    assert_int_equal(rowbin_check_describe(d, 0, err, sizeof err), ERR_SERVER_FATAL);
    assert_string_equal(err, "column cost_usd has type Float64, spanhouse writes Decimal(18, 9) "
                             "(modern schema)");
    free(d);
    d = make_describe(0, NULL, "ttft_ms", "UInt32");
    assert_int_equal(rowbin_check_describe(d, 0, err, sizeof err), ERR_SERVER_FATAL);
    assert_non_null(strstr(err, "column ttft_ms has type UInt32"));
    free(d);
    d = make_describe(0, NULL, "model", "String");
    assert_int_equal(rowbin_check_describe(d, 0, err, sizeof err), ERR_SERVER_FATAL);
    free(d);
    /* Same bytes: blanks and the DateTime64 time zone do not matter. */
    d = make_describe(0, NULL, "cost_usd", "Decimal(18,9)");
    assert_int_equal(rowbin_check_describe(d, 0, err, sizeof err), ERR_OK);
    free(d);
    d = make_describe(0, NULL, "ingested_at", "DateTime64(3)");
    assert_int_equal(rowbin_check_describe(d, 0, err, sizeof err), ERR_OK);
    free(d);
    d = make_describe(0, NULL, "ingested_at", "DateTime64(6, 'UTC')");
    assert_int_equal(rowbin_check_describe(d, 0, err, sizeof err), ERR_SERVER_FATAL);
    free(d);
    /* Prefix names are not matches ("trace" is not "trace_id"); empty and NULL input. */
    assert_int_equal(rowbin_check_describe("timestampx\tInt64\n", 0, err, sizeof err),
                     ERR_SERVER_FATAL);
    assert_string_equal(err, "table has no column timestamp (expected type DateTime64(3, 'UTC'))");
    assert_int_equal(rowbin_check_describe("", 0, err, sizeof err), ERR_SERVER_FATAL);
    assert_int_equal(rowbin_check_describe(NULL, 0, err, sizeof err), ERR_INVAL);
    assert_int_equal(rowbin_check_describe("", 0, NULL, 0), ERR_SERVER_FATAL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_primitives),   cmocka_unit_test(test_row_small),
        cmocka_unit_test(test_rows_append),  cmocka_unit_test(test_long_string),
        cmocka_unit_test(test_cap),          cmocka_unit_test(test_golden_rows),
        cmocka_unit_test(test_column_list),  cmocka_unit_test(test_structure),
        cmocka_unit_test(test_header),       cmocka_unit_test(test_describe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
