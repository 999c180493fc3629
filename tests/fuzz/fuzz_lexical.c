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
#include "../unit/utf8_ref.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    walk((pbw_t){data, data + size}, 0);
    if (utf8_valid(data, size) != utf8_ref_valid(data, size)) abort();
    for (size_t k = 1; k <= 8 && k <= size; k++)
        if (utf8_valid(data + size - k, k) != utf8_ref_valid(data + size - k, k)) abort();
    return 0;
}
