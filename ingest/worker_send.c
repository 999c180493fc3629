/* worker_send: the sender side of the worker (see worker_int.h). A sender thread takes a sealed
 * batch's job, inserts each table's rows with the token of their offset range and content,
 * retries what may succeed later with backoff (pausing the partitions meanwhile), asks the
 * table before re-sending what may be stored already, and bisects a batch the server refuses
 * down to the rows it refuses. It touches only the job, its own sink, cfg, metrics and logs. */
#include "worker.h"
#ifdef SPANHOUSE_HAVE_PIPELINE
#include "worker_int.h"
/* XXH3 (libxxhash) for the content part of dedup tokens: a stable, specified 64-bit hash at
 * memory speed (strhash.h is not stable across machines and must not be persisted). Inlined,
 * so the core library and the fuzzers need no extra link flag. */
#define XXH_INLINE_ALL
#include <xxhash.h>

/* ---- sender side (any thread): only the job, the sender's sink, cfg, metrics and logs */

static int rows_stored(wsender_t *s, wjob_t *j, wtable_t t, size_t lo, size_t hi, const char *why);

/* Inserts rows [lo, hi) of table t of the job with the token of their offset range, retrying
 * retryable errors with backoff until retry-max-ms. Returns ERR_OK, ERR_SERVER_REJECTED (res
 * filled), ERR_SERVER_FATAL, or a retry-class error when the time ran out. */
static int insert_rows(wsender_t *s, wjob_t *j, wtable_t t, size_t lo, size_t hi,
                       sink_result_t *res) {
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
    double t0 = wk_mono_s();
    int refused = 0; /* answers that name no transient cause: see below */
    for (;;) {
        double a = wk_mono_s();
        int rc = sink_insert(s->sink, tg->table, tg->columns, tg->structure, b->rows.data + b0,
                             b1 - b0, w->cfg->legacy ? NULL : token, res);
        if (w->m)
            metrics_histogram_observe(w->m, "spanhouse_insert_seconds", NULL, wk_mono_s() - a);
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
        double spent_ms = (wk_mono_s() - t0) * 1000;
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
        if (spent_ms >= (double)w->cfg->retry_max_ms || wk_stop_expired(w) ||
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
            wk_pause_all(w);
        }
        wk_sleep_ms(d < left ? d : left);
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
        if (rc == ERR_OK)
            j->inserted += hi - lo;
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
void wsend_job_run(wsender_t *s, wjob_t *j) {
    double t0 = wk_mono_s();
    j->rc = ERR_OK;
    for (int t = 0; t < WT_N && j->rc == ERR_OK; t++) {
        if (atomic_load(&s->w->pool.abort))
            j->rc = ERR_SERVER_FATAL;
        else if (j->b.t[t].n_rows && j->restored &&
                 rows_stored(s, j, (wtable_t)t, 0, j->b.t[t].n_rows, "restart")) {
            j->already += j->b.t[t].n_rows;
        } else if (j->b.t[t].n_rows) {
            uint64_t before = j->inserted;
            j->rc = insert_split(s, j, (wtable_t)t, 0, j->b.t[t].n_rows);
            j->inserted_k[t] = j->inserted - before;
        }
    }
    j->seconds = wk_mono_s() - t0;
}

void *wsend_main(void *arg) {
    wsender_t *s = arg;
    wpool_t *pl = &s->w->pool;
    pthread_mutex_lock(&pl->mu);
    for (;;) {
        while (!pl->todo && !pl->stopping)
            pthread_cond_wait(&pl->work, &pl->mu);
        wjob_t *j = pl->todo;
        if (!j) break; /* stopping and nothing left */
        pl->todo = j->next;
        if (!pl->todo) pl->todo_tail = NULL;
        pthread_mutex_unlock(&pl->mu);
        wsend_job_run(s, j);
        pthread_mutex_lock(&pl->mu);
        j->next = pl->fin;
        pl->fin = j;
        pthread_cond_broadcast(&pl->done);
    }
    pthread_mutex_unlock(&pl->mu);
    return NULL;
}

#endif /* SPANHOUSE_HAVE_PIPELINE */
