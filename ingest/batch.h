/* batch: per-partition offset bookkeeping for exactly-one-copy inserts.
 *
 * Tracks the batches (contiguous offset ranges) of one Kafka partition from the first message
 * to the commit: where a batch is cut, what it still waits for (the insert ack, dead-letter
 * deliveries), the contiguous prefix that may be committed, the dedup token of each range,
 * and the commit metadata that makes a cut survive a restart ("sh1:first-last,…").
 * Pure logic: no I/O, no Kafka, no allocation. The rows themselves live in the worker. */
#ifndef SPANHOUSE_BATCH_H
#define SPANHOUSE_BATCH_H

#include <stddef.h>
#include <stdint.h>

#define BATCH_MAX_SEGS 16 /* batches of one partition not yet committed (open + in flight) */
#define BATCH_MAX_PLANNED                                                                          \
    BATCH_MAX_SEGS          /* cuts restored from commit metadata: all a commit can name */
#define BATCH_META_MAX 1024 /* metadata string bound; brokers allow 4096 by default */

typedef struct batch_range_s {
    int64_t first, last; /* inclusive Kafka offsets */
} batch_range_t;

typedef struct batch_seg_s {
    int64_t first, last;
    int32_t outstanding; /* insert (once sealed) + dead letters not yet confirmed */
    int32_t sealed;
} batch_seg_t;

typedef struct batch_part_s {
    int64_t next;      /* one past the last offset appended; the start position before any */
    int64_t committed; /* last position handed out by batch_part_commit_pos() as changed */
    batch_seg_t segs[BATCH_MAX_SEGS]; /* in offset order; only the last may be open */
    int n_segs;
    batch_range_t planned[BATCH_MAX_PLANNED]; /* cuts a previous owner announced */
    int n_planned;
    /* Fencing of multi-partition inserts (see docs/design.md, "Inserts of many partitions"):
     * fence_wait_ms is what this owner announces: how long after taking the partition over a
     * next owner must wait before it looks up or re-sends an announced range, because one of
     * our inserts of it may still land until then (0: no wait, "sh1" metadata). planned_wait_ms
     * is what the previous owner announced for the planned ranges (0 for "sh1"). */
    int64_t fence_wait_ms;
    int64_t planned_wait_ms;
} batch_part_t;

/* What batch_part_place() asks of the caller. */
enum {
    BATCH_SEAL_BEFORE = 1, /* seal (and send) the open batch before appending this offset */
    BATCH_SEAL_AFTER = 2,  /* seal right after appending it: it ends a planned range */
    BATCH_PLANNED = 4,     /* the offset falls in a planned range: no size/age cuts */
};

/* Starts tracking from position start (the committed offset, or the first offset read). */
void batch_part_init(batch_part_t *p, int64_t start);
/* Reads the cuts a previous owner left in the commit metadata of position committed
 * ("sh1:a-b,c-d", or "sh2:<wait_ms>:a-b,c-d" which also sets planned_wait_ms).
 * Ranges entirely below committed are ignored. Unparseable or foreign metadata is ignored
 * (returns -1); returns the number of planned ranges kept otherwise. meta may be NULL. */
int batch_part_restore(batch_part_t *p, int64_t committed, const char *meta, size_t meta_len);

/* Decides how offset joins the partition's batches; see BATCH_SEAL_*. Call before append. */
int batch_part_place(batch_part_t *p, int64_t offset);
/* What batch_part_append did with an offset. */
typedef enum {
    BATCH_APPENDED = 0,    /* in the open batch (opened for it if needed) */
    BATCH_REDELIVERY = -1, /* at or below the last offset: a redelivery, the caller skips it */
    BATCH_FULL = -2,       /* BATCH_MAX_SEGS batches pending: the caller waits for an ack */
} batch_append_t;
/* Appends offset to the open batch, opening one if needed. Offsets must increase. */
batch_append_t batch_part_append(batch_part_t *p, int64_t offset);
/* True when a batch is open (has offsets, not sealed). */
int batch_part_has_open(const batch_part_t *p);
/* Seals the open batch: no more offsets join it; it now waits for its insert ack.
 * Returns 0 and its range in *r, or -1 if no batch is open. */
int batch_part_seal(batch_part_t *p, batch_range_t *r);

/* A dead letter for offset is on its way: the batch holding offset waits for it. -1 if no
 * pending batch holds offset. */
int batch_part_hold(batch_part_t *p, int64_t offset);
/* The dead letter for offset is confirmed. -1 if no pending batch holds offset. */
int batch_part_release(batch_part_t *p, int64_t offset);
/* The insert of the sealed batch starting at first is acknowledged. -1 if unknown. */
int batch_part_ack(batch_part_t *p, int64_t first);

/* The position that may be committed now: every offset below it is stored or dead-lettered
 * and confirmed. Never passes a pending batch. */
int64_t batch_part_commit_pos(batch_part_t *p);
/* Number of batches sealed but not yet done. */
int batch_part_inflight(const batch_part_t *p);
/* True when nothing is pending (no open or in-flight batch). */
int batch_part_idle(const batch_part_t *p);
/* Writes the commit metadata naming the sealed, uncommitted ranges: "sh1:100-199,200-299" ("sh1:"
 * alone when none), or "sh2:<wait_ms>:100-199,200-299" when a next owner must wait (the larger
 * of fence_wait_ms and, while planned ranges remain, planned_wait_ms). Returns the length, or
 * -1 if it would not fit in n bytes. */
int batch_part_metadata(const batch_part_t *p, char *out, size_t n);

/* The dedup token of a range: "<topic>-<partition>-<first>-<last>-x<content>", content in 16
 * hex digits. content is a hash of the data the range holds (the caller's choice; the worker
 * hashes the records' original bytes), so the same coordinates holding other data (a second
 * file, a re-created topic, another cluster with the same topic name) get another token, and
 * the same data re-sent gets the same one. Returns its length, or -1 if it does not fit. */
int batch_token(char *out, size_t n, const char *topic, int32_t partition, batch_range_t r,
                uint64_t content);

/* The dedup token of rows [lo, hi) of one table's rows in a batch, row i coming from Kafka
 * offset off[i] (non-decreasing; several rows share an offset when one record yields several
 * rows, e.g. the spans of an OTLP record). It is batch_token() of the rows' first and last
 * offsets, with "-r<lo>-<hi>" before the content hash when the range splits the rows of an
 * offset (the row just before or after it has the same offset as its first or last row): two
 * parts of one offset (bisection of a data error) must not share a token, or the second would
 * be dropped as a duplicate. Deterministic given the same rows and content. Returns the
 * length, or -1 if it does not fit. */
int batch_token_rows(char *out, size_t n, const char *topic, int32_t partition, const int64_t *off,
                     size_t n_rows, size_t lo, size_t hi, uint64_t content);

#endif
