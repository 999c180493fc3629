/* Unit tests for batch: cuts, holds, out-of-order acks, contiguous commits, restart metadata. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "batch.h"

static void append_range(batch_part_t *p, int64_t a, int64_t b) {
    for (int64_t o = a; o <= b; o++) assert_int_equal(batch_part_append(p, o), 0);
}

static void test_simple_commit(void **st) {
    (void)st;
    batch_part_t p;
    batch_part_init(&p, 100);
    assert_int_equal(batch_part_commit_pos(&p), 100);
    append_range(&p, 100, 109);
    assert_int_equal(batch_part_commit_pos(&p), 100); /* open batch blocks */
    batch_range_t r;
    assert_int_equal(batch_part_seal(&p, &r), 0);
    assert_int_equal(r.first, 100);
    assert_int_equal(r.last, 109);
    assert_int_equal(batch_part_commit_pos(&p), 100);
    assert_int_equal(batch_part_inflight(&p), 1);
    assert_int_equal(batch_part_ack(&p, 100), 0);
    assert_int_equal(batch_part_commit_pos(&p), 110);
    assert_true(batch_part_idle(&p));
    assert_int_equal(batch_part_ack(&p, 100), -1); /* double ack is refused */
    assert_int_equal(batch_part_seal(&p, &r), -1);
}

static void test_out_of_order_acks(void **st) {
    (void)st;
    batch_part_t p;
    batch_part_init(&p, 0);
    batch_range_t r1, r2, r3;
    append_range(&p, 0, 9);
    batch_part_seal(&p, &r1);
    append_range(&p, 10, 19);
    batch_part_seal(&p, &r2);
    append_range(&p, 20, 29);
    batch_part_seal(&p, &r3);
    assert_int_equal(batch_part_ack(&p, 20), 0);
    assert_int_equal(batch_part_commit_pos(&p), 0);
    assert_int_equal(batch_part_ack(&p, 10), 0);
    assert_int_equal(batch_part_commit_pos(&p), 0); /* never past the gap at 0..9 */
    char meta[128];
    assert_true(batch_part_metadata(&p, meta, sizeof(meta)) > 0);
    assert_string_equal(meta, "sh1:0-9,10-19,20-29");
    assert_int_equal(batch_part_ack(&p, 0), 0);
    assert_int_equal(batch_part_commit_pos(&p), 30);
    assert_int_equal(batch_part_metadata(&p, meta, sizeof(meta)), 4);
    assert_string_equal(meta, "sh1:");
}

static void test_gaps_in_offsets(void **st) {
    (void)st;
    batch_part_t p;
    batch_part_init(&p, 0);
    /* Compacted topic / transaction markers: offsets jump. */
    assert_int_equal(batch_part_append(&p, 3), 0);
    assert_int_equal(batch_part_append(&p, 7), 0);
    assert_int_equal(batch_part_append(&p, 7), BATCH_REDELIVERY);
    assert_int_equal(batch_part_append(&p, 5), BATCH_REDELIVERY);
    batch_range_t r;
    batch_part_seal(&p, &r);
    assert_int_equal(r.first, 3);
    assert_int_equal(r.last, 7);
    batch_part_ack(&p, 3);
    assert_int_equal(batch_part_commit_pos(&p), 8);
}

static void test_dlq_inside_batch(void **st) {
    (void)st;
    batch_part_t p;
    batch_part_init(&p, 50);
    append_range(&p, 50, 59);
    assert_int_equal(batch_part_hold(&p, 53), 0); /* poison at 53 on its way to the DLQ */
    assert_int_equal(batch_part_hold(&p, 57), 0);
    batch_range_t r;
    batch_part_seal(&p, &r);
    assert_int_equal(batch_part_ack(&p, 50), 0);
    assert_int_equal(batch_part_commit_pos(&p), 50); /* DLQ not confirmed yet */
    assert_int_equal(batch_part_release(&p, 53), 0);
    assert_int_equal(batch_part_commit_pos(&p), 50);
    assert_int_equal(batch_part_release(&p, 57), 0);
    assert_int_equal(batch_part_commit_pos(&p), 60);
    assert_int_equal(batch_part_release(&p, 57), -1);
    assert_int_equal(batch_part_hold(&p, 10), -1);
    /* A batch made only of poison: the insert ack (of zero rows) still closes it. */
    append_range(&p, 60, 60);
    batch_part_hold(&p, 60);
    batch_part_seal(&p, &r);
    batch_part_release(&p, 60);
    assert_int_equal(batch_part_commit_pos(&p), 60);
    batch_part_ack(&p, 60);
    assert_int_equal(batch_part_commit_pos(&p), 61);
}

static void test_dlq_confirmed_before_seal(void **st) {
    (void)st;
    batch_part_t p;
    batch_part_init(&p, 0);
    append_range(&p, 0, 4);
    batch_part_hold(&p, 2);
    batch_part_release(&p, 2);
    assert_int_equal(batch_part_commit_pos(&p), 0); /* still open */
    batch_range_t r;
    batch_part_seal(&p, &r);
    batch_part_ack(&p, 0);
    assert_int_equal(batch_part_commit_pos(&p), 5);
}

static void test_segment_limit(void **st) {
    (void)st;
    batch_part_t p;
    batch_part_init(&p, 0);
    batch_range_t r;
    for (int i = 0; i < BATCH_MAX_SEGS; i++) {
        assert_int_equal(batch_part_append(&p, i), 0);
        batch_part_seal(&p, &r);
    }
    assert_int_equal(batch_part_append(&p, 100), BATCH_FULL);
    batch_part_ack(&p, 0);
    batch_part_commit_pos(&p);
    assert_int_equal(batch_part_append(&p, 100), 0);
}

static void test_restart_metadata(void **st) {
    (void)st;
    /* First owner: two batches sealed and announced, then it crashes. */
    batch_part_t a;
    batch_part_init(&a, 1000);
    batch_range_t r;
    append_range(&a, 1000, 1049);
    batch_part_seal(&a, &r);
    append_range(&a, 1050, 1069);
    batch_part_seal(&a, &r);
    char meta[BATCH_META_MAX];
    int ml = batch_part_metadata(&a, meta, sizeof(meta));
    assert_string_equal(meta, "sh1:1000-1049,1050-1069");
    int64_t pos = batch_part_commit_pos(&a);
    assert_int_equal(pos, 1000);

    /* Next owner: restores the cuts and reproduces them whatever its own size limits. */
    batch_part_t b;
    batch_part_init(&b, pos);
    assert_int_equal(batch_part_restore(&b, pos, meta, (size_t)ml), 2);
    batch_range_t got[4];
    int ng = 0;
    for (int64_t o = 1000; o < 1100; o++) {
        int fl = batch_part_place(&b, o);
        if (fl & BATCH_SEAL_BEFORE) assert_int_equal(batch_part_seal(&b, &got[ng++]), 0);
        if (o < 1070) assert_true(fl & BATCH_PLANNED);
        else assert_false(fl & BATCH_PLANNED);
        assert_int_equal(batch_part_append(&b, o), 0);
        if (fl & BATCH_SEAL_AFTER) assert_int_equal(batch_part_seal(&b, &got[ng++]), 0);
    }
    assert_int_equal(ng, 2);
    assert_int_equal(got[0].first, 1000);
    assert_int_equal(got[0].last, 1049);
    assert_int_equal(got[1].first, 1050);
    assert_int_equal(got[1].last, 1069);
    char t1[128], t2[128];
    batch_token(t1, sizeof(t1), "spans", 3, got[0], 0xabcdefull);
    batch_token(t2, sizeof(t2), "spans", 3, (batch_range_t){1000, 1049}, 0xabcdefull);
    assert_string_equal(t1, t2);
    assert_string_equal(t1, "spans-3-1000-1049-x0000000000abcdef");
}

/* Restored cuts not re-read yet stay in the metadata of the next announcement, and a commit
 * can name all BATCH_MAX_SEGS ranges (the model test found both). */
static void test_restart_keeps_planned_in_metadata(void **st) {
    (void)st;
    batch_part_t a;
    batch_part_init(&a, 0);
    batch_range_t r;
    for (int i = 0; i < BATCH_MAX_SEGS; i++) {
        append_range(&a, i * 10, i * 10 + 9);
        batch_part_seal(&a, &r);
    }
    char meta[BATCH_META_MAX];
    int ml = batch_part_metadata(&a, meta, sizeof(meta));
    batch_part_t b;
    batch_part_init(&b, 0);
    assert_int_equal(batch_part_restore(&b, 0, meta, (size_t)ml), BATCH_MAX_SEGS);
    /* re-read and re-send the first range only, then announce */
    for (int64_t o = 0; o < 10; o++) {
        int fl = batch_part_place(&b, o);
        assert_true(fl & BATCH_PLANNED);
        assert_int_equal(batch_part_append(&b, o), 0);
        if (fl & BATCH_SEAL_AFTER) batch_part_seal(&b, &r);
    }
    char meta2[BATCH_META_MAX];
    ml = batch_part_metadata(&b, meta2, sizeof(meta2));
    assert_string_equal(meta2, meta); /* the same sixteen ranges: one sealed, fifteen planned */
}

static void test_restart_missing_offsets(void **st) {
    (void)st;
    /* The planned range's tail vanished (retention): the next offset beyond it cuts. */
    batch_part_t b;
    batch_part_init(&b, 10);
    const char *m = "sh1:10-19";
    assert_int_equal(batch_part_restore(&b, 10, m, strlen(m)), 1);
    for (int64_t o = 10; o <= 15; o++) {
        int fl = batch_part_place(&b, o);
        assert_false(fl & BATCH_SEAL_BEFORE);
        batch_part_append(&b, o);
    }
    int fl = batch_part_place(&b, 25);
    assert_true(fl & BATCH_SEAL_BEFORE);
    assert_false(fl & BATCH_PLANNED);
    batch_range_t r;
    batch_part_seal(&b, &r);
    assert_int_equal(r.first, 10);
    assert_int_equal(r.last, 15);
}

static void test_restart_partial_commit(void **st) {
    (void)st;
    batch_part_t b;
    batch_part_init(&b, 20);
    const char *m = "sh1:0-9,10-19,20-29";
    /* Ranges below the committed position are done already. */
    assert_int_equal(batch_part_restore(&b, 20, m, strlen(m)), 1);
    assert_int_equal(b.planned[0].first, 20);
    /* An open batch that started before a planned range is cut at its start. */
    batch_part_init(&b, 5);
    assert_int_equal(batch_part_restore(&b, 5, "sh1:8-9", 7), 1);
    batch_part_append(&b, 5);
    assert_int_equal(batch_part_place(&b, 8) & BATCH_SEAL_BEFORE, BATCH_SEAL_BEFORE);
}

static void test_restore_rejects_garbage(void **st) {
    (void)st;
    batch_part_t b;
    batch_part_init(&b, 0);
    const char *bad[] = {"", "sh2:1-2", "sh1:1", "sh1:5-2", "sh1:1-2,2-3", "sh1:a-b", "sh1:1-2;", "foo"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(batch_part_restore(&b, 0, bad[i], strlen(bad[i])), -1);
        assert_int_equal(b.n_planned, 0);
    }
    assert_int_equal(batch_part_restore(&b, 0, NULL, 0), -1);
    assert_int_equal(batch_part_restore(&b, 0, "sh1:", 4), 0);
    /* A batch with no plan has no flags. */
    assert_int_equal(batch_part_place(&b, 0), 0);
}

/* A fencing owner announces how long a next owner must wait; the next owner reads it, carries
 * it over while planned ranges remain, and drops it once they are re-read. */
static void test_metadata_fence_wait(void **st) {
    (void)st;
    batch_part_t a, b;
    batch_range_t r;
    batch_part_init(&a, 0);
    a.fence_wait_ms = 45000;
    batch_part_append(&a, 0);
    batch_part_append(&a, 9);
    batch_part_seal(&a, &r);
    char meta[BATCH_META_MAX];
    int ml = batch_part_metadata(&a, meta, sizeof(meta));
    assert_string_equal(meta, "sh2:45000:0-9");
    batch_part_init(&b, 0);
    assert_int_equal(batch_part_restore(&b, 0, meta, (size_t)ml), 1);
    assert_int_equal(b.planned_wait_ms, 45000);
    /* Not re-read yet: a next-next owner must still wait, whatever b announces itself. */
    assert_true(batch_part_metadata(&b, meta, sizeof(meta)) > 0);
    assert_string_equal(meta, "sh2:45000:0-9");
    b.fence_wait_ms = 1000;
    assert_true(batch_part_metadata(&b, meta, sizeof(meta)) > 0);
    assert_string_equal(meta, "sh2:45000:0-9");
    /* Re-read and sealed: only b's own wait remains. */
    assert_int_equal(batch_part_place(&b, 0) & BATCH_PLANNED, BATCH_PLANNED);
    batch_part_append(&b, 0);
    assert_true(batch_part_place(&b, 9) & BATCH_SEAL_AFTER);
    batch_part_append(&b, 9);
    batch_part_seal(&b, &r);
    assert_true(batch_part_metadata(&b, meta, sizeof(meta)) > 0);
    assert_string_equal(meta, "sh2:1000:0-9");
    /* No wait, no sh2; an sh1 restore has no wait; bad waits are refused. */
    b.fence_wait_ms = 0;
    assert_true(batch_part_metadata(&b, meta, sizeof(meta)) > 0);
    assert_string_equal(meta, "sh1:0-9");
    assert_int_equal(batch_part_restore(&b, 0, "sh1:0-9", 7), 1);
    assert_int_equal(b.planned_wait_ms, 0);
    const char *bad[] = {"sh2:0-9", "sh2::0-9", "sh2:-5:0-9", "sh2:99999999999:0-9", "sh2:5"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(batch_part_restore(&b, 0, bad[i], strlen(bad[i])), -1);
    assert_int_equal(batch_part_restore(&b, 0, "sh2:5:", 6), 0);
    assert_int_equal(b.planned_wait_ms, 0); /* nothing planned, nothing to wait for */
}

static void test_metadata_bounds(void **st) {
    (void)st;
    batch_part_t p;
    batch_part_init(&p, INT64_MAX / 4);
    batch_range_t r;
    for (int i = 0; i < BATCH_MAX_SEGS; i++) {
        batch_part_append(&p, INT64_MAX / 4 + i * 10);
        batch_part_append(&p, INT64_MAX / 4 + i * 10 + 9);
        batch_part_seal(&p, &r);
    }
    char meta[BATCH_META_MAX];
    assert_true(batch_part_metadata(&p, meta, sizeof(meta)) > 0); /* the worst case fits */
    char small[8];
    assert_int_equal(batch_part_metadata(&p, small, sizeof(small)), -1);
    char tok[8];
    assert_int_equal(batch_token(tok, sizeof(tok), "topic", 1, r, 0), -1);
}

/* Rows of one offset (an OTLP record's spans, or span + eval rows) split by bisection: each
 * part gets its own token; ranges that do not split an offset keep the plain token. */
static void test_token_rows_split_offset(void **st) {
    (void)st;
    const int64_t off[] = {5, 6, 7, 7, 7, 7, 8};
    const uint64_t h = 0x0123456789abcdefull;
    char a[128], b[128];
    /* whole batch: plain token */
    assert_int_equal(batch_token_rows(a, sizeof(a), "t", 2, off, 7, 0, 7, h),
                     (int)strlen("t-2-5-8-x0123456789abcdef"));
    assert_string_equal(a, "t-2-5-8-x0123456789abcdef");
    /* [5, 6] and [7 x4, 8] split no offset */
    batch_token_rows(a, sizeof(a), "t", 2, off, 7, 0, 2, h);
    assert_string_equal(a, "t-2-5-6-x0123456789abcdef");
    batch_token_rows(a, sizeof(a), "t", 2, off, 7, 2, 7, h);
    assert_string_equal(a, "t-2-7-8-x0123456789abcdef");
    /* the two halves of offset 7 differ, even with the same content hash */
    batch_token_rows(a, sizeof(a), "t", 2, off, 7, 2, 4, h);
    batch_token_rows(b, sizeof(b), "t", 2, off, 7, 4, 6, h);
    assert_string_equal(a, "t-2-7-7-r2-4-x0123456789abcdef");
    assert_string_equal(b, "t-2-7-7-r4-6-x0123456789abcdef");
    /* a range ending inside offset 7 */
    batch_token_rows(a, sizeof(a), "t", 2, off, 7, 0, 3, h);
    assert_string_equal(a, "t-2-5-7-r0-3-x0123456789abcdef");
    /* deterministic */
    batch_token_rows(b, sizeof(b), "t", 2, off, 7, 0, 3, h);
    assert_string_equal(a, b);
    /* the same coordinates holding other data: another token (a second file, a re-created topic) */
    batch_token_rows(b, sizeof(b), "t", 2, off, 7, 0, 3, h ^ 1);
    assert_string_not_equal(a, b);
    /* one row per offset (flat JSON): never a suffix, as batch_token */
    const int64_t flat[] = {0, 1, 2, 3};
    batch_token_rows(a, sizeof(a), "spans", 0, flat, 4, 1, 2, 7);
    batch_token(b, sizeof(b), "spans", 0, (batch_range_t){1, 1}, 7);
    assert_string_equal(a, b);
    assert_string_equal(a, "spans-0-1-1-x0000000000000007");
    /* bounds */
    assert_int_equal(batch_token_rows(a, sizeof(a), "t", 2, off, 7, 3, 3, h), -1);
    assert_int_equal(batch_token_rows(a, sizeof(a), "t", 2, off, 7, 0, 8, h), -1);
    assert_int_equal(batch_token_rows(a, 20, "t", 2, off, 7, 2, 4, h), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_commit),
        cmocka_unit_test(test_out_of_order_acks),
        cmocka_unit_test(test_gaps_in_offsets),
        cmocka_unit_test(test_dlq_inside_batch),
        cmocka_unit_test(test_dlq_confirmed_before_seal),
        cmocka_unit_test(test_segment_limit),
        cmocka_unit_test(test_restart_metadata),
        cmocka_unit_test(test_restart_missing_offsets),
        cmocka_unit_test(test_restart_keeps_planned_in_metadata),
        cmocka_unit_test(test_restart_partial_commit),
        cmocka_unit_test(test_restore_rejects_garbage),
        cmocka_unit_test(test_metadata_bounds),
        cmocka_unit_test(test_metadata_fence_wait),
        cmocka_unit_test(test_token_rows_split_offset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
