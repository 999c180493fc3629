/* libFuzzer target: outcome_decode + outcome_validate + outcome_encode on arbitrary bytes.
 * Must never crash or read out of bounds; on success slices lie in the payload or scratch and
 * are valid UTF-8, the value fits Decimal(18, 9) and the currency bound holds. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "eval_columns.h"
#include "json_span.h"
#include "outcome.h"
#include "utf8.h"

static outcome_dec_t *D;

static void check(const uint8_t *data, size_t size, span_str_t v) {
    if (v.n == 0) return;
    const char *p = v.p;
    int in_payload = p >= (const char *)data && (size_t)(p - (const char *)data) <= size &&
                     v.n <= size - (size_t)(p - (const char *)data);
    if (!in_payload && !outcome_dec_owns(D, p, v.n)) abort();
    if (!utf8_valid(p, v.n)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!D && !(D = outcome_dec_new(1 << 17, NULL, 0))) abort();
    outcome_t o;
    const char *f;
    if (outcome_decode(D, (const char *)data, size, &o, &f) != ERR_OK) return 0;
    check(data, size, o.trace_id);
    check(data, size, o.span_id);
    check(data, size, o.event);
    check(data, size, o.currency);
    if (o.currency.n > OUTCOME_CURRENCY_MAX) abort();
    if (o.value_nano > 999999999999999999LL || o.value_nano < -999999999999999999LL) abort();
    (void)outcome_validate(NULL, &o, 1764000000000LL, &f);
    buf_t b;
    buf_init(&b, 0);
    outcome_encode(&b, &o);
    if (buf_error(&b) || b.len < 8) abort();
    buf_deinit(&b);
    return 0;
}
