/* mockkafka: a Kafka-protocol broker for tests and benchmarks (librdkafka's mock cluster).
 *
 *   mockkafka [--brokers N] [--compression none|gzip|lz4|zstd] --topic NAME:PARTITIONS [--topic …]
 * prints "bootstraps HOST:PORT,…" and then obeys commands read line by line on stdin:
 *   produce TOPIC FILE [RATE]  produce each line of FILE ("key<TAB>value", or just value),
 *                          at most RATE messages/s if given (benchmarks: a producer running
 *                          beside the consumer), wait for every delivery, print
 *                          "produced N failed M"
 *   err APIKEY COUNT CODE  make the next COUNT requests of APIKEY fail with error CODE
 *                          (rd_kafka_mock_push_request_errors), print "ok"
 *   rtt MS                 every broker answers MS ms late from now on (0 = no delay), print "ok"
 *   quit                   (or EOF, SIGTERM) stop
 * Test-only; it keeps everything in memory (the mock keeps ~5 MB per partition). */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int failed;
static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    if (m->err) failed++;
}

static double mono_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void produce_file(rd_kafka_t *prod, const char *topic, const char *path, double rate) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        printf("error cannot open %s\n", path);
        fflush(stdout);
        return;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long n = 0;
    failed = 0;
    double t0 = mono_s();
    while ((len = getline(&line, &cap, f)) >= 0) {
        if (rate > 0 && !(n & 255)) {
            double ahead = (double)n / rate - (mono_s() - t0);
            if (ahead > 0) {
                struct timespec ts = {(time_t)ahead, (long)((ahead - (double)(time_t)ahead) * 1e9)};
                nanosleep(&ts, NULL);
            }
        }
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) len--;
        char *tab = memchr(line, '\t', (size_t)len);
        const char *key = tab ? line : NULL;
        size_t klen = tab ? (size_t)(tab - line) : 0;
        const char *val = tab ? tab + 1 : line;
        size_t vlen = tab ? (size_t)(line + len - (tab + 1)) : (size_t)len;
        for (;;) {
            rd_kafka_resp_err_t e = rd_kafka_producev(prod, RD_KAFKA_V_TOPIC(topic),
                                                      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                                      RD_KAFKA_V_KEY(key, klen),
                                                      RD_KAFKA_V_VALUE((void *)val, vlen), RD_KAFKA_V_END);
            if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                rd_kafka_poll(prod, 50);
                continue;
            }
            if (e) failed++;
            break;
        }
        n++;
        rd_kafka_poll(prod, 0);
    }
    free(line);
    fclose(f);
    rd_kafka_flush(prod, 60000);
    printf("produced %ld failed %d\n", n, failed);
    fflush(stdout);
}

int main(int argc, char **argv) {
    int nbrokers = 1;
    const char *codec = "none"; /* producer compression.type: what real producers mostly use */
    char errstr[512];
    signal(SIGPIPE, SIG_IGN);
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (!rk) {
        fprintf(stderr, "mockkafka: %s\n", errstr);
        return 1;
    }
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--brokers")) nbrokers = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--compression")) codec = argv[i + 1];
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, nbrokers);
    if (!mc) {
        fprintf(stderr, "mockkafka: cannot create the mock cluster\n");
        return 1;
    }
    for (int i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], "--topic")) continue;
        char name[256];
        snprintf(name, sizeof(name), "%s", argv[i + 1]);
        char *colon = strchr(name, ':');
        int parts = 1;
        if (colon) {
            *colon = 0;
            parts = atoi(colon + 1);
        }
        if (rd_kafka_mock_topic_create(mc, name, parts, 1)) {
            fprintf(stderr, "mockkafka: cannot create topic %s\n", name);
            return 1;
        }
    }
    const char *boot = rd_kafka_mock_cluster_bootstraps(mc);
    rd_kafka_conf_t *pc = rd_kafka_conf_new();
    rd_kafka_conf_set(pc, "bootstrap.servers", boot, errstr, sizeof(errstr));
    rd_kafka_conf_set(pc, "linger.ms", "20", errstr, sizeof(errstr));
    rd_kafka_conf_set(pc, "batch.num.messages", "10000", errstr, sizeof(errstr));
    rd_kafka_conf_set(pc, "queue.buffering.max.kbytes", "262144", errstr, sizeof(errstr));
    /* Like a producer whose compressed batches the broker accepts: messages above librdkafka's
     * 1,000,000-byte default reach the topic (poison-pill tests). */
    rd_kafka_conf_set(pc, "message.max.bytes", "16000000", errstr, sizeof(errstr));
    /* Produce errors injected for the workers' DLQ producers hit this producer too: idempotence
     * keeps its retries from duplicating the input the soak test counts. */
    rd_kafka_conf_set(pc, "enable.idempotence", "true", errstr, sizeof(errstr));
    if (rd_kafka_conf_set(pc, "compression.type", codec, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "mockkafka: --compression: %s\n", errstr);
        return 1;
    }
    rd_kafka_conf_set_dr_msg_cb(pc, dr_cb);
    rd_kafka_t *prod = rd_kafka_new(RD_KAFKA_PRODUCER, pc, errstr, sizeof(errstr));
    if (!prod) {
        fprintf(stderr, "mockkafka: %s\n", errstr);
        return 1;
    }
    printf("bootstraps %s\n", boot);
    fflush(stdout);
    char line[4096];
    while (fgets(line, sizeof(line), stdin)) {
        char a[256], b[1024];
        int x, y, z;
        double rate = 0;
        if (sscanf(line, "produce %255s %1023s %lf", a, b, &rate) >= 2) {
            produce_file(prod, a, b, rate);
        } else if (sscanf(line, "err %d %d %d", &x, &y, &z) == 3) {
            rd_kafka_resp_err_t *codes = calloc((size_t)y, sizeof(*codes));
            for (int i = 0; i < y; i++) codes[i] = (rd_kafka_resp_err_t)z;
            rd_kafka_mock_push_request_errors_array(mc, (int16_t)x, (size_t)y, codes);
            free(codes);
            printf("ok\n");
            fflush(stdout);
        } else if (sscanf(line, "rtt %d", &x) == 1) {
            for (int id = 1; id <= nbrokers; id++) rd_kafka_mock_broker_set_rtt(mc, id, x);
            printf("ok\n");
            fflush(stdout);
        } else if (!strncmp(line, "quit", 4)) {
            break;
        }
    }
    rd_kafka_destroy(prod);
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}
