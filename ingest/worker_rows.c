/* worker_rows: the row store of one batch (see worker_int.h): per table, RowBinary rows with
 * each row's offset and its record's original Kafka bytes (for a dead letter of a row the
 * server refuses), plus the rejected table's rows; marks and rollbacks undo one record. */
#include "worker.h"
#include "worker_int.h"

/* ---- batches */

void wbatch_clear(wbatch_t *b) {
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

void wbatch_deinit(wbatch_t *b) {
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
void wbatch_init(wbatch_t *b, size_t max_rows_bytes) {
    for (int t = 0; t < WT_N; t++) {
        if (!b->t[t].rows.max) buf_init(&b->t[t].rows, max_rows_bytes);
        if (!b->t[t].orig.max) buf_init(&b->t[t].orig, 0);
    }
    if (!b->rej.max) buf_init(&b->rej, 0);
}

/* Bytes allocated by the batch's buffers (rows, originals, rejected rows). */
size_t wbatch_capacity(const wbatch_t *b) {
    size_t n = b->rej.cap;
    for (int t = 0; t < WT_N; t++)
        n += b->t[t].rows.cap + b->t[t].orig.cap;
    return n;
}

/* Rows of every table. */
size_t wbatch_rows(const wbatch_t *b) {
    size_t n = 0;
    for (int t = 0; t < WT_N; t++)
        n += b->t[t].n_rows;
    return n;
}

/* RowBinary bytes of every table. */
size_t wbatch_row_bytes(const wbatch_t *b) {
    size_t n = 0;
    for (int t = 0; t < WT_N; t++)
        n += b->t[t].rows.len;
    return n;
}

/* Bytes held: rows and original messages. */
size_t wbatch_held(const wbatch_t *b) {
    size_t n = b->rej.len;
    for (int t = 0; t < WT_N; t++)
        n += b->t[t].rows.len + b->t[t].orig.len;
    return n;
}

void wbatch_mark(const wbatch_t *b, wmark_t *m) {
    for (int t = 0; t < WT_N; t++) {
        m->rows_len[t] = b->t[t].rows.len;
        m->orig_len[t] = b->t[t].orig.len;
        m->n_rows[t] = b->t[t].n_rows;
    }
}

void wbatch_rollback(wbatch_t *b, const wmark_t *m) {
    for (int t = 0; t < WT_N; t++) {
        buf_restore(&b->t[t].rows, m->rows_len[t]);
        buf_restore(&b->t[t].orig, m->orig_len[t]);
        b->t[t].n_rows = m->n_rows[t];
    }
}

int wrows_push(wrows_t *b, int64_t off, const void *key, size_t key_len, const void *payload,
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

int wbatch_push_rej(wbatch_t *b, int64_t off) {
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
