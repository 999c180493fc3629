/* bench_eval: decode+validate+encode throughput of the eval path (eval_decode, eval_validate,
 * eval_encode) on realistic ~350-byte eval messages, next to the span path (jspan_decode,
 * validate_span, rowbin_encode_span) on ~500-byte spans, one core (thread CPU time).
 * Prints a table and `BENCH eval_records_per_s`, `BENCH eval_span_path_records_per_s`,
 * `BENCH eval_vs_span_ratio`. Usage: bench_eval [n (default 1000000)] [repeats (default 3)] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "eval.h"
#include "eval_columns.h"
#include "json_span.h"
#include "rowbin.h"
#include "validate.h"

#define NSAMPLES 1024

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}
static void hex(char *out, int n) {
    static const char h[] = "0123456789abcdef";
    for (int i = 0; i < n; i++) out[i] = h[rnd() & 15];
    out[n] = '\0';
}

static int make_eval(char *b, size_t cap, long long sec) {
    static const char *metrics[] = {"groundedness", "helpfulness", "json_valid", "toxicity"};
    static const char *sources[] = {"llm_judge", "heuristic", "human", "user_feedback"};
    static const double rates[] = {1, 0.1, 0.01};
    char trace[33], span[17];
    hex(trace, 32), hex(span, 16);
    int m = (int)(rnd() % 4);
    return snprintf(b, cap,
                    "{\"timestamp\":%lld.%03u,\"trace_id\":\"%s\",\"span_id\":\"%s\",\"evaluator\":"
                    "\"gpt-4o-judge\",\"evaluator_version\":\"2024-11\",\"metric\":\"%s\",\"score\":0.%u,"
                    "\"label\":\"%s\",\"confidence\":0.9,\"source\":\"%s\",\"sample_rate\":%g,"
                    "\"explanation\":\"The answer cites the retrieved document and stays on topic; "
                    "one claim about \\\"pricing\\\" is unsupported.\"}",
                    sec - (long long)(rnd() % 3600), rnd() % 1000, trace, span, metrics[m], rnd() % 100,
                    rnd() % 4 ? "pass" : "fail", sources[m], rates[rnd() % 3]);
}

static int make_span(char *b, size_t cap, long long sec) {
    char trace[33], span[17], parent[17], user[13];
    hex(trace, 32), hex(span, 16), hex(parent, 16), hex(user, 12);
    return snprintf(b, cap,
                    "{\"timestamp\":%lld.%03u,\"trace_id\":\"%s\",\"span_id\":\"%s\",\"parent_span_id\":"
                    "\"%s\",\"provider\":\"openai\",\"model\":\"gpt-4o-mini\",\"operation\":\"chat\","
                    "\"endpoint\":\"/v1/chat\",\"feature\":\"support-chat\",\"prompt_template\":\"answer\","
                    "\"prompt_version\":\"v7\",\"tenant_id\":\"acme\",\"team_id\":\"support\",\"user_id\":"
                    "\"%s\",\"input_tokens\":%u,\"output_tokens\":%u,\"cache_read_tokens\":0,"
                    "\"latency_ms\":%u,\"ttft_ms\":210,\"status\":\"ok\",\"finish_reason\":\"stop\","
                    "\"cost_usd\":0.00042,\"environment\":\"prod\",\"region\":\"eu-west-1\"}",
                    sec - (long long)(rnd() % 3600), rnd() % 1000, trace, span, parent, user,
                    200 + rnd() % 8000, 20 + rnd() % 1500, 300 + rnd() % 4000);
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    int reps = argc > 2 ? atoi(argv[2]) : 3;
    long long sec = (long long)time(NULL);
    int64_t now_ms = sec * 1000;
    static char ev[NSAMPLES][512], sp[NSAMPLES][1024];
    static int evn[NSAMPLES], spn[NSAMPLES];
    size_t evbytes = 0, spbytes = 0;
    for (int i = 0; i < NSAMPLES; i++) {
        evbytes += (size_t)(evn[i] = make_eval(ev[i], sizeof ev[i], sec));
        spbytes += (size_t)(spn[i] = make_span(sp[i], sizeof sp[i], sec));
    }
    char errstr[128];
    eval_dec_t *ed = eval_dec_new(0, errstr, sizeof errstr);
    jspan_dec_t *sd = jspan_dec_new(NULL, errstr, sizeof errstr);
    if (!ed || !sd) return 1;
    static span_t s;
    buf_t b;
    buf_init(&b, 0);
    double best_e = 0, best_s = 0;
    for (int r = 0; r < reps; r++) {
        long bad = 0;
        double t0 = now_s();
        for (long i = 0; i < n; i++) {
            eval_t e;
            const char *f;
            int k = (int)(i & (NSAMPLES - 1));
            if (eval_decode(ed, ev[k], (size_t)evn[k], &e, &f) || eval_validate(NULL, &e, now_ms, &f)) {
                bad++;
                continue;
            }
            eval_encode(&b, &e);
            if (b.len > (1u << 22)) buf_reset(&b);
        }
        double t1 = now_s();
        if (bad) fprintf(stderr, "eval: %ld rejected\n", bad);
        double rate = n / (t1 - t0);
        if (rate > best_e) best_e = rate;
        buf_reset(&b);
        t0 = now_s();
        for (long i = 0; i < n; i++) {
            int k = (int)(i & (NSAMPLES - 1));
            const char *f;
            if (jspan_decode(sd, sp[k], (size_t)spn[k], &s, NULL) || validate_span(NULL, &s, now_ms, &f)) {
                bad++;
                continue;
            }
            rowbin_encode_span(&b, &s);
            if (b.len > (1u << 22)) buf_reset(&b);
        }
        t1 = now_s();
        if (bad) fprintf(stderr, "span: %ld rejected\n", bad);
        rate = n / (t1 - t0);
        if (rate > best_s) best_s = rate;
        buf_reset(&b);
    }
    printf("%-34s %14s %10s\n", "path (decode+validate+encode)", "records/s", "avg bytes");
    printf("%-34s %14.0f %10zu\n", "eval", best_e, evbytes / NSAMPLES);
    printf("%-34s %14.0f %10zu\n", "span (json_span+validate+rowbin)", best_s, spbytes / NSAMPLES);
    printf("BENCH eval_records_per_s %.0f records/s\n", best_e);
    printf("BENCH eval_span_path_records_per_s %.0f records/s\n", best_s);
    printf("BENCH eval_vs_span_ratio %.2f x\n", best_e / best_s);
    buf_deinit(&b);
    eval_dec_destroy(ed);
    jspan_dec_destroy(sd);
    return 0;
}
