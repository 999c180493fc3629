/* csv: a small RFC 4180 reader for the user-owned tables (pricing, tenants).
 *
 * Reads one record at a time from an in-memory text; fields are unescaped into the reader's
 * scratch buffer and carry their 1-based line and column for error messages. On top of
 * RFC 4180 it skips blank lines and lines starting with '#', accepts LF or CRLF, and trims
 * spaces/tabs around unquoted fields. It knows nothing about what the columns mean.
 * Not thread-safe: one reader per thread; it is used at load time, never per span. */
#ifndef SPANHOUSE_CSV_H
#define SPANHOUSE_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define CSV_MAX_FIELDS 32
#define CSV_MAX_RECORD (1u << 20) /* bytes of unescaped field text per record */

typedef struct csv_field_s {
    const char *p; /* NUL-terminated; valid until the next csv_next() or csv_deinit() */
    size_t n;
    uint32_t line, col; /* where the field starts (1-based) */
    int quoted;
} csv_field_t;

typedef struct csv_reader_s {
    const char *p, *end; /* borrowed input; must outlive the reader */
    uint32_t line, col;  /* position of p */
    buf_t scratch;
    size_t nfields;
    csv_field_t fields[CSV_MAX_FIELDS];
    uint32_t rec_line; /* line where the current record starts */
} csv_reader_t;

/* Starts reading text[0..len). text need not be NUL-terminated. */
void csv_init(csv_reader_t *r, const char *text, size_t len);
/* Frees the scratch buffer. Accepts a zeroed reader. */
void csv_deinit(csv_reader_t *r);
/* Reads the next record into r->fields[0..r->nfields).
 * Returns 1 for a record, 0 at the end of the input, -1 on a syntax error with errstr set
 * to "LINE:COL: problem" (the caller prefixes the file name). errstr may be NULL. */
int csv_next(csv_reader_t *r, char *errstr, size_t errstr_size);

/* Parses a non-negative exact decimal with at most 9 fractional digits ("2.5", "0.075", "10")
 * into units of 1e-9 without floating point: "2.5" -> 2500000000. Returns NULL on success
 * or a static message ("not a number", "more than 9 decimal places", "too large") when the
 * text is not such a number or exceeds max (in 1e-9 units). */
const char *csv_decimal_nano(const char *p, size_t n, uint64_t max, uint64_t *out);

/* Reads a whole file (at most CSV_MAX_FILE bytes) into a new NUL-terminated buffer *text
 * (free() it) of *len bytes. Returns 0, or -1 with errstr "path: reason". */
#define CSV_MAX_FILE (64u << 20)
/* Maps the header record just read (r->fields) onto the names a table knows: colmap[c] =
 * the field index of names[c], or -1 when absent. Unknown or repeated names, and a missing
 * one among the first nrequired, are errors: returns -1 with msg filled and *line, *col set to
 * where the problem is; 0 on success. */
int csv_map_header(const csv_reader_t *r, const char *const *names, int nnames, int nrequired,
                   int *colmap, uint32_t *line, uint32_t *col, char *msg, size_t msg_size);

int csv_read_file(const char *path, char **text, size_t *len, char *errstr, size_t errstr_size);

/* Refuses field f of a record: *line and *col are set to where it is, msg to the printf text.
 * Returns ERR_CONFIG, so a table reader's row step writes `return csv_refuse(f, …);`. */
int csv_refuse(const csv_field_t *f, uint32_t *line, uint32_t *col, char *msg, size_t msg_size,
               const char *fmt, ...) __attribute__((format(printf, 6, 7)));

#endif
