/* Fuzz target for the bill decoders (ingest/bill.c): every format on any bytes — no crash, no
 * overread; a refused input leaves the line list exactly as it was and says why; every stored
 * line's strings are terminated within their fields. bill.c is included directly: it lives in
 * the worker library (it links jansson), which fuzz builds do not link. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../ingest/bill.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    for (int f = 0; f < BILL__COUNT; f++) {
        bill_lines_t l = {0};
        char err[256] = "";
        bill_line_t keep; /* one line already there must survive a refusal */
        memset(&keep, 0, sizeof(keep));
        snprintf(keep.model, sizeof(keep.model), "kept");
        bd_t b = {&l, err, sizeof(err), ""};
        assert(push(&b) != NULL);
        l.v[0] = keep;
        int rc = bill_decode((bill_format_t)f, (const char *)data, size, &l, err, sizeof(err));
        if (rc != 0) {
            assert(l.n == 1 && err[0] != 0);
        } else {
            for (size_t i = 1; i < l.n; i++) {
                assert(memchr(l.v[i].model, 0, sizeof(l.v[i].model)));
                assert(memchr(l.v[i].token_type, 0, sizeof(l.v[i].token_type)));
                assert(memchr(l.v[i].line_item, 0, sizeof(l.v[i].line_item)));
                assert(memchr(l.v[i].source_ref, 0, sizeof(l.v[i].source_ref)));
                assert(l.v[i].token_type[0] != 0);
            }
        }
        assert(!strcmp(l.v[0].model, "kept"));
        bill_lines_free(&l);
    }
    return 0;
}
