/* libFuzzer target for the CSV reader and both table parsers (pricing, tenants).
 * Feeds the input to csv_next, price_parse and tenant_parse; when a table parses, every
 * input line is also used as a model name, provider, key and tenant id in lookups, so the
 * hash probing, snapshot stripping and cost arithmetic run on hostile names too. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../ingest/csv.h"
#include "../../ingest/price.h"
#include "../../ingest/tenant.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *text = (const char *)data;
    char err[256];
    csv_reader_t rd;
    csv_init(&rd, text, size);
    while (csv_next(&rd, err, sizeof(err)) == 1) {
        for (size_t i = 0; i < rd.nfields; i++) {
            uint64_t v;
            (void)csv_decimal_nano(rd.fields[i].p, rd.fields[i].n, UINT64_MAX, &v);
            if (rd.fields[i].p[rd.fields[i].n] != 0) __builtin_trap(); /* NUL-terminated at n */
        }
    }
    csv_deinit(&rd);

    price_table_t *pt = price_parse(text, size, "fuzz", err, sizeof(err));
    tenant_table_t *tt = tenant_parse(text, size, "fuzz", err, sizeof(err));
    span_t s;
    const char *p = text, *end = text + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (n > 4096) n = 4096;
        span_reset(&s);
        s.model = span_str(p, n);
        s.response_model = span_str(p, n / 2);
        s.provider = span_str(p, n / 3);
        s.ts_ms = (int64_t)n * 86400000ll * 97;
        s.input_tokens = UINT32_MAX - (uint32_t)n;
        s.cache_read_tokens = (uint32_t)n * 1000003u;
        s.cache_write_tokens = UINT32_MAX;
        s.output_tokens = (uint32_t)n;
        s.reasoning_tokens = (uint32_t)n * 7u;
        s.is_batch = n & 1;
        if (price_apply(pt, &s) && s.cost_computed_nusd < 0) __builtin_trap();
        s.api_key_id = span_str(p, n);
        s.service = span_str(p, n / 2);
        s.user_id = span_str(p, n / 3);
        (void)tenant_apply(tt, (n & 2) ? TENANT_POLICY_OVERRIDE : TENANT_POLICY_FILL, &s);
        (void)tenant_budget_nusd(tt, s.tenant_id);
        p += n + 1;
    }
    price_destroy(pt);
    tenant_destroy(tt);
    return 0;
}
