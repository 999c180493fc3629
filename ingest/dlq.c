/* dlq: dead letters to Kafka (with headers) and rows for llm_spans_rejected.
 *
 * The producer is idempotent with acks=all so a confirmed letter is durable; per-letter
 * opaques carry the source position back to the caller when the report arrives. It does
 * not decide what is poison: the worker does. */
#include "dlq.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "err.h"
#if __has_include("rowbin.h")
#include "rowbin.h"
#define DLQ_HAVE_ROWBIN 1
#endif

#ifndef SPANHOUSE_VERSION
#define SPANHOUSE_VERSION "0.1.0"
#endif

struct dlq_s {
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt;
    dlq_done_fn *done;
    void *opaque;
    int pending;
};

/* Per-letter opaque: the source position (topic name copied inline). */
typedef struct dlq_pos_s {
    int32_t partition;
    int64_t offset;
    char topic[];
} dlq_pos_t;

static int64_t now_ms(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    dlq_t *d = opaque;
    dlq_pos_t *pos = m->_private;
    d->pending--;
    if (pos) {
        if (d->done) d->done(d->opaque, pos->topic, pos->partition, pos->offset, m->err ? ERR_KAFKA : ERR_OK);
        free(pos);
    }
}

dlq_t *dlq_new(const config_t *cfg, dlq_done_fn *done, void *opaque, char *errstr, size_t errstr_size) {
    dlq_t *d = calloc(1, sizeof(*d));
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (!d || !conf) goto err;
    d->done = done;
    d->opaque = opaque;
    const char *kv[][2] = {{"bootstrap.servers", cfg->brokers}, {"acks", "all"},
                           {"enable.idempotence", "true"},      {"linger.ms", "5"},
                           {"client.id", "spanhouse-dlq"},      {"message.timeout.ms", "60000"}};
    char e[512];
    for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
        if (rd_kafka_conf_set(conf, kv[i][0], kv[i][1], e, sizeof(e)) != RD_KAFKA_CONF_OK) {
            snprintf(errstr, errstr_size, "dlq %s: %s", kv[i][0], e);
            goto err;
        }
    /* kafka.* properties that make sense for a producer too (security, sasl, ssl). */
    for (int i = 0; i < cfg->n_kafka; i++) {
        const char *k = cfg->kafka[i].key;
        if (!strncmp(k, "security.", 9) || !strncmp(k, "sasl.", 5) || !strncmp(k, "ssl.", 4) ||
            !strncmp(k, "broker.", 7) || !strncmp(k, "socket.", 7) || !strncmp(k, "test.", 5))
            if (rd_kafka_conf_set(conf, k, cfg->kafka[i].val, e, sizeof(e)) != RD_KAFKA_CONF_OK) {
                snprintf(errstr, errstr_size, "kafka.%s: %s", k, e);
                goto err;
            }
    }
    rd_kafka_conf_set_opaque(conf, d);
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    d->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, errstr_size);
    if (!d->rk) goto err;
    conf = NULL;
    d->rkt = rd_kafka_topic_new(d->rk, cfg->dlq_topic, NULL);
    if (!d->rkt) {
        snprintf(errstr, errstr_size, "dlq topic %s: %s", cfg->dlq_topic, rd_kafka_err2str(rd_kafka_last_error()));
        goto err;
    }
    return d;
err:
    if (conf) rd_kafka_conf_destroy(conf);
    dlq_destroy(d);
    return NULL;
}

void dlq_destroy(dlq_t *d) {
    if (!d) return;
    if (d->rk) {
        rd_kafka_flush(d->rk, 10000);
        if (d->rkt) rd_kafka_topic_destroy(d->rkt);
        rd_kafka_destroy(d->rk);
    }
    free(d);
}

int dlq_send(dlq_t *d, const dlq_letter_t *l, char *errstr, size_t errstr_size) {
    size_t tl = strlen(l->topic ? l->topic : "");
    dlq_pos_t *pos = malloc(sizeof(*pos) + tl + 1);
    if (!pos) return ERR_NOMEM;
    pos->partition = l->partition;
    pos->offset = l->offset;
    memcpy(pos->topic, l->topic ? l->topic : "", tl + 1);
    char part[16], off[24], ts[24];
    snprintf(part, sizeof(part), "%d", (int)l->partition);
    snprintf(off, sizeof(off), "%lld", (long long)l->offset);
    snprintf(ts, sizeof(ts), "%lld", (long long)now_ms());
    rd_kafka_headers_t *h = rd_kafka_headers_new(10);
#define HDR(k, v) rd_kafka_header_add(h, k, -1, v, -1)
    HDR("reason", l->reason ? l->reason : "");
    HDR("field", l->field ? l->field : "");
    HDR("detail", l->detail ? l->detail : "");
    HDR("source_topic", l->topic ? l->topic : "");
    HDR("source_partition", part);
    HDR("source_offset", off);
    HDR("timestamp", ts);
    HDR("payload_format", l->payload_format ? l->payload_format : "original");
    HDR("spanhouse_version", SPANHOUSE_VERSION);
#undef HDR
    for (int attempt = 0;; attempt++) {
        rd_kafka_resp_err_t e = rd_kafka_producev(
            d->rk, RD_KAFKA_V_RKT(d->rkt), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_KEY(l->key, l->key_len), RD_KAFKA_V_VALUE((void *)l->payload, l->len),
            RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_OPAQUE(pos), RD_KAFKA_V_END);
        if (!e) break;
        if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL && attempt < 100) {
            rd_kafka_poll(d->rk, 100);
            continue;
        }
        rd_kafka_headers_destroy(h);
        free(pos);
        snprintf(errstr, errstr_size, "dlq produce: %s", rd_kafka_err2str(e));
        return ERR_KAFKA;
    }
    d->pending++;
    return ERR_OK;
}

void dlq_poll(dlq_t *d) {
    if (d) rd_kafka_poll(d->rk, 0);
}

int dlq_flush(dlq_t *d, int timeout_ms) {
    if (!d) return 0;
    rd_kafka_flush(d->rk, timeout_ms);
    rd_kafka_poll(d->rk, 0);
    return d->pending;
}

int dlq_pending(const dlq_t *d) { return d ? d->pending : 0; }

const char *dlq_rejected_columns(void) {
    return "received_at, kind, topic, partition, offset, key, reason, field, detail, payload";
}

const char *dlq_rejected_structure(int legacy) {
    return legacy ? "received_at Int64, kind String, topic String, partition Int32, offset Int64, "
                    "key String, reason String, field String, detail String, payload String"
                  : "received_at DateTime64(3, 'UTC'), kind LowCardinality(String), topic "
                    "LowCardinality(String), partition Int32, offset Int64, key String, reason "
                    "LowCardinality(String), field String, detail String, payload String";
}

#ifdef DLQ_HAVE_ROWBIN
void dlq_encode_rejected(buf_t *b, int64_t received_ms, const char *kind, const dlq_letter_t *l) {
    rowbin_put_i64(b, received_ms);
    rowbin_put_cstr(b, kind);
    rowbin_put_cstr(b, l->topic ? l->topic : "");
    rowbin_put_i32(b, l->partition);
    rowbin_put_i64(b, l->offset);
    rowbin_put_str(b, span_str(l->key, l->key ? l->key_len : 0));
    rowbin_put_cstr(b, l->reason ? l->reason : "");
    rowbin_put_cstr(b, l->field ? l->field : "");
    rowbin_put_cstr(b, l->detail ? l->detail : "");
    rowbin_put_str(b, span_str(l->payload, l->payload ? l->len : 0));
}
#endif
