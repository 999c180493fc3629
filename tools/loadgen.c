/* loadgen: produces realistic gen spans (tools/gen/gen.h) into Kafka, keyed by trace_id, at a
 * chosen rate; or starts an in-process librdkafka mock cluster and produces into it; or writes
 * JSON lines to stdout (for `spanhouse ingest-file`). Used by the demo, benchmarks and tests.
 * It does not consume, and it does not check what a consumer does with the messages.
 *
 *   loadgen --brokers H:P [--topic T] [--count N] [--rate R] [--seed S] [--spike]
 *           [--regression] [--poison-fraction F] [--start-ms MS] [--spacing-ms MS]
 *           [-X librdkafka.prop=value]...
 *   loadgen --mock NBROKERS [--partitions P] [--linger-s S] ...   (prints BOOTSTRAP <addr>)
 *   loadgen --stdout ...
 * With --eval-topic / --outcome-topic (off by default) it also produces, keyed by trace_id,
 * the evals and outcomes of the spans (tools/gen/genq.h): three sampling tiers, late and out of
 * order, a few orphans; records that would happen after the last span are not produced.
 * Output lines on stdout (mock/Kafka modes): "BOOTSTRAP <addr>" (mock), then
 * "PRODUCED <n> POISON <m> BYTES <b> SECONDS <s>" once every message is acknowledged. */
#include <errno.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "gen.h"
#include "genq.h"

#define LOADGEN_MAX_X 64
#define LOADGEN_MOCK_PARTITION_BYTES (5u << 20) /* the mock keeps ~5 MB per partition */

/* Set by SIGINT/SIGTERM: the one piece of process-wide state, as signals require. */
static volatile sig_atomic_t loadgen_stop;
static void loadgen_on_signal(int sig) {
    (void)sig;
    loadgen_stop = 1;
}

typedef struct {
    const char *brokers, *topic;
    uint64_t count;
    double rate;
    int mock_brokers, partitions, quality_partitions, to_stdout;
    double linger_s;
    const char *x[LOADGEN_MAX_X];
    int nx;
    gen_opts_t g;
    int start_given;
    const char *eval_topic, *outcome_topic; /* NULL = not produced */
    genq_opts_t q;
} loadgen_args_t;

typedef struct {
    uint64_t delivered, failed;
    char first_error[256];
} loadgen_dr_t;

static double loadgen_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}
static int64_t loadgen_wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
static void loadgen_sleep(double s) {
    if (s <= 0) return;
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !loadgen_stop) {
    }
}

static void loadgen_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    loadgen_dr_t *dr = opaque;
    if (m->err) {
        if (!dr->failed)
            snprintf(dr->first_error, sizeof dr->first_error, "%s", rd_kafka_err2str(m->err));
        dr->failed++;
    } else {
        dr->delivered++;
    }
}

static void usage(const char *argv0) {
    fprintf(
        stderr,
        "usage: %s (--brokers H:P | --mock NBROKERS | --stdout) [options]\n"
        "  --topic T             topic (default llm.spans)\n"
        "  --count N             messages (default 100000; 0 with --mock = only run the cluster)\n"
        "  --rate R              messages/s, 0 = as fast as possible (default 0)\n"
        "  --seed S              PRNG seed (default 42)\n"
        "  --spike               plant the cost spike (globex/support/ticket_triage x8-10)\n"
        "  --regression          plant the quality regression (doc_summarize prompt v3)\n"
        "  --spike-window S,E    spike between epoch ms S and E (default 60-70%% of the run)\n"
        "  --regression-from-ms T regression from epoch ms T (default: half of the run)\n"
        "  --regression-cost-factor F  token multiplier of the regressed prompt (default 0.6)\n"
        "  --poison-fraction F   share of poison messages, 0..1 (default 0)\n"
        "  --eval-topic T        also produce evals of the spans to T (default: none)\n"
        "  --outcome-topic T     also produce outcomes of the spans to T (default: none)\n"
        "  --orphan-fraction F   evals/outcomes of no span, per span (default 0.001)\n"
        "  --eval-seed S         PRNG seed of the evals and outcomes (default 4242)\n"
        "  --quality-partitions P  mock: partitions of the eval and outcome topics (default:\n"
        "                        --partitions)\n"
        "  --start-ms MS         timestamp of the first span (default: so the last is now,\n"
        "                        or now when --rate is given)\n"
        "  --spacing-ms MS       ms between spans (default 10, or 1000/rate)\n"
        "  --partitions P        partitions of the topic the mock creates (default 16)\n"
        "  --linger-s S          mock: keep the cluster up S seconds after producing, or\n"
        "                        until SIGINT/SIGTERM if S < 0 (default 0)\n"
        "  -X prop=value         librdkafka producer property (repeatable)\n",
        argv0);
}

static int parse_args(int argc, char **argv, loadgen_args_t *a) {
    memset(a, 0, sizeof(*a));
    gen_opts_default(&a->g);
    genq_opts_default(&a->q);
    a->topic = "llm.spans";
    a->count = 100000;
    a->partitions = 16;
    a->g.spacing_ms = 0; /* decided after parsing */
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEEDV                                                                                      \
    do {                                                                                           \
        if (!v) {                                                                                  \
            fprintf(stderr, "%s needs a value\n", o);                                              \
            return -1;                                                                             \
        }                                                                                          \
        i++;                                                                                       \
    } while (0)
        if (!strcmp(o, "--brokers")) {
            NEEDV;
            a->brokers = v;
        } else if (!strcmp(o, "--topic")) {
            NEEDV;
            a->topic = v;
        } else if (!strcmp(o, "--count")) {
            NEEDV;
            a->count = strtoull(v, NULL, 10);
        } else if (!strcmp(o, "--rate")) {
            NEEDV;
            a->rate = atof(v);
        } else if (!strcmp(o, "--seed")) {
            NEEDV;
            a->g.seed = strtoull(v, NULL, 10);
        } else if (!strcmp(o, "--spike"))
            a->g.spike = 1;
        else if (!strcmp(o, "--regression"))
            a->g.regression = 1;
        else if (!strcmp(o, "--spike-window")) {
            /* START_MS,END_MS: where the planted spike lands (default: 60-70% of the run). */
            NEEDV;
            char *end = NULL;
            a->g.spike_start_ms = strtoll(v, &end, 10);
            a->g.spike_end_ms = (end && *end == ',') ? strtoll(end + 1, NULL, 10) : 0;
        } else if (!strcmp(o, "--regression-from-ms")) {
            NEEDV;
            a->g.regression_from_ms = strtoll(v, NULL, 10);
        } else if (!strcmp(o, "--regression-cost-factor")) {
            NEEDV;
            a->g.regression_cost_factor = atof(v);
        } else if (!strcmp(o, "--eval-topic")) {
            NEEDV;
            a->eval_topic = v;
        } else if (!strcmp(o, "--outcome-topic")) {
            NEEDV;
            a->outcome_topic = v;
        } else if (!strcmp(o, "--orphan-fraction")) {
            NEEDV;
            a->q.orphan_fraction = atof(v);
        } else if (!strcmp(o, "--quality-partitions")) {
            NEEDV;
            a->quality_partitions = atoi(v);
        } else if (!strcmp(o, "--eval-seed")) {
            NEEDV;
            a->q.seed = strtoull(v, NULL, 10);
        } else if (!strcmp(o, "--poison-fraction")) {
            NEEDV;
            a->g.poison_fraction = atof(v);
        } else if (!strcmp(o, "--start-ms")) {
            NEEDV;
            a->g.start_ms = strtoll(v, NULL, 10);
            a->start_given = 1;
        } else if (!strcmp(o, "--spacing-ms")) {
            NEEDV;
            a->g.spacing_ms = (uint32_t)strtoul(v, NULL, 10);
        } else if (!strcmp(o, "--mock")) {
            NEEDV;
            a->mock_brokers = atoi(v);
        } else if (!strcmp(o, "--partitions")) {
            NEEDV;
            a->partitions = atoi(v);
        } else if (!strcmp(o, "--linger-s")) {
            NEEDV;
            a->linger_s = atof(v);
        } else if (!strcmp(o, "--stdout"))
            a->to_stdout = 1;
        else if (!strcmp(o, "-X") && a->nx < LOADGEN_MAX_X) {
            NEEDV;
            a->x[a->nx++] = v;
        } else if (!strcmp(o, "-h") || !strcmp(o, "--help"))
            return -1;
        else {
            fprintf(stderr, "unknown option %s\n", o);
            return -1;
        }
#undef NEEDV
    }
    if ((a->brokers != NULL) + (a->mock_brokers > 0) + a->to_stdout != 1) {
        fprintf(stderr, "give exactly one of --brokers, --mock N (N >= 1), --stdout\n");
        return -1;
    }
    if (!a->quality_partitions) a->quality_partitions = a->partitions;
    if (a->rate < 0 || a->partitions < 1 || a->quality_partitions < 1) {
        fprintf(stderr, "--rate must be >= 0 and --partitions >= 1\n");
        return -1;
    }
    if (!a->g.spacing_ms) a->g.spacing_ms = a->rate > 0 ? (uint32_t)(1000.0 / a->rate) : 10;
    if (!a->g.spacing_ms) a->g.spacing_ms = 1;
    if (!a->start_given) {
        int64_t now = loadgen_wall_ms();
        a->g.start_ms = a->rate > 0 ? now : now - (int64_t)(a->count * a->g.spacing_ms);
    }
    a->g.count = a->count;
    a->q.evals = a->eval_topic != NULL;
    a->q.outcomes = a->outcome_topic != NULL;
    /* Nothing later than the last span: it has not happened yet. */
    a->q.now_ms = a->g.start_ms + (int64_t)(a->count * a->g.spacing_ms);
    return 0;
}

static int run_stdout(loadgen_args_t *a, gen_t *g) {
    buf_t b;
    buf_init(&b, 0);
    int rc = 0, poison;
    double t0 = loadgen_now();
    uint64_t n = 0;
    while (!loadgen_stop) {
        b.len = 0;
        int r = gen_next(g, &b, NULL, 0, &poison);
        if (r <= 0) {
            rc = r < 0;
            break;
        }
        buf_put(&b, "\n", 1);
        if (fwrite(b.data, 1, b.len, stdout) != b.len) {
            rc = 1;
            break;
        }
        n++;
        if (a->rate > 0) loadgen_sleep(t0 + n / a->rate - loadgen_now());
    }
    if (fflush(stdout) != 0) rc = 1;
    buf_deinit(&b);
    return rc;
}

/* Produces one message, waiting while the local queue is full. Returns 0 or -1 (errstr). */
static int loadgen_produce(rd_kafka_t *rk, const char *topic, const char *key, const buf_t *b,
                           char *errstr, size_t errstr_size) {
    for (;;) {
        rd_kafka_resp_err_t e =
            rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, strlen(key)),
                              RD_KAFKA_V_VALUE(b->data, b->len),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR) return 0;
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL || loadgen_stop) {
            snprintf(errstr, errstr_size, "produce: %s", rd_kafka_err2str(e));
            return -1;
        }
        rd_kafka_poll(rk, 50); /* local queue full: let deliveries drain */
    }
}

/* Produces the evals/outcomes due by until_ms. Returns 0 or -1 (errstr). */
static int loadgen_quality(loadgen_args_t *a, rd_kafka_t *rk, genq_t *q, int64_t until_ms, buf_t *b,
                           uint64_t *nq, uint64_t *bytes, char *errstr, size_t errstr_size) {
    char key[64];
    int k;
    for (;;) {
        b->len = 0;
        if ((k = genq_next(q, until_ms, b, key, sizeof key)) == GENQ_NONE) return 0;
        if (k < 0) {
            snprintf(errstr, errstr_size, "out of memory");
            return -1;
        }
        if (loadgen_produce(rk, k == GENQ_EVAL ? a->eval_topic : a->outcome_topic, key, b, errstr,
                            errstr_size) != 0)
            return -1;
        (*nq)++;
        *bytes += b->len;
    }
}

static int run_kafka(loadgen_args_t *a, gen_t *g, const char *bootstrap) {
    char errstr[512];
    loadgen_dr_t dr = {0};
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_t *rk = NULL;
    genq_t *q = NULL;
    buf_t b;
    buf_init(&b, 0);
    int rc = 1;
    const char *defaults[][2] = {{"linger.ms", "20"},
                                 {"batch.num.messages", "10000"},
                                 {"queue.buffering.max.messages", "500000"},
                                 {"enable.idempotence", "true"}};
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        rd_kafka_conf_set(conf, defaults[i][0], defaults[i][1], NULL, 0);
    if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK)
        goto err;
    for (int i = 0; i < a->nx; i++) {
        char kv[512];
        snprintf(kv, sizeof kv, "%s", a->x[i]);
        char *eq = strchr(kv, '=');
        if (!eq) {
            snprintf(errstr, sizeof errstr, "-X %s: expected prop=value", a->x[i]);
            goto err;
        }
        *eq = '\0';
        if (rd_kafka_conf_set(conf, kv, eq + 1, errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
            goto err;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, loadgen_dr_cb);
    rd_kafka_conf_set_opaque(conf, &dr);
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk) goto err;
    conf = NULL; /* owned by rk */

    uint64_t n = 0, npoison = 0, bytes = 0, nq = 0;
    double t0 = loadgen_now();
    char key[64];
    int poison;
    static span_t span; /* the last span (large: not on the stack) */
    if ((a->eval_topic || a->outcome_topic) && !(q = genq_new(&a->q, errstr, sizeof errstr)))
        goto err;
    while (!loadgen_stop) {
        b.len = 0;
        int r = gen_next(g, &b, key, sizeof key, &poison);
        if (r == 0) break;
        if (r < 0) {
            snprintf(errstr, sizeof errstr, "out of memory");
            goto err;
        }
        if (loadgen_produce(rk, a->topic, key, &b, errstr, sizeof errstr) != 0) goto err;
        n++;
        npoison += poison != 0;
        bytes += b.len;
        if (q && !poison) {
            /* The evals and outcomes that happened by this span's time. */
            span_t *sp = &span;
            if (genq_observe(q, g) != 0) {
                snprintf(errstr, sizeof errstr, "out of memory");
                goto err;
            }
            gen_span(g, sp);
            if (loadgen_quality(a, rk, q, sp->ts_ms, &b, &nq, &bytes, errstr, sizeof errstr) != 0)
                goto err;
        }
        rd_kafka_poll(rk, 0);
        if (a->rate > 0) loadgen_sleep(t0 + n / a->rate - loadgen_now());
    }
    /* What is left happened after the last span (up to the now cap). */
    if (q && !loadgen_stop &&
        loadgen_quality(a, rk, q, INT64_MAX, &b, &nq, &bytes, errstr, sizeof errstr) != 0)
        goto err;
    if (rd_kafka_flush(rk, 60000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        snprintf(errstr, sizeof errstr, "flush timed out with %d messages in flight",
                 rd_kafka_outq_len(rk));
        goto err;
    }
    if (dr.failed) {
        snprintf(errstr, sizeof errstr, "%" PRIu64 " messages failed: %s", dr.failed,
                 dr.first_error);
        goto err;
    }
    double el = loadgen_now() - t0;
    printf("PRODUCED %" PRIu64 " POISON %" PRIu64 " BYTES %" PRIu64 " SECONDS %.3f\n", dr.delivered,
           npoison, bytes, el);
    if (q) {
        genq_stats_t st;
        genq_stats(q, &st);
        printf("QUALITY EVALS %" PRIu64 " OUTCOMES %" PRIu64 " TIERS %" PRIu64 "/%" PRIu64
               "/%" PRIu64 " WHOLE_TRACE %" PRIu64 " LATE %" PRIu64 " ORPHAN_EVALS %" PRIu64
               " ORPHAN_OUTCOMES %" PRIu64 " CONVERSIONS %" PRIu64 " NOT_YET %" PRIu64 "\n",
               st.evals, st.outcomes, st.tier[0], st.tier[1], st.tier[2], st.whole_trace, st.late,
               st.orphan_evals, st.orphan_outcomes, st.conversions, st.not_yet);
    }
    fflush(stdout);
    fprintf(stderr,
            "loadgen: %" PRIu64 " messages (%" PRIu64 " poison), %.1f MB, %.2f s, %.0f msg/s\n",
            dr.delivered, npoison, bytes / 1e6, el, el > 0 ? dr.delivered / el : 0);
    rc = 0;
err:
    if (rc) fprintf(stderr, "loadgen: %s\n", errstr);
    genq_destroy(q);
    if (conf) rd_kafka_conf_destroy(conf);
    if (rk) rd_kafka_destroy(rk);
    buf_deinit(&b);
    return rc;
}

int main(int argc, char **argv) {
    loadgen_args_t a;
    char errstr[512];
    if (parse_args(argc, argv, &a) != 0) {
        usage(argv[0]);
        return 2;
    }
    signal(SIGINT, loadgen_on_signal);
    signal(SIGTERM, loadgen_on_signal);
    signal(SIGPIPE, SIG_IGN);

    gen_t *g = NULL;
    if (a.count > 0 || !a.mock_brokers) {
        g = gen_new(&a.g, errstr, sizeof errstr);
        if (!g) {
            fprintf(stderr, "loadgen: %s\n", errstr);
            return 2;
        }
    }
    if (a.to_stdout) {
        int rc = run_stdout(&a, g);
        gen_destroy(g);
        return rc;
    }

    int rc = 0;
    rd_kafka_t *mrk = NULL;
    rd_kafka_mock_cluster_t *mc = NULL;
    const char *bootstrap = a.brokers;
    if (a.mock_brokers) {
        /* The mock cluster lives inside a (never used) producer handle of its own. */
        rd_kafka_conf_t *mconf = rd_kafka_conf_new();
        rd_kafka_conf_set(mconf, "log_level", "3", NULL, 0);
        mrk = rd_kafka_new(RD_KAFKA_PRODUCER, mconf, errstr, sizeof errstr);
        if (!mrk) {
            fprintf(stderr, "loadgen: %s\n", errstr);
            gen_destroy(g);
            return 1;
        }
        mc = rd_kafka_mock_cluster_new(mrk, a.mock_brokers);
        if (!mc ||
            rd_kafka_mock_topic_create(mc, a.topic, a.partitions, 1) !=
                RD_KAFKA_RESP_ERR_NO_ERROR ||
            (a.eval_topic && rd_kafka_mock_topic_create(mc, a.eval_topic, a.quality_partitions,
                                                        1) != RD_KAFKA_RESP_ERR_NO_ERROR) ||
            (a.outcome_topic &&
             rd_kafka_mock_topic_create(mc, a.outcome_topic, a.quality_partitions, 1) !=
                 RD_KAFKA_RESP_ERR_NO_ERROR)) {
            fprintf(stderr, "loadgen: cannot start the mock cluster\n");
            rc = 1;
            goto out;
        }
        bootstrap = rd_kafka_mock_cluster_bootstraps(mc);
        printf("BOOTSTRAP %s\n", bootstrap);
        fflush(stdout);
        double est = (double)a.count * 620 / a.partitions;
        if (est > LOADGEN_MOCK_PARTITION_BYTES * 0.8)
            fprintf(stderr,
                    "loadgen: warning: ~%.1f MB per partition; the mock keeps only ~5 MB per "
                    "partition, consume while producing or use more --partitions\n",
                    est / 1e6);
    }
    if (g) rc = run_kafka(&a, g, bootstrap);
    if (mc && rc == 0) {
        double until = loadgen_now() + a.linger_s;
        while (!loadgen_stop && (a.linger_s < 0 || loadgen_now() < until))
            loadgen_sleep(0.1);
    }
out:
    if (mc) rd_kafka_mock_cluster_destroy(mc);
    if (mrk) rd_kafka_destroy(mrk);
    gen_destroy(g);
    return rc;
}
