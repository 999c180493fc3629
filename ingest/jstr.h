/* jstr: the JSON string primitives the hand-written scanners share (json_span.c for spans,
 * fjson.c for evals and outcomes, otlp_json.c and otlp_logs.c for OTLP/JSON): the SWAR test for
 * bytes that end a plain run, hex digits (also OTLP's hex ids), \uXXXX, and the decoding of one
 * backslash escape (including \u surrogate pairs) into UTF-8.
 *
 * Header-only (static inline) so each scanner's hot loop keeps inlining them. It does not
 * scan whole strings, check raw UTF-8, or report errors in any scanner's terms: callers map
 * the jstr_esc_t result to their own codes and messages. */
#ifndef SPANHOUSE_JSTR_H
#define SPANHOUSE_JSTR_H

#include <stdint.h>

#define JSTR_ONES 0x0101010101010101ull
#define JSTR_HIGHS 0x8080808080808080ull

/* Mask with the high bit set in each byte of x (8 bytes loaded little-endian) that is '"',
 * '\\', a control character or >= 0x80. The lowest flagged byte is exact (borrows only
 * propagate upwards), so __builtin_ctzll(mask) >> 3 is the index of the first such byte. */
static inline uint64_t jstr_special_bytes(uint64_t x) {
    uint64_t q = x ^ (JSTR_ONES * '"'), b = x ^ (JSTR_ONES * '\\');
    uint64_t m =
        ((q - JSTR_ONES) & ~q) | ((b - JSTR_ONES) & ~b) | ((x - JSTR_ONES * 0x20) & ~x) | x;
    return m & JSTR_HIGHS;
}

static inline int jstr_hexval(int ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    ch |= 0x20;
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    return -1;
}

/* Four hex digits at q (q + 4 <= end) into *out; 0 if they are not there. */
static inline int jstr_read_u4(const char *q, const char *end, unsigned *out) {
    if (end - q < 4) return 0;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = jstr_hexval((unsigned char)q[i]);
        if (h < 0) return 0;
        v = (v << 4) | (unsigned)h;
    }
    *out = v;
    return 1;
}

typedef enum {
    JSTR_ESC_OK = 0,
    JSTR_ESC_BAD,       /* not one of \" \\ \/ \b \f \n \r \t \uXXXX */
    JSTR_ESC_BAD_U,     /* \u not followed by four hex digits */
    JSTR_ESC_LONE_LOW,  /* \uDC00-\uDFFF without a high surrogate before it */
    JSTR_ESC_LONE_HIGH, /* \uD800-\uDBFF not followed by a \u low surrogate */
} jstr_esc_t;

/* Decodes the escape at *qp (**qp == '\\', at least 2 bytes before end) and writes its UTF-8
 * at *wp. On JSTR_ESC_OK both pointers are advanced; the output is never longer than the
 * escape text (2, 6 or 12 bytes), so unescaping in place or into a buffer as long as the
 * input is safe. On an error nothing is advanced. */
static inline jstr_esc_t jstr_unescape(const char **qp, const char *end, char **wp) {
    const char *q = *qp;
    char *w = *wp;
    char c;
    /* clang-format off */
    switch (q[1]) {
    case '"': c = '"'; break;
    case '\\': c = '\\'; break;
    case '/': c = '/'; break;
    case 'b': c = '\b'; break;
    case 'f': c = '\f'; break;
    case 'n': c = '\n'; break;
    case 'r': c = '\r'; break;
    case 't': c = '\t'; break;
    /* clang-format on */
    case 'u': {
        unsigned u, lo;
        if (!jstr_read_u4(q + 2, end, &u)) return JSTR_ESC_BAD_U;
        q += 6;
        if (u >= 0xDC00 && u <= 0xDFFF) return JSTR_ESC_LONE_LOW;
        if (u >= 0xD800 && u <= 0xDBFF) {
            if (end - q < 6 || q[0] != '\\' || q[1] != 'u' || !jstr_read_u4(q + 2, end, &lo) ||
                lo < 0xDC00 || lo > 0xDFFF)
                return JSTR_ESC_LONE_HIGH;
            q += 6;
            u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
        }
        if (u < 0x80) {
            *w++ = (char)u;
        } else if (u < 0x800) {
            *w++ = (char)(0xC0 | (u >> 6));
            *w++ = (char)(0x80 | (u & 0x3F));
        } else if (u < 0x10000) {
            *w++ = (char)(0xE0 | (u >> 12));
            *w++ = (char)(0x80 | ((u >> 6) & 0x3F));
            *w++ = (char)(0x80 | (u & 0x3F));
        } else {
            *w++ = (char)(0xF0 | (u >> 18));
            *w++ = (char)(0x80 | ((u >> 12) & 0x3F));
            *w++ = (char)(0x80 | ((u >> 6) & 0x3F));
            *w++ = (char)(0x80 | (u & 0x3F));
        }
        *qp = q;
        *wp = w;
        return JSTR_ESC_OK;
    }
    default:
        return JSTR_ESC_BAD;
    }
    *w++ = c;
    *qp = q + 2;
    *wp = w;
    return JSTR_ESC_OK;
}

#endif
