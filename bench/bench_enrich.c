/* bench_enrich: per-span throughput of pricing + tenant enrichment on one core.
 *
 * Loads the shipped schema/pricing.csv and schema/tenants.csv, builds 4096 spans with a
 * realistic mix of names (dated snapshots, "host/" prefixes, Bedrock ids, 5% unknown models,
 * unknown keys), then times price_apply + tenant_apply over them (thread CPU time, best of 3).
 * Usage: bench_enrich [pricing.csv] [tenants.csv] [spans]
 * Prints a table and BENCH lines (enrich_spans_per_s, price_spans_per_s, tenant_spans_per_s). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../ingest/price.h"
#include "../ingest/tenant.h"

#define NSPANS 4096

/* CPU time of this thread: the figure is per core, and time spent preempted by other
 * processes on this shared machine is not counted. */
static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static span_str_t S(const char *s) { return span_str(s, strlen(s)); }

int main(int argc, char **argv) {
    const char *ppath = argc > 1 ? argv[1] : "schema/pricing.csv";
    const char *tpath = argc > 2 ? argv[2] : "schema/tenants.csv";
    long total = argc > 3 ? atol(argv[3]) : 20000000;
    char err[256];
    price_table_t *pt = price_load(ppath, err, sizeof(err));
    if (!pt) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    tenant_table_t *tt = tenant_load(tpath, err, sizeof(err));
    if (!tt) {
        fprintf(stderr, "%s\n", err);
        price_destroy(pt);
        return 1;
    }
    static const char *const models[][2] = {
        {"openai", "gpt-4o-mini-2024-07-18"},
        {"openai", "gpt-4o"},
        {"openai", "gpt-4.1-mini"},
        {"openai", "o4-mini-2025-04-16"},
        {"openai", "text-embedding-3-small"},
        {"anthropic", "claude-sonnet-4-5-20250929"},
        {"anthropic", "claude-3-5-haiku-20241022"},
        {"anthropic", "claude-haiku-4-5"},
        {"google", "gemini-2.5-flash"},
        {"google", "gemini-2.0-flash"},
        {"bedrock", "us.anthropic.claude-3-5-sonnet-20241022-v2:0"},
        {"", "openai/gpt-4o-mini"},
        {"together", "meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo"},
        {"deepseek", "deepseek-chat"},
        {"mistral", "mistral-large-latest"},
        {"acme-internal", "my-fine-tune-v7"}, /* unknown */
    };
    static const char *const keys[] = {"key_acme_search_1",     "key_acme_support_1",
                                       "key_globex_growth_1",   "key_initech_search_1",
                                       "key_umbrella_platform_1", "key_unknown_9"};
    static const char *const services[] = {"support-bot", "search-api", "growth-emailer",
                                           "batch-eval"};
    span_t *spans = calloc(NSPANS, sizeof(span_t));
    if (!spans) return 1;
    unsigned seed = 12345;
    for (int i = 0; i < NSPANS; i++) {
        span_t *s = &spans[i];
        span_reset(s);
        seed = seed * 1103515245u + 12345u;
        int m = (seed >> 8) % 20;
        if (m >= 16) m = m % 15; /* ~5% unknown (index 15) */
        s->provider = S(models[m][0]);
        s->model = S(models[m][1]);
        s->response_model = s->model;
        s->ts_ms = 1727827200000ll + (int64_t)((seed >> 4) % 40000000) * 1000;
        s->input_tokens = 200 + (seed >> 12) % 8000;
        s->cache_read_tokens = (seed & 1) ? s->input_tokens / 2 : 0;
        s->cache_write_tokens = (seed & 6) == 6 ? s->input_tokens / 8 : 0;
        s->output_tokens = 50 + (seed >> 20) % 1500;
        s->reasoning_tokens = (seed & 8) ? s->output_tokens / 3 : 0;
        s->is_batch = (seed & 0x30) == 0x30;
        if ((seed >> 7) % 4 != 0) s->api_key_id = S(keys[(seed >> 9) % 6]);
        else s->service = S(services[(seed >> 9) % 4]);
        if ((seed >> 13) % 2) s->user_id = S("u_alice");
    }

    long rounds = total / NSPANS;
    if (rounds < 1) rounds = 1;
    double best_both = 1e9, best_price = 1e9, best_tenant = 1e9;
    volatile int64_t sink = 0;
    long priced = 0, matched = 0;
    for (int run = 0; run < 3; run++) {
        double t0 = now_s();
        for (long r = 0; r < rounds; r++)
            for (int i = 0; i < NSPANS; i++) {
                span_t *s = &spans[i];
                s->tenant_id.n = s->team_id.n = s->cost_center.n = s->plan_tier.n = 0;
                priced += price_apply(pt, s);
                matched += tenant_apply(tt, TENANT_POLICY_FILL, s);
            }
        double t1 = now_s();
        for (long r = 0; r < rounds; r++)
            for (int i = 0; i < NSPANS; i++) priced += price_apply(pt, &spans[i]);
        double t2 = now_s();
        for (long r = 0; r < rounds; r++)
            for (int i = 0; i < NSPANS; i++) {
                span_t *s = &spans[i];
                s->tenant_id.n = s->team_id.n = s->cost_center.n = s->plan_tier.n = 0;
                matched += tenant_apply(tt, TENANT_POLICY_FILL, s);
            }
        double t3 = now_s();
        if (t1 - t0 < best_both) best_both = t1 - t0;
        if (t2 - t1 < best_price) best_price = t2 - t1;
        if (t3 - t2 < best_tenant) best_tenant = t3 - t2;
    }
    for (int i = 0; i < NSPANS; i++) sink += spans[i].cost_computed_nusd;
    double n = (double)rounds * NSPANS;
    long unknown = 0, unknown_key = 0;
    for (int i = 0; i < NSPANS; i++) {
        unknown += span_str_eq(spans[i].pricing_status, "unknown_model");
        unknown_key += span_str_eq(spans[i].tenant_status, "unknown_key");
    }
    printf("enrichment benchmark: %.0f spans x best of 3, %zu price rows, %zu tenant rows\n", n,
           price_count(pt), tenant_count(tt));
    printf("  unknown models %.1f%%, unknown keys %.1f%% of the span mix\n",
           100.0 * unknown / NSPANS, 100.0 * unknown_key / NSPANS);
    printf("  %-28s %14s %10s\n", "step", "spans/s", "ns/span");
    printf("  %-28s %14.0f %10.1f\n", "price_apply + tenant_apply", n / best_both,
           1e9 * best_both / n);
    printf("  %-28s %14.0f %10.1f\n", "price_apply", n / best_price, 1e9 * best_price / n);
    printf("  %-28s %14.0f %10.1f\n", "tenant_apply", n / best_tenant, 1e9 * best_tenant / n);
    printf("BENCH enrich_spans_per_s %.0f spans/s\n", n / best_both);
    printf("BENCH price_spans_per_s %.0f spans/s\n", n / best_price);
    printf("BENCH tenant_spans_per_s %.0f spans/s\n", n / best_tenant);
    (void)priced;
    (void)matched;
    (void)sink;
    free(spans);
    price_destroy(pt);
    tenant_destroy(tt);
    return 0;
}
