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
#include "worker_int.h"

/* XXH3 (libxxhash) for the content part of dedup tokens: a stable, specified 64-bit hash at
 * memory speed (strhash.h is not stable across machines and must not be persisted). Inlined,
 * so the core library and the fuzzers need no extra link flag. */
#define XXH_INLINE_ALL
#include <xxhash.h>

const char *const wt_kind[WT_N] = {"span", "eval", "outcome"};

int64_t wk_now_ms(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

double wk_mono_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int64_t wk_mono_ms(void) { return (int64_t)(wk_mono_s() * 1000); }

void wk_sleep_ms(int64_t ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) && errno == EINTR) {
    }
}

/* True once a stop request has lasted WORKER_STOP_GRACE_MS (or a second one came): retries
 * give up, requests in flight are cancelled. Any thread. */
int wk_stop_expired(worker_t *w) {
    if (!w->hooks.stop || !*w->hooks.stop) return 0;
    if (*w->hooks.stop > 1) return 1;
    int64_t now = wk_now_ms(), zero = 0;
    atomic_compare_exchange_strong(&w->stop_ms, &zero, now);
    if (now - atomic_load(&w->stop_ms) < WORKER_STOP_GRACE_MS) return 0;
    if (w->hooks.cancel) *w->hooks.cancel = 1;
    atomic_store(&w->pool.abort, 1);
    return 1;
}

int wk_sleep_unless_expired(worker_t *w, int64_t ms) {
    for (int64_t slept = 0; slept < ms; slept += 100) {
        if (wk_stop_expired(w)) return 1;
        wk_sleep_ms(ms - slept < 100 ? ms - slept : 100);
    }
    return wk_stop_expired(w);
}

/* ---- metrics */

const char *const worker_metric_names[WM__N] = {
#define WORKER_METRIC_NAME_(id, name, type, help) [WM_##id] = name,
    WORKER_METRICS(WORKER_METRIC_NAME_)
#undef WORKER_METRIC_NAME_
};

void worker_describe_metrics(metrics_t *m) {
#define WORKER_METRIC_DESCRIBE_(id, name, type, help) metrics_describe(m, name, type, help);
    WORKER_METRICS(WORKER_METRIC_DESCRIBE_)
#undef WORKER_METRIC_DESCRIBE_
}

/* ---- partitions */

static wpart_t *part_find(worker_t *w, const char *topic, int32_t partition) {
    if (w->last && w->last->partition == partition && !strcmp(w->last->topic, topic))
        return w->last;
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

/* The format table's target tables are the worker's tables, in the same order. */
_Static_assert(WT_SPAN == (int)CONFIG_TABLE_SPANS && WT_EVAL == (int)CONFIG_TABLE_EVALS &&
                   WT_OUTCOME == (int)CONFIG_TABLE_OUTCOMES,
               "wtable_t follows config_table_t");
static wtable_t fmt_kind(config_fmt_t f) { return (wtable_t)config_fmt_table(f); }

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
    p->fmt = wk_topic_format(w, topic);
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
    for (int i = 0; i < w->n_parts; i++)
        n += w->parts[i]->active && w->parts[i]->paused;
    metrics_gauge_set(w->m, WM_NAME(PAUSED), NULL, n);
}

void wk_pause_all(worker_t *w) {
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
    p->bp.fence_wait_ms = w->fence_wait_ms;
    /* The generation that gave us the partition began after the previous owner's last
     * successful commit: its inserts end within the wait it announced from now. */
    p->fenced_ms = wk_mono_ms();
    p->restore_after_ms = p->fenced_ms + p->bp.planned_wait_ms;
    p->active = 1;
    p->dropped = 0;
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
    if (planned > 0) log_int(&l, "restore_wait_ms", p->bp.planned_wait_ms);
    if (meta_len) log_strn(&l, "metadata", meta, meta_len);
    log_end(&l);
}

static void part_revoke(worker_t *w, wpart_t *p);

/* The group revokes a partition (librdkafka's rebalance callback). */
static void on_revoked(void *opaque, const char *topic, int32_t partition) {
    worker_t *w = opaque;
    wpart_t *p = part_find(w, topic, partition);
    if (!p) return;
    p->dropped = 0;
    if (p->active) part_revoke(w, p);
}

/* We let a partition go ourselves: a commit says the group is rebalancing. It is not done with
 * until the group's own revocation or assignment comes (drained() waits for it): a worker
 * that exits at the end of its topics must not take a partition it may get back for done. */
static void part_drop(worker_t *w, wpart_t *p) {
    part_revoke(w, p);
    p->dropped = 1;
    kafka_pause(w->kc, p->topic, p->partition, 1, -1);
}

static void part_revoke(worker_t *w, wpart_t *p) {
    /* Batches in flight finish first (and are committed if stored), so nothing of this
     * partition is sent after we let it go; the open batch is dropped uncommitted, and the
     * next owner re-reads it from the committed offset. */
    p->revoking = 1;
    pool_wait_part(w, p);
    p->revoking = 0;
    log_line_t l;
    log_begin(w->lg, &l, LOG_INFO, "partition_revoked");
    log_str(&l, "topic", p->topic);
    log_int(&l, "partition", p->partition);
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
    double t0 = wk_mono_s(), next_log = 10;
    while (dlq_flush(w->dlq, 1000) > 0) {
        if (w->fatal) return w->fatal;
        double waited = wk_mono_s() - t0;
        int expired = wk_stop_expired(w);
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
int wk_dead_letter(worker_t *w, wpart_t *p, wbatch_t *b, wtable_t k, dlq_letter_t *lt) {
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
        dlq_encode_rejected(&b->rej, wk_now_ms(), wt_kind[k], lt);
        b->rej_hash =
            XXH3_64bits_withSeed(lt->payload, lt->len, b->rej_hash ^ (uint64_t)lt->offset);
        b->rej_hash = XXH3_64bits_withSeed(lt->key, lt->key_len, b->rej_hash);
        if (buf_error(&b->rej) || wbatch_push_rej(b, lt->offset) != ERR_OK) return ERR_NOMEM;
    }
    w->st.rejected++;
    if (w->m) {
        char lab[128];
        snprintf(lab, sizeof(lab), "reason=\"%s\",kind=\"%s\"", lt->reason, wt_kind[k]);
        metrics_counter_add(w->m, WM_NAME(REJECTED), lab, 1);
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

void wk_log_inserted(const worker_t *w, const char *table, size_t rows, size_t bytes, int batches,
                     double seconds) {
    if (!w->lg || w->lg->min_level > LOG_DEBUG) return;
    log_line_t l;
    log_begin(w->lg, &l, LOG_DEBUG, "inserted");
    log_str(&l, "table", table);
    log_int(&l, "rows", (int64_t)rows);
    log_int(&l, "bytes", (int64_t)bytes);
    log_int(&l, "batches", batches);
    log_int(&l, "ms", (int64_t)(seconds * 1000));
    log_end(&l);
}

/* ---- jobs (consumer thread) */

static wjob_t *job_get(worker_t *w) {
    wjob_t *j = w->pool.spare;
    if (j) {
        w->pool.spare = j->next;
        w->pool.n_spare--;
        w->pool.spare_bytes -= wbatch_capacity(&j->b);
    } else if (!(j = calloc(1, sizeof(*j)))) {
        return NULL;
    }
    j->next = NULL;
    return j;
}

static void job_put(worker_t *w, wjob_t *j) {
    for (size_t i = 0; i < j->n_bad; i++)
        free(j->bad[i].msg);
    j->n_bad = 0;
    j->inserted = j->retries = j->already = 0;
    memset(j->inserted_k, 0, sizeof(j->inserted_k));
    j->rc = ERR_OK;
    j->rej_done = 0;
    j->p = NULL;
    j->first_try = 0;
    j->not_before_ms = 0;
    memset(j->t_done, 0, sizeof(j->t_done));
    memset(j->t_maybe, 0, sizeof(j->t_maybe));
    wbatch_clear(&j->b);
    /* A job's buffers keep their capacity for the next batch, but not what a spike grew them
     * to: above twice the batch limits they are freed and grow again on demand. A few are kept
     * whatever their size (one per sender and queue slot, as many as one insert per batch
     * needs), more while together they hold at most a quarter of the in-flight budget (many
     * small batches of many partitions). */
    size_t cap = wbatch_capacity(&j->b);
    if (cap <= 2 * (size_t)w->cfg->batch_max_bytes &&
        (w->pool.n_spare < 2 * w->pool.n_snd + 2 ||
         w->pool.spare_bytes + cap <= (size_t)w->cfg->max_inflight_bytes / 4)) {
        j->next = w->pool.spare;
        w->pool.spare = j;
        w->pool.n_spare++;
        w->pool.spare_bytes += cap;
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
    metrics_gauge_set(w->m, WM_NAME(LAG), lab, (double)(hwm - p->committed));
}

/* Commits p's position with its announced cuts, synchronously: what must reach the broker before
 * a range is sent, and the proof that p is still ours (the broker refuses the commit of a
 * member the group has moved on from: *lost). Tries for ~5 s. */
static int announce(worker_t *w, wpart_t *p, int *lost) {
    char meta[BATCH_META_MAX], e[512];
    int ml = batch_part_metadata(&p->bp, meta, sizeof(meta));
    if (ml < 0) return ERR_INVAL;
    int64_t pos = batch_part_commit_pos(&p->bp);
    int rc = ERR_KAFKA;
    *lost = 0;
    for (int attempt = 0; attempt < 20 && rc != ERR_OK && !*lost; attempt++) {
        if (attempt) wk_sleep_ms(250);
        rc = kafka_commit(w->kc, p->topic, p->partition, pos, meta, (size_t)ml, 1, lost, e,
                          sizeof(e));
        if (rc != ERR_OK) log_msg(w->lg, LOG_WARN, "announce_failed", e);
    }
    if (rc == ERR_OK) p->fenced_ms = wk_mono_ms();
    return rc;
}

static int pool_requeue(worker_t *w, wjob_t *j);

/* A job whose insert could not start within fence-window of the last proof that its partition
 * is ours: prove it again and queue it again, or drop it uncommitted when the partition is
 * gone (its next owner waits out our announced window, then looks it up). */
static int job_refence(worker_t *w, wjob_t *j) {
    wpart_t *p = j->p;
    if (!p->active || p->gen != j->gen || p->revoking) { /* going: the next owner sends it */
        job_put(w, j);
        return ERR_OK;
    }
    if (w->hooks.stop && *w->hooks.stop) {
        /* Stopping: a batch that could not even start within the fence-window (ClickHouse slow
         * or down) is left uncommitted for the restart, which waits the announced window and
         * looks it up, rather than holding the stop for more commits and retries. */
        log_line_t l;
        log_begin(w->lg, &l, LOG_INFO, "fence_expired_at_stop");
        log_str(&l, "topic", p->topic);
        log_int(&l, "partition", p->partition);
        log_int(&l, "first", j->r.first);
        log_end(&l);
        job_put(w, j);
        return ERR_OK;
    }
    int lost = 0, rc = w->kc ? announce(w, p, &lost) : ERR_OK;
    log_line_t l;
    log_begin(w->lg, &l, LOG_INFO, "fence_renewed");
    log_str(&l, "topic", p->topic);
    log_int(&l, "partition", p->partition);
    log_int(&l, "first", j->r.first);
    log_str(&l, "result", lost ? "partition_lost" : err_name(rc));
    log_end(&l);
    if (lost) {
        job_put(w, j);
        part_drop(w, p);
        return ERR_OK;
    }
    if (rc != ERR_OK) {
        job_put(w, j);
        if (!w->fatal) w->fatal = rc; /* the broker refuses commits for 5 s: stop, nothing lost */
        atomic_store(&w->pool.abort, 1);
        return rc;
    }
    j->fenced_ms = p->fenced_ms = wk_mono_ms();
    /* An attempt that may have stored it (a timeout, a lost answer) may still be running on the
     * server, under a group token a re-send would not share: let one fence-window pass, then
     * look it up and send it alone (as a restored range). */
    for (int t = 0; t < WT_N; t++)
        if (j->t_maybe[t]) {
            j->restored = 1;
            j->not_before_ms = j->fenced_ms + w->fence_ms;
        }
    return pool_requeue(w, j);
}

/* A job came back: dead-letter the rows the server refused, store the batch's rejected rows,
 * wait for the dead letters, then ack and commit the contiguous prefix. */
static int job_done(worker_t *w, wjob_t *j) {
    wpart_t *p = j->p;
    int rc = j->rc;
    p->n_jobs--;
    w->st.retries += j->retries;
    j->retries = 0;
    if (rc == ERR_FENCED && !w->fatal && !atomic_load(&w->pool.abort)) return job_refence(w, j);
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
    for (int t = 0; t < WT_N; t++)
        w->inserted_k[t] += j->inserted_k[t];
    for (size_t i = 0; i < j->n_bad && rc == ERR_OK; i++) {
        /* Dead-lettered with the original key and bytes, not the encoded row. */
        const wrows_t *tb = &j->b.t[j->bad[i].t];
        size_t row = j->bad[i].row, o0 = tb->orig_beg[row], kl = tb->key_len[row];
        const uint8_t *o = tb->orig.data ? tb->orig.data + o0 : (const uint8_t *)"";
        dlq_letter_t lt = {.reason = err_name(ERR_SERVER_REJECTED),
                           .field = "",
                           .detail = j->bad[i].msg,
                           .topic = p->topic,
                           .partition = p->partition,
                           .offset = tb->row_off[row],
                           .key = kl ? o : NULL,
                           .key_len = kl,
                           .payload = (const char *)o + kl,
                           .len = tb->orig_end[row] - o0 - kl,
                           .payload_format = "original"};
        rc = wk_dead_letter(w, p, &j->b, j->bad[i].t, &lt);
    }
    /* The batch's rejected rows: stored by the sender right after the batch, or here when the
     * server refused some rows (just added above) or the sender's fence had run out. */
    if (rc == ERR_OK && !j->rej_done) rc = wsend_rejected(&w->inline_snd, j);
    if (rc == ERR_OK)
        for (size_t i = 0; i < j->b.n_rej; i++)
            batch_part_release(&p->bp, j->b.rej_off[i]);
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
        metrics_histogram_observe(w->m, WM_NAME(BATCH_ROWS), NULL, (double)wbatch_rows(&j->b));
        metrics_histogram_observe(w->m, WM_NAME(BATCH_BYTES), NULL, (double)j->bytes);
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
        int crc = kafka_commit(w->kc, p->topic, p->partition, pos, meta, ml > 0 ? (size_t)ml : 0, 1,
                               NULL, e, sizeof(e));
        if (crc != ERR_OK) {
            log_msg(w->lg, LOG_WARN, "commit_failed", e); /* re-read, same cut */
        } else {
            p->committed = pos;
            p->fenced_ms = wk_mono_ms();
        }
        publish_lag(w, p);
    }
    resume_all(w);
    return ERR_OK;
}

/* Keeps queued jobs startable. An insert attempt starts only within fence-window of its
 * members' proof of ownership; a job waiting in the queue behind inserts slower than the window
 * used to reach a sender stale, go back, be announced again and requeued behind the next slow
 * inserts, round after round (a livelock seen in CI with every insert held longer than the
 * window). So the consumer proves again, every quarter window, the partitions of queued jobs
 * whose proof is older than half the window (a fresher commit of the partition is reused as
 * is), and hands the new proof to those jobs. Jobs a sender already took are not touched; a
 * partition found lost is left to the fence (its jobs come back and are dropped). */
static void pool_renew_fences(worker_t *w) {
    wpool_t *pl = &w->pool;
    int64_t now = wk_mono_ms();
    if (!w->fence_ms || !w->kc || !pl->running || now < w->renew_next_ms) return;
    w->renew_next_ms = now + w->fence_ms / 4;
    int64_t stale = now - w->fence_ms / 2;
    wpart_t *due[64];
    int n = 0;
    pthread_mutex_lock(&pl->mu);
    for (wjob_t *j = pl->todo; j && n < (int)(sizeof(due) / sizeof(due[0])); j = j->next) {
        wpart_t *p = j->p;
        if (j->fenced_ms >= stale || !p->active || p->gen != j->gen || p->revoking) continue;
        int seen = 0;
        for (int i = 0; i < n && !seen; i++)
            seen = due[i] == p;
        if (!seen) due[n++] = p;
    }
    pthread_mutex_unlock(&pl->mu);
    for (int i = 0; i < n; i++) {
        wpart_t *p = due[i];
        int lost = 0;
        if (p->fenced_ms < stale && (announce(w, p, &lost) != ERR_OK || lost)) continue;
        if (w->lg && w->lg->min_level <= LOG_DEBUG) {
            log_line_t l;
            log_begin(w->lg, &l, LOG_DEBUG, "fence_refreshed");
            log_str(&l, "topic", p->topic);
            log_int(&l, "partition", p->partition);
            log_end(&l);
        }
        pthread_mutex_lock(&pl->mu);
        for (wjob_t *j = pl->todo; j; j = j->next)
            if (j->p == p && j->gen == p->gen && j->fenced_ms < p->fenced_ms)
                j->fenced_ms = p->fenced_ms;
        pthread_mutex_unlock(&pl->mu);
    }
}

/* Takes back finished jobs and handles them. Waits up to wait_ms (-1: until at least one
 * comes back, if any is out) when none is ready. Returns the first error, or ERR_OK. */
static int inline_run(worker_t *w, int force);

int wk_pool_reap(worker_t *w, int wait_ms) {
    wpool_t *pl = &w->pool;
    if (!pl->running) return inline_run(w, wait_ms < 0);
    pool_renew_fences(w);
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
    /* Waiting for a result (a full budget, a revocation, a stop): queued batches go now. */
    int urgent = wait_ms < 0 && !pl->fin && pl->n_jobs > 0;
    if (urgent) {
        pl->urgent++;
        pthread_cond_broadcast(&pl->work);
    }
    while (!pl->fin && pl->n_jobs > 0 && wait_ms != 0) {
        if (pl->n_retrying > 0) {
            /* ClickHouse is unwell: stop fetching, memory stays flat. */
            pthread_mutex_unlock(&pl->mu);
            wk_pause_all(w);
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
            if (pthread_cond_timedwait(&pl->done, &pl->mu, &half) == ETIMEDOUT) {
                wk_stop_expired(w);
                pthread_mutex_unlock(&pl->mu);
                pool_renew_fences(w);
                pthread_mutex_lock(&pl->mu);
            }
        } else if (pthread_cond_timedwait(&pl->done, &pl->mu, &dl) == ETIMEDOUT) {
            break;
        }
    }
    if (urgent) pl->urgent--;
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
    while (p->n_jobs > 0 && pool_outstanding(w) > 0)
        wk_pool_reap(w, -1);
}

/* Waits until every job has come back and been handled. Returns the first error. */
static int pool_drain(worker_t *w) {
    int rc = ERR_OK;
    while (pool_outstanding(w) > 0) {
        int r = wk_pool_reap(w, -1);
        if (rc == ERR_OK) rc = r;
    }
    return rc;
}

/* Hands a sealed batch to the senders, waiting (and handling results) while the queue or the
 * in-flight byte budget is full. Without senders the job runs here and now. */
/* Runs the due groups of queued jobs on the consumer thread (no sender threads: sink=chdb),
 * at least one when force. */
static int inline_run(worker_t *w, int force) {
    wpool_t *pl = &w->pool;
    wjob_t *g[WORKER_GROUP_MAX];
    int rc = ERR_OK;
    for (;;) {
        int64_t wake;
        pthread_mutex_lock(&pl->mu);
        int due = wsend_group_due(w, wk_mono_ms(), &wake) || (force && pl->todo);
        int n = due ? wsend_group_take(w, g, WORKER_GROUP_MAX) : 0;
        pthread_mutex_unlock(&pl->mu);
        if (!n) return rc;
        force = 0;
        wsend_group_run(&w->inline_snd, g, n);
        pthread_mutex_lock(&pl->mu);
        for (int i = 0; i < n; i++) {
            pl->n_jobs--;
            pl->bytes -= g[i]->bytes;
        }
        pthread_mutex_unlock(&pl->mu);
        for (int i = 0; i < n; i++) {
            int r = job_done(w, g[i]);
            if (rc == ERR_OK) rc = r;
        }
    }
}

/* Puts j on the queue (at the head when again: it is older than what waits). Lock held. */
static void queue_put(wpool_t *pl, wjob_t *j, int again) {
    if (again) {
        j->next = pl->todo;
        pl->todo = j;
        if (!pl->todo_tail) pl->todo_tail = j;
    } else {
        j->next = NULL;
        if (pl->todo_tail)
            pl->todo_tail->next = j;
        else
            pl->todo = j;
        pl->todo_tail = j;
    }
    pl->n_jobs++;
    pl->bytes += j->bytes;
    pl->q_rows += j->rows;
    pthread_cond_broadcast(&pl->work);
}

/* Queues a job that came back only to be announced again: it was within the budget a moment
 * ago, so it does not wait for room. */
static int pool_requeue(worker_t *w, wjob_t *j) {
    wpool_t *pl = &w->pool;
    j->p->n_jobs++;
    pthread_mutex_lock(&pl->mu);
    queue_put(pl, j, 1);
    pthread_mutex_unlock(&pl->mu);
    return ERR_OK;
}

/* Hands a sealed batch to the senders, waiting (and handling results) while the queue or the
 * in-flight byte budget is full. The senders group queued batches into inserts (see
 * wsend_group_due); without sender threads the due groups run here. */
static int pool_submit(worker_t *w, wjob_t *j) {
    wpool_t *pl = &w->pool;
    j->p->n_jobs++;
    j->rows = wbatch_rows(&j->b);
    j->queued_ms = wk_mono_ms();
    int rc = ERR_OK;
    for (;;) {
        pthread_mutex_lock(&pl->mu);
        int full = pl->n_jobs >= WORKER_MAX_JOBS ||
                   (pl->n_jobs > 0 && (int64_t)(pl->bytes + j->bytes) > w->cfg->max_inflight_bytes);
        if (!full) break;
        pthread_mutex_unlock(&pl->mu);
        int r = wk_pool_reap(w, -1);
        if (rc == ERR_OK) rc = r;
    }
    queue_put(pl, j, 0);
    pthread_mutex_unlock(&pl->mu);
    if (!pl->running) {
        int r = inline_run(w, 0);
        if (rc == ERR_OK) rc = r;
    }
    return rc;
}

static int pool_start(worker_t *w, char *errstr, size_t errstr_size) {
    wpool_t *pl = &w->pool;
    for (int i = 0; i < pl->n_snd; i++) {
        if (pthread_create(&pl->snd[i].th, NULL, wsend_main, &pl->snd[i]) != 0) {
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
            buf_deinit(&pl->snd[i].group);
        }
    pl->running = 0;
}

/* Seals the open batch of p, announces the cut in the commit metadata and hands it to the
 * senders; its result is handled (dead letters, ack, commit) when it comes back. */
int wk_flush(worker_t *w, wpart_t *p) {
    if (!batch_part_has_open(&p->bp)) return ERR_OK;
    batch_range_t r;
    batch_part_seal(&p->bp, &r);
    if (!w->kc) p->fenced_ms = wk_mono_ms(); /* a file: nobody else reads it */
    if (w->kc) {
        int lost = 0, rc = announce(w, p, &lost);
        if (lost) {
            /* A rebalance is under way: the partition may be someone else's. Sending now could
             * insert a range the next owner cuts differently; drop it uncommitted (the next
             * owner, maybe us again, re-reads it from the committed offset). */
            log_msg(w->lg, LOG_WARN, "partition_lost_dropping_batch", p->topic);
            part_drop(w, p);
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
    j->fenced_ms = p->fenced_ms;
    j->not_before_ms = j->restored ? p->restore_after_ms : 0;
    p->open_planned = 0;
    j->bytes = wbatch_held(&j->b);
    int rc = pool_submit(w, j);
    if (rc == ERR_OK && w->fatal) rc = w->fatal;
    return rc;
}

/* ---- reload */

/* Logs which pricing and tenant files are in force, with the XXH3-64 of their bytes: a fleet
 * running different versions of a file shows as different checksums across workers. */
static void log_tables(worker_t *w, const char *event) {
    const char *paths[2] = {w->cfg->pricing, w->cfg->tenants};
    char sums[2][17] = {"", ""};
    for (int i = 0; i < 2; i++) {
        FILE *f = *paths[i] ? fopen(paths[i], "rb") : NULL;
        if (!f) continue;
        XXH3_state_t st;
        XXH3_64bits_reset(&st);
        char chunk[8192];
        size_t n;
        while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
            XXH3_64bits_update(&st, chunk, n);
        fclose(f);
        snprintf(sums[i], sizeof(sums[i]), "%016llx", (unsigned long long)XXH3_64bits_digest(&st));
    }
    log_line_t l;
    log_begin(w->lg, &l, LOG_INFO, event);
    log_int(&l, "prices", (int64_t)price_count(w->prices));
    log_int(&l, "tenants", (int64_t)tenant_count(w->tenants));
    log_str(&l, "pricing", paths[0]);
    log_str(&l, "pricing_xxh3", sums[0]);
    log_str(&l, "tenants_file", paths[1]);
    log_str(&l, "tenants_xxh3", sums[1]);
    log_end(&l);
}

static void reload(worker_t *w) {
    char e[512];
    price_table_t *np = NULL;
    tenant_table_t *nt = NULL;
    if (*w->cfg->pricing && !(np = price_load(w->cfg->pricing, e, sizeof(e)))) {
        log_msg(w->lg, LOG_ERROR, "reload_failed_keeping_old_tables", e);
        if (w->m) metrics_counter_add(w->m, WM_NAME(RELOADS), "result=\"failed\"", 1);
        return;
    }
    if (*w->cfg->tenants && !(nt = tenant_load(w->cfg->tenants, e, sizeof(e)))) {
        log_msg(w->lg, LOG_ERROR, "reload_failed_keeping_old_tables", e);
        if (w->m) metrics_counter_add(w->m, WM_NAME(RELOADS), "result=\"failed\"", 1);
        price_destroy(np);
        return;
    }
    /* Spans are encoded (copied) before the next message: nothing points into the old tables. */
    price_destroy(w->prices);
    tenant_destroy(w->tenants);
    w->prices = np;
    w->tenants = nt;
    if (w->m) metrics_counter_add(w->m, WM_NAME(RELOADS), "result=\"ok\"", 1);
    log_tables(w, "tables_reloaded");
}

static int flush_all(worker_t *w) {
    for (int i = 0; i < w->n_parts; i++) {
        wpart_t *p = w->parts[i];
        if (!p->active) continue;
        int rc = wk_flush(w, p);
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
            metrics_counter_add(w->m, WM_NAME(CONSUMED), lab,
                                w->consumed_k[t] - w->pub_consumed[t]);
        if (w->inserted_k[t] != w->pub_inserted[t] || (t == WT_SPAN && !w->pub_inserted[t]))
            metrics_counter_add(w->m, WM_NAME(INSERTED), lab,
                                w->inserted_k[t] - w->pub_inserted[t]);
        w->pub_consumed[t] = w->consumed_k[t];
        w->pub_inserted[t] = w->inserted_k[t];
    }
    if (w->evq) { /* OTLP evaluation events (span events and log records) */
        const otlp_evq_stats_t *a = &w->evst, *b = &w->pub_evst;
        if (a->evals_ok != b->evals_ok)
            metrics_counter_add(w->m, WM_NAME(OTLP_EVAL_EVENTS), "result=\"ok\"",
                                a->evals_ok - b->evals_ok);
        if (a->evals_rejected != b->evals_rejected)
            metrics_counter_add(w->m, WM_NAME(OTLP_EVAL_EVENTS), "result=\"rejected\"",
                                a->evals_rejected - b->evals_rejected);
        if (a->events_other != b->events_other)
            metrics_counter_add(w->m, WM_NAME(OTLP_EVAL_EVENTS), "result=\"other\"",
                                a->events_other - b->events_other);
        w->pub_evst = w->evst;
    }
    for (int i = 0; i <= WORKER_MAX_UNPRICED; i++) { /* the used slots and "_other" */
        wunpriced_t *u = &w->unpriced[i];
        if (i >= w->n_unpriced && i < WORKER_MAX_UNPRICED) continue;
        const char *lab = u->labels ? u->labels : "provider=\"_other\",model=\"_other\"";
        if (u->spans != u->pub_spans)
            metrics_counter_add(w->m, WM_NAME(UNPRICED_SPANS), lab, u->spans - u->pub_spans);
        if (u->tokens != u->pub_tokens)
            metrics_counter_add(w->m, WM_NAME(UNPRICED_TOKENS), lab, u->tokens - u->pub_tokens);
        u->pub_spans = u->spans;
        u->pub_tokens = u->tokens;
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
    double t0 = wk_mono_s();
    for (;;) {
        char *out = NULL, e[sizeof(((sink_result_t *)0)->msg) + 1];
        sink_result_t res;
        int rc = sink_exec(w->sink, sql, &out, &res);
        int answered = rc == ERR_OK; /* else the question failed: TLS, auth, no such table */
        if (rc == ERR_OK)
            rc = rowbin_check_describe(out, (int)w->cfg->legacy, e, sizeof(e));
        else
            snprintf(e, sizeof(e), "%s", res.msg);
        free(out);
        if (rc == ERR_OK) {
            sink_backoff_reset(&w->backoff);
            return ERR_OK;
        }
        int fatal = err_class(rc) != ERR_CLASS_RETRY;
        log_line_t l;
        log_begin(w->lg, &l, fatal ? LOG_ERROR : LOG_WARN,
                  !fatal     ? "clickhouse_unreachable"
                  : answered ? "schema_mismatch"
                             : "clickhouse_refused");
        log_str(&l, "table", w->tgt[WT_SPAN].table);
        log_str(&l, "error", e);
        log_end(&l);
        if (fatal) return ERR_SERVER_FATAL;
        if ((wk_mono_s() - t0) * 1000 >= (double)w->cfg->retry_max_ms ||
            (w->hooks.stop && *w->hooks.stop))
            return rc;
        wk_sleep_ms((int64_t)sink_backoff_next(&w->backoff));
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
    w->tpolicy = cfg->tenant_policy_kind == CONFIG_TENANT_OVERRIDE ? TENANT_POLICY_OVERRIDE
                                                                   : TENANT_POLICY_FILL;
    snprintf(w->tgt[WT_SPAN].table, sizeof(w->tgt[WT_SPAN].table), "%s.%s", cfg->database,
             cfg->table);
    w->tgt[WT_SPAN].columns = rowbin_column_list();
    w->tgt[WT_SPAN].structure = rowbin_structure((int)cfg->legacy);
    snprintf(w->tgt[WT_EVAL].table, sizeof(w->tgt[WT_EVAL].table), "%s.%s", cfg->database,
             cfg->eval_table);
    w->tgt[WT_EVAL].columns = eval_column_list();
    w->tgt[WT_EVAL].structure = eval_structure();
    snprintf(w->tgt[WT_OUTCOME].table, sizeof(w->tgt[WT_OUTCOME].table), "%s.%s", cfg->database,
             cfg->outcome_table);
    w->tgt[WT_OUTCOME].columns = outcome_column_list();
    w->tgt[WT_OUTCOME].structure = outcome_structure();
    if (*cfg->rejected_table)
        snprintf(w->rejected, sizeof(w->rejected), "%s.%s", cfg->database, cfg->rejected_table);
    for (int t = 0; t < cfg->n_topics; t++)
        if (!wk_format_decodable(cfg->topics[t].format)) {
            snprintf(errstr, errstr_size, "topic '%s': no decoder for format %s",
                     cfg->topics[t].name, config_fmt_name(cfg->topics[t].format));
            goto err;
        }
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
        if ((logs || traces) && !(w->evq = otlp_evq_new(0, &w->elim, errstr, errstr_size)))
            goto err;
        if (traces) {
            otlp_evq_attach(w->evq, w->otlp);
            w->evq_attached = 1;
        }
    }
    if (*cfg->pricing && !(w->prices = price_load(cfg->pricing, errstr, errstr_size))) goto err;
    if (*cfg->tenants && !(w->tenants = tenant_load(cfg->tenants, errstr, errstr_size))) goto err;
    if (*cfg->pricing || *cfg->tenants) log_tables(w, "tables_loaded");
    sink_backoff_init(&w->backoff, 100, 10000,
                      (uint64_t)getpid() * 2654435761u + (uint64_t)wk_now_ms());
    w->inline_snd.w = w;
    w->inline_snd.sink = sink;
    buf_init(&w->inline_snd.group, 0);
    w->inline_snd.backoff = w->backoff;
    atomic_init(&w->pool.abort, 0);
    if (*cfg->dlq_topic && *cfg->brokers &&
        !(w->dlq = dlq_new(cfg, on_dlq_done, w, errstr, errstr_size)))
        goto err;
    if (mode != WORKER_MODE_FILE) {
        kafka_events_t ev = {w, on_assigned, on_revoked};
        /* A replay's group is named after its range, so a rerun of the same replay resumes
         * where a crashed one committed, and another range starts fresh. */
        char group[512];
        int64_t from = 0, to = 0;
        if (mode == WORKER_MODE_REPLAY && !config_parse_time(cfg->from, &from) &&
            !config_parse_time(cfg->to, &to))
            snprintf(group, sizeof(group), "%s-replay-%" PRId64 "-%" PRId64, cfg->group, from, to);
        else
            snprintf(group, sizeof(group), "%s%s", cfg->group,
                     mode == WORKER_MODE_REPLAY ? "-replay" : "");
        if (!(w->kc = kafka_consumer_new(cfg, group, mode == WORKER_MODE_REPLAY, &ev, errstr,
                                         errstr_size)))
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
    buf_init(&s->group, 0);
    /* Sender threads' inserts can outlive a rebalance (and us): fence them, and tell a next
     * owner how long to wait: the last attempt starts within fence-window of our last proof of
     * ownership and ends within timeout; another fence-window covers the server finishing an
     * insert whose client is gone, and the clocks' rates. */
    if (w->mode != WORKER_MODE_FILE) {
        w->fence_ms = w->cfg->fence_window_ms;
        w->fence_wait_ms = 2 * w->cfg->fence_window_ms + w->cfg->timeout_ms;
    }
    sink_backoff_init(&s->backoff, 100, 10000,
                      (uint64_t)getpid() * 2654435761u + (uint64_t)wk_now_ms() +
                          (uint64_t)w->pool.n_snd * 7919u);
    return ERR_OK;
}

void worker_destroy(worker_t *w) {
    if (!w) return;
    if (w->fatal) atomic_store(&w->pool.abort, 1);
    double t0 = wk_mono_s();
    int had_kc = w->kc != NULL;
    if (w->kc) kafka_consumer_destroy(w->kc); /* revokes: on_revoked needs the parts and senders */
    w->kc = NULL;
    pool_drain(w);
    pool_stop(w);
    buf_deinit(&w->inline_snd.group);
    double t1 = wk_mono_s();
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
    if (had_kc) { /* where a stop's time goes after "stopped": leaving the group, DLQ flush */
        log_line_t l;
        log_begin(w->lg, &l, LOG_INFO, "closed");
        log_int(&l, "consumer_close_ms", (int64_t)((t1 - t0) * 1000));
        log_int(&l, "dlq_close_ms", (int64_t)((wk_mono_s() - t1) * 1000));
        log_end(&l);
    }
    for (int i = 0; i < w->n_parts; i++)
        part_free(w->parts[i]);
    jspan_dec_destroy(w->dec);
    if (w->evq_attached) otlp_evq_attach(NULL, w->otlp);
    otlp_dec_destroy(w->otlp);
    otlp_evq_destroy(w->evq);
    eval_dec_destroy(w->edec);
    outcome_dec_destroy(w->odec);
    price_destroy(w->prices);
    tenant_destroy(w->tenants);
    for (int i = 0; i < w->n_unpriced; i++) {
        free(w->unpriced[i].provider);
        free(w->unpriced[i].model);
        free(w->unpriced[i].labels);
    }
    free(w);
}

void worker_stats(const worker_t *w, worker_stats_t *st) { *st = w->st; }

/* Every assigned partition is at its end (or its replay stop) and has no open batch. */
static int all_at_end(worker_t *w) {
    int n = 0;
    for (int i = 0; i < w->n_parts; i++) {
        wpart_t *p = w->parts[i];
        if (p->dropped) return 0;
        if (!p->active) continue;
        n++;
        if (!p->eof || batch_part_has_open(&p->bp)) return 0;
    }
    return n > 0;
}

/* exit-at-eof's safety net: a partition whose position has reached the high watermark of its
 * last fetch is at its end even when librdkafka's end-of-partition event never came (a CI run
 * waited 115 s for one, once, on the mock cluster; logged as eof_by_position to see how often).
 * Before any record, librdkafka reports no position: the worker starts at the offset committed
 * at assignment (at the end after a drained run: no record ever comes), else, with none
 * committed, the partition counts only when it holds none (low = high watermark).
 * Consumer thread, every WORKER_LAG_EVERY_MS. */
static int eof_by_position(worker_t *w) {
    int rc = ERR_OK;
    for (int i = 0; i < w->n_parts && rc == ERR_OK; i++) {
        wpart_t *p = w->parts[i];
        if (!p->active || p->eof || p->stop_at >= 0) continue;
        int64_t lo, hwm, pos = kafka_position(w->kc, p->topic, p->partition);
        kafka_watermarks(w->kc, p->topic, p->partition, &lo, &hwm);
        if (pos < 0) pos = p->committed; /* no record handed to us yet: where we started */
        if (hwm < 0 || (pos >= 0 ? pos < hwm : lo != hwm)) continue;
        log_line_t l;
        log_begin(w->lg, &l, LOG_INFO, "eof_by_position");
        log_str(&l, "topic", p->topic);
        log_int(&l, "partition", p->partition);
        log_int(&l, "position", pos);
        log_end(&l);
        p->eof = 1;
        rc = wk_flush(w, p);
    }
    return rc;
}

static int drained(worker_t *w) {
    if (!w->any_assigned) return 0;
    int n = 0;
    for (int i = 0; i < w->n_parts; i++) {
        wpart_t *p = w->parts[i];
        if (p->dropped) return 0; /* the group has not said yet whether it comes back */
        if (!p->active) continue;
        n++;
        if (!p->eof || !batch_part_idle(&p->bp)) return 0;
    }
    return n > 0 && dlq_pending(w->dlq) == 0;
}

/* Replay: assigns every partition of the configured topics from --from and marks where each
 * stops (the offset of --to); a partition already past it is at its end. */
static int replay_assign(worker_t *w) {
    const config_t *cfg = w->cfg;
    int64_t from, to;
    if (config_parse_time(cfg->from, &from) || config_parse_time(cfg->to, &to) || to < from) {
        log_msg(w->lg, LOG_ERROR, "bad_replay_range",
                "--from/--to must be epoch ms or ISO-8601, from <= to");
        return ERR_CONFIG;
    }
    for (int t = 0; t < cfg->n_topics; t++) {
        static int64_t ends[WORKER_MAX_PARTS];
        char e[512];
        int np = kafka_assign_times(w->kc, cfg->topics[t].name, from, to, ends, WORKER_MAX_PARTS, e,
                                    sizeof(e));
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
    return ERR_OK;
}

/* One polled message: a record into its partition's batch, or an end of partition (Kafka's
 * event, or the replay's stop offset) that seals the open batch. */
static int consume_one(worker_t *w, rd_kafka_message_t *rkm, int64_t now) {
    const char *topic = rkm->rkt ? rd_kafka_topic_name(rkm->rkt) : "";
    wpart_t *p = rkm->rkt ? part_find(w, topic, rkm->partition) : NULL;
    if (rkm->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        if (!p || !p->active) return ERR_OK;
        p->eof = 1;
        return wk_flush(w, p);
    }
    if (rkm->err) {
        log_line_t l;
        log_begin(w->lg, &l, LOG_WARN, "kafka_error");
        log_str(&l, "error", rd_kafka_message_errstr(rkm));
        log_end(&l);
        return ERR_OK;
    }
    if (!p || !p->active) return ERR_OK;
    if (p->stop_at >= 0 && rkm->offset >= p->stop_at) {
        if (p->eof) return ERR_OK;
        p->eof = 1;
        int rc = wk_flush(w, p);
        kafka_pause(w->kc, p->topic, p->partition, 1, -1);
        return rc;
    }
    p->eof = 0;
    return wk_process(w, p, topic, rkm->offset, rkm->key, rkm->key_len, rkm->payload, rkm->len,
                      now);
}

/* Seals the open batches that are due: at a partition's end, by age, or when the rows held
 * pass max-inflight-bytes (partitions in order until the rows held are within it). */
static int cut_due(worker_t *w, int64_t now) {
    const config_t *cfg = w->cfg;
    int64_t total = 0;
    for (int i = 0; i < w->n_parts; i++)
        total += (int64_t)wbatch_held(&w->parts[i]->b);
    for (int i = 0; i < w->n_parts; i++) {
        wpart_t *p = w->parts[i];
        if (!p->active || !batch_part_has_open(&p->bp)) continue;
        int planned =
            p->bp.n_planned > 0 && p->bp.segs[p->bp.n_segs - 1].first >= p->bp.planned[0].first;
        if (planned && !p->eof) continue;
        /* The age cut is for latency on a quiet partition. A partition with a backlog has more
         * rows ready right now: cutting it by age would make many small inserts (one part each
         * on the server) exactly when throughput matters, so it waits for the row/byte cut,
         * its end, the byte budget, or 10x the age. */
        int64_t age = now - p->opened_ms, max_age = cfg->batch_max_age_ms;
        if (!p->eof && age >= max_age && age < 10 * max_age && total <= cfg->max_inflight_bytes &&
            w->kc && kafka_high_watermark(w->kc, p->topic, p->partition) > p->bp.next)
            continue;
        if (p->eof || age >= max_age || total > cfg->max_inflight_bytes) {
            total -= (int64_t)wbatch_held(&p->b);
            int rc = wk_flush(w, p);
            if (rc != ERR_OK) return rc;
        }
    }
    return ERR_OK;
}

/* exit-at-eof: once every partition is at its end, what is queued goes now, not after
 * insert-max-wait (and back to waiting if a partition gets more). */
static void drain_when_at_end(worker_t *w) {
    if (all_at_end(w) == w->pool.draining) return;
    pthread_mutex_lock(&w->pool.mu);
    w->pool.draining = !w->pool.draining;
    pthread_cond_broadcast(&w->pool.work);
    pthread_mutex_unlock(&w->pool.mu);
}

static void log_stopped(worker_t *w, int rc) {
    log_line_t l;
    log_begin(w->lg, &l, rc == ERR_OK ? LOG_INFO : LOG_ERROR, "stopped");
    log_str(&l, "result", err_name(rc));
    log_int(&l, "consumed", (int64_t)w->st.consumed);
    log_int(&l, "inserted", (int64_t)w->st.inserted);
    log_int(&l, "rejected", (int64_t)w->st.rejected);
    log_int(&l, "retries", (int64_t)w->st.retries);
    log_int(&l, "batches", (int64_t)w->st.batches);
    /* Where the run's time went: waiting for the group to assign partitions (a broker delays
     * a new group's first join by group.initial.rebalance.delay.ms, 3 s by default) and
     * consuming from the first record to the stop. */
    if (w->first_record_ms) {
        log_int(&l, "first_record_ms", w->first_record_ms - w->run_start_ms);
        log_int(&l, "consuming_ms", wk_mono_ms() - w->first_record_ms);
    }
    log_end(&l);
}

int worker_run(worker_t *w) {
    const config_t *cfg = w->cfg;
    int rc = ERR_OK;
    int exit_at_eof = cfg->exit_at_eof || w->mode == WORKER_MODE_REPLAY;
    double rate_t0 = wk_mono_s();
    w->run_start_ms = wk_mono_ms();
    if (w->mode == WORKER_MODE_REPLAY && (rc = replay_assign(w)) != ERR_OK) return rc;
    char e[256];
    if (!w->pool.running && pool_start(w, e, sizeof(e)) != ERR_OK) {
        log_msg(w->lg, LOG_ERROR, "sender_start_failed", e);
        return ERR_NOMEM;
    }
    if ((rc = schema_check(w)) != ERR_OK) return rc;
    publish_paused(w); /* 0 from the start: the gauge exists before any backpressure */
    if (w->m) metrics_set_ready(w->m, 1);
    static rd_kafka_message_t *msgs[WORKER_POLL_BATCH];
    while (!w->fatal) {
        if (w->hooks.stop && *w->hooks.stop) {
            log_msg(w->lg, LOG_INFO, "stop_requested",
                    "storing the open batches, then commit and leave the group");
            break;
        }
        if (w->hooks.reload && *w->hooks.reload) {
            *w->hooks.reload = 0;
            reload(w);
        }
        /* With batches out, do not sleep in the consumer: wait on their results instead. */
        int out = w->pool.running && pool_outstanding(w) > 0;
        size_t n = kafka_consume(w->kc, msgs, WORKER_POLL_BATCH, out ? 0 : 100);
        int64_t now = wk_now_ms();
        for (size_t i = 0; i < n; i++) { /* every message is destroyed, even after an error */
            if (rc == ERR_OK && !w->fatal) rc = consume_one(w, msgs[i], now);
            rd_kafka_message_destroy(msgs[i]);
        }
        if (rc != ERR_OK || w->fatal) break;
        if ((rc = wk_pool_reap(w, n == 0 && out ? 20 : 0)) != ERR_OK) break;
        dlq_poll(w->dlq);
        if ((rc = cut_due(w, now)) != ERR_OK) break;
        publish(w);
        if (now - w->lag_ms >= WORKER_LAG_EVERY_MS) {
            for (int i = 0; i < w->n_parts; i++)
                if (w->parts[i]->active) publish_lag(w, w->parts[i]);
            w->lag_ms = now;
            if (exit_at_eof && (rc = eof_by_position(w)) != ERR_OK) break;
        }
        if (cfg->rate > 0 && w->mode != WORKER_MODE_RUN) { /* replay and ingest-file: --rate */
            double ahead = (double)w->st.consumed / (double)cfg->rate - (wk_mono_s() - rate_t0);
            if (ahead > 0) wk_sleep_ms((int64_t)(ahead * 1000));
        }
        if (exit_at_eof && drained(w)) {
            log_msg(w->lg, LOG_INFO, "drained",
                    "every assigned partition is at its end and committed");
            break;
        }
        if (exit_at_eof) drain_when_at_end(w);
    }
    if (rc == ERR_OK && w->fatal) rc = w->fatal;
    if (rc == ERR_OK) rc = flush_all(w); /* graceful stop: store and commit what is held */
    rc = finish(w, rc);
    log_stopped(w, rc);
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
    double t0 = wk_mono_s();
    while (rc == ERR_OK && !w->fatal && (len = getline(&line, &cap, f)) >= 0) {
        if (w->hooks.stop && *w->hooks.stop) break;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        /* Line numbers (from 0) are the offsets: the cuts, and so the tokens, are the same
         * on every run of the same file (no age cuts here). */
        rc = wk_process(w, p, topic, off++, NULL, 0, line, (size_t)len, wk_now_ms());
        if (w->cfg->rate > 0) {
            double ahead = (double)off / (double)w->cfg->rate - (wk_mono_s() - t0);
            if (ahead > 0.001) wk_sleep_ms((int64_t)(ahead * 1000));
        }
        dlq_poll(w->dlq);
        if (rc == ERR_OK && !(off & 1023)) rc = wk_pool_reap(w, 0);
    }
    free(line);
    fclose(f);
    if (rc == ERR_OK) rc = wk_flush(w, p);
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
int worker_check_file(worker_t *w, const char *path, FILE *out, int json) {
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) {
        fprintf(out, "%s: %s\n", path, strerror(errno));
        return ERR_IO;
    }
    const char *topic = w->cfg->ingest_topic;
    wpart_t *p = part_get(w, topic, 0);
    if (!p) {
        if (f != stdin) fclose(f);
        return ERR_NOMEM;
    }
    batch_part_init(&p->bp, 0);
    p->active = 1;
    w->check_out = out;
    w->check_json = json;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int64_t off = 0;
    int rc = ERR_OK;
    while (rc == ERR_OK && (len = getline(&line, &cap, f)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        if (len == 0) { /* blank lines are not records here */
            off++;
            continue;
        }
        rc = wk_process(w, p, topic, off++, NULL, 0, line, (size_t)len, wk_now_ms());
    }
    free(line);
    if (f != stdin) fclose(f);
    /* With JSON lines on out, the summary goes to stderr: out stays one object per line. */
    fprintf(json ? stderr : out, "%" PRIu64 " span%s accepted, %" PRIu64 " record%s rejected\n",
            w->check_ok, w->check_ok == 1 ? "" : "s", w->check_bad, w->check_bad == 1 ? "" : "s");
    if (rc != ERR_OK) return rc;
    return w->check_bad ? ERR_INVAL : ERR_OK;
}
