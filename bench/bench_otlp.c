/* bench_otlp: OTLP decode throughput on one core, spans per second.
 * Decodes one SDK-made record of 20 LLM spans (tests/otel/vectors/bench_20spans.{pb,json})
 * over and over for a fixed CPU time (the machine is shared: wall time would count waiting),
 * through the full mapping, with a callback that validates each span (validate_span, as the
 * worker does) and reads the mapped fields: the same work per span as bench_decode's
 * decode+validate of flat JSON, so the two spans/s figures compare. Best of several rounds.
 * Usage: bench_otlp proto|json FILE [seconds_per_round] [rounds]
 * Prints: BENCH otlp_<enc>_spans_per_s <n> spans/s and BENCH otlp_<enc>_mb_per_s <n> MB/s. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csv.h"
#include "err.h"
#include "otlp.h"
#include "validate.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* per core: CPU time, not wall time */
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct bench_ctx_s {
    validate_opts_t vo;
    uint64_t sum;
    int bad;
} bench_ctx_t;

static int consume(void *ctx, span_t *s) {
    bench_ctx_t *c = ctx;
    const char *field;
    /* "now" = the span's own time: the vectors are fixed, the clock is not. */
    if (validate_span(&c->vo, s, s->ts_ms, &field) != ERR_OK) c->bad++;
    c->sum += s->input_tokens + s->output_tokens + s->model.n + s->trace_id.n + s->n_attrs +
              (uint64_t)s->ts_ms;
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: bench_otlp proto|json FILE [seconds] [rounds]\n");
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
    char errstr[256], detail[256];
    otlp_dec_t *d = otlp_dec_new(NULL, errstr, sizeof(errstr));
    if (!d) return 2;
    bench_ctx_t bc = {.sum = 0};
    validate_opts_default(&bc.vo);
    otlp_stats_t st = {0};
    int rc = json ? otlp_json_decode(d, buf, n, consume, &bc, &st, detail, sizeof(detail))
                  : otlp_proto_decode(d, (uint8_t *)buf, n, consume, &bc, &st, detail,
                                      sizeof(detail));
    if (rc != ERR_OK || st.spans_emitted == 0 || bc.bad) {
        fprintf(stderr, "decode failed: %s %s\n", err_name(rc), detail);
        return 1;
    }
    uint64_t per_rec = st.spans_emitted;
    double best = 0;
    for (int r = 0; r < rounds; r++) {
        uint64_t recs = 0;
        double t0 = now_s(), t;
        do {
            for (int i = 0; i < 200; i++) {
                if (json) otlp_json_decode(d, buf, n, consume, &bc, NULL, NULL, 0);
                else otlp_proto_decode(d, (uint8_t *)buf, n, consume, &bc, NULL, NULL, 0);
            }
            recs += 200;
            t = now_s() - t0;
        } while (t < secs);
        double sps = (double)(recs * per_rec) / t;
        if (sps > best) best = sps;
    }
    const char *enc = json ? "json" : "proto";
    double mbps = best / (double)per_rec * (double)n / 1e6;
    printf("otlp_%s  record %zu B, %llu spans/record: %.0f spans/s, %.0f MB/s (best of %d x %.1fs, checksum %llu)\n",
           enc, n, (unsigned long long)per_rec, best, mbps, rounds, secs,
           (unsigned long long)(bc.sum & 0xffff));
    printf("BENCH otlp_%s_spans_per_s %.0f spans/s\n", enc, best);
    printf("BENCH otlp_%s_mb_per_s %.0f MB/s\n", enc, mbps);
    otlp_dec_destroy(d);
    free(buf);
    return 0;
}
