/* otlp_eval_dump: decodes an OTLP file and prints its gen_ai.evaluation.result events in the
 * format of tests/otel/vectors/expected_evals_*.tsv, then the counts line on stderr.
 * Usage: otlp_eval_dump trace-proto|trace-json|logs-proto|logs-json FILE NOW_MS
 * (NOW_MS: the clock eval_validate uses, fixed so old vectors stay valid). Exit 1 on a decode
 * error (printed). Used by tests/integration/t_otel_eval_vectors.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../otel/eval_row.h"
#include "csv.h" /* csv_read_file: the project's whole-file reader */
#include "err.h"
#include "otlp.h"
#include "otlp_logs.h"

static int no_span(void *ctx, span_t *s) {
    (void)ctx, (void)s;
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: otlp_eval_dump trace-proto|trace-json|logs-proto|logs-json FILE NOW_MS\n");
        return 2;
    }
    char *buf, ferr[256];
    size_t n;
    if (csv_read_file(argv[2], &buf, &n, ferr, sizeof(ferr)) < 0) {
        fprintf(stderr, "%s\n", ferr);
        return 2;
    }
    int64_t now_ms = strtoll(argv[3], NULL, 10);
    char errstr[256], detail[256] = "";
    otlp_evq_t *q = otlp_evq_new(0, NULL, errstr, sizeof(errstr));
    otlp_dec_t *d = otlp_dec_new(NULL, errstr, sizeof(errstr));
    if (!q || !d) {
        fprintf(stderr, "%s\n", errstr);
        return 2;
    }
    otlp_evq_stats_t st = {0};
    int rc;
    const char *mode = argv[1];
    if (strcmp(mode, "logs-proto") == 0) {
        rc = otlp_logs_proto_decode(q, (const uint8_t *)buf, n, now_ms, &st, detail, sizeof(detail));
    } else if (strcmp(mode, "logs-json") == 0) {
        rc = otlp_logs_json_decode(q, buf, n, now_ms, &st, detail, sizeof(detail));
    } else {
        otlp_evq_attach(q, d);
        rc = otlp_evq_begin(q, strcmp(mode, "trace-json") == 0 ? n : 0, now_ms);
        if (rc == ERR_OK)
            rc = strcmp(mode, "trace-json") == 0
                     ? otlp_json_decode(d, buf, n, no_span, NULL, NULL, detail, sizeof(detail))
                     : otlp_proto_decode(d, (const uint8_t *)buf, n, no_span, NULL, NULL, detail,
                                         sizeof(detail));
        if (rc == ERR_OK) otlp_evq_end(q, &st);
    }
    if (rc != ERR_OK) {
        fprintf(stderr, "decode error %s: %s\n", err_name(rc), detail);
    } else {
        static char row[1 << 16];
        for (size_t i = 0; i < otlp_evq_count(q); i++) {
            eval_row(otlp_evq_get(q, i), row, sizeof(row));
            puts(row);
        }
    }
    fprintf(stderr, "# events_seen=%llu evals_ok=%llu evals_rejected=%llu events_other=%llu\n",
            (unsigned long long)st.events_seen, (unsigned long long)st.evals_ok,
            (unsigned long long)st.evals_rejected, (unsigned long long)st.events_other);
    otlp_evq_attach(NULL, d);
    otlp_dec_destroy(d);
    otlp_evq_destroy(q);
    free(buf);
    return rc == ERR_OK ? 0 : 1;
}
