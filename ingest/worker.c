/* worker: consume → decode → validate → enrich → encode → batch → insert → commit.
 *
 * Per partition a batch tracker (batch.h) decides the cuts and the committable prefix; the
 * rows of the open batch sit in that partition's RowBinary buffer with their offsets, so a
 * batch the server rejects can be bisected down to the bad rows. The insert is synchronous:
 * while it runs (and retries) nothing is consumed and the partitions are paused, which is the
 * backpressure. It does not parse config, own the sink or print usage. */
#include "worker.h"
#ifdef SPANHOUSE_HAVE_PIPELINE

#include <errno.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "dlq.h"
#include "err.h"
#include "json_span.h"
#include "kafka_consumer.h"
#include "price.h"
#include "rowbin.h"
#include "span.h"
#include "tenant.h"
#include "validate.h"

#define WORKER_MAX_PARTS 1024
#define WORKER_POLL_BATCH 4096

typedef struct wpart_s {
    char *topic; /* owned */
    int32_t partition;
    int active; /* assigned and not lost */
    int eof;    /* reached the end (or the replay stop offset) and nothing new since */
    int paused;
    int64_t stop_at; /* replay: first offset not to read; -1 = none */
    int64_t opened_ms;
    int64_t committed; /* last position committed by us, -1 none */
    batch_part_t bp;
    buf_t rows;       /* RowBinary rows of the open batch */
    int64_t *row_off; /* offset of row i */
    size_t *row_end;  /* end byte of row i in rows */
    size_t n_rows, cap_rows;
    buf_t rej;        /* llm_spans_rejected rows of the open batch */
    int64_t *rej_off;
    size_t n_rej, cap_rej;
} wpart_t;

struct worker_s {
    const config_t *cfg;
    worker_mode_t mode;
    sink_t *sink;
    metrics_t *m;
    const log_t *lg;
    worker_hooks_t hooks;
    kafka_consumer_t *kc;
    dlq_t *dlq;
    jspan_dec_t *dec;
    validate_opts_t vopts;
    price_table_t *prices;
    tenant_table_t *tenants;
    tenant_policy_t tpolicy;
    char table[256], rejected[256];
    const char *columns, *structure;
    span_t span;
    wpart_t *parts[WORKER_MAX_PARTS];
    int n_parts;
    wpart_t *last; /* lookup cache: messages come in runs per partition */
    int fatal;     /* an unrecoverable error happened: stop without committing more */
    int any_assigned;
    sink_backoff_t backoff;
    worker_stats_t st;
    uint64_t pub_consumed, pub_inserted; /* already published to metrics */
    int crash_after, crash_count;        /* test hook, see flush() */
};

static int64_t now_ms(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static double mono_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(int64_t ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) && errno == EINTR) {
    }
}

/* ---- partitions */

static wpart_t *part_find(worker_t *w, const char *topic, int32_t partition) {
    if (w->last && w->last->partition == partition && !strcmp(w->last->topic, topic)) return w->last;
    for (int i = 0; i < w->n_parts; i++)
        if (w->parts[i]->partition == partition && !strcmp(w->parts[i]->topic, topic))
            return w->last = w->parts[i];
    return NULL;
}

static void part_clear_batch(wpart_t *p) {
    buf_reset(&p->rows);
    buf_reset(&p->rej);
    p->n_rows = 0;
    p->n_rej = 0;
    p->opened_ms = 0;
}

static wpart_t *part_get(worker_t *w, const char *topic, int32_t partition) {
    wpart_t *p = part_find(w, topic, partition);
    if (p) return p;
    if (w->n_parts == WORKER_MAX_PARTS) return NULL;
    p = calloc(1, sizeof(*p));
    if (!p || !(p->topic = strdup(topic))) {
        free(p);
        return NULL;
    }
    p->partition = partition;
    p->stop_at = -1;
    p->committed = -1;
    buf_init(&p->rows, (size_t)w->cfg->partition_max_bytes);
    buf_init(&p->rej, 0);
    w->parts[w->n_parts++] = p;
    return p;
}

static void part_free(wpart_t *p) {
    if (!p) return;
    buf_deinit(&p->rows);
    buf_deinit(&p->rej);
    free(p->row_off);
    free(p->row_end);
    free(p->rej_off);
    free(p->topic);
    free(p);
}

static int push_row(wpart_t *p, int64_t off) {
    if (p->n_rows == p->cap_rows) {
        size_t nc = p->cap_rows ? p->cap_rows * 2 : 1024;
        int64_t *o = realloc(p->row_off, nc * sizeof(*o));
        if (!o) return ERR_NOMEM;
        p->row_off = o;
        size_t *e = realloc(p->row_end, nc * sizeof(*e));
        if (!e) return ERR_NOMEM;
        p->row_end = e;
        p->cap_rows = nc;
    }
    p->row_off[p->n_rows] = off;
    p->row_end[p->n_rows] = p->rows.len;
    p->n_rows++;
    return ERR_OK;
}

static int push_rej(wpart_t *p, int64_t off) {
    if (p->n_rej == p->cap_rej) {
        size_t nc = p->cap_rej ? p->cap_rej * 2 : 64;
        int64_t *o = realloc(p->rej_off, nc * sizeof(*o));
        if (!o) return ERR_NOMEM;
        p->rej_off = o;
        p->cap_rej = nc;
    }
    p->rej_off[p->n_rej++] = off;
    return ERR_OK;
}

/* ---- Kafka events */

static void on_assigned(void *opaque, const char *topic, int32_t partition, int64_t committed,
                        const char *meta, size_t meta_len) {
    worker_t *w = opaque;
    wpart_t *p = part_get(w, topic, partition);
    if (!p) {
        log_msg(w->lg, LOG_ERROR, "partition_table_full", topic);
        w->fatal = ERR_NOMEM;
        return;
    }
    part_clear_batch(p);
    batch_part_init(&p->bp, committed >= 0 ? committed : 0);
    int planned = batch_part_restore(&p->bp, committed, meta, meta_len);
    p->active = 1;
    p->eof = 0;
    p->paused = 0;
    p->committed = committed >= 0 ? committed : -1;
    w->any_assigned = 1;
    log_line_t l;
    log_begin(w->lg, &l, LOG_INFO, "partition_assigned");
    log_str(&l, "topic", topic);
    log_int(&l, "partition", partition);
    log_int(&l, "committed", committed);
    log_int(&l, "planned_cuts", planned < 0 ? 0 : planned);
    if (meta_len) log_strn(&l, "metadata", meta, meta_len);
    log_end(&l);
}

static void on_revoked(void *opaque, const char *topic, int32_t partition) {
    worker_t *w = opaque;
    wpart_t *p = part_find(w, topic, partition);
    if (!p) return;
    /* Nothing is in flight here (inserts are synchronous): the open batch is dropped
     * uncommitted, and the next owner re-reads it from the committed offset. */
    log_line_t l;
    log_begin(w->lg, &l, LOG_INFO, "partition_revoked");
    log_str(&l, "topic", topic);
    log_int(&l, "partition", partition);
    log_int(&l, "dropped_rows", (int64_t)p->n_rows);
    log_end(&l);
    part_clear_batch(p);
    batch_part_init(&p->bp, 0);
    p->active = 0;
}

static void on_dlq_done(void *opaque, const char *topic, int32_t partition, int64_t offset, int err) {
    worker_t *w = opaque;
    wpart_t *p = part_find(w, topic, partition);
    if (err != ERR_OK) {
        log_line_t l;
        log_begin(w->lg, &l, LOG_ERROR, "dlq_delivery_failed");
        log_str(&l, "topic", topic);
        log_int(&l, "partition", partition);
        log_int(&l, "offset", offset);
        log_end(&l);
        w->fatal = ERR_KAFKA;
        return;
    }
    if (p && p->active) batch_part_release(&p->bp, offset);
}

/* ---- dead letters */

static int dead_letter(worker_t *w, wpart_t *p, dlq_letter_t *lt) {
    char e[512];
    if (w->dlq) {
        if (batch_part_hold(&p->bp, lt->offset) != 0) return ERR_INVAL;
        int rc = dlq_send(w->dlq, lt, e, sizeof(e));
        if (rc != ERR_OK) {
            log_msg(w->lg, LOG_ERROR, "dlq_send_failed", e);
            return rc;
        }
    }
    if (*w->rejected) {
        if (batch_part_hold(&p->bp, lt->offset) != 0) return ERR_INVAL;
        dlq_encode_rejected(&p->rej, now_ms(), "span", lt);
        if (buf_error(&p->rej) || push_rej(p, lt->offset) != ERR_OK) return ERR_NOMEM;
    }
    w->st.rejected++;
    if (w->m) {
        char lab[128];
        snprintf(lab, sizeof(lab), "reason=\"%s\"", lt->reason);
        metrics_counter_add(w->m, "spanhouse_rejected_total", lab, 1);
    }
    log_line_t l;
    log_begin(w->lg, &l, LOG_WARN, "dead_letter");
    log_str(&l, "reason", lt->reason);
    log_str(&l, "field", lt->field);
    log_str(&l, "topic", lt->topic);
    log_int(&l, "partition", lt->partition);
    log_int(&l, "offset", lt->offset);
    log_str(&l, "detail", lt->detail);
    log_end(&l);
    return ERR_OK;
}

/* ---- inserts */

/* Inserts rows [lo, hi) of p with the token of their offset range, retrying retryable
 * errors with backoff until retry-max-ms. Returns ERR_OK, ERR_SERVER_REJECTED (res filled),
 * ERR_SERVER_FATAL, or a retry-class error when the time ran out. */
static int insert_rows(worker_t *w, wpart_t *p, size_t lo, size_t hi, sink_result_t *res) {
    size_t b0 = lo ? p->row_end[lo - 1] : 0, b1 = p->row_end[hi - 1];
    char token[512];
    batch_token(token, sizeof(token), p->topic, p->partition,
                (batch_range_t){p->row_off[lo], p->row_off[hi - 1]});
    double t0 = mono_s();
    for (;;) {
        double a = mono_s();
        int rc = sink_insert(w->sink, w->table, w->columns, w->structure, p->rows.data + b0,
                             b1 - b0, w->cfg->legacy ? NULL : token, res);
        if (w->m) metrics_histogram_observe(w->m, "spanhouse_insert_seconds", NULL, mono_s() - a);
        if (rc == ERR_OK) {
            sink_backoff_reset(&w->backoff);
            return ERR_OK;
        }
        if (rc == ERR_SERVER_REJECTED || rc == ERR_SERVER_FATAL) return rc;
        double spent_ms = (mono_s() - t0) * 1000;
        log_line_t l;
        log_begin(w->lg, &l, LOG_WARN, "insert_retry");
        log_str(&l, "token", token);
        log_str(&l, "error", err_name(rc));
        log_int(&l, "ch_code", res->ch_code);
        log_int(&l, "http_status", res->http_status);
        log_str(&l, "msg", res->msg);
        log_int(&l, "spent_ms", (int64_t)spent_ms);
        log_end(&l);
        if (spent_ms >= (double)w->cfg->retry_max_ms || (w->hooks.stop && *w->hooks.stop > 1)) return rc;
        w->st.retries++;
        if (w->m) metrics_counter_add(w->m, "spanhouse_insert_retries_total", NULL, 1);
        /* Stop fetching while ClickHouse is unwell: memory stays flat. */
        if (w->kc)
            for (int i = 0; i < w->n_parts; i++)
                if (w->parts[i]->active && !w->parts[i]->paused) {
                    kafka_pause(w->kc, w->parts[i]->topic, w->parts[i]->partition, 1, -1);
                    w->parts[i]->paused = 1;
                }
        if (w->m) metrics_gauge_set(w->m, "spanhouse_paused_partitions", NULL, w->n_parts);
        int64_t d = (int64_t)sink_backoff_next(&w->backoff);
        int64_t left = w->cfg->retry_max_ms - (int64_t)spent_ms;
        sleep_ms(d < left ? d : left);
        dlq_poll(w->dlq);
    }
}

/* Bisects [lo, hi) until the rows the server refuses are isolated; dead-letters those. */
static int insert_split(worker_t *w, wpart_t *p, size_t lo, size_t hi) {
    sink_result_t res;
    int rc = insert_rows(w, p, lo, hi, &res);
    if (rc != ERR_SERVER_REJECTED) {
        if (rc == ERR_OK) w->st.inserted += hi - lo;
        else {
            log_line_t l;
            log_begin(w->lg, &l, LOG_ERROR, "insert_failed");
            log_str(&l, "topic", p->topic);
            log_int(&l, "partition", p->partition);
            log_int(&l, "first", p->row_off[lo]);
            log_int(&l, "last", p->row_off[hi - 1]);
            log_str(&l, "error", err_name(rc));
            log_int(&l, "ch_code", res.ch_code);
            log_str(&l, "msg", res.msg);
            log_end(&l);
        }
        return rc;
    }
    if (hi - lo == 1) {
        size_t b0 = lo ? p->row_end[lo - 1] : 0;
        dlq_letter_t lt = {.reason = err_name(ERR_SERVER_REJECTED), .field = "", .detail = res.msg,
                           .topic = p->topic, .partition = p->partition, .offset = p->row_off[lo],
                           .payload = p->rows.data + b0, .len = p->row_end[lo] - b0,
                           .payload_format = "rowbinary"};
        return dead_letter(w, p, &lt);
    }
    size_t mid = lo + (hi - lo) / 2;
    rc = insert_split(w, p, lo, mid);
    if (rc != ERR_OK) return rc;
    return insert_split(w, p, mid, hi);
}

static int insert_rejected(worker_t *w, wpart_t *p, batch_range_t r) {
    if (!p->n_rej) return ERR_OK;
    char token[512];
    int n = batch_token(token, sizeof(token), p->topic, p->partition, r);
    snprintf(token + n, sizeof(token) - (size_t)n, "-rejected");
    double t0 = mono_s();
    for (;;) {
        sink_result_t res;
        int rc = sink_insert(w->sink, w->rejected, dlq_rejected_columns(),
                             dlq_rejected_structure((int)w->cfg->legacy), p->rej.data, p->rej.len,
                             w->cfg->legacy ? NULL : token, &res);
        if (rc == ERR_OK) break;
        log_line_t l;
        log_begin(w->lg, &l, rc == ERR_SERVER_REJECTED || rc == ERR_SERVER_FATAL ? LOG_ERROR : LOG_WARN,
                  "rejected_insert_failed");
        log_str(&l, "error", err_name(rc));
        log_str(&l, "msg", res.msg);
        log_end(&l);
        if (rc == ERR_SERVER_REJECTED || rc == ERR_SERVER_FATAL) return ERR_SERVER_FATAL;
        if ((mono_s() - t0) * 1000 >= (double)w->cfg->retry_max_ms) return rc;
        sleep_ms((int64_t)sink_backoff_next(&w->backoff));
    }
    for (size_t i = 0; i < p->n_rej; i++) batch_part_release(&p->bp, p->rej_off[i]);
    return ERR_OK;
}

/* Seals the open batch of p, announces the cut in the commit metadata, inserts (splitting on
 * data errors), waits for its dead letters and commits the contiguous prefix. */
static int flush(worker_t *w, wpart_t *p) {
    if (!batch_part_has_open(&p->bp)) return ERR_OK;
    batch_range_t r;
    batch_part_seal(&p->bp, &r);
    char meta[BATCH_META_MAX], e[512];
    int ml = batch_part_metadata(&p->bp, meta, sizeof(meta));
    if (w->kc && ml > 0) {
        int64_t pos = batch_part_commit_pos(&p->bp);
        int rc = ERR_KAFKA, lost = 0;
        for (int attempt = 0; attempt < 20 && rc != ERR_OK && !lost; attempt++) {
            if (attempt) sleep_ms(250);
            rc = kafka_commit(w->kc, p->topic, p->partition, pos, meta, (size_t)ml, 1, &lost, e, sizeof(e));
            if (rc != ERR_OK) log_msg(w->lg, LOG_WARN, "announce_failed", e);
        }
        if (lost) {
            /* A rebalance is under way: the partition may be someone else's. Sending now could
             * insert a range the next owner cuts differently; drop it uncommitted (the next
             * owner, maybe us again, re-reads it from the committed offset). */
            log_msg(w->lg, LOG_WARN, "partition_lost_dropping_batch", e);
            on_revoked(w, p->topic, p->partition);
            kafka_pause(w->kc, p->topic, p->partition, 1, -1);
            return ERR_OK;
        }
        if (rc != ERR_OK) {
            w->fatal = rc; /* the broker refuses commits for 5 s: stop, nothing is lost */
            return rc;
        }
    }
    double t0 = mono_s();
    size_t bytes = p->rows.len;
    int rc = p->n_rows ? insert_split(w, p, 0, p->n_rows) : ERR_OK;
    if (rc == ERR_OK) rc = insert_rejected(w, p, r);
    if (rc != ERR_OK) {
        w->fatal = rc;
        return rc;
    }
    if (w->dlq && dlq_flush(w->dlq, 30000) > 0) {
        log_msg(w->lg, LOG_ERROR, "dlq_not_confirmed", "dead letters not confirmed within 30 s");
        w->fatal = ERR_KAFKA;
        return ERR_KAFKA;
    }
    if (w->fatal) return w->fatal;
    if (w->crash_after && ++w->crash_count >= w->crash_after) {
        /* Test hook (SPANHOUSE_TEST_CRASH_AFTER_INSERTS): die between the insert and the
         * commit, the window where only the announced cut + dedup token prevent a duplicate. */
        log_msg(w->lg, LOG_WARN, "test_crash", "exiting between insert and commit");
        _exit(9);
    }
    batch_part_ack(&p->bp, r.first);
    int64_t pos = batch_part_commit_pos(&p->bp);
    w->st.batches++;
    if (w->m) {
        metrics_histogram_observe(w->m, "spanhouse_batch_rows", NULL, (double)p->n_rows);
        metrics_histogram_observe(w->m, "spanhouse_batch_bytes", NULL, (double)bytes);
    }
    log_line_t l;
    log_begin(w->lg, &l, LOG_DEBUG, "batch_stored");
    log_str(&l, "topic", p->topic);
    log_int(&l, "partition", p->partition);
    log_int(&l, "first", r.first);
    log_int(&l, "last", r.last);
    log_int(&l, "rows", (int64_t)p->n_rows);
    log_int(&l, "bytes", (int64_t)bytes);
    log_dbl(&l, "seconds", mono_s() - t0);
    log_end(&l);
    part_clear_batch(p);
    if (w->kc && pos != p->committed) {
        ml = batch_part_metadata(&p->bp, meta, sizeof(meta));
        rc = kafka_commit(w->kc, p->topic, p->partition, pos, meta, ml > 0 ? (size_t)ml : 0, 1, NULL, e, sizeof(e));
        if (rc != ERR_OK) log_msg(w->lg, LOG_WARN, "commit_failed", e); /* re-read, same cut */
        else p->committed = pos;
        if (w->m) {
            int64_t hwm = kafka_high_watermark(w->kc, p->topic, p->partition);
            if (hwm >= 0) {
                char lab[320];
                snprintf(lab, sizeof(lab), "topic=\"%s\",partition=\"%d\"", p->topic, (int)p->partition);
                metrics_gauge_set(w->m, "spanhouse_consumer_lag", lab, (double)(hwm - pos));
            }
        }
    }
    /* Inserts work again: resume what a retry paused, from where we are. */
    if (w->kc)
        for (int i = 0; i < w->n_parts; i++)
            if (w->parts[i]->paused && w->parts[i]->active) {
                kafka_pause(w->kc, w->parts[i]->topic, w->parts[i]->partition, 0, w->parts[i]->bp.next);
                w->parts[i]->paused = 0;
            }
    if (w->m) metrics_gauge_set(w->m, "spanhouse_paused_partitions", NULL, 0);
    return ERR_OK;
}

/* ---- one message */

static int process(worker_t *w, wpart_t *p, const char *topic, int64_t off, const void *key,
                   size_t key_len, const char *payload, size_t len, int64_t now) {
    int fl = batch_part_place(&p->bp, off);
    int rc;
    if ((fl & BATCH_SEAL_BEFORE) && (rc = flush(w, p)) != ERR_OK) return rc;
    if (!p->active) return ERR_OK; /* the flush lost the partition */
    int ar = batch_part_append(&p->bp, off);
    if (ar == -1) return ERR_OK; /* a redelivery of something we have */
    if (ar == -2) {
        if ((rc = flush(w, p)) != ERR_OK) return rc;
        if (batch_part_append(&p->bp, off) != 0) return ERR_INVAL;
    }
    if (!p->opened_ms) p->opened_ms = now;
    w->st.consumed++;
    jspan_errinfo_t ei;
    ei.field = NULL;
    ei.detail[0] = 0;
    const char *field = NULL;
    span_t *s = &w->span;
    rc = jspan_decode(w->dec, payload ? payload : "", payload ? len : 0, s, &ei);
    if (rc == ERR_OK) rc = validate_span(&w->vopts, s, now, &field);
    else field = ei.field;
    if (rc != ERR_OK) {
        dlq_letter_t lt = {.reason = err_name(rc), .field = field ? field : "",
                           .detail = ei.detail[0] ? ei.detail : err2str(rc), .topic = topic,
                           .partition = p->partition, .offset = off, .key = key, .key_len = key_len,
                           .payload = payload, .len = len, .payload_format = "original"};
        rc = dead_letter(w, p, &lt);
        if (rc != ERR_OK) return rc;
    } else {
        price_apply(w->prices, s);
        tenant_apply(w->tenants, w->tpolicy, s);
        s->kafka_topic = span_str(topic, strlen(topic));
        s->kafka_partition = p->partition;
        s->kafka_offset = off;
        s->ingested_ms = now;
        rowbin_encode_span(&p->rows, s);
        if (buf_error(&p->rows)) return buf_error(&p->rows);
        if ((rc = push_row(p, off)) != ERR_OK) return rc;
    }
    if (fl & BATCH_SEAL_AFTER) return flush(w, p);
    if (!(fl & BATCH_PLANNED) && ((int64_t)p->n_rows >= w->cfg->batch_max_rows ||
                                  (int64_t)p->rows.len >= w->cfg->batch_max_bytes))
        return flush(w, p);
    return ERR_OK;
}

/* ---- reload */

static void reload(worker_t *w) {
    char e[512];
    price_table_t *np = NULL;
    tenant_table_t *nt = NULL;
    if (*w->cfg->pricing && !(np = price_load(w->cfg->pricing, e, sizeof(e)))) {
        log_msg(w->lg, LOG_ERROR, "reload_failed_keeping_old_tables", e);
        return;
    }
    if (*w->cfg->tenants && !(nt = tenant_load(w->cfg->tenants, e, sizeof(e)))) {
        log_msg(w->lg, LOG_ERROR, "reload_failed_keeping_old_tables", e);
        price_destroy(np);
        return;
    }
    /* Spans are encoded (copied) before the next message: nothing points into the old tables. */
    price_destroy(w->prices);
    tenant_destroy(w->tenants);
    w->prices = np;
    w->tenants = nt;
    log_line_t l;
    log_begin(w->lg, &l, LOG_INFO, "tables_reloaded");
    log_int(&l, "prices", (int64_t)price_count(np));
    log_int(&l, "tenants", (int64_t)tenant_count(nt));
    log_end(&l);
}

static int flush_all(worker_t *w) {
    for (int i = 0; i < w->n_parts; i++) {
        wpart_t *p = w->parts[i];
        if (!p->active) continue;
        int rc = flush(w, p);
        if (rc != ERR_OK) return rc;
    }
    return ERR_OK;
}

static void publish(worker_t *w) {
    if (!w->m) return;
    metrics_counter_add(w->m, "spanhouse_consumed_total", NULL, w->st.consumed - w->pub_consumed);
    metrics_counter_add(w->m, "spanhouse_inserted_rows_total", NULL, w->st.inserted - w->pub_inserted);
    w->pub_consumed = w->st.consumed;
    w->pub_inserted = w->st.inserted;
}

/* ---- lifecycle */

worker_t *worker_new(const config_t *cfg, worker_mode_t mode, sink_t *sink, metrics_t *m,
                     const log_t *lg, const worker_hooks_t *hooks, int *fatal_cfg, char *errstr,
                     size_t errstr_size) {
    worker_t *w = calloc(1, sizeof(*w));
    int cfg_err = 1;
    if (!w) {
        snprintf(errstr, errstr_size, "out of memory");
        cfg_err = 0;
        goto err;
    }
    w->cfg = cfg;
    w->mode = mode;
    w->sink = sink;
    w->m = m;
    w->lg = lg;
    if (hooks) w->hooks = *hooks;
    if (getenv("SPANHOUSE_TEST_CRASH_AFTER_INSERTS"))
        w->crash_after = atoi(getenv("SPANHOUSE_TEST_CRASH_AFTER_INSERTS"));
    w->tpolicy = !strcmp(cfg->tenant_policy, "override") ? TENANT_POLICY_OVERRIDE : TENANT_POLICY_FILL;
    snprintf(w->table, sizeof(w->table), "%s.%s", cfg->database, cfg->table);
    if (*cfg->rejected_table) snprintf(w->rejected, sizeof(w->rejected), "%s.%s", cfg->database, cfg->rejected_table);
    w->columns = rowbin_column_list();
    w->structure = rowbin_structure((int)cfg->legacy);
    validate_opts_default(&w->vopts);
    w->vopts.max_future_ms = cfg->ts_future_tolerance_ms;
    w->vopts.max_past_ms = cfg->ts_past_tolerance_ms;
    jspan_opts_t jo;
    jspan_opts_default(&jo);
    jo.max_message_bytes = (size_t)cfg->max_message_bytes;
    if (!(w->dec = jspan_dec_new(&jo, errstr, errstr_size))) goto err;
    if (*cfg->pricing && !(w->prices = price_load(cfg->pricing, errstr, errstr_size))) goto err;
    if (*cfg->tenants && !(w->tenants = tenant_load(cfg->tenants, errstr, errstr_size))) goto err;
    sink_backoff_init(&w->backoff, 100, 10000, (uint64_t)getpid() * 2654435761u + (uint64_t)now_ms());
    if (*cfg->dlq_topic && *cfg->brokers &&
        !(w->dlq = dlq_new(cfg, on_dlq_done, w, errstr, errstr_size)))
        goto err;
    if (mode != WORKER_MODE_FILE) {
        kafka_events_t ev = {w, on_assigned, on_revoked};
        char group[512];
        snprintf(group, sizeof(group), "%s%s", cfg->group, mode == WORKER_MODE_REPLAY ? "-replay" : "");
        if (!(w->kc = kafka_consumer_new(cfg, group, mode == WORKER_MODE_REPLAY, &ev, errstr, errstr_size)))
            goto err;
    }
    return w;
err:
    if (fatal_cfg) *fatal_cfg = cfg_err;
    worker_destroy(w);
    return NULL;
}

void worker_destroy(worker_t *w) {
    if (!w) return;
    if (w->kc) kafka_consumer_destroy(w->kc); /* revokes: on_revoked needs the parts */
    dlq_destroy(w->dlq);
    for (int i = 0; i < w->n_parts; i++) part_free(w->parts[i]);
    jspan_dec_destroy(w->dec);
    price_destroy(w->prices);
    tenant_destroy(w->tenants);
    free(w);
}

void worker_stats(const worker_t *w, worker_stats_t *st) { *st = w->st; }

static int drained(worker_t *w) {
    if (!w->any_assigned) return 0;
    int n = 0;
    for (int i = 0; i < w->n_parts; i++) {
        wpart_t *p = w->parts[i];
        if (!p->active) continue;
        n++;
        if (!p->eof || !batch_part_idle(&p->bp)) return 0;
    }
    return n > 0 && dlq_pending(w->dlq) == 0;
}

/* Parses epoch ms or an ISO-8601 time. */
static int parse_time(const char *s, int64_t *ms) {
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*s && !*end) {
        *ms = v;
        return 0;
    }
    return jspan_parse_iso8601(s, strlen(s), ms) == ERR_OK ? 0 : -1;
}

int worker_run(worker_t *w) {
    const config_t *cfg = w->cfg;
    int rc = ERR_OK;
    int exit_at_eof = cfg->exit_at_eof || w->mode == WORKER_MODE_REPLAY;
    double rate_t0 = mono_s();
    uint64_t rate_n0 = 0;
    if (w->mode == WORKER_MODE_REPLAY) {
        int64_t from, to;
        if (parse_time(cfg->from, &from) || parse_time(cfg->to, &to) || to < from) {
            log_msg(w->lg, LOG_ERROR, "bad_replay_range", "--from/--to must be epoch ms or ISO-8601, from <= to");
            return ERR_CONFIG;
        }
        for (int t = 0; t < cfg->n_topics; t++) {
            static int64_t ends[WORKER_MAX_PARTS];
            char e[512];
            int np = kafka_assign_times(w->kc, cfg->topics[t].name, from, to, ends, WORKER_MAX_PARTS, e, sizeof(e));
            if (np < 0) {
                log_msg(w->lg, LOG_ERROR, "replay_assign_failed", e);
                return ERR_KAFKA;
            }
            for (int i = 0; i < np; i++) {
                wpart_t *p = part_find(w, cfg->topics[t].name, i);
                if (!p) continue;
                p->stop_at = ends[i];
                if (p->bp.next >= p->stop_at) p->eof = 1;
            }
        }
    }
    if (w->m) metrics_set_ready(w->m, 1);
    static rd_kafka_message_t *msgs[WORKER_POLL_BATCH];
    while (!w->fatal) {
        if (w->hooks.stop && *w->hooks.stop) break;
        if (w->hooks.reload && *w->hooks.reload) {
            *w->hooks.reload = 0;
            reload(w);
        }
        size_t n = kafka_consume(w->kc, msgs, WORKER_POLL_BATCH, 100);
        int64_t now = now_ms();
        for (size_t i = 0; i < n; i++) {
            rd_kafka_message_t *rkm = msgs[i];
            if (rc == ERR_OK && !w->fatal) {
                const char *topic = rkm->rkt ? rd_kafka_topic_name(rkm->rkt) : "";
                wpart_t *p = rkm->rkt ? part_find(w, topic, rkm->partition) : NULL;
                if (rkm->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                    if (p && p->active) {
                        p->eof = 1;
                        rc = flush(w, p);
                    }
                } else if (rkm->err) {
                    log_line_t l;
                    log_begin(w->lg, &l, LOG_WARN, "kafka_error");
                    log_str(&l, "error", rd_kafka_message_errstr(rkm));
                    log_end(&l);
                } else if (p && p->active) {
                    if (p->stop_at >= 0 && rkm->offset >= p->stop_at) {
                        if (!p->eof) {
                            p->eof = 1;
                            rc = flush(w, p);
                            kafka_pause(w->kc, p->topic, p->partition, 1, -1);
                        }
                    } else {
                        p->eof = 0;
                        rc = process(w, p, topic, rkm->offset, rkm->key, rkm->key_len, rkm->payload, rkm->len, now);
                    }
                }
            }
            rd_kafka_message_destroy(rkm);
        }
        if (rc != ERR_OK || w->fatal) break;
        dlq_poll(w->dlq);
        /* Age and worker-budget cuts. */
        int64_t total = 0;
        for (int i = 0; i < w->n_parts; i++) total += (int64_t)w->parts[i]->rows.len;
        for (int i = 0; i < w->n_parts && rc == ERR_OK; i++) {
            wpart_t *p = w->parts[i];
            if (!p->active || !batch_part_has_open(&p->bp)) continue;
            int planned = p->bp.n_planned > 0 && p->bp.segs[p->bp.n_segs - 1].first >= p->bp.planned[0].first;
            if (planned && !p->eof) continue;
            if (p->eof || now - p->opened_ms >= cfg->batch_max_age_ms || total > cfg->max_inflight_bytes) {
                total -= (int64_t)p->rows.len;
                rc = flush(w, p);
            }
        }
        if (rc != ERR_OK) break;
        publish(w);
        if (cfg->rate > 0 && w->mode != WORKER_MODE_RUN) {
            double ahead = (double)(w->st.consumed - rate_n0) / (double)cfg->rate - (mono_s() - rate_t0);
            if (ahead > 0) sleep_ms((int64_t)(ahead * 1000));
        }
        if (exit_at_eof && drained(w)) {
            log_msg(w->lg, LOG_INFO, "drained", "every assigned partition is at its end and committed");
            break;
        }
    }
    if (rc == ERR_OK && w->fatal) rc = w->fatal;
    if (rc == ERR_OK) {
        /* Graceful stop: store and commit what we hold. */
        rc = flush_all(w);
        if (rc == ERR_OK && w->fatal) rc = w->fatal;
    }
    publish(w);
    log_line_t l;
    log_begin(w->lg, &l, rc == ERR_OK ? LOG_INFO : LOG_ERROR, "stopped");
    log_str(&l, "result", err_name(rc));
    log_int(&l, "consumed", (int64_t)w->st.consumed);
    log_int(&l, "inserted", (int64_t)w->st.inserted);
    log_int(&l, "rejected", (int64_t)w->st.rejected);
    log_int(&l, "retries", (int64_t)w->st.retries);
    log_int(&l, "batches", (int64_t)w->st.batches);
    log_end(&l);
    return rc;
}

int worker_ingest_file(worker_t *w, const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        char e[512];
        snprintf(e, sizeof(e), "%s: %s", path, strerror(errno));
        log_msg(w->lg, LOG_ERROR, "open_failed", e);
        return ERR_IO;
    }
    const char *topic = w->cfg->ingest_topic;
    wpart_t *p = part_get(w, topic, 0);
    if (!p) {
        fclose(f);
        return ERR_NOMEM;
    }
    batch_part_init(&p->bp, 0);
    p->active = 1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int64_t off = 0;
    int rc = ERR_OK;
    double t0 = mono_s();
    while (rc == ERR_OK && !w->fatal && (len = getline(&line, &cap, f)) >= 0) {
        if (w->hooks.stop && *w->hooks.stop) break;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) len--;
        /* Line numbers (from 0) are the offsets: the cuts, and so the tokens, are the same
         * on every run of the same file (no age cuts here). */
        rc = process(w, p, topic, off++, NULL, 0, line, (size_t)len, now_ms());
        if (w->cfg->rate > 0) {
            double ahead = (double)off / (double)w->cfg->rate - (mono_s() - t0);
            if (ahead > 0.001) sleep_ms((int64_t)(ahead * 1000));
        }
        dlq_poll(w->dlq);
    }
    free(line);
    fclose(f);
    if (rc == ERR_OK) rc = flush(w, p);
    if (rc == ERR_OK && w->fatal) rc = w->fatal;
    publish(w);
    log_line_t l;
    log_begin(w->lg, &l, rc == ERR_OK ? LOG_INFO : LOG_ERROR, "file_done");
    log_str(&l, "file", path);
    log_str(&l, "result", err_name(rc));
    log_int(&l, "lines", off);
    log_int(&l, "inserted", (int64_t)w->st.inserted);
    log_int(&l, "rejected", (int64_t)w->st.rejected);
    log_end(&l);
    return rc;
}
#endif /* SPANHOUSE_HAVE_PIPELINE */
