/* utf8: the one UTF-8 check of untrusted bytes, for every decoder (flat-JSON spans, evals and
 * outcomes, OTLP protobuf and JSON, log records). Well-formed means RFC 3629 / Unicode's table
 * 3-7: no overlong form, no UTF-16 surrogate (U+D800..U+DFFF), nothing above U+10FFFF, no
 * sequence cut by the end. Before this header the flat-JSON scanners and the OTLP decoders had
 * one validator each (the second decoded code points, the first checked lead/second-byte
 * ranges); tests/unit/test_utf8.c checks this one against a code-point decoder over every
 * 2-byte input and the boundary bytes of 3- and 4-byte ones.
 *
 * Header-only (static inline) so the scanners' hot loops inline it. No state, no allocation. */
#ifndef SPANHOUSE_UTF8_H
#define SPANHOUSE_UTF8_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The length (2..4) of the well-formed multi-byte sequence at p (p[0] >= 0x80, p < end), or 0. */
static inline int utf8_seq(const unsigned char *p, const unsigned char *end) {
    unsigned c = p[0];
    if (c < 0xC2) return 0; /* a continuation byte, or an overlong 2-byte lead */
    if (c < 0xE0) {
        if (end - p < 2 || (p[1] & 0xC0) != 0x80) return 0;
        return 2;
    }
    if (c < 0xF0) {
        if (end - p < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && p[1] < 0xA0) return 0;  /* overlong */
        if (c == 0xED && p[1] >= 0xA0) return 0; /* UTF-16 surrogate */
        return 3;
    }
    if (c < 0xF5) {
        if (end - p < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && p[1] < 0x90) return 0;  /* overlong */
        if (c == 0xF4 && p[1] >= 0x90) return 0; /* > U+10FFFF */
        return 4;
    }
    return 0;
}

/* 1 if the n bytes at s are well-formed UTF-8 (ASCII runs are skipped 8 bytes at a time). */
static inline int utf8_valid(const void *s, size_t n) {
    const unsigned char *p = s, *end = p + n;
    while (p < end) {
        while (end - p >= 8) {
            uint64_t w;
            memcpy(&w, p, 8);
            if (w & 0x8080808080808080ull) break;
            p += 8;
        }
        if (p >= end) break;
        if (*p < 0x80) {
            p++;
            continue;
        }
        int k = utf8_seq(p, end);
        if (!k) return 0;
        p += k;
    }
    return 1;
}

#endif
