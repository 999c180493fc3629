/* test_http: what the test HTTP servers (ch_stub, chhttp) share: decoding a request body by
 * its Content-Encoding (none, gzip, zstd, lz4) as ClickHouse's HTTP interface does, and
 * publishing the listening port to the file the test script waits for. */
#ifndef SPANHOUSE_TESTS_TEST_HTTP_H
#define SPANHOUSE_TESTS_TEST_HTTP_H

#include <lz4frame.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "buf.h"

/* Appends the decoded in to out. Returns 0, or -1 for an unknown encoding or a corrupt body. */
static inline int http_body_decode(const char *enc, const buf_t *in, buf_t *out) {
    if (!enc || !*enc) {
        buf_append(out, in->data, in->len);
        return 0;
    }
    if (!strcmp(enc, "gzip")) {
        z_stream zs;
        memset(&zs, 0, sizeof zs);
        if (inflateInit2(&zs, 15 + 16) != Z_OK) return -1;
        zs.next_in = in->data;
        zs.avail_in = (uInt)in->len;
        int r;
        do {
            uint8_t *p = buf_reserve(out, 1 << 16);
            if (!p) break;
            zs.next_out = p;
            zs.avail_out = 1 << 16;
            r = inflate(&zs, Z_NO_FLUSH);
            buf_commit(out, (1 << 16) - zs.avail_out);
        } while (r == Z_OK);
        inflateEnd(&zs);
        return r == Z_STREAM_END ? 0 : -1;
    }
    if (!strcmp(enc, "zstd")) {
        unsigned long long n = ZSTD_getFrameContentSize(in->data, in->len);
        if (n == ZSTD_CONTENTSIZE_ERROR || n == ZSTD_CONTENTSIZE_UNKNOWN) return -1;
        uint8_t *p = buf_reserve(out, n + 1);
        size_t got = ZSTD_decompress(p, n + 1, in->data, in->len);
        if (ZSTD_isError(got)) return -1;
        buf_commit(out, got);
        return 0;
    }
    if (!strcmp(enc, "lz4")) {
        LZ4F_dctx *d;
        if (LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION))) return -1;
        size_t off = 0, r = 1;
        while (off < in->len && r != 0) {
            uint8_t *p = buf_reserve(out, 1 << 16);
            size_t dst = 1 << 16, src = in->len - off;
            r = LZ4F_decompress(d, p, &dst, in->data + off, &src, NULL);
            if (LZ4F_isError(r)) {
                LZ4F_freeDecompressionContext(d);
                return -1;
            }
            buf_commit(out, dst);
            off += src;
        }
        LZ4F_freeDecompressionContext(d);
        return r == 0 ? 0 : -1;
    }
    return -1;
}

/* Set by SIGTERM/SIGINT once test_http_serve() runs: the server stops. Handlers may poll it. */
static volatile sig_atomic_t test_http_stop;

static void test_http_on_signal(int sig) { test_http_stop = 1; }

/* Writes d's port to portfile (through a rename, so a reader never sees half a number).
 * Returns 0, or -1 if the file cannot be written. */
static inline int test_http_publish_port(struct MHD_Daemon *d, const char *portfile) {
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s.tmp", portfile);
    FILE *pf = fopen(tmp, "w");
    if (!di || !pf) return -1;
    fprintf(pf, "%u\n", di->port);
    fclose(pf);
    return rename(tmp, portfile);
}

/* Serves on 127.0.0.1:port (0 = a free port), one thread per connection, until
 * SIGTERM/SIGINT: the port goes to portfile first. on_conn may be NULL. Returns 0, or 1 (with a
 * message on stderr naming who) when it cannot listen or publish the port. */
static inline int test_http_serve(const char *who, MHD_AccessHandlerCallback on_request,
                                  MHD_RequestCompletedCallback on_done,
                                  MHD_NotifyConnectionCallback on_conn, unsigned port,
                                  const char *portfile) {
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_request, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_CONNECTION, on_conn, NULL,
        MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL, MHD_OPTION_END);
    if (!d || test_http_publish_port(d, portfile) != 0) {
        fprintf(stderr, "%s: cannot listen on 127.0.0.1 or write %s\n", who, portfile);
        if (d) MHD_stop_daemon(d);
        return 1;
    }
    signal(SIGTERM, test_http_on_signal);
    signal(SIGINT, test_http_on_signal);
    while (!test_http_stop) usleep(50000);
    MHD_stop_daemon(d);
    return 0;
}

#endif
