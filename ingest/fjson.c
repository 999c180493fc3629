/* fjson: pull scanner for one flat JSON object (see fjson.h).
 *
 * Why hand-written and not a library: the eval/outcome streams carry the same volume class as
 * spans and share their budget (no per-node allocation, one pass, zero-copy slices). The span
 * decoder's scanner (json_span.c) is private to its schema-directed dispatch, so this is a
 * small, generic member iterator; UTF-8 validation is utf8.h's. Fuzzed through
 * tests/fuzz/fuzz_eval.c and fuzz_outcome.c. */
#include "fjson.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "json_span.h"
#include "jstr.h"
#include "utf8.h"

enum { ST_FIRST = 0, ST_MORE, ST_DONE };

static inline void skip_ws(fjson_t *j) {
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t'))
        j->p++;
}

int fjson_begin(fjson_t *j, const char *payload, size_t len, char *scratch, size_t scratch_size) {
    j->base = j->p = payload;
    j->end = payload + len;
    j->sp = scratch;
    j->send = scratch + scratch_size;
    j->state = ST_FIRST;
    skip_ws(j);
    if (j->p >= j->end) return ERR_EMPTY;
    if (*j->p != '{') return ERR_NOT_OBJECT;
    j->p++;
    return ERR_OK;
}

/* The SWAR special-byte test and escape decoding are shared with json_span.c (jstr.h). */

/* j->p at the opening quote. Unescapes into scratch only when there is a backslash; checks
 * UTF-8 only when a byte >= 0x80 was seen. */
static int scan_str(fjson_t *j, span_str_t *out) {
    const char *start = j->p + 1, *q = start, *end = j->end;
    int esc = 0, high = 0;
    for (;;) {
        while (end - q >= 8) {
            uint64_t x;
            memcpy(&x, q, 8);
            uint64_t m = jstr_special_bytes(x);
            if (m) {
                q += __builtin_ctzll(m) >> 3;
                break;
            }
            q += 8;
        }
        if (q >= end) break;
        unsigned char ch = (unsigned char)*q;
        if (ch == '"') break;
        if (ch < 0x20) {
            j->p = q;
            return ERR_JSON_SYNTAX;
        }
        if (ch == '\\') {
            esc = 1;
            if (end - q < 2) {
                q = end;
                break;
            }
            q += 2;
            continue;
        }
        if (ch >= 0x80) high = 1;
        q++;
    }
    if (q >= end) {
        j->p = end;
        return ERR_JSON_SYNTAX;
    }
    j->p = q + 1;
    if (!esc) {
        if (high && !utf8_valid(start, (size_t)(q - start))) return ERR_BAD_UTF8;
        *out = span_str(start, (size_t)(q - start));
        return ERR_OK;
    }
    /* Slow path: unescape [start, q) into scratch, copying the runs between backslashes
     * whole. */
    if ((size_t)(j->send - j->sp) < (size_t)(q - start)) return ERR_OVERSIZED;
    char *w = j->sp, *w0 = w;
    const char *r = start;
    while (r < q) {
        const char *bs = memchr(r, '\\', (size_t)(q - r));
        if (!bs) bs = q;
        memcpy(w, r, (size_t)(bs - r));
        w += bs - r;
        r = bs;
        if (r >= q) break;
        switch (jstr_unescape(&r, q, &w)) {
        case JSTR_ESC_OK:
            break;
        case JSTR_ESC_LONE_LOW:
        case JSTR_ESC_LONE_HIGH:
            return ERR_BAD_UTF8;
        default:
            return ERR_JSON_SYNTAX;
        }
    }
    /* \u escapes always produce valid UTF-8 (surrogates were checked): only raw bytes >= 0x80
     * need the check. */
    if (high && !utf8_valid(w0, (size_t)(w - w0))) return ERR_BAD_UTF8;
    j->sp = w;
    *out = span_str(w0, (size_t)(w - w0));
    return ERR_OK;
}

/* Strict JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int scan_num(fjson_t *j) {
    const char *p = j->p, *end = j->end;
    if (p < end && *p == '-') p++;
    if (p >= end) return ERR_JSON_SYNTAX;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    } else {
        return ERR_JSON_SYNTAX;
    }
    if (p < end && *p == '.') {
        const char *f = ++p;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
        if (p == f) return ERR_JSON_SYNTAX;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        const char *d = p;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
        if (p == d) return ERR_JSON_SYNTAX;
    }
    j->p = p;
    return ERR_OK;
}

static int match_lit(fjson_t *j, const char *lit, size_t n) {
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0) return 0;
    j->p += n;
    return 1;
}

/* Skips one value (already past whitespace); depth is the depth a container here would have. */
static int skip_value(fjson_t *j, unsigned depth) {
    if (j->p >= j->end) return ERR_JSON_SYNTAX;
    char ch = *j->p;
    span_str_t tmp;
    if (ch == '"') {
        char *sp0 = j->sp;
        int rc = scan_str(j, &tmp);
        j->sp = sp0; /* nested text is returned raw: the unescaped copy is not needed */
        return rc;
    }
    if (ch == '-' || (ch >= '0' && ch <= '9')) return scan_num(j);
    if (match_lit(j, "true", 4) || match_lit(j, "false", 5) || match_lit(j, "null", 4))
        return ERR_OK;
    if (ch != '{' && ch != '[') return ERR_JSON_SYNTAX;
    if (depth > FJSON_MAX_DEPTH) return ERR_TOO_DEEP;
    char close = ch == '{' ? '}' : ']';
    j->p++;
    skip_ws(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        return ERR_OK;
    }
    for (;;) {
        int rc;
        if (close == '}') {
            if (j->p >= j->end || *j->p != '"') return ERR_JSON_SYNTAX;
            char *sp0 = j->sp;
            rc = scan_str(j, &tmp);
            j->sp = sp0;
            if (rc) return rc;
            skip_ws(j);
            if (j->p >= j->end || *j->p != ':') return ERR_JSON_SYNTAX;
            j->p++;
            skip_ws(j);
        }
        if ((rc = skip_value(j, depth + 1)) != ERR_OK) return rc;
        skip_ws(j);
        if (j->p >= j->end) return ERR_JSON_SYNTAX;
        if (*j->p == ',') {
            j->p++;
            skip_ws(j);
            continue;
        }
        if (*j->p == close) {
            j->p++;
            return ERR_OK;
        }
        return ERR_JSON_SYNTAX;
    }
}

int fjson_next(fjson_t *j, fjson_member_t *m, int *done) {
    *done = 0;
    if (j->state == ST_DONE) {
        *done = 1;
        return ERR_OK;
    }
    skip_ws(j);
    if (j->state == ST_FIRST && j->p < j->end && *j->p == '}') goto close;
    if (j->state == ST_MORE) {
        if (j->p < j->end && *j->p == '}') goto close;
        if (j->p >= j->end || *j->p != ',') return ERR_JSON_SYNTAX;
        j->p++;
        skip_ws(j);
    }
    if (j->p >= j->end || *j->p != '"') return ERR_JSON_SYNTAX;
    int rc = scan_str(j, &m->key);
    if (rc) return rc;
    skip_ws(j);
    if (j->p >= j->end || *j->p != ':') return ERR_JSON_SYNTAX;
    j->p++;
    skip_ws(j);
    if (j->p >= j->end) return ERR_JSON_SYNTAX;
    const char *v0 = j->p;
    char ch = *j->p;
    if (ch == '"') {
        m->type = FJSON_STR;
        if ((rc = scan_str(j, &m->val)) != ERR_OK) return rc;
    } else {
        if ((rc = skip_value(j, 2)) != ERR_OK) return rc;
        m->type = ch == '{' || ch == '[' ? FJSON_NESTED
                  : ch == 't'            ? FJSON_TRUE
                  : ch == 'f'            ? FJSON_FALSE
                  : ch == 'n'            ? FJSON_NULL
                                         : FJSON_NUM;
        m->val = span_str(v0, (size_t)(j->p - v0));
    }
    j->state = ST_MORE;
    return ERR_OK;
close:
    j->p++;
    skip_ws(j);
    if (j->p != j->end) return ERR_JSON_SYNTAX;
    j->state = ST_DONE;
    *done = 1;
    return ERR_OK;
}

size_t fjson_utf8_prefix(const char *s, size_t n, size_t max) {
    if (n <= max) return n;
    size_t k = max;
    /* Back up over continuation bytes: the byte at k starts the first cut-off character. */
    while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
        k--;
    return k;
}

int fjson_timestamp(const fjson_member_t *m, int64_t *ms) {
    if (m->type == FJSON_STR) return jspan_parse_iso8601(m->val.p, m->val.n, ms);
    if (m->type != FJSON_NUM) return ERR_WRONG_TYPE;
    const char *p = m->val.p, *e = p + m->val.n;
    uint64_t ip = 0, frac = 0;
    int nd = 0;
    if (p < e && *p == '-') return ERR_BAD_TIMESTAMP;
    for (; p < e && *p >= '0' && *p <= '9'; p++) {
        if (ip > (UINT64_MAX - 9) / 10) return ERR_BAD_TIMESTAMP;
        ip = ip * 10 + (uint64_t)(*p - '0');
    }
    if (p < e && *p == '.')
        for (p++; p < e && *p >= '0' && *p <= '9'; p++)
            if (nd < 3) frac = frac * 10 + (uint64_t)(*p - '0'), nd++;
    if (p != e) return ERR_BAD_TIMESTAMP; /* exponent */
    for (; nd < 3; nd++)
        frac *= 10;
    uint64_t v = ip < 100000000000ull         ? ip * 1000 + frac
                 : ip < 100000000000000ull    ? ip
                 : ip < 100000000000000000ull ? ip / 1000
                                              : ip / 1000000;
    if (v > (uint64_t)INT64_MAX) return ERR_BAD_TIMESTAMP;
    *ms = (int64_t)v;
    return ERR_OK;
}

int fjson_double(const fjson_member_t *m, double *v) {
    static const double pow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    char tmp[64];
    if (m->type != FJSON_NUM) return ERR_WRONG_TYPE;
    /* Fast path (Clinger): at most 15 significant digits and no exponent. The digits form an
     * integer < 2^53 and 10^k is exact, so one IEEE division is correctly rounded: the same
     * double strtod returns. Anything else goes to strtod. */
    {
        const char *p = m->val.p, *e = p + m->val.n;
        int neg = p < e && *p == '-', nd = 0, nf = 0, dot = 0;
        uint64_t iv = 0;
        for (p += neg; p < e; p++) {
            if (*p >= '0' && *p <= '9') {
                iv = iv * 10 + (uint64_t)(*p - '0');
                nd++;
                nf += dot;
            } else if (*p == '.' && !dot) {
                dot = 1;
            } else {
                break;
            }
        }
        if (p == e && nd <= 15) {
            double d = (double)iv / pow10[nf];
            *v = neg ? -d : d;
            return ERR_OK;
        }
    }
    if (m->val.n >= sizeof tmp) return ERR_OUT_OF_RANGE;
    memcpy(tmp, m->val.p, m->val.n);
    tmp[m->val.n] = '\0';
    double d = strtod(tmp, NULL);
    if (!isfinite(d)) return ERR_OUT_OF_RANGE;
    *v = d;
    return ERR_OK;
}

int fjson_dec_init(fjson_dec_t *d, size_t max, const fjson_field_t *fields, size_t nfields) {
    memset(d, 0, sizeof(*d));
    if (nfields > FJSON_SLOTS / 2) return -1;
    d->max = max ? max : (size_t)1 << 20;
    d->scratch_size = d->max + 16;
    d->fields = fields;
    for (size_t i = 0; i < nfields; i++) {
        unsigned h = fjson_hash_(fields[i].name, fields[i].len);
        while (d->slot[h & (FJSON_SLOTS - 1)])
            h++;
        d->slot[h & (FJSON_SLOTS - 1)] = (uint8_t)(i + 1);
    }
    d->scratch = malloc(d->scratch_size);
    return d->scratch ? 0 : -1;
}

void fjson_dec_deinit(fjson_dec_t *d) {
    free(d->scratch);
    d->scratch = NULL;
}

int fjson_dec_owns(const fjson_dec_t *d, const void *p, size_t n) {
    const char *c = p;
    return c >= d->scratch && n <= d->scratch_size &&
           c - d->scratch <= (ptrdiff_t)(d->scratch_size - n);
}
