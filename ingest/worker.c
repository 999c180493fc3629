/* worker: consume → decode → validate → enrich → encode → batch → insert → commit.
 *
 * Per partition a batch tracker (batch.h) decides the cuts and the committable prefix; the
 * rows of the open batch sit in that partition's RowBinary buffer with their offsets, so a
 * batch the server rejects can be bisected down to the bad rows (each row also keeps its
 * original key and bytes, for its dead letter). A sealed batch becomes a
 * job for a small pool of sender threads (one sink each, insert-concurrency); the consumer
 * thread alone touches librdkafka, the batch bookkeeping, the DLQ and commits, and handles
 * each job's result when it comes back. It does not parse config, own the sinks or print usage. */
#include "worker.h"
#ifdef SPANHOUSE_HAVE_PIPELINE

#include <errno.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "dlq.h"
#include "err.h"
#include "eval.h"
#include "eval_columns.h"
#include "json_span.h"
#include "kafka_consumer.h"
#include "otlp.h"
#include "otlp_event.h"
#include "otlp_logs.h"
#include "outcome.h"
#include "price.h"
#include "rowbin.h"
#include "span.h"
#include "tenant.h"
#include "validate.h"

/* XXH3 (libxxhash) for the content part of dedup tokens: a stable, specified 64-bit hash at
 * memory speed (strhash.h is not stable across machines and must not be persisted). Inlined,
 * so the core library and the fuzzers need no extra link flag. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#define WORKER_MAX_PARTS 1024
#define WORKER_POLL_BATCH 4096
#define WORKER_MAX_SENDERS 64
#define WORKER_LAG_EVERY_MS 5000
#define WORKER_SPLIT_AFTER 4   /* same-batch answers with an unknown code before it is split */
#define WORKER_ROW_SLACK 65536 /* fixed part of a row beyond its message's bytes, bounded */

/* The tables a batch can write to. One Kafka record may yield rows for more than one of them
 * (an OTLP trace record: spans and their evaluation events); all rows of a batch share its
 * offset range, each table's insert carries the same dedup token (tokens are per table), and
 * the range is committed only when every table's insert is stored or dead-lettered. */
typedef enum { WT_SPAN = 0, WT_EVAL, WT_OUTCOME, WT_N } wtable_t;

static const char *const wt_kind[WT_N] = {"span", "eval", "outcome"};

/* Where rows of one table go (fixed for the worker's life). */
typedef struct wtarget_s {
    char table[256]; /* db.table */
    const char *columns, *structure;
} wtarget_t;

/* The rows of one batch for one table: RowBinary bytes with each row's offset and end. */
typedef struct wrows_s {
    buf_t rows;       /* RowBinary rows */
    int64_t *row_off; /* offset of row i */
    size_t *row_end;  /* end byte of row i in rows */
    size_t n_rows, cap_rows;
    /* The original Kafka key and payload of each row, so a row the server refuses is
     * dead-lettered with its original bytes: row i is orig[orig_beg[i] .. orig_end[i]), its
     * first key_len[i] bytes the key; the rows of one record (same offset) share one copy.
     * Counted in the byte budget. */
    buf_t orig;
    size_t *orig_beg, *orig_end, *key_len;
} wrows_t;

/* The rows of one batch, per table, plus the rows for the rejected table. Owned by the
 * partition while open, by a job once sealed. */
typedef struct wbatch_s {
    wrows_t t[WT_N];
    buf_t rej; /* llm_spans_rejected rows */
    int64_t *rej_off;
    size_t n_rej, cap_rej;
    uint64_t rej_hash; /* chained XXH3 of the rejected records' original bytes (token content) */
    int64_t enc_min,
        enc_max; /* ingested_at (ms) of its rows: first and last encode time, 0 = none */
} wbatch_t;

typedef struct wpart_s {
    char *topic; /* owned; lives until worker_destroy (senders read it) */
    int32_t partition;
    int active; /* assigned and not lost */
    int eof;    /* reached the end (or the replay stop offset) and nothing new since */
    int paused;
    config_fmt_t fmt; /* the topic's format */
    wtable_t kind;    /* the table its records belong to (what metrics count them as) */
    int64_t stop_at; /* replay: first offset not to read; -1 = none */
    int64_t opened_ms;
    int64_t committed; /* last position committed by us, -1 none */
    uint64_t gen;      /* bumped on assign/revoke: results of an older generation are dropped */
    int n_jobs;        /* jobs of this partition not yet handled back */
    int open_planned;  /* the open batch re-reads a range a previous owner announced */
    batch_part_t bp;
    wbatch_t b; /* the open batch */
} wpart_t;

/* A rejected single row found by bisection (sender side), dead-lettered by the consumer. */
typedef struct wbad_s {
    wtable_t t;
    size_t row;
    char *msg; /* owned */
} wbad_t;

/* One sealed batch on its way to ClickHouse. Sender threads read b and write the results;
 * the consumer thread owns it before submission and after it comes back. */
typedef struct wjob_s {
    struct wjob_s *next;
    wpart_t *p;
    uint64_t gen;
    batch_range_t r;
    wbatch_t b;
    size_t bytes; /* counted in the in-flight byte budget */
    int restored; /* an announced range re-read: it may be stored already (see rows_stored) */
    /* results */
    int rc;
    wbad_t *bad;
    size_t n_bad, cap_bad;
    uint64_t inserted, retries;
    uint64_t inserted_k[WT_N]; /* inserted, per table */
    uint64_t already;          /* rows found stored by a previous owner, not sent again */
    double seconds;
} wjob_t;

struct worker_s;
typedef struct wsender_s {
    struct worker_s *w;
    sink_t *sink; /* borrowed; used by this sender only */
    pthread_t th;
    int started;
    sink_backoff_t backoff;
} wsender_t;

/* Bounded queue of jobs to the senders and of results back. */
typedef struct wpool_s {
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    wjob_t *todo, *todo_tail, *fin;
    int n_jobs;            /* submitted and not yet taken back by the consumer */
    size_t bytes;          /* RowBinary bytes of those jobs */
    int n_retrying;        /* senders sleeping between retries */
    int stopping;          /* senders exit when the queue is empty */
    atomic_int abort;      /* fatal error: senders give up retrying, skip queued jobs */
    wsender_t snd[WORKER_MAX_SENDERS];
    int n_snd;
    int running;
    wjob_t *spare; /* recycled jobs (their buffers keep their capacity) */
    int n_spare;
} wpool_t;

struct worker_s {
    const config_t *cfg;
    worker_mode_t mode;
    sink_t *sink; /* consumer thread: llm_spans_rejected inserts, and the rows when no senders */
    metrics_t *m;
    const log_t *lg;
    worker_hooks_t hooks;
    kafka_consumer_t *kc;
    dlq_t *dlq;
    jspan_dec_t *dec;
    otlp_dec_t *otlp; /* OTLP trace records (topics NAME:otlp_proto / NAME:otlp_json) */
    eval_dec_t *edec;    /* topics NAME:eval (NULL when none) */
    outcome_dec_t *odec; /* topics NAME:outcome (NULL when none) */
    eval_limits_t elim;
    /* gen_ai.evaluation.result rows of one OTLP record: span events of trace topics (attached
     * to otlp unless legacy) and log records of otlp_logs_* topics. NULL when neither. */
    otlp_evq_t *evq;
    int evq_attached;
    otlp_evq_stats_t evst, pub_evst;
    eval_t eval;
    outcome_t outcome;
    validate_opts_t vopts;
    price_table_t *prices;
    tenant_table_t *tenants;
    tenant_policy_t tpolicy;
    wtarget_t tgt[WT_N];
    char rejected[256];
    span_t span;
    wpart_t *parts[WORKER_MAX_PARTS];
    int n_parts;
    wpart_t *last; /* lookup cache: messages come in runs per partition */
    int fatal;     /* an unrecoverable error happened: stop without committing more */
    int any_assigned;
    sink_backoff_t backoff;
    wsender_t inline_snd; /* runs jobs on the consumer thread when there are no senders */
    wpool_t pool;
    worker_stats_t st;
    uint64_t consumed_k[WT_N], inserted_k[WT_N];         /* per kind, as st.consumed/inserted */
    uint64_t pub_consumed[WT_N], pub_inserted[WT_N]; /* already published to metrics */
    int crash_after, crash_count;        /* test hook, see job_done() */
    _Atomic int64_t stop_ms;             /* when a stop was first seen (0 = not yet); any thread */
    int64_t lag_ms;                      /* when the lag gauges were last set on the timer */
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

/* True once a stop request has lasted WORKER_STOP_GRACE_MS (or a second one came): retries
 * give up, requests in flight are cancelled. Any thread. */
static int stop_expired(worker_t *w) {
    if (!w->hooks.stop || !*w->hooks.stop) return 0;
    if (*w->hooks.stop > 1) return 1;
    int64_t now = now_ms(), zero = 0;
    atomic_compare_exchange_strong(&w->stop_ms, &zero, now);
    if (now - atomic_load(&w->stop_ms) < WORKER_STOP_GRACE_MS) return 0;
    if (w->hooks.cancel) *w->hooks.cancel = 1;
    atomic_store(&w->pool.abort, 1);
    return 1;
}

/* ---- batches */

static void wbatch_clear(wbatch_t *b) {
    for (int t = 0; t < WT_N; t++) {
        buf_reset(&b->t[t].orig);
        buf_reset(&b->t[t].rows);
        b->t[t].n_rows = 0;
    }
    buf_reset(&b->rej);
    b->n_rej = 0;
    b->rej_hash = 0;
    b->enc_min = b->enc_max = 0;
}

static void wbatch_deinit(wbatch_t *b) {
    for (int t = 0; t < WT_N; t++) {
        wrows_t *r = &b->t[t];
        buf_deinit(&r->rows);
        buf_deinit(&r->orig);
        free(r->row_off);
        free(r->row_end);
        free(r->orig_beg);
        free(r->orig_end);
        free(r->key_len);
    }
    buf_deinit(&b->rej);
    free(b->rej_off);
    memset(b, 0, sizeof(*b));
}

/* Gives an empty batch its buffers (rows bounded by the partition budget). Idempotent. */
static void wbatch_init(wbatch_t *b, size_t max_rows_bytes) {
    for (int t = 0; t < WT_N; t++) {
        if (!b->t[t].rows.max) buf_init(&b->t[t].rows, max_rows_bytes);
        if (!b->t[t].orig.max) buf_init(&b->t[t].orig, 0);
    }
    if (!b->rej.max) buf_init(&b->rej, 0);
}

/* Bytes allocated by the batch's buffers (rows, originals, rejected rows). */
static size_t wbatch_capacity(const wbatch_t *b) {
    size_t n = b->rej.cap;
    for (int t = 0; t < WT_N; t++)
        n += b->t[t].rows.cap + b->t[t].orig.cap;
    return n;
}

/* Rows of every table. */
static size_t wbatch_rows(const wbatch_t *b) {
    size_t n = 0;
    for (int t = 0; t < WT_N; t++) n += b->t[t].n_rows;
    return n;
}

/* RowBinary bytes of every table. */
static size_t wbatch_row_bytes(const wbatch_t *b) {
    size_t n = 0;
    for (int t = 0; t < WT_N; t++) n += b->t[t].rows.len;
    return n;
}

/* Bytes held: rows and original messages. */
static size_t wbatch_held(const wbatch_t *b) {
    size_t n = b->rej.len;
    for (int t = 0; t < WT_N; t++) n += b->t[t].rows.len + b->t[t].orig.len;
    return n;
}

/* A mark to take back what one record added (an OTLP record is all-or-nothing). */
typedef struct wmark_s {
    size_t rows_len[WT_N], orig_len[WT_N], n_rows[WT_N];
} wmark_t;

static void wbatch_mark(const wbatch_t *b, wmark_t *m) {
    for (int t = 0; t < WT_N; t++) {
        m->rows_len[t] = b->t[t].rows.len;
        m->orig_len[t] = b->t[t].orig.len;
        m->n_rows[t] = b->t[t].n_rows;
    }
}

static void wbatch_rollback(wbatch_t *b, const wmark_t *m) {
    for (int t = 0; t < WT_N; t++) {
        buf_restore(&b->t[t].rows, m->rows_len[t]);
        buf_restore(&b->t[t].orig, m->orig_len[t]);
        b->t[t].n_rows = m->n_rows[t];
    }
}

static int push_row(wrows_t *b, int64_t off, const void *key, size_t key_len, const void *payload,
                    size_t len) {
    if (b->n_rows == b->cap_rows) {
        size_t nc = b->cap_rows ? b->cap_rows * 2 : 1024;
        int64_t *o = realloc(b->row_off, nc * sizeof(*o));
        if (!o) return ERR_NOMEM;
        b->row_off = o;
        size_t *e = realloc(b->row_end, nc * sizeof(*e));
        if (!e) return ERR_NOMEM;
        b->row_end = e;
        e = realloc(b->orig_beg, nc * sizeof(*e));
        if (!e) return ERR_NOMEM;
        b->orig_beg = e;
        e = realloc(b->orig_end, nc * sizeof(*e));
        if (!e) return ERR_NOMEM;
        b->orig_end = e;
        e = realloc(b->key_len, nc * sizeof(*e));
        if (!e) return ERR_NOMEM;
        b->key_len = e;
        b->cap_rows = nc;
    }
    size_t i = b->n_rows;
    if (i && b->row_off[i - 1] == off) { /* another row of the same record: share its bytes */
        b->orig_beg[i] = b->orig_beg[i - 1];
        b->orig_end[i] = b->orig_end[i - 1];
    } else {
        b->orig_beg[i] = b->orig.len;
        if (key_len) buf_put(&b->orig, key, key_len);
        if (len) buf_put(&b->orig, payload, len);
        if (buf_error(&b->orig)) return buf_error(&b->orig);
        b->orig_end[i] = b->orig.len;
    }
    b->row_off[i] = off;
    b->row_end[i] = b->rows.len;
    b->key_len[i] = key_len;
    b->n_rows++;
    return ERR_OK;
}

static int push_rej(wbatch_t *b, int64_t off) {
    if (b->n_rej == b->cap_rej) {
        size_t nc = b->cap_rej ? b->cap_rej * 2 : 64;
        int64_t *o = realloc(b->rej_off, nc * sizeof(*o));
        if (!o) return ERR_NOMEM;
        b->rej_off = o;
        b->cap_rej = nc;
    }
    b->rej_off[b->n_rej++] = off;
    return ERR_OK;
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
    wbatch_clear(&p->b);
    p->opened_ms = 0;
    p->open_planned = 0;
}

static config_fmt_t topic_format(const worker_t *w, const char *topic);

static wtable_t fmt_kind(config_fmt_t f) {
    if (f == CONFIG_FMT_EVAL || f == CONFIG_FMT_OTLP_LOGS_PROTO || f == CONFIG_FMT_OTLP_LOGS_JSON) return WT_EVAL;
    return f == CONFIG_FMT_OUTCOME ? WT_OUTCOME : WT_SPAN;
}

static void part_free(wpart_t *p) {
    if (!p) return;
    wbatch_deinit(&p->b);
    free(p->topic);
    free(p);
}

static wpart_t *part_get(worker_t *w, const char *topic, int32_t partition) {
    wpart_t *p = part_find(w, topic, partition);
    if (p) return p;
    if (w->n_parts == WORKER_MAX_PARTS) {
        /* Full: reuse the slot of a partition we no longer own and that has nothing in flight
         * (rebalances over a long life can name more partitions than we ever hold at once). */
        for (int i = 0; i < w->n_parts; i++)
            if (!w->parts[i]->active && w->parts[i]->n_jobs == 0) {
                if (w->last == w->parts[i]) w->last = NULL;
                part_free(w->parts[i]);
                w->parts[i] = w->parts[--w->n_parts];
                break;
            }
        if (w->n_parts == WORKER_MAX_PARTS) return NULL;
    }
    p = calloc(1, sizeof(*p));
    if (!p || !(p->topic = strdup(topic))) {
        free(p);
        return NULL;
    }
    p->partition = partition;
    p->fmt = topic_format(w, topic);
    p->kind = fmt_kind(p->fmt);
    p->stop_at = -1;
    p->committed = -1;
    wbatch_init(&p->b, (size_t)w->cfg->partition_max_bytes);
    w->parts[w->n_parts++] = p;
    return p;
}

/* Publishes how many assigned partitions backpressure holds paused. */
static void publish_paused(worker_t *w) {
    if (!w->m) return;
    int n = 0;
    for (int i = 0; i < w->n_parts; i++) n += w->parts[i]->active && w->parts[i]->paused;
    metrics_gauge_set(w->m, "spanhouse_paused_partitions", NULL, n);
}

static void pause_all(worker_t *w) {
    if (!w->kc) return;
    for (int i = 0; i < w->n_parts; i++)
        if (w->parts[i]->active && !w->parts[i]->paused) {
            kafka_pause(w->kc, w->parts[i]->topic, w->parts[i]->partition, 1, -1);
            w->parts[i]->paused = 1;
        }
    publish_paused(w);
}

/* Inserts work again: resume what backpressure paused, from where we are. */
static void resume_all(worker_t *w) {
    if (!w->kc) return;
    int any = 0;
    for (int i = 0; i < w->n_parts; i++)
        if (w->parts[i]->paused && w->parts[i]->active) {
            kafka_pause(w->kc, w->parts[i]->topic, w->parts[i]->partition, 0, w->parts[i]->bp.next);
            w->parts[i]->paused = 0;
            any = 1;
        }
    if (any) publish_paused(w);
}

/* ---- sender side (any thread): only the job, the sender's sink, cfg, metrics and logs */

static int rows_stored(wsender_t *s, wjob_t *j, wtable_t t, size_t lo, size_t hi, const char *why);

/* Inserts rows [lo, hi) of table t of the job with the token of their offset range, retrying
 * retryable errors with backoff until retry-max-ms. Returns ERR_OK, ERR_SERVER_REJECTED (res
 * filled), ERR_SERVER_FATAL, or a retry-class error when the time ran out. */
static int insert_rows(wsender_t *s, wjob_t *j, wtable_t t, size_t lo, size_t hi, sink_result_t *res) {
    worker_t *w = s->w;
    wrows_t *b = &j->b.t[t];
    const wtarget_t *tg = &w->tgt[t];
    size_t b0 = lo ? b->row_end[lo - 1] : 0, b1 = b->row_end[hi - 1];
    char token[512];
    /* The token names the rows' source range and their original bytes: the same records
     * re-sent get the same token, other records under the same coordinates another one. */
    uint64_t content =
        XXH3_64bits(b->orig.data + b->orig_beg[lo], b->orig_end[hi - 1] - b->orig_beg[lo]);
    batch_token_rows(token, sizeof(token), j->p->topic, j->p->partition, b->row_off, b->n_rows, lo,
                     hi, content);
    double t0 = mono_s();
    int refused = 0; /* answers that name no transient cause: see below */
    for (;;) {
        double a = mono_s();
        int rc = sink_insert(s->sink, tg->table, tg->columns, tg->structure, b->rows.data + b0, b1 - b0,
                             w->cfg->legacy ? NULL : token, res);
        if (w->m) metrics_histogram_observe(w->m, "spanhouse_insert_seconds", NULL, mono_s() - a);
        if (rc == ERR_OK) {
            sink_backoff_reset(&s->backoff);
            return ERR_OK;
        }
        if (rc == ERR_SERVER_REJECTED || rc == ERR_SERVER_FATAL) return rc;
        /* The server answers, again and again for this batch, with a code we do not know or a
         * memory limit: what it cannot take may be the batch itself (its size, or one row).
         * After WORKER_SPLIT_AFTER such answers the batch is split like a data error (each
         * half with its own token); a single row is dead-lettered only when rows of the same
         * job were stored meanwhile (the server works, it refuses this row), else it is
         * retried like any transient error. A memory limit never dead-letters a row. */
        int unknown = res->ch_code && !sink_code_name(res->ch_code);
        if (res->http_status >= 500 && (unknown || res->ch_code == 241) &&
            ++refused >= WORKER_SPLIT_AFTER && (hi - lo > 1 || (unknown && j->inserted > 0)))
            return ERR_SERVER_REJECTED;
        double spent_ms = (mono_s() - t0) * 1000;
        log_line_t l;
        log_begin(w->lg, &l, LOG_WARN, "insert_retry");
        log_str(&l, "table", tg->table);
        log_str(&l, "token", token);
        log_str(&l, "error", err_name(rc));
        log_int(&l, "ch_code", res->ch_code);
        log_int(&l, "http_status", res->http_status);
        log_str(&l, "msg", res->msg);
        log_int(&l, "spent_ms", (int64_t)spent_ms);
        log_end(&l);
        if (spent_ms >= (double)w->cfg->retry_max_ms || stop_expired(w) ||
            atomic_load(&w->pool.abort))
            return rc;
        j->retries++;
        if (w->m) metrics_counter_add(w->m, "spanhouse_insert_retries_total", NULL, 1);
        int64_t d = (int64_t)sink_backoff_next(&s->backoff);
        int64_t left = w->cfg->retry_max_ms - (int64_t)spent_ms;
        if (s != &w->inline_snd) {
            /* Tell the consumer thread: it pauses fetching while ClickHouse is unwell. */
            pthread_mutex_lock(&w->pool.mu);
            w->pool.n_retrying++;
            pthread_cond_broadcast(&w->pool.done);
            pthread_mutex_unlock(&w->pool.mu);
        } else {
            pause_all(w);
        }
        sleep_ms(d < left ? d : left);
        if (s != &w->inline_snd) {
            pthread_mutex_lock(&w->pool.mu);
            w->pool.n_retrying--;
            pthread_mutex_unlock(&w->pool.mu);
        } else {
            dlq_poll(w->dlq);
        }
        /* The failed attempt may have been stored (a lost answer, a timeout, an error after
         * the write): ask before sending it again. */
        if ((rc == ERR_TIMEOUT || rc == ERR_NETWORK ||
             (res->http_status >= 500 && res->http_status != 503)) &&
            rows_stored(s, j, t, lo, hi, "retry")) {
            memset(res, 0, sizeof(*res));
            sink_backoff_reset(&s->backoff);
            return ERR_OK;
        }
    }
}

/* Bisects [lo, hi) until the rows the server refuses are isolated; records those in j->bad
 * (each sub-range carries the token of its own offset range, so a retry is deterministic). */
static int insert_split(wsender_t *s, wjob_t *j, wtable_t t, size_t lo, size_t hi) {
    worker_t *w = s->w;
    sink_result_t res;
    int rc = insert_rows(s, j, t, lo, hi, &res);
    if (rc != ERR_SERVER_REJECTED) {
        if (rc == ERR_OK) j->inserted += hi - lo;
        else {
            log_line_t l;
            log_begin(w->lg, &l, LOG_ERROR, "insert_failed");
            log_str(&l, "table", w->tgt[t].table);
            log_str(&l, "topic", j->p->topic);
            log_int(&l, "partition", j->p->partition);
            log_int(&l, "first", j->b.t[t].row_off[lo]);
            log_int(&l, "last", j->b.t[t].row_off[hi - 1]);
            log_str(&l, "error", err_name(rc));
            log_int(&l, "ch_code", res.ch_code);
            log_str(&l, "msg", res.msg);
            log_end(&l);
        }
        return rc;
    }
    if (hi - lo == 1) {
        if (j->n_bad == j->cap_bad) {
            size_t nc = j->cap_bad ? j->cap_bad * 2 : 8;
            wbad_t *nb = realloc(j->bad, nc * sizeof(*nb));
            if (!nb) return ERR_NOMEM;
            j->bad = nb;
            j->cap_bad = nc;
        }
        if (!(j->bad[j->n_bad].msg = strdup(res.msg))) return ERR_NOMEM;
        j->bad[j->n_bad].t = t;
        j->bad[j->n_bad++].row = lo;
        return ERR_OK;
    }
    size_t mid = lo + (hi - lo) / 2;
    rc = insert_split(s, j, t, lo, mid);
    if (rc != ERR_OK) return rc;
    return insert_split(s, j, t, mid, hi);
}

/* Whether rows [lo, hi) of table t of the job are stored already, asked of the table itself
 * by their Kafka coordinates: it holds exactly hi - lo rows at offsets off[lo]..off[hi - 1].
 * Asked (1) for a range a previous owner announced, before it is sent again, and (2) before
 * every retry of an insert whose answer was lost or an error (it may have been stored). A
 * token makes the server drop such a re-send, but only inside the table's dedup window, which
 * every worker's inserts share; and a re-sent evaluation batch whose span arrived meanwhile
 * makes llm_quality_1m's view produce a block the first attempt did not (empty then), which
 * no token drops: the pair would be counted twice. Not re-sending what is stored avoids both.
 * Anything but an exact count (none, part of a bisected batch, an error asking) means "send,
 * with the token". Runs on the sender's own connection; one query per re-read range or retry. */
static int rows_stored(wsender_t *s, wjob_t *j, wtable_t t, size_t lo, size_t hi, const char *why) {
    worker_t *w = s->w;
    const wrows_t *b = &j->b.t[t];
    char sql[1024], enc[192] = "", *out = NULL;
    /* A retry re-sends this job's own bytes: its rows carry the job's encode times, so other
     * data at the same coordinates (a second file, a re-created topic) cannot pass for them. */
    if (!strcmp(why, "retry") && j->b.enc_min) {
        if (w->cfg->legacy)
            snprintf(enc, sizeof(enc), " AND ingested_at BETWEEN %" PRId64 " AND %" PRId64,
                     j->b.enc_min, j->b.enc_max);
        else
            snprintf(enc, sizeof(enc),
                     " AND ingested_at BETWEEN fromUnixTimestamp64Milli(%" PRId64 ") AND "
                     "fromUnixTimestamp64Milli(%" PRId64 ")",
                     j->b.enc_min, j->b.enc_max);
    }
    snprintf(sql, sizeof(sql),
             "SELECT count() FROM %s WHERE kafka_topic = '%s' AND kafka_partition = %d AND "
             "kafka_offset BETWEEN "
             "%" PRId64 " AND %" PRId64 "%s FORMAT TabSeparated",
             w->tgt[t].table, j->p->topic, (int)j->p->partition, b->row_off[lo], b->row_off[hi - 1],
             enc);
    sink_result_t res;
    int stored = 0;
    if (strchr(j->p->topic, '\'') || sink_exec(s->sink, sql, &out, &res) != ERR_OK) {
        log_msg(w->lg, LOG_WARN, "range_check_failed", out ? out : res.msg);
    } else {
        stored = strtoull(out, NULL, 10) == hi - lo;
        log_line_t l;
        log_begin(w->lg, &l, LOG_INFO, stored ? "range_already_stored" : "range_not_stored");
        log_str(&l, "why", why);
        log_str(&l, "table", w->tgt[t].table);
        log_str(&l, "topic", j->p->topic);
        log_int(&l, "partition", j->p->partition);
        log_int(&l, "first", b->row_off[lo]);
        log_int(&l, "last", b->row_off[hi - 1]);
        log_int(&l, "rows", (int64_t)(hi - lo));
        log_end(&l);
    }
    free(out);
    return stored;
}

/* Inserts every table's rows of the job, one insert per table (same offset range, same
 * token); the job is done only when all of them are. */
static void job_run(wsender_t *s, wjob_t *j) {
    double t0 = mono_s();
    j->rc = ERR_OK;
    for (int t = 0; t < WT_N && j->rc == ERR_OK; t++) {
        if (atomic_load(&s->w->pool.abort)) j->rc = ERR_SERVER_FATAL;
        else if (j->b.t[t].n_rows && j->restored &&
                 rows_stored(s, j, (wtable_t)t, 0, j->b.t[t].n_rows, "restart")) {
            j->already += j->b.t[t].n_rows;
        } else if (j->b.t[t].n_rows) {
            uint64_t before = j->inserted;
            j->rc = insert_split(s, j, (wtable_t)t, 0, j->b.t[t].n_rows);
            j->inserted_k[t] = j->inserted - before;
        }
    }
    j->seconds = mono_s() - t0;
}

static void *sender_main(void *arg) {
    wsender_t *s = arg;
    wpool_t *pl = &s->w->pool;
    pthread_mutex_lock(&pl->mu);
    for (;;) {
        while (!pl->todo && !pl->stopping) pthread_cond_wait(&pl->work, &pl->mu);
        wjob_t *j = pl->todo;
        if (!j) break; /* stopping and nothing left */
        pl->todo = j->next;
        if (!pl->todo) pl->todo_tail = NULL;
        pthread_mutex_unlock(&pl->mu);
        job_run(s, j);
        pthread_mutex_lock(&pl->mu);
        j->next = pl->fin;
        pl->fin = j;
        pthread_cond_broadcast(&pl->done);
    }
    pthread_mutex_unlock(&pl->mu);
    return NULL;
}

/* ---- Kafka events */

static void pool_wait_part(worker_t *w, wpart_t *p);

static void on_assigned(void *opaque, const char *topic, int32_t partition, int64_t committed,
                        const char *meta, size_t meta_len, int err) {
    worker_t *w = opaque;
    if (err != ERR_OK) {
        /* Without the committed metadata the announced cuts are unknown: consuming would re-cut
         * ranges that may be stored under other tokens. Stop (nothing is committed); the
         * restart reads them again. */
        log_line_t l;
        log_begin(w->lg, &l, LOG_ERROR, "committed_fetch_failed");
        log_str(&l, "topic", topic);
        log_int(&l, "partition", partition);
        log_end(&l);
        if (!w->fatal) w->fatal = ERR_KAFKA;
        return;
    }
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
    p->gen++;
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
    /* Batches in flight finish first (and are committed if stored), so nothing of this
     * partition is sent after we let it go; the open batch is dropped uncommitted, and the
     * next owner re-reads it from the committed offset. */
    pool_wait_part(w, p);
    log_line_t l;
    log_begin(w->lg, &l, LOG_INFO, "partition_revoked");
    log_str(&l, "topic", topic);
    log_int(&l, "partition", partition);
    log_int(&l, "dropped_rows", (int64_t)wbatch_rows(&p->b));
    log_end(&l);
    part_clear_batch(p);
    /* Give back the open batch's memory: a revoked partition may never come back. */
    wbatch_deinit(&p->b);
    wbatch_init(&p->b, (size_t)w->cfg->partition_max_bytes);
    batch_part_init(&p->bp, 0);
    p->active = 0;
    p->gen++;
}

static void on_dlq_done(void *opaque, const char *topic, int32_t partition, int64_t offset,
                        uint64_t gen, int err) {
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
    /* A report from before a revocation must not release a hold of the range re-read since. */
    if (p && p->active && p->gen == gen) batch_part_release(&p->bp, offset);
}

/* Waits for the delivery report of every dead letter queued. The DLQ producer retries without
 * end, so a DLQ outage holds the batch (nothing past it is committed) rather than failing the
 * worker; only a stop that outlasts its grace (WORKER_STOP_GRACE_MS) gives up, without
 * committing the batch. */
static int dlq_wait(worker_t *w) {
    double t0 = mono_s(), next_log = 10;
    while (dlq_flush(w->dlq, 1000) > 0) {
        if (w->fatal) return w->fatal;
        double waited = mono_s() - t0;
        int expired = stop_expired(w);
        if (waited >= next_log || expired) {
            log_line_t l;
            log_begin(w->lg, &l, LOG_WARN, "dlq_not_confirmed");
            log_int(&l, "pending", dlq_pending(w->dlq));
            log_int(&l, "waited_s", (int64_t)waited);
            log_end(&l);
            next_log *= 2;
            if (expired) return ERR_KAFKA;
        }
    }
    return ERR_OK;
}

/* ---- dead letters (consumer thread) */

/* Dead-letters one record of kind k (DLQ topic and/or rejected table, counted per kind). */
static int dead_letter(worker_t *w, wpart_t *p, wbatch_t *b, wtable_t k, dlq_letter_t *lt) {
    char e[512];
    lt->tag = p->gen;
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
        dlq_encode_rejected(&b->rej, now_ms(), wt_kind[k], lt);
        b->rej_hash =
            XXH3_64bits_withSeed(lt->payload, lt->len, b->rej_hash ^ (uint64_t)lt->offset);
        b->rej_hash = XXH3_64bits_withSeed(lt->key, lt->key_len, b->rej_hash);
        if (buf_error(&b->rej) || push_rej(b, lt->offset) != ERR_OK) return ERR_NOMEM;
    }
    w->st.rejected++;
    if (w->m) {
        char lab[128];
        snprintf(lab, sizeof(lab), "reason=\"%s\",kind=\"%s\"", lt->reason, wt_kind[k]);
        metrics_counter_add(w->m, "spanhouse_rejected_total", lab, 1);
    }
    log_line_t l;
    log_begin(w->lg, &l, LOG_WARN, "dead_letter");
    log_str(&l, "kind", wt_kind[k]);
    log_str(&l, "reason", lt->reason);
    log_str(&l, "field", lt->field);
    log_str(&l, "topic", lt->topic);
    log_int(&l, "partition", lt->partition);
    log_int(&l, "offset", lt->offset);
    log_str(&l, "detail", lt->detail);
    log_end(&l);
    return ERR_OK;
}

static int insert_rejected(worker_t *w, wpart_t *p, wbatch_t *b, batch_range_t r) {
    if (!b->n_rej) return ERR_OK;
    char token[512];
    /* Content: the rejected records and every stored row's record of the range, so identical
     * poison at the same offsets of other data (a second file) is not taken for a re-send. */
    uint64_t content = b->rej_hash;
    for (int t = 0; t < WT_N; t++)
        content = XXH3_64bits_withSeed(b->t[t].orig.data, b->t[t].orig.len, content);
    int n = batch_token(token, sizeof(token), p->topic, p->partition, r, content);
    snprintf(token + n, sizeof(token) - (size_t)n, "-rejected");
    double t0 = mono_s();
    for (;;) {
        sink_result_t res;
        int rc = sink_insert(w->sink, w->rejected, dlq_rejected_columns(),
                             dlq_rejected_structure((int)w->cfg->legacy), b->rej.data, b->rej.len,
                             w->cfg->legacy ? NULL : token, &res);
        if (rc == ERR_OK) break;
        log_line_t l;
        log_begin(w->lg, &l, rc == ERR_SERVER_REJECTED || rc == ERR_SERVER_FATAL ? LOG_ERROR : LOG_WARN,
                  "rejected_insert_failed");
        log_str(&l, "error", err_name(rc));
        log_str(&l, "msg", res.msg);
        log_end(&l);
        if (rc == ERR_SERVER_REJECTED || rc == ERR_SERVER_FATAL) return ERR_SERVER_FATAL;
        if ((mono_s() - t0) * 1000 >= (double)w->cfg->retry_max_ms || stop_expired(w)) return rc;
        sleep_ms((int64_t)sink_backoff_next(&w->backoff));
    }
    for (size_t i = 0; i < b->n_rej; i++) batch_part_release(&p->bp, b->rej_off[i]);
    return ERR_OK;
}

/* ---- jobs (consumer thread) */

static wjob_t *job_get(worker_t *w) {
    wjob_t *j = w->pool.spare;
    if (j) {
        w->pool.spare = j->next;
        w->pool.n_spare--;
    } else if (!(j = calloc(1, sizeof(*j)))) {
        return NULL;
    }
    j->next = NULL;
    return j;
}

static void job_put(worker_t *w, wjob_t *j) {
    for (size_t i = 0; i < j->n_bad; i++) free(j->bad[i].msg);
    j->n_bad = 0;
    j->inserted = j->retries = j->already = 0;
    memset(j->inserted_k, 0, sizeof(j->inserted_k));
    j->rc = ERR_OK;
    j->p = NULL;
    wbatch_clear(&j->b);
    /* A job's buffers keep their capacity for the next batch, but not what a spike grew them
     * to: above twice the batch limits they are freed and grow again on demand. */
    if (w->pool.n_spare < 2 * w->pool.n_snd + 2 &&
        wbatch_capacity(&j->b) <= 2 * (size_t)w->cfg->batch_max_bytes) {
        j->next = w->pool.spare;
        w->pool.spare = j;
        w->pool.n_spare++;
        return;
    }
    wbatch_deinit(&j->b);
    free(j->bad);
    free(j);
}

/* spanhouse_consumer_lag of p: the broker's high watermark minus the committed position.
 * Set at each commit and on a timer, so it keeps rising while nothing can be committed (a
 * ClickHouse outage), which is when it matters. */
static void publish_lag(worker_t *w, const wpart_t *p) {
    if (!w->m || !w->kc || p->committed < 0) return;
    int64_t hwm = kafka_high_watermark(w->kc, p->topic, p->partition);
    if (hwm < 0) return;
    char lab[320];
    snprintf(lab, sizeof(lab), "topic=\"%s\",partition=\"%d\"", p->topic, (int)p->partition);
    metrics_gauge_set(w->m, "spanhouse_consumer_lag", lab, (double)(hwm - p->committed));
}

/* A job came back: dead-letter the rows the server refused, store the batch's rejected rows,
 * wait for the dead letters, then ack and commit the contiguous prefix. */
static int job_done(worker_t *w, wjob_t *j) {
    wpart_t *p = j->p;
    int rc = j->rc;
    p->n_jobs--;
    w->st.retries += j->retries;
    if (rc != ERR_OK) {
        if (!w->fatal) w->fatal = rc;
        atomic_store(&w->pool.abort, 1);
        job_put(w, j);
        return rc;
    }
    if (!p->active || p->gen != j->gen) { /* lost meanwhile: the next owner re-reads it */
        job_put(w, j);
        return ERR_OK;
    }
    w->st.inserted += j->inserted;
    for (int t = 0; t < WT_N; t++) w->inserted_k[t] += j->inserted_k[t];
    for (size_t i = 0; i < j->n_bad && rc == ERR_OK; i++) {
        /* Dead-lettered with the original key and bytes, not the encoded row. */
        const wrows_t *tb = &j->b.t[j->bad[i].t];
        size_t row = j->bad[i].row, o0 = tb->orig_beg[row], kl = tb->key_len[row];
        const uint8_t *o = tb->orig.data ? tb->orig.data + o0 : (const uint8_t *)"";
        dlq_letter_t lt = {.reason = err_name(ERR_SERVER_REJECTED), .field = "", .detail = j->bad[i].msg,
                           .topic = p->topic, .partition = p->partition, .offset = tb->row_off[row],
                           .key = kl ? o : NULL, .key_len = kl, .payload = (const char *)o + kl,
                           .len = tb->orig_end[row] - o0 - kl, .payload_format = "original"};
        rc = dead_letter(w, p, &j->b, j->bad[i].t, &lt);
    }
    if (rc == ERR_OK) rc = insert_rejected(w, p, &j->b, j->r);
    if (rc == ERR_OK && w->dlq) rc = dlq_wait(w);
    if (rc == ERR_OK && w->fatal) rc = w->fatal;
    if (rc != ERR_OK) {
        if (!w->fatal) w->fatal = rc;
        atomic_store(&w->pool.abort, 1);
        job_put(w, j);
        return rc;
    }
    if (w->crash_after && ++w->crash_count >= w->crash_after) {
        /* Test hook (SPANHOUSE_TEST_CRASH_AFTER_INSERTS): die between the insert and the
         * commit, the window where only the announced cut + dedup token prevent a duplicate. */
        log_msg(w->lg, LOG_WARN, "test_crash", "exiting between insert and commit");
        _exit(9);
    }
    batch_part_ack(&p->bp, j->r.first);
    int64_t pos = batch_part_commit_pos(&p->bp);
    w->st.batches++;
    if (w->m) {
        metrics_histogram_observe(w->m, "spanhouse_batch_rows", NULL, (double)wbatch_rows(&j->b));
        metrics_histogram_observe(w->m, "spanhouse_batch_bytes", NULL, (double)j->bytes);
    }
    log_line_t l;
    log_begin(w->lg, &l, LOG_DEBUG, "batch_stored");
    log_str(&l, "topic", p->topic);
    log_int(&l, "partition", p->partition);
    log_int(&l, "first", j->r.first);
    log_int(&l, "last", j->r.last);
    log_int(&l, "rows", (int64_t)wbatch_rows(&j->b));
    log_int(&l, "bytes", (int64_t)j->bytes);
    log_int(&l, "already_stored", (int64_t)j->already);
    log_dbl(&l, "seconds", j->seconds);
    log_end(&l);
    job_put(w, j);
    if (w->kc && pos != p->committed) {
        char meta[BATCH_META_MAX], e[512];
        int ml = batch_part_metadata(&p->bp, meta, sizeof(meta));
        int crc = kafka_commit(w->kc, p->topic, p->partition, pos, meta, ml > 0 ? (size_t)ml : 0, 1, NULL, e, sizeof(e));
        if (crc != ERR_OK) log_msg(w->lg, LOG_WARN, "commit_failed", e); /* re-read, same cut */
        else p->committed = pos;
        publish_lag(w, p);
    }
    resume_all(w);
    return ERR_OK;
}

/* Takes back finished jobs and handles them. Waits up to wait_ms (-1: until at least one
 * comes back, if any is out) when none is ready. Returns the first error, or ERR_OK. */
static int pool_reap(worker_t *w, int wait_ms) {
    wpool_t *pl = &w->pool;
    if (!pl->running) return ERR_OK;
    struct timespec dl;
    if (wait_ms > 0) {
        clock_gettime(CLOCK_REALTIME, &dl);
        dl.tv_sec += wait_ms / 1000;
        dl.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
        if (dl.tv_nsec >= 1000000000L) {
            dl.tv_sec++;
            dl.tv_nsec -= 1000000000L;
        }
    }
    pthread_mutex_lock(&pl->mu);
    while (!pl->fin && pl->n_jobs > 0 && wait_ms != 0) {
        if (pl->n_retrying > 0) {
            /* ClickHouse is unwell: stop fetching, memory stays flat. */
            pthread_mutex_unlock(&pl->mu);
            pause_all(w);
            pthread_mutex_lock(&pl->mu);
            if (pl->fin) break;
        }
        if (wait_ms < 0) {
            /* Wakes twice a second so a stop that outlasts its grace cancels what is in
             * flight even while this thread waits for it. */
            struct timespec half;
            clock_gettime(CLOCK_REALTIME, &half);
            half.tv_nsec += 500000000L;
            if (half.tv_nsec >= 1000000000L) {
                half.tv_sec++;
                half.tv_nsec -= 1000000000L;
            }
            if (pthread_cond_timedwait(&pl->done, &pl->mu, &half) == ETIMEDOUT) stop_expired(w);
        } else if (pthread_cond_timedwait(&pl->done, &pl->mu, &dl) == ETIMEDOUT) {
            break;
        }
    }
    wjob_t *fin = pl->fin;
    pl->fin = NULL;
    for (wjob_t *j = fin; j; j = j->next) {
        pl->n_jobs--;
        pl->bytes -= j->bytes;
    }
    pthread_mutex_unlock(&pl->mu);
    /* Handle in submission order where possible: the list is newest first. */
    wjob_t *rev = NULL;
    while (fin) {
        wjob_t *n = fin->next;
        fin->next = rev;
        rev = fin;
        fin = n;
    }
    int rc = ERR_OK;
    while (rev) {
        wjob_t *n = rev->next;
        int r = job_done(w, rev);
        if (rc == ERR_OK) rc = r;
        rev = n;
    }
    return rc;
}

static int pool_outstanding(worker_t *w) {
    pthread_mutex_lock(&w->pool.mu);
    int n = w->pool.n_jobs;
    pthread_mutex_unlock(&w->pool.mu);
    return n;
}

/* Waits until every job of p has come back and been handled. */
static void pool_wait_part(worker_t *w, wpart_t *p) {
    while (p->n_jobs > 0 && pool_outstanding(w) > 0) pool_reap(w, -1);
}

/* Waits until every job has come back and been handled. Returns the first error. */
static int pool_drain(worker_t *w) {
    int rc = ERR_OK;
    while (pool_outstanding(w) > 0) {
        int r = pool_reap(w, -1);
        if (rc == ERR_OK) rc = r;
    }
    return rc;
}

/* Hands a sealed batch to the senders, waiting (and handling results) while the queue or the
 * in-flight byte budget is full. Without senders the job runs here and now. */
static int pool_submit(worker_t *w, wjob_t *j) {
    wpool_t *pl = &w->pool;
    j->p->n_jobs++;
    if (!pl->running) {
        job_run(&w->inline_snd, j);
        return job_done(w, j);
    }
    int rc = ERR_OK;
    for (;;) {
        pthread_mutex_lock(&pl->mu);
        int full = pl->n_jobs >= 2 * pl->n_snd ||
                   (pl->n_jobs > 0 && (int64_t)(pl->bytes + j->bytes) > w->cfg->max_inflight_bytes);
        if (!full) break;
        pthread_mutex_unlock(&pl->mu);
        int r = pool_reap(w, -1);
        if (rc == ERR_OK) rc = r;
    }
    j->next = NULL;
    if (pl->todo_tail) pl->todo_tail->next = j;
    else pl->todo = j;
    pl->todo_tail = j;
    pl->n_jobs++;
    pl->bytes += j->bytes;
    pthread_cond_signal(&pl->work);
    pthread_mutex_unlock(&pl->mu);
    return rc;
}

static int pool_start(worker_t *w, char *errstr, size_t errstr_size) {
    wpool_t *pl = &w->pool;
    for (int i = 0; i < pl->n_snd; i++) {
        if (pthread_create(&pl->snd[i].th, NULL, sender_main, &pl->snd[i]) != 0) {
            snprintf(errstr, errstr_size, "cannot start sender thread %d", i);
            return ERR_NOMEM;
        }
        pl->snd[i].started = 1;
        pl->running = 1;
    }
    return ERR_OK;
}

static void pool_stop(worker_t *w) {
    wpool_t *pl = &w->pool;
    pthread_mutex_lock(&pl->mu);
    pl->stopping = 1;
    pthread_cond_broadcast(&pl->work);
    pthread_mutex_unlock(&pl->mu);
    for (int i = 0; i < pl->n_snd; i++)
        if (pl->snd[i].started) {
            pthread_join(pl->snd[i].th, NULL);
            pl->snd[i].started = 0;
        }
    pl->running = 0;
}

/* Seals the open batch of p, announces the cut in the commit metadata and hands it to the
 * senders; its result is handled (dead letters, ack, commit) when it comes back. */
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
    wjob_t *j = job_get(w);
    if (!j) {
        w->fatal = ERR_NOMEM;
        return ERR_NOMEM;
    }
    /* The job takes the batch; the partition gets the job's old (empty) buffers. */
    wbatch_t empty = j->b;
    j->b = p->b;
    p->b = empty;
    wbatch_init(&p->b, (size_t)w->cfg->partition_max_bytes);
    for (int t = 0; t < WT_N; t++)
        p->b.t[t].rows.max = (size_t)w->cfg->partition_max_bytes; /* lifted for a planned range */
    p->opened_ms = 0;
    j->p = p;
    j->gen = p->gen;
    j->r = r;
    j->restored = p->open_planned;
    p->open_planned = 0;
    j->bytes = wbatch_held(&j->b);
    int rc = pool_submit(w, j);
    if (rc == ERR_OK && w->fatal) rc = w->fatal;
    return rc;
}

/* ---- one message */

static int encode_span(worker_t *w, wpart_t *p, span_t *s, const char *topic, int64_t off,
                       const void *key, size_t key_len, const char *payload, size_t len,
                       int64_t now);
/* Flat JSON: one span per message; a rejected message is dead-lettered with its bytes. */
static int process_json(worker_t *w, wpart_t *p, const char *topic, int64_t off, const void *key,
                        size_t key_len, const char *payload, size_t len, int64_t now) {
    int rc;
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
        return dead_letter(w, p, &p->b, WT_SPAN, &lt);
    }
    return encode_span(w, p, s, topic, off, key, key_len, payload, len, now);
}

/* Enriches one span and encodes it into partition p's open batch, with the original message
 * kept beside it (a row the server refuses is dead-lettered with those bytes). */
static int encode_span(worker_t *w, wpart_t *p, span_t *s, const char *topic, int64_t off,
                       const void *key, size_t key_len, const char *payload, size_t len,
                       int64_t now) {
    price_apply(w->prices, s);
    tenant_apply(w->tenants, w->tpolicy, s);
    s->kafka_topic = span_str(topic, strlen(topic));
    s->kafka_partition = p->partition;
    s->kafka_offset = off;
    s->ingested_ms = now;
    wrows_t *r = &p->b.t[WT_SPAN];
    rowbin_encode_span(&r->rows, s);
    if (buf_error(&r->rows)) return buf_error(&r->rows);
    return push_row(r, off, key, key_len, payload, payload ? len : 0);
}

typedef struct otlp_ctx_s {
    worker_t *w;
    wpart_t *p;
    const char *topic;
    int64_t off, now;
    const void *key;
    size_t key_len;
    const char *payload;
    size_t len;
    int rc;            /* first encode error */
    int bad;           /* validation error of the first bad span */
    const char *field; /* its field */
    uint64_t index;    /* spans seen so far */
} otlp_ctx_t;

static int otlp_row_cb(void *ctx, span_t *s) {
    otlp_ctx_t *c = ctx;
    const char *field = NULL;
    c->index++;
    int rc = validate_span(&c->w->vopts, s, c->now, &field);
    if (rc != ERR_OK) {
        c->bad = rc;
        c->field = field;
        return 1; /* stop: the whole record goes to the DLQ */
    }
    if ((rc = encode_span(c->w, c->p, s, c->topic, c->off, c->key, c->key_len, c->payload, c->len,
                          c->now)) != ERR_OK) {
        c->rc = rc;
        return 1;
    }
    return 0;
}

static int encode_evq(worker_t *w, wpart_t *p, const char *topic, int64_t off, const void *key,
                      size_t key_len, const char *payload, size_t len, int64_t now,
                      int all_or_nothing);

/* OTLP trace export request: many spans per message, all-or-nothing. The spans of one record
 * all carry its offset; if the record is malformed or any of its LLM spans fails validation,
 * the rows already encoded from it are taken back and the record is dead-lettered whole, with
 * its original bytes. A record without LLM spans stores nothing and is simply passed. */
static int process_otlp(worker_t *w, wpart_t *p, config_fmt_t fmt, const char *topic, int64_t off,
                        const void *key, size_t key_len, const char *payload, size_t len,
                        int64_t now) {
    otlp_ctx_t c = {.w = w, .p = p, .topic = topic, .off = off, .now = now,
                    .key = key, .key_len = key_len, .payload = payload, .len = len};
    otlp_stats_t st;
    memset(&st, 0, sizeof(st));
    char detail[256] = "";
    wmark_t mark;
    wbatch_mark(&p->b, &mark);
    if (w->evq_attached) {
        int brc = otlp_evq_begin(w->evq, payload ? len : 0, now);
        if (brc != ERR_OK) return brc;
    }
    int rc = fmt == CONFIG_FMT_OTLP_PROTO
                 ? otlp_proto_decode(w->otlp, (const uint8_t *)(payload ? payload : ""),
                                     payload ? len : 0, otlp_row_cb, &c, &st, detail, sizeof(detail))
                 : otlp_json_decode(w->otlp, payload ? payload : "", payload ? len : 0, otlp_row_cb,
                                    &c, &st, detail, sizeof(detail));
    if (c.rc != ERR_OK) return c.rc;
    if (w->m && st.spans_skipped_non_llm)
        metrics_counter_add(w->m, "spanhouse_otlp_spans_skipped_total", NULL, st.spans_skipped_non_llm);
    if (rc == ERR_OK && !c.bad) {
        if (!w->evq_attached) return ERR_OK;
        otlp_evq_end(w->evq, &w->evst);
        /* Span events: the spans are stored whatever their evaluation events hold; a rejected
         * event sends a copy of the record to the DLQ (kind eval), see encode_evq(). */
        return encode_evq(w, p, topic, off, key, key_len, payload, len, now, 0);
    }
    wbatch_rollback(&p->b, &mark);
    if (c.bad) {
        rc = c.bad;
        snprintf(detail, sizeof(detail), "span %llu of the record: %s%s%s",
                 (unsigned long long)c.index, err2str(rc), c.field ? " in " : "",
                 c.field ? c.field : "");
    }
    dlq_letter_t lt = {.reason = err_name(rc), .field = c.field ? c.field : "",
                       .detail = detail[0] ? detail : err2str(rc), .topic = topic,
                       .partition = p->partition, .offset = off, .key = key, .key_len = key_len,
                       .payload = payload, .len = len, .payload_format = "original"};
    return dead_letter(w, p, &p->b, WT_SPAN, &lt);
}

/* Encodes one valid eval into partition p's batch for llm_evals, with the record kept beside
 * it (shared by the rows of one record). */
static int encode_eval(wpart_t *p, eval_t *e, const char *topic, int64_t off, const void *key,
                       size_t key_len, const char *payload, size_t len, int64_t now) {
    e->kafka_topic = span_str(topic, strlen(topic));
    e->kafka_partition = p->partition;
    e->kafka_offset = off;
    e->ingested_ms = now;
    wrows_t *r = &p->b.t[WT_EVAL];
    eval_encode(&r->rows, e);
    if (buf_error(&r->rows)) return buf_error(&r->rows);
    return push_row(r, off, key, key_len, payload, payload ? len : 0);
}

/* The evaluation rows w->evq holds for the record at off. all_or_nothing (logs topics): any
 * rejected entry or overflow dead-letters the whole record and stores none of its rows.
 * Otherwise (span events of a trace record, whose spans are already encoded): the valid rows
 * are stored and, if an entry was rejected, a copy of the record goes to the DLQ with that
 * entry's reason and a detail saying the rest was stored. */
static int encode_evq(worker_t *w, wpart_t *p, const char *topic, int64_t off, const void *key,
                      size_t key_len, const char *payload, size_t len, int64_t now,
                      int all_or_nothing) {
    size_t n = otlp_evq_count(w->evq), over = otlp_evq_overflow(w->evq), bad = n, n_bad = 0;
    for (size_t i = 0; i < n; i++)
        if (otlp_evq_get(w->evq, i)->rc != ERR_OK && n_bad++ == 0) bad = i;
    if (!(all_or_nothing && (n_bad || over))) {
        for (size_t i = 0; i < n; i++) {
            const otlp_eval_t *ev = otlp_evq_get(w->evq, i);
            if (ev->rc != ERR_OK) continue;
            eval_t e = ev->e;
            int rc = encode_eval(p, &e, topic, off, key, key_len, payload, len, now);
            if (rc != ERR_OK) return rc;
        }
    }
    if (!n_bad && !over) return ERR_OK;
    int code = n_bad ? otlp_evq_get(w->evq, bad)->rc : ERR_OVERSIZED;
    const char *field = n_bad && otlp_evq_get(w->evq, bad)->field ? otlp_evq_get(w->evq, bad)->field : "";
    char detail[256];
    if (n_bad)
        snprintf(detail, sizeof(detail), "evaluation event #%zu of the record: %s (%zu of %zu rejected%s)%s",
                 bad, err2str(code), n_bad, n, over ? ", more over the per-record limit" : "",
                 all_or_nothing ? "; nothing of the record stored" : "; its spans and valid evaluations stored");
    else
        snprintf(detail, sizeof(detail), "%zu evaluation events over the per-record limit%s", over,
                 all_or_nothing ? "; nothing of the record stored" : "; its spans and first evaluations stored");
    dlq_letter_t lt = {.reason = err_name(code), .field = field, .detail = detail, .topic = topic,
                       .partition = p->partition, .offset = off, .key = key, .key_len = key_len,
                       .payload = payload, .len = len, .payload_format = "original"};
    return dead_letter(w, p, &p->b, WT_EVAL, &lt);
}

/* OTLP logs export request (topics NAME:otlp_logs_proto / NAME:otlp_logs_json): its
 * gen_ai.evaluation.result log records become llm_evals rows, all or nothing per record; other
 * log records are counted and skipped (a record without evaluations stores nothing). */
static int process_otlp_logs(worker_t *w, wpart_t *p, const char *topic, int64_t off, const void *key,
                             size_t key_len, const char *payload, size_t len, int64_t now) {
    char detail[256] = "";
    int rc = p->fmt == CONFIG_FMT_OTLP_LOGS_PROTO
                 ? otlp_logs_proto_decode(w->evq, (const uint8_t *)(payload ? payload : ""), payload ? len : 0,
                                          now, &w->evst, detail, sizeof(detail))
                 : otlp_logs_json_decode(w->evq, payload ? payload : "", payload ? len : 0, now, &w->evst,
                                         detail, sizeof(detail));
    if (rc == ERR_NOMEM) return rc;
    if (rc != ERR_OK) {
        dlq_letter_t lt = {.reason = err_name(rc), .field = "", .detail = detail[0] ? detail : err2str(rc),
                           .topic = topic, .partition = p->partition, .offset = off, .key = key,
                           .key_len = key_len, .payload = payload, .len = len, .payload_format = "original"};
        return dead_letter(w, p, &p->b, WT_EVAL, &lt);
    }
    return encode_evq(w, p, topic, off, key, key_len, payload, len, now, 1);
}

/* Flat JSON quality evaluation (topics NAME:eval): one row of llm_evals per message. */
static int process_eval(worker_t *w, wpart_t *p, const char *topic, int64_t off, const void *key,
                        size_t key_len, const char *payload, size_t len, int64_t now) {
    const char *field = NULL;
    eval_t *e = &w->eval;
    int rc = eval_decode(w->edec, payload ? payload : "", payload ? len : 0, e, &field);
    if (rc == ERR_OK) rc = eval_validate(&w->elim, e, now, &field);
    if (rc != ERR_OK) {
        dlq_letter_t lt = {.reason = err_name(rc), .field = field ? field : "", .detail = err2str(rc),
                           .topic = topic, .partition = p->partition, .offset = off, .key = key,
                           .key_len = key_len, .payload = payload, .len = len,
                           .payload_format = "original"};
        return dead_letter(w, p, &p->b, WT_EVAL, &lt);
    }
    return encode_eval(p, e, topic, off, key, key_len, payload, len, now);
}

/* Flat JSON business outcome (topics NAME:outcome): one row of llm_outcomes per message. */
static int process_outcome(worker_t *w, wpart_t *p, const char *topic, int64_t off, const void *key,
                           size_t key_len, const char *payload, size_t len, int64_t now) {
    const char *field = NULL;
    outcome_t *o = &w->outcome;
    int rc = outcome_decode(w->odec, payload ? payload : "", payload ? len : 0, o, &field);
    if (rc == ERR_OK) rc = outcome_validate(&w->elim, o, now, &field);
    if (rc != ERR_OK) {
        dlq_letter_t lt = {.reason = err_name(rc), .field = field ? field : "", .detail = err2str(rc),
                           .topic = topic, .partition = p->partition, .offset = off, .key = key,
                           .key_len = key_len, .payload = payload, .len = len,
                           .payload_format = "original"};
        return dead_letter(w, p, &p->b, WT_OUTCOME, &lt);
    }
    o->kafka_topic = span_str(topic, strlen(topic));
    o->kafka_partition = p->partition;
    o->kafka_offset = off;
    o->ingested_ms = now;
    wrows_t *r = &p->b.t[WT_OUTCOME];
    outcome_encode(&r->rows, o);
    if (buf_error(&r->rows)) return buf_error(&r->rows);
    return push_row(r, off, key, key_len, payload, payload ? len : 0);
}

static config_fmt_t topic_format(const worker_t *w, const char *topic) {
    for (int t = 0; t < w->cfg->n_topics; t++)
        if (!strcmp(w->cfg->topics[t].name, topic)) return w->cfg->topics[t].format;
    return CONFIG_FMT_JSON;
}

/* Decodes one record by its topic's format into p's open batch (or dead-letters it). */
static int process_record(worker_t *w, wpart_t *p, const char *topic, int64_t off, const void *key,
                          size_t key_len, const char *payload, size_t len, int64_t now) {
    switch (p->fmt) {
    case CONFIG_FMT_OTLP_PROTO:
    case CONFIG_FMT_OTLP_JSON:
        return process_otlp(w, p, p->fmt, topic, off, key, key_len, payload, len, now);
    case CONFIG_FMT_EVAL:
        return process_eval(w, p, topic, off, key, key_len, payload, len, now);
    case CONFIG_FMT_OUTCOME:
        return process_outcome(w, p, topic, off, key, key_len, payload, len, now);
    case CONFIG_FMT_OTLP_LOGS_PROTO:
    case CONFIG_FMT_OTLP_LOGS_JSON:
        return process_otlp_logs(w, p, topic, off, key, key_len, payload, len, now);
    default:
        return process_json(w, p, topic, off, key, key_len, payload, len, now);
    }
}

static int process(worker_t *w, wpart_t *p, const char *topic, int64_t off, const void *key,
                   size_t key_len, const char *payload, size_t len, int64_t now) {
    int fl = batch_part_place(&p->bp, off);
    int rc;
    if ((fl & BATCH_SEAL_BEFORE) && (rc = flush(w, p)) != ERR_OK) return rc;
    if (!p->active) return ERR_OK; /* the flush lost the partition */
    /* Room for the record in the partition budget: an open batch that might not take its rows
     * is sealed first (not inside an announced range: its cut is fixed), so partition-max-bytes
     * is a batch size, never a fatal error. */
    if (!(fl & BATCH_PLANNED) && batch_part_has_open(&p->bp) &&
        wbatch_row_bytes(&p->b) + 2 * (len + key_len) + WORKER_ROW_SLACK >
            (size_t)w->cfg->partition_max_bytes) {
        if ((rc = flush(w, p)) != ERR_OK) return rc;
        if (!p->active) return ERR_OK;
    }
    int ar = batch_part_append(&p->bp, off);
    if (ar == -1) return ERR_OK; /* a redelivery of something we have */
    while (ar == -2) { /* BATCH_MAX_SEGS batches of p pending: wait for one to come back */
        if ((rc = flush(w, p)) != ERR_OK) return rc;
        if (!p->active) return ERR_OK;
        if ((ar = batch_part_append(&p->bp, off)) != -2) break;
        if (p->n_jobs == 0) return ERR_INVAL; /* held by dead letters only: cannot happen */
        if ((rc = pool_reap(w, -1)) != ERR_OK) return rc;
        if (!p->active) return ERR_OK;
        ar = batch_part_append(&p->bp, off);
    }
    if (ar != 0) return ar == -1 ? ERR_OK : ERR_INVAL;
    if (fl & BATCH_PLANNED) p->open_planned = 1;
    if (!p->opened_ms) p->opened_ms = now;
    w->st.consumed++;
    w->consumed_k[p->kind]++;
    wmark_t mk;
    wbatch_mark(&p->b, &mk);
    if (!p->b.enc_min) p->b.enc_min = now;
    p->b.enc_max = now;
    rc = process_record(w, p, topic, off, key, key_len, payload, len, now);
    if (rc == ERR_BUF_CAP) {
        /* The record's rows do not fit the budget even in a batch of their own (or in an
         * announced range cut under larger limits). Take them back; inside an announced range
         * the batch must stay what it was (its token), so the cap is lifted for this batch;
         * otherwise the record is dead-lettered as oversized. */
        wbatch_rollback(&p->b, &mk);
        if (fl & BATCH_PLANNED) {
            for (int t = 0; t < WT_N; t++)
                p->b.t[t].rows.max = SIZE_MAX / 2;
            rc = process_record(w, p, topic, off, key, key_len, payload, len, now);
        } else {
            char d[160];
            snprintf(d, sizeof(d), "its rows do not fit partition-max-bytes (%" PRId64 ")",
                     w->cfg->partition_max_bytes);
            dlq_letter_t lt = {.reason = err_name(ERR_OVERSIZED),
                               .field = "",
                               .detail = d,
                               .topic = topic,
                               .partition = p->partition,
                               .offset = off,
                               .key = key,
                               .key_len = key_len,
                               .payload = payload,
                               .len = len,
                               .payload_format = "original"};
            rc = dead_letter(w, p, &p->b, p->kind, &lt);
        }
    }
    if (rc != ERR_OK) return rc;
    if (fl & BATCH_SEAL_AFTER) return flush(w, p);
    if (!(fl & BATCH_PLANNED) && ((int64_t)wbatch_rows(&p->b) >= w->cfg->batch_max_rows ||
                                  (int64_t)wbatch_row_bytes(&p->b) >= w->cfg->batch_max_bytes))
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
        if (w->m) metrics_counter_add(w->m, "spanhouse_reloads_total", "result=\"failed\"", 1);
        return;
    }
    if (*w->cfg->tenants && !(nt = tenant_load(w->cfg->tenants, e, sizeof(e)))) {
        log_msg(w->lg, LOG_ERROR, "reload_failed_keeping_old_tables", e);
        if (w->m) metrics_counter_add(w->m, "spanhouse_reloads_total", "result=\"failed\"", 1);
        price_destroy(np);
        return;
    }
    /* Spans are encoded (copied) before the next message: nothing points into the old tables. */
    price_destroy(w->prices);
    tenant_destroy(w->tenants);
    w->prices = np;
    w->tenants = nt;
    log_line_t l;
    if (w->m) metrics_counter_add(w->m, "spanhouse_reloads_total", "result=\"ok\"", 1);
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

/* Counters by kind (span, eval, outcome): consumed counts records by their topic's kind,
 * inserted counts rows by the table they went to. */
static void publish(worker_t *w) {
    if (!w->m) return;
    for (int t = 0; t < WT_N; t++) {
        char lab[32];
        snprintf(lab, sizeof(lab), "kind=\"%s\"", wt_kind[t]);
        if (w->consumed_k[t] != w->pub_consumed[t] || (t == WT_SPAN && !w->pub_consumed[t]))
            metrics_counter_add(w->m, "spanhouse_consumed_total", lab, w->consumed_k[t] - w->pub_consumed[t]);
        if (w->inserted_k[t] != w->pub_inserted[t] || (t == WT_SPAN && !w->pub_inserted[t]))
            metrics_counter_add(w->m, "spanhouse_inserted_rows_total", lab, w->inserted_k[t] - w->pub_inserted[t]);
        w->pub_consumed[t] = w->consumed_k[t];
        w->pub_inserted[t] = w->inserted_k[t];
    }
    if (w->evq) { /* OTLP evaluation events (span events and log records) */
        const otlp_evq_stats_t *a = &w->evst, *b = &w->pub_evst;
        if (a->evals_ok != b->evals_ok)
            metrics_counter_add(w->m, "spanhouse_otlp_eval_events_total", "result=\"ok\"", a->evals_ok - b->evals_ok);
        if (a->evals_rejected != b->evals_rejected)
            metrics_counter_add(w->m, "spanhouse_otlp_eval_events_total", "result=\"rejected\"",
                                a->evals_rejected - b->evals_rejected);
        if (a->events_other != b->events_other)
            metrics_counter_add(w->m, "spanhouse_otlp_eval_events_total", "result=\"other\"",
                                a->events_other - b->events_other);
        w->pub_evst = w->evst;
    }
}

/* The end of run and ingest-file alike: on an error tell the senders to stop retrying, wait
 * for every batch in flight, surface a sender's fatal error, publish the last counters.
 * Returns the first error. */
static int finish(worker_t *w, int rc) {
    if (rc != ERR_OK) atomic_store(&w->pool.abort, 1);
    int drc = pool_drain(w);
    if (rc == ERR_OK) rc = drc;
    if (rc == ERR_OK && w->fatal) rc = w->fatal;
    publish(w);
    return rc;
}

/* Start-up check of the span table against the column table (rowbin_check_describe): a
 * widened or renamed column is a clear fatal error naming it, instead of every row coming back
 * server_rejected and dead-lettered (and committed) while the table stays empty. It is also
 * the first answer from ClickHouse: the worker is ready (/readyz) only after it. Retried while
 * ClickHouse is unreachable, up to retry-max-ms or a stop. Consumer thread. */
static int schema_check(worker_t *w) {
    int spans = w->mode == WORKER_MODE_FILE;
    for (int t = 0; t < w->cfg->n_topics; t++)
        spans |= fmt_kind(w->cfg->topics[t].format) == WT_SPAN;
    if (!spans) return ERR_OK;
    char sql[320];
    snprintf(sql, sizeof(sql), "DESCRIBE TABLE %s FORMAT TabSeparated", w->tgt[WT_SPAN].table);
    double t0 = mono_s();
    for (;;) {
        char *out = NULL, e[sizeof(((sink_result_t *)0)->msg) + 1];
        sink_result_t res;
        int rc = sink_exec(w->sink, sql, &out, &res);
        if (rc == ERR_OK)
            rc = rowbin_check_describe(out, (int)w->cfg->legacy, e, sizeof(e));
        else
            snprintf(e, sizeof(e), "%s", res.msg);
        free(out);
        if (rc == ERR_OK) return ERR_OK;
        int fatal = err_class(rc) != ERR_CLASS_RETRY;
        log_line_t l;
        log_begin(w->lg, &l, fatal ? LOG_ERROR : LOG_WARN,
                  fatal ? "schema_mismatch" : "clickhouse_unreachable");
        log_str(&l, "table", w->tgt[WT_SPAN].table);
        log_str(&l, "error", e);
        log_end(&l);
        if (fatal) return ERR_SERVER_FATAL;
        if ((mono_s() - t0) * 1000 >= (double)w->cfg->retry_max_ms ||
            (w->hooks.stop && *w->hooks.stop))
            return rc;
        sleep_ms((int64_t)sink_backoff_next(&w->backoff));
    }
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
    pthread_mutex_init(&w->pool.mu, NULL); /* before any goto err: destroy uses them */
    pthread_cond_init(&w->pool.work, NULL);
    pthread_cond_init(&w->pool.done, NULL);
    w->cfg = cfg;
    w->mode = mode;
    w->sink = sink;
    w->m = m;
    w->lg = lg;
    if (hooks) w->hooks = *hooks;
    if (getenv("SPANHOUSE_TEST_CRASH_AFTER_INSERTS"))
        w->crash_after = atoi(getenv("SPANHOUSE_TEST_CRASH_AFTER_INSERTS"));
    w->tpolicy = !strcmp(cfg->tenant_policy, "override") ? TENANT_POLICY_OVERRIDE : TENANT_POLICY_FILL;
    snprintf(w->tgt[WT_SPAN].table, sizeof(w->tgt[WT_SPAN].table), "%s.%s", cfg->database, cfg->table);
    w->tgt[WT_SPAN].columns = rowbin_column_list();
    w->tgt[WT_SPAN].structure = rowbin_structure((int)cfg->legacy);
    snprintf(w->tgt[WT_EVAL].table, sizeof(w->tgt[WT_EVAL].table), "%s.%s", cfg->database, cfg->eval_table);
    w->tgt[WT_EVAL].columns = eval_column_list();
    w->tgt[WT_EVAL].structure = eval_structure();
    snprintf(w->tgt[WT_OUTCOME].table, sizeof(w->tgt[WT_OUTCOME].table), "%s.%s", cfg->database, cfg->outcome_table);
    w->tgt[WT_OUTCOME].columns = outcome_column_list();
    w->tgt[WT_OUTCOME].structure = outcome_structure();
    if (*cfg->rejected_table) snprintf(w->rejected, sizeof(w->rejected), "%s.%s", cfg->database, cfg->rejected_table);
    eval_limits_default(&w->elim);
    w->elim.max_future_ms = cfg->ts_future_tolerance_ms;
    w->elim.max_past_ms = cfg->ts_past_tolerance_ms;
    for (int t = 0; t < cfg->n_topics; t++) {
        if (cfg->topics[t].format == CONFIG_FMT_EVAL && !w->edec &&
            !(w->edec = eval_dec_new((size_t)cfg->max_message_bytes, errstr, errstr_size)))
            goto err;
        if (cfg->topics[t].format == CONFIG_FMT_OUTCOME && !w->odec &&
            !(w->odec = outcome_dec_new((size_t)cfg->max_message_bytes, errstr, errstr_size)))
            goto err;
    }
    validate_opts_default(&w->vopts);
    w->vopts.max_future_ms = cfg->ts_future_tolerance_ms;
    w->vopts.max_past_ms = cfg->ts_past_tolerance_ms;
    jspan_opts_t jo;
    jspan_opts_default(&jo);
    jo.max_message_bytes = (size_t)cfg->max_message_bytes;
    if (!(w->dec = jspan_dec_new(&jo, errstr, errstr_size))) goto err;
    otlp_map_t om;
    otlp_map_default(&om);
    om.tenant_key = cfg->otlp_tenant_attr;
    om.team_key = cfg->otlp_team_attr;
    om.feature_key = cfg->otlp_feature_attr;
    om.user_key = cfg->otlp_user_attr;
    om.prompt_template_key = cfg->otlp_prompt_template_attr;
    om.prompt_version_key = cfg->otlp_prompt_version_attr;
    om.endpoint_key = cfg->otlp_endpoint_attr;
    om.keep_all = cfg->otlp_keep_all != 0;
    om.keep_content = cfg->otlp_keep_content != 0;
    if (!(w->otlp = otlp_dec_new(&om, errstr, errstr_size))) goto err;
    {
        /* Evaluation results: log records of otlp_logs_* topics, and span events of trace
         * topics (not with legacy: the 18.16 server has no llm_evals). */
        int logs = 0, traces = 0;
        for (int t = 0; t < cfg->n_topics; t++) {
            config_fmt_t f = cfg->topics[t].format;
            logs |= f == CONFIG_FMT_OTLP_LOGS_PROTO || f == CONFIG_FMT_OTLP_LOGS_JSON;
            traces |= f == CONFIG_FMT_OTLP_PROTO || f == CONFIG_FMT_OTLP_JSON;
        }
        if (cfg->legacy) traces = 0;
        if ((logs || traces) && !(w->evq = otlp_evq_new(0, &w->elim, errstr, errstr_size))) goto err;
        if (traces) {
            otlp_evq_attach(w->evq, w->otlp);
            w->evq_attached = 1;
        }
    }
    if (*cfg->pricing && !(w->prices = price_load(cfg->pricing, errstr, errstr_size))) goto err;
    if (*cfg->tenants && !(w->tenants = tenant_load(cfg->tenants, errstr, errstr_size))) goto err;
    sink_backoff_init(&w->backoff, 100, 10000, (uint64_t)getpid() * 2654435761u + (uint64_t)now_ms());
    w->inline_snd.w = w;
    w->inline_snd.sink = sink;
    w->inline_snd.backoff = w->backoff;
    atomic_init(&w->pool.abort, 0);
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

int worker_add_sink(worker_t *w, sink_t *sink) {
    if (w->pool.running || w->pool.n_snd == WORKER_MAX_SENDERS) return ERR_INVAL;
    wsender_t *s = &w->pool.snd[w->pool.n_snd++];
    s->w = w;
    s->sink = sink;
    sink_backoff_init(&s->backoff, 100, 10000,
                      (uint64_t)getpid() * 2654435761u + (uint64_t)now_ms() + (uint64_t)w->pool.n_snd * 7919u);
    return ERR_OK;
}

void worker_destroy(worker_t *w) {
    if (!w) return;
    if (w->fatal) atomic_store(&w->pool.abort, 1);
    if (w->kc) kafka_consumer_destroy(w->kc); /* revokes: on_revoked needs the parts and senders */
    w->kc = NULL;
    pool_drain(w);
    pool_stop(w);
    while (w->pool.spare) {
        wjob_t *j = w->pool.spare;
        w->pool.spare = j->next;
        wbatch_deinit(&j->b);
        free(j->bad);
        free(j);
    }
    pthread_mutex_destroy(&w->pool.mu);
    pthread_cond_destroy(&w->pool.work);
    pthread_cond_destroy(&w->pool.done);
    dlq_destroy(w->dlq);
    for (int i = 0; i < w->n_parts; i++) part_free(w->parts[i]);
    jspan_dec_destroy(w->dec);
    if (w->evq_attached) otlp_evq_attach(NULL, w->otlp);
    otlp_dec_destroy(w->otlp);
    otlp_evq_destroy(w->evq);
    eval_dec_destroy(w->edec);
    outcome_dec_destroy(w->odec);
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

int worker_run(worker_t *w) {
    const config_t *cfg = w->cfg;
    int rc = ERR_OK;
    int exit_at_eof = cfg->exit_at_eof || w->mode == WORKER_MODE_REPLAY;
    double rate_t0 = mono_s();
    uint64_t rate_n0 = 0;
    if (w->mode == WORKER_MODE_REPLAY) {
        int64_t from, to;
        if (config_parse_time(cfg->from, &from) || config_parse_time(cfg->to, &to) || to < from) {
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
    {
        char e[256];
        if (!w->pool.running && pool_start(w, e, sizeof(e)) != ERR_OK) {
            log_msg(w->lg, LOG_ERROR, "sender_start_failed", e);
            return ERR_NOMEM;
        }
    }
    if ((rc = schema_check(w)) != ERR_OK) return rc;
    publish_paused(w); /* 0 from the start: the gauge exists before any backpressure */
    if (w->m) metrics_set_ready(w->m, 1);
    static rd_kafka_message_t *msgs[WORKER_POLL_BATCH];
    while (!w->fatal) {
        if (w->hooks.stop && *w->hooks.stop) break;
        if (w->hooks.reload && *w->hooks.reload) {
            *w->hooks.reload = 0;
            reload(w);
        }
        /* With batches out, do not sleep in the consumer: wait on their results instead. */
        int out = w->pool.running && pool_outstanding(w) > 0;
        size_t n = kafka_consume(w->kc, msgs, WORKER_POLL_BATCH, out ? 0 : 100);
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
        if ((rc = pool_reap(w, n == 0 && out ? 20 : 0)) != ERR_OK) break;
        dlq_poll(w->dlq);
        /* Age and worker-budget cuts. */
        int64_t total = 0;
        for (int i = 0; i < w->n_parts; i++) total += (int64_t)wbatch_held(&w->parts[i]->b);
        for (int i = 0; i < w->n_parts && rc == ERR_OK; i++) {
            wpart_t *p = w->parts[i];
            if (!p->active || !batch_part_has_open(&p->bp)) continue;
            int planned = p->bp.n_planned > 0 && p->bp.segs[p->bp.n_segs - 1].first >= p->bp.planned[0].first;
            if (planned && !p->eof) continue;
            /* The age cut is for latency on a quiet partition. A partition with a backlog has
             * more rows ready right now: cutting it by age would make many small inserts
             * (one part each on the server) exactly when throughput matters, so it waits
             * for the row/byte cut, its end, the byte budget, or 10x the age. */
            int64_t age = now - p->opened_ms, max_age = cfg->batch_max_age_ms;
            if (!p->eof && age >= max_age && age < 10 * max_age && total <= cfg->max_inflight_bytes && w->kc &&
                kafka_high_watermark(w->kc, p->topic, p->partition) > p->bp.next)
                continue;
            if (p->eof || age >= max_age || total > cfg->max_inflight_bytes) {
                total -= (int64_t)wbatch_held(&p->b);
                rc = flush(w, p);
            }
        }
        if (rc != ERR_OK) break;
        publish(w);
        if (now - w->lag_ms >= WORKER_LAG_EVERY_MS) {
            for (int i = 0; i < w->n_parts; i++)
                if (w->parts[i]->active) publish_lag(w, w->parts[i]);
            w->lag_ms = now;
        }
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
        /* Graceful stop: store and commit what we hold, and what is in flight. */
        rc = flush_all(w);
    }
    rc = finish(w, rc);
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
    char e[256];
    if (!w->pool.running && pool_start(w, e, sizeof(e)) != ERR_OK) {
        log_msg(w->lg, LOG_ERROR, "sender_start_failed", e);
        fclose(f);
        return ERR_NOMEM;
    }
    int src = schema_check(w);
    if (src != ERR_OK) {
        fclose(f);
        return src;
    }
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
        if (rc == ERR_OK && !(off & 1023)) rc = pool_reap(w, 0);
    }
    free(line);
    fclose(f);
    if (rc == ERR_OK) rc = flush(w, p);
    rc = finish(w, rc);
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
