/* gen_json: the flat-JSON writer of the synthetic workload generators (gen.c for spans,
 * genq.c for evals and outcomes). Numbers are formatted from integers (fixed-point for
 * decimals), so no locale or float printing is involved and output is byte-identical on
 * every machine. Header-only (static inline); appends to a buf_t, whose sticky error the
 * caller checks. Writes no braces and knows no record layout. */
#ifndef SPANHOUSE_GEN_JSON_H
#define SPANHOUSE_GEN_JSON_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"

static inline void gen_put(buf_t *b, const char *s) { buf_put(b, s, strlen(s)); }
static inline void gen_put_u64(buf_t *b, uint64_t v) {
    char tmp[24];
    size_t n = sizeof(tmp);
    do {
        tmp[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    buf_put(b, tmp + n, sizeof(tmp) - n);
}
/* Writes a JSON string, escaping quotes, backslashes and control characters. */
static inline void gen_put_jstr(buf_t *b, const char *s) {
    buf_put(b, "\"", 1);
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        /* Runs of plain bytes are copied at once. */
        size_t run = 0;
        while (p[run] && p[run] != '"' && p[run] != '\\' && (unsigned char)p[run] >= 0x20)
            run++;
        if (run) {
            buf_put(b, p, run);
            p += run - 1;
            continue;
        }
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            buf_put(b, e, 2);
        } else if (c < 0x20) {
            char e[8];
            snprintf(e, sizeof e, "\\u%04x", c);
            buf_put(b, e, 6);
        } else {
            buf_put(b, p, 1);
        }
    }
    buf_put(b, "\"", 1);
}
static inline void gen_kv_str(buf_t *b, const char *k, const char *v) {
    buf_put(b, ",\"", 2);
    gen_put(b, k);
    buf_put(b, "\":", 2);
    gen_put_jstr(b, v);
}
static inline void gen_kv_u(buf_t *b, const char *k, uint64_t v) {
    buf_put(b, ",\"", 2);
    gen_put(b, k);
    buf_put(b, "\":", 2);
    gen_put_u64(b, v);
}
static inline void gen_kv_bool(buf_t *b, const char *k, int v) {
    buf_put(b, ",\"", 2);
    gen_put(b, k);
    gen_put(b, v ? "\":true" : "\":false");
}
/* Fixed-point decimal: v / 10^digits with exactly `digits` decimals. */
static inline void gen_kv_fixed(buf_t *b, const char *k, uint64_t v, int digits) {
    char tmp[32];
    uint64_t div = 1;
    for (int i = 0; i < digits; i++)
        div *= 10;
    snprintf(tmp, sizeof tmp, "%llu.%0*llu", (unsigned long long)(v / div), digits,
             (unsigned long long)(v % div));
    buf_put(b, ",\"", 2);
    gen_put(b, k);
    buf_put(b, "\":", 2);
    gen_put(b, tmp);
}

/* Howard Hinnant's days-to-civil: epoch days to (y, m, d), proleptic Gregorian. */
static inline void gen_civil(int64_t z, int *y, unsigned *m, unsigned *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (*m <= 2));
}

/* ,"key":"YYYY-MM-DDTHH:MM:SS.mmmZ" (first = 1: without the leading comma). */
static inline void gen_kv_iso_ts(buf_t *b, const char *k, int64_t ts_ms, int first) {
    int64_t days = ts_ms / 86400000, msday = ts_ms % 86400000;
    int y;
    unsigned mo, d;
    gen_civil(days, &y, &mo, &d);
    char tmp[96];
    snprintf(tmp, sizeof tmp, "%s\"%s\":\"%04d-%02u-%02uT%02u:%02u:%02u.%03uZ\"", first ? "" : ",",
             k, y, mo, d, (unsigned)(msday / 3600000), (unsigned)(msday / 60000 % 60),
             (unsigned)(msday / 1000 % 60), (unsigned)(msday % 1000));
    gen_put(b, tmp);
}

#endif
