/* libFuzzer target for the OTLP evaluation-result decoders (otlp_logs.c, otlp_event.c).
 * The first input byte picks the path: 0 logs protobuf, 1 logs JSON, 2 trace protobuf with the
 * span-event hook, 3 trace JSON with the hook; the rest is the record. Any input must give ERR_OK
 * or a POISON code with a detail, never a crash, leak or overread. On ERR_OK every entry's
 * strings must be readable, its reason a POISON code or OK, and the counts must add up; on the
 * trace paths the hook must not change the trace decoder's result or emitted spans.
 * Seeds: tests/fuzz/corpus/otlp_logs/ (SDK-made vectors with the mode byte). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "otlp.h"
#include "otlp_logs.h"

static uint64_t sum_str(span_str_t s) {
    uint64_t x = 0;
    for (uint32_t i = 0; i < s.n; i++) x += (uint8_t)s.p[i];
    return x;
}

static int fz_span(void *ctx, span_t *s) {
    (*(int *)ctx)++;
    (void)s;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static otlp_evq_t *q;
    static otlp_dec_t *d, *d0;
    if (!q) {
        q = otlp_evq_new(64, NULL, NULL, 0);
        d = otlp_dec_new(NULL, NULL, 0);
        d0 = otlp_dec_new(NULL, NULL, 0);
        if (!q || !d || !d0) abort();
        otlp_evq_attach(q, d);
    }
    if (size == 0) return 0;
    int mode = data[0] & 3;
    size--;
    /* A private copy so reads past the end are caught by ASan. */
    uint8_t *p = malloc(size ? size : 1);
    memcpy(p, data + 1, size);
    const int64_t now = 1763990000000LL + 86400000LL;
    otlp_evq_stats_t st = {0};
    char detail[128] = "";
    int rc;
    if (mode == 0) {
        rc = otlp_logs_proto_decode(q, p, size, now, &st, detail, sizeof(detail));
    } else if (mode == 1) {
        rc = otlp_logs_json_decode(q, (const char *)p, size, now, &st, detail, sizeof(detail));
    } else {
        int n_hook = 0, n_plain = 0;
        char d2[128];
        if (otlp_evq_begin(q, size, now) != ERR_OK) abort();
        rc = mode == 2 ? otlp_proto_decode(d, p, size, fz_span, &n_hook, NULL, detail, sizeof(detail))
                       : otlp_json_decode(d, (const char *)p, size, fz_span, &n_hook, NULL, detail,
                                          sizeof(detail));
        int rc0 = mode == 2 ? otlp_proto_decode(d0, p, size, fz_span, &n_plain, NULL, d2, sizeof(d2))
                            : otlp_json_decode(d0, (const char *)p, size, fz_span, &n_plain, NULL,
                                               d2, sizeof(d2));
        if (rc != rc0 || n_hook != n_plain) abort(); /* the hook changes nothing of the spans */
        if (rc == ERR_OK) otlp_evq_end(q, &st);
    }
    if (rc != ERR_OK) {
        if (err_class(rc) != ERR_CLASS_POISON) abort();
        if (!detail[0]) abort();
        if (st.events_seen || st.evals_ok || st.evals_rejected) abort(); /* nothing counted */
    } else {
        size_t n = otlp_evq_count(q), ok = 0;
        uint64_t x = 0;
        if (n > 64) abort();
        for (size_t i = 0; i < n; i++) {
            const otlp_eval_t *ev = otlp_evq_get(q, i);
            if (ev->rc != ERR_OK && err_class(ev->rc) != ERR_CLASS_POISON) abort();
            ok += ev->rc == ERR_OK;
            x += sum_str(ev->e.trace_id) + sum_str(ev->e.span_id) + sum_str(ev->e.metric) +
                 sum_str(ev->e.label) + sum_str(ev->e.explanation) + sum_str(ev->e.evaluator) +
                 sum_str(ev->e.evaluator_version) + sum_str(ev->e.source) + sum_str(ev->response_id);
            if (ev->rc == ERR_OK && (ev->e.metric.n == 0 || ev->e.trace_id.n == 0)) abort();
            if (ev->e.explanation.n > EVAL_EXPLANATION_MAX) abort();
        }
        if (st.evals_ok != ok) abort();
        if (st.evals_ok + st.evals_rejected != n + otlp_evq_overflow(q)) abort();
        if (st.events_seen != st.evals_ok + st.evals_rejected + st.events_other) abort();
        if (x == 1) abort(); /* keep the reads */
    }
    free(p);
    return 0;
}
