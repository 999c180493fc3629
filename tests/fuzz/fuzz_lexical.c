/* libFuzzer target: the lexical layer of untrusted bytes on its own (issue 17: fuzz the modules
 * directly, beside the decoders' fuzzers that reach them).
 *  - pbwire.h: walks the input as a protobuf message, descending into every length-delimited
 *    field up to depth 8; every field's bytes must lie inside its parent, every step must move
 *    forward, and the walk must end (a verdict or the end of the message).
 *  - utf8.h: utf8_valid must agree with a code-point decoder written from the standard, on the
 *    whole input and on each of its suffixes of length <= 8 (sequence edges at every offset). */
#include <stdint.h>
#include <stdlib.h>

#include "pbwire.h"
#include "utf8.h"

static void walk(pbw_t b, int depth) {
    while (b.p < b.e) {
        const uint8_t *before = b.p;
        pbw_field_t f;
        if (pbw_next(&b, &f) != PBW_OK) return;
        if (f.num == 0 || b.p <= before || b.p > b.e) abort();
        if (f.wt == PBW_LEN) {
            if (f.sub.p < before || f.sub.e > b.p || f.sub.p > f.sub.e) abort();
            if (depth < 8) walk(f.sub, depth + 1);
        }
    }
}

static int ref_utf8(const uint8_t *p, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        size_t len;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F;
        else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F;
        else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07;
        else return 0;
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    walk((pbw_t){data, data + size}, 0);
    if (utf8_valid(data, size) != ref_utf8(data, size)) abort();
    for (size_t k = 1; k <= 8 && k <= size; k++)
        if (utf8_valid(data + size - k, k) != ref_utf8(data + size - k, k)) abort();
    return 0;
}
