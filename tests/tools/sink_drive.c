/* sink_drive: runs a script of sink operations against a ClickHouse HTTP endpoint (or the
 * fault stub) with ONE sink, so tests can kill and restart servers between steps and check
 * that the kept-alive connection recovers. Reads commands from stdin, one per line:
 *   insert LABEL ROWS FIRST_ID [TOKEN|-]   encode spans FIRST_ID.. (spangen.h) and insert them
 *                                          (also prints "PAYLOAD LABEL len=N crc=X", crc32)
 *   corrupt LABEL ROWS                     ROWS good rows followed by half a row
 *   exec LABEL SQL…                        run SQL, print the result after the RESULT line
 *   bench LABEL TOTAL BATCH                insert TOTAL rows in BATCH-row requests, timed
 *   stats LABEL                            print request/connection/byte counters
 *   signal PATH | waitfile PATH            create PATH | wait (≤ 60 s) until PATH exists
 *   sleep MS                               pause (lets the server close an idle connection)
 * Each step prints "RESULT LABEL ERRNAME CH_CODE HTTP_STATUS MESSAGE".
 * Options: --url U --database D --table T --user U --password P --compression C
 *          --legacy N --timeout-ms N --connect-timeout-ms N --tls-verify 0|1 --ca-file F */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "sink_http.h"
#include "spangen.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void print_result(const char *label, const sink_result_t *r) {
    printf("RESULT %s %s %d %d %s\n", label, r->err == ERR_OK ? "ERR_OK" : err_name(r->err),
           r->ch_code, r->http_status, r->msg);
    fflush(stdout);
}

int main(int argc, char **argv) {
    sink_http_conf_t c = {.url = NULL, .legacy = 1, .tls_verify = 1};
    const char *table = "spanhouse.llm_spans";
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--url")) c.url = v;
        else if (!strcmp(k, "--database")) c.database = v;
        else if (!strcmp(k, "--table")) table = v;
        else if (!strcmp(k, "--user")) c.user = v;
        else if (!strcmp(k, "--password")) c.password = v;
        else if (!strcmp(k, "--compression")) c.compression = v;
        else if (!strcmp(k, "--legacy")) c.legacy = atoi(v);
        else if (!strcmp(k, "--timeout-ms")) c.timeout_ms = atol(v);
        else if (!strcmp(k, "--connect-timeout-ms")) c.connect_timeout_ms = atol(v);
        else if (!strcmp(k, "--tls-verify")) c.tls_verify = atoi(v);
        else if (!strcmp(k, "--ca-file")) c.ca_file = v;
        else {
            fprintf(stderr, "unknown option %s\n", k);
            return 2;
        }
    }
    char err[256];
    sink_t *sk = sink_http_new(&c, err, sizeof err);
    if (!sk) {
        fprintf(stderr, "sink_http_new: %s\n", err);
        return 2;
    }
    const char *cols = rowbin_column_list();
    buf_t b;
    buf_init(&b, 0);
    char line[8192];
    sink_result_t r;
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = 0;
        char cmd[32] = "", label[128] = "";
        int off = 0;
        if (sscanf(line, "%31s %127s %n", cmd, label, &off) < 1 || cmd[0] == '#') continue;
        const char *rest = off ? line + off : "";
        if (!strcmp(cmd, "insert") || !strcmp(cmd, "corrupt")) {
            unsigned long long rows = 0, first = 0;
            char token[256] = "-";
            if (!strcmp(cmd, "insert")) sscanf(rest, "%llu %llu %255s", &rows, &first, token);
            else sscanf(rest, "%llu", &rows);
            buf_reset(&b);
            spangen_rows(&b, first, rows);
            if (!strcmp(cmd, "corrupt")) {
                size_t keep = b.len;
                spangen_rows(&b, first + rows, 1);
                buf_truncate(&b, keep + (b.len - keep) / 2);
            }
            sink_insert(sk, table, cols, NULL, b.data, b.len, strcmp(token, "-") ? token : NULL, &r);
            print_result(label, &r);
            printf("PAYLOAD %s len=%zu crc=%08lx\n", label, b.len,
                   crc32(0, b.data ? b.data : (const Bytef *)"", (uInt)b.len));
        } else if (!strcmp(cmd, "exec")) {
            char *out = NULL;
            sink_exec(sk, rest, &out, &r);
            print_result(label, &r);
            if (out) fputs(out, stdout);
            free(out);
            fflush(stdout);
        } else if (!strcmp(cmd, "bench")) {
            unsigned long long total = 0, batch = 0;
            sscanf(rest, "%llu %llu", &total, &batch);
            if (!batch) batch = total;
            double spent = 0, cpu = 0;
            sink_http_stats_t s0, s1;
            sink_http_stats(sk, &s0);
            memset(&r, 0, sizeof r);
            for (unsigned long long done = 0; done < total && r.err == ERR_OK; done += batch) {
                unsigned long long n = total - done < batch ? total - done : batch;
                buf_reset(&b);
                spangen_rows(&b, done, n);
                double t0 = now_s(), c0 = cpu_s();
                sink_insert(sk, table, cols, NULL, b.data, b.len, NULL, &r);
                spent += now_s() - t0;
                cpu += cpu_s() - c0;
            }
            sink_http_stats(sk, &s1);
            print_result(label, &r);
            printf("BENCHLINE %s rows=%llu seconds=%.3f rows_per_s=%.0f bytes_raw=%llu bytes_sent=%llu requests=%llu cpu_ns_per_row=%.0f\n",
                   label, total, spent, spent > 0 ? total / spent : 0,
                   (unsigned long long)(s1.bytes_raw - s0.bytes_raw),
                   (unsigned long long)(s1.bytes_sent - s0.bytes_sent),
                   (unsigned long long)(s1.requests - s0.requests), total ? cpu * 1e9 / total : 0);
            fflush(stdout);
        } else if (!strcmp(cmd, "stats")) {
            sink_http_stats_t s;
            sink_http_stats(sk, &s);
            printf("STATS %s requests=%llu connects=%llu bytes_raw=%llu bytes_sent=%llu\n", label,
                   (unsigned long long)s.requests, (unsigned long long)s.connects,
                   (unsigned long long)s.bytes_raw, (unsigned long long)s.bytes_sent);
            fflush(stdout);
        } else if (!strcmp(cmd, "sleep")) {
            usleep((useconds_t)atoi(label) * 1000);
        } else if (!strcmp(cmd, "signal")) {
            FILE *f = fopen(label, "w");
            if (f) fclose(f);
        } else if (!strcmp(cmd, "waitfile")) {
            struct stat st;
            for (int i = 0; i < 600 && stat(label, &st) != 0; i++) usleep(100000);
        } else {
            fprintf(stderr, "unknown command %s\n", cmd);
        }
    }
    buf_deinit(&b);
    sink_destroy(sk);
    return 0;
}
