/* sink.c without a server: the code → class table, "Code: N" parsing of both the 18.16 and
 * the modern message formats, the HTTP-status fallback, message trimming, backoff bounds,
 * growth, cap, determinism per seed, and HTTP sink configuration errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../ingest/sink.h"
#include "../../ingest/sink_http.h"
#include "test_docs.h"

static void test_code_classes(void **state) {
    int retry[] = {252, 241, 159, 209, 210, 242, 236, 202, 999, 225};
    int rejected[] = {27, 32, 33, 117, 53, 131, 6, 72};
    int fatal[] = {516, 60, 16, 81, 497, 115, 193, 194, 192, 62, 89};
    for (size_t i = 0; i < sizeof retry / sizeof *retry; i++)
        assert_int_equal(sink_code_class(retry[i]), ERR_SERVER_RETRY);
    for (size_t i = 0; i < sizeof rejected / sizeof *rejected; i++)
        assert_int_equal(sink_code_class(rejected[i]), ERR_SERVER_REJECTED);
    for (size_t i = 0; i < sizeof fatal / sizeof *fatal; i++)
        assert_int_equal(sink_code_class(fatal[i]), ERR_SERVER_FATAL);
    assert_int_equal(sink_code_class(123456), ERR_OK);
    assert_string_equal(sink_code_name(252), "TOO_MANY_PARTS");
    assert_null(sink_code_name(4242));
}

static void test_classify_fallback(void **state) {
    assert_int_equal(sink_classify(252, 500), ERR_SERVER_RETRY);
    assert_int_equal(sink_classify(60, 404), ERR_SERVER_FATAL);
    assert_int_equal(sink_classify(27, 400), ERR_SERVER_REJECTED);
    assert_int_equal(sink_classify(0, 500), ERR_SERVER_RETRY);
    assert_int_equal(sink_classify(0, 503), ERR_SERVER_RETRY);
    /* a proxy's body limit: split the batch, not stop the worker */
    assert_int_equal(sink_classify(0, 413), ERR_SERVER_REJECTED);
    assert_int_equal(sink_classify(469, 500), ERR_SERVER_REJECTED); /* VIOLATED_CONSTRAINT */
    assert_int_equal(sink_classify(0, 429), ERR_SERVER_RETRY);
    assert_int_equal(sink_classify(0, 408), ERR_SERVER_RETRY);
    assert_int_equal(sink_classify(0, 401), ERR_SERVER_FATAL);
    assert_int_equal(sink_classify(0, 404), ERR_SERVER_FATAL);
    assert_int_equal(sink_classify(4242, 400), ERR_SERVER_FATAL); /* unknown code, 4xx */
    assert_int_equal(sink_classify(4242, 500), ERR_SERVER_RETRY); /* unknown code, 5xx */
    assert_int_equal(sink_classify(4242, 0), ERR_SERVER_RETRY);   /* embedded, unknown */
}

static void test_parse_code(void **state) {
    const char *old = "Code: 60, e.displayText() = DB::Exception: Table x doesn't exist., e.what() = DB::Exception\n";
    const char *cur = "Code: 252. DB::Exception: Too many parts (300). (TOO_MANY_PARTS) (version 24.3)";
    assert_int_equal(sink_parse_code(old, strlen(old)), 60);
    assert_int_equal(sink_parse_code(cur, strlen(cur)), 252);
    const char *inner = "Received from x. DB::Exception: Code: 33. Cannot read";
    assert_int_equal(sink_parse_code(inner, strlen(inner)), 33);
    assert_int_equal(sink_parse_code("Code: ", 6), 0);
    assert_int_equal(sink_parse_code("Code: 12x", 9), 0);
    assert_int_equal(sink_parse_code("Code: 1234567.", 14), 0);
    assert_int_equal(sink_parse_code("no code", 7), 0);
    assert_int_equal(sink_parse_code("Code: 27", 8), 27); /* at the very end, not NUL-terminated */
}

static void test_result_from_message(void **state) {
    sink_result_t r;
    memset(&r, 0, sizeof r);
    const char *m = "\n  Code: 27. DB::Exception: Cannot parse input\nat row 1\n\n";
    assert_int_equal(sink_result_from_message(&r, m, strlen(m), 500), ERR_SERVER_REJECTED);
    assert_int_equal(r.ch_code, 27);
    assert_int_equal(r.http_status, 500);
    assert_string_equal(r.msg, "Code: 27. DB::Exception: Cannot parse input at row 1");
    /* A header code wins over the body. */
    memset(&r, 0, sizeof r);
    r.ch_code = 252;
    assert_int_equal(sink_result_from_message(&r, m, strlen(m), 500), ERR_SERVER_RETRY);
    /* Long messages are truncated, NUL-terminated. */
    char big[5000];
    memset(big, 'x', sizeof big);
    memset(&r, 0, sizeof r);
    assert_int_equal(sink_result_from_message(&r, big, sizeof big, 503), ERR_SERVER_RETRY);
    assert_int_equal(strlen(r.msg), sizeof(r.msg) - 1);
}

/* A data-error code the server got from ANOTHER server (a Distributed insert whose shard
 * connection broke) says nothing about our bytes: other shards may have stored their part, so
 * the same bytes must be sent again (the shards' dedup drops what they hold), never split.
 * Seen on 18.16 in tests/integration/t_cluster_replicas.sh: the replica being written to was
 * killed, the insert answered code 32 and the batches re-sent one by one stored 3,000 rows twice. */
static void test_remote_failure_is_retried(void **state) {
    (void)state;
    static const char *remote[] = {
        "Code: 32, e.displayText() = DB::Exception: Attempt to read after eof: while receiving "
        "packet from 127.0.0.1:23047: Insertion status:\nWrote 1 blocks and 500 rows on shard 0 "
        "replica 0, 127.0.0.1:23041 (average 3 ms per block)",
        "Code: 32. DB::Exception: Attempt to read after eof: while receiving packet from "
        "ch-2:9000, local address: 10.0.0.5:51432. (ATTEMPT_TO_READ_AFTER_EOF) (version 24.8.1.1)",
        "Code: 33. DB::Exception: Cannot read all data. Bytes read: 0. Bytes expected: 8.: "
        "while receiving packet from ch-3:9000. (CANNOT_READ_ALL_DATA)",
    };
    for (size_t i = 0; i < sizeof remote / sizeof remote[0]; i++) {
        sink_result_t r;
        memset(&r, 0, sizeof r);
        assert_int_equal(sink_result_from_message(&r, remote[i], strlen(remote[i]), 500),
                         ERR_SERVER_RETRY);
    }
    /* Our own bytes cut short are still ours: split and dead-lettered. */
    const char *own = "Code: 33. DB::Exception: Cannot read all data. Bytes read: 3. Bytes "
                      "expected: 8.: (at row 12)\n: While executing RowBinaryRowInputFormat. "
                      "(CANNOT_READ_ALL_DATA)";
    sink_result_t r;
    memset(&r, 0, sizeof r);
    assert_int_equal(sink_result_from_message(&r, own, strlen(own), 500), ERR_SERVER_REJECTED);
}

static void test_backoff(void **state) {
    sink_backoff_t a, b;
    sink_backoff_init(&a, 100, 3000, 42);
    sink_backoff_init(&b, 100, 3000, 42);
    uint64_t maxseen = 0;
    for (int i = 0; i < 200; i++) {
        uint64_t ceil = 100ull << (i < 10 ? i : 10);
        if (ceil > 3000) ceil = 3000;
        uint64_t d = sink_backoff_next(&a);
        assert_true(d <= ceil);
        assert_int_equal(d, sink_backoff_next(&b)); /* same seed, same sequence */
        if (i >= 5 && d > maxseen) maxseen = d;
    }
    assert_true(maxseen > 1500); /* full jitter reaches near the cap */
    sink_backoff_reset(&a);
    for (int i = 0; i < 50; i++) {
        sink_backoff_reset(&a);
        assert_true(sink_backoff_next(&a) <= 100);
    }
    sink_backoff_init(&a, 0, 0, 0); /* defaults */
    assert_int_equal(a.base_ms, 100);
    assert_int_equal(a.cap_ms, 30000);
    assert_true(a.rng != 0);
    /* Different seeds decorrelate workers. */
    sink_backoff_init(&a, 1000, 60000, 1);
    sink_backoff_init(&b, 1000, 60000, 2);
    int same = 0;
    for (int i = 0; i < 20; i++) same += sink_backoff_next(&a) == sink_backoff_next(&b);
    assert_true(same < 3);
}

static void test_http_conf_errors(void **state) {
    char err[256];
    sink_http_conf_t c = {.url = "http://127.0.0.1:1", .compression = "brotli"};
    assert_null(sink_http_new(&c, err, sizeof err));
    assert_non_null(strstr(err, "brotli"));
    c.compression = "gzip";
    c.url = "ftp://x";
    assert_null(sink_http_new(&c, err, sizeof err));
    c.url = NULL;
    assert_null(sink_http_new(&c, err, sizeof err));
    c.url = "http://127.0.0.1:1";
    c.legacy = 7;
    assert_null(sink_http_new(&c, err, sizeof err));
    c.legacy = 1;
    c.connect_timeout_ms = 300;
    sink_t *sk = sink_http_new(&c, err, sizeof err);
    assert_non_null(sk);
    assert_string_equal(sink_kind(sk), "http");
    /* Port 1 on loopback refuses: a network error, not a crash. */
    sink_result_t r;
    assert_int_equal(sink_insert(sk, "t", "a", NULL, "x", 1, NULL, &r), ERR_NETWORK);
    assert_int_equal(r.http_status, 0);
    assert_true(strlen(r.msg) > 0);
    sink_destroy(sk);
    sink_destroy(NULL);
}

/* docs/operations.md lists every code of the table with its class (run from the repo root). */
static void test_docs_list_every_code(void **state) {
    char *doc = doc_read("docs/operations.md", NULL);
    assert_non_null(doc);
    static const char *cls_row[] = {[ERR_SERVER_RETRY] = "| `ERR_SERVER_RETRY` |",
                                    [ERR_SERVER_REJECTED] = "| `ERR_SERVER_REJECTED` |",
                                    [ERR_SERVER_FATAL] = "| `ERR_SERVER_FATAL` |"};
    int listed = 0;
    for (int code = 1; code < 2000; code++) {
        const char *name = sink_code_name(code);
        if (!name) continue;
        char want[96];
        snprintf(want, sizeof want, "%s (%d)", name, code);
        const char *row = strstr(doc, cls_row[sink_code_class(code)]);
        assert_non_null(row);
        const char *eol = strchr(row, '\n');
        const char *hit = strstr(row, want);
        if (!hit || hit > eol) fail_msg("%s not in the %s row of docs/operations.md", want, cls_row[sink_code_class(code)]);
        listed++;
    }
    assert_true(listed > 40);
    free(doc);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_code_classes),
        cmocka_unit_test(test_classify_fallback),
        cmocka_unit_test(test_parse_code),
        cmocka_unit_test(test_result_from_message),
        cmocka_unit_test(test_remote_failure_is_retried),
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_http_conf_errors),
        cmocka_unit_test(test_docs_list_every_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
