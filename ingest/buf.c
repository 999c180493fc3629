/* buf: growable buffer with a hard cap and a sticky error (see buf.h).
 * Growth is geometric (x2) with overflow checks, so appends are amortised O(1). */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "err.h"

#define BUF_MIN_CAP 256

void buf_init(buf_t *b, size_t max) {
    memset(b, 0, sizeof(*b));
    b->max = max ? max : (SIZE_MAX / 2);
}

void buf_deinit(buf_t *b) {
    if (!b) return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void buf_reset(buf_t *b) {
    b->len = 0;
    b->err = 0;
}

static int buf_grow(buf_t *b, size_t need) {
    if (need > b->max) {
        b->err = ERR_BUF_CAP;
        return -1;
    }
    size_t ncap = b->cap ? b->cap : BUF_MIN_CAP;
    while (ncap < need) {
        if (ncap > b->max / 2) {
            ncap = b->max;
            break;
        }
        ncap *= 2;
    }
    if (ncap > b->max) ncap = b->max;
    uint8_t *p = realloc(b->data, ncap);
    if (!p) {
        b->err = ERR_NOMEM;
        return -1;
    }
    b->data = p;
    b->cap = ncap;
    return 0;
}

uint8_t *buf_reserve(buf_t *b, size_t n) {
    if (b->err) return NULL;
    if (n > SIZE_MAX - b->len) {
        b->err = ERR_BUF_CAP;
        return NULL;
    }
    if (b->len + n > b->cap && buf_grow(b, b->len + n) != 0) return NULL;
    return b->data + b->len;
}

void buf_append(buf_t *b, const void *p, size_t n) {
    uint8_t *dst = buf_reserve(b, n);
    if (!dst) return;
    if (n) memcpy(dst, p, n);
    b->len += n;
}

void buf_append_sql_escaped(buf_t *b, const char *p, size_t n) {
    for (size_t i = 0, start = 0; i <= n; i++) {
        if (i < n && p[i] != '\'' && p[i] != '\\') continue;
        buf_append(b, p + start, i - start); /* the run before the quote or backslash */
        if (i < n) buf_append(b, "\\", 1);
        start = i;
    }
}

void buf_append_nano(buf_t *b, int64_t nano) {
    uint64_t mag = nano < 0 ? (uint64_t)0 - (uint64_t)nano : (uint64_t)nano;
    buf_printf(b, "%s%llu.%09llu", nano < 0 ? "-" : "", (unsigned long long)(mag / 1000000000u),
               (unsigned long long)(mag % 1000000000u));
}

void buf_append_json_str(buf_t *b, const char *s, size_t n) {
    buf_put(b, "\"", 1);
    size_t run = 0; /* bytes s[i - run .. i) that need no escape, copied in one piece */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) {
            run++;
            continue;
        }
        if (run) buf_put(b, s + i - run, run);
        run = 0;
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            buf_put(b, e, 2);
        } else if (c == '\n') {
            buf_put(b, "\\n", 2);
        } else if (c == '\t') {
            buf_put(b, "\\t", 2);
        } else {
            buf_printf(b, "\\u%04x", c);
        }
    }
    if (run) buf_put(b, s + n - run, run);
    buf_put(b, "\"", 1);
}

void buf_truncate(buf_t *b, size_t len) {
    if (len < b->len) b->len = len;
}

void buf_restore(buf_t *b, size_t len) {
    buf_truncate(b, len);
    b->err = 0;
}

void buf_printf(buf_t *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    uint8_t *dst = buf_reserve(b, (size_t)n + 1);
    if (!dst) return;
    va_start(ap, fmt);
    vsnprintf((char *)dst, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}
