/* utf8.h against an independent reference: a decoder that computes each code point and applies
 * the rules as Unicode states them (no overlong form, no surrogate, nothing above U+10FFFF).
 * Every 1- and 2-byte input, and 3- and 4-byte inputs built from the boundary bytes of each
 * range, must get the same verdict from both; plus named cases and the ASCII fast path at
 * every alignment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"
#include "utf8_ref.h"

static void check(const unsigned char *p, size_t n) {
    int want = utf8_ref_valid(p, n), got = utf8_valid(p, n);
    if (want != got) {
        char hex[64] = "";
        for (size_t i = 0; i < n && i < 8; i++)
            snprintf(hex + 3 * i, sizeof(hex) - 3 * i, "%02x ", p[i]);
        fail_msg("bytes %s: utf8_valid %d, reference %d", hex, got, want);
    }
}

static void test_every_short_input(void **st) {
    (void)st;
    unsigned char b[2];
    for (int x = 0; x < 256; x++) {
        b[0] = (unsigned char)x;
        check(b, 1);
        for (int y = 0; y < 256; y++) {
            b[1] = (unsigned char)y;
            check(b, 2);
        }
    }
}

static void test_boundaries_of_long_sequences(void **st) {
    (void)st;
    /* Each range's ends and its neighbours: leads, the special second bytes of E0/ED/F0/F4,
     * continuation bytes and what lies just outside them. */
    static const unsigned char v[] = {0x00, 0x41, 0x7F, 0x80, 0x81, 0x8F, 0x90, 0x9F, 0xA0,
                                      0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED,
                                      0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xF8, 0xFF};
    size_t nv = sizeof(v);
    unsigned char b[4];
    for (size_t a = 0; a < nv; a++)
        for (size_t c = 0; c < nv; c++)
            for (size_t d = 0; d < nv; d++) {
                b[0] = v[a], b[1] = v[c], b[2] = v[d];
                check(b, 3);
                for (size_t e = 0; e < nv; e++) {
                    b[3] = v[e];
                    check(b, 4);
                }
            }
}

static void test_named_cases(void **st) {
    (void)st;
    assert_true(utf8_valid("", 0));
    assert_true(utf8_valid("plain ascii", 11));
    assert_true(utf8_valid("\xc3\xa9", 2));          /* é */
    assert_true(utf8_valid("\xe2\x82\xac", 3));      /* € */
    assert_true(utf8_valid("\xf0\x9f\x98\x80", 4));  /* 😀 */
    assert_true(utf8_valid("\xf4\x8f\xbf\xbf", 4));  /* U+10FFFF */
    assert_false(utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
    assert_false(utf8_valid("\xe0\x80\xaf", 3));     /* overlong '/' */
    assert_false(utf8_valid("\xf0\x80\x80\xaf", 4)); /* overlong '/' */
    assert_false(utf8_valid("\xed\xa0\x80", 3));     /* U+D800 */
    assert_false(utf8_valid("\xed\xbf\xbf", 3));     /* U+DFFF */
    assert_false(utf8_valid("\xf4\x90\x80\x80", 4)); /* U+110000 */
    assert_false(utf8_valid("\xe2\x82", 2));         /* cut */
    assert_false(utf8_valid("\x80", 1));             /* lone continuation */
}

static void test_fast_path_alignments(void **st) {
    (void)st;
    /* One bad or good multi-byte sequence at every position of a 40-byte ASCII run: the
     * 8-byte skip must stop at it wherever it falls. */
    unsigned char b[40];
    for (size_t at = 0; at + 3 <= sizeof(b); at++) {
        memset(b, 'a', sizeof(b));
        memcpy(b + at, "\xe2\x82\xac", 3);
        assert_true(utf8_valid(b, sizeof(b)));
        memcpy(b + at, "\xed\xa0\x80", 3);
        assert_false(utf8_valid(b, sizeof(b)));
        assert_true(utf8_valid(b, at)); /* the run before it */
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_short_input),
        cmocka_unit_test(test_boundaries_of_long_sequences),
        cmocka_unit_test(test_named_cases),
        cmocka_unit_test(test_fast_path_alignments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
