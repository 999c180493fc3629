/* bench_core: the issue-2 benchmark. One core, realistic spans from gen (generated into memory
 * first, not timed), then timed passes over all of them:
 *   decode -> +validate -> +tenant and price enrichment -> +RowBinary encoding (full path),
 * and RowBinary encoding alone. Time is the thread's CPU time (the machine is shared), best of
 * --reps runs. Prints a table and BENCH lines:
 *   BENCH core_json_spans_per_s, core_json_bytes_per_s, rowbin_encode_spans_per_s.
 * Usage: bench_core [--count N] [--reps R] [--seed S] [--pricing F] [--tenants F]
 * The stages other than encoding are compiled in when their modules are present. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "gen.h"
#include "rowbin.h"
#include "span.h"

#include "json_span.h"
#include "validate.h"
#include "price.h"
#include "tenant.h"

#define BATCH_BYTES (16u << 20) /* a batch is flushed (here: reset) at 16 MiB */
/* Distinct spans cycled through by the encode-only pass. Few enough to stay in cache, as a
 * span just decoded is in the real path; the table also shows encoding's increment there. */
#define NSPANS_ENC 1024

static double cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}
static int64_t wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef struct {
    buf_t msgs;  /* all messages back to back */
    size_t *off; /* message i is msgs.data[off[i] .. off[i+1]) */
    size_t n;
    span_t *enc;     /* NSPANS_ENC spans for the encode-only pass */
    buf_t enc_arena; /* their strings */
} corpus_t;

/* Copies a string into the arena (reserved up front so pointers stay valid). */
static span_str_t arena_str(buf_t *a, span_str_t s) {
    size_t at = a->len;
    buf_append(a, s.p, s.n);
    return span_str(s.n ? (const char *)a->data + at : "", s.n);
}

static int corpus_build(corpus_t *c, size_t n, uint64_t seed, int64_t start_ms) {
    char err[256];
    gen_opts_t o;
    gen_opts_default(&o);
    o.seed = seed;
    o.count = n;
    o.spacing_ms = 1;
    o.start_ms = start_ms;
    o.ts_format = GEN_TS_MIXED;
    o.spike = o.regression = 1;
    gen_t *g = gen_new(&o, err, sizeof err);
    if (!g) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    buf_init(&c->msgs, 0);
    buf_init(&c->enc_arena, 0);
    c->off = malloc((n + 1) * sizeof(size_t));
    c->enc = calloc(NSPANS_ENC, sizeof(span_t));
    if (!c->off || !c->enc || !buf_reserve(&c->enc_arena, NSPANS_ENC * 2048)) return -1;
    c->n = 0;
    span_t s;
    while (gen_next(g, &c->msgs, NULL, 0, NULL) == 1) {
        c->off[++c->n] = c->msgs.len;
        if (c->n <= NSPANS_ENC) {
            /* A realistic enriched span for the encode-only pass, strings in the arena. */
            gen_span(g, &s);
            span_t *d = &c->enc[c->n - 1];
            *d = s;
            span_str_t *strs[] = {
                &d->trace_id,       &d->span_id,    &d->parent_span_id,  &d->request_id,
                &d->provider,       &d->model,      &d->response_model,  &d->operation,
                &d->endpoint,       &d->feature,    &d->prompt_template, &d->prompt_version,
                &d->tenant_id,      &d->team_id,    &d->user_id,         &d->session_id,
                &d->experiment_id,  &d->api_key_id, &d->service,         &d->environment,
                &d->deploy_version, &d->status,     &d->error_class,     &d->finish_reason,
                &d->evaluator};
            for (size_t k = 0; k < sizeof strs / sizeof strs[0]; k++)
                *strs[k] = arena_str(&c->enc_arena, *strs[k]);
            for (uint32_t k = 0; k < d->n_attrs; k++) {
                d->attrs[k].key = arena_str(&c->enc_arena, d->attrs[k].key);
                d->attrs[k].val = arena_str(&c->enc_arena, d->attrs[k].val);
            }
            d->cost_center = SPAN_STR_LIT("cc-acme-100");
            d->plan_tier = SPAN_STR_LIT("enterprise");
            d->cost_computed_nusd = d->cost_nusd;
            d->cost_source = SPAN_STR_LIT("computed");
            d->pricing_status = SPAN_STR_LIT("ok");
            d->tenant_status = SPAN_STR_LIT("from_span");
            d->kafka_topic = SPAN_STR_LIT("llm-spans");
            d->kafka_partition = (int32_t)(c->n % 64);
            d->kafka_offset = (int64_t)c->n;
            d->ingested_ms = d->ts_ms + 1200;
        }
    }
    c->off[0] = 0;
    int bad = buf_error(&c->msgs) || buf_error(&c->enc_arena) || c->n < NSPANS_ENC;
    gen_destroy(g);
    return bad ? -1 : 0;
}

enum { ST_DECODE = 1, ST_VALIDATE = 2, ST_ENRICH = 3, ST_ENCODE = 4 };

typedef struct {
    size_t ok, rejected, unpriced;
    size_t out_bytes;
} pass_stats_t;

/* One pass over every message up to the given stage. Returns CPU seconds. */
static double run_path(const corpus_t *c, int upto, jspan_dec_t *dec, const void *pt,
                       const void *tt, pass_stats_t *st) {
    static span_t s;
    buf_t batch;
    buf_init(&batch, 0);
    buf_reserve(&batch, BATCH_BYTES + 65536);
    memset(st, 0, sizeof(*st));
    int64_t now = wall_ms();
    const char *field;
    double t0 = cpu_s();
    for (size_t i = 0; i < c->n; i++) {
        const char *p = (const char *)c->msgs.data + c->off[i];
        size_t len = c->off[i + 1] - c->off[i];
        if (jspan_decode(dec, p, len, &s, NULL) != 0) {
            st->rejected++;
            continue;
        }
        if (upto >= ST_VALIDATE && validate_span(NULL, &s, now, &field) != 0) {
            st->rejected++;
            continue;
        }
        if (upto >= ST_ENRICH) {
            tenant_apply((const tenant_table_t *)tt, TENANT_POLICY_FILL, &s);
            st->unpriced += !price_apply((const price_table_t *)pt, &s);
        }
        if (upto >= ST_ENCODE) {
            s.kafka_topic = SPAN_STR_LIT("llm-spans");
            s.kafka_partition = (int32_t)(i & 63);
            s.kafka_offset = (int64_t)i;
            s.ingested_ms = now;
            rowbin_encode_span(&batch, &s);
            if (batch.len >= BATCH_BYTES) {
                st->out_bytes += batch.len;
                buf_reset(&batch);
            }
        }
        st->ok++;
    }
    double t = cpu_s() - t0;
    st->out_bytes += batch.len;
    if (buf_error(&batch)) st->ok = 0;
    buf_deinit(&batch);
    return t;
}

static double run_encode(const corpus_t *c, size_t n, pass_stats_t *st) {
    buf_t batch;
    buf_init(&batch, 0);
    buf_reserve(&batch, BATCH_BYTES + 65536);
    memset(st, 0, sizeof(*st));
    double t0 = cpu_s();
    for (size_t i = 0; i < n; i++) {
        rowbin_encode_span(&batch, &c->enc[i & (NSPANS_ENC - 1)]);
        if (batch.len >= BATCH_BYTES) {
            st->out_bytes += batch.len;
            buf_reset(&batch);
        }
    }
    double t = cpu_s() - t0;
    st->out_bytes += batch.len;
    st->ok = buf_error(&batch) ? 0 : n;
    buf_deinit(&batch);
    return t;
}

static void row(const char *name, size_t n, size_t in_bytes, double t, const pass_stats_t *st) {
    printf("%-34s %12.0f %10.1f %9.1f %10zu %10zu\n", name, n / t, in_bytes / t / 1e6, t * 1e9 / n,
           st->ok, st->rejected);
}

int main(int argc, char **argv) {
    size_t n = 1000000;
    int reps = 3;
    uint64_t seed = 42;
    const char *pricing = "schema/pricing.csv", *tenants = "schema/tenants.csv";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--count") && i + 1 < argc)
            n = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--pricing") && i + 1 < argc)
            pricing = argv[++i];
        else if (!strcmp(argv[i], "--tenants") && i + 1 < argc)
            tenants = argv[++i];
        else {
            fprintf(stderr,
                    "usage: %s [--count N] [--reps R] [--seed S] [--pricing F] [--tenants F]\n",
                    argv[0]);
            return 2;
        }
    }
    if (n < NSPANS_ENC || reps < 1) {
        fprintf(stderr, "count must be >= %d and reps >= 1\n", NSPANS_ENC);
        return 2;
    }
    (void)pricing;
    (void)tenants;
    static corpus_t c;
    if (corpus_build(&c, n, seed, wall_ms() - (int64_t)n - 60000) != 0) {
        fprintf(stderr, "cannot build the corpus\n");
        return 1;
    }
    printf("corpus: %zu gen spans, %zu bytes (mean %.0f B/span), seed %" PRIu64 ", one core, "
           "CPU time, best of %d\n\n",
           c.n, c.msgs.len, (double)c.msgs.len / c.n, seed, reps);
    printf("%-34s %12s %10s %9s %10s %10s\n", "stage (cumulative)", "spans/s", "MB/s in", "ns/span",
           "ok", "rejected");

    pass_stats_t st;
    double best_full = 0, best_prev = 0;
    size_t full_ok = 0;
    char err[256];
    jspan_dec_t *dec = jspan_dec_new(NULL, err, sizeof err);
    if (!dec) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    const void *pt = NULL, *tt = NULL;
    pt = price_load(pricing, err, sizeof err);
    if (!pt) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    tt = tenant_load(tenants, err, sizeof err);
    if (!tt) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    static const int stages[] = {ST_DECODE, ST_VALIDATE, ST_ENRICH, ST_ENCODE};
    static const char *names[] = {"decode", "+ validate", "+ enrich (tenant, price)",
                                  "+ encode = full path"};
    for (size_t k = 0; k < sizeof stages / sizeof stages[0]; k++) {
        double best = 1e9;
        for (int r = 0; r < reps; r++) {
            double t = run_path(&c, stages[k], dec, pt, tt, &st);
            if (t < best) best = t;
        }
        row(names[k], c.n, c.msgs.len, best, &st);
        if (stages[k] != ST_ENCODE) best_prev = best;
        if (stages[k] == ST_ENCODE) {
            printf("%-34s encoding adds %.0f ns/span in the full path\n", "",
                   (best - best_prev) * 1e9 / c.n);
            best_full = best;
            full_ok = st.ok;
            if (st.unpriced)
                printf("%-34s %zu spans with an unknown model\n", "", st.unpriced);
        }
    }
    if (st.rejected)
        printf("%-34s %zu spans rejected (gen makes none: check the decoder)\n", "", st.rejected);
    jspan_dec_destroy(dec);
    price_destroy((price_table_t *)pt);
    tenant_destroy((tenant_table_t *)tt);
    double best_enc = 1e9;
    size_t enc_bytes = 0;
    for (int r = 0; r < reps; r++) {
        double t = run_encode(&c, c.n, &st);
        if (t < best_enc) best_enc = t;
        enc_bytes = st.out_bytes;
    }
    row("rowbin encode only", c.n, c.msgs.len, best_enc, &st);
    printf("%-34s %.0f RowBinary bytes/span\n\n", "", (double)enc_bytes / c.n);

    if (best_full > 0) {
        printf("BENCH core_json_spans_per_s %.0f spans/s\n", full_ok / best_full);
        printf("BENCH core_json_bytes_per_s %.0f B/s\n", c.msgs.len / best_full);
        printf("(full path measured: decode+validate+enrich+encode)\n");
    }
    printf("BENCH rowbin_encode_spans_per_s %.0f spans/s\n", c.n / best_enc);
    printf("BENCH rowbin_encode_ns_per_span %.1f ns\n", best_enc * 1e9 / c.n);
    free(c.off);
    free(c.enc);
    buf_deinit(&c.msgs);
    buf_deinit(&c.enc_arena);
    return 0;
}
