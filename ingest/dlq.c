/* dlq: dead letters to Kafka (with headers) and rows for llm_spans_rejected.
 *
 * The producer is idempotent with acks=all so a confirmed letter is durable; per-letter
 * opaques carry the source position back to the caller when the report arrives. It does
 * not decide what is poison: the worker does. */
#include "dlq.h"

#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "err.h"
/* XXH3 for the original_xxh3 header of a cut letter (as in the dedup tokens). */
#define XXH_INLINE_ALL
#include "rowbin.h"
#include <xxhash.h>

#include "version.h"

/* Letters above the byte bound are cut to it, never refused: a 1 MB poison pill must not pin
 * its partition because the DLQ topic takes less. The cut is marked in the headers. */
#define DLQ_DETAIL_MAX 4096 /* the detail header (a ClickHouse message can be long) */
#define DLQ_MIN_BYTES 1024  /* below this a letter is not cut further */

struct dlq_s {
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt;
    dlq_done_fn *done;
    void *opaque;
    int pending;
    size_t max_bytes; /* key + payload bound (dlq-max-bytes) */
};

/* Per-letter opaque: the source position and the caller's tag (topic name copied inline). */
typedef struct dlq_pos_s {
    int32_t partition;
    int64_t offset;
    uint64_t tag;
    char topic[];
} dlq_pos_t;

static int64_t now_ms(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* Cuts *klen + *len down to budget (the key to at most half of it). Returns 1 if cut. */
static int dlq_fit(size_t budget, size_t *klen, size_t *len) {
    if (*klen + *len <= budget) return 0;
    if (*klen > budget / 2) *klen = budget / 2;
    if (*len > budget - *klen) *len = budget - *klen;
    return 1;
}

/* Marks h as carrying a cut of an original of len bytes (hash of payload, key length klen). */
static void dlq_mark_truncated(rd_kafka_headers_t *h, const void *payload, size_t len,
                               size_t klen) {
    char n[24], k[24], x[24];
    snprintf(n, sizeof(n), "%zu", len);
    snprintf(k, sizeof(k), "%zu", klen);
    snprintf(x, sizeof(x), "%016" PRIx64, (uint64_t)XXH3_64bits(payload, len));
    rd_kafka_header_remove(h, "payload_format");
    rd_kafka_header_add(h, "payload_format", -1, "truncated", -1);
    rd_kafka_header_add(h, "original_size", -1, n, -1);
    rd_kafka_header_add(h, "original_key_size", -1, k, -1);
    rd_kafka_header_add(h, "original_xxh3", -1, x, -1);
}

/* Produces one letter; h and pos pass to librdkafka on success (RD_KAFKA_RESP_ERR_NO_ERROR). */
static rd_kafka_resp_err_t dlq_produce(dlq_t *d, rd_kafka_headers_t *h, dlq_pos_t *pos,
                                       const void *key, size_t klen, const void *payload,
                                       size_t len) {
    return rd_kafka_producev(d->rk, RD_KAFKA_V_RKT(d->rkt),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key, klen),
                             RD_KAFKA_V_VALUE((void *)payload, len), RD_KAFKA_V_HEADERS(h),
                             RD_KAFKA_V_OPAQUE(pos), RD_KAFKA_V_END);
}

/* The broker refused a letter as too large (its topic's max.message.bytes is below
 * dlq-max-bytes): send a quarter of it again, marked as cut, instead of failing the letter.
 * Returns 1 when re-sent (the letter stays pending). */
static int dlq_resend_smaller(dlq_t *d, const rd_kafka_message_t *m, dlq_pos_t *pos) {
    size_t klen = m->key_len, len = m->len;
    if (klen + len <= DLQ_MIN_BYTES) return 0;
    rd_kafka_headers_t *old = NULL;
    if (rd_kafka_message_headers(m, &old) != RD_KAFKA_RESP_ERR_NO_ERROR || !old) return 0;
    rd_kafka_headers_t *h = rd_kafka_headers_copy(old);
    const void *v;
    size_t vn;
    if (rd_kafka_header_get_last(h, "original_size", &v, &vn) != RD_KAFKA_RESP_ERR_NO_ERROR)
        dlq_mark_truncated(h, m->payload, m->len, m->key_len); /* first cut: m is the original */
    size_t budget = (klen + len) / 4 > DLQ_MIN_BYTES ? (klen + len) / 4 : DLQ_MIN_BYTES;
    dlq_fit(budget, &klen, &len);
    if (dlq_produce(d, h, pos, m->key, klen, m->payload, len) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_headers_destroy(h);
        return 0;
    }
    return 1;
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    dlq_t *d = opaque;
    dlq_pos_t *pos = m->_private;
    if (m->err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE && pos && dlq_resend_smaller(d, m, pos))
        return;
    d->pending--;
    if (pos) {
        if (d->done)
            d->done(d->opaque, pos->topic, pos->partition, pos->offset, pos->tag,
                    m->err ? ERR_KAFKA : ERR_OK);
        free(pos);
    }
}

dlq_t *dlq_new(const config_t *cfg, dlq_done_fn *done, void *opaque, char *errstr,
               size_t errstr_size) {
    dlq_t *d = calloc(1, sizeof(*d));
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (!d || !conf) goto err;
    d->done = done;
    d->opaque = opaque;
    d->max_bytes = cfg->dlq_max_bytes > 0 ? (size_t)cfg->dlq_max_bytes : 900000;
    /* message.timeout.ms = 0: librdkafka retries a letter until the broker takes it (a DLQ
     * outage holds the commit of the letter's batch instead of failing the worker); the
     * idempotent producer keeps those retries ordered and free of duplicates. message.max.bytes
     * leaves room for the headers above the key + payload bound. */
    char mmb[24];
    snprintf(mmb, sizeof(mmb), "%zu", d->max_bytes + 64 * 1024);
    const char *kv[][2] = {{"bootstrap.servers", cfg->brokers}, {"acks", "all"},
                           {"enable.idempotence", "true"},      {"linger.ms", "5"},
                           {"client.id", "spanhouse-dlq"},      {"message.timeout.ms", "0"},
                           {"message.max.bytes", mmb}};
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
        snprintf(errstr, errstr_size, "dlq topic %s: %s", cfg->dlq_topic,
                 rd_kafka_err2str(rd_kafka_last_error()));
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
        rd_kafka_flush(d->rk, 2000); /* within a stopping worker's 30 s: unconfirmed letters are
                                        re-sent after a restart */
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
    pos->tag = l->tag;
    memcpy(pos->topic, l->topic ? l->topic : "", tl + 1);
    char part[16], off[24], ts[24];
    snprintf(part, sizeof(part), "%d", (int)l->partition);
    snprintf(off, sizeof(off), "%lld", (long long)l->offset);
    snprintf(ts, sizeof(ts), "%lld", (long long)now_ms());
    const char *detail = l->detail ? l->detail : "";
    size_t budget = d->max_bytes;
    for (int attempt = 0;; attempt++) {
        rd_kafka_headers_t *h = rd_kafka_headers_new(14);
#define HDR(k, v) rd_kafka_header_add(h, k, -1, v, -1)
        HDR("reason", l->reason ? l->reason : "");
        HDR("field", l->field ? l->field : "");
        rd_kafka_header_add(h, "detail", -1, detail, (ssize_t)strnlen(detail, DLQ_DETAIL_MAX));
        HDR("source_topic", l->topic ? l->topic : "");
        HDR("source_partition", part);
        HDR("source_offset", off);
        HDR("timestamp", ts);
        HDR("payload_format", l->payload_format ? l->payload_format : "original");
        HDR("spanhouse_version", SPANHOUSE_VERSION);
#undef HDR
        size_t klen = l->key_len, len = l->len;
        if (dlq_fit(budget, &klen, &len)) dlq_mark_truncated(h, l->payload, l->len, l->key_len);
        rd_kafka_resp_err_t e = dlq_produce(d, h, pos, l->key, klen, l->payload, len);
        if (!e) break;
        rd_kafka_headers_destroy(h);
        if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL && attempt < 100) {
            rd_kafka_poll(d->rk, 100);
            continue;
        }
        if (e == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE && budget > DLQ_MIN_BYTES) {
            budget = budget / 2 > DLQ_MIN_BYTES
                         ? budget / 2
                         : DLQ_MIN_BYTES; /* kafka.message.max.bytes is lower */
            continue;
        }
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
