/* Measures protobuf-c against ingest/otlp_proto.c on the same SDK record, one core, CPU time.
 * protobuf-c: unpack the request (a heap tree) + walk every span's attributes comparing keys
 * against the mapped names (the least a mapper must do) + free. Hand-written: the full
 * otlp_proto_decode (check pass, mapping, ids to hex, callback). Built by run.sh only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "otlp.h"
#include "trace_subset.pb-c.h"

static double cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
static int cb(void *ctx, span_t *s) {
    *(uint64_t *)ctx += s->input_tokens;
    return 0;
}

int main(int argc, char **argv) {
    static uint8_t buf[1 << 22];
    FILE *f = fopen(argc > 1 ? argv[1] : "tests/otel/vectors/bench_20spans.pb", "rb");
    if (!f) return 2;
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    uint64_t sum = 0, spans = 0;
    double best_c = 0, best_h = 0;
    for (int round = 0; round < 3; round++) {
        double t0 = cpu_s(), t;
        uint64_t recs = 0;
        do {
            for (int i = 0; i < 100; i++) {
                Otlpsub__ExportTraceServiceRequest *r =
                    otlpsub__export_trace_service_request__unpack(NULL, n, buf);
                if (!r) return 1;
                spans = 0;
                for (size_t a = 0; a < r->n_resource_spans; a++)
                    for (size_t b = 0; b < r->resource_spans[a]->n_scope_spans; b++) {
                        Otlpsub__ScopeSpans *ss = r->resource_spans[a]->scope_spans[b];
                        for (size_t c = 0; c < ss->n_spans; c++, spans++)
                            for (size_t k = 0; k < ss->spans[c]->n_attributes; k++) {
                                Otlpsub__KeyValue *kv = ss->spans[c]->attributes[k];
                                if (strcmp(kv->key, "gen_ai.usage.input_tokens") == 0 && kv->value)
                                    sum += (uint64_t)kv->value->int_value;
                            }
                    }
                otlpsub__export_trace_service_request__free_unpacked(r, NULL);
            }
            recs += 100;
            t = cpu_s() - t0;
        } while (t < 1.0);
        if (recs * spans / t > best_c) best_c = recs * spans / t;

        otlp_dec_t *d = otlp_dec_new(NULL, NULL, 0);
        t0 = cpu_s();
        recs = 0;
        do {
            for (int i = 0; i < 100; i++) otlp_proto_decode(d, buf, n, cb, &sum, NULL, NULL, 0);
            recs += 100;
            t = cpu_s() - t0;
        } while (t < 1.0);
        if (recs * spans / t > best_h) best_h = recs * spans / t;
        otlp_dec_destroy(d);
    }
    printf("record %zu B, %llu spans: protobuf-c unpack+walk+free %.0f spans/s; "
           "hand-written full decode+mapping %.0f spans/s (x%.1f) [%llu]\n",
           n, (unsigned long long)spans, best_c, best_h, best_h / best_c,
           (unsigned long long)(sum & 0xff));
    return 0;
}
