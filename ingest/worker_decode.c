/* worker_decode: one Kafka record into rows of its partition's open batch (see worker_int.h):
 * decode by the topic's format (flat JSON, OTLP traces and logs, evaluations, outcomes),
 * validate, price, attach the tenant, encode RowBinary; a bad record is dead-lettered with its
 * reason. Consumer thread only. */
#include "rowjson.h"
#include "worker.h"
#include "worker_int.h"

/* One Kafka record as every decoder sees it. */
typedef struct {
    const char *topic;
    int64_t off;
    const void *key;
    size_t key_len;
    const char *payload; /* NULL for a record without a value */
    size_t len;
    int64_t now; /* when it was read, ms since the epoch */
} wrec_t;

/* The record's bytes for a decoder ("" without a value). */
static const char *rec_bytes(const wrec_t *r) { return r->payload ? r->payload : ""; }
static size_t rec_len(const wrec_t *r) { return r->payload ? r->len : 0; }

/* Keeps the record beside the row just encoded into t (the bytes a refused row is
 * dead-lettered with), or returns the encoder's error. */
static int push_row(wrows_t *t, const wrec_t *r) {
    if (buf_error(&t->rows)) return buf_error(&t->rows);
    return wrows_push(t, r->off, r->key, r->key_len, r->payload, rec_len(r));
}

/* ---- one message */

/* Dead-letters the record at off of p, with its original bytes, as kind k: reason rc, field
 * (NULL = none), detail (NULL or "" = rc's own message). */
static int reject(worker_t *w, wpart_t *p, wtable_t k, int rc, const char *field,
                  const char *detail, const wrec_t *r) {
    int64_t off = r->off;
    if (w->check_out) { /* check-span: reported, not dead-lettered */
        w->check_bad++;
        const char *why = detail && *detail ? detail : err2str(rc);
        if (!w->check_json) {
            fprintf(w->check_out, "line %" PRId64 ": rejected: %s%s%s: %s\n", off + 1, err_name(rc),
                    field && *field ? " field " : "", field ? field : "", why);
            return ERR_OK;
        }
        buf_t b;
        buf_init(&b, 0);
        buf_printf(&b, "{\"line\":%" PRId64 ",\"reason\":\"%s\",\"field\":", off + 1, err_name(rc));
        buf_append_json_str(&b, field ? field : "", field ? strlen(field) : 0);
        buf_put(&b, ",\"detail\":", 10);
        buf_append_json_str(&b, why, strlen(why));
        buf_put(&b, "}\n", 2);
        int e = buf_error(&b);
        if (e == ERR_OK) fwrite(b.data, 1, b.len, w->check_out);
        buf_deinit(&b);
        return e;
    }
    dlq_letter_t lt = {.reason = err_name(rc),
                       .field = field ? field : "",
                       .detail = detail && *detail ? detail : err2str(rc),
                       .topic = r->topic,
                       .partition = p->partition,
                       .offset = off,
                       .key = r->key,
                       .key_len = r->key_len,
                       .payload = r->payload,
                       .len = r->len,
                       .payload_format = "original"};
    return wk_dead_letter(w, p, &p->b, k, &lt);
}

static int encode_span(worker_t *w, wpart_t *p, span_t *s, const wrec_t *r);
/* Flat JSON: one span per message; a rejected message is dead-lettered with its bytes. */
static int process_json(worker_t *w, wpart_t *p, const wrec_t *r) {
    int rc;
    jspan_errinfo_t ei;
    ei.field = NULL;
    ei.detail[0] = 0;
    const char *field = NULL;
    span_t *s = &w->span;
    rc = jspan_decode(w->dec, rec_bytes(r), rec_len(r), s, &ei);
    if (rc == ERR_OK)
        rc = validate_span(&w->vopts, s, r->now, &field);
    else
        field = ei.field;
    if (rc != ERR_OK) {
        return reject(w, p, WT_SPAN, rc, field, ei.detail, r);
    }
    return encode_span(w, p, s, r);
}

/* Appends v to b as a Prometheus label value (\\, \", \n escaped). */
static void put_label(buf_t *b, span_str_t v) {
    for (uint32_t i = 0; i < v.n; i++) {
        char c = v.p[i];
        if (c == '\\' || c == '"') buf_put(b, "\\", 1);
        if (c == '\n')
            buf_put(b, "\\n", 2);
        else
            buf_put(b, &c, 1);
    }
}

/* The label set of a provider/model, escaped; NULL on out of memory. */
static char *unpriced_labels(span_str_t provider, span_str_t model) {
    buf_t b;
    buf_init(&b, 1200);
    buf_put(&b, "provider=\"", 10);
    put_label(&b, provider);
    buf_put(&b, "\",model=\"", 9);
    put_label(&b, model);
    buf_put(&b, "\"", 2); /* with its NUL */
    if (buf_error(&b)) {
        buf_deinit(&b);
        return NULL;
    }
    return (char *)b.data; /* the buffer's bytes, handed over */
}

static int span_str_is(span_str_t s, const char *c) {
    return c && strlen(c) == s.n && !memcmp(s.p, c, s.n);
}

/* A span no price matched is stored at $0 (or at its producer's cost): count it, and its
 * tokens, by provider and model, so a model missing from the pricing file is a number on a
 * dashboard and an alert, not silent free spend. Runs per span: a compare with the last
 * provider/model seen, then a short scan; /metrics gets the sums in publish(). */
static void count_unpriced(worker_t *w, const span_t *s) {
    if (!w->m) return;
    wunpriced_t *u = &w->unpriced[w->last_unpriced];
    if (!(w->n_unpriced && span_str_is(s->provider, u->provider) &&
          span_str_is(s->model, u->model))) {
        int i = 0;
        while (i < w->n_unpriced && !(span_str_is(s->provider, w->unpriced[i].provider) &&
                                      span_str_is(s->model, w->unpriced[i].model)))
            i++;
        if (i == w->n_unpriced && i < WORKER_MAX_UNPRICED) {
            u = &w->unpriced[i];
            u->provider = strndup(s->provider.p ? s->provider.p : "", s->provider.n);
            u->model = strndup(s->model.p ? s->model.p : "", s->model.n);
            u->labels = unpriced_labels(s->provider, s->model);
            if (u->provider && u->model && u->labels)
                w->n_unpriced++;
            else {
                free(u->provider);
                free(u->model);
                free(u->labels);
                memset(u, 0, sizeof(*u));
                i = WORKER_MAX_UNPRICED;
            }
        } else if (i == w->n_unpriced) {
            i = WORKER_MAX_UNPRICED; /* full: "_other" */
        }
        w->last_unpriced = i;
        u = &w->unpriced[i];
    }
    u->spans++;
    u->tokens += (uint64_t)s->input_tokens + s->output_tokens;
}

/* check-span: one accepted span as it would be stored (price, its source and status, tenant). */
static int check_report(worker_t *w, const span_t *s, int64_t off) {
    w->check_ok++;
    buf_t b;
    buf_init(&b, 0);
    if (w->check_json) { /* the row as it would be stored */
        buf_printf(&b, "{\"line\":%" PRId64 ",\"row\":", off + 1);
        rowjson_encode_span(&b, s);
        buf_put(&b, "}\n", 2);
        goto out;
    }
    buf_printf(&b,
               "line %" PRId64 ": ok: %.*s/%.*s input %u (cache read %u, write %u) output %u "
               "(reasoning %u) cost_usd ",
               off + 1, (int)s->provider.n, s->provider.p, (int)s->model.n, s->model.p,
               s->input_tokens, s->cache_read_tokens, s->cache_write_tokens, s->output_tokens,
               s->reasoning_tokens);
    buf_append_nano(&b, s->cost_nusd);
    buf_printf(&b, " (%.*s; computed ", (int)s->cost_source.n, s->cost_source.p);
    buf_append_nano(&b, s->cost_computed_nusd);
    buf_printf(&b, ", pricing %.*s) tenant '%.*s' (%.*s) team '%.*s'\n", (int)s->pricing_status.n,
               s->pricing_status.p, (int)s->tenant_id.n, s->tenant_id.p, (int)s->tenant_status.n,
               s->tenant_status.p, (int)s->team_id.n, s->team_id.p);
out:;
    int rc = buf_error(&b);
    if (rc == ERR_OK) fwrite(b.data, 1, b.len, w->check_out);
    buf_deinit(&b);
    return rc;
}

/* Enriches one span and encodes it into partition p's open batch, with the original message
 * kept beside it (a row the server refuses is dead-lettered with those bytes). */
static int encode_span(worker_t *w, wpart_t *p, span_t *s, const wrec_t *r) {
    if (!price_apply(w->prices, s)) count_unpriced(w, s);
    tenant_apply(w->tenants, w->tpolicy, s);
    s->kafka_topic = span_str(r->topic, strlen(r->topic));
    s->kafka_partition = p->partition;
    s->kafka_offset = r->off;
    s->ingested_ms = r->now;
    if (w->check_out) return check_report(w, s, r->off); /* check-span: reported, not stored */
    wrows_t *t = &p->b.t[WT_SPAN];
    rowbin_encode_span(&t->rows, s);
    return push_row(t, r);
}

typedef struct otlp_ctx_s {
    worker_t *w;
    wpart_t *p;
    const wrec_t *r;
    int rc;            /* first encode error */
    int bad;           /* validation error of the first bad span */
    const char *field; /* its field */
    uint64_t index;    /* spans seen so far */
} otlp_ctx_t;

static int otlp_row_cb(void *ctx, span_t *s) {
    otlp_ctx_t *c = ctx;
    const char *field = NULL;
    c->index++;
    int rc = validate_span(&c->w->vopts, s, c->r->now, &field);
    if (rc != ERR_OK) {
        c->bad = rc;
        c->field = field;
        return 1; /* stop: the whole record goes to the DLQ */
    }
    if ((rc = encode_span(c->w, c->p, s, c->r)) != ERR_OK) {
        c->rc = rc;
        return 1;
    }
    return 0;
}

static int encode_evq(worker_t *w, wpart_t *p, const wrec_t *r, int all_or_nothing);

/* OTLP trace export request: many spans per message, all-or-nothing. The spans of one record
 * all carry its offset; if the record is malformed or any of its LLM spans fails validation,
 * the rows already encoded from it are taken back and the record is dead-lettered whole, with
 * its original bytes. A record without LLM spans stores nothing and is simply passed. */
static int process_otlp(worker_t *w, wpart_t *p, const wrec_t *r) {
    otlp_ctx_t c = {.w = w, .p = p, .r = r};
    otlp_stats_t st;
    memset(&st, 0, sizeof(st));
    char detail[256] = "";
    wmark_t mark;
    wbatch_mark(&p->b, &mark);
    if (w->evq_attached) {
        int brc = otlp_evq_begin(w->evq, rec_len(r), r->now);
        if (brc != ERR_OK) return brc;
    }
    int rc = p->fmt == CONFIG_FMT_OTLP_PROTO
                 ? otlp_proto_decode(w->otlp, (const uint8_t *)rec_bytes(r), rec_len(r),
                                     otlp_row_cb, &c, &st, detail, sizeof(detail))
                 : otlp_json_decode(w->otlp, rec_bytes(r), rec_len(r), otlp_row_cb, &c, &st, detail,
                                    sizeof(detail));
    if (c.rc != ERR_OK) return c.rc;
    if (w->m && st.spans_skipped_non_llm)
        metrics_counter_add(w->m, WM_NAME(OTLP_SKIPPED), NULL, st.spans_skipped_non_llm);
    if (rc == ERR_OK && !c.bad) {
        if (!w->evq_attached) return ERR_OK;
        otlp_evq_end(w->evq, &w->evst);
        /* Span events: the spans are stored whatever their evaluation events hold; a rejected
         * event sends a copy of the record to the DLQ (kind eval), see encode_evq(). */
        return encode_evq(w, p, r, 0);
    }
    wbatch_rollback(&p->b, &mark);
    if (c.bad) {
        rc = c.bad;
        snprintf(detail, sizeof(detail), "span %llu of the record: %s%s%s",
                 (unsigned long long)c.index, err2str(rc), c.field ? " in " : "",
                 c.field ? c.field : "");
    }
    return reject(w, p, WT_SPAN, rc, c.field, detail, r);
}

/* Encodes one valid eval into partition p's batch for llm_evals, with the record kept beside
 * it (shared by the rows of one record). */
static int encode_eval(wpart_t *p, eval_t *e, const wrec_t *r) {
    e->kafka_topic = span_str(r->topic, strlen(r->topic));
    e->kafka_partition = p->partition;
    e->kafka_offset = r->off;
    e->ingested_ms = r->now;
    wrows_t *t = &p->b.t[WT_EVAL];
    eval_encode(&t->rows, e);
    return push_row(t, r);
}

/* The evaluation rows w->evq holds for the record at off. all_or_nothing (logs topics): any
 * rejected entry or overflow dead-letters the whole record and stores none of its rows.
 * Otherwise (span events of a trace record, whose spans are already encoded): the valid rows
 * are stored and, if an entry was rejected, a copy of the record goes to the DLQ with that
 * entry's reason and a detail saying the rest was stored. */
static int encode_evq(worker_t *w, wpart_t *p, const wrec_t *r, int all_or_nothing) {
    size_t n = otlp_evq_count(w->evq), over = otlp_evq_overflow(w->evq), bad = n, n_bad = 0;
    for (size_t i = 0; i < n; i++)
        if (otlp_evq_get(w->evq, i)->rc != ERR_OK && n_bad++ == 0) bad = i;
    if (!(all_or_nothing && (n_bad || over))) {
        for (size_t i = 0; i < n; i++) {
            const otlp_eval_t *ev = otlp_evq_get(w->evq, i);
            if (ev->rc != ERR_OK) continue;
            eval_t e = ev->e;
            int rc = encode_eval(p, &e, r);
            if (rc != ERR_OK) return rc;
        }
    }
    if (!n_bad && !over) return ERR_OK;
    int code = n_bad ? otlp_evq_get(w->evq, bad)->rc : ERR_OVERSIZED;
    const char *field =
        n_bad && otlp_evq_get(w->evq, bad)->field ? otlp_evq_get(w->evq, bad)->field : "";
    char detail[256];
    if (n_bad)
        snprintf(detail, sizeof(detail),
                 "evaluation event #%zu of the record: %s (%zu of %zu rejected%s)%s", bad,
                 err2str(code), n_bad, n, over ? ", more over the per-record limit" : "",
                 all_or_nothing ? "; nothing of the record stored"
                                : "; its spans and valid evaluations stored");
    else
        snprintf(detail, sizeof(detail), "%zu evaluation events over the per-record limit%s", over,
                 all_or_nothing ? "; nothing of the record stored"
                                : "; its spans and first evaluations stored");
    return reject(w, p, WT_EVAL, code, field, detail, r);
}

/* OTLP logs export request (topics NAME:otlp_logs_proto / NAME:otlp_logs_json): its
 * gen_ai.evaluation.result log records become llm_evals rows, all or nothing per record; other
 * log records are counted and skipped (a record without evaluations stores nothing). */
static int process_otlp_logs(worker_t *w, wpart_t *p, const wrec_t *r) {
    char detail[256] = "";
    int rc = p->fmt == CONFIG_FMT_OTLP_LOGS_PROTO
                 ? otlp_logs_proto_decode(w->evq, (const uint8_t *)rec_bytes(r), rec_len(r), r->now,
                                          &w->evst, detail, sizeof(detail))
                 : otlp_logs_json_decode(w->evq, rec_bytes(r), rec_len(r), r->now, &w->evst, detail,
                                         sizeof(detail));
    if (rc == ERR_NOMEM) return rc;
    if (rc != ERR_OK) return reject(w, p, WT_EVAL, rc, NULL, detail, r);
    return encode_evq(w, p, r, 1);
}

/* Flat JSON quality evaluation (topics NAME:eval): one row of llm_evals per message. */
static int process_eval(worker_t *w, wpart_t *p, const wrec_t *r) {
    const char *field = NULL;
    eval_t *e = &w->eval;
    int rc = eval_decode(w->edec, rec_bytes(r), rec_len(r), e, &field);
    if (rc == ERR_OK) rc = eval_validate(&w->elim, e, r->now, &field);
    if (rc != ERR_OK) return reject(w, p, WT_EVAL, rc, field, NULL, r);
    return encode_eval(p, e, r);
}

/* Flat JSON business outcome (topics NAME:outcome): one row of llm_outcomes per message. */
static int process_outcome(worker_t *w, wpart_t *p, const wrec_t *r) {
    const char *field = NULL;
    outcome_t *o = &w->outcome;
    int rc = outcome_decode(w->odec, rec_bytes(r), rec_len(r), o, &field);
    if (rc == ERR_OK) rc = outcome_validate(&w->elim, o, r->now, &field);
    if (rc != ERR_OK) return reject(w, p, WT_OUTCOME, rc, field, NULL, r);
    o->kafka_topic = span_str(r->topic, strlen(r->topic));
    o->kafka_partition = p->partition;
    o->kafka_offset = r->off;
    o->ingested_ms = r->now;
    wrows_t *t = &p->b.t[WT_OUTCOME];
    outcome_encode(&t->rows, o);
    return push_row(t, r);
}

config_fmt_t wk_topic_format(const worker_t *w, const char *topic) {
    for (int t = 0; t < w->cfg->n_topics; t++)
        if (!strcmp(w->cfg->topics[t].name, topic)) return w->cfg->topics[t].format;
    return CONFIG_FMT_JSON;
}

/* One decoder per topic format (config.h's CONFIG_FORMATS), each taking a record into p's open
 * batch or dead-lettering it. A format without a row here is refused at start
 * (wk_format_decodable). */
typedef int (*wdecode_fn)(worker_t *w, wpart_t *p, const wrec_t *r);
/* clang-format off */
static const wdecode_fn decoders[CONFIG_FMT_N] = {
    [CONFIG_FMT_JSON]            = process_json,
    [CONFIG_FMT_OTLP_PROTO]      = process_otlp,
    [CONFIG_FMT_OTLP_JSON]       = process_otlp,
    [CONFIG_FMT_EVAL]            = process_eval,
    [CONFIG_FMT_OUTCOME]         = process_outcome,
    [CONFIG_FMT_OTLP_LOGS_PROTO] = process_otlp_logs,
    [CONFIG_FMT_OTLP_LOGS_JSON]  = process_otlp_logs,
};
/* clang-format on */

int wk_format_decodable(config_fmt_t f) { return (unsigned)f < CONFIG_FMT_N && decoders[f]; }

int wk_process(worker_t *w, wpart_t *p, const char *topic, int64_t off, const void *key,
               size_t key_len, const char *payload, size_t len, int64_t now) {
    const wrec_t rec = {.topic = topic,
                        .off = off,
                        .key = key,
                        .key_len = key_len,
                        .payload = payload,
                        .len = len,
                        .now = now};
    const wdecode_fn decode = decoders[p->fmt];
    int fl = batch_part_place(&p->bp, off);
    int rc;
    if ((fl & BATCH_SEAL_BEFORE) && (rc = wk_flush(w, p)) != ERR_OK) return rc;
    if (!p->active) return ERR_OK; /* the flush lost the partition */
    /* Room for the record in the partition budget: an open batch that might not take its rows
     * is sealed first (not inside an announced range: its cut is fixed), so partition-max-bytes
     * is a batch size, never a fatal error. */
    if (!(fl & BATCH_PLANNED) && batch_part_has_open(&p->bp) &&
        wbatch_row_bytes(&p->b) + 2 * (len + key_len) + WORKER_ROW_SLACK >
            (size_t)w->cfg->partition_max_bytes) {
        if ((rc = wk_flush(w, p)) != ERR_OK) return rc;
        if (!p->active) return ERR_OK;
    }
    batch_append_t ar = batch_part_append(&p->bp, off);
    if (ar == BATCH_REDELIVERY) return ERR_OK; /* a redelivery of something we have */
    while (ar == BATCH_FULL) { /* BATCH_MAX_SEGS batches of p pending: wait for one */
        if ((rc = wk_flush(w, p)) != ERR_OK) return rc;
        if (!p->active) return ERR_OK;
        if ((ar = batch_part_append(&p->bp, off)) != BATCH_FULL) break;
        if (p->n_jobs == 0) return ERR_INVAL; /* held by dead letters only: cannot happen */
        if ((rc = wk_pool_reap(w, -1)) != ERR_OK) return rc;
        if (!p->active) return ERR_OK;
        ar = batch_part_append(&p->bp, off);
    }
    if (ar != BATCH_APPENDED) return ar == BATCH_REDELIVERY ? ERR_OK : ERR_INVAL;
    if (fl & BATCH_PLANNED) p->open_planned = 1;
    if (!p->opened_ms) p->opened_ms = now;
    if (!w->first_record_ms) w->first_record_ms = wk_mono_ms();
    w->st.consumed++;
    w->consumed_k[p->kind]++;
    wmark_t mk;
    wbatch_mark(&p->b, &mk);
    if (!p->b.enc_min) p->b.enc_min = now;
    p->b.enc_max = now;
    rc = decode(w, p, &rec);
    if (rc == ERR_BUF_CAP) {
        /* The record's rows do not fit the budget even in a batch of their own (or in an
         * announced range cut under larger limits). Take them back; inside an announced range
         * the batch must stay what it was (its token), so the cap is lifted for this batch;
         * otherwise the record is dead-lettered as oversized. */
        wbatch_rollback(&p->b, &mk);
        if (fl & BATCH_PLANNED) {
            for (int t = 0; t < WT_N; t++)
                p->b.t[t].rows.max = SIZE_MAX / 2;
            rc = decode(w, p, &rec);
        } else {
            char d[160];
            snprintf(d, sizeof(d), "its rows do not fit partition-max-bytes (%" PRId64 ")",
                     w->cfg->partition_max_bytes);
            rc = reject(w, p, p->kind, ERR_OVERSIZED, NULL, d, &rec);
        }
    }
    if (rc != ERR_OK) return rc;
    if (fl & BATCH_SEAL_AFTER) return wk_flush(w, p);
    if (!(fl & BATCH_PLANNED) && ((int64_t)wbatch_rows(&p->b) >= w->cfg->batch_max_rows ||
                                  (int64_t)wbatch_row_bytes(&p->b) >= w->cfg->batch_max_bytes))
        return wk_flush(w, p);
    return ERR_OK;
}
