/* otlp_dump: decodes an OTLP trace request file (protobuf or OTLP/JSON) and prints the
 * mapped columns of each emitted span in the format of tests/otel/vectors/expected.tsv.
 * Usage: otlp_dump proto|json FILE [--keep-all]. Exit 1 on a decode error (printed).
 * Used by tests/integration/t_otel_vectors.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../otel/otlp_row.h"
#include "csv.h" /* csv_read_file: the project's whole-file reader */
#include "err.h"
#include "otlp.h"

static int print_span(void *ctx, span_t *s) {
    char row[65536];
    (void)ctx;
    otlp_row(s, row, sizeof(row));
    puts(row);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: otlp_dump proto|json FILE [--keep-all]\n");
        return 2;
    }
    char *buf, ferr[256];
    size_t n;
    if (csv_read_file(argv[2], &buf, &n, ferr, sizeof(ferr)) < 0) {
        fprintf(stderr, "%s\n", ferr);
        return 2;
    }
    otlp_map_t m;
    otlp_map_default(&m);
    m.keep_all = argc > 3 && strcmp(argv[3], "--keep-all") == 0;
    char errstr[256], detail[256];
    otlp_dec_t *d = otlp_dec_new(&m, errstr, sizeof(errstr));
    if (!d) {
        fprintf(stderr, "%s\n", errstr);
        return 2;
    }
    otlp_stats_t st = {0};
    int rc = strcmp(argv[1], "json") == 0
                 ? otlp_json_decode(d, buf, n, print_span, NULL, &st, detail, sizeof(detail))
                 : otlp_proto_decode(d, (const uint8_t *)buf, n, print_span, NULL, &st, detail,
                                     sizeof(detail));
    if (rc != ERR_OK) fprintf(stderr, "decode error %s: %s\n", err_name(rc), detail);
    fprintf(stderr, "# spans_seen=%llu spans_emitted=%llu\n", (unsigned long long)st.spans_seen,
            (unsigned long long)st.spans_emitted);
    otlp_dec_destroy(d);
    free(buf);
    return rc == ERR_OK ? 0 : 1;
}
