/* pbwire.h: every edge of the wire format by hand, then 200,000 random messages read field by
 * field against an independent straightforward reader (no fast paths): same fields, same
 * values, same bounds, the same verdict at the same place. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "pbwire.h"

static pbw_status_t one(const char *bytes, size_t n, pbw_field_t *f, pbw_t *rest) {
    pbw_t b = {(const uint8_t *)bytes, (const uint8_t *)bytes + n};
    pbw_status_t st = pbw_next(&b, f);
    if (rest) *rest = b;
    return st;
}

static void test_edges(void **st) {
    (void)st;
    pbw_field_t f;
    pbw_t rest;
    assert_int_equal(one("", 0, &f, NULL), PBW_OK);
    assert_int_equal(f.num, 0); /* the end */
    assert_int_equal(one("\x08\x96\x01", 3, &f, &rest), PBW_OK); /* field 1 varint 150 */
    assert_int_equal(f.num, 1);
    assert_int_equal(f.wt, PBW_VARINT);
    assert_int_equal(f.v, 150);
    assert_ptr_equal(rest.p, rest.e);
    assert_int_equal(one("\x08\x05", 2, &f, NULL), PBW_OK);
    assert_int_equal(f.v, 5);
    assert_int_equal(one("\x80\x01\x00", 3, &f, NULL), PBW_OK); /* field 16, two-byte tag */
    assert_int_equal(f.num, 16);
    assert_int_equal(one("\x00\x00", 2, &f, NULL), PBW_BAD_TAG);        /* field 0 */
    assert_int_equal(one("\x80", 1, &f, NULL), PBW_BAD_TAG);            /* truncated tag */
    assert_int_equal(one("\xf8\xff\xff\xff\x0f\x00", 6, &f, NULL), PBW_OK); /* 2^29-1 */
    assert_int_equal(f.num, 536870911u);
    assert_int_equal(one("\x80\x80\x80\x80\x10\x00", 6, &f, NULL), PBW_BAD_TAG); /* 2^29 */
    assert_int_equal(one("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11, &f, NULL), PBW_OK);
    assert_int_equal(f.v, UINT64_MAX);
    assert_int_equal(one("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12, &f, NULL),
                     PBW_BAD_VARINT); /* 11 bytes */
    assert_int_equal(one("\x08\x96", 2, &f, NULL), PBW_BAD_VARINT);
    assert_int_equal(f.num, 1);
    assert_int_equal(one("\x09\x01\x02\x03\x04\x05\x06\x07\x08", 9, &f, NULL), PBW_OK);
    assert_int_equal(f.v, 0x0807060504030201ull);
    assert_int_equal(one("\x09\x01\x02\x03\x04\x05\x06\x07", 8, &f, NULL), PBW_SHORT_I64);
    assert_int_equal(one("\x0d\x01\x02\x03\x04", 5, &f, NULL), PBW_OK);
    assert_int_equal(f.v, 0x04030201u);
    assert_int_equal(one("\x0d\x01\x02\x03", 4, &f, NULL), PBW_SHORT_I32);
    assert_int_equal(one("\x0a\x03" "abc" "\x08\x01", 7, &f, &rest), PBW_OK);
    assert_int_equal(f.wt, PBW_LEN);
    assert_int_equal(f.sub.e - f.sub.p, 3);
    assert_memory_equal(f.sub.p, "abc", 3);
    assert_int_equal(rest.e - rest.p, 2); /* the next field is left */
    assert_int_equal(one("\x0a\x04" "abc", 5, &f, NULL), PBW_PAST_END);
    assert_int_equal(one("\x0a\x80", 2, &f, NULL), PBW_BAD_LENGTH);
    char big[3 + 200];
    memcpy(big, "\x0a\xc8\x01", 3); /* length 200 in a two-byte varint */
    memset(big + 3, 'x', sizeof(big) - 3);
    assert_int_equal(one(big, sizeof(big), &f, NULL), PBW_OK);
    assert_int_equal(f.sub.e - f.sub.p, 200);
    assert_int_equal(one(big, sizeof(big) - 1, &f, NULL), PBW_PAST_END);
    for (int wt = 3; wt <= 7; wt++) {
        if (wt == PBW_I32) continue;
        char t = (char)(0x08 | wt);
        assert_int_equal(one(&t, 1, &f, NULL), PBW_WIRE_TYPE);
    }
    assert_string_equal(pbw_why(PBW_PAST_END), "length past the end");
}

/* The reference: the specification read byte by byte. */
static int ref_varint(const uint8_t **p, const uint8_t *e, uint64_t *out) {
    uint64_t v = 0;
    for (int i = 0; i < 10; i++) {
        if (*p >= e) return -1;
        uint8_t c = *(*p)++;
        if (i < 9) v |= (uint64_t)(c & 0x7f) << (7 * i);
        else v |= (uint64_t)(c & 0x7f) << 63;
        if (!(c & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

static int ref_next(const uint8_t **p, const uint8_t *e, uint32_t *num, uint32_t *wt,
                    uint64_t *v, const uint8_t **sp, const uint8_t **se) {
    uint64_t tag, len;
    *num = 0;
    if (*p >= e) return 0;
    if (ref_varint(p, e, &tag) || (tag >> 3) == 0 || (tag >> 3) > 536870911u) return 1;
    *num = (uint32_t)(tag >> 3);
    *wt = (uint32_t)(tag & 7);
    if (*wt == 0) return ref_varint(p, e, v) ? 1 : 0;
    if (*wt == 1 || *wt == 5) {
        size_t k = *wt == 1 ? 8 : 4;
        if ((size_t)(e - *p) < k) return 1;
        *v = 0;
        for (size_t i = 0; i < k; i++)
            *v |= (uint64_t)(*p)[i] << (8 * i);
        *p += k;
        return 0;
    }
    if (*wt == 2) {
        if (ref_varint(p, e, &len) || len > (uint64_t)(e - *p)) return 1;
        *sp = *p;
        *se = *p + len;
        *p += len;
        return 0;
    }
    return 1;
}

static void test_random_against_reference(void **st) {
    (void)st;
    uint64_t s = 0x9e3779b97f4a7c15ull;
    uint8_t buf[64];
    for (int round = 0; round < 200000; round++) {
        size_t n = 0;
        /* Mostly plausible messages (small tags, short lengths), some noise. */
        while (n < sizeof(buf)) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            uint8_t c = (uint8_t)s;
            if ((s >> 8) % 4 == 0) c = (uint8_t)((((s >> 12) % 6 + 1) << 3) | ((s >> 20) % 8));
            else if ((s >> 8) % 4 == 1) c = (uint8_t)((s >> 24) % 12);
            buf[n++] = c;
            if ((s >> 40) % 16 == 0) break;
        }
        pbw_t b = {buf, buf + n};
        const uint8_t *rp = buf, *sp = NULL, *se = NULL;
        for (;;) {
            pbw_field_t f;
            uint32_t num, wt = 0;
            uint64_t v = 0;
            pbw_status_t got = pbw_next(&b, &f);
            int want_bad = ref_next(&rp, buf + n, &num, &wt, &v, &sp, &se);
            assert_int_equal(got != PBW_OK, want_bad);
            if (want_bad) break;
            assert_int_equal(f.num, num);
            if (!num) break;
            assert_int_equal(f.wt, wt);
            if (wt == 2) {
                assert_ptr_equal(f.sub.p, sp);
                assert_ptr_equal(f.sub.e, se);
            } else {
                assert_true(f.v == v);
            }
            assert_ptr_equal(b.p, rp);
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_random_against_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
