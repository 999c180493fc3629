/* otlp_harness.h — the one libFuzzer body shared by the OTLP decoder targets. Include it after
 * defining FZ_DECODE (otlp_proto_decode or otlp_json_decode). Any input must give ERR_OK or a
 * POISON code with a detail, never a crash, leak or overread; on error no span may have been
 * emitted (all or nothing), and every emitted span's strings must be readable. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "otlp.h"

typedef struct { int n; uint64_t sum; } fz_ctx_t;

static int fz_cb(void *ctx, span_t *s) {
    fz_ctx_t *c = ctx;
    const span_str_t *strs[] = {&s->trace_id, &s->span_id, &s->provider, &s->model,
                                &s->response_model, &s->operation, &s->service,
                                &s->tenant_id, &s->finish_reason, &s->error_class};
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        for (uint32_t k = 0; k < strs[i]->n; k++) c->sum += (uint8_t)strs[i]->p[k];
    for (uint32_t i = 0; i < s->n_attrs; i++) {
        for (uint32_t k = 0; k < s->attrs[i].key.n; k++) c->sum += (uint8_t)s->attrs[i].key.p[k];
        for (uint32_t k = 0; k < s->attrs[i].val.n; k++) c->sum += (uint8_t)s->attrs[i].val.p[k];
    }
    if (s->n_attrs > SPAN_MAX_ATTRS) abort();
    c->n++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static otlp_dec_t *d;
    if (!d) {
        otlp_map_t m;
        otlp_map_default(&m);
        m.keep_all = 1; /* exercise the whole mapping on every span */
        d = otlp_dec_new(&m, NULL, 0);
        if (!d) abort();
    }
    /* A private copy so reads past the end are caught by ASan. */
    uint8_t *p = malloc(size ? size : 1);
    memcpy(p, data, size);
    fz_ctx_t c = {0, 0};
    otlp_stats_t st = {0};
    char detail[128];
    int rc = FZ_DECODE(d, (const void *)p, size, fz_cb, &c, &st, detail, sizeof(detail));
    if (rc != ERR_OK) {
        if (c.n != 0) abort();                          /* all or nothing */
        if (err_class(rc) != ERR_CLASS_POISON) abort(); /* never NOMEM on small inputs */
        if (!detail[0]) abort();
    } else if ((uint64_t)c.n != st.spans_emitted) {
        abort();
    }
    free(p);
    return 0;
}
