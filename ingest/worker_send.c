/* worker_send: the sender side of the worker (see worker_int.h). A sender thread takes a sealed
 * batch's job, inserts each table's rows with the token of their offset range and content,
 * retries what may succeed later with backoff (pausing the partitions meanwhile), asks the
 * table before re-sending what may be stored already, bisects a batch the server refuses
 * down to the rows it refuses, and then stores the batch's dead letters in the rejected table.
 * It touches only the job, its own sink, cfg, metrics and logs. */
#include "worker.h"
#include "worker_int.h"
/* XXH3 (libxxhash) for the content part of dedup tokens: a stable, specified 64-bit hash at
 * memory speed (strhash.h is not stable across machines and must not be persisted). Inlined,
 * so the core library and the fuzzers need no extra link flag. */
#define XXH_INLINE_ALL
#include <xxhash.h>

/* ---- sender side (any thread): only the jobs, the sender's sink, cfg, metrics and logs */

static int rows_stored(wsender_t *s, wjob_t *j, wtable_t t, size_t lo, size_t hi, const char *why);

/* One insert: rows [lo, hi) of table t of job g[0], or every row of table t of the jobs
 * g[0..n) (a group, n > 1), with its bytes and token. */
typedef struct wins_s {
    wjob_t **g;
    int n;
    wtable_t t;
    size_t lo, hi;
    const uint8_t *data;
    size_t len;
    char token[512];
    int fence; /* check the fence before each attempt (not inside a bisection, see below) */
    int maybe; /* out: an attempt failed in a way that may have stored it */
} wins_t;

/* The token of rows [lo, hi) of table t of job j: their source range and their original bytes,
 * so the same records re-sent get the same token and other records under the same coordinates
 * another one. */
static void rows_token(const wjob_t *j, wtable_t t, size_t lo, size_t hi, char *out, size_t n) {
    const wrows_t *b = &j->b.t[t];
    uint64_t content =
        XXH3_64bits(b->orig.data + b->orig_beg[lo], b->orig_end[hi - 1] - b->orig_beg[lo]);
    batch_token_rows(out, n, j->p->topic, j->p->partition, b->row_off, b->n_rows, lo, hi, content);
}

/* Whether everything the insert carries is stored already (asked after a failed attempt). */
static int ins_stored(wsender_t *s, const wins_t *in) {
    if (in->n == 1) return rows_stored(s, in->g[0], in->t, in->lo, in->hi, "retry") == 1;
    for (int i = 0; i < in->n; i++)
        if (in->g[i]->b.t[in->t].n_rows &&
            rows_stored(s, in->g[i], in->t, 0, in->g[i]->b.t[in->t].n_rows, "retry") != 1)
            return 0;
    return 1;
}

/* Sleeps the sender's next backoff step (at most left_ms) while ClickHouse is unwell, with the
 * consumer thread told so that it pauses fetching meanwhile. */
static void backoff_sleep(wsender_t *s, int64_t left_ms) {
    worker_t *w = s->w;
    int64_t d = (int64_t)sink_backoff_next(&s->backoff);
    if (s != &w->inline_snd) {
        pthread_mutex_lock(&w->pool.mu);
        w->pool.n_retrying++;
        pthread_cond_broadcast(&w->pool.done);
        pthread_mutex_unlock(&w->pool.mu);
    } else {
        wk_pause_all(w);
    }
    wk_sleep_unless_expired(w, d < left_ms ? d : left_ms); /* the caller checks the stop next */
    if (s != &w->inline_snd) {
        pthread_mutex_lock(&w->pool.mu);
        w->pool.n_retrying--;
        pthread_mutex_unlock(&w->pool.mu);
    } else {
        dlq_poll(w->dlq);
    }
}

/* Whether an attempt may no longer start: fencing is on and fence-window has passed since
 * fenced_ms, the last proof that the partition was ours (see insert_send). */
static int fence_passed(const worker_t *w, int64_t fenced_ms, int64_t now_ms) {
    return w->fence_ms && now_ms - fenced_ms > w->fence_ms;
}

/* Sends one insert, retrying retryable errors with backoff until retry-max-ms (counted from the
 * jobs' first attempt). With fencing on, an attempt starts only within fence-window of the
 * last commit that proved the partitions ours: past it the jobs go back to the consumer thread
 * to be announced again (ERR_FENCED), so no attempt of ours is in flight later than
 * fence-window + timeout after we last owned them (what a next owner waits for). Returns
 * ERR_OK, ERR_SERVER_REJECTED (res filled), ERR_SERVER_FATAL, ERR_FENCED, or a retry-class
 * error when the time ran out. */
static int insert_send(wsender_t *s, wins_t *in, sink_result_t *res) {
    worker_t *w = s->w;
    const wtarget_t *tg = &w->tgt[in->t];
    size_t rows = in->hi - in->lo;
    if (in->n > 1)
        for (int i = 0; i < in->n; i++)
            rows += in->g[i]->b.t[in->t].n_rows;
    int refused = 0; /* answers that name no transient cause: see below */
    for (;;) {
        double a = wk_mono_s(), t0 = a;
        int64_t fenced = INT64_MAX;
        for (int i = 0; i < in->n; i++) {
            if (!in->g[i]->first_try) in->g[i]->first_try = a;
            if (in->g[i]->first_try < t0) t0 = in->g[i]->first_try;
            if (in->g[i]->fenced_ms < fenced) fenced = in->g[i]->fenced_ms;
        }
        if (in->fence && fence_passed(w, fenced, (int64_t)(a * 1000))) return ERR_FENCED;
        int rc = sink_insert(s->sink, tg->table, tg->columns, tg->structure, in->data, in->len,
                             w->cfg->legacy ? NULL : in->token, res);
        if (w->m) metrics_histogram_observe(w->m, WM_NAME(INSERT_SECONDS), NULL, wk_mono_s() - a);
        if (rc == ERR_OK) {
            sink_backoff_reset(&s->backoff);
            if (w->m) metrics_histogram_observe(w->m, WM_NAME(INSERT_ROWS), NULL, (double)rows);
            wk_log_inserted(w, tg->table, rows, in->len, in->n, wk_mono_s() - a);
            return ERR_OK;
        }
        /* Only what ERR_MAP classes as transient is tried again: a refused row (split and
         * dead-lettered by the caller) or a fatal answer (auth, schema, a bad request) is not. */
        if (err_class(rc) != ERR_CLASS_RETRY) return rc;
        /* The server answers, again and again for this batch, with a code we do not know or a
         * memory limit: what it cannot take may be the batch itself (its size, or one row).
         * After WORKER_SPLIT_AFTER such answers the batch is split like a data error (each
         * half with its own token); a single row is dead-lettered only when rows of the same
         * job were stored meanwhile (the server works, it refuses this row), else it is
         * retried like any transient error. A memory limit never dead-letters a row. */
        int unknown = res->ch_code && !sink_code_name(res->ch_code);
        if (res->http_status >= 500 && (unknown || res->ch_code == 241) &&
            ++refused >= WORKER_SPLIT_AFTER &&
            (in->n > 1 || in->hi - in->lo > 1 || (unknown && in->g[0]->inserted > 0)))
            return ERR_SERVER_REJECTED;
        double spent_ms = (wk_mono_s() - t0) * 1000;
        log_line_t l;
        log_begin(w->lg, &l, LOG_WARN, "insert_retry");
        log_str(&l, "table", tg->table);
        log_str(&l, "token", in->token);
        log_int(&l, "batches", in->n);
        log_str(&l, "error", err_name(rc));
        log_int(&l, "ch_code", res->ch_code);
        log_int(&l, "http_status", res->http_status);
        log_str(&l, "msg", res->msg);
        log_int(&l, "spent_ms", (int64_t)spent_ms);
        log_end(&l);
        if (spent_ms >= (double)w->cfg->retry_max_ms || wk_stop_expired(w) ||
            atomic_load(&w->pool.abort))
            return rc;
        in->g[0]->retries++;
        if (w->m) metrics_counter_add(w->m, WM_NAME(RETRIES), NULL, 1);
        backoff_sleep(s, w->cfg->retry_max_ms - (int64_t)spent_ms);
        /* The failed attempt may have been stored (a lost answer, a timeout, an error after
         * the write): ask before sending it again. */
        int maybe = rc == ERR_TIMEOUT || rc == ERR_NETWORK ||
                    (res->http_status >= 500 && res->http_status != 503);
        in->maybe |= maybe;
        if (maybe && ins_stored(s, in)) {
            memset(res, 0, sizeof(*res));
            sink_backoff_reset(&s->backoff);
            return ERR_OK;
        }
    }
}

/* Inserts rows [lo, hi) of table t of the job with the token of their offset range. The fence
 * is checked for a whole table's rows only: a job given back there starts over cleanly (the
 * table not done, looked up first if an attempt may have stored it). A bisection runs to its
 * end once started, since the halves already stored or refused are not a state a job can be
 * given back in; the server has answered definitively by then, and each sub-insert still ends
 * within timeout (what is left unfenced is a bisection whose sub-inserts keep failing
 * transiently: see docs/design.md). */
static int insert_rows(wsender_t *s, wjob_t *j, wtable_t t, size_t lo, size_t hi,
                       sink_result_t *res) {
    wrows_t *b = &j->b.t[t];
    size_t b0 = lo ? b->row_end[lo - 1] : 0, b1 = b->row_end[hi - 1];
    wins_t in = {.g = &j,
                 .n = 1,
                 .t = t,
                 .lo = lo,
                 .hi = hi,
                 .data = b->rows.data + b0,
                 .len = b1 - b0,
                 .fence = lo == 0 && hi == b->n_rows};
    rows_token(j, t, lo, hi, in.token, sizeof(in.token));
    int rc = insert_send(s, &in, res);
    if (rc == ERR_FENCED && in.maybe) j->t_maybe[t] = 1;
    return rc;
}

/* Bisects [lo, hi) until the rows the server refuses are isolated; records those in j->bad
 * (each sub-range carries the token of its own offset range, so a retry is deterministic). */
static int insert_split(wsender_t *s, wjob_t *j, wtable_t t, size_t lo, size_t hi) {
    worker_t *w = s->w;
    sink_result_t res;
    int rc = insert_rows(s, j, t, lo, hi, &res);
    if (rc != ERR_SERVER_REJECTED) {
        if (rc == ERR_OK)
            j->inserted += hi - lo;
        else if (rc != ERR_FENCED) { /* fenced: announced again and re-queued, not a failure */
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
 * Returns 1 (exactly those rows), 0 (any other count: none, part of a bisected batch: "send,
 * with the token") or -1 when the server could not be asked. A retry may take -1 for "send":
 * it re-sends under the token of the attempt that may have been stored. A restored range may
 * not: it may have been stored under a previous owner's group token, which its own token
 * cannot match (see stored_answer). Runs on the sender's own connection; one query per
 * re-read range or retry. */
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
    int stored = -1;
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

/* Waits until a restored range may be looked up and re-sent: a previous owner that announced
 * it (with "sh2" metadata) may have an insert of it in flight until then, under a group token
 * our re-send would not share. Returns 0, or -1 when the worker stops meanwhile. */
static int restore_wait(wsender_t *s, wjob_t *j) {
    worker_t *w = s->w;
    int64_t left = j->not_before_ms - wk_mono_ms();
    if (left <= 0) return 0;
    log_line_t l;
    log_begin(w->lg, &l, LOG_INFO, "restore_wait");
    log_str(&l, "topic", j->p->topic);
    log_int(&l, "partition", j->p->partition);
    log_int(&l, "first", j->r.first);
    log_int(&l, "last", j->r.last);
    log_int(&l, "wait_ms", left);
    log_end(&l);
    while ((left = j->not_before_ms - wk_mono_ms()) > 0) {
        if (wk_stop_expired(w) || atomic_load(&w->pool.abort)) return -1;
        wk_sleep_ms(left < 200 ? left : 200);
    }
    return 0;
}

/* Whether table t of job j is stored, asked until the server answers: a range that may be stored
 * under a group token (a previous owner's, or our own attempt the fence gave back) must not be
 * sent under its own token on a "cannot tell". Backs off like an insert and gives up as one
 * would (retry-max-ms, a stop, an abort): j->rc is then the asking's error, nothing is sent
 * and nothing committed. Returns 1 stored, 0 not stored, -1 given up. */
static int stored_answer(wsender_t *s, wjob_t *j, wtable_t t, const char *why) {
    worker_t *w = s->w;
    double t0 = wk_mono_s();
    for (;;) {
        int r = rows_stored(s, j, t, 0, j->b.t[t].n_rows, why);
        if (r >= 0) {
            sink_backoff_reset(&s->backoff);
            return r;
        }
        int64_t spent_ms = (int64_t)((wk_mono_s() - t0) * 1000);
        if (spent_ms >= w->cfg->retry_max_ms || wk_stop_expired(w) || atomic_load(&w->pool.abort)) {
            j->rc = ERR_SERVER_RETRY;
            return -1;
        }
        j->retries++;
        backoff_sleep(s, w->cfg->retry_max_ms - spent_ms);
    }
}

/* Table t of one job alone: the look-up of a restored range, then the insert (bisected if the
 * server refuses it). */
static void job_table_run(wsender_t *s, wjob_t *j, wtable_t t) {
    size_t n = j->b.t[t].n_rows;
    /* A restored range, or one given back by the fence after an attempt that may have stored
     * it (its wait is over by now): ask first. Asked once: if it comes back again, nothing of
     * it can be in flight any more. */
    int maybe = j->t_maybe[t];
    j->t_maybe[t] = 0;
    int stored = j->restored || maybe ? stored_answer(s, j, t, maybe ? "retry" : "restart") : 0;
    if (stored < 0) {
        j->t_maybe[t] = maybe; /* still to be asked, should the job come back */
        return;
    }
    if (stored) {
        if (maybe) {
            j->inserted += n;
            j->inserted_k[t] += n;
        } else {
            j->already += n;
        }
        j->t_done[t] = 1;
        return;
    }
    uint64_t before = j->inserted;
    j->rc = insert_split(s, j, t, 0, n);
    j->inserted_k[t] += j->inserted - before;
    if (j->rc == ERR_OK) j->t_done[t] = 1;
}

/* Table t of the jobs m[0..k) (k > 1) as one insert: their rows one after the other, under a
 * token naming every member's own token (so a retry of the same group is dropped by the
 * server if an earlier attempt was stored). A refusal of the group is a definite answer
 * (nothing stored): each member is then inserted alone with its own token and bisected. */
static void group_table_run(wsender_t *s, wjob_t **m, int k, wtable_t t) {
    buf_t *gb = &s->group;
    buf_reset(gb);
    XXH3_state_t st;
    XXH3_64bits_reset(&st);
    for (int i = 0; i < k; i++) {
        const wrows_t *b = &m[i]->b.t[t];
        char tok[512];
        rows_token(m[i], t, 0, b->n_rows, tok, sizeof(tok));
        XXH3_64bits_update(&st, tok, strlen(tok) + 1);
        buf_append(gb, b->rows.data, b->row_end[b->n_rows - 1]);
    }
    if (gb->err) {
        for (int i = 0; i < k; i++)
            m[i]->rc = ERR_NOMEM;
        return;
    }
    wins_t in = {.g = m, .n = k, .t = t, .data = gb->data, .len = gb->len, .fence = 1};
    snprintf(in.token, sizeof(in.token), "group-%d-x%016llx", k,
             (unsigned long long)XXH3_64bits_digest(&st));
    sink_result_t res;
    int rc = insert_send(s, &in, &res);
    if (rc == ERR_SERVER_REJECTED) {
        log_line_t l;
        log_begin(s->w->lg, &l, LOG_WARN, "group_refused_inserting_alone");
        log_str(&l, "table", s->w->tgt[t].table);
        log_int(&l, "batches", k);
        log_int(&l, "ch_code", res.ch_code);
        log_end(&l);
        for (int i = 0; i < k; i++)
            job_table_run(s, m[i], t);
        return;
    }
    for (int i = 0; i < k; i++) {
        m[i]->rc = rc;
        if (rc == ERR_FENCED && in.maybe) m[i]->t_maybe[t] = 1;
        if (rc != ERR_OK) continue;
        m[i]->inserted += m[i]->b.t[t].n_rows;
        m[i]->inserted_k[t] += m[i]->b.t[t].n_rows;
        m[i]->t_done[t] = 1;
    }
    if (rc != ERR_OK && rc != ERR_FENCED) {
        log_line_t l;
        log_begin(s->w->lg, &l, LOG_ERROR, "insert_failed");
        log_str(&l, "table", s->w->tgt[t].table);
        log_int(&l, "batches", k);
        log_str(&l, "token", in.token);
        log_str(&l, "error", err_name(rc));
        log_int(&l, "ch_code", res.ch_code);
        log_str(&l, "msg", res.msg);
        log_end(&l);
    }
}

int wsend_rejected(wsender_t *s, wjob_t *j) {
    worker_t *w = s->w;
    wbatch_t *b = &j->b;
    if (!b->n_rej || j->rej_done) {
        j->rej_done = 1;
        return ERR_OK;
    }
    char token[512];
    /* Content: the rejected records and every stored row's record of the range, so identical
     * poison at the same offsets of other data (a second file) is not taken for a re-send. */
    uint64_t content = b->rej_hash;
    for (int t = 0; t < WT_N; t++)
        content = XXH3_64bits_withSeed(b->t[t].orig.data, b->t[t].orig.len, content);
    int n = batch_token(token, sizeof(token), j->p->topic, j->p->partition, j->r, content);
    snprintf(token + n, sizeof(token) - (size_t)n, "-rejected");
    double t0 = wk_mono_s();
    for (;;) {
        sink_result_t res;
        double a = wk_mono_s();
        int rc = sink_insert(s->sink, w->rejected, dlq_rejected_columns(),
                             dlq_rejected_structure((int)w->cfg->legacy), b->rej.data, b->rej.len,
                             w->cfg->legacy ? NULL : token, &res);
        if (rc == ERR_OK) {
            /* Back to short waits: without this one failure per batch over a long run grew the
             * wait to its 10 s cap for good (seen holding a SIGTERM for its whole grace). */
            sink_backoff_reset(&s->backoff);
            wk_log_inserted(w, w->rejected, b->n_rej, b->rej.len, 1, wk_mono_s() - a);
            j->rej_done = 1;
            return ERR_OK;
        }
        log_line_t l;
        int transient = err_class(rc) == ERR_CLASS_RETRY;
        log_begin(w->lg, &l, transient ? LOG_WARN : LOG_ERROR, "rejected_insert_failed");
        log_str(&l, "error", err_name(rc));
        log_str(&l, "msg", res.msg);
        log_end(&l);
        if (!transient) return ERR_SERVER_FATAL; /* the dead-letter table cannot take them */
        int64_t spent_ms = (int64_t)((wk_mono_s() - t0) * 1000);
        if (spent_ms >= w->cfg->retry_max_ms || wk_stop_expired(w) || atomic_load(&w->pool.abort))
            return rc;
        j->retries++;
        backoff_sleep(s, w->cfg->retry_max_ms - spent_ms);
        if (wk_stop_expired(w)) return rc;
    }
}

void wsend_group_run(wsender_t *s, wjob_t **g, int n) {
    double t0 = wk_mono_s();
    for (int i = 0; i < n; i++)
        g[i]->rc = ERR_OK;
    if (n == 1 && g[0]->restored && restore_wait(s, g[0]) != 0) g[0]->rc = ERR_SERVER_FATAL;
    for (int t = 0; t < WT_N; t++) {
        wjob_t *m[WORKER_GROUP_MAX];
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (g[i]->rc != ERR_OK || !g[i]->b.t[t].n_rows || g[i]->t_done[t]) continue;
            if (atomic_load(&s->w->pool.abort))
                g[i]->rc = ERR_SERVER_FATAL;
            else
                m[k++] = g[i];
        }
        if (k == 1)
            job_table_run(s, m[0], (wtable_t)t);
        else if (k > 1)
            group_table_run(s, m, k, (wtable_t)t);
    }
    /* Each stored batch's dead-lettered rows, here rather than on the consumer thread (which
     * would wait for them): not when the server refused rows of it (the consumer adds those
     * first) or the fence ran out meanwhile (the consumer knows whether it is still ours). */
    for (int i = 0; i < n; i++) {
        wjob_t *j = g[i];
        if (j->rc != ERR_OK || j->n_bad || j->rej_done || atomic_load(&s->w->pool.abort)) continue;
        if (fence_passed(s->w, j->fenced_ms, wk_mono_ms())) continue;
        j->rc = wsend_rejected(s, j);
    }
    double secs = wk_mono_s() - t0;
    for (int i = 0; i < n; i++)
        g[i]->seconds = secs;
}

int wsend_group_due(worker_t *w, int64_t now_ms, int64_t *wake_ms) {
    wpool_t *pl = &w->pool;
    if (!pl->todo) return 0;
    if (pl->stopping || pl->urgent || pl->draining || atomic_load(&pl->abort) || pl->todo->restored)
        return 1;
    if ((int64_t)pl->q_rows >= w->cfg->insert_min_rows) return 1;
    int64_t due = pl->todo->queued_ms + w->cfg->insert_max_wait_ms;
    if (now_ms >= due) return 1;
    *wake_ms = due;
    return 0;
}

int wsend_group_take(worker_t *w, wjob_t **g, int max) {
    wpool_t *pl = &w->pool;
    /* A group's RowBinary is copied into the sender's buffer: bounded so the senders' copies
     * together stay within half the in-flight budget. */
    size_t max_bytes =
        (size_t)w->cfg->max_inflight_bytes / (2 * (size_t)(pl->n_snd ? pl->n_snd : 1));
    size_t rows[WT_N] = {0}, bytes = 0;
    int n = 0;
    if (max > w->cfg->insert_max_batches) max = (int)w->cfg->insert_max_batches;
    while (pl->todo && n < max) {
        wjob_t *j = pl->todo;
        if (n && j->restored) break; /* a restored range goes alone, after its wait */
        if (n) {
            int fits = bytes + wbatch_row_bytes(&j->b) <= max_bytes;
            for (int t = 0; t < WT_N; t++)
                fits &= rows[t] + j->b.t[t].n_rows <= WORKER_GROUP_MAX_ROWS;
            if (!fits) break;
        }
        for (int t = 0; t < WT_N; t++)
            rows[t] += j->b.t[t].n_rows;
        bytes += wbatch_row_bytes(&j->b);
        pl->todo = j->next;
        pl->q_rows -= j->rows;
        g[n++] = j;
        if (j->restored) break;
        /* Big enough: the rest is for the next sender, so inserts overlap instead of one
         * sender taking the whole queue while the other waits. */
        size_t got = 0;
        for (int t = 0; t < WT_N; t++)
            got += rows[t];
        if ((int64_t)got >= w->cfg->insert_min_rows) break;
    }
    if (!pl->todo) pl->todo_tail = NULL;
    return n;
}

void *wsend_main(void *arg) {
    wsender_t *s = arg;
    worker_t *w = s->w;
    wpool_t *pl = &w->pool;
    wjob_t *g[WORKER_GROUP_MAX];
    pthread_mutex_lock(&pl->mu);
    for (;;) {
        int64_t wake = 0;
        if (!pl->todo && pl->stopping) break;
        if (!wsend_group_due(w, wk_mono_ms(), &wake)) {
            if (!pl->todo) {
                pthread_cond_wait(&pl->work, &pl->mu);
            } else {
                /* Not due yet: sleep until the oldest batch has waited long enough, or until
                 * more rows, a waiting consumer or a stop wake us. */
                int64_t ms = wake - wk_mono_ms();
                if (ms < 1) ms = 1;
                struct timespec dl;
                clock_gettime(CLOCK_REALTIME, &dl);
                dl.tv_sec += ms / 1000;
                dl.tv_nsec += (ms % 1000) * 1000000L;
                if (dl.tv_nsec >= 1000000000L) {
                    dl.tv_sec++;
                    dl.tv_nsec -= 1000000000L;
                }
                pthread_cond_timedwait(&pl->work, &pl->mu, &dl);
            }
            continue;
        }
        int n = wsend_group_take(w, g, WORKER_GROUP_MAX);
        pthread_mutex_unlock(&pl->mu);
        wsend_group_run(s, g, n);
        pthread_mutex_lock(&pl->mu);
        for (int i = 0; i < n; i++) {
            g[i]->next = pl->fin;
            pl->fin = g[i];
        }
        pthread_cond_broadcast(&pl->done);
    }
    pthread_mutex_unlock(&pl->mu);
    return NULL;
}
