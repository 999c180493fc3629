/* Round trip of rowbin through the real modern engine (libchdb, ClickHouse 26.x):
 * a MergeTree table is created from rowbin_structure(0), batches of varied spans (generated
 * and hand-made edge cases: unicode, empty strings, max values, nullables set and unset,
 * attributes) are inserted as RowBinary, read back as RowBinary and compared byte for byte
 * with what was sent, and spot-checked as text (Decimal scale, DateTime64 ms, NULLs, map).
 * Also loads the same rows with a RowBinaryWithNamesAndTypes header through file(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../ingest/chdb.h"
#include "../../ingest/columns.h"
#include "gen.h"
#include "../../ingest/rowbin.h"

static chdb_t *db;
static char err[4096];

static int setup(void **state) {
    db = chdb_open(NULL, err, sizeof(err));
    if (!db) fprintf(stderr, "chdb_open: %s\n", err);
    return db ? 0 : -1;
}
static int teardown(void **state) {
    chdb_close(db);
    return 0;
}

static void exec_ok(const char *sql) {
    if (chdb_exec(db, sql, NULL, NULL, NULL, err, sizeof err) != 0) fail_msg("%s: %s", sql, err);
}
static char *query(const char *sql, const char *fmt, size_t *len) {
    char *out = NULL;
    if (chdb_exec(db, sql, fmt, &out, len, err, sizeof err) != 0) fail_msg("%s: %s", sql, err);
    return out;
}

/* The structure with single quotes escaped, for use inside a SQL string literal. */
static const char *structure_sql(int legacy) {
    static char s[2][8192];
    char *d = s[legacy];
    size_t n = 0;
    for (const char *p = rowbin_structure(legacy); *p; p++) {
        if (*p == '\'') d[n++] = '\\';
        d[n++] = *p;
    }
    d[n] = '\0';
    return d;
}

static void create_table(const char *name) {
    char sql[8192];
    snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS %s", name);
    exec_ok(sql);
    snprintf(sql, sizeof sql, "CREATE TABLE %s (%s) ENGINE = MergeTree ORDER BY tuple()", name,
             rowbin_structure(0));
    exec_ok(sql);
}

/* Edge-case spans, kafka_offset = index so the read-back order is known. */
static const char big_attr[] = "a value with \t tab, \n newline, \\ backslash and 'quotes'";
static void fill_edge(span_t *s, int i) {
    span_reset(s);
    s->kafka_offset = i;
    s->kafka_topic = SPAN_STR_LIT("llm-spans");
    switch (i) {
    case 0: /* all empty / zero, nullables unset */
        break;
    case 1: /* max values */
        s->ts_ms = 4102444799999LL; /* 2099-12-31 23:59:59.999 */
        s->input_tokens = s->output_tokens = s->cache_read_tokens = UINT32_MAX;
        s->cache_write_tokens = s->reasoning_tokens = s->latency_ms = UINT32_MAX;
        s->cost_nusd = 999999999999999999LL; /* Decimal(18, 9) max */
        s->cost_computed_nusd = -999999999999999999LL;
        s->ttft_ms = UINT32_MAX;
        s->quality_score = 1.0f;
        s->present = SPAN_HAS_TTFT | SPAN_HAS_QUALITY;
        s->streaming = s->cache_hit = s->is_batch = 1;
        s->http_status = s->retry_count = UINT16_MAX;
        s->kafka_partition = INT32_MAX;
        s->ingested_ms = 4102444799999LL;
        break;
    case 2: /* unicode everywhere, attributes with escapes, TTFT set but quality unset */
        s->ts_ms = 1764000000123;
        s->trace_id = SPAN_STR_LIT("Zoë 東京 🚀");
        s->user_id = SPAN_STR_LIT("ユーザー");
        s->feature = SPAN_STR_LIT("résumé");
        s->tenant_id = SPAN_STR_LIT("acme");
        s->model = SPAN_STR_LIT("gpt-4o");
        s->ttft_ms = 0;
        s->present = SPAN_HAS_TTFT;
        s->n_attrs = 3;
        s->attrs[0] = (span_attr_t){SPAN_STR_LIT("region"), SPAN_STR_LIT("eu-west-1")};
        s->attrs[1] = (span_attr_t){SPAN_STR_LIT("note"), span_str(big_attr, sizeof big_attr - 1)};
        s->attrs[2] = (span_attr_t){SPAN_STR_LIT("json"), SPAN_STR_LIT("{\"a\":[1,2]}")};
        s->kafka_partition = -1;
        break;
    case 3: /* quality set, TTFT unset, small cost */
        s->ts_ms = 1;
        s->cost_nusd = 1;
        s->cost_computed_nusd = 123456789;
        s->quality_score = 0.125f;
        s->present = SPAN_HAS_QUALITY;
        s->status = SPAN_STR_LIT("error");
        s->error_class = SPAN_STR_LIT("rate_limit");
        s->http_status = 429;
        break;
    }
}
#define N_EDGE 4

static void roundtrip_check(const char *table, const buf_t *b, size_t nrows) {
    char sql[8192];
    size_t len = 0;
    snprintf(sql, sizeof sql, "SELECT count() FROM %s", table);
    char *out = query(sql, "TSV", NULL);
    assert_int_equal(strtoull(out, NULL, 10), nrows);
    free(out);
    snprintf(sql, sizeof sql, "SELECT %s FROM %s ORDER BY kafka_offset", rowbin_column_list(), table);
    out = query(sql, "RowBinary", &len);
    if (len != b->len || memcmp(out, b->data, len) != 0) {
        size_t i = 0;
        while (i < len && i < b->len && (uint8_t)out[i] == b->data[i]) i++;
        fail_msg("read-back bytes differ: got %zu, sent %zu, first difference at %zu", len, b->len, i);
    }
    free(out);
}

static void test_roundtrip_edge_and_generated(void **state) {
    static span_t s;
    buf_t b;
    buf_init(&b, 0);
    create_table("t_rt");
    for (int i = 0; i < N_EDGE; i++) {
        fill_edge(&s, i);
        rowbin_encode_span(&b, &s);
    }
    /* Generated spans: every realistic shape (errors, cache hits, streaming, quality…). */
    gen_opts_t o;
    gen_opts_default(&o);
    o.count = 3000;
    o.seed = 7;
    o.spike = o.regression = 1;
    gen_t *g = gen_new(&o, err, sizeof err);
    assert_non_null(g);
    buf_t msg;
    buf_init(&msg, 0);
    size_t n = N_EDGE;
    while (gen_next(g, &msg, NULL, 0, NULL) == 1) {
        msg.len = 0;
        gen_span(g, &s);
        s.kafka_offset = (int64_t)n++;
        s.cost_computed_nusd = s.cost_nusd / 2;
        s.ingested_ms = s.ts_ms + 1500;
        rowbin_encode_span(&b, &s);
    }
    assert_int_equal(buf_error(&b), 0);
    /* Two inserts (batches): the edge rows, then the generated ones. */
    size_t cut = 0;
    {
        buf_t first;
        buf_init(&first, 0);
        for (int i = 0; i < N_EDGE; i++) {
            fill_edge(&s, i);
            rowbin_encode_span(&first, &s);
        }
        cut = first.len;
        assert_memory_equal(first.data, b.data, cut);
        buf_deinit(&first);
    }
    if (chdb_insert_rowbinary(db, "t_rt", rowbin_column_list(), structure_sql(0), NULL, b.data,
                              cut, err, sizeof err) != 0)
        fail_msg("insert 1: %s", err);
    if (chdb_insert_rowbinary(db, "t_rt", rowbin_column_list(), structure_sql(0), NULL,
                              b.data + cut, b.len - cut, err, sizeof err) != 0)
        fail_msg("insert 2: %s", err);
    roundtrip_check("t_rt", &b, n);

    /* Semantic spot checks: the server reads the bytes as the types mean. */
    char *out = query("SELECT timestamp, toUnixTimestamp64Milli(timestamp), cost_usd, cost_usd_computed, "
                      "ttft_ms, quality_score, trace_id, user_id, feature, attributes['note'], "
                      "attributes['json'], length(attributes), kafka_partition, http_status "
                      "FROM t_rt WHERE kafka_offset < 4 ORDER BY kafka_offset",
                      "TSV", NULL);
    const char *want =
        "1970-01-01 00:00:00.000\t0\t0\t0\t\\N\t\\N\t\t\t\t\t\t0\t0\t0\n"
        "2099-12-31 23:59:59.999\t4102444799999\t999999999.999999999\t-999999999.999999999\t4294967295\t1\t\t\t\t\t\t0\t2147483647\t65535\n"
        "2025-11-24 16:00:00.123\t1764000000123\t0\t0\t0\t\\N\tZoë 東京 🚀\tユーザー\trésumé\t"
        "a value with \\t tab, \\n newline, \\\\ backslash and \\'quotes\\'\t{\"a\":[1,2]}\t3\t-1\t0\n"
        "1970-01-01 00:00:00.001\t1\t0.000000001\t0.123456789\t\\N\t0.125\t\t\t\t\t\t0\t0\t429\n";
    assert_string_equal(out, want);
    free(out);

    /* Aggregates over the generated rows equal those computed from the spans in C. */
    gen_destroy(g);
    g = gen_new(&o, err, sizeof err);
    uint64_t in_sum = 0;
    int64_t cost_sum = 0;
    size_t with_ttft = 0, with_q = 0;
    while (gen_next(g, &msg, NULL, 0, NULL) == 1) {
        msg.len = 0;
        gen_span(g, &s);
        in_sum += s.input_tokens;
        cost_sum += s.cost_nusd;
        with_ttft += (s.present & SPAN_HAS_TTFT) != 0;
        with_q += (s.present & SPAN_HAS_QUALITY) != 0;
    }
    char wantagg[256];
    snprintf(wantagg, sizeof wantagg, "%llu\t%lld.%09lld\t%zu\t%zu\n", (unsigned long long)in_sum,
             (long long)(cost_sum / 1000000000), (long long)(cost_sum % 1000000000), with_ttft, with_q);
    out = query("SELECT sum(input_tokens), toDecimalString(sum(cost_usd), 9), count(ttft_ms), count(quality_score) "
                "FROM t_rt WHERE kafka_offset >= 4",
                "TSV", NULL);
    assert_string_equal(out, wantagg);
    free(out);

    gen_destroy(g);
    buf_deinit(&msg);
    buf_deinit(&b);
}

/* The same rows with a RowBinaryWithNamesAndTypes header: accepted when the types in the
 * header match the table's exactly (LowCardinality named as such), refused otherwise. */
static void test_names_and_types(void **state) {
    static span_t s;
    char path[256], sql[16384];
    create_table("t_nt");
    /* Variant 0: the modern header. 1: the legacy (18.16) header. 2: the modern header with
     * plain String where the table says LowCardinality(String). */
    for (int legacy = 0; legacy < 3; legacy++) {
        buf_t b;
        buf_init(&b, 0);
        if (legacy < 2) {
            rowbin_names_types_header(&b, legacy);
        } else {
            static const char *const nm[] = {
#define N_(name, mt, lt, kind, field) #name,
                COLUMNS_MAP(N_)
#undef N_
            };
            static const char *const ty[] = {
#define T_(name, mt, lt, kind, field) mt,
                COLUMNS_MAP(T_)
#undef T_
            };
            size_t nc = sizeof nm / sizeof nm[0];
            rowbin_put_varuint(&b, nc);
            for (size_t i = 0; i < nc; i++) rowbin_put_cstr(&b, nm[i]);
            for (size_t i = 0; i < nc; i++)
                rowbin_put_cstr(&b, strcmp(ty[i], LC) == 0 ? "String" : ty[i]);
        }
        for (int i = 0; i < N_EDGE; i++) {
            fill_edge(&s, i);
            rowbin_encode_span(&b, &s);
        }
        snprintf(path, sizeof path, "/tmp/spanhouse-test-rbnt-%d-%d.bin", (int)getpid(), legacy);
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(b.data, 1, b.len, f), b.len);
        fclose(f);
        snprintf(sql, sizeof sql,
                 "INSERT INTO t_nt (%s) SELECT * FROM file('%s', RowBinaryWithNamesAndTypes, '%s')",
                 rowbin_column_list(), path, structure_sql(0));
        int rc = chdb_exec(db, sql, NULL, NULL, NULL, err, sizeof err);
        unlink(path);
        if (legacy == 0) {
            if (rc != 0) fail_msg("modern header refused: %s", err);
        } else {
            /* Header types are checked strictly (Code 117, INCORRECT_DATA). */
            assert_int_equal(rc, -1);
            if (!strstr(err, "Code: 117.") ||
                !strstr(err, legacy == 1 ? "Type of 'timestamp' must be DateTime64(3, 'UTC'), not Int64"
                                         : "Type of 'provider' must be LowCardinality(String), not String"))
                fail_msg("unexpected error: %s", err);
        }
        buf_deinit(&b);
    }
    /* What was loaded through the header reads back byte for byte. */
    buf_t rows;
    buf_init(&rows, 0);
    for (int i = 0; i < N_EDGE; i++) {
        fill_edge(&s, i);
        rowbin_encode_span(&rows, &s);
    }
    roundtrip_check("t_nt", &rows, N_EDGE);
    buf_deinit(&rows);
}

/* DESCRIBE TABLE of a table created from the structure passes the check; a drifted one fails. */
static void test_describe_real(void **state) {
    char e2[512];
    create_table("t_desc");
    char *out = query("DESCRIBE TABLE t_desc", "TSV", NULL);
    assert_int_equal(rowbin_check_describe(out, 0, e2, sizeof e2), 0);
    free(out);
    exec_ok("ALTER TABLE t_desc MODIFY COLUMN cost_usd Float64");
    out = query("DESCRIBE TABLE t_desc", "TSV", NULL);
    assert_int_not_equal(rowbin_check_describe(out, 0, e2, sizeof e2), 0);
    assert_string_equal(e2, "column cost_usd has type Float64, spanhouse writes Decimal(18, 9) (modern schema)");
    free(out);
    exec_ok("ALTER TABLE t_desc DROP COLUMN evaluator");
    exec_ok("ALTER TABLE t_desc MODIFY COLUMN cost_usd Decimal(18, 9)");
    out = query("DESCRIBE TABLE t_desc", "TSV", NULL);
    assert_int_not_equal(rowbin_check_describe(out, 0, e2, sizeof e2), 0);
    assert_string_equal(e2, "table has no column evaluator (expected type LowCardinality(String))");
    free(out);
}

/* The golden rows of test_rowbin.c are what the engine reads: loaded as they are, they read
 * back byte for byte and mean what test_rowbin.c's spans say. */
static void test_golden_file(void **state) {
    static uint8_t data[65536];
    FILE *f = fopen("tests/unit/golden/rowbin_rows.bin", "rb");
    if (!f) fail_msg("cannot open the golden file (run from the repository root)");
    size_t n = fread(data, 1, sizeof data, f);
    fclose(f);
    create_table("t_golden");
    if (chdb_insert_rowbinary(db, "t_golden", rowbin_column_list(), structure_sql(0), NULL, data,
                              n, err, sizeof err) != 0)
        fail_msg("insert: %s", err);
    buf_t b = {.data = data, .len = n, .cap = n};
    roundtrip_check("t_golden", &b, 2);
    char *out = query("SELECT timestamp, trace_id, model, cost_usd, ttft_ms, quality_score, "
                      "attributes, user_id, input_tokens, kafka_offset FROM t_golden ORDER BY kafka_offset",
                      "TSV", NULL);
    assert_string_equal(out,
                        "2025-11-24 16:00:00.123\t4bf92f3577b34da6a3ce929d0e0e4736\tgpt-4o-mini\t0.123456789\t321\t0.875\t"
                        "{'region':'eu-west-1','tries':'2'}\t\t1200\t123456789012\n"
                        "1970-01-01 00:00:00.000\tffffffffffffffffffffffffffffffff\tclaude-sonnet-4\t9223372036.854775807\t\\N\t\\N\t"
                        "{'':'{\"a\":1}'}\tZoë 東京 🚀\t4294967295\t9223372036854775807\n");
    free(out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_edge_and_generated),
        cmocka_unit_test(test_names_and_types),
        cmocka_unit_test(test_describe_real),
        cmocka_unit_test(test_golden_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
