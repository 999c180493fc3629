/* sink_http: ClickHouse over HTTP with libcurl (see sink_http.h).
 *
 * The query goes in the URL (?query=INSERT … FORMAT RowBinary) and the body carries only the
 * rows: this is the one form that both 18.16 and current servers accept, and it lets the body
 * be compressed as a whole. Auth is HTTP basic (18.16 ignores X-ClickHouse-User/Key).
 * 18.16 sends no X-ClickHouse-Exception-Code header, so the code is also parsed from the body
 * ("Code: 60, e.displayText() = …" on 18.16, "Code: 60. DB::Exception: …" today). */
#include "sink_http.h"

#include <curl/curl.h>
#include <lz4frame.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "buf.h"

enum { SINK_HTTP_NONE, SINK_HTTP_GZIP, SINK_HTTP_ZSTD, SINK_HTTP_LZ4 };

#define SINK_HTTP_ERRBODY_MAX (64u << 10) /* keep at most this much of an error answer */
#define SINK_HTTP_RESULT_MAX (256u << 20) /* exec results larger than this fail */

typedef struct sink_http_s {
    sink_t base;
    CURL *curl;
    struct curl_slist *hdrs;
    struct curl_slist *connect_to; /* CURLOPT_CONNECT_TO's one entry; NULL = none */
    char *url;                     /* base URL + separator ("/?" or "&"), ready for params */
    char *database;                /* NULL = none */
    char *user, *password, *ca_file, *ca_dir, *cert_file, *key_file;
    long connect_timeout_ms, timeout_ms;
    int compression;
    int tls_verify;
    int legacy;
    const volatile sig_atomic_t *cancel; /* borrowed, may be NULL */
    buf_t body;                          /* compressed request body, reused */
    buf_t resp;                          /* response body, reused */
    buf_t query;                         /* URL being built, reused */
    int resp_code_hdr;                   /* X-ClickHouse-Exception-Code of the last answer */
    int collect_all; /* exec: keep the whole body, else only the first SINK_HTTP_ERRBODY_MAX */
    sink_http_stats_t st;
    char curl_err[CURL_ERROR_SIZE];
} sink_http_t;

static pthread_once_t sink_http_once = PTHREAD_ONCE_INIT;
static void sink_http_global_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

static char *sink_http_strdup(const char *s) { return s ? strdup(s) : NULL; }

static size_t sink_http_on_body(char *p, size_t size, size_t n, void *ud) {
    sink_http_t *h = ud;
    size_t len = size * n;
    size_t room = (h->collect_all ? SINK_HTTP_RESULT_MAX : SINK_HTTP_ERRBODY_MAX);
    if (h->resp.len >= room) return h->collect_all ? 0 : len; /* error bodies: truncate quietly */
    size_t take = len < room - h->resp.len ? len : room - h->resp.len;
    buf_append(&h->resp, p, take);
    if (buf_error(&h->resp)) return 0;
    if (take < len && h->collect_all) return 0;
    return len;
}

static size_t sink_http_on_header(char *p, size_t size, size_t n, void *ud) {
    sink_http_t *h = ud;
    size_t len = size * n;
    static const char key[] = "x-clickhouse-exception-code:";
    if (len > sizeof(key) - 1 && strncasecmp(p, key, sizeof(key) - 1) == 0) {
        int v = 0;
        for (size_t i = sizeof(key) - 1; i < len; i++)
            if (p[i] >= '0' && p[i] <= '9')
                v = v * 10 + (p[i] - '0');
            else if (v)
                break;
        h->resp_code_hdr = v;
    }
    return len;
}

/* Appends s to h->query, percent-encoded for a URL query component. */
static void sink_http_put_escaped(buf_t *b, const char *s) {
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            buf_put(b, s, 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            buf_put(b, e, 3);
        }
    }
}

static void sink_http_put_param(buf_t *b, const char *k, const char *v) {
    if (b->len && b->data[b->len - 1] != '?' && b->data[b->len - 1] != '&') buf_put(b, "&", 1);
    buf_put(b, k, strlen(k));
    buf_put(b, "=", 1);
    sink_http_put_escaped(b, v);
}

/* Fills res from a curl failure. */
/* libcurl calls this at least once a second during a transfer; non-zero abandons it. */
static int sink_http_on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                                 curl_off_t ulnow) {
    const sink_http_t *h = ud;
    return h->cancel && *h->cancel;
}

static int sink_http_curl_fail(sink_http_t *h, CURLcode cc, sink_result_t *res) {
    switch (cc) {
    case CURLE_OPERATION_TIMEDOUT:
        res->err = ERR_TIMEOUT;
        break;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_LOGIN_DENIED:
        res->err = ERR_SERVER_FATAL;
        break;
    default:
        res->err = ERR_NETWORK;
        break;
    }
    snprintf(res->msg, sizeof(res->msg), "curl: %s: %s", curl_easy_strerror(cc),
             h->curl_err[0] ? h->curl_err : "-");
    return res->err;
}

/* Sends one POST of body to the URL in h->query. On success (HTTP 200) returns ERR_OK with
 * the response in h->resp; otherwise fills res. */
static int sink_http_post(sink_http_t *h, const void *body, size_t len, const char *encoding,
                          sink_result_t *res) {
    CURL *c = h->curl;
    buf_reset(&h->resp);
    h->resp_code_hdr = 0;
    h->curl_err[0] = 0;
    buf_put(&h->query, "", 1); /* NUL */
    if (buf_error(&h->query)) {
        res->err = ERR_NOMEM;
        snprintf(res->msg, sizeof(res->msg), "URL too long");
        return res->err;
    }
    struct curl_slist *hdrs = NULL, *t;
    hdrs = curl_slist_append(NULL, "Expect:"); /* no 100-continue round trip */
    hdrs = hdrs ? curl_slist_append(hdrs, "Content-Type: application/octet-stream") : NULL;
    if (hdrs && encoding) {
        char line[64];
        snprintf(line, sizeof(line), "Content-Encoding: %s", encoding);
        t = curl_slist_append(hdrs, line);
        if (!t) curl_slist_free_all(hdrs);
        hdrs = t;
    }
    if (!hdrs) {
        res->err = ERR_NOMEM;
        snprintf(res->msg, sizeof(res->msg), "out of memory");
        return res->err;
    }
    curl_slist_free_all(h->hdrs);
    h->hdrs = hdrs;
    curl_easy_setopt(c, CURLOPT_URL, (const char *)h->query.data);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h->hdrs);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, len ? body : "");
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    CURLcode cc = curl_easy_perform(c);
    h->st.requests++;
    long nconn = 0;
    if (curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &nconn) == CURLE_OK && nconn > 0)
        h->st.connects += (uint64_t)nconn;
    if (cc != CURLE_OK) {
        if (cc == CURLE_WRITE_ERROR && h->collect_all) {
            res->err = buf_error(&h->resp) ? buf_error(&h->resp) : ERR_BUF_CAP;
            snprintf(res->msg, sizeof(res->msg), "result larger than %u bytes",
                     SINK_HTTP_RESULT_MAX);
            return res->err;
        }
        return sink_http_curl_fail(h, cc, res);
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    res->http_status = (int)status;
    if (status == 200 && h->resp_code_hdr == 0) return res->err = ERR_OK;
    res->ch_code = h->resp_code_hdr;
    const char *msg = h->resp.len ? (const char *)h->resp.data : "";
    size_t mlen = h->resp.len;
    char fallback[64];
    if (!mlen) {
        mlen = (size_t)snprintf(fallback, sizeof(fallback), "HTTP %ld with an empty body", status);
        msg = fallback;
    }
    return sink_result_from_message(res, msg, mlen, (int)status);
}

/* Starts h->query with base URL and database. */
static void sink_http_begin_url(sink_http_t *h) {
    buf_reset(&h->query);
    buf_put(&h->query, h->url, strlen(h->url));
    if (h->database) sink_http_put_param(&h->query, "database", h->database);
}

/* Learns whether the server knows insert_deduplication_token (ClickHouse >= 22.2). */
static int sink_http_probe(sink_http_t *h, sink_result_t *res) {
    static const char q[] = "SELECT version()";
    sink_http_begin_url(h);
    h->collect_all = 0;
    if (sink_http_post(h, q, sizeof(q) - 1, NULL, res) != ERR_OK) return res->err;
    int major = 0, minor = 0;
    buf_put(&h->resp, "", 1);
    if (buf_error(&h->resp) || sscanf((const char *)h->resp.data, "%d.%d", &major, &minor) != 2) {
        res->err = ERR_SERVER_FATAL;
        snprintf(res->msg, sizeof(res->msg), "cannot read the server version");
        return res->err;
    }
    h->legacy = (major < 22 || (major == 22 && minor < 2)) ? 1 : 0;
    return ERR_OK;
}

/* Compresses src into h->body. Returns 0 or an err_t. */
static int sink_http_compress(sink_http_t *h, const void *src, size_t len) {
    buf_reset(&h->body);
    if (h->compression == SINK_HTTP_ZSTD) {
        size_t bound = ZSTD_compressBound(len);
        uint8_t *p = buf_reserve(&h->body, bound);
        if (!p) return buf_error(&h->body);
        size_t n = ZSTD_compress(p, bound, src, len, 1);
        if (ZSTD_isError(n)) return ERR_NOMEM;
        buf_commit(&h->body, n);
    } else if (h->compression == SINK_HTTP_LZ4) {
        LZ4F_preferences_t prefs;
        memset(&prefs, 0, sizeof(prefs));
        prefs.frameInfo.contentSize = len;
        size_t bound = LZ4F_compressFrameBound(len, &prefs);
        uint8_t *p = buf_reserve(&h->body, bound);
        if (!p) return buf_error(&h->body);
        size_t n = LZ4F_compressFrame(p, bound, src, len, &prefs);
        if (LZ4F_isError(n)) return ERR_NOMEM;
        buf_commit(&h->body, n);
    } else { /* gzip: zlib with a gzip wrapper (windowBits 15 + 16), fastest level */
        z_stream zs;
        memset(&zs, 0, sizeof(zs));
        if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            return ERR_NOMEM;
        size_t bound = deflateBound(&zs, (uLong)len) + 32;
        uint8_t *p = buf_reserve(&h->body, bound);
        if (!p) {
            deflateEnd(&zs);
            return buf_error(&h->body);
        }
        zs.next_in = (Bytef *)(uintptr_t)src;
        zs.avail_in = (uInt)len;
        zs.next_out = p;
        zs.avail_out = (uInt)bound;
        int zr = deflate(&zs, Z_FINISH);
        size_t n = zs.total_out;
        deflateEnd(&zs);
        if (zr != Z_STREAM_END) return ERR_NOMEM;
        buf_commit(&h->body, n);
    }
    return ERR_OK;
}

static const char *sink_http_encoding_name(int c) {
    return c == SINK_HTTP_GZIP   ? "gzip"
           : c == SINK_HTTP_ZSTD ? "zstd"
           : c == SINK_HTTP_LZ4  ? "lz4"
                                 : NULL;
}

static int sink_http_insert(sink_t *sk, const char *table, const char *columns,
                            const char *structure, const void *rowbin, size_t len,
                            const char *dedup_token, sink_result_t *res) {
    sink_http_t *h = (sink_http_t *)sk;
    if (dedup_token && h->legacy < 0 && sink_http_probe(h, res) != ERR_OK) return res->err;
    memset(res, 0, sizeof(*res));
    h->st.bytes_raw += len;
    if (len > UINT32_MAX && h->compression == SINK_HTTP_GZIP) {
        res->err = ERR_BUF_CAP;
        snprintf(res->msg, sizeof(res->msg), "gzip body limited to 4 GiB");
        return res->err;
    }
    const void *body = rowbin;
    size_t blen = len;
    if (h->compression != SINK_HTTP_NONE && len > 0) {
        int e = sink_http_compress(h, rowbin, len);
        if (e != ERR_OK) {
            res->err = e;
            snprintf(res->msg, sizeof(res->msg), "compression failed: %s", err2str(e));
            return res->err;
        }
        body = h->body.data;
        blen = h->body.len;
    }
    sink_http_begin_url(h);
    /* The query text: INSERT INTO table (columns) FORMAT RowBinary, percent-encoded. */
    buf_t *q = &h->query;
    sink_http_put_param(q, "query", ""); /* the value follows in pieces */
    sink_http_put_escaped(q, "INSERT INTO ");
    sink_http_put_escaped(q, table);
    sink_http_put_escaped(q, " (");
    sink_http_put_escaped(q, columns);
    sink_http_put_escaped(q, ") FORMAT RowBinary");
    if (dedup_token && h->legacy == 0) {
        sink_http_put_param(q, "insert_deduplication_token", dedup_token);
        sink_http_put_param(q, "deduplicate_blocks_in_dependent_materialized_views", "1");
        /* Pinned whatever the user profile says: a deduplicated insert must be one synchronous
         * block (async inserts would acknowledge before storing and dedup differently). */
        sink_http_put_param(q, "insert_deduplicate", "1");
        sink_http_put_param(q, "async_insert", "0");
        /* The aggregate tables are fed by views whose GROUP BY already folds the block: the
         * merge the engine would run again at insert is pure cost (docs/design.md, "What an
         * insert costs the server"). */
        sink_http_put_param(q, "optimize_on_insert", "0");
    }
    h->collect_all = 0;
    h->st.bytes_sent += blen;
    return sink_http_post(h, body, blen, blen ? sink_http_encoding_name(h->compression) : NULL,
                          res);
}

static int sink_http_exec(sink_t *sk, const char *sql, char **out, sink_result_t *res) {
    sink_http_t *h = (sink_http_t *)sk;
    sink_http_begin_url(h);
    /* Buffer the result on the server: otherwise an error after the first rows would arrive
     * as HTTP 200 with the exception text appended to the data. */
    sink_http_put_param(&h->query, "wait_end_of_query", "1");
    h->collect_all = out != NULL;
    int e = sink_http_post(h, sql, strlen(sql), NULL, res);
    h->collect_all = 0;
    if (e != ERR_OK || !out) return e;
    char *copy = malloc(h->resp.len + 1);
    if (!copy) {
        res->err = ERR_NOMEM;
        snprintf(res->msg, sizeof(res->msg), "out of memory");
        return res->err;
    }
    if (h->resp.len) memcpy(copy, h->resp.data, h->resp.len);
    copy[h->resp.len] = 0;
    *out = copy;
    return ERR_OK;
}

static void sink_http_destroy(sink_t *sk) {
    sink_http_t *h = (sink_http_t *)sk;
    if (!h) return;
    if (h->curl) curl_easy_cleanup(h->curl);
    curl_slist_free_all(h->hdrs);
    curl_slist_free_all(h->connect_to);
    free(h->url);
    free(h->database);
    free(h->user);
    free(h->password);
    free(h->ca_file);
    free(h->ca_dir);
    free(h->cert_file);
    free(h->key_file);
    buf_deinit(&h->body);
    buf_deinit(&h->resp);
    buf_deinit(&h->query);
    free(h);
}

static const sink_ops_t sink_http_ops = {"http", sink_http_insert, sink_http_exec,
                                         sink_http_destroy};

sink_t *sink_http_new(const sink_http_conf_t *c, char *errstr, size_t errstr_size) {
    sink_http_t *h = NULL;
    if (!c || !c->url || !*c->url) {
        snprintf(errstr, errstr_size, "clickhouse url is empty");
        return NULL;
    }
    if (strncmp(c->url, "http://", 7) != 0 && strncmp(c->url, "https://", 8) != 0) {
        snprintf(errstr, errstr_size, "clickhouse url must start with http:// or https://: %s",
                 c->url);
        return NULL;
    }
    int comp;
    const char *cn = c->compression ? c->compression : "none";
    if (!strcmp(cn, "none") || !*cn)
        comp = SINK_HTTP_NONE;
    else if (!strcmp(cn, "gzip"))
        comp = SINK_HTTP_GZIP;
    else if (!strcmp(cn, "zstd"))
        comp = SINK_HTTP_ZSTD;
    else if (!strcmp(cn, "lz4"))
        comp = SINK_HTTP_LZ4;
    else {
        snprintf(errstr, errstr_size, "unknown compression '%s' (none|gzip|zstd|lz4)", cn);
        return NULL;
    }
    if (c->legacy < -1 || c->legacy > 1) {
        snprintf(errstr, errstr_size, "legacy must be -1 (probe), 0 or 1");
        return NULL;
    }
    pthread_once(&sink_http_once, sink_http_global_init);
    h = calloc(1, sizeof(*h));
    if (!h) goto nomem;
    h->base.ops = &sink_http_ops;
    buf_init(&h->body, 0);
    buf_init(&h->resp, 0);
    buf_init(&h->query, 1u << 20);
    h->compression = comp;
    h->legacy = c->legacy;
    h->cancel = c->cancel;
    h->tls_verify = c->tls_verify;
    h->connect_timeout_ms = c->connect_timeout_ms > 0 ? c->connect_timeout_ms : 5000;
    h->timeout_ms = c->timeout_ms > 0 ? c->timeout_ms : 60000;
    size_t ul = strlen(c->url);
    h->url = malloc(ul + 3);
    if (!h->url) goto nomem;
    memcpy(h->url, c->url, ul + 1);
    if (strchr(h->url, '?')) {
        if (h->url[ul - 1] != '?' && h->url[ul - 1] != '&') strcat(h->url, "&");
    } else {
        strcat(h->url, h->url[ul - 1] == '/' ? "?" : "/?");
    }
    h->database = c->database && *c->database ? strdup(c->database) : NULL;
    h->user = strdup(c->user && *c->user ? c->user : "default");
    h->password = strdup(c->password ? c->password : "");
    h->ca_file = sink_http_strdup(c->ca_file);
    h->ca_dir = sink_http_strdup(c->ca_dir);
    h->cert_file = sink_http_strdup(c->cert_file);
    h->key_file = sink_http_strdup(c->key_file);
    if ((c->database && *c->database && !h->database) || !h->user || !h->password ||
        (c->ca_file && !h->ca_file) || (c->ca_dir && !h->ca_dir) ||
        (c->cert_file && !h->cert_file) || (c->key_file && !h->key_file))
        goto nomem;
    h->curl = curl_easy_init();
    if (!h->curl) goto nomem;
    CURL *cu = h->curl;
    curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(cu, CURLOPT_ERRORBUFFER, h->curl_err);
    curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, sink_http_on_body);
    curl_easy_setopt(cu, CURLOPT_WRITEDATA, h);
    curl_easy_setopt(cu, CURLOPT_HEADERFUNCTION, sink_http_on_header);
    curl_easy_setopt(cu, CURLOPT_HEADERDATA, h);
    curl_easy_setopt(cu, CURLOPT_CONNECTTIMEOUT_MS, h->connect_timeout_ms);
    curl_easy_setopt(cu, CURLOPT_TIMEOUT_MS, h->timeout_ms);
    if (h->cancel) {
        curl_easy_setopt(cu, CURLOPT_XFERINFOFUNCTION, sink_http_on_progress);
        curl_easy_setopt(cu, CURLOPT_XFERINFODATA, h);
        curl_easy_setopt(cu, CURLOPT_NOPROGRESS, 0L);
    }
    curl_easy_setopt(cu, CURLOPT_TCP_KEEPALIVE, 1L);
    /* ClickHouse closes idle connections after keep_alive_timeout (3 s on 18.16, more on
     * current servers). Reusing one idle for longer races the server's close, so after 2 s
     * of idleness open a fresh connection instead (one handshake per idle period). */
    curl_easy_setopt(cu, CURLOPT_MAXAGE_CONN, 2L);
    curl_easy_setopt(cu, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(cu, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    curl_easy_setopt(cu, CURLOPT_USERNAME, h->user);
    curl_easy_setopt(cu, CURLOPT_PASSWORD, h->password);
    curl_easy_setopt(cu, CURLOPT_SSL_VERIFYPEER, h->tls_verify ? 1L : 0L);
    curl_easy_setopt(cu, CURLOPT_SSL_VERIFYHOST, h->tls_verify ? 2L : 0L);
    if (h->ca_file) curl_easy_setopt(cu, CURLOPT_CAINFO, h->ca_file);
    if (h->ca_dir) curl_easy_setopt(cu, CURLOPT_CAPATH, h->ca_dir);
    if (h->cert_file) curl_easy_setopt(cu, CURLOPT_SSLCERT, h->cert_file);
    if (h->key_file) curl_easy_setopt(cu, CURLOPT_SSLKEY, h->key_file);
    if (c->connect_to && *c->connect_to) {
        /* "::host:port": any URL host and port goes to host:port (no port: the URL's). An
         * IPv6 address is written in brackets. */
        const char *ct = c->connect_to, *rb = strchr(ct, ']'), *colon = strrchr(ct, ':');
        int has_port = colon && (ct[0] != '[' || (rb && colon > rb));
        if (has_port) {
            char *end = NULL;
            long port = strtol(colon + 1, &end, 10);
            if (colon == ct || !colon[1] || *end || port <= 0 || port > 65535) {
                snprintf(errstr, errstr_size, "connect-to '%s': want host or host:port", ct);
                sink_http_destroy(&h->base);
                return NULL;
            }
        }
        char entry[600];
        snprintf(entry, sizeof(entry), "::%s%s", ct, has_port ? "" : ":");
        if (!(h->connect_to = curl_slist_append(NULL, entry))) goto nomem;
        curl_easy_setopt(cu, CURLOPT_CONNECT_TO, h->connect_to);
    }
    return &h->base;
nomem:
    snprintf(errstr, errstr_size, "out of memory");
    sink_http_destroy(h ? &h->base : NULL);
    return NULL;
}

void sink_http_stats(const sink_t *sk, sink_http_stats_t *st) {
    const sink_http_t *h = (const sink_http_t *)sk;
    *st = h->st;
}

int sink_http_legacy(const sink_t *sk) { return ((const sink_http_t *)sk)->legacy; }
