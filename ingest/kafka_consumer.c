/* kafka_consumer: librdkafka consumer setup, rebalance handling, commits with metadata,
 * pause/resume and replay assignment.
 *
 * The eager protocol is used on purpose: on revoke the worker drops everything of the
 * revoked partitions at once and the new owner starts from the committed offset and its
 * metadata, which is simpler to reason about than incremental hand-offs. */
#include "kafka_consumer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "err.h"

struct kafka_consumer_s {
    rd_kafka_t *rk;
    rd_kafka_queue_t *q;
    kafka_events_t ev;
    int assign_only;
};

/* Reading the committed offsets is retried (about 30 s in all): the commit metadata holds the
 * announced cuts, and starting without them would re-cut ranges that may be stored already
 * under other dedup tokens. librdkafka 2.0.2 does not retry this fetch itself (one
 * COORDINATOR_NOT_AVAILABLE answer loses the cuts, and the partition then never fetches). */
#define KAFKA_COMMITTED_TRIES 12

static rd_kafka_resp_err_t fetch_committed(kafka_consumer_t *kc,
                                           rd_kafka_topic_partition_list_t *c) {
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    for (int attempt = 0; attempt < KAFKA_COMMITTED_TRIES; attempt++) {
        if (attempt) {
            int ms = 250 << (attempt < 4 ? attempt : 4); /* 0.5, 1, 2, then 4 s */
            struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        }
        for (int i = 0; i < c->cnt; i++)
            c->elems[i].offset = RD_KAFKA_OFFSET_INVALID;
        err = rd_kafka_committed(kc->rk, c, 10000);
        for (int i = 0; !err && i < c->cnt; i++)
            err = c->elems[i].err;
        if (!err) break;
    }
    return err;
}

static void on_assign(kafka_consumer_t *kc, rd_kafka_topic_partition_list_t *parts) {
    /* Read committed offsets and their metadata (the planned batch cuts). */
    rd_kafka_topic_partition_list_t *c = rd_kafka_topic_partition_list_copy(parts);
    rd_kafka_resp_err_t err = fetch_committed(kc, c);
    for (int i = 0; i < c->cnt; i++) {
        rd_kafka_topic_partition_t *p = &c->elems[i];
        int64_t off = err ? RD_KAFKA_OFFSET_INVALID : p->offset;
        if (kc->ev.assigned)
            kc->ev.assigned(kc->ev.opaque, p->topic, p->partition, off,
                            err ? NULL : (const char *)p->metadata, err ? 0 : p->metadata_size,
                            err ? ERR_KAFKA : ERR_OK);
    }
    rd_kafka_topic_partition_list_destroy(c);
    rd_kafka_assign(kc->rk, parts);
    /* A partition we paused before losing it (see worker flush) may come back to us: the
     * pause flag outlives the assignment in librdkafka, so clear it. */
    rd_kafka_resume_partitions(kc->rk, parts);
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque) {
    kafka_consumer_t *kc = opaque;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        on_assign(kc, parts);
    } else {
        for (int i = 0; i < parts->cnt; i++)
            if (kc->ev.revoked)
                kc->ev.revoked(kc->ev.opaque, parts->elems[i].topic, parts->elems[i].partition);
        rd_kafka_assign(rk, NULL);
    }
}

static int set(rd_kafka_conf_t *conf, const char *k, const char *v, char *errstr, size_t n) {
    char e[512];
    if (rd_kafka_conf_set(conf, k, v, e, sizeof(e)) != RD_KAFKA_CONF_OK) {
        snprintf(errstr, n, "kafka.%s: %s", k, e);
        return -1;
    }
    return 0;
}

kafka_consumer_t *kafka_consumer_new(const config_t *cfg, const char *group, int assign_only,
                                     const kafka_events_t *ev, char *errstr, size_t errstr_size) {
    kafka_consumer_t *kc = calloc(1, sizeof(*kc));
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_topic_partition_list_t *topics = NULL;
    if (!kc || !conf) goto err;
    kc->ev = *ev;
    kc->assign_only = assign_only;
    char buf[64];
    /* A blocked insert (retries up to retry-max-ms) must not get us kicked out of the group. */
    snprintf(buf, sizeof(buf), "%lld",
             (long long)(cfg->retry_max_ms + 4 * cfg->timeout_ms + 60000 > 86400000
                             ? 86400000
                             : cfg->retry_max_ms + 4 * cfg->timeout_ms + 60000));
    if (set(conf, "bootstrap.servers", cfg->brokers, errstr, errstr_size) ||
        set(conf, "group.id", group ? group : cfg->group, errstr, errstr_size) ||
        set(conf, "enable.auto.commit", "false", errstr, errstr_size) ||
        set(conf, "enable.auto.offset.store", "false", errstr, errstr_size) ||
        set(conf, "enable.partition.eof", "true", errstr, errstr_size) ||
        set(conf, "auto.offset.reset", "earliest", errstr, errstr_size) ||
        set(conf, "partition.assignment.strategy", "range", errstr, errstr_size) ||
        set(conf, "max.poll.interval.ms", buf, errstr, errstr_size) ||
        set(conf, "queued.max.messages.kbytes", "65536", errstr, errstr_size) ||
        /* Fewer, larger fetches: 1 MiB per partition (librdkafka's default) cost ~0.7 us of
         * worker CPU per span more in bench/b_e2e.sh (2.35 vs 1.69 us). Memory stays bounded
         * by queued.max.messages.kbytes above. kafka.* settings still override both. */
        set(conf, "max.partition.fetch.bytes", "8388608", errstr, errstr_size) ||
        set(conf, "fetch.max.bytes", "67108864", errstr, errstr_size) ||
        set(conf, "client.id", "spanhouse", errstr, errstr_size))
        goto err;
    for (int i = 0; i < cfg->n_kafka; i++)
        if (set(conf, cfg->kafka[i].key, cfg->kafka[i].val, errstr, errstr_size)) goto err;
    rd_kafka_conf_set_opaque(conf, kc);
    rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
    kc->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, errstr_size);
    if (!kc->rk) goto err;
    conf = NULL; /* owned by rk now */
    rd_kafka_poll_set_consumer(kc->rk);
    kc->q = rd_kafka_queue_get_consumer(kc->rk);
    if (!assign_only) {
        topics = rd_kafka_topic_partition_list_new(cfg->n_topics);
        for (int i = 0; i < cfg->n_topics; i++)
            rd_kafka_topic_partition_list_add(topics, cfg->topics[i].name, RD_KAFKA_PARTITION_UA);
        rd_kafka_resp_err_t e = rd_kafka_subscribe(kc->rk, topics);
        if (e) {
            snprintf(errstr, errstr_size, "subscribe: %s", rd_kafka_err2str(e));
            goto err;
        }
        rd_kafka_topic_partition_list_destroy(topics);
        topics = NULL;
    }
    return kc;
err:
    if (topics) rd_kafka_topic_partition_list_destroy(topics);
    if (conf) rd_kafka_conf_destroy(conf);
    if (kc && !kc->rk) {
        free(kc);
        return NULL;
    }
    kafka_consumer_destroy(kc);
    return NULL;
}

void kafka_consumer_destroy(kafka_consumer_t *kc) {
    if (!kc) return;
    if (kc->rk) {
        rd_kafka_consumer_close(kc->rk);
        if (kc->q) rd_kafka_queue_destroy(kc->q);
        rd_kafka_destroy(kc->rk);
    }
    free(kc);
}

rd_kafka_t *kafka_handle(kafka_consumer_t *kc) { return kc->rk; }

size_t kafka_consume(kafka_consumer_t *kc, rd_kafka_message_t **msgs, size_t max, int timeout_ms) {
    ssize_t n = rd_kafka_consume_batch_queue(kc->q, timeout_ms, msgs, max);
    return n < 0 ? 0 : (size_t)n;
}

int kafka_commit(kafka_consumer_t *kc, const char *topic, int32_t partition, int64_t offset,
                 const char *meta, size_t meta_len, int sync, int *lost, char *errstr,
                 size_t errstr_size) {
    if (lost) *lost = 0;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_t *p = rd_kafka_topic_partition_list_add(l, topic, partition);
    p->offset = offset;
    if (meta && meta_len) {
        p->metadata = malloc(meta_len);
        if (p->metadata) {
            memcpy(p->metadata, meta, meta_len);
            p->metadata_size = meta_len;
        }
    }
    rd_kafka_resp_err_t e = rd_kafka_commit(kc->rk, l, !sync);
    if (!e && sync && l->elems[0].err) e = l->elems[0].err;
    rd_kafka_topic_partition_list_destroy(l);
    if (lost &&
        (e == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION || e == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID ||
         e == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS ||
         e == RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID || e == RD_KAFKA_RESP_ERR__ASSIGNMENT_LOST ||
         e == RD_KAFKA_RESP_ERR__STATE))
        *lost = 1;
    if (e && e != RD_KAFKA_RESP_ERR__NO_OFFSET) {
        snprintf(errstr, errstr_size, "commit %s[%d]@%lld: %s", topic, (int)partition,
                 (long long)offset, rd_kafka_err2str(e));
        return ERR_KAFKA;
    }
    return ERR_OK;
}

int kafka_pause(kafka_consumer_t *kc, const char *topic, int32_t partition, int pause,
                int64_t resume_at) {
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_t *p = rd_kafka_topic_partition_list_add(l, topic, partition);
    rd_kafka_resp_err_t e;
    if (pause) {
        e = rd_kafka_pause_partitions(kc->rk, l);
    } else {
        if (resume_at >= 0) {
            p->offset = resume_at;
            rd_kafka_error_t *se = rd_kafka_seek_partitions(kc->rk, l, 5000);
            if (se) rd_kafka_error_destroy(se);
        }
        e = rd_kafka_resume_partitions(kc->rk, l);
    }
    rd_kafka_topic_partition_list_destroy(l);
    return e ? ERR_KAFKA : ERR_OK;
}

int kafka_assign_times(kafka_consumer_t *kc, const char *topic, int64_t from_ms, int64_t to_ms,
                       int64_t *end, int max_parts, char *errstr, size_t errstr_size) {
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(kc->rk, topic, NULL);
    rd_kafka_topic_partition_list_t *from = NULL, *to = NULL;
    int n = -1;
    if (!rkt) {
        snprintf(errstr, errstr_size, "topic %s: %s", topic,
                 rd_kafka_err2str(rd_kafka_last_error()));
        return -1;
    }
    rd_kafka_resp_err_t e = rd_kafka_metadata(kc->rk, 0, rkt, &md, 10000);
    if (e || md->topic_cnt != 1 || md->topics[0].err) {
        snprintf(errstr, errstr_size, "metadata of %s: %s", topic,
                 rd_kafka_err2str(e ? e : md->topics[0].err));
        goto done;
    }
    int np = md->topics[0].partition_cnt;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    int64_t now = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
    if (np > max_parts) {
        snprintf(errstr, errstr_size, "topic %s has %d partitions (max %d)", topic, np, max_parts);
        goto done;
    }
    from = rd_kafka_topic_partition_list_new(np);
    to = rd_kafka_topic_partition_list_new(np);
    for (int i = 0; i < np; i++) {
        rd_kafka_topic_partition_list_add(from, topic, md->topics[0].partitions[i].id)->offset =
            from_ms;
        rd_kafka_topic_partition_list_add(to, topic, md->topics[0].partitions[i].id)->offset =
            to_ms;
    }
    if ((e = rd_kafka_offsets_for_times(kc->rk, from, 10000)) ||
        (e = rd_kafka_offsets_for_times(kc->rk, to, 10000))) {
        snprintf(errstr, errstr_size, "offsetsForTimes %s: %s", topic, rd_kafka_err2str(e));
        goto done;
    }
    /* The replay group is named after its range: offsets it committed are a crashed run of
     * this very replay, to resume from (with the cuts it announced) instead of re-reading. */
    rd_kafka_topic_partition_list_t *c = rd_kafka_topic_partition_list_copy(from);
    if ((e = fetch_committed(kc, c))) {
        snprintf(errstr, errstr_size, "committed offsets of %s: %s", topic, rd_kafka_err2str(e));
        rd_kafka_topic_partition_list_destroy(c);
        goto done;
    }
    for (int i = 0; i < np; i++) {
        rd_kafka_topic_partition_t *f = &from->elems[i], *t = &to->elems[i];
        int64_t lo = 0, hi = 0;
        rd_kafka_query_watermark_offsets(kc->rk, topic, t->partition, &lo, &hi, 10000);
        int64_t stop = t->offset < 0 ? hi : t->offset; /* -1: no message that late: up to the end */
        if (f->offset < 0) f->offset = hi;             /* nothing at or after from */
        /* The ends of the log need no timestamp index: from <= 0 is the log start and a `to`
         * not in the past is the current end (also what brokers without a time index, and
         * librdkafka's mock cluster, can answer). */
        if (from_ms <= 0) f->offset = lo;
        if (to_ms >= now) stop = hi;
        if (t->partition < max_parts) end[t->partition] = stop;
        rd_kafka_topic_partition_t *r = rd_kafka_topic_partition_list_find(c, topic, f->partition);
        const char *meta = NULL;
        size_t meta_len = 0;
        if (r && r->offset >= f->offset && r->offset <= stop) { /* resume */
            f->offset = r->offset;
            meta = (const char *)r->metadata;
            meta_len = r->metadata_size;
        }
        if (kc->ev.assigned)
            kc->ev.assigned(kc->ev.opaque, topic, f->partition, f->offset, meta, meta_len, ERR_OK);
    }
    rd_kafka_topic_partition_list_destroy(c);
    e = rd_kafka_assign(kc->rk, from);
    if (e) {
        snprintf(errstr, errstr_size, "assign: %s", rd_kafka_err2str(e));
        goto done;
    }
    n = np;
done:
    if (from) rd_kafka_topic_partition_list_destroy(from);
    if (to) rd_kafka_topic_partition_list_destroy(to);
    if (md) rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    return n;
}

int64_t kafka_high_watermark(kafka_consumer_t *kc, const char *topic, int32_t partition) {
    int64_t lo, hi;
    kafka_watermarks(kc, topic, partition, &lo, &hi);
    return hi;
}

void kafka_watermarks(kafka_consumer_t *kc, const char *topic, int32_t partition, int64_t *lo,
                      int64_t *hi) {
    if (rd_kafka_get_watermark_offsets(kc->rk, topic, partition, lo, hi)) *lo = *hi = -1;
}

int64_t kafka_position(kafka_consumer_t *kc, const char *topic, int32_t partition) {
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    if (!l) return -1;
    rd_kafka_topic_partition_list_add(l, topic, partition);
    int64_t pos = -1;
    if (!rd_kafka_position(kc->rk, l) && !l->elems[0].err && l->elems[0].offset >= 0)
        pos = l->elems[0].offset;
    rd_kafka_topic_partition_list_destroy(l);
    return pos;
}
