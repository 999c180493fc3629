/* chhttp: ClickHouse's HTTP interface, the subset the worker uses, in front of the modern
 * embedded engine (libchdb, ClickHouse 26.x), for the soak and delivery tests: libchdb has no
 * HTTP server, and delivery claims must be proven where dedup tokens exist.
 *   chhttp DBPATH PORTFILE [--seed N] [--port P]
 * Listens on 127.0.0.1:P, or a free port (written to PORTFILE; a restart after a kill takes
 * the same port back so clients keep their URL). Requests:
 *   POST ?query=INSERT INTO db.t (cols) FORMAT RowBinary[&insert_deduplication_token=T
 *        &deduplicate_blocks_in_dependent_materialized_views=1], body RowBinary (Content-Encoding
 *        gzip|zstd|lz4|none): inserted through file() with the token, as ClickHouse would
 *   POST/GET any other query (URL query + body, like ClickHouse): run, TabSeparated answer
 *   errors: HTTP 500 with X-ClickHouse-Exception-Code and the engine's "Code: N. …" text
 *   GET /ctl?fail_before=P&fail_after=P&slow_after_ms=M&down=0|1  fault switches for inserts:
 *        P % answered 500 without storing / 500 AFTER storing; M ms of delay after storing
 *        (the client may time out: an answer lost after the insert); down: every request 503
 *   GET /ctl?slow_table=DB.T  slow_after_ms applies to inserts into DB.T only ("" = all)
 *   GET /ctl?hold_ms=M  every insert waits M ms before it is stored, outside the engine lock
 *        (queries go on meanwhile): an insert whose client is gone (crashed, timed out) lands
 *        late, as on a busy server; holding counts those waiting now
 *   GET /stats  "inserts N stored N failed_before N failed_after N slowed N holding N"
 * Inserts are serialized (one engine connection). Runs until SIGTERM/SIGINT. Test-only. */
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "chdb.h"
#include "test_http.h"

typedef struct {
    buf_t body;
} req_t;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER; /* the engine and the counters */
static chdb_t *db;
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static int fail_before, fail_after, slow_after_ms, down, hold_ms, holding;
static char slow_table[256]; /* "" = every table */
static long n_inserts, n_stored, n_failed_before, n_failed_after, n_slowed;

/* (table, columns) -> structure, learned from system.columns once per pair. */
typedef struct {
    char *key, *structure;
} shape_t;
static shape_t shapes[64];
static int n_shapes;


static int roll(void) { /* xorshift64, under lock */
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (int)(rng % 100);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *code,
                             const char *body, size_t len) {
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (code) MHD_add_response_header(r, "X-ClickHouse-Exception-Code", code);
    MHD_add_response_header(r, "Content-Type", "text/plain; charset=UTF-8");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* The engine's error text as ClickHouse's HTTP interface answers it. */
static enum MHD_Result reply_error(struct MHD_Connection *c, const char *msg) {
    char code[16] = "1001";
    const char *p = strstr(msg, "Code: ");
    if (p) snprintf(code, sizeof(code), "%d", atoi(p + 6));
    char body[2048];
    int n = snprintf(body, sizeof(body), "%s\n", msg);
    return reply(c, 500, code, body, (size_t)(n < (int)sizeof(body) ? n : (int)sizeof(body) - 1));
}

static const char *arg(struct MHD_Connection *c, const char *k) {
    return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, k);
}

/* The "name Type, …" structure of cols of table (db.table), under lock. NULL + err. */
static const char *shape_of(const char *table, const char *cols, char *err, size_t errn) {
    char key[8192];
    snprintf(key, sizeof(key), "%s|%s", table, cols);
    for (int i = 0; i < n_shapes; i++)
        if (!strcmp(shapes[i].key, key)) return shapes[i].structure;
    char dbn[256] = "default", tn[256];
    const char *dot = strchr(table, '.');
    if (dot) {
        snprintf(dbn, sizeof(dbn), "%.*s", (int)(dot - table), table);
        snprintf(tn, sizeof(tn), "%s", dot + 1);
    } else {
        snprintf(tn, sizeof(tn), "%s", table);
    }
    char sql[1024], *out = NULL;
    snprintf(sql, sizeof(sql),
             "SELECT name, type FROM system.columns WHERE database = '%s' AND table = '%s'", dbn,
             tn);
    if (chdb_exec(db, sql, "TabSeparated", &out, NULL, err, errn) != 0) return NULL;
    buf_t st;
    buf_init(&st, 0);
    const char *c = cols;
    while (*c) {
        while (*c == ' ' || *c == ',')
            c++;
        size_t n = strcspn(c, ", ");
        if (!n) break;
        const char *line = out;
        int found = 0;
        while (line && *line) {
            const char *tab = strchr(line, '\t'), *nl = strchr(line, '\n');
            if (!nl) nl = line + strlen(line);
            if (tab && tab < nl && (size_t)(tab - line) == n && !memcmp(line, c, n)) {
                if (st.len) buf_put(&st, ", ", 2);
                buf_put(&st, c, n);
                buf_put(&st, " ", 1);
                buf_put(&st, tab + 1, (size_t)(nl - tab - 1));
                found = 1;
                break;
            }
            line = *nl ? nl + 1 : nl;
        }
        if (!found) {
            snprintf(err, errn, "Code: 16. DB::Exception: No such column %.*s in table %s", (int)n,
                     c, table);
            free(out);
            buf_deinit(&st);
            return NULL;
        }
        c += n;
    }
    free(out);
    buf_put(&st, "", 1);
    if (n_shapes == 64) n_shapes = 0; /* a test never has that many */
    free(shapes[n_shapes].key);
    free(shapes[n_shapes].structure);
    shapes[n_shapes].key = strdup(key);
    shapes[n_shapes].structure = strdup((const char *)st.data);
    buf_deinit(&st);
    return shapes[n_shapes++].structure;
}

static enum MHD_Result do_insert(struct MHD_Connection *c, const char *q, const buf_t *raw) {
    char table[256];
    const char *open = strchr(q, '('), *close = strstr(q, ") FORMAT RowBinary");
    if (sscanf(q, "INSERT INTO %255s", table) != 1 || !open || !close || close < open) {
        const char *m = "Code: 62. DB::Exception: chhttp understands INSERT INTO t (cols) FORMAT "
                        "RowBinary only";
        return reply_error(c, m);
    }
    char *cols = strndup(open + 1, (size_t)(close - open - 1));
    const char *enc = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Encoding");
    buf_t plain;
    buf_init(&plain, 0);
    if (http_body_decode(enc, raw, &plain) != 0) {
        free(cols);
        buf_deinit(&plain);
        return reply_error(c, "Code: 432. DB::Exception: Unknown codec or corrupt body");
    }
    char settings[1024] = "", err[2048] = "";
    const char *tok = arg(c, "insert_deduplication_token");
    if (tok) {
        if (strchr(tok, '\'') || strchr(tok, '\\')) tok = "bad-token";
        snprintf(settings, sizeof(settings), "insert_deduplication_token = '%s'%s", tok,
                 arg(c, "deduplicate_blocks_in_dependent_materialized_views")
                     ? ", deduplicate_blocks_in_dependent_materialized_views = 1"
                     : "");
    }
    pthread_mutex_lock(&lock);
    int hold = hold_ms;
    holding += hold > 0;
    pthread_mutex_unlock(&lock);
    if (hold > 0) usleep((useconds_t)hold * 1000u);
    pthread_mutex_lock(&lock);
    holding -= hold > 0;
    n_inserts++;
    int before = roll() < fail_before, after = !before && roll() < fail_after;
    int slow = !*slow_table || !strcmp(slow_table, table) ? slow_after_ms : 0;
    int rc = 0;
    if (before) {
        n_failed_before++;
    } else {
        const char *st = shape_of(table, cols, err, sizeof(err));
        rc = st ? chdb_insert_rowbinary(db, table, cols, st, tok ? settings : NULL, plain.data,
                                        plain.len, err, sizeof(err))
                : -1;
        if (rc == 0) n_stored++;
        if (rc == 0 && after) n_failed_after++;
        if (rc == 0 && slow) n_slowed++;
    }
    pthread_mutex_unlock(&lock);
    free(cols);
    buf_deinit(&plain);
    if (before) return reply(c, 500, NULL, "injected failure before storing\n", 32);
    if (rc != 0) return reply_error(c, err);
    for (int t = 0; t < slow && !test_http_stop; t += 50)
        usleep(50000); /* until SIGTERM at most */
    if (after) return reply(c, 500, NULL, "injected failure after storing\n", 31);
    return reply(c, 200, NULL, "", 0);
}

static enum MHD_Result do_query(struct MHD_Connection *c, const char *q, const buf_t *body) {
    buf_t sql;
    buf_init(&sql, 0);
    if (q) buf_put(&sql, q, strlen(q));
    if (q && body->len) buf_put(&sql, "\n", 1);
    if (body->len) buf_put(&sql, body->data, body->len);
    buf_put(&sql, "", 1);
    char *out = NULL, err[2048];
    size_t n = 0;
    pthread_mutex_lock(&lock);
    int rc = chdb_exec(db, (const char *)sql.data, "TabSeparated", &out, &n, err, sizeof(err));
    pthread_mutex_unlock(&lock);
    buf_deinit(&sql);
    if (rc != 0) return reply_error(c, err);
    enum MHD_Result r = reply(c, 200, NULL, out ? out : "", out ? n : 0);
    free(out);
    return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls) {
    req_t *rq = *con_cls;
    if (!rq) {
        rq = calloc(1, sizeof *rq);
        buf_init(&rq->body, 0);
        *con_cls = rq;
        return MHD_YES;
    }
    if (*upload_size) {
        buf_append(&rq->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    char msg[256];
    if (!strcmp(url, "/ping")) return reply(c, 200, NULL, "Ok.\n", 4);
    if (!strcmp(url, "/ctl")) {
        pthread_mutex_lock(&lock);
        const char *v;
        if ((v = arg(c, "fail_before"))) fail_before = atoi(v);
        if ((v = arg(c, "fail_after"))) fail_after = atoi(v);
        if ((v = arg(c, "slow_after_ms"))) slow_after_ms = atoi(v);
        if ((v = arg(c, "down"))) down = atoi(v);
        if ((v = arg(c, "hold_ms"))) hold_ms = atoi(v);
        if ((v = arg(c, "slow_table"))) snprintf(slow_table, sizeof(slow_table), "%s", v);
        int n =
            snprintf(msg, sizeof(msg), "fail_before %d fail_after %d slow_after_ms %d down %d\n",
                     fail_before, fail_after, slow_after_ms, down);
        pthread_mutex_unlock(&lock);
        return reply(c, 200, NULL, msg, (size_t)n);
    }
    if (!strcmp(url, "/stats")) {
        pthread_mutex_lock(&lock);
        int n = snprintf(msg, sizeof(msg),
                         "inserts %ld stored %ld failed_before %ld failed_after %ld slowed %ld "
                         "holding %d\n",
                         n_inserts, n_stored, n_failed_before, n_failed_after, n_slowed, holding);
        pthread_mutex_unlock(&lock);
        return reply(c, 200, NULL, msg, (size_t)n);
    }
    if (down) return reply(c, 503, NULL, "down (injected)\n", 16);
    const char *q = arg(c, "query");
    if (q && !strncmp(q, "INSERT INTO ", 12) && strstr(q, "FORMAT RowBinary"))
        return do_insert(c, q, &rq->body);
    return do_query(c, q, &rq->body);
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
    if (argc < 3) {
        fprintf(stderr, "usage: chhttp DBPATH PORTFILE [--seed N] [--port P]\n");
        return 2;
    }
    unsigned port = 0;
    for (int i = 3; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--port")) port = (unsigned)atoi(argv[i + 1]);
    for (int i = 3; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--seed"))
            rng ^= strtoull(argv[i + 1], NULL, 0) * 0xbf58476d1ce4e5b9ull;
    char err[1024];
    if (!(db = chdb_open(argv[1], err, sizeof(err)))) {
        fprintf(stderr, "chhttp: %s\n", err);
        return 1;
    }
    int rc = test_http_serve("chhttp", on_request, on_done, NULL, port, argv[2]);
    chdb_close(db);
    return rc;
}
