/* log: structured log lines (key=value or JSON), one write per line.
 *
 * Strings are escaped so a line stays one line whatever the value holds (server error
 * messages contain newlines and quotes). Does not rotate, buffer or filter by module. */
#include "log.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char *level_name(int lv) {
    switch (lv) {
    case LOG_DEBUG:
        return "debug";
    case LOG_INFO:
        return "info";
    case LOG_WARN:
        return "warn";
    default:
        return "error";
    }
}

void log_init(log_t *lg, const char *format, int fd) {
    lg->json = format && !strcmp(format, "json");
    lg->fd = fd;
    lg->min_level = LOG_INFO;
}

void log_set_level(log_t *lg, const char *level) {
    if (!level) return;
    if (!strcmp(level, "debug"))
        lg->min_level = LOG_DEBUG;
    else if (!strcmp(level, "warn"))
        lg->min_level = LOG_WARN;
    else if (!strcmp(level, "error"))
        lg->min_level = LOG_ERROR;
    else
        lg->min_level = LOG_INFO;
}

static void put(log_line_t *l, const char *s, size_t n) {
    if (l->len + n >= sizeof(l->buf) - 2) n = sizeof(l->buf) - 2 - l->len;
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}

static void put_escaped(log_line_t *l, const char *s, size_t n, int json) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char tmp[8];
        if (c == '"' || c == '\\') {
            tmp[0] = '\\';
            tmp[1] = (char)c;
            put(l, tmp, 2);
        } else if (c == '\n') {
            put(l, "\\n", 2);
        } else if (c < 0x20 || c == 0x7f) {
            int w = snprintf(tmp, sizeof(tmp), json ? "\\u%04x" : "\\x%02x", c);
            put(l, tmp, (size_t)w);
        } else {
            put(l, (const char *)&s[i], 1);
        }
    }
}

static void key(log_line_t *l, const char *k) {
    if (l->lg->json) {
        put(l, ",\"", 2);
        put(l, k, strlen(k));
        put(l, "\":", 2);
    } else {
        put(l, " ", 1);
        put(l, k, strlen(k));
        put(l, "=", 1);
    }
}

void log_begin(const log_t *lg, log_line_t *l, int level, const char *event) {
    l->lg = lg;
    l->len = 0;
    l->skip = level < lg->min_level;
    if (l->skip) return;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char ts[80];
    snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(tv.tv_usec / 1000));
    if (lg->json) {
        put(l, "{\"ts\":\"", 7);
        put(l, ts, strlen(ts));
        put(l, "\"", 1);
    } else {
        put(l, "ts=", 3);
        put(l, ts, strlen(ts));
    }
    log_str(l, "level", level_name(level));
    log_str(l, "event", event);
}

void log_strn(log_line_t *l, const char *k, const char *v, size_t n) {
    if (l->skip) return;
    key(l, k);
    int quote = l->lg->json;
    if (!quote)
        for (size_t i = 0; i < n; i++)
            if (v[i] == ' ' || v[i] == '"' || v[i] == '=' || (unsigned char)v[i] < 0x20) quote = 1;
    if (!quote && n == 0) quote = 1;
    if (quote) put(l, "\"", 1);
    put_escaped(l, v, n, l->lg->json);
    if (quote) put(l, "\"", 1);
}

void log_str(log_line_t *l, const char *k, const char *v) {
    if (!v) v = "";
    log_strn(l, k, v, strlen(v));
}

void log_int(log_line_t *l, const char *k, int64_t v) {
    if (l->skip) return;
    char tmp[32];
    int w = snprintf(tmp, sizeof(tmp), "%" PRId64, v);
    key(l, k);
    put(l, tmp, (size_t)w);
}

void log_dbl(log_line_t *l, const char *k, double v) {
    if (l->skip) return;
    char tmp[48];
    int w = snprintf(tmp, sizeof(tmp), "%.6g", v);
    key(l, k);
    put(l, tmp, (size_t)w);
}

void log_end(log_line_t *l) {
    if (l->skip) return;
    if (l->lg->json) put(l, "}", 1);
    l->buf[l->len++] = '\n';
    ssize_t w = write(l->lg->fd, l->buf, l->len);
    (void)w;
}

void log_msg(const log_t *lg, int level, const char *event, const char *msg) {
    log_line_t l;
    log_begin(lg, &l, level, event);
    log_str(&l, "msg", msg);
    log_end(&l);
}
