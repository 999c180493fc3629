/* rowbin: RowBinary rows, column list, structure, header and DESCRIBE check, all expanded
 * from COLUMNS_MAP (columns.h). A row is written with one reserve of an upper bound, then
 * straight-line stores (the X-macro expands into one store per column: no per-column
 * switch or table walk at run time), then one commit. Does not validate spans: that is
 * validate.c's job; it encodes whatever it is given. */
#include "rowbin.h"

#include <stdio.h>

#include "columns.h"
#include "err.h"

/* ---- Raw stores into reserved memory (p has room; checked by the size bound). */
static inline uint8_t *rb_w8(uint8_t *p, uint8_t v) {
    *p = v;
    return p + 1;
}
static inline uint8_t *rb_w16(uint8_t *p, uint16_t v) {
    memcpy(p, &v, 2);
    return p + 2;
}
static inline uint8_t *rb_w32(uint8_t *p, uint32_t v) {
    memcpy(p, &v, 4);
    return p + 4;
}
static inline uint8_t *rb_w64(uint8_t *p, uint64_t v) {
    memcpy(p, &v, 8);
    return p + 8;
}
/* Copies n bytes. Short strings (most columns: ids, enum words) are copied with two
 * overlapping fixed-size moves, which compile to plain loads and stores, instead of a call to
 * memcpy per column (that call was most of the encoding time). Never reads or writes outside
 * [src, src+n) and [dst, dst+n). */
static inline void rb_copy(uint8_t *dst, const char *src, uint32_t n) {
    if (n >= 8 && n <= 16) {
        uint64_t a, b;
        memcpy(&a, src, 8);
        memcpy(&b, src + n - 8, 8);
        memcpy(dst, &a, 8);
        memcpy(dst + n - 8, &b, 8);
    } else if (n > 16 && n <= 32) {
        uint64_t a, b, c, d;
        memcpy(&a, src, 8);
        memcpy(&b, src + 8, 8);
        memcpy(&c, src + n - 16, 8);
        memcpy(&d, src + n - 8, 8);
        memcpy(dst, &a, 8);
        memcpy(dst + 8, &b, 8);
        memcpy(dst + n - 16, &c, 8);
        memcpy(dst + n - 8, &d, 8);
    } else if (n >= 4 && n < 8) {
        uint32_t a, b;
        memcpy(&a, src, 4);
        memcpy(&b, src + n - 4, 4);
        memcpy(dst, &a, 4);
        memcpy(dst + n - 4, &b, 4);
    } else if (n > 32) {
        memcpy(dst, src, n);
    } else {
        for (uint32_t i = 0; i < n; i++)
            dst[i] = (uint8_t)src[i];
    }
}
static inline uint8_t *rb_wstr(uint8_t *p, span_str_t s) {
    if (s.n < 0x80) {
        *p++ = (uint8_t)s.n; /* the common case: one length byte */
    } else {
        p += rowbin_varuint_to(p, s.n);
    }
    rb_copy(p, s.p, s.n);
    return p + s.n;
}
static inline uint32_t rb_nattrs(const span_t *s) {
    return s->n_attrs < SPAN_MAX_ATTRS ? s->n_attrs : SPAN_MAX_ATTRS;
}
static inline uint8_t *rb_wmap(uint8_t *p, const span_t *s) {
    uint32_t n = rb_nattrs(s);
    p += rowbin_varuint_to(p, n);
    for (uint32_t i = 0; i < n; i++) {
        p = rb_wstr(p, s->attrs[i].key);
        p = rb_wstr(p, s->attrs[i].val);
    }
    return p;
}
static inline size_t rb_map_bound(const span_t *s) {
    size_t n = ROWBIN_VARUINT32_MAX;
    for (uint32_t i = 0; i < rb_nattrs(s); i++)
        n += 2 * ROWBIN_VARUINT32_MAX + s->attrs[i].key.n + s->attrs[i].val.n;
    return n;
}

/* Per encoder kind: the size bound and the store. Nullable presence comes from span_t.present. */
#define RB_SIZE_TS(s, f) 8
#define RB_SIZE_DEC(s, f) 8
#define RB_SIZE_I64(s, f) 8
#define RB_SIZE_U32(s, f) 4
#define RB_SIZE_I32(s, f) 4
#define RB_SIZE_U16(s, f) 2
#define RB_SIZE_U8(s, f) 1
#define RB_SIZE_STR(s, f) (ROWBIN_VARUINT32_MAX + (size_t)(s)->f.n)
#define RB_SIZE_NU32_TTFT(s, f) 5
#define RB_SIZE_NF32_QUALITY(s, f) 5
#define RB_SIZE_MAP(s, f) rb_map_bound(s)

#define RB_W_TS(p, s, f) p = rb_w64(p, (uint64_t)(s)->f)
#define RB_W_DEC(p, s, f) p = rb_w64(p, (uint64_t)(s)->f)
#define RB_W_I64(p, s, f) p = rb_w64(p, (uint64_t)(s)->f)
#define RB_W_U32(p, s, f) p = rb_w32(p, (s)->f)
#define RB_W_I32(p, s, f) p = rb_w32(p, (uint32_t)(s)->f)
#define RB_W_U16(p, s, f) p = rb_w16(p, (s)->f)
#define RB_W_U8(p, s, f) p = rb_w8(p, (s)->f)
#define RB_W_STR(p, s, f) p = rb_wstr(p, (s)->f)
#define RB_W_NU32_TTFT(p, s, f)                                                                    \
    do {                                                                                           \
        if ((s)->present & SPAN_HAS_TTFT) {                                                        \
            p = rb_w8(p, 0);                                                                       \
            p = rb_w32(p, (s)->f);                                                                 \
        } else {                                                                                   \
            p = rb_w8(p, 1);                                                                       \
        }                                                                                          \
    } while (0)
#define RB_W_NF32_QUALITY(p, s, f)                                                                 \
    do {                                                                                           \
        if ((s)->present & SPAN_HAS_QUALITY) {                                                     \
            uint32_t bits_;                                                                        \
            memcpy(&bits_, &(s)->f, 4);                                                            \
            p = rb_w8(p, 0);                                                                       \
            p = rb_w32(p, bits_);                                                                  \
        } else {                                                                                   \
            p = rb_w8(p, 1);                                                                       \
        }                                                                                          \
    } while (0)
#define RB_W_MAP(p, s, f) p = rb_wmap(p, s)

size_t rowbin_span_size_bound(const span_t *s) {
    size_t n = 0;
#define RB_SIZE_(name, mt, lt, kind, field) n += RB_SIZE_##kind(s, field);
    COLUMNS_MAP(RB_SIZE_)
#undef RB_SIZE_
    return n;
}

void rowbin_encode_span(buf_t *b, const span_t *s) {
    uint8_t *p = buf_reserve(b, rowbin_span_size_bound(s));
    if (!p) return;
    uint8_t *start = p;
#define RB_W_(name, mt, lt, kind, field) RB_W_##kind(p, s, field);
    COLUMNS_MAP(RB_W_)
#undef RB_W_
    buf_commit(b, (size_t)(p - start));
}

/* ---- Names and types, as static strings built by the preprocessor. */

#define RB_COUNT_(name, mt, lt, kind, field) +1
static const size_t rb_ncols = 0 COLUMNS_MAP(RB_COUNT_);
#undef RB_COUNT_

size_t rowbin_ncolumns(void) { return rb_ncols; }

static const char *const rb_names[] = {
#define RB_NAME_(name, mt, lt, kind, field) #name,
    COLUMNS_MAP(RB_NAME_)
#undef RB_NAME_
};
static const char *const rb_types[2][sizeof(rb_names) / sizeof(rb_names[0])] = {
    {
#define RB_MT_(name, mt, lt, kind, field) mt,
        COLUMNS_MAP(RB_MT_)
#undef RB_MT_
    },
    {
#define RB_LT_(name, mt, lt, kind, field) lt,
        COLUMNS_MAP(RB_LT_)
#undef RB_LT_
    },
};

/* Each list is built as ", a, b, …" by string-literal concatenation at compile time; the
 * public functions skip the leading ", ". Constant data: no initialisation, thread-safe. */
#define RB_LIST_(name, mt, lt, kind, field) ", " #name
static const char rb_list_raw[] = COLUMNS_MAP(RB_LIST_);
#undef RB_LIST_
#define RB_STRUCT_M_(name, mt, lt, kind, field) ", " #name " " mt
static const char rb_struct_m_raw[] = COLUMNS_MAP(RB_STRUCT_M_);
#undef RB_STRUCT_M_
#define RB_STRUCT_L_(name, mt, lt, kind, field) ", " #name " " lt
static const char rb_struct_l_raw[] = COLUMNS_MAP(RB_STRUCT_L_);
#undef RB_STRUCT_L_

const char *rowbin_column_list(void) { return rb_list_raw + 2; }

const char *rowbin_structure(int legacy) {
    return legacy ? rb_struct_l_raw + 2 : rb_struct_m_raw + 2;
}

void rowbin_names_types_header(buf_t *b, int legacy) {
    rowbin_put_varuint(b, rb_ncols);
    for (size_t i = 0; i < rb_ncols; i++)
        rowbin_put_cstr(b, rb_names[i]);
    for (size_t i = 0; i < rb_ncols; i++)
        rowbin_put_cstr(b, rb_types[legacy ? 1 : 0][i]);
}

/* ---- DESCRIBE check. DESCRIBE's TSV is parsed by hand: it is a fixed, tiny subset of
 * TabSeparated (backslash escapes only), and no TSV library is packaged. */

#define RB_TYPE_MAX 256

/* Unescapes one TSV field [p, end) into dst (size dstsz), dropping blanks if drop_blanks
 * (so that "Decimal(18, 9)" and "Decimal(18,9)" compare equal). Returns 0, or -1 if too long. */
static int rb_norm_field(const char *p, const char *end, char *dst, size_t dstsz, int drop_blanks) {
    size_t n = 0;
    for (; p < end; p++) {
        char c = *p;
        if (c == '\\' && p + 1 < end) {
            c = *++p;
            if (c == 't')
                c = '\t';
            else if (c == 'n')
                c = '\n';
        }
        if (drop_blanks && (c == ' ' || c == '\t' || c == '\n')) continue;
        if (n + 1 >= dstsz) return -1;
        dst[n++] = c;
    }
    dst[n] = '\0';
    return 0;
}

/* DateTime64(3,'X') and DateTime64(3) carry the same bytes: reduce them to DateTime64(3). */
static void rb_canon_type(char *t) {
    if (strncmp(t, "DateTime64(3,", 13) == 0 && t[strlen(t) - 1] == ')') strcpy(t, "DateTime64(3)");
}

int rowbin_check_describe(const char *describe_tsv, int legacy, char *errstr, size_t errstr_size) {
    if (!describe_tsv) {
        if (errstr_size) snprintf(errstr, errstr_size, "no DESCRIBE output");
        return ERR_INVAL;
    }
    int t = legacy ? 1 : 0;
    for (size_t i = 0; i < rb_ncols; i++) {
        const char *name = rb_names[i];
        size_t nlen = strlen(name);
        char want[RB_TYPE_MAX], got[RB_TYPE_MAX];
        rb_norm_field(rb_types[t][i], rb_types[t][i] + strlen(rb_types[t][i]), want, sizeof(want),
                      1);
        rb_canon_type(want);
        int found = 0;
        for (const char *line = describe_tsv; *line;) {
            const char *eol = strchr(line, '\n');
            if (!eol) eol = line + strlen(line);
            const char *tab = memchr(line, '\t', (size_t)(eol - line));
            if (tab && (size_t)(tab - line) == nlen && memcmp(line, name, nlen) == 0) {
                const char *tend = memchr(tab + 1, '\t', (size_t)(eol - tab - 1));
                if (!tend) tend = eol;
                if (rb_norm_field(tab + 1, tend, got, sizeof(got), 1) != 0) got[0] = '\0';
                rb_canon_type(got);
                if (strcmp(got, want) != 0) {
                    char shown[RB_TYPE_MAX];
                    if (rb_norm_field(tab + 1, tend, shown, sizeof(shown), 0) != 0)
                        strcpy(shown, "(too long)");
                    if (errstr_size)
                        snprintf(errstr, errstr_size,
                                 "column %s has type %s, spanhouse writes %s (%s schema)", name,
                                 shown, rb_types[t][i], legacy ? "legacy 18.16" : "modern");
                    return ERR_SERVER_FATAL;
                }
                found = 1;
                break;
            }
            line = *eol ? eol + 1 : eol;
        }
        if (!found) {
            if (errstr_size)
                snprintf(errstr, errstr_size, "table has no column %s (expected type %s)", name,
                         rb_types[t][i]);
            return ERR_SERVER_FATAL;
        }
    }
    if (errstr_size) errstr[0] = '\0';
    return ERR_OK;
}
