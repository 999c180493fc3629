/* Fuzz target for the LiteLLM price-list import (ingest/pricing_import.c): no crash or
 * overread on any bytes; whatever it accepts is a pricing file the workers' parser loads
 * (the command refuses to print anything else, so a mismatch here is a bug in the converter).
 * pricing_import.c is included directly: it lives in the worker library (it links jansson). */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../ingest/price.h"
#include "../../ingest/pricing_import.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    buf_t csv, rep;
    char err[256];
    pricing_import_stats_t st;
    buf_init(&csv, 0);
    buf_init(&rep, 0);
    if (pricing_import_litellm((const char *)data, size, "2025-12-01", &csv, &rep, &st, err,
                               sizeof(err)) == 0) {
        char e2[256];
        price_table_t *pt = price_parse((const char *)csv.data, csv.len, "fuzz", e2, sizeof(e2));
        if (!pt) {
            fprintf(stderr, "converted rows refused: %s\n%.*s\n", e2, (int)csv.len,
                    (const char *)csv.data);
            abort();
        }
        price_destroy(pt);
    }
    buf_deinit(&csv);
    buf_deinit(&rep);
    return 0;
}
