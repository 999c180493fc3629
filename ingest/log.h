/* log: structured one-line-per-event logs on stderr, key=value or JSON.
 *
 * A line is built field by field (log_begin, log_str/log_int, log_end) and written with one
 * write(2), so lines from several threads never interleave. Values are escaped for the
 * chosen format. No global state: the caller owns the log_t. */
#ifndef SPANHOUSE_LOG_H
#define SPANHOUSE_LOG_H

#include <stddef.h>
#include <stdint.h>

typedef struct log_s {
    int json; /* 0 = key=value, 1 = JSON */
    int fd;   /* usually 2 */
    int min_level;
} log_t;

enum { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3 };

typedef struct log_line_s {
    const log_t *lg;
    char buf[4096];
    size_t len;
    int skip;
} log_line_t;

/* Initialises a log writing to fd in the given format ("kv" or "json"). */
void log_init(log_t *lg, const char *format, int fd);
/* Sets the least severe level written from its name (debug|info|warn|error). */
void log_set_level(log_t *lg, const char *level);
/* Starts a line: ts, level, event. */
void log_begin(const log_t *lg, log_line_t *l, int level, const char *event);
void log_str(log_line_t *l, const char *key, const char *val);
void log_strn(log_line_t *l, const char *key, const char *val, size_t n);
void log_int(log_line_t *l, const char *key, int64_t val);
void log_dbl(log_line_t *l, const char *key, double val);
/* Writes the line (truncated at 4 KiB). */
void log_end(log_line_t *l);
/* One-call form for a message with no other fields. */
void log_msg(const log_t *lg, int level, const char *event, const char *msg);

#endif
