/* worker_int.h: the worker's internal types and the functions its files share (not an API:
 * only ingest/worker*.c include it). The worker is four files along its seams:
 *   worker.c         the consumer thread: partitions and their lifecycle, Kafka events, dead
 *                    letters, the job pool's consumer side (submit, reap, acks, commits),
 *                    reload, the consume loop and ingest-file;
 *   worker_rows.c    the row store of one batch: RowBinary rows per table with each row's
 *                    offset and original Kafka bytes, marks and rollbacks;
 *   worker_send.c    the sender threads: one insert with retries and backoff, the look-up
 *                    before a re-send, bisection of refused batches;
 *   worker_decode.c  one Kafka record into rows, for every topic format, and its dead letter
 *                    when it is bad.
 * The offset bookkeeping (cuts, holds, commits) is batch.h's, pure and model-tested.
 * Ownership: a partition (wpart_t) and its open batch belong to the consumer thread; a sealed
 * batch moves into a job (wjob_t), read by one sender thread until its result comes back. */
#ifndef SPANHOUSE_WORKER_INT_H
#define SPANHOUSE_WORKER_INT_H

#include "worker.h"

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

#define WORKER_MAX_PARTS 1024
#define WORKER_MAX_UNPRICED 100 /* distinct provider/model label sets, then "_other" */
#define WORKER_POLL_BATCH 4096
#define WORKER_MAX_SENDERS 64
#define WORKER_LAG_EVERY_MS 5000
#define WORKER_SPLIT_AFTER 4   /* same-batch answers with an unknown code before it is split */
#define WORKER_ROW_SLACK 65536 /* fixed part of a row beyond its message's bytes, bounded */
#define WORKER_MAX_JOBS 4096   /* sealed batches out at once (queued or being inserted) */
#define WORKER_GROUP_MAX 1024  /* batches in one insert */
#define WORKER_GROUP_MAX_ROWS 1000000 /* rows of one table in one insert: one server block */

/* The tables a batch can write to. One Kafka record may yield rows for more than one of them
 * (an OTLP trace record: spans and their evaluation events); all rows of a batch share its
 * offset range, each table's insert carries the same dedup token (tokens are per table), and
 * the range is committed only when every table's insert is stored or dead-lettered. */
typedef enum { WT_SPAN = 0, WT_EVAL, WT_OUTCOME, WT_N } wtable_t;

extern const char *const wt_kind[WT_N]; /* "span", "eval", "outcome" */

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
    int active;   /* assigned and not lost */
    int dropped;  /* let go by us (a commit met a rebalance); the group's callback clears it */
    int revoking; /* being let go: waiting for its jobs (none is sent again) */
    int eof;      /* reached the end (or the replay stop offset) and nothing new since */
    int paused;
    config_fmt_t fmt; /* the topic's format */
    wtable_t kind;    /* the table its records belong to (what metrics count them as) */
    int64_t stop_at;  /* replay: first offset not to read; -1 = none */
    int64_t opened_ms;
    int64_t committed; /* last position committed by us, -1 none */
    uint64_t gen;      /* bumped on assign/revoke: results of an older generation are dropped */
    int n_jobs;        /* jobs of this partition not yet handled back */
    int64_t fenced_ms; /* monotonic ms of the last commit that proved the partition ours */
    int64_t restore_after_ms; /* monotonic ms before which announced ranges are not re-sent */
    int open_planned;         /* the open batch re-reads a range a previous owner announced */
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
    size_t bytes;      /* counted in the in-flight byte budget */
    int restored;      /* an announced range re-read: it may be stored already (see rows_stored) */
    size_t rows;       /* rows of every table (what the insert-min-rows threshold counts) */
    int64_t queued_ms; /* monotonic ms it was queued */
    int64_t fenced_ms; /* p->fenced_ms when queued: attempts start within fence-window of it */
    int64_t not_before_ms; /* a restored range: no look-up or re-send before (monotonic ms) */
    double first_try;      /* wk_mono_s() of its first attempt, 0 before: retry-max-ms counts
                              from it across re-announcements */
    uint8_t t_done[WT_N];  /* table stored (or its refused rows found): not sent again when
                              the job comes back from the fence */
    uint8_t t_maybe[WT_N]; /* given back by the fence after an attempt that may have stored it */
    uint8_t rej_done;      /* its rejected rows are stored (see wsend_rejected) */
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
    buf_t group; /* the RowBinary of a group of batches, one table at a time */
} wsender_t;

/* Bounded queue of jobs to the senders and of results back. */
typedef struct wpool_s {
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    wjob_t *todo, *todo_tail, *fin;
    int n_jobs;       /* submitted and not yet taken back by the consumer */
    size_t bytes;     /* RowBinary bytes of those jobs */
    size_t q_rows;    /* rows of the jobs queued and not yet taken by a sender */
    int urgent;       /* the consumer waits for results: queued jobs go now */
    int draining;     /* exit-at-eof and every partition at its end: queued jobs go now */
    int n_retrying;   /* senders sleeping between retries */
    int stopping;     /* senders exit when the queue is empty */
    atomic_int abort; /* fatal error: senders give up retrying, skip queued jobs */
    wsender_t snd[WORKER_MAX_SENDERS];
    int n_snd;
    int running;
    wjob_t *spare; /* recycled jobs (their buffers keep their capacity) */
    int n_spare;
    size_t spare_bytes; /* capacity of the spare jobs' buffers */
} wpool_t;

/* One provider/model label set of spanhouse_unpriced_*_total (strings owned). */
typedef struct wunpriced_s {
    char *provider, *model; /* as the spans carry them */
    char *labels;           /* escaped for /metrics */
    uint64_t spans, tokens, pub_spans, pub_tokens;
} wunpriced_t;

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
    otlp_dec_t *otlp;    /* OTLP trace records (topics NAME:otlp_proto / NAME:otlp_json) */
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
    wpart_t *last;         /* lookup cache: messages come in runs per partition */
    int fatal;             /* an unrecoverable error happened: stop without committing more */
    int64_t fence_ms;      /* fence-window when inserts can outlive us (HTTP senders), else 0 */
    int64_t fence_wait_ms; /* what a next owner must wait (announced in the metadata), or 0 */
    int64_t renew_next_ms; /* monotonic ms of the next look for queued jobs to re-prove */
    int any_assigned;
    sink_backoff_t backoff;
    wsender_t inline_snd; /* runs jobs on the consumer thread when there are no senders */
    wpool_t pool;
    worker_stats_t st;
    uint64_t consumed_k[WT_N], inserted_k[WT_N];     /* per kind, as st.consumed/inserted */
    uint64_t pub_consumed[WT_N], pub_inserted[WT_N]; /* already published to metrics */
    int crash_after, crash_count;                    /* test hook, see job_done() */
    FILE *check_out; /* CHECK mode: where accepted spans and rejects are reported; not owned */
    uint64_t check_ok, check_bad;
    int check_json;          /* CHECK mode: one JSON object per line (stored row or reason) */
    _Atomic int64_t stop_ms; /* when a stop was first seen (0 = not yet); any thread */
    int64_t lag_ms;          /* when the lag gauges were last set on the timer */
    int64_t run_start_ms, first_record_ms; /* monotonic; 0 = not yet (the stop's log line) */
    /* Spans no price matched, by provider and model, counted here on the hot path and published
     * with the other counters (publish()); capped: a producer sending endless model names must
     * not grow /metrics without bound (the last slot, "_other", takes the rest). */
    wunpriced_t unpriced[WORKER_MAX_UNPRICED + 1];
    int n_unpriced, last_unpriced;
};

/* A mark to take back what one record added (an OTLP record is all-or-nothing). */
typedef struct wmark_s {
    size_t rows_len[WT_N], orig_len[WT_N], n_rows[WT_N];
} wmark_t;

/* ---- worker_rows.c: the row store of a batch */
void wbatch_clear(wbatch_t *b);
void wbatch_deinit(wbatch_t *b);
/* Gives an empty batch its buffers (rows bounded by the partition budget). Idempotent. */
void wbatch_init(wbatch_t *b, size_t max_rows_bytes);
/* Bytes allocated by the batch's buffers (rows, originals, rejected rows). */
size_t wbatch_capacity(const wbatch_t *b);
/* Rows of every table. */
size_t wbatch_rows(const wbatch_t *b);
/* RowBinary bytes of every table. */
size_t wbatch_row_bytes(const wbatch_t *b);
/* Bytes held: rows and original messages. */
size_t wbatch_held(const wbatch_t *b);
void wbatch_mark(const wbatch_t *b, wmark_t *m);
void wbatch_rollback(wbatch_t *b, const wmark_t *m);
/* Records the row just encoded at the end of b->rows: its offset and its record's original
 * bytes (shared with the previous row of the same record). ERR_OK, ERR_NOMEM or ERR_BUF_CAP. */
int wrows_push(wrows_t *b, int64_t off, const void *key, size_t key_len, const void *payload,
               size_t len);
/* Records the offset of the rejected-table row just encoded into b->rej. */
int wbatch_push_rej(wbatch_t *b, int64_t off);

/* ---- worker.c: helpers every file uses */
int64_t wk_now_ms(void);
double wk_mono_s(void);
int64_t wk_mono_ms(void);
void wk_sleep_ms(int64_t ms);
/* True once a stop request has lasted WORKER_STOP_GRACE_MS (or a second one came). Any thread. */
int wk_stop_expired(worker_t *w);
/* Sleeps ms (a backoff step) in 100 ms slices, so a stop's grace is noticed when it ends and not
 * a whole step (up to 10 s) later: a soak stop took 27 s that way. Returns 1 once the grace has
 * ended (before or during the sleep), else 0. Any thread. */
int wk_sleep_unless_expired(worker_t *w, int64_t ms);
/* Pauses every assigned partition (ClickHouse unwell). Consumer thread. */
void wk_pause_all(worker_t *w);
/* Dead-letters one record of partition p (DLQ topic and/or the rejected table's rows of b). */
int wk_dead_letter(worker_t *w, wpart_t *p, wbatch_t *b, wtable_t k, dlq_letter_t *lt);
/* Logs one stored insert at debug level (event=inserted: table, rows, bytes, batches, ms). */
void wk_log_inserted(const worker_t *w, const char *table, size_t rows, size_t bytes, int batches,
                     double seconds);
/* Seals p's open batch and submits it. */
int wk_flush(worker_t *w, wpart_t *p);
/* Handles the results of finished jobs, waiting up to wait_ms for one. */
int wk_pool_reap(worker_t *w, int wait_ms);

/* ---- worker_send.c: the sender side (any thread; only the job, the sender's sink, cfg,
 * metrics and logs) */
/* A sender thread: takes groups of jobs from the pool until it stops. */
void *wsend_main(void *arg);
/* Whether the queued jobs should be sent now; else *wake_ms (monotonic) says when they will
 * be. Pool lock held. */
int wsend_group_due(worker_t *w, int64_t now_ms, int64_t *wake_ms);
/* Takes the next group of queued jobs (up to max) off the queue. Pool lock held. */
int wsend_group_take(worker_t *w, wjob_t **g, int max);
/* Inserts every table's rows of jobs g[0..n) as one insert per table (the consumer thread runs
 * it when there are no sender threads). Each job's rc and counts say how it went. */
void wsend_group_run(wsender_t *s, wjob_t **g, int n);
/* Stores the rejected rows of j's batch (its dead letters) in the rejected table under the
 * batch's token + "-rejected", retrying transient errors like an insert; sets j->rej_done.
 * Run by the sender after the batch's tables (wsend_group_run), else by the consumer thread
 * with w->inline_snd. The partition's holds on those offsets are the consumer's to release. */
int wsend_rejected(wsender_t *s, wjob_t *j);

/* ---- worker_decode.c: one record */
/* The format of a configured topic. */
config_fmt_t wk_topic_format(const worker_t *w, const char *topic);
/* Whether the worker has a decoder for format f (worker_new refuses a topic it cannot read). */
int wk_format_decodable(config_fmt_t f);
/* Decodes, validates, prices and encodes one record of p into its open batch (or dead-letters
 * it); may seal the batch. */
int wk_process(worker_t *w, wpart_t *p, const char *topic, int64_t off, const void *key,
               size_t key_len, const char *payload, size_t len, int64_t now);

#endif
