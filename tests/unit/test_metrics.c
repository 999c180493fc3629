/* metrics: exact Prometheus text for counters, gauges, labelled histograms, and the real
 * HTTP endpoint (libmicrohttpd on a free port) fetched with libcurl: /metrics, /healthz,
 * /readyz before and after ready, 404; concurrent writers from threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <curl/curl.h>
#include <pthread.h>

#include "../../ingest/err.h"
#include "../../ingest/worker.h"
#include "../../ingest/metrics.h"
#include "test_docs.h"

static char *render(metrics_t *m) {
    buf_t b;
    buf_init(&b, 0);
    metrics_render(m, &b);
    buf_put(&b, "", 1);
    assert_int_equal(buf_error(&b), 0);
    return (char *)b.data;
}

static void test_render_exact(void **state) {
    char err[128];
    metrics_t *m = metrics_new(err, sizeof err);
    assert_non_null(m);
    metrics_describe(m, "spanhouse_rejected_total", "counter", "Spans dead-lettered, by reason.");
    metrics_counter_add(m, "spanhouse_rejected_total", "reason=\"missing_field\"", 2);
    metrics_counter_add(m, "spanhouse_rejected_total", "reason=\"bad_utf8\"", 1);
    metrics_counter_add(m, "spanhouse_rejected_total", "reason=\"missing_field\"", 3);
    metrics_gauge_set(m, "spanhouse_paused_partitions", NULL, 4);
    metrics_gauge_set(m, "spanhouse_paused_partitions", NULL, 1.5);
    metrics_gauge_set(m, "spanhouse_rejected_total", NULL, 9); /* type clash: ignored */
    metrics_histogram_observe(m, "spanhouse_batch_rows", NULL, 7);
    metrics_histogram_observe(m, "spanhouse_batch_rows", NULL, 100000);
    metrics_histogram_observe(m, "spanhouse_batch_rows", NULL, 2e6);
    char *out = render(m);
    const char *want =
        "# HELP spanhouse_rejected_total Spans dead-lettered, by reason.\n"
        "# TYPE spanhouse_rejected_total counter\n"
        "spanhouse_rejected_total{reason=\"missing_field\"} 5\n"
        "spanhouse_rejected_total{reason=\"bad_utf8\"} 1\n"
        "# TYPE spanhouse_paused_partitions gauge\n"
        "spanhouse_paused_partitions 1.5\n"
        "# TYPE spanhouse_batch_rows histogram\n"
        "spanhouse_batch_rows_bucket{le=\"1\"} 0\n"
        "spanhouse_batch_rows_bucket{le=\"10\"} 1\n"
        "spanhouse_batch_rows_bucket{le=\"100\"} 1\n"
        "spanhouse_batch_rows_bucket{le=\"1000\"} 1\n"
        "spanhouse_batch_rows_bucket{le=\"5000\"} 1\n"
        "spanhouse_batch_rows_bucket{le=\"10000\"} 1\n"
        "spanhouse_batch_rows_bucket{le=\"50000\"} 1\n"
        "spanhouse_batch_rows_bucket{le=\"100000\"} 2\n"
        "spanhouse_batch_rows_bucket{le=\"500000\"} 2\n"
        "spanhouse_batch_rows_bucket{le=\"1000000\"} 2\n"
        "spanhouse_batch_rows_bucket{le=\"+Inf\"} 3\n"
        "spanhouse_batch_rows_sum 2100007\n"
        "spanhouse_batch_rows_count 3\n";
    assert_string_equal(out, want);
    free(out);
    metrics_destroy(m);
    metrics_destroy(NULL);
}

static void test_labelled_histogram_seconds(void **state) {
    char err[128];
    metrics_t *m = metrics_new(err, sizeof err);
    metrics_histogram_observe(m, "spanhouse_insert_seconds", "sink=\"http\"", 0.003);
    metrics_describe(m, "spanhouse_insert_seconds", "histogram", "Insert latency.\nPer request.");
    char *out = render(m);
    assert_non_null(strstr(out, "# HELP spanhouse_insert_seconds Insert latency.\\nPer request.\n"));
    assert_non_null(strstr(out, "spanhouse_insert_seconds_bucket{sink=\"http\",le=\"0.0025\"} 0\n"));
    assert_non_null(strstr(out, "spanhouse_insert_seconds_bucket{sink=\"http\",le=\"0.005\"} 1\n"));
    assert_non_null(strstr(out, "spanhouse_insert_seconds_bucket{sink=\"http\",le=\"60\"} 1\n"));
    assert_non_null(strstr(out, "spanhouse_insert_seconds_count{sink=\"http\"} 1\n"));
    free(out);
    metrics_destroy(m);
}

typedef struct {
    buf_t body;
} fetch_t;
static size_t on_body(char *p, size_t s, size_t n, void *ud) {
    buf_append(&((fetch_t *)ud)->body, p, s * n);
    return s * n;
}
static long http_get_auth(int port, const char *path, const char *userpwd, char **body);
static long http_get(int port, const char *path, char **body) {
    return http_get_auth(port, path, NULL, body);
}
static long http_get_auth(int port, const char *path, const char *userpwd, char **body) {
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    fetch_t f;
    buf_init(&f.body, 0);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &f);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    if (userpwd) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERPWD, userpwd);
    }
    long code = -1;
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(c);
    buf_put(&f.body, "", 1);
    if (body) *body = (char *)f.body.data;
    else buf_deinit(&f.body);
    return code;
}

static void *hammer(void *arg) {
    metrics_t *m = arg;
    for (int i = 0; i < 10000; i++) {
        metrics_counter_add(m, "spanhouse_consumed_total", NULL, 1);
        metrics_histogram_observe(m, "spanhouse_insert_seconds", NULL, 0.01);
    }
    return NULL;
}

static void test_http_endpoint(void **state) {
    char err[256];
    metrics_t *m = metrics_new(err, sizeof err);
    int port = 0;
    assert_int_equal(metrics_serve(m, "127.0.0.1:0", &port, err, sizeof err), ERR_OK);
    assert_true(port > 0);
    assert_int_not_equal(metrics_serve(m, "127.0.0.1:0", NULL, err, sizeof err), ERR_OK);
    pthread_t th[4];
    for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, hammer, m);
    char *body = NULL;
    assert_int_equal(http_get(port, "/healthz", NULL), 200);
    assert_int_equal(http_get(port, "/readyz", NULL), 503);
    metrics_set_ready(m, 1);
    assert_int_equal(http_get(port, "/readyz", NULL), 200);
    assert_int_equal(http_get(port, "/nope", NULL), 404);
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    assert_int_equal(http_get(port, "/metrics", &body), 200);
    assert_non_null(strstr(body, "spanhouse_consumed_total 40000\n"));
    assert_non_null(strstr(body, "spanhouse_insert_seconds_count 40000\n"));
    assert_non_null(strstr(body, "spanhouse_insert_seconds_bucket{le=\"0.01\"} 40000\n"));
    free(body);
    metrics_destroy(m);
    /* The port is released. */
    assert_int_equal(http_get(port, "/healthz", NULL), -1);
}

/* metrics-auth: /metrics answers 401 (with a Basic challenge) without the right user and
 * password, 200 with them; the probes stay open. */
static void test_http_basic_auth(void **state) {
    (void)state;
    char err[256];
    metrics_t *m = metrics_new(err, sizeof err);
    assert_int_equal(metrics_set_auth(m, "prom:s3cr:et"), ERR_OK); /* the password may hold ':' */
    int port = 0;
    assert_int_equal(metrics_serve(m, "127.0.0.1:0", &port, err, sizeof err), ERR_OK);
    metrics_counter_add(m, "spanhouse_consumed_total", NULL, 7);
    metrics_set_ready(m, 1);
    char *body = NULL;
    assert_int_equal(http_get(port, "/metrics", &body), 401);
    assert_null(strstr(body, "spanhouse_consumed_total"));
    free(body);
    assert_int_equal(http_get_auth(port, "/metrics", "prom:wrong", NULL), 401);
    assert_int_equal(http_get_auth(port, "/metrics", "prom:s3cr:e", NULL), 401);
    assert_int_equal(http_get_auth(port, "/metrics", "pro:s3cr:et", NULL), 401);
    assert_int_equal(http_get_auth(port, "/metrics", "prom:s3cr:et", &body), 200);
    assert_non_null(strstr(body, "spanhouse_consumed_total 7\n"));
    free(body);
    assert_int_equal(http_get(port, "/healthz", NULL), 200);
    assert_int_equal(http_get(port, "/readyz", NULL), 200);
    metrics_destroy(m);
}

/* A non-loopback IPv4 address of this machine, or 0 when it has none. */
static int other_ipv4(char *out, size_t n) {
    struct ifaddrs *ifs, *i;
    int found = 0;
    if (getifaddrs(&ifs) != 0) return 0;
    for (i = ifs; i && !found; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
        struct in_addr a = ((struct sockaddr_in *)i->ifa_addr)->sin_addr;
        if ((ntohl(a.s_addr) >> 24) == 127) continue;
        found = inet_ntop(AF_INET, &a, out, (socklen_t)n) != NULL;
    }
    freeifaddrs(ifs);
    return found;
}

static int tcp_connects(const char *ip, int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, ip, &sa.sin_addr);
    int ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    close(fd);
    return ok;
}

/* ":port" listens on loopback only (the endpoints have no authentication); "0.0.0.0:port"
 * on every interface. */
static void test_port_only_is_loopback(void **state) {
    char err[256], ip[64];
    metrics_t *m = metrics_new(err, sizeof err);
    int port = 0;
    assert_int_equal(metrics_serve(m, ":0", &port, err, sizeof err), ERR_OK);
    assert_int_equal(http_get(port, "/healthz", NULL), 200);
    if (other_ipv4(ip, sizeof ip)) assert_false(tcp_connects(ip, port));
    metrics_destroy(m);
    m = metrics_new(err, sizeof err);
    assert_int_equal(metrics_serve(m, "0.0.0.0:0", &port, err, sizeof err), ERR_OK);
    if (other_ipv4(ip, sizeof ip)) assert_true(tcp_connects(ip, port));
    metrics_destroy(m);
}

static void test_bad_addr(void **state) {
    char err[256];
    metrics_t *m = metrics_new(err, sizeof err);
    assert_int_equal(metrics_serve(m, "127.0.0.1:http", NULL, err, sizeof err), ERR_CONFIG);
    assert_int_equal(metrics_serve(m, "127.0.0.1:70000", NULL, err, sizeof err), ERR_CONFIG);
    metrics_destroy(m);
}

/* docs/operations.md ("metrics and health") names every metric of the worker's table. */
static void test_docs_list_every_metric(void **state) {
    (void)state;
    char *doc = doc_read("docs/operations.md", NULL);
    assert_non_null(doc);
    for (int i = 0; i < WM__N; i++) {
        char want[128];
        snprintf(want, sizeof want, "`%s", worker_metric_names[i]);
        if (!strstr(doc, want)) fail_msg("%s is not in docs/operations.md", worker_metric_names[i]);
    }
    free(doc);
}

int main(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_exact),
        cmocka_unit_test(test_labelled_histogram_seconds),
        cmocka_unit_test(test_http_endpoint), cmocka_unit_test(test_http_basic_auth),
        cmocka_unit_test(test_port_only_is_loopback),
        cmocka_unit_test(test_bad_addr),
        cmocka_unit_test(test_docs_list_every_metric),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
