/* csv: RFC 4180 reader (see csv.h).
 *
 * Why hand-written: the two tables it reads are a few hundred lines, loaded at start and on
 * SIGHUP. Debian's C CSV library (libcsv) is callback-driven, reports no line/column for
 * errors and would be one more runtime dependency for ~150 lines of code; this reader gives
 * exact "file:line:column" messages, which is what users editing the files need. It is fuzzed
 * by tests/fuzz/fuzz_price_csv.c. */
#include "csv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

void csv_init(csv_reader_t *r, const char *text, size_t len) {
    memset(r, 0, sizeof(*r));
    r->p = text;
    r->end = text + len;
    r->line = 1;
    r->col = 1;
    buf_init(&r->scratch, CSV_MAX_RECORD);
}

void csv_deinit(csv_reader_t *r) {
    if (!r) return;
    buf_deinit(&r->scratch);
}

static void csv_err(char *errstr, size_t errstr_size, uint32_t line, uint32_t col,
                    const char *msg) {
    if (errstr && errstr_size) snprintf(errstr, errstr_size, "%u:%u: %s", line, col, msg);
}

/* Advances one byte, keeping line/column. */
static inline char csv_adv(csv_reader_t *r) {
    char c = *r->p++;
    if (c == '\n') {
        r->line++;
        r->col = 1;
    } else {
        r->col++;
    }
    return c;
}

/* Skips blank lines and '#' comment lines at the start of a record. */
static void csv_skip_blank(csv_reader_t *r) {
    while (r->p < r->end) {
        const char *q = r->p;
        while (q < r->end && (*q == ' ' || *q == '\t' || *q == '\r'))
            q++;
        if (q < r->end && *q == '#') {
            while (q < r->end && *q != '\n')
                q++;
        }
        if (q < r->end && *q != '\n') return; /* a real record starts on this line */
        /* Blank or comment line: consume through its newline (or the end). */
        while (r->p < q)
            csv_adv(r);
        if (r->p < r->end) csv_adv(r);
    }
}

int csv_next(csv_reader_t *r, char *errstr, size_t errstr_size) {
    size_t offs[CSV_MAX_FIELDS];
    buf_reset(&r->scratch);
    r->nfields = 0;
    csv_skip_blank(r);
    if (r->p >= r->end) return 0;
    r->rec_line = r->line;

    for (;;) { /* one field per iteration */
        if (r->nfields == CSV_MAX_FIELDS) {
            csv_err(errstr, errstr_size, r->line, r->col, "too many fields (max 32)");
            return -1;
        }
        csv_field_t *f = &r->fields[r->nfields];
        offs[r->nfields] = r->scratch.len;
        /* Leading blanks before an unquoted field, or before an opening quote, are ignored. */
        while (r->p < r->end && (*r->p == ' ' || *r->p == '\t'))
            csv_adv(r);
        f->line = r->line;
        f->col = r->col;
        f->quoted = 0;
        if (r->p < r->end && *r->p == '"') {
            f->quoted = 1;
            csv_adv(r);
            for (;;) {
                if (r->p >= r->end) {
                    csv_err(errstr, errstr_size, f->line, f->col, "unterminated quoted field");
                    return -1;
                }
                char c = csv_adv(r);
                if (c == '\0') {
                    csv_err(errstr, errstr_size, r->line, r->col - 1, "NUL byte in input");
                    return -1;
                }
                if (c == '"') {
                    if (r->p < r->end && *r->p == '"') { /* "" is one quote */
                        csv_adv(r);
                    } else {
                        break;
                    }
                }
                buf_put(&r->scratch, &c, 1);
            }
            while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\r'))
                csv_adv(r);
            if (r->p < r->end && *r->p != ',' && *r->p != '\n') {
                csv_err(errstr, errstr_size, r->line, r->col,
                        "unexpected character after closing quote");
                return -1;
            }
        } else {
            size_t start = r->scratch.len;
            while (r->p < r->end && *r->p != ',' && *r->p != '\n') {
                char c = *r->p;
                if (c == '"') {
                    csv_err(errstr, errstr_size, r->line, r->col,
                            "quote inside an unquoted field (quote the whole field)");
                    return -1;
                }
                if (c == '\0') {
                    csv_err(errstr, errstr_size, r->line, r->col, "NUL byte in input");
                    return -1;
                }
                buf_put(&r->scratch, &c, 1);
                csv_adv(r);
            }
            /* Trim trailing blanks and a CR from a CRLF line end. */
            while (r->scratch.len > start) {
                char c = (char)r->scratch.data[r->scratch.len - 1];
                if (c != ' ' && c != '\t' && c != '\r') break;
                r->scratch.len--;
            }
        }
        buf_put(&r->scratch, "", 1); /* NUL terminator */
        if (buf_error(&r->scratch)) {
            csv_err(errstr, errstr_size, f->line, f->col, "record too long");
            return -1;
        }
        f->n = r->scratch.len - 1 - offs[r->nfields];
        r->nfields++;
        if (r->p >= r->end) break;
        char c = csv_adv(r);
        if (c == '\n') break;
        /* c == ',': another field follows, possibly empty at the end of the line. */
    }
    for (size_t i = 0; i < r->nfields; i++)
        r->fields[i].p = (const char *)r->scratch.data + offs[i];
    return 1;
}

const char *csv_decimal_nano(const char *p, size_t n, uint64_t max, uint64_t *out) {
    uint64_t ip = 0, fp = 0;
    size_t i = 0, nint = 0, nfrac = 0;
    if (n == 0) return "empty number";
    if (p[0] == '-') return "negative number";
    for (; i < n && p[i] >= '0' && p[i] <= '9'; i++, nint++) {
        if (ip > (UINT64_MAX / 10ull / 1000000000ull)) return "too large";
        ip = ip * 10 + (uint64_t)(p[i] - '0');
    }
    if (i < n && p[i] == '.') {
        for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++, nfrac++) {
            if (nfrac == 9) return "more than 9 decimal places";
            fp = fp * 10 + (uint64_t)(p[i] - '0');
        }
    }
    if (i != n || nint + nfrac == 0) return "not a number (use digits and one '.')";
    for (size_t k = nfrac; k < 9; k++)
        fp *= 10;
    if (ip > (UINT64_MAX - fp) / 1000000000ull) return "too large";
    uint64_t v = ip * 1000000000ull + fp;
    if (v > max) return "too large";
    *out = v;
    return NULL;
}

int csv_read_file(const char *path, char **text, size_t *len, char *errstr, size_t errstr_size) {
    FILE *f = NULL;
    char *t = NULL;
    size_t n = 0, cap = 0;
    *text = NULL;
    *len = 0;
    f = fopen(path, "rb");
    if (!f) goto err_errno;
    for (;;) {
        if (cap - n < 4096 + 1) {
            size_t nc = cap ? cap * 2 : 65536;
            if (nc > CSV_MAX_FILE + 4096 + 1) nc = CSV_MAX_FILE + 4096 + 1;
            if (nc <= cap) {
                if (errstr && errstr_size)
                    snprintf(errstr, errstr_size, "%s: file larger than %u bytes", path,
                             CSV_MAX_FILE);
                goto err;
            }
            char *nt = realloc(t, nc);
            if (!nt) goto err_errno;
            t = nt;
            cap = nc;
        }
        size_t got = fread(t + n, 1, cap - n - 1, f);
        n += got;
        if (n > CSV_MAX_FILE) {
            if (errstr && errstr_size)
                snprintf(errstr, errstr_size, "%s: file larger than %u bytes", path, CSV_MAX_FILE);
            goto err;
        }
        if (got == 0) break;
    }
    if (ferror(f)) goto err_errno;
    fclose(f);
    t[n] = 0;
    *text = t;
    *len = n;
    return 0;
err_errno:
    if (errstr && errstr_size) snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
err:
    if (f) fclose(f);
    free(t);
    return -1;
}

int csv_map_header(const csv_reader_t *r, const char *const *names, int nnames, int nrequired,
                   int *colmap, uint32_t *line, uint32_t *col, char *msg, size_t msg_size) {
    for (int c = 0; c < nnames; c++)
        colmap[c] = -1;
    for (size_t i = 0; i < r->nfields; i++) {
        const csv_field_t *f = &r->fields[i];
        int found = -1;
        for (int c = 0; c < nnames; c++)
            if (!strcmp(f->p, names[c])) found = c;
        *line = f->line;
        *col = f->col;
        if (found < 0) {
            snprintf(msg, msg_size, "unknown column \"%.64s\"", f->p);
            return -1;
        }
        if (colmap[found] >= 0) {
            snprintf(msg, msg_size, "column \"%s\" given twice", names[found]);
            return -1;
        }
        colmap[found] = (int)i;
    }
    for (int c = 0; c < nrequired; c++) {
        if (colmap[c] < 0) {
            *line = r->rec_line;
            *col = 1;
            snprintf(msg, msg_size, "header lacks required column \"%s\"", names[c]);
            return -1;
        }
    }
    return 0;
}

int csv_refuse(const csv_field_t *f, uint32_t *line, uint32_t *col, char *msg, size_t msg_size,
               const char *fmt, ...) {
    *line = f->line;
    *col = f->col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, msg_size, fmt, ap);
    va_end(ap);
    return ERR_CONFIG;
}
