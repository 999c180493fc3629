/* bench_decode: decode+validate throughput of the flat JSON span decoder on realistic ~500-byte
 * spans (varied providers, models, ids, tenants, some escapes and unknown attributes), one core.
 * Prints a table and `BENCH json_decode_spans_per_s <n> spans/s` / `BENCH json_decode_mb_per_s`.
 * Time is the thread's CPU time (per-core figure). Usage: bench_decode [n_spans (default 2000000)] [repeats (default 3, best is reported)] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "json_span.h"
#include "validate.h"

#define NSAMPLES 1024

/* CPU time of this thread: the figure is per core, and on a machine shared with other jobs
 * wall time would mostly measure the scheduler. */
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

/* Builds one realistic span message; returns its length. */
static int make_span(char *buf, size_t cap, int64_t base_ms, int i) {
    static const char *models[][2] = {
        {"openai", "gpt-4o-2024-08-06"},        {"openai", "gpt-4o-mini"},
        {"anthropic", "claude-3-5-sonnet-20241022"}, {"anthropic", "claude-3-5-haiku-20241022"},
        {"google", "gemini-1.5-pro-002"},       {"google", "gemini-2.0-flash"},
        {"openai", "o1-mini"},                  {"meta", "llama-3.1-70b-instruct"},
    };
    static const char *features[] = {"support-chat", "summarize", "code-review", "search-rerank",
                                     "email-draft"};
    static const char *endpoints[] = {"/v1/chat", "/api/assist", "/api/summarize", "/rpc/agent"};
    static const char *status[] = {"ok", "ok", "ok", "ok", "ok", "ok", "success", "error"};
    char trace[33], span[17], parent[17], req[25], user[13], sess[21];
    hex(trace, 32), hex(span, 16), hex(parent, 16), hex(req, 24), hex(user, 12), hex(sess, 20);
    int m = (int)(rnd() % 8);
    uint32_t in = 200 + rnd() % 8000, out = 20 + rnd() % 1500, cr = rnd() % (in / 2 + 1);
    uint32_t rs = m == 6 ? rnd() % (out + 1) : 0;
    const char *st = status[rnd() % 8];
    int err = st[0] == 'e';
    char iso[40];
    int64_t ms = base_ms - (int64_t)(rnd() % 3600000);
    time_t sec = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%S", &tm);
    char ts[64];
    if (i % 3 == 0)
        snprintf(ts, sizeof(ts), "\"%s.%03dZ\"", iso, (int)(ms % 1000));
    else
        snprintf(ts, sizeof(ts), "%lld", (long long)ms);
    /* Optional parts vary per span, as they do between producers. */
    char opt[256];
    int o = 0;
    if (rnd() % 2) o += snprintf(opt + o, sizeof(opt) - (size_t)o, ",\"parent_span_id\":\"%s\"", parent);
    if (rnd() % 4 == 0) o += snprintf(opt + o, sizeof(opt) - (size_t)o, ",\"session_id\":\"s_%s\"", sess);
    if (rnd() % 3 == 0) o += snprintf(opt + o, sizeof(opt) - (size_t)o, ",\"ttft_ms\":%u", 80 + rnd() % 900);
    if (rnd() % 8 == 0)
        o += snprintf(opt + o, sizeof(opt) - (size_t)o, ",\"note\":\"caf\\u00e9 \\\"q\\\"\"");
    if (err) o += snprintf(opt + o, sizeof(opt) - (size_t)o, ",\"error_class\":\"rate_limit\"");
    (void)req;
    return snprintf(
        buf, cap,
        "{\"timestamp\":%s,\"trace_id\":\"%s\",\"span_id\":\"%s\",\"provider\":\"%s\","
        "\"model\":\"%s\",\"operation\":\"chat\",\"endpoint\":\"%s\",\"feature\":\"%s\","
        "\"prompt_template\":\"tmpl-%u\",\"tenant_id\":\"tenant-%04u\",\"user_id\":\"u_%s\","
        "\"environment\":\"prod\",\"input_tokens\":%u,\"output_tokens\":%u,\"cached_tokens\":%u,"
        "%s\"cost_usd\":0.00%u,\"latency_ms\":%u,\"streaming\":%s,\"status\":\"%s\","
        "\"http_status\":%u,\"finish_reason\":\"%s\",\"region\":\"eu-west-1\"%s}",
        ts, trace, span, models[m][0], models[m][1], endpoints[rnd() % 4], features[rnd() % 5],
        rnd() % 40, rnd() % 2000, user, in, out, cr, rs ? "\"reasoning_tokens\":1," : "",
        100000 + rnd() % 900000, 300 + rnd() % 20000, (rnd() & 1) ? "true" : "false", st,
        err ? 429 : 200, err ? "error" : "stop", opt);
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 2000000;
    int reps = argc > 2 ? atoi(argv[2]) : 3;
    char errstr[256];
    static char msgs[NSAMPLES][1024];
    static int lens[NSAMPLES];
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    int64_t now_ms = (int64_t)rt.tv_sec * 1000 + rt.tv_nsec / 1000000;
    size_t total = 0;
    for (int i = 0; i < NSAMPLES; i++) {
        lens[i] = make_span(msgs[i], sizeof(msgs[i]), now_ms, i);
        total += (size_t)lens[i];
    }
    jspan_dec_t *d = jspan_dec_new(NULL, errstr, sizeof(errstr));
    if (!d) {
        fprintf(stderr, "jspan_dec_new: %s\n", errstr);
        return 1;
    }
    validate_opts_t vo;
    validate_opts_default(&vo);
    static span_t s;
    /* Every sample must decode and validate, or the figure would be meaningless. */
    for (int i = 0; i < NSAMPLES; i++) {
        jspan_errinfo_t ei;
        const char *field;
        int rc = jspan_decode(d, msgs[i], (size_t)lens[i], &s, &ei);
        if (rc == ERR_OK) rc = validate_span(&vo, &s, now_ms, &field);
        if (rc != ERR_OK) {
            fprintf(stderr, "sample %d rejected: %s %s\n%s\n", i, err_name(rc), ei.detail, msgs[i]);
            return 1;
        }
    }
    double best = 1e30;
    uint64_t sink = 0;
    for (int r = 0; r < reps; r++) {
        double t0 = now_s();
        size_t bytes = 0;
        for (long i = 0; i < n; i++) {
            int k = (int)(i & (NSAMPLES - 1));
            const char *field;
            int rc = jspan_decode(d, msgs[k], (size_t)lens[k], &s, NULL);
            rc |= validate_span(&vo, &s, now_ms, &field);
            sink += (uint64_t)rc + s.input_tokens;
            bytes += (size_t)lens[k];
        }
        double t = now_s() - t0;
        if (t < best) best = t;
        (void)bytes;
    }
    double avg = (double)total / NSAMPLES;
    double sps = (double)n / best;
    printf("%-28s %12s\n", "figure", "value");
    printf("%-28s %12.0f bytes\n", "avg span size", avg);
    printf("%-28s %12ld\n", "spans per run", n);
    printf("%-28s %12.0f spans/s\n", "decode+validate (best)", sps);
    printf("%-28s %12.1f MB/s\n", "decode+validate", sps * avg / 1e6);
    printf("BENCH json_decode_spans_per_s %.0f spans/s\n", sps);
    printf("BENCH json_decode_mb_per_s %.1f MB/s\n", sps * avg / 1e6);
    if (sink == 42) printf(" \n");
    jspan_dec_destroy(d);
    return 0;
}
