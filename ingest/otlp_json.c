/* otlp_json: decodes an OTLP/JSON ExportTraceServiceRequest (the Collector kafka exporter's
 * otlp_json encoding, and the OTLP/HTTP JSON body) into span_t rows via otlp_map.c.
 *
 * Why hand-written: the DOM parsers packaged here (jansson, cJSON, json-c) allocate a node per
 * value and copy every string, and measured 84k–446k flat spans/s (ENVIRONMENT.md) — far
 * below budget for documents that are mostly attribute arrays. This is a strict scanner
 * (RFC 8259 grammar, UTF-8 checked, escapes decoded only when present, nesting bounded by
 * OTLP_JSON_MAX_NEST) directed by the OTLP schema: strings stay slices of the payload unless
 * they contain escapes. Accepts camelCase and proto field names, int64 as strings or numbers,
 * enums as numbers or names, ids as hex. All-or-nothing per record: spans are buffered until
 * the record is known good (over the buffer limits: checked whole, then emitted in a 2nd pass).
 * Does not do protobuf (otlp_proto.c) or attribute mapping (otlp_map.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jstr.h"
#include "otlp_int.h"
#include "utf8.h"

/* Generic JSON nesting bound: the OTLP envelope is 8 levels, each AnyValue level adds 3. */
#define OTLP_JSON_MAX_NEST (8 + 3 * OTLP_MAX_DEPTH)

typedef struct js_s {
    const char *p, *e, *start;
    otlp_dec_t *d;
} js_t;

static int js_fail(js_t *j, int code, const char *what) {
    return otlp_fail(j->d, code, "%s at byte %zu", what, (size_t)(j->p - j->start));
}
#define JS_SYNTAX(j, what) js_fail(j, ERR_JSON_SYNTAX, what)

static inline void js_ws(js_t *j) {
    /* Every token starts here: one compare for the common case (no whitespace at all). */
    while (j->p < j->e && (unsigned char)*j->p <= ' ' &&
           (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t'))
        j->p++;
}

static inline int js_peek(js_t *j) {
    js_ws(j);
    return j->p < j->e ? (unsigned char)*j->p : -1;
}

/* Reads a string token; raw is the text between the quotes (still escaped), *esc says
 * whether it contains escapes. Checks escapes, control characters and UTF-8. */
static int js_string(js_t *j, span_str_t *raw, int *esc) {
    if (js_peek(j) != '"') return JS_SYNTAX(j, "expected a string");
    const char *s = ++j->p;
    int hi = 0;
    *esc = 0;
    for (;;) {
        /* Eight bytes at a time while none is '"', '\\' or a control character (SWAR; bytes
         * >= 0x80 pass and are noted for the UTF-8 check below). */
        while (j->e - j->p >= 8) {
            uint64_t w, ones = 0x0101010101010101ull, top = 0x8080808080808080ull;
            memcpy(&w, j->p, 8);
            uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
            uint64_t stop =
                (((q - ones) & ~q) | ((b - ones) & ~b) | ((w - ones * 0x20) & ~w)) & top;
            hi |= (w & top) != 0; /* may note a byte past the stop: only costs the check */
            if (stop) {
                /* The lowest flag is exact (a borrow only flags bytes above a real hit);
                 * little-endian: it is the first such byte in memory. */
                j->p += __builtin_ctzll(stop) >> 3;
                break;
            }
            j->p += 8;
        }
        if (j->p >= j->e) return JS_SYNTAX(j, "unterminated string");
        unsigned char c = (unsigned char)*j->p;
        if (c == '"') break;
        if (c == '\\') {
            *esc = 1;
            if (j->e - j->p < 2) return JS_SYNTAX(j, "unterminated escape");
            char x = j->p[1];
            if (x == 'u') {
                unsigned u, u2;
                if (!jstr_read_u4(j->p + 2, j->e, &u)) return JS_SYNTAX(j, "bad \\u escape");
                j->p += 6;
                if (u >= 0xD800 && u <= 0xDBFF) {
                    if (j->e - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u' ||
                        !jstr_read_u4(j->p + 2, j->e, &u2) || u2 < 0xDC00 || u2 > 0xDFFF)
                        return js_fail(j, ERR_BAD_UTF8, "unpaired surrogate");
                    j->p += 6;
                } else if (u >= 0xDC00 && u <= 0xDFFF) {
                    return js_fail(j, ERR_BAD_UTF8, "unpaired surrogate");
                }
                continue;
            }
            if (!strchr("\"\\/bfnrt", x) || x == 0) return JS_SYNTAX(j, "bad escape");
            j->p += 2;
            continue;
        }
        if (c < 0x20) return JS_SYNTAX(j, "control character in string");
        hi |= c & 0x80;
        j->p++;
    }
    *raw = span_str(s, (size_t)(j->p - s));
    j->p++;
    if (hi && !utf8_valid(raw->p, raw->n)) return js_fail(j, ERR_BAD_UTF8, "string is not UTF-8");
    return ERR_OK;
}

static size_t js_put_utf8(char *o, uint32_t cp) {
    if (cp < 0x80) return o[0] = (char)cp, 1;
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decodes an already checked escaped string into the arena (never longer than raw). */
static int js_unescape(js_t *j, span_str_t raw, span_str_t *out) {
    char *o = otlp_arena_alloc(&j->d->arena, raw.n);
    if (!o) return ERR_NOMEM;
    size_t n = 0;
    for (uint32_t i = 0; i < raw.n;) {
        char c = raw.p[i];
        if (c != '\\') {
            o[n++] = c;
            i++;
            continue;
        }
        char x = raw.p[i + 1];
        i += 2;
        switch (x) {
        case 'b':
            o[n++] = '\b';
            break;
        case 'f':
            o[n++] = '\f';
            break;
        case 'n':
            o[n++] = '\n';
            break;
        case 'r':
            o[n++] = '\r';
            break;
        case 't':
            o[n++] = '\t';
            break;
        case 'u': {
            unsigned u = 0, u2 = 0; /* the escapes were checked by js_string */
            jstr_read_u4(raw.p + i, raw.p + i + 4, &u);
            i += 4;
            if (u >= 0xD800 && u <= 0xDBFF) {
                jstr_read_u4(raw.p + i + 2, raw.p + i + 6, &u2);
                i += 6;
                u = 0x10000 + ((u - 0xD800) << 10) + (u2 - 0xDC00);
            }
            n += js_put_utf8(o + n, u);
            break;
        }
        default:
            o[n++] = x;
            break; /* " \ / */
        }
    }
    *out = span_str(o, n);
    return ERR_OK;
}

/* A string value, unescaped when needed (emit pass) — in the check pass only checked. */
static int js_str_val(js_t *j, span_str_t *out) {
    span_str_t raw;
    int esc, rc;
    if ((rc = js_string(j, &raw, &esc)) != ERR_OK) return rc;
    if (esc && j->d->mapping) return js_unescape(j, raw, out);
    *out = raw;
    return ERR_OK;
}

/* Number token, strict grammar. *is_int: no fraction or exponent. */
static int js_number(js_t *j, span_str_t *tok, int *is_int) {
    js_ws(j);
    const char *s = j->p;
    *is_int = 1;
    if (j->p < j->e && *j->p == '-') j->p++;
    if (j->p >= j->e) return JS_SYNTAX(j, "bad number");
    if (*j->p == '0') {
        j->p++;
    } else if (*j->p >= '1' && *j->p <= '9') {
        while (j->p < j->e && *j->p >= '0' && *j->p <= '9')
            j->p++;
    } else {
        return JS_SYNTAX(j, "bad number");
    }
    if (j->p < j->e && *j->p == '.') {
        *is_int = 0;
        j->p++;
        if (j->p >= j->e || *j->p < '0' || *j->p > '9') return JS_SYNTAX(j, "bad number");
        while (j->p < j->e && *j->p >= '0' && *j->p <= '9')
            j->p++;
    }
    if (j->p < j->e && (*j->p == 'e' || *j->p == 'E')) {
        *is_int = 0;
        j->p++;
        if (j->p < j->e && (*j->p == '+' || *j->p == '-')) j->p++;
        if (j->p >= j->e || *j->p < '0' || *j->p > '9') return JS_SYNTAX(j, "bad number");
        while (j->p < j->e && *j->p >= '0' && *j->p <= '9')
            j->p++;
    }
    *tok = span_str(s, (size_t)(j->p - s));
    return ERR_OK;
}

static int js_lit(js_t *j, const char *lit) {
    size_t n = strlen(lit);
    if ((size_t)(j->e - j->p) < n || memcmp(j->p, lit, n) != 0) return JS_SYNTAX(j, "bad literal");
    j->p += n;
    return ERR_OK;
}

static int js_skip(js_t *j, int nest);

/* Object iteration: call with *first = 1; returns ERR_OK and *key (raw, escaped) with
 * *more = 1 for each member, *more = 0 at '}'. The value is next. */
static int js_member(js_t *j, int *first, span_str_t *key, int *more) {
    int c = js_peek(j), esc, rc;
    if (*first) {
        *first = 0;
        if (c == '}') {
            j->p++;
            *more = 0;
            return ERR_OK;
        }
    } else {
        if (c == '}') {
            j->p++;
            *more = 0;
            return ERR_OK;
        }
        if (c != ',') return JS_SYNTAX(j, "expected , or }");
        j->p++;
    }
    if ((rc = js_string(j, key, &esc)) != ERR_OK) return rc;
    if (esc) {
        if ((rc = js_unescape(j, *key, key)) != ERR_OK) return rc;
    }
    if (js_peek(j) != ':') return JS_SYNTAX(j, "expected :");
    j->p++;
    *more = 1;
    return ERR_OK;
}

/* Array iteration: returns *more = 1 before each element, 0 at ']'. */
static int js_element(js_t *j, int *first, int *more) {
    int c = js_peek(j);
    if (c == ']') {
        j->p++;
        *more = 0;
        return ERR_OK;
    }
    if (*first) {
        *first = 0;
    } else {
        if (c != ',') return JS_SYNTAX(j, "expected , or ]");
        j->p++;
        if (js_peek(j) == ']') return JS_SYNTAX(j, "trailing comma");
    }
    *more = 1;
    return ERR_OK;
}

static int js_open(js_t *j, char ch, int nest) {
    if (nest > OTLP_JSON_MAX_NEST) return js_fail(j, ERR_TOO_DEEP, "JSON nested too deep");
    if (js_peek(j) != ch)
        return js_fail(j, ERR_WRONG_TYPE, ch == '{' ? "expected an object" : "expected an array");
    j->p++;
    return ERR_OK;
}

static int js_skip(js_t *j, int nest) {
    int c = js_peek(j), rc, first = 1, more, is_int;
    span_str_t s;
    switch (c) {
    case '{':
        if ((rc = js_open(j, '{', nest)) != ERR_OK) return rc;
        for (;;) {
            if ((rc = js_member(j, &first, &s, &more)) != ERR_OK) return rc;
            if (!more) return ERR_OK;
            if ((rc = js_skip(j, nest + 1)) != ERR_OK) return rc;
        }
    case '[':
        if ((rc = js_open(j, '[', nest)) != ERR_OK) return rc;
        for (;;) {
            if ((rc = js_element(j, &first, &more)) != ERR_OK) return rc;
            if (!more) return ERR_OK;
            if ((rc = js_skip(j, nest + 1)) != ERR_OK) return rc;
        }
    case '"':
        return js_string(j, &s, &more);
    case 't':
        return js_lit(j, "true");
    case 'f':
        return js_lit(j, "false");
    case 'n':
        return js_lit(j, "null");
    case -1:
        return JS_SYNTAX(j, "unexpected end");
    default:
        return js_number(j, &s, &is_int);
    }
}

/* null for any field means "not set" (proto3 JSON). Consumes it. */
static int js_null(js_t *j) {
    if (js_peek(j) == 'n') {
        return js_lit(j, "null") == ERR_OK ? 1 : -1;
    }
    return 0;
}

static inline int js_key(span_str_t k, const char *camel, const char *snake) {
    return span_str_eq(k, camel) || (snake && span_str_eq(k, snake));
}

/* Integer from a number or a string of digits (proto3 JSON int64). */
static int js_int64(js_t *j, int64_t *out, int is_unsigned) {
    span_str_t t;
    int rc, is_int = 1, esc;
    if (js_peek(j) == '"') {
        if ((rc = js_string(j, &t, &esc)) != ERR_OK) return rc;
        if (esc) return js_fail(j, ERR_WRONG_TYPE, "integer string with escapes");
    } else if ((rc = js_number(j, &t, &is_int)) != ERR_OK) {
        return js_fail(j, ERR_WRONG_TYPE, "expected an integer");
    }
    if (!is_int) return js_fail(j, ERR_WRONG_TYPE, "expected an integer");
    uint32_t i = 0;
    int neg = 0;
    if (t.n && t.p[0] == '-') neg = 1, i = 1;
    if (i >= t.n || (neg && is_unsigned)) return js_fail(j, ERR_WRONG_TYPE, "bad integer");
    uint64_t v = 0;
    for (; i < t.n; i++) {
        if (t.p[i] < '0' || t.p[i] > '9') return js_fail(j, ERR_WRONG_TYPE, "bad integer");
        uint64_t dg = (uint64_t)(t.p[i] - '0');
        if (v > (UINT64_MAX - dg) / 10) return js_fail(j, ERR_OUT_OF_RANGE, "integer too large");
        v = v * 10 + dg;
    }
    if (!is_unsigned) {
        if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX)
            return js_fail(j, ERR_OUT_OF_RANGE, "integer out of int64 range");
        *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    } else {
        *out = (int64_t)v; /* caller reinterprets as uint64 */
    }
    return ERR_OK;
}

static int js_double(js_t *j, double *out) {
    span_str_t t;
    int rc, is_int, esc;
    char tmp[128];
    if (js_peek(j) == '"') {
        if ((rc = js_string(j, &t, &esc)) != ERR_OK) return rc;
        if (span_str_eq(t, "NaN")) return *out = __builtin_nan(""), ERR_OK;
        if (span_str_eq(t, "Infinity")) return *out = __builtin_inf(), ERR_OK;
        if (span_str_eq(t, "-Infinity")) return *out = -__builtin_inf(), ERR_OK;
        js_t sub = {t.p, t.p + t.n, j->start, j->d};
        if (esc || js_number(&sub, &t, &is_int) != ERR_OK || sub.p != sub.e)
            return js_fail(j, ERR_WRONG_TYPE, "expected a number");
    } else if ((rc = js_number(j, &t, &is_int)) != ERR_OK) {
        return js_fail(j, ERR_WRONG_TYPE, "expected a number");
    }
    if (t.n >= sizeof(tmp)) return js_fail(j, ERR_WRONG_TYPE, "number too long");
    memcpy(tmp, t.p, t.n);
    tmp[t.n] = 0;
    *out = strtod(tmp, NULL);
    return ERR_OK;
}

static int js_bool(js_t *j, int64_t *out) {
    int c = js_peek(j);
    if (c == 't') return *out = 1, js_lit(j, "true");
    if (c == 'f') return *out = 0, js_lit(j, "false");
    return js_fail(j, ERR_WRONG_TYPE, "expected true or false");
}

/* ---- AnyValue ---- */

typedef struct wr_s {
    char *p, *e;
} wr_t;

static void wr_put(wr_t *w, const char *s, size_t n) {
    if ((size_t)(w->e - w->p) < n) {
        w->p = w->e;
        return;
    }
    memcpy(w->p, s, n);
    w->p += n;
}

static int js_anyvalue(js_t *j, int nest, int depth, otlp_val_t *v, wr_t *w);

/* arrayValue / kvlistValue: {"values": [...]}; renders compact JSON into w when w != NULL. */
static int js_values(js_t *j, int nest, int depth, int kv, otlp_val_t *first, wr_t *w) {
    int rc, f1 = 1, more, got = 0;
    span_str_t k;
    if (depth > OTLP_MAX_DEPTH) return js_fail(j, ERR_TOO_DEEP, "AnyValue nested too deep");
    if ((rc = js_open(j, '{', nest)) != ERR_OK) return rc;
    if (w) wr_put(w, kv ? "{" : "[", 1);
    for (;;) {
        if ((rc = js_member(j, &f1, &k, &more)) != ERR_OK) return rc;
        if (!more) break;
        if (!js_key(k, "values", NULL) || got) {
            if (got && js_key(k, "values", NULL)) return js_fail(j, ERR_DUP_FIELD, "values twice");
            if ((rc = js_skip(j, nest + 1)) != ERR_OK) return rc;
            continue;
        }
        got = 1;
        int r = js_null(j);
        if (r < 0) return JS_SYNTAX(j, "bad literal");
        if (r) continue;
        int f2 = 1, m2, idx = 0;
        if ((rc = js_open(j, '[', nest + 1)) != ERR_OK) return rc;
        for (;;) {
            if ((rc = js_element(j, &f2, &m2)) != ERR_OK) return rc;
            if (!m2) break;
            if (w && idx) wr_put(w, ",", 1);
            otlp_val_t ev;
            if (!kv) {
                if ((rc = js_anyvalue(j, nest + 2, depth + 1, &ev, w)) != ERR_OK) return rc;
                if (idx == 0 && first) *first = ev;
            } else {
                /* KeyValue {"key": ..., "value": ...} in either order. */
                int f3 = 1, m3;
                span_str_t kk, key = {NULL, 0};
                const char *valpos = NULL;
                int haskey = 0;
                if ((rc = js_open(j, '{', nest + 2)) != ERR_OK) return rc;
                for (;;) {
                    if ((rc = js_member(j, &f3, &kk, &m3)) != ERR_OK) return rc;
                    if (!m3) break;
                    if (js_key(kk, "key", NULL)) {
                        span_str_t raw;
                        int esc;
                        if ((rc = js_string(j, &raw, &esc)) != ERR_OK) return rc;
                        key = raw;
                        haskey = 1;
                    } else if (js_key(kk, "value", NULL)) {
                        valpos = j->p;
                        if ((rc = js_anyvalue(j, nest + 3, depth + 1, &ev, NULL)) != ERR_OK)
                            return rc;
                    } else if ((rc = js_skip(j, nest + 3)) != ERR_OK) {
                        return rc;
                    }
                }
                if (w) {
                    wr_put(w, "\"", 1);
                    wr_put(w, haskey ? key.p : "", haskey ? key.n : 0);
                    wr_put(w, "\":", 2);
                    if (valpos) {
                        js_t sub = {valpos, j->e, j->start, j->d};
                        if ((rc = js_anyvalue(&sub, nest + 3, depth + 1, &ev, w)) != ERR_OK)
                            return rc;
                    } else {
                        wr_put(w, "null", 4);
                    }
                }
            }
            idx++;
        }
    }
    if (w) wr_put(w, kv ? "}" : "]", 1);
    return ERR_OK;
}

/* Reads an AnyValue object into v. In the emit pass with w != NULL (inside an array or
 * kvlist being rendered) also writes its JSON text to w. Top-level arrays and kvlists are
 * rendered into the arena (emit pass only) so they can be kept as attribute text. */
static int js_anyvalue(js_t *j, int nest, int depth, otlp_val_t *v, wr_t *w) {
    int rc, first = 1, more, esc, seen = 0;
    span_str_t k, raw;
    v->kind = OTLP_V_NONE;
    v->first = (span_str_t){NULL, 0};
    int r = js_null(j);
    if (r < 0) return JS_SYNTAX(j, "bad literal");
    if (r) {
        if (w) wr_put(w, "null", 4);
        return ERR_OK;
    }
    if ((rc = js_open(j, '{', nest)) != ERR_OK) return rc;
    for (;;) {
        if ((rc = js_member(j, &first, &k, &more)) != ERR_OK) return rc;
        if (!more) break;
        if (js_null(j) == 1) continue;
        int is_val = 1;
        const char *vstart;
        js_ws(j);
        vstart = j->p;
        if (js_key(k, "stringValue", "string_value")) {
            if ((rc = js_string(j, &raw, &esc)) != ERR_OK) return rc;
            v->kind = OTLP_V_STR;
            v->str = raw;
            if (esc && j->d->mapping && !w) {
                if ((rc = js_unescape(j, raw, &v->str)) != ERR_OK) return rc;
            }
            if (w) wr_put(w, vstart, (size_t)(j->p - vstart));
        } else if (js_key(k, "boolValue", "bool_value")) {
            if ((rc = js_bool(j, &v->i)) != ERR_OK) return rc;
            v->kind = OTLP_V_BOOL;
            if (w) wr_put(w, v->i ? "true" : "false", v->i ? 4 : 5);
        } else if (js_key(k, "intValue", "int_value")) {
            if ((rc = js_int64(j, &v->i, 0)) != ERR_OK) return rc;
            v->kind = OTLP_V_INT;
            if (w) {
                char tmp[24];
                int n = snprintf(tmp, sizeof(tmp), "%lld", (long long)v->i);
                wr_put(w, tmp, (size_t)n);
            }
        } else if (js_key(k, "doubleValue", "double_value")) {
            if ((rc = js_double(j, &v->d)) != ERR_OK) return rc;
            v->kind = OTLP_V_DBL;
            if (w) {
                char tmp[48];
                if (v->d != v->d || v->d - v->d != 0) {
                    wr_put(w, "null", 4);
                } else {
                    int n = otlp_fmt_double(tmp, sizeof(tmp), v->d);
                    wr_put(w, tmp, (size_t)n);
                }
            }
        } else if (js_key(k, "bytesValue", "bytes_value")) {
            if ((rc = js_string(j, &raw, &esc)) != ERR_OK) return rc;
            v->kind = OTLP_V_BYTES;
            v->str = raw;
            if (w) wr_put(w, vstart, (size_t)(j->p - vstart));
        } else if (js_key(k, "arrayValue", "array_value") ||
                   js_key(k, "kvlistValue", "kvlist_value")) {
            int kv = k.p[0] == 'k';
            v->kind = kv ? OTLP_V_KVLIST : OTLP_V_ARRAY;
            if (w || !j->d->mapping) {
                otlp_val_t fe = {0};
                if ((rc = js_values(j, nest + 1, depth, kv, &fe, w)) != ERR_OK) return rc;
            } else {
                /* Emit pass, top level: find the extent, then render into the arena
                 * (the rendering is never longer than the source text). */
                if ((rc = js_skip(j, nest + 1)) != ERR_OK) return rc;
                size_t cap = (size_t)(j->p - vstart) + 16;
                char *o = otlp_arena_alloc(&j->d->arena, cap);
                if (!o) return ERR_NOMEM;
                wr_t w2 = {o, o + cap};
                js_t sub = {vstart, j->e, j->start, j->d};
                otlp_val_t fe = {0};
                if ((rc = js_values(&sub, nest + 1, depth, kv, &fe, &w2)) != ERR_OK) return rc;
                v->str = span_str(o, (size_t)(w2.p - o));
                if (!kv && fe.kind == OTLP_V_STR) {
                    /* fe.str is raw (escaped) text: decode it for the column. */
                    int has_esc = memchr(fe.str.p, '\\', fe.str.n) != NULL;
                    v->first = fe.str;
                    if (has_esc && (rc = js_unescape(j, fe.str, &v->first)) != ERR_OK) return rc;
                }
            }
        } else {
            is_val = 0;
            if ((rc = js_skip(j, nest + 1)) != ERR_OK) return rc;
        }
        if (is_val && seen++) return js_fail(j, ERR_DUP_FIELD, "AnyValue with two values");
    }
    if (w && v->kind == OTLP_V_NONE) wr_put(w, "null", 4);
    return ERR_OK;
}

/* KeyValue {"key": "...", "value": {...}} (either order); applied in the emit pass. */
static int js_keyvalue(js_t *j, int nest, int is_resource) {
    int rc, first = 1, more, got_key = 0;
    span_str_t k, key = {"", 0};
    const char *valpos = NULL;
    otlp_val_t v = {0};
    if ((rc = js_open(j, '{', nest)) != ERR_OK) return rc;
    for (;;) {
        if ((rc = js_member(j, &first, &k, &more)) != ERR_OK) return rc;
        if (!more) break;
        if (js_key(k, "key", NULL)) {
            if (got_key++) return js_fail(j, ERR_DUP_FIELD, "key twice");
            if ((rc = js_str_val(j, &key)) != ERR_OK) return rc;
        } else if (js_key(k, "value", NULL)) {
            if (valpos) return js_fail(j, ERR_DUP_FIELD, "value twice");
            js_ws(j);
            valpos = j->p;
            if (got_key || !j->d->mapping) {
                if ((rc = js_anyvalue(j, nest + 1, 1, &v, NULL)) != ERR_OK) return rc;
            } else if ((rc = js_skip(j, nest + 1)) != ERR_OK) {
                return rc;
            }
        } else if ((rc = js_skip(j, nest + 1)) != ERR_OK) {
            return rc;
        }
    }
    if (!j->d->mapping) return ERR_OK;
    if (valpos && v.kind == OTLP_V_NONE) {
        /* value came before key: read it now */
        js_t sub = {valpos, j->e, j->start, j->d};
        if ((rc = js_anyvalue(&sub, nest + 1, 1, &v, NULL)) != ERR_OK) return rc;
    }
    return otlp_apply_fast(j->d, is_resource, otlp_key_find(j->d, key.p, key.n), key, &v);
}

static int js_kv_array(js_t *j, int nest, int is_resource) {
    int rc, first = 1, more;
    int r = js_null(j);
    if (r) return r < 0 ? JS_SYNTAX(j, "bad literal") : ERR_OK;
    if ((rc = js_open(j, '[', nest)) != ERR_OK) return rc;
    for (;;) {
        if ((rc = js_element(j, &first, &more)) != ERR_OK) return rc;
        if (!more) return ERR_OK;
        if ((rc = js_keyvalue(j, nest + 1, is_resource)) != ERR_OK) return rc;
    }
}

static int js_hexid(js_t *j, span_str_t *out, const char *what) {
    span_str_t raw;
    int esc, rc;
    if ((rc = js_string(j, &raw, &esc)) != ERR_OK) return rc;
    if (esc || raw.n % 2 || raw.n > 2 * OTLP_MAX_ID_BYTES)
        return otlp_fail(j->d, ERR_WRONG_TYPE, "%s is not a hex id", what);
    int upper = 0;
    for (uint32_t i = 0; i < raw.n; i++) {
        char c = raw.p[i];
        if (c >= 'A' && c <= 'F')
            upper = 1;
        else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return otlp_fail(j->d, ERR_WRONG_TYPE, "%s is not a hex id", what);
    }
    if (!j->d->mapping) return ERR_OK;
    if (upper) {
        char *o = otlp_arena_alloc(&j->d->arena, raw.n);
        if (!o) return ERR_NOMEM;
        for (uint32_t i = 0; i < raw.n; i++)
            o[i] = (raw.p[i] >= 'A' && raw.p[i] <= 'F') ? (char)(raw.p[i] + 32) : raw.p[i];
        raw.p = o;
    }
    *out = raw;
    return ERR_OK;
}

static int js_event(js_t *j, int nest) {
    int rc, first = 1, more;
    span_str_t k, name = {NULL, 0};
    int64_t t = 0;
    if ((rc = js_open(j, '{', nest)) != ERR_OK) return rc;
    for (;;) {
        if ((rc = js_member(j, &first, &k, &more)) != ERR_OK) return rc;
        if (!more) break;
        if (js_null(j) == 1) continue;
        if (js_key(k, "timeUnixNano", "time_unix_nano")) {
            if ((rc = js_int64(j, &t, 1)) != ERR_OK) return rc;
        } else if (js_key(k, "name", NULL)) {
            if ((rc = js_str_val(j, &name)) != ERR_OK) return rc;
        } else if ((rc = js_skip(j, nest + 1)) != ERR_OK) {
            return rc;
        }
    }
    if (j->d->mapping) otlp_span_event(j->d, name, (uint64_t)t);
    return ERR_OK;
}

static int js_status(js_t *j, int nest) {
    int rc, first = 1, more;
    span_str_t k;
    if (js_null(j) == 1) return ERR_OK;
    if ((rc = js_open(j, '{', nest)) != ERR_OK) return rc;
    for (;;) {
        if ((rc = js_member(j, &first, &k, &more)) != ERR_OK) return rc;
        if (!more) return ERR_OK;
        if (js_null(j) == 1) continue;
        if (js_key(k, "code", NULL)) {
            int64_t code = 0;
            if (js_peek(j) == '"') {
                span_str_t s;
                int esc;
                if ((rc = js_string(j, &s, &esc)) != ERR_OK) return rc;
                if (span_str_eq(s, "STATUS_CODE_ERROR"))
                    code = 2;
                else if (span_str_eq(s, "STATUS_CODE_OK"))
                    code = 1;
                else if (span_str_eq(s, "STATUS_CODE_UNSET"))
                    code = 0;
                else
                    return js_fail(j, ERR_BAD_ENUM, "unknown status code");
            } else if ((rc = js_int64(j, &code, 0)) != ERR_OK) {
                return rc;
            }
            if (j->d->mapping) j->d->status_error = (code == 2);
        } else if ((rc = js_skip(j, nest + 1)) != ERR_OK) {
            return rc;
        }
    }
}

static int js_span(js_t *j, int nest, otlp_mark_t mark) {
    int rc, first = 1, more;
    span_str_t k;
    otlp_dec_t *d = j->d;
    span_t *s = &d->span;
    int64_t t;
    int has_events = 0; /* otlpeval hook */
    if (d->mapping) {
        if (!d->buffering) otlp_arena_rewind(&d->arena, mark); /* buffered spans keep theirs */
        otlp_span_begin(d);
    }
    js_ws(j);
    const char *span_p = j->p; /* otlpeval hook */
    if ((rc = js_open(j, '{', nest)) != ERR_OK) return rc;
    for (;;) {
        if ((rc = js_member(j, &first, &k, &more)) != ERR_OK) return rc;
        if (!more) break;
        if (js_null(j) == 1) continue;
        if (js_key(k, "traceId", "trace_id"))
            rc = js_hexid(j, &s->trace_id, "traceId");
        else if (js_key(k, "spanId", "span_id"))
            rc = js_hexid(j, &s->span_id, "spanId");
        else if (js_key(k, "parentSpanId", "parent_span_id"))
            rc = js_hexid(j, &s->parent_span_id, "parentSpanId");
        else if (js_key(k, "name", NULL))
            rc = js_str_val(j, &d->span_name);
        else if (js_key(k, "startTimeUnixNano", "start_time_unix_nano")) {
            if ((rc = js_int64(j, &t, 1)) == ERR_OK) d->start_ns = (uint64_t)t;
        } else if (js_key(k, "endTimeUnixNano", "end_time_unix_nano")) {
            if ((rc = js_int64(j, &t, 1)) == ERR_OK) d->end_ns = (uint64_t)t;
        } else if (js_key(k, "attributes", NULL)) {
            rc = js_kv_array(j, nest + 1, 0);
        } else if (js_key(k, "events", NULL)) {
            int f2 = 1, m2;
            has_events = 1; /* otlpeval hook */
            if ((rc = js_open(j, '[', nest + 1)) != ERR_OK) return rc;
            for (;;) {
                if ((rc = js_element(j, &f2, &m2)) != ERR_OK || !m2) break;
                if ((rc = js_event(j, nest + 2)) != ERR_OK) break;
            }
        } else if (js_key(k, "status", NULL)) {
            rc = js_status(j, nest + 1);
        } else {
            rc = js_skip(j, nest + 1);
        }
        if (rc != ERR_OK) return rc;
    }
    /* otlpeval hook: the span's evaluation events, once per span (the checking pass) */
    if (has_events && d->check && d->span_hook)
        d->span_hook(d->span_hook_ctx, 1, (const uint8_t *)span_p, (size_t)(j->p - span_p));
    if (!d->mapping) return ERR_OK;
    return otlp_span_end(d);
}

static int js_scope_spans(js_t *j, int nest, otlp_mark_t mark) {
    int rc, first = 1, more;
    span_str_t k;
    if ((rc = js_open(j, '{', nest)) != ERR_OK) return rc;
    for (;;) {
        if ((rc = js_member(j, &first, &k, &more)) != ERR_OK) return rc;
        if (!more) return ERR_OK;
        if (js_key(k, "spans", NULL) && js_null(j) == 0) {
            int f2 = 1, m2;
            if ((rc = js_open(j, '[', nest + 1)) != ERR_OK) return rc;
            for (;;) {
                if ((rc = js_element(j, &f2, &m2)) != ERR_OK) return rc;
                if (!m2) break;
                if ((rc = js_span(j, nest + 2, mark)) != ERR_OK) return rc;
            }
        } else if ((rc = js_skip(j, nest + 1)) != ERR_OK) {
            return rc;
        }
    }
}

static int js_scope_spans_array(js_t *j, int nest, otlp_mark_t mark) {
    int rc, first = 1, more;
    if ((rc = js_open(j, '[', nest)) != ERR_OK) return rc;
    for (;;) {
        if ((rc = js_element(j, &first, &more)) != ERR_OK) return rc;
        if (!more) return ERR_OK;
        if ((rc = js_scope_spans(j, nest + 1, mark)) != ERR_OK) return rc;
    }
}

static int js_resource(js_t *j, int nest) {
    int rc, first = 1, more;
    span_str_t k;
    if ((rc = js_open(j, '{', nest)) != ERR_OK) return rc;
    for (;;) {
        if ((rc = js_member(j, &first, &k, &more)) != ERR_OK) return rc;
        if (!more) return ERR_OK;
        if (js_key(k, "attributes", NULL))
            rc = js_kv_array(j, nest + 1, 1);
        else
            rc = js_skip(j, nest + 1);
        if (rc != ERR_OK) return rc;
    }
}

/* ResourceSpans: the resource is applied before any span; when scopeSpans comes first in
 * the text, it is skipped and read again after the resource. */
static int js_resource_spans(js_t *j, int nest) {
    int rc, first = 1, more, got_res = 0;
    span_str_t k;
    const char *deferred = NULL;
    int got_ss = 0;
    otlp_dec_t *d = j->d;
    if (d->mapping) otlp_resource_begin(d);
    otlp_mark_t mark = otlp_arena_mark(&d->arena);
    if ((rc = js_open(j, '{', nest)) != ERR_OK) return rc;
    for (;;) {
        if ((rc = js_member(j, &first, &k, &more)) != ERR_OK) return rc;
        if (!more) break;
        if (js_null(j) == 1) continue;
        if (js_key(k, "resource", NULL)) {
            if (got_res++) return js_fail(j, ERR_DUP_FIELD, "resource twice");
            if ((rc = js_resource(j, nest + 1)) != ERR_OK) return rc;
            mark = otlp_arena_mark(&d->arena);
        } else if (js_key(k, "scopeSpans", "scope_spans")) {
            if (got_ss++) return js_fail(j, ERR_DUP_FIELD, "scopeSpans twice");
            js_ws(j);
            if (got_res) {
                if ((rc = js_scope_spans_array(j, nest + 1, mark)) != ERR_OK) return rc;
            } else {
                deferred = j->p;
                if ((rc = js_skip(j, nest + 1)) != ERR_OK) return rc; /* read after the resource */
            }
        } else if ((rc = js_skip(j, nest + 1)) != ERR_OK) {
            return rc;
        }
    }
    if (deferred) {
        js_t sub = {deferred, j->e, j->start, d};
        return js_scope_spans_array(&sub, nest + 1, mark);
    }
    return ERR_OK;
}

static int js_request(js_t *j) {
    int rc, first = 1, more;
    span_str_t k;
    if (js_peek(j) == -1) return otlp_fail(j->d, ERR_EMPTY, "empty OTLP/JSON record");
    if (js_peek(j) != '{')
        return otlp_fail(j->d, ERR_NOT_OBJECT, "OTLP/JSON record is not an object");
    j->p++;
    for (;;) {
        if ((rc = js_member(j, &first, &k, &more)) != ERR_OK) return rc;
        if (!more) break;
        if (js_key(k, "resourceSpans", "resource_spans") && js_null(j) == 0) {
            int f2 = 1, m2;
            if ((rc = js_open(j, '[', 1)) != ERR_OK) return rc;
            for (;;) {
                if ((rc = js_element(j, &f2, &m2)) != ERR_OK) return rc;
                if (!m2) break;
                if ((rc = js_resource_spans(j, 2)) != ERR_OK) return rc;
            }
        } else if ((rc = js_skip(j, 1)) != ERR_OK) {
            return rc;
        }
    }
    if (js_peek(j) != -1) return JS_SYNTAX(j, "data after the JSON object");
    return ERR_OK;
}

int otlp_json_decode(otlp_dec_t *d, const char *p, size_t n, otlp_span_cb cb, void *ctx,
                     otlp_stats_t *st, char *detail, size_t detail_size) {
    int rc;
    otlp_call_begin(d, cb, ctx, st, detail, detail_size);
    if (!p) n = 0;
    js_t j = {p, p + n, p, d};
    otlp_buffer_begin(d);
    rc = js_request(&j);
    if (rc != ERR_OK) {
        d->st = d->st_user; /* nothing of a bad record is counted or emitted */
        d->buffering = 0;
        return rc;
    }
    if (!d->overflow) return otlp_buffer_flush(d);
    otlp_second_pass(d); /* checked already: emit straight to the callback */
    js_t j2 = {p, p + n, p, d};
    return js_request(&j2);
}
