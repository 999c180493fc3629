/* otlp_proto: decodes a protobuf ExportTraceServiceRequest (the Collector kafka exporter's
 * otlp_proto encoding) into span_t rows, through the attribute mapper in otlp_map.c.
 *
 * Why hand-written and not protobuf-c: protobuf-c unpacks the whole request into a tree of
 * heap objects (one malloc per message, KeyValue, AnyValue and string), which is what the hot
 * path must not do, and copies every string; this reader walks the wire format in place (ids
 * become hex in a scratch arena, strings are slices of the payload). Measured on the build
 * machine, 20-span SDK record, one core: protobuf-c unpack+walk+free 248k spans/s, this reader
 * with the full mapping 904k spans/s (bench/otlp_protobufc/run.sh; docs/otel-mapping.md).
 * Only the handful of messages below are understood; unknown fields are skipped. The wire
 * format itself (varints, tags, lengths) is pbwire.h, shared with otlp_logs.c.
 * Hostile input: every length is checked against the enclosing message, varints are at most
 * 10 bytes, AnyValue nesting is bounded by OTLP_MAX_DEPTH, ids by OTLP_MAX_ID_BYTES, and
 * strings that reach a column or attribute must be valid UTF-8. All-or-nothing per record:
 * spans are buffered until the record is known good (a record over the buffer limits is
 * checked whole first, then emitted in a second pass). Does not do JSON (otlp_json.c) or attribute
 * mapping. */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "otlp_int.h"
#include "pbwire.h"
#include "utf8.h"

/* The error path of pb_next, out of line so the hot path stays small. */
static __attribute__((noinline)) int pb_bad(otlp_dec_t *d, const char *msg, pbw_status_t st,
                                            uint32_t num) {
    return otlp_fail(d, ERR_BAD_PROTOBUF, "%s: %s (field %u)", msg, pbw_why(st), num);
}

/* Reads the next field of message b (pbwire.h). f->num == 0 at the end. */
static inline __attribute__((always_inline)) int pb_next(otlp_dec_t *d, pbw_t *b, pbw_field_t *f,
                                                         const char *msg) {
    pbw_status_t st = pbw_next(b, f);
    if (__builtin_expect(st != PBW_OK, 0)) return pb_bad(d, msg, st, f->num);
    return ERR_OK;
}

#define PB_EXPECT(f, want, msg)                                                                    \
    do {                                                                                           \
        if ((f).wt != (want))                                                                      \
            return otlp_fail(d, ERR_BAD_PROTOBUF, "%s: field %u has wire type %u, not %u", msg,    \
                             (f).num, (f).wt, (unsigned)(want));                                   \
    } while (0)

static inline span_str_t pb_str(pbw_t s) {
    return span_str((const char *)s.p, (size_t)(s.e - s.p));
}

/* ---- JSON rendering of array / kvlist values (when mapping; input already checked) ---- */

typedef struct wr_s {
    char *p, *e;
} wr_t;

static void wr_put(wr_t *w, const char *s, size_t n) {
    if ((size_t)(w->e - w->p) < n) {
        w->p = w->e; /* cannot happen with the 6n+16 bound; never overflow */
        return;
    }
    memcpy(w->p, s, n);
    w->p += n;
}

static void wr_json_str(wr_t *w, const uint8_t *s, size_t n) {
    static const char hx[] = "0123456789abcdef";
    wr_put(w, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        char esc[6];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            wr_put(w, esc, 2);
        } else if (c < 0x20) {
            memcpy(esc, "\\u00", 4);
            esc[4] = hx[c >> 4];
            esc[5] = hx[c & 15];
            wr_put(w, esc, 6);
        } else {
            wr_put(w, (const char *)&c, 1);
        }
    }
    wr_put(w, "\"", 1);
}

static void wr_base64(wr_t *w, const uint8_t *s, size_t n) {
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16;
        if (i + 1 < n) v |= (uint32_t)s[i + 1] << 8;
        if (i + 2 < n) v |= s[i + 2];
        char o[4] = {b64[(v >> 18) & 63], b64[(v >> 12) & 63], i + 1 < n ? b64[(v >> 6) & 63] : '=',
                     i + 2 < n ? b64[v & 63] : '='};
        wr_put(w, o, 4);
    }
}

static void pb_render_kvlist(otlp_dec_t *d, pbw_t b, wr_t *w);
static void pb_render_array(otlp_dec_t *d, pbw_t b, wr_t *w);

static void pb_render_any(otlp_dec_t *d, pbw_t b, wr_t *w) {
    pbw_field_t f = {0};
    pbw_field_t last = {0};
    while (pb_next(d, &b, &f, "AnyValue") == ERR_OK && f.num)
        if (f.num >= 1 && f.num <= 7) last = f;
    char tmp[48];
    int n;
    double dv;
    switch (last.num) {
    case 1:
        wr_json_str(w, last.sub.p, (size_t)(last.sub.e - last.sub.p));
        break;
    case 2:
        last.v ? wr_put(w, "true", 4) : wr_put(w, "false", 5);
        break;
    case 3:
        n = snprintf(tmp, sizeof(tmp), "%lld", (long long)(int64_t)last.v);
        wr_put(w, tmp, (size_t)n);
        break;
    case 4:
        memcpy(&dv, &last.v, 8);
        if (dv != dv || dv - dv != 0) { /* NaN or infinity: not JSON numbers */
            wr_put(w, "null", 4);
            break;
        }
        n = otlp_fmt_double(tmp, sizeof(tmp), dv);
        wr_put(w, tmp, (size_t)n);
        break;
    case 5:
        pb_render_array(d, last.sub, w);
        break;
    case 6:
        pb_render_kvlist(d, last.sub, w);
        break;
    case 7:
        wr_put(w, "\"", 1);
        wr_base64(w, last.sub.p, (size_t)(last.sub.e - last.sub.p));
        wr_put(w, "\"", 1);
        break;
    default:
        wr_put(w, "null", 4);
    }
}

static void pb_render_array(otlp_dec_t *d, pbw_t b, wr_t *w) {
    pbw_field_t f = {0};
    int first = 1;
    wr_put(w, "[", 1);
    while (pb_next(d, &b, &f, "ArrayValue") == ERR_OK && f.num) {
        if (f.num != 1 || f.wt != PBW_LEN) continue;
        if (!first) wr_put(w, ",", 1);
        first = 0;
        pb_render_any(d, f.sub, w);
    }
    wr_put(w, "]", 1);
}

static void pb_render_kvlist(otlp_dec_t *d, pbw_t b, wr_t *w) {
    pbw_field_t f = {0}, g = {0};
    int first = 1;
    wr_put(w, "{", 1);
    while (pb_next(d, &b, &f, "KeyValueList") == ERR_OK && f.num) {
        if (f.num != 1 || f.wt != PBW_LEN) continue;
        pbw_t kv = f.sub, key = {0}, val = {0};
        while (pb_next(d, &kv, &g, "KeyValue") == ERR_OK && g.num) {
            if (g.num == 1 && g.wt == PBW_LEN) key = g.sub;
            if (g.num == 2 && g.wt == PBW_LEN) val = g.sub;
        }
        if (!first) wr_put(w, ",", 1);
        first = 0;
        wr_json_str(w, key.p, (size_t)(key.e - key.p));
        wr_put(w, ":", 1);
        pb_render_any(d, val, w);
    }
    wr_put(w, "}", 1);
}

/* ---- checking / decoding ---- */

static int pb_kvlist(otlp_dec_t *d, pbw_t b, int depth);

/* Checks an AnyValue (d->check) and/or fills v from it (d->mapping). */
static int pb_anyvalue(otlp_dec_t *d, pbw_t b, int depth, otlp_val_t *v) {
    pbw_field_t f = {0};
    int rc;
    if (depth > OTLP_MAX_DEPTH)
        return otlp_fail(d, ERR_TOO_DEEP, "AnyValue nested deeper than %d", OTLP_MAX_DEPTH);
    v->kind = OTLP_V_NONE;
    while ((rc = pb_next(d, &b, &f, "AnyValue")) == ERR_OK && f.num) {
        switch (f.num) {
        case 1:
            PB_EXPECT(f, PBW_LEN, "AnyValue");
            if (d->check && !utf8_valid(f.sub.p, (size_t)(f.sub.e - f.sub.p)))
                return otlp_fail(d, ERR_BAD_UTF8, "attribute string value is not UTF-8");
            v->kind = OTLP_V_STR;
            v->str = pb_str(f.sub);
            break;
        case 2:
            PB_EXPECT(f, PBW_VARINT, "AnyValue");
            v->kind = OTLP_V_BOOL;
            v->i = f.v != 0;
            break;
        case 3:
            PB_EXPECT(f, PBW_VARINT, "AnyValue");
            v->kind = OTLP_V_INT;
            v->i = (int64_t)f.v;
            break;
        case 4:
            PB_EXPECT(f, PBW_I64, "AnyValue");
            v->kind = OTLP_V_DBL;
            memcpy(&v->d, &f.v, 8);
            break;
        case 5:
        case 6:
        case 7:
            PB_EXPECT(f, PBW_LEN, "AnyValue");
            v->kind = f.num == 5 ? OTLP_V_ARRAY : f.num == 6 ? OTLP_V_KVLIST : OTLP_V_BYTES;
            v->str = pb_str(f.sub); /* raw for now; rendered below when mapping */
            if (d->check && f.num == 5) {
                pbw_field_t g = {0};
                pbw_t a = f.sub;
                otlp_val_t ev;
                while ((rc = pb_next(d, &a, &g, "ArrayValue")) == ERR_OK && g.num) {
                    if (g.num != 1) continue;
                    PB_EXPECT(g, PBW_LEN, "ArrayValue");
                    if ((rc = pb_anyvalue(d, g.sub, depth + 1, &ev)) != ERR_OK) return rc;
                }
                if (rc != ERR_OK) return rc;
            } else if (d->check && f.num == 6) {
                if ((rc = pb_kvlist(d, f.sub, depth + 1)) != ERR_OK) return rc;
            }
            break;
        default:
            break; /* unknown field: skipped */
        }
    }
    if (rc != ERR_OK || !d->mapping) return rc;

    if (v->kind == OTLP_V_ARRAY || v->kind == OTLP_V_KVLIST || v->kind == OTLP_V_BYTES) {
        pbw_t raw = {(const uint8_t *)v->str.p, (const uint8_t *)v->str.p + v->str.n};
        size_t cap = 6 * (size_t)v->str.n + 16;
        char *o = otlp_arena_alloc(&d->arena, cap);
        if (!o) return ERR_NOMEM;
        wr_t w = {o, o + cap};
        v->first = (span_str_t){NULL, 0};
        if (v->kind == OTLP_V_ARRAY) {
            /* The first element, if a string, for columns such as finish_reason. */
            pbw_t a = raw;
            pbw_field_t g = {0};
            if (pb_next(d, &a, &g, "ArrayValue") == ERR_OK && g.num == 1 && g.wt == PBW_LEN) {
                otlp_val_t ev;
                pbw_t el = g.sub;
                pbw_field_t h = {0};
                ev.kind = OTLP_V_NONE;
                while (pb_next(d, &el, &h, "AnyValue") == ERR_OK && h.num)
                    if (h.num == 1 && h.wt == PBW_LEN)
                        ev.kind = OTLP_V_STR, ev.str = pb_str(h.sub);
                    else if (h.num >= 2 && h.num <= 7)
                        ev.kind = OTLP_V_NONE;
                if (ev.kind == OTLP_V_STR) v->first = ev.str;
            }
            pb_render_array(d, raw, &w);
        } else if (v->kind == OTLP_V_KVLIST) {
            pb_render_kvlist(d, raw, &w);
        } else {
            wr_base64(&w, raw.p, (size_t)(raw.e - raw.p));
        }
        v->str = span_str(o, (size_t)(w.p - o));
    }
    return ERR_OK;
}

/* KeyValue: key (1), value (2). */
static inline int otlp_ascii(const uint8_t *p, size_t n) {
    uint64_t acc = 0, w;
    size_t i = 0;
    if (n < 8) {
        for (; i < n; i++)
            acc |= p[i];
        return (acc & 0x80) == 0;
    }
    for (; i + 16 < n; i += 16) {
        uint64_t w2;
        memcpy(&w, p + i, 8);
        memcpy(&w2, p + i + 8, 8);
        acc |= w | w2;
    }
    if (i + 8 < n) {
        memcpy(&w, p + i, 8);
        acc |= w;
    }
    memcpy(&w, p + n - 8, 8); /* the last word, overlapping the previous one */
    return ((acc | w) & 0x8080808080808080ull) == 0;
}

/* A one-byte tag t followed by a one-byte length (below 0x80), as a 16-bit compare. */
static inline int pb_tag_len1(const uint8_t *p, uint8_t t) {
    uint16_t w;
    memcpy(&w, p, 2); /* little-endian host: p[0] is the low byte */
    return (w & 0x80ff) == t;
}

/* Fast path for the common encoding of an attribute, as the SDKs and the Collector write it:
 * key (tag 0x0a, 1-byte length), value (tag 0x12, 1-byte length) holding exactly one string
 * (0x0a, 1-byte length), bool (0x10), int (0x18) or double (0x21) field, or an array of such
 * strings (0x2a). Returns 1 with key and v filled, 2 for the string array (v->str = its raw
 * elements, for pb_str_array), 0 when the general path must decide (never an error). */
static inline __attribute__((always_inline)) int pb_kv_fast(const uint8_t *p, const uint8_t *e,
                                                            span_str_t *key, otlp_val_t *v) {
    size_t n = (size_t)(e - p);
    if (n < 4 || !pb_tag_len1(p, 0x0a)) return 0;
    size_t kl = p[1];
    if (kl + 4 > n) return 0;
    const uint8_t *q = p + 2 + kl;
    if (!pb_tag_len1(q, 0x12) || kl + 4 + q[1] != n) return 0;
    *key = span_str((const char *)p + 2, kl);
    q += 2;
    if (q == e) {
        v->kind = OTLP_V_NONE;
        return 1;
    }
    /* Strings, by far the most common, before the switch. */
    if (e - q >= 2 && pb_tag_len1(q, 0x0a) && (size_t)q[1] + 2 == (size_t)(e - q)) {
        v->kind = OTLP_V_STR;
        v->str = span_str((const char *)q + 2, q[1]);
        return 1;
    }
    switch (q[0]) {
    case 0x10:
    case 0x18: {
        pbw_t b = {q + 1, e};
        uint64_t x;
        if (e - q == 3 && q[1] >= 0x80 && q[2] < 0x80) /* two-byte varint: 128..16383 */
            x = (uint64_t)(q[1] & 0x7f) | (uint64_t)q[2] << 7, b.p = e;
        else if (pbw_varint(&b, &x) || b.p != e)
            return 0;
        v->kind = q[0] == 0x10 ? OTLP_V_BOOL : OTLP_V_INT;
        v->i = q[0] == 0x10 ? (x != 0) : (int64_t)x;
        return 1;
    }
    case 0x21:
        if (e - q != 9) return 0;
        v->kind = OTLP_V_DBL;
        memcpy(&v->d, q + 1, 8);
        return 1;
    case 0x2a: {
        /* An array of strings (gen_ai.response.finish_reasons): each element 0x0a len
         * (0x0a len string), all lengths one byte. Returns 2 with v->str = the raw elements;
         * the caller renders them. */
        if (e - q < 2 || q[1] >= 0x80 || q + 2 + q[1] != e) return 0;
        for (const uint8_t *a = q + 2; a < e; a += 2 + a[1])
            if (e - a < 4 || a[0] != 0x0a || a[1] >= 0x80 || a[2] != 0x0a || a[3] != a[1] - 2 ||
                a + 2 + a[1] > e)
                return 0;
        v->kind = OTLP_V_ARRAY;
        v->str = span_str((const char *)q + 2, (size_t)(e - q - 2));
        return 2;
    }
    default:
        return 0;
    }
}

/* Renders what pb_kv_fast returned 2 for as JSON (["stop"]), the same text as pb_render_array,
 * and sets v->first to the first string. ERR_NOMEM on no memory. */
static __attribute__((noinline)) int pb_str_array(otlp_dec_t *d, otlp_val_t *v) {
    const uint8_t *a = (const uint8_t *)v->str.p, *e = a + v->str.n;
    size_t cap = 6 * (size_t)v->str.n + 16;
    char *o = otlp_arena_get(&d->arena, cap);
    if (!o) return ERR_NOMEM;
    wr_t w = {o, o + cap};
    v->first = (span_str_t){NULL, 0};
    wr_put(&w, "[", 1);
    for (; a < e; a += 2 + a[1]) {
        if (!v->first.p)
            v->first = span_str((const char *)a + 4, a[3]);
        else
            wr_put(&w, ",", 1);
        wr_json_str(&w, a + 4, a[3]);
    }
    wr_put(&w, "]", 1);
    otlp_arena_unget(&d->arena, (size_t)(w.e - w.p));
    v->str = span_str(o, (size_t)(w.p - o));
    return ERR_OK;
}

/* KeyValue, general path: fields in any order, repeated, any value type. */
static __attribute__((noinline)) int pb_keyvalue_slow(otlp_dec_t *d, pbw_t b, int depth,
                                                      int is_resource, int apply) {
    pbw_field_t f = {0};
    int rc;
    pbw_t key = {b.p, b.p}, val = {b.p, b.p};
    while ((rc = pb_next(d, &b, &f, "KeyValue")) == ERR_OK && f.num) {
        if (f.num == 1) {
            PB_EXPECT(f, PBW_LEN, "KeyValue");
            key = f.sub;
        } else if (f.num == 2) {
            PB_EXPECT(f, PBW_LEN, "KeyValue");
            val = f.sub;
        }
    }
    if (rc != ERR_OK) return rc;
    otlp_val_t v;
    if (d->check && !utf8_valid(key.p, (size_t)(key.e - key.p)))
        return otlp_fail(d, ERR_BAD_UTF8, "attribute key is not UTF-8");
    if (!d->mapping || !apply) return d->check ? pb_anyvalue(d, val, depth, &v) : ERR_OK;
    span_str_t k = pb_str(key);
    const otlp_key_t *e = otlp_key_find(d, k.p, k.n);
    if ((rc = pb_anyvalue(d, val, depth, &v)) != ERR_OK) return rc;
    return otlp_apply(d, is_resource, e, k, &v);
}

/* KeyValue (key 1, value 2): checked (d->check) and/or mapped (d->mapping). Takes the
 * bounds as two pointers (not a struct) to keep the hot path in registers. */
static inline __attribute__((always_inline)) int pb_keyvalue(otlp_dec_t *d, const uint8_t *p,
                                                             const uint8_t *e, int depth,
                                                             int is_resource, int apply) {
    span_str_t k;
    otlp_val_t v;
    v.str = span_str(NULL, 0); /* set by pb_kv_fast for strings; GCC cannot always tell */
    int fast = pb_kv_fast(p, e, &k, &v);
    if (fast) {
        /* In this layout tags and lengths are below 0x80: if the key (and, for strings, the
         * rest of the KeyValue) is ASCII, it is UTF-8. Non-string values are not looked at. */
        if (d->check) {
            int hasstr = v.kind == OTLP_V_STR || fast == 2;
            size_t n = hasstr ? (size_t)(e - (const uint8_t *)k.p) : k.n;
            if (!otlp_ascii((const uint8_t *)k.p, n)) {
                if (fast == 2) goto slow; /* arrays with non-ASCII strings: the general path */
                if (!utf8_valid(k.p, k.n) || (hasstr && !utf8_valid(v.str.p, v.str.n)))
                    return otlp_fail(d, ERR_BAD_UTF8, "attribute key or value is not UTF-8");
            }
        }
        if (!d->mapping || !apply) return ERR_OK;
        if (fast == 2 && pb_str_array(d, &v) != ERR_OK) return ERR_NOMEM;
        return otlp_apply_fast(d, is_resource, otlp_key_find(d, k.p, k.n), k, &v);
    }
slow:;
    pbw_t b = {p, e};
    return pb_keyvalue_slow(d, b, depth, is_resource, apply);
}

static int pb_kvlist(otlp_dec_t *d, pbw_t b, int depth) {
    pbw_field_t f = {0};
    int rc;
    if (depth > OTLP_MAX_DEPTH)
        return otlp_fail(d, ERR_TOO_DEEP, "AnyValue nested deeper than %d", OTLP_MAX_DEPTH);
    while ((rc = pb_next(d, &b, &f, "KeyValueList")) == ERR_OK && f.num) {
        if (f.num != 1) continue;
        PB_EXPECT(f, PBW_LEN, "KeyValueList");
        if ((rc = pb_keyvalue(d, f.sub.p, f.sub.e, depth, 0, 0)) != ERR_OK) return rc;
    }
    return rc;
}

static int pb_id(otlp_dec_t *d, pbw_t s, span_str_t *out, const char *what) {
    size_t n = (size_t)(s.e - s.p);
    if (n > OTLP_MAX_ID_BYTES)
        return otlp_fail(d, ERR_BAD_PROTOBUF, "%s is %zu bytes (at most %d)", what, n,
                         OTLP_MAX_ID_BYTES);
    if (!d->mapping) return ERR_OK;
    char *h = otlp_hex(d, s.p, n);
    if (!h) return ERR_NOMEM;
    *out = span_str(h, 2 * n);
    return ERR_OK;
}

/* Event: time_unix_nano (1), name (2), attributes (3). */
static int pb_event(otlp_dec_t *d, pbw_t b) {
    pbw_field_t f = {0};
    int rc;
    uint64_t t = 0;
    span_str_t name = {NULL, 0};
    while ((rc = pb_next(d, &b, &f, "Event")) == ERR_OK && f.num) {
        if (f.num == 1) {
            PB_EXPECT(f, PBW_I64, "Event");
            t = f.v;
        } else if (f.num == 2) {
            PB_EXPECT(f, PBW_LEN, "Event");
            name = pb_str(f.sub);
        }
    }
    if (rc == ERR_OK && d->mapping) otlp_span_event(d, name, t);
    return rc;
}

/* Status: message (2), code (3): 2 = ERROR. */
static int pb_status(otlp_dec_t *d, pbw_t b) {
    pbw_field_t f = {0};
    int rc;
    while ((rc = pb_next(d, &b, &f, "Status")) == ERR_OK && f.num) {
        if (f.num == 3) {
            PB_EXPECT(f, PBW_VARINT, "Status");
            if (d->mapping) d->status_error = (f.v == 2);
        }
    }
    return rc;
}

static int pb_span(otlp_dec_t *d, pbw_t b, otlp_mark_t mark) {
    pbw_field_t f = {0};
    int rc;
    span_t *s = &d->span;
    const uint8_t *span_p = b.p; /* otlpeval hook */
    int has_events = 0;          /* otlpeval hook */
    if (d->mapping) {
        if (!d->buffering) otlp_arena_rewind(&d->arena, mark); /* buffered spans keep theirs */
        otlp_span_begin(d);
    }
    for (;;) {
        /* Attributes (field 9) in the common layout (one-byte tag and length) skip pb_next. */
        while (b.e - b.p >= 2 && pb_tag_len1(b.p, 0x4a) && b.p[1] <= b.e - b.p - 2) {
            const uint8_t *kv = b.p + 2;
            b.p = kv + kv[-1];
            if ((rc = pb_keyvalue(d, kv, b.p, 1, 0, 1)) != ERR_OK) return rc;
        }
        if ((rc = pb_next(d, &b, &f, "Span")) != ERR_OK || !f.num) break;
        switch (f.num) {
        case 1:
            PB_EXPECT(f, PBW_LEN, "Span");
            if ((rc = pb_id(d, f.sub, &s->trace_id, "trace_id")) != ERR_OK) return rc;
            break;
        case 2:
            PB_EXPECT(f, PBW_LEN, "Span");
            if ((rc = pb_id(d, f.sub, &s->span_id, "span_id")) != ERR_OK) return rc;
            break;
        case 4:
            PB_EXPECT(f, PBW_LEN, "Span");
            if ((rc = pb_id(d, f.sub, &s->parent_span_id, "parent_span_id")) != ERR_OK) return rc;
            break;
        case 5:
            PB_EXPECT(f, PBW_LEN, "Span");
            d->span_name = pb_str(f.sub); /* checked where used (otlp_span_end) */
            break;
        case 7:
            PB_EXPECT(f, PBW_I64, "Span");
            d->start_ns = f.v;
            break;
        case 8:
            PB_EXPECT(f, PBW_I64, "Span");
            d->end_ns = f.v;
            break;
        case 9:
            PB_EXPECT(f, PBW_LEN, "Span");
            if ((rc = pb_keyvalue(d, f.sub.p, f.sub.e, 1, 0, 1)) != ERR_OK) return rc;
            break;
        case 11:
            PB_EXPECT(f, PBW_LEN, "Span");
            if ((rc = pb_event(d, f.sub)) != ERR_OK) return rc;
            has_events = 1; /* otlpeval hook */
            break;
        case 15:
            PB_EXPECT(f, PBW_LEN, "Span");
            if ((rc = pb_status(d, f.sub)) != ERR_OK) return rc;
            break;
        default:
            break;
        }
    }
    /* otlpeval hook: the span's evaluation events, once per span (the checking pass) */
    if (rc == ERR_OK && has_events && d->check && d->span_hook)
        d->span_hook(d->span_hook_ctx, 0, span_p, (size_t)(b.e - span_p));
    if (rc != ERR_OK || !d->mapping) return rc;
    return otlp_span_end(d);
}

/* ScopeSpans: scope (1, not used), spans (2), schema_url (3). */
static int pb_scope_spans(otlp_dec_t *d, pbw_t b, otlp_mark_t mark) {
    pbw_field_t f = {0};
    int rc;
    while ((rc = pb_next(d, &b, &f, "ScopeSpans")) == ERR_OK && f.num) {
        if (f.num == 2) {
            PB_EXPECT(f, PBW_LEN, "ScopeSpans");
            if ((rc = pb_span(d, f.sub, mark)) != ERR_OK) return rc;
        }
    }
    return rc;
}

/* ResourceSpans: resource (1), scope_spans (2), schema_url (3). The resource is read first
 * wherever it sits, so its attributes reach every span. */
static int pb_resource_spans(otlp_dec_t *d, pbw_t b) {
    pbw_field_t f = {0}, g = {0};
    int rc;
    pbw_t it = b;
    if (d->mapping) otlp_resource_begin(d);
    while ((rc = pb_next(d, &it, &f, "ResourceSpans")) == ERR_OK && f.num) {
        if (f.num != 1) continue;
        PB_EXPECT(f, PBW_LEN, "ResourceSpans");
        pbw_t r = f.sub;
        while ((rc = pb_next(d, &r, &g, "Resource")) == ERR_OK && g.num) {
            if (g.num != 1) continue;
            PB_EXPECT(g, PBW_LEN, "Resource");
            if ((rc = pb_keyvalue(d, g.sub.p, g.sub.e, 1, 1, 1)) != ERR_OK) return rc;
        }
        if (rc != ERR_OK) return rc;
    }
    if (rc != ERR_OK) return rc;
    otlp_mark_t mark = otlp_arena_mark(&d->arena);
    it = b;
    while ((rc = pb_next(d, &it, &f, "ResourceSpans")) == ERR_OK && f.num) {
        if (f.num != 2) continue;
        PB_EXPECT(f, PBW_LEN, "ResourceSpans");
        if ((rc = pb_scope_spans(d, f.sub, mark)) != ERR_OK) return rc;
    }
    return rc;
}

static int pb_request(otlp_dec_t *d, pbw_t b) {
    pbw_field_t f = {0};
    int rc;
    while ((rc = pb_next(d, &b, &f, "ExportTraceServiceRequest")) == ERR_OK && f.num) {
        if (f.num != 1) continue;
        PB_EXPECT(f, PBW_LEN, "ExportTraceServiceRequest");
        if ((rc = pb_resource_spans(d, f.sub)) != ERR_OK) return rc;
    }
    return rc;
}

int otlp_proto_decode(otlp_dec_t *d, const uint8_t *p, size_t n, otlp_span_cb cb, void *ctx,
                      otlp_stats_t *st, char *detail, size_t detail_size) {
    int rc;
    otlp_call_begin(d, cb, ctx, st, detail, detail_size);
    if (!p || n == 0) return otlp_fail(d, ERR_EMPTY, "empty OTLP protobuf record");
    pbw_t b = {p, p + n};
    otlp_buffer_begin(d);
    rc = pb_request(d, b);
    if (rc != ERR_OK) {
        d->st = d->st_user; /* nothing of a bad record is counted or emitted */
        d->buffering = 0;
        return rc;
    }
    if (!d->overflow) return otlp_buffer_flush(d);
    otlp_second_pass(d); /* checked already: emit straight to the callback */
    return pb_request(d, b);
}
