/* eval_row: prints one evaluation event of an otlp_evq_t as a line of
 * tests/otel/vectors/expected_evals_*.tsv (every eval column, gen_ai.response.id, the reason
 * and field), for tests/unit/test_otlp_logs.c and tests/tools/otlp_eval_dump.c.
 * Test-only helper; header-only so both programs share it without a library. */
#ifndef SPANHOUSE_EVAL_ROW_H
#define SPANHOUSE_EVAL_ROW_H

#include <stdio.h>

#include "err.h"
#include "otlp_event.h"
#include "otlp_int.h" /* otlp_fmt_double: the same shortest-round-trip text as JS String() */

#define EVAL_ROW_HEADER                                                                            \
    "trace_id\tspan_id\tts_ms\tevaluator\tevaluator_version\tmetric\tscore\tlabel\tconfidence\t"  \
    "source\tsample_rate\texplanation\texplanation_truncated\tresponse_id\treason\tfield"

/* Writes the row (no newline) into out; returns its length (truncated to size-1). */
static inline size_t eval_row(const otlp_eval_t *ev, char *out, size_t size) {
    const eval_t *e = &ev->e;
    size_t n = 0;
    char num[64];
#define ER_S(x) n += (size_t)snprintf(out + n, n < size ? size - n : 0, "%.*s\t", (int)(x).n, (x).p ? (x).p : "")
#define ER_D(has, v)                                                                               \
    do {                                                                                           \
        num[0] = 0;                                                                                \
        if (has) otlp_fmt_double(num, sizeof(num), (v));                                          \
        n += (size_t)snprintf(out + n, n < size ? size - n : 0, "%s\t", num);                     \
    } while (0)
    ER_S(e->trace_id); ER_S(e->span_id);
    n += (size_t)snprintf(out + n, n < size ? size - n : 0, "%lld\t", (long long)e->ts_ms);
    ER_S(e->evaluator); ER_S(e->evaluator_version); ER_S(e->metric);
    ER_D(e->present & EVAL_HAS_SCORE, e->score);
    ER_S(e->label);
    ER_D(e->present & EVAL_HAS_CONFIDENCE, (double)e->confidence);
    ER_S(e->source);
    ER_D(1, e->sample_rate);
    ER_S(e->explanation);
    n += (size_t)snprintf(out + n, n < size ? size - n : 0, "%u\t", e->explanation_truncated);
    ER_S(ev->response_id);
    n += (size_t)snprintf(out + n, n < size ? size - n : 0, "%s\t%s", err_name(ev->rc),
                          ev->field ? ev->field : "");
#undef ER_S
#undef ER_D
    return n < size ? n : size - 1;
}

#endif
