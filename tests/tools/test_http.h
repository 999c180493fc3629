/* test_http: what the test HTTP servers (ch_stub, chhttp) share: decoding a request body by
 * its Content-Encoding (none, gzip, zstd, lz4) as ClickHouse's HTTP interface does, and
 * publishing the listening port to the file the test script waits for. */
#ifndef SPANHOUSE_TESTS_TEST_HTTP_H
#define SPANHOUSE_TESTS_TEST_HTTP_H

#include <lz4frame.h>
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
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

#endif
