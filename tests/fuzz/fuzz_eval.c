/* libFuzzer target: eval_decode + eval_validate + eval_encode on arbitrary bytes. Must never
 * crash or read out of bounds (ASan/UBSan); on success every slice lies in the payload or the
 * decoder's scratch and is valid UTF-8, ranges hold, and the encoded row is non-empty. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "eval.h"
#include "eval_columns.h"
#include "json_span.h"
#include "utf8.h"

static eval_dec_t *D;

static void check(const uint8_t *data, size_t size, span_str_t v) {
    if (v.n == 0) return;
    const char *p = v.p;
    int in_payload = p >= (const char *)data && (size_t)(p - (const char *)data) <= size &&
                     v.n <= size - (size_t)(p - (const char *)data);
    if (!in_payload && !eval_dec_owns(D, p, v.n)) abort();
    if (!utf8_valid(p, v.n)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!D && !(D = eval_dec_new(1 << 17, NULL, 0))) abort();
    eval_t e;
    const char *f;
    if (eval_decode(D, (const char *)data, size, &e, &f) != ERR_OK) return 0;
    check(data, size, e.trace_id);
    check(data, size, e.span_id);
    check(data, size, e.evaluator);
    check(data, size, e.evaluator_version);
    check(data, size, e.metric);
    check(data, size, e.label);
    check(data, size, e.source);
    check(data, size, e.explanation);
    if (e.explanation.n > EVAL_EXPLANATION_MAX) abort();
    if (!(e.sample_rate > 0 && e.sample_rate <= 1)) abort();
    if ((e.present & EVAL_HAS_CONFIDENCE) && !(e.confidence >= 0 && e.confidence <= 1)) abort();
    (void)eval_validate(NULL, &e, 1764000000000LL, &f);
    buf_t b;
    buf_init(&b, 0);
    eval_encode(&b, &e);
    if (buf_error(&b) || b.len < 8) abort();
    buf_deinit(&b);
    return 0;
}
