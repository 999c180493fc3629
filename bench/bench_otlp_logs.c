/* bench_otlp_logs: OTLP evaluation-result decode throughput on one core, log records per
 * second: one SDK-made logs record of 20 gen_ai.evaluation.result log records
 * (tests/otel/vectors/bench_logs_20.{pb,json}) decoded over and over for a fixed CPU time,
 * with validation, and every accepted row encoded by eval_encode (RowBinary for
 * spanhouse.llm_evals, as the worker does). Best of several rounds.
 * Usage: bench_otlp_logs proto|json FILE [seconds_per_round] [rounds]
 * Prints: BENCH otlp_logs_decode <n> records/s (protobuf) or
 *         BENCH otlp_logs_json_decode <n> records/s (OTLP/JSON). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "csv.h"
#include "err.h"
#include "eval_columns.h"
#include "otlp_logs.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* per core: CPU time, not wall time */
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int one(otlp_evq_t *q, int json, const char *p, size_t n, int64_t now, buf_t *b) {
    int rc = json ? otlp_logs_json_decode(q, p, n, now, NULL, NULL, 0)
                  : otlp_logs_proto_decode(q, (const uint8_t *)p, n, now, NULL, NULL, 0);
    buf_reset(b);
    for (size_t i = 0; i < otlp_evq_count(q); i++)
        if (otlp_evq_get(q, i)->rc == ERR_OK) eval_encode(b, &otlp_evq_get(q, i)->e);
    return rc;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: bench_otlp_logs proto|json FILE [seconds] [rounds]\n");
        return 2;
    }
    int json = strcmp(argv[1], "json") == 0;
    double secs = argc > 3 ? atof(argv[3]) : 1.0;
    int rounds = argc > 4 ? atoi(argv[4]) : 3;
    char *buf, ferr[256];
    size_t n;
    if (csv_read_file(argv[2], &buf, &n, ferr, sizeof(ferr)) < 0) { /* whole file, no silent cut */
        fprintf(stderr, "%s\n", ferr);
        return 2;
    }
    char errstr[256];
    otlp_evq_t *q = otlp_evq_new(0, NULL, errstr, sizeof(errstr));
    if (!q) return 2;
    const int64_t now = 1763990000000LL + 86400000LL; /* the vectors' day + 1 */
    buf_t b;
    buf_init(&b, 0);
    otlp_evq_stats_t st = {0};
    char detail[256];
    int rc = json ? otlp_logs_json_decode(q, buf, n, now, &st, detail, sizeof(detail))
                  : otlp_logs_proto_decode(q, (const uint8_t *)buf, n, now, &st, detail,
                                           sizeof(detail));
    if (rc != ERR_OK || st.evals_ok == 0 || st.evals_rejected) {
        fprintf(stderr, "decode failed: %s %s\n", err_name(rc), detail);
        return 1;
    }
    uint64_t per_rec = st.events_seen;
    double best = 0;
    size_t bytes = 0;
    for (int r = 0; r < rounds; r++) {
        uint64_t recs = 0;
        double t0 = now_s(), t;
        do {
            for (int i = 0; i < 200; i++) one(q, json, buf, n, now, &b);
            recs += 200;
            t = now_s() - t0;
        } while (t < secs);
        double rps = (double)(recs * per_rec) / t;
        if (rps > best) best = rps;
        bytes = b.len;
    }
    const char *name = json ? "otlp_logs_json_decode" : "otlp_logs_decode";
    printf("%-22s record %zu B, %llu log records/record, %zu B RowBinary: %.0f records/s, "
           "%.0f MB/s (best of %d x %.1fs)\n",
           name, n, (unsigned long long)per_rec, bytes, best, best / (double)per_rec * (double)n / 1e6,
           rounds, secs);
    printf("BENCH %s %.0f records/s\n", name, best);
    buf_deinit(&b);
    otlp_evq_destroy(q);
    free(buf);
    return 0;
}
