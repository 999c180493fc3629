/* batch: per-partition batch cuts, pending work and the committable prefix.
 *
 * The metadata parser is a few lines of strtoll: the format is ours ("sh1:a-b,c-d", or
 * "sh2:<wait_ms>:a-b,c-d" when a next owner must wait before re-sending) and a
 * library would add nothing. Everything here is deterministic given the same offsets and
 * the same restored cuts, which is what gives a re-sent range the same dedup token. */
#include "batch.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void batch_part_init(batch_part_t *p, int64_t start) {
    memset(p, 0, sizeof(*p));
    p->next = start;
    p->committed = start;
}

int batch_part_restore(batch_part_t *p, int64_t committed, const char *meta, size_t meta_len) {
    p->n_planned = 0;
    p->planned_wait_ms = 0;
    if (!meta || meta_len < 4 || (memcmp(meta, "sh1:", 4) && memcmp(meta, "sh2:", 4))) return -1;
    char tmp[BATCH_META_MAX + 1];
    if (meta_len > BATCH_META_MAX) return -1;
    memcpy(tmp, meta, meta_len);
    tmp[meta_len] = 0;
    const char *s = tmp + 4;
    int64_t wait = 0;
    if (tmp[2] == '2') {
        char *end;
        long long v = strtoll(s, &end, 10);
        if (end == s || *end != ':' || v < 0 || v > 86400000) return -1;
        wait = v;
        s = end + 1;
    }
    int64_t prev_last = -1;
    batch_range_t got[BATCH_MAX_PLANNED];
    int n = 0;
    while (*s) {
        char *end;
        long long a = strtoll(s, &end, 10);
        if (end == s || *end != '-') return -1;
        s = end + 1;
        long long b = strtoll(s, &end, 10);
        if (end == s || (*end && *end != ',')) return -1;
        s = *end ? end + 1 : end;
        if (a < 0 || b < a || a <= prev_last) return -1;
        prev_last = b;
        if (b < committed) continue; /* already committed past it */
        if (n == BATCH_MAX_PLANNED) return -1;
        got[n].first = a < committed ? committed : a;
        got[n].last = b;
        n++;
    }
    memcpy(p->planned, got, sizeof(got[0]) * (size_t)n);
    p->n_planned = n;
    p->planned_wait_ms = n ? wait : 0;
    return n;
}

static batch_seg_t *open_seg(batch_part_t *p) {
    if (p->n_segs && !p->segs[p->n_segs - 1].sealed) return &p->segs[p->n_segs - 1];
    return NULL;
}

int batch_part_place(batch_part_t *p, int64_t offset) {
    int fl = 0;
    /* Drop planned ranges the stream has passed (their offsets are gone, e.g. retention). */
    batch_seg_t *o = open_seg(p);
    while (p->n_planned && offset > p->planned[0].last) {
        /* The open batch was the planned one: it must end where the plan said. */
        if (o && o->first >= p->planned[0].first && o->first <= p->planned[0].last)
            fl |= BATCH_SEAL_BEFORE;
        memmove(p->planned, p->planned + 1, sizeof(p->planned[0]) * (size_t)(p->n_planned - 1));
        p->n_planned--;
    }
    if (p->n_planned) {
        batch_range_t pl = p->planned[0];
        if (offset >= pl.first) {
            /* Joining a planned range: an open batch that started before it must end first. */
            if (o && o->first < pl.first && !(fl & BATCH_SEAL_BEFORE)) fl |= BATCH_SEAL_BEFORE;
            fl |= BATCH_PLANNED;
            if (offset == pl.last) fl |= BATCH_SEAL_AFTER;
        }
    }
    return fl;
}

batch_append_t batch_part_append(batch_part_t *p, int64_t offset) {
    if (offset < p->next) return BATCH_REDELIVERY;
    batch_seg_t *o = open_seg(p);
    if (!o) {
        if (p->n_segs == BATCH_MAX_SEGS) return BATCH_FULL;
        o = &p->segs[p->n_segs++];
        o->first = offset;
        o->outstanding = 0;
        o->sealed = 0;
    }
    o->last = offset;
    p->next = offset + 1;
    /* Reaching the end of a planned range consumes it. */
    if (p->n_planned && offset == p->planned[0].last) {
        memmove(p->planned, p->planned + 1, sizeof(p->planned[0]) * (size_t)(p->n_planned - 1));
        p->n_planned--;
    }
    return BATCH_APPENDED;
}

int batch_part_has_open(const batch_part_t *p) {
    return p->n_segs && !p->segs[p->n_segs - 1].sealed;
}

int batch_part_seal(batch_part_t *p, batch_range_t *r) {
    batch_seg_t *o = open_seg(p);
    if (!o) return -1;
    o->sealed = 1;
    o->outstanding += 1; /* the insert */
    r->first = o->first;
    r->last = o->last;
    return 0;
}

static batch_seg_t *find_seg(batch_part_t *p, int64_t offset) {
    for (int i = 0; i < p->n_segs; i++)
        if (offset >= p->segs[i].first && offset <= p->segs[i].last) return &p->segs[i];
    return NULL;
}

int batch_part_hold(batch_part_t *p, int64_t offset) {
    batch_seg_t *s = find_seg(p, offset);
    if (!s) return -1;
    s->outstanding++;
    return 0;
}

int batch_part_release(batch_part_t *p, int64_t offset) {
    batch_seg_t *s = find_seg(p, offset);
    if (!s || s->outstanding <= 0) return -1;
    s->outstanding--;
    return 0;
}

int batch_part_ack(batch_part_t *p, int64_t first) {
    for (int i = 0; i < p->n_segs; i++)
        if (p->segs[i].first == first && p->segs[i].sealed && p->segs[i].outstanding > 0) {
            p->segs[i].outstanding--;
            return 0;
        }
    return -1;
}

int64_t batch_part_commit_pos(batch_part_t *p) {
    /* Pop the done batches at the front; a done batch behind a pending one waits. */
    int k = 0;
    while (k < p->n_segs && p->segs[k].sealed && p->segs[k].outstanding == 0)
        k++;
    if (k) {
        memmove(p->segs, p->segs + k, sizeof(p->segs[0]) * (size_t)(p->n_segs - k));
        p->n_segs -= k;
    }
    int64_t pos = p->n_segs ? p->segs[0].first : p->next;
    if (pos > p->committed) p->committed = pos;
    return p->committed;
}

int batch_part_inflight(const batch_part_t *p) {
    int n = 0;
    for (int i = 0; i < p->n_segs; i++)
        if (p->segs[i].sealed && p->segs[i].outstanding > 0) n++;
    return n;
}

int batch_part_idle(const batch_part_t *p) {
    for (int i = 0; i < p->n_segs; i++)
        if (!p->segs[i].sealed || p->segs[i].outstanding > 0) return 0;
    return 1;
}

int batch_part_metadata(const batch_part_t *p, char *out, size_t n) {
    size_t len = 0;
    int64_t wait = p->fence_wait_ms;
    if (p->n_planned && p->planned_wait_ms > wait) wait = p->planned_wait_ms;
    int w = wait > 0 ? snprintf(out, n, "sh2:%" PRId64 ":", wait) : snprintf(out, n, "sh1:");
    if (w < 0 || (size_t)w >= n) return -1;
    len = (size_t)w;
    int first = 1;
    for (int i = 0; i < p->n_segs; i++) {
        const batch_seg_t *s = &p->segs[i];
        if (!s->sealed) continue; /* done ones behind a pending one are not committed yet */
        w = snprintf(out + len, n - len, "%s%" PRId64 "-%" PRId64, first ? "" : ",", s->first,
                     s->last);
        if (w < 0 || (size_t)w >= n - len) return -1;
        len += (size_t)w;
        first = 0;
    }
    /* Cuts restored from a previous owner and not re-read yet stay announced: some of those
     * ranges may be stored already, and a second restart must cut them the same way again
     * (found by the model test: a restart that re-sent the first planned range announced only
     * it, and the next restart re-cut the second under a new token). */
    for (int i = 0; i < p->n_planned; i++) {
        w = snprintf(out + len, n - len, "%s%" PRId64 "-%" PRId64, first ? "" : ",",
                     p->planned[i].first, p->planned[i].last);
        if (w < 0 || (size_t)w >= n - len) return -1;
        len += (size_t)w;
        first = 0;
    }
    return (int)len;
}

int batch_token_rows(char *out, size_t n, const char *topic, int32_t partition, const int64_t *off,
                     size_t n_rows, size_t lo, size_t hi, uint64_t content) {
    if (lo >= hi || hi > n_rows) return -1;
    int split = (lo > 0 && off[lo - 1] == off[lo]) || (hi < n_rows && off[hi] == off[hi - 1]);
    int w;
    if (split)
        w = snprintf(out, n, "%s-%" PRId32 "-%" PRId64 "-%" PRId64 "-r%zu-%zu-x%016" PRIx64, topic,
                     partition, off[lo], off[hi - 1], lo, hi, content);
    else
        w = snprintf(out, n, "%s-%" PRId32 "-%" PRId64 "-%" PRId64 "-x%016" PRIx64, topic,
                     partition, off[lo], off[hi - 1], content);
    if (w < 0 || (size_t)w >= n) return -1;
    return w;
}

int batch_token(char *out, size_t n, const char *topic, int32_t partition, batch_range_t r,
                uint64_t content) {
    int64_t off[2] = {r.first, r.last};
    return batch_token_rows(out, n, topic, partition, off, 2, 0, 2, content);
}
