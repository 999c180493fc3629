/* ch_stub: a fault-injecting stand-in for ClickHouse's HTTP interface (libmicrohttpd), for
 * answers a real 18.16 server will not give on demand (TOO_MANY_PARTS, 503, slow replies,
 * header-only exception codes, modern zstd/lz4 bodies).
 *   ch_stub SCRIPT LOG PORTFILE
 * Listens on a free 127.0.0.1 port (written to PORTFILE). Each POST whose body is not
 * "SELECT version()" takes the next SCRIPT line:  STATUS CODE DELAY_MS [TEXT…]
 *   CODE  "-" none · "N" header X-ClickHouse-Exception-Code and body "Code: N. DB::Exception: TEXT"
 *         · "HN" header only (body is TEXT)
 * After the script, every request gets 200. "SELECT version()" is answered "24.8.1.1",
 * "DESCRIBE TABLE …" with the modern span table, "SELECT count() FROM …" with 0 (none of them
 * logged or numbered).
 * LOG gets one line per request: REQ n conn=C enc=E raw=R body=B crc=X user=U token=T mvdedup=M
 * query=Q (body decompressed per Content-Encoding gzip|zstd|lz4). Runs until SIGTERM/SIGINT. */
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "buf.h"
#include "rowbin.h"
#include "test_http.h"

typedef struct {
    buf_t body;
    int conn_id;
} req_t;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char **script;
static size_t nscript, next_line;
static int nreq, nconn;
static FILE *stub_log;


static void on_conn(void *cls, struct MHD_Connection *c, void **socket_ctx,
                    enum MHD_ConnectionNotificationCode code) {
    if (code != MHD_CONNECTION_NOTIFY_STARTED) return;
    pthread_mutex_lock(&lock);
    int id = ++nconn;
    pthread_mutex_unlock(&lock);
    *socket_ctx = (void *)(intptr_t)id;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *hdr_code,
                             const char *body) {
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    if (hdr_code) MHD_add_response_header(r, "X-ClickHouse-Exception-Code", hdr_code);
    MHD_add_response_header(r, "Content-Type", "text/plain; charset=UTF-8");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* DESCRIBE TABLE's TabSeparated answer for the modern span table, from the encoder's own
 * structure string ("name Type, name Type(a, b), …": split at top-level commas). */
static const char *describe_tsv(void) {
    static char out[16384];
    if (out[0]) return out;
    const char *st = rowbin_structure(0);
    size_t n = 0;
    int depth = 0, in_name = 1;
    for (const char *p = st; *p && n + 4 < sizeof(out); p++) {
        if (in_name && *p == ' ') {
            out[n++] = '\t';
            in_name = 0;
        } else if (!in_name && depth == 0 && p[0] == ',' && p[1] == ' ') {
            out[n++] = '\n';
            in_name = 1;
            p++;
        } else {
            depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
            out[n++] = *p;
        }
    }
    out[n++] = '\n';
    out[n] = 0;
    return out;
}

static const char *arg(struct MHD_Connection *c, const char *k) {
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, k);
    return v ? v : "-";
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **con_cls) {
    req_t *rq = *con_cls;
    if (!rq) {
        rq = calloc(1, sizeof *rq);
        buf_init(&rq->body, 0);
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        rq->conn_id = ci ? (int)(intptr_t)ci->socket_context : 0;
        *con_cls = rq;
        return MHD_YES;
    }
    if (*upload_size) {
        buf_append(&rq->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (!strcmp(url, "/ping")) return reply(c, 200, NULL, "Ok.\n");
    if (rq->body.len == 16 && !memcmp(rq->body.data, "SELECT version()", 16))
        return reply(c, 200, NULL, "24.8.1.1\n");
    /* The worker's start-up schema check and its look-up of re-read ranges: answered as a
     * server holding the modern table and nothing at those offsets; not numbered, not logged,
     * no script line taken. */
    if (rq->body.len > 15 && !memcmp(rq->body.data, "DESCRIBE TABLE ", 15))
        return reply(c, 200, NULL, describe_tsv());
    if (rq->body.len > 20 && !memcmp(rq->body.data, "SELECT count() FROM ", 20))
        return reply(c, 200, NULL, "0\n");
    const char *enc = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Encoding");
    buf_t plain;
    buf_init(&plain, 0);
    int bad = http_body_decode(enc, &rq->body, &plain);
    uLong crc = crc32(0, plain.data ? plain.data : (const Bytef *)"", (uInt)plain.len);
    char *user = NULL, *pass = NULL;
    user = MHD_basic_auth_get_username_password(c, &pass);
    pthread_mutex_lock(&lock);
    int n = ++nreq;
    char *line = next_line < nscript ? script[next_line++] : NULL;
    fprintf(stub_log, "REQ %d conn=%d enc=%s raw=%zu body=%zu crc=%08lx%s user=%s token=%s mvdedup=%s query=%s\n",
            n, rq->conn_id, enc ? enc : "-", rq->body.len, plain.len, crc, bad ? " DECOMPRESS_FAILED" : "",
            user ? user : "-", arg(c, "insert_deduplication_token"),
            arg(c, "deduplicate_blocks_in_dependent_materialized_views"), arg(c, "query"));
    fflush(stub_log);
    pthread_mutex_unlock(&lock);
    MHD_free(user);
    MHD_free(pass);
    buf_deinit(&plain);
    unsigned status = 200;
    char code[32] = "-", text[512] = "", body[700] = "";
    int delay = 0;
    if (line) sscanf(line, "%u %31s %d %511[^\n]", &status, code, &delay, text);
    if (delay > 0) usleep((useconds_t)delay * 1000);
    const char *hdr = NULL;
    if (code[0] == 'H') {
        hdr = code + 1;
        snprintf(body, sizeof body, "%s\n", text);
    } else if (strcmp(code, "-") != 0) {
        hdr = code;
        snprintf(body, sizeof body, "Code: %s. DB::Exception: %s. (STUB) (version 24.8.1.1)\n", code, text);
    } else {
        snprintf(body, sizeof body, "%s%s", text, *text ? "\n" : "");
    }
    return reply(c, status, hdr, body);
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode toe) {
    req_t *rq = *con_cls;
    if (!rq) return;
    buf_deinit(&rq->body);
    free(rq);
    *con_cls = NULL;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: ch_stub SCRIPT LOG PORTFILE\n");
        return 2;
    }
    FILE *sf = fopen(argv[1], "r");
    if (!sf) return 2;
    char l[1024];
    while (fgets(l, sizeof l, sf)) {
        l[strcspn(l, "\n")] = 0;
        if (!l[0] || l[0] == '#') continue;
        script = realloc(script, (nscript + 1) * sizeof *script);
        script[nscript++] = strdup(l);
    }
    fclose(sf);
    stub_log = fopen(argv[2], "w");
    if (!stub_log) return 2;
    int rc = test_http_serve("ch_stub", on_request, on_done, on_conn, 0, argv[3]);
    fclose(stub_log);
    for (size_t i = 0; i < nscript; i++) free(script[i]);
    free(script);
    return rc;
}
