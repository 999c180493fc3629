/* utf8_ref: the reference utf8.h is checked against (tests/unit/test_utf8.c and
 * tests/fuzz/fuzz_lexical.c): decode each code point, then apply the rules as Unicode states
 * them (no overlong form, no surrogate, nothing above U+10FFFF). Deliberately the other way
 * round from utf8.h, which checks lead and second-byte ranges without decoding. */
#ifndef SPANHOUSE_UTF8_REF_H
#define SPANHOUSE_UTF8_REF_H

#include <stddef.h>
#include <stdint.h>

static inline int utf8_ref_valid(const unsigned char *p, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        size_t len;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2, cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, cp = c & 0x07;
        } else {
            return 0;
        }
        if (i + len > n) return 0;
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
        i += len;
    }
    return 1;
}

#endif
