/* otlp_logs: ExportLogsServiceRequest (protobuf and OTLP/JSON) → gen_ai.evaluation.result
 * rows, and the span-event hook for trace records (see otlp_logs.h).
 *
 * Why hand-written: the same reasons as otlp_proto.c / otlp_json.c (protobuf-c and the DOM JSON
 * parsers allocate per value; docs/otel-mapping.md). The protobuf wire format is pbwire.h's,
 * shared with otlp_proto.c; the message walk is this file's, because it needs far less: it never
 * descends into AnyValue arrays/kvlists in protobuf (skipped by length), and in JSON it validates
 * and skips them with a nesting bound. Hostile input: every length is checked against its enclosing
 * message, varints are at most 10 bytes, JSON nesting is bounded by OTLP_LOGS_MAX_NEST, ids by
 * OTLP_MAX_ID_BYTES, mapped strings must be UTF-8. Does not build span rows, does not encode. */
#include "otlp_logs.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jstr.h"
#include "otlp_int.h"
#include "pbwire.h"
#include "utf8.h"

/* ---- shared context ---- */

typedef struct lx_s {
    otlp_evq_t *q;
    char *detail;
    size_t detail_size;
} lx_t;

static __attribute__((format(printf, 3, 4))) int lx_fail(lx_t *x, int code, const char *fmt, ...) {
    if (x->detail && x->detail_size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(x->detail, x->detail_size, fmt, ap);
        va_end(ap);
    }
    return code;
}

static const span_str_t no_str = {NULL, 0};

/* ======================= protobuf ======================= */

/* Next field of message b (pbwire.h; f->num == 0 at the end). */
static int lp_next(lx_t *x, pbw_t *b, pbw_field_t *f, const char *msg) {
    pbw_status_t st = pbw_next(b, f);
    if (st != PBW_OK)
        return lx_fail(x, ERR_BAD_PROTOBUF, "%s: %s (field %u)", msg, pbw_why(st), f->num);
    return ERR_OK;
}

#define LP_WANT(f, want, msg)                                                                      \
    do {                                                                                           \
        if ((f).wt != (want))                                                                      \
            return lx_fail(x, ERR_BAD_PROTOBUF, "%s: field %u has wire type %u", msg, (f).num,     \
                           (f).wt);                                                                \
    } while (0)

static span_str_t lp_str(pbw_t s) { return span_str((const char *)s.p, (size_t)(s.e - s.p)); }

/* AnyValue, scalars only (arrays, kvlists and bytes are OTHER, not descended into). */
static int lp_anyvalue(lx_t *x, pbw_t b, otlp_evval_t *v) {
    pbw_field_t f;
    int rc;
    v->kind = OTLP_EV_NONE;
    while ((rc = lp_next(x, &b, &f, "AnyValue")) == ERR_OK && f.num) {
        switch (f.num) {
        case 1:
            LP_WANT(f, PBW_LEN, "AnyValue");
            v->kind = OTLP_EV_STR;
            v->str = lp_str(f.sub);
            break;
        case 2:
        case 3:
            LP_WANT(f, PBW_VARINT, "AnyValue");
            v->kind = f.num == 2 ? OTLP_EV_BOOL : OTLP_EV_INT;
            v->i = f.num == 2 ? (f.v != 0) : (int64_t)f.v;
            break;
        case 4:
            LP_WANT(f, PBW_I64, "AnyValue");
            v->kind = OTLP_EV_DBL;
            memcpy(&v->d, &f.v, 8);
            break;
        case 5:
        case 6:
        case 7:
            LP_WANT(f, PBW_LEN, "AnyValue");
            v->kind = OTLP_EV_OTHER;
            break;
        default:
            break;
        }
    }
    return rc;
}

/* KeyValue: key (1), value (2). */
static int lp_keyvalue(lx_t *x, pbw_t b, span_str_t *key, otlp_evval_t *v) {
    pbw_field_t f;
    int rc;
    pbw_t val = {b.p, b.p};
    *key = no_str;
    while ((rc = lp_next(x, &b, &f, "KeyValue")) == ERR_OK && f.num) {
        if (f.num == 1 || f.num == 2) LP_WANT(f, PBW_LEN, "KeyValue");
        if (f.num == 1) *key = lp_str(f.sub);
        if (f.num == 2) val = f.sub;
    }
    if (rc != ERR_OK) return rc;
    return lp_anyvalue(x, val, v);
}

/* An attribute of an event: applied to ev; returns ERR_OK or a code; *marker set when it is
 * event.name = gen_ai.evaluation.result. */
static int lp_event_attr(lx_t *x, pbw_t b, otlp_eval_t *ev, int *marker) {
    span_str_t k;
    otlp_evval_t v;
    int rc = lp_keyvalue(x, b, &k, &v);
    if (rc != ERR_OK) return rc;
    if (otlp_event_attr(ev, k, &v)) *marker = 1;
    return ERR_OK;
}

/* Resource: attributes (1); finds service.name. */
static int lp_resource(lx_t *x, pbw_t b, span_str_t *service) {
    pbw_field_t f;
    int rc;
    while ((rc = lp_next(x, &b, &f, "Resource")) == ERR_OK && f.num) {
        if (f.num != 1) continue;
        LP_WANT(f, PBW_LEN, "Resource");
        span_str_t k;
        otlp_evval_t v;
        if ((rc = lp_keyvalue(x, f.sub, &k, &v)) != ERR_OK) return rc;
        if (v.kind == OTLP_EV_STR && span_str_eq(k, "service.name") && utf8_valid(v.str.p, v.str.n))
            *service = v.str;
    }
    return rc;
}

/* InstrumentationScope: name (1), version (2). */
static int lp_scope(lx_t *x, pbw_t b, span_str_t *name, span_str_t *version) {
    pbw_field_t f;
    int rc;
    while ((rc = lp_next(x, &b, &f, "InstrumentationScope")) == ERR_OK && f.num) {
        if (f.num != 1 && f.num != 2) continue;
        LP_WANT(f, PBW_LEN, "InstrumentationScope");
        span_str_t s = lp_str(f.sub);
        if (!utf8_valid(s.p, s.n))
            return lx_fail(x, ERR_BAD_UTF8, "scope name or version is not UTF-8");
        *(f.num == 1 ? name : version) = s;
    }
    return rc;
}

/* LogRecord: time (1), attributes (6), trace_id (9), span_id (10), observed time (11),
 * event_name (12). */
static int lp_log_record(lx_t *x, pbw_t b, span_str_t evaluator, span_str_t ev_version) {
    pbw_field_t f;
    int rc, marker = 0;
    uint64_t t = 0, obs = 0;
    pbw_t tid = {b.p, b.p}, sid = {b.p, b.p};
    span_str_t name = no_str;
    otlp_eval_t *ev = otlp_evq_add(x->q);
    while ((rc = lp_next(x, &b, &f, "LogRecord")) == ERR_OK && f.num) {
        switch (f.num) {
        case 1:
        case 11:
            LP_WANT(f, PBW_I64, "LogRecord");
            *(f.num == 1 ? &t : &obs) = f.v;
            break;
        case 6:
            LP_WANT(f, PBW_LEN, "LogRecord");
            if ((rc = lp_event_attr(x, f.sub, ev, &marker)) != ERR_OK) return rc;
            break;
        case 9:
        case 10:
            LP_WANT(f, PBW_LEN, "LogRecord");
            if (f.sub.e - f.sub.p > OTLP_MAX_ID_BYTES)
                return lx_fail(x, ERR_BAD_PROTOBUF, "LogRecord: id longer than %d bytes",
                               OTLP_MAX_ID_BYTES);
            *(f.num == 9 ? &tid : &sid) = f.sub;
            break;
        case 12:
            LP_WANT(f, PBW_LEN, "LogRecord");
            name = lp_str(f.sub);
            break;
        default:
            break;
        }
    }
    if (rc != ERR_OK) return rc;
    int is_eval = span_str_eq(name, OTLP_EVENT_EVAL_NAME) || (name.n == 0 && marker);
    if (is_eval)
        otlp_event_ids(ev, tid.p, (size_t)(tid.e - tid.p), sid.p, (size_t)(sid.e - sid.p), 0);
    otlp_evq_finish(x->q, ev, is_eval, t ? t : obs, evaluator, ev_version);
    return ERR_OK;
}

/* ScopeLogs: scope (1), log_records (2); the scope is read first wherever it sits. */
static int lp_scope_logs(lx_t *x, pbw_t b, span_str_t service) {
    pbw_field_t f;
    int rc;
    span_str_t name = no_str, version = no_str;
    pbw_t it = b;
    while ((rc = lp_next(x, &it, &f, "ScopeLogs")) == ERR_OK && f.num) {
        if (f.num != 1) continue;
        LP_WANT(f, PBW_LEN, "ScopeLogs");
        if ((rc = lp_scope(x, f.sub, &name, &version)) != ERR_OK) return rc;
    }
    if (rc != ERR_OK) return rc;
    if (name.n == 0) name = service, version = no_str;
    it = b;
    while ((rc = lp_next(x, &it, &f, "ScopeLogs")) == ERR_OK && f.num) {
        if (f.num != 2) continue;
        LP_WANT(f, PBW_LEN, "ScopeLogs");
        if ((rc = lp_log_record(x, f.sub, name, version)) != ERR_OK) return rc;
    }
    return rc;
}

/* ResourceLogs: resource (1), scope_logs (2); the resource is read first. */
static int lp_resource_logs(lx_t *x, pbw_t b) {
    pbw_field_t f;
    int rc;
    span_str_t service = no_str;
    pbw_t it = b;
    while ((rc = lp_next(x, &it, &f, "ResourceLogs")) == ERR_OK && f.num) {
        if (f.num != 1) continue;
        LP_WANT(f, PBW_LEN, "ResourceLogs");
        if ((rc = lp_resource(x, f.sub, &service)) != ERR_OK) return rc;
    }
    if (rc != ERR_OK) return rc;
    it = b;
    while ((rc = lp_next(x, &it, &f, "ResourceLogs")) == ERR_OK && f.num) {
        if (f.num != 2) continue;
        LP_WANT(f, PBW_LEN, "ResourceLogs");
        if ((rc = lp_scope_logs(x, f.sub, service)) != ERR_OK) return rc;
    }
    return rc;
}

int otlp_logs_proto_decode(otlp_evq_t *q, const uint8_t *p, size_t n, int64_t now_ms,
                           otlp_evq_stats_t *st, char *detail, size_t detail_size) {
    lx_t x = {q, detail, detail_size};
    pbw_field_t f;
    int rc;
    if (detail && detail_size) detail[0] = 0;
    /* Protobuf strings are slices of the payload: no scratch needed. */
    if ((rc = otlp_evq_begin(q, 0, now_ms)) != ERR_OK) return rc;
    if (!p || n == 0) return lx_fail(&x, ERR_EMPTY, "empty OTLP logs record");
    pbw_t b = {p, p + n};
    while ((rc = lp_next(&x, &b, &f, "ExportLogsServiceRequest")) == ERR_OK && f.num) {
        if (f.num != 1) continue;
        if (f.wt != PBW_LEN)
            return lx_fail(&x, ERR_BAD_PROTOBUF, "ExportLogsServiceRequest: bad wire type");
        if ((rc = lp_resource_logs(&x, f.sub)) != ERR_OK) return rc;
    }
    if (rc != ERR_OK) return rc;
    otlp_evq_end(q, st);
    return ERR_OK;
}

/* Span (protobuf) handed over by the trace decoder: trace_id (1), span_id (2), events (11);
 * Event: time_unix_nano (1), name (2), attributes (3). The trace decoder has checked the
 * span's own fields; event attributes it does not read, so they are checked here, and a
 * problem rejects that event only. */
static void lp_span_events(otlp_evq_t *q, const uint8_t *p, size_t n) {
    lx_t x = {q, NULL, 0};
    pbw_field_t f, g;
    pbw_t b = {p, p + n}, tid = {p, p}, sid = {p, p};
    while (lp_next(&x, &b, &f, "Span") == ERR_OK && f.num) {
        if (f.wt != PBW_LEN) continue;
        if (f.num == 1) tid = f.sub;
        if (f.num == 2) sid = f.sub;
    }
    b = (pbw_t){p, p + n};
    while (lp_next(&x, &b, &f, "Span") == ERR_OK && f.num) {
        if (f.num != 11 || f.wt != PBW_LEN) continue;
        otlp_eval_t *ev = otlp_evq_add(q);
        pbw_t e = f.sub;
        uint64_t t = 0;
        span_str_t name = no_str;
        int rc, bad = ERR_OK, marker = 0;
        const char *what = "event";
        while ((rc = lp_next(&x, &e, &g, "Event")) == ERR_OK && g.num) {
            if (g.num == 1 && g.wt == PBW_I64) t = g.v;
            if (g.num == 2 && g.wt == PBW_LEN) name = lp_str(g.sub);
            if (g.num == 3 && bad == ERR_OK) { /* after a bad one, only the name is read */
                what = "attributes";
                bad = g.wt == PBW_LEN ? lp_event_attr(&x, g.sub, ev, &marker) : ERR_BAD_PROTOBUF;
            }
        }
        if (rc == ERR_OK) rc = bad;
        int is_eval = span_str_eq(name, OTLP_EVENT_EVAL_NAME);
        if (is_eval) {
            if (rc != ERR_OK) otlp_event_reject(ev, rc, what);
            otlp_event_ids(ev, tid.p, (size_t)(tid.e - tid.p), sid.p, (size_t)(sid.e - sid.p), 0);
        }
        otlp_evq_finish(q, ev, is_eval, t, no_str, no_str);
    }
}

/* ======================= JSON ======================= */

typedef struct jx_s {
    const char *p, *e, *start;
    lx_t *x;
} jx_t;

static int jx_fail(jx_t *j, int code, const char *what) {
    return lx_fail(j->x, code, "%s at byte %zu", what, (size_t)(j->p - j->start));
}
#define JX_SYNTAX(j, what) jx_fail(j, ERR_JSON_SYNTAX, what)

static void jx_ws(jx_t *j) {
    while (j->p < j->e && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t'))
        j->p++;
}
static int jx_peek(jx_t *j) {
    jx_ws(j);
    return j->p < j->e ? (unsigned char)*j->p : -1;
}

/* A string token: raw = text between the quotes (escapes not decoded); checks escapes,
 * control characters and UTF-8. */
static int jx_string(jx_t *j, span_str_t *raw, int *esc) {
    if (jx_peek(j) != '"') return JX_SYNTAX(j, "expected a string");
    const char *s = ++j->p;
    int hi = 0;
    *esc = 0;
    for (;;) {
        if (j->p >= j->e) return JX_SYNTAX(j, "unterminated string");
        unsigned char c = (unsigned char)*j->p;
        if (c == '"') break;
        if (c == '\\') {
            *esc = 1;
            if (j->e - j->p < 2) return JX_SYNTAX(j, "unterminated escape");
            char e = j->p[1];
            if (e == 'u') {
                unsigned u, u2;
                if (!jstr_read_u4(j->p + 2, j->e, &u)) return JX_SYNTAX(j, "bad \\u escape");
                j->p += 6;
                if (u >= 0xD800 && u <= 0xDBFF) {
                    if (j->e - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u' ||
                        !jstr_read_u4(j->p + 2, j->e, &u2) || u2 < 0xDC00 || u2 > 0xDFFF)
                        return jx_fail(j, ERR_BAD_UTF8, "unpaired surrogate");
                    j->p += 6;
                } else if (u >= 0xDC00 && u <= 0xDFFF) {
                    return jx_fail(j, ERR_BAD_UTF8, "unpaired surrogate");
                }
                continue;
            }
            if (e == 0 || !strchr("\"\\/bfnrt", e)) return JX_SYNTAX(j, "bad escape");
            j->p += 2;
            continue;
        }
        if (c < 0x20) return JX_SYNTAX(j, "control character in string");
        hi |= c & 0x80;
        j->p++;
    }
    *raw = span_str(s, (size_t)(j->p - s));
    j->p++;
    if (hi && !utf8_valid(raw->p, raw->n)) return jx_fail(j, ERR_BAD_UTF8, "string is not UTF-8");
    return ERR_OK;
}

/* Decodes the escapes of a checked raw string into the queue's scratch. */
static int jx_unescape(jx_t *j, span_str_t raw, span_str_t *out) {
    char *o = otlp_evq_scratch(j->x->q, raw.n), *w = o;
    if (!o) return ERR_NOMEM;
    for (const char *p = raw.p, *e = raw.p + raw.n; p < e;) {
        if (*p != '\\') {
            *w++ = *p++;
            continue;
        }
        char c = p[1];
        if (c != 'u') {
            *w++ = c == 'b'   ? '\b'
                   : c == 'f' ? '\f'
                   : c == 'n' ? '\n'
                   : c == 'r' ? '\r'
                   : c == 't' ? '\t'
                              : c;
            p += 2;
            continue;
        }
        unsigned u = 0, u2 = 0; /* the escapes were checked by jx_string */
        jstr_read_u4(p + 2, p + 6, &u);
        p += 6;
        if (u >= 0xD800 && u <= 0xDBFF) {
            jstr_read_u4(p + 2, p + 6, &u2);
            p += 6;
            u = 0x10000 + ((u - 0xD800) << 10) + (u2 - 0xDC00);
        }
        if (u < 0x80) {
            *w++ = (char)u;
        } else if (u < 0x800) {
            *w++ = (char)(0xC0 | (u >> 6));
            *w++ = (char)(0x80 | (u & 0x3F));
        } else if (u < 0x10000) {
            *w++ = (char)(0xE0 | (u >> 12));
            *w++ = (char)(0x80 | ((u >> 6) & 0x3F));
            *w++ = (char)(0x80 | (u & 0x3F));
        } else {
            *w++ = (char)(0xF0 | (u >> 18));
            *w++ = (char)(0x80 | ((u >> 12) & 0x3F));
            *w++ = (char)(0x80 | ((u >> 6) & 0x3F));
            *w++ = (char)(0x80 | (u & 0x3F));
        }
    }
    *out = span_str(o, (size_t)(w - o)); /* never longer than the escaped text */
    return ERR_OK;
}

/* A string value, unescaped. */
static int jx_str_val(jx_t *j, span_str_t *out) {
    span_str_t raw;
    int esc, rc;
    if ((rc = jx_string(j, &raw, &esc)) != ERR_OK) return rc;
    if (!esc) {
        *out = raw;
        return ERR_OK;
    }
    return jx_unescape(j, raw, out);
}

/* A number token (RFC 8259 grammar); returns its text. */
static int jx_number(jx_t *j, span_str_t *out) {
    const char *s = j->p, *p = j->p, *e = j->e;
    if (p < e && *p == '-') p++;
    if (p >= e || *p < '0' || *p > '9') return JX_SYNTAX(j, "bad number");
    if (*p == '0')
        p++;
    else
        while (p < e && *p >= '0' && *p <= '9')
            p++;
    if (p < e && *p == '.') {
        p++;
        if (p >= e || *p < '0' || *p > '9') return JX_SYNTAX(j, "bad number");
        while (p < e && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < e && (*p == '+' || *p == '-')) p++;
        if (p >= e || *p < '0' || *p > '9') return JX_SYNTAX(j, "bad number");
        while (p < e && *p >= '0' && *p <= '9')
            p++;
    }
    j->p = p;
    *out = span_str(s, (size_t)(p - s));
    return ERR_OK;
}

/* 1 if the next token is the literal lit (consumed), 0 if not. */
#define jx_lit(j, lit) jx_lit_n((j), (lit), sizeof(lit) - 1)
static inline int jx_lit_n(jx_t *j, const char *lit, size_t n) {
    if (jx_peek(j) != (unsigned char)lit[0]) return 0;
    if ((size_t)(j->e - j->p) >= n && memcmp(j->p, lit, n) == 0) {
        j->p += n;
        return 1;
    }
    return 0;
}

static int jx_skip(jx_t *j, int nest);

static int jx_open(jx_t *j, char c, int nest) {
    if (nest > OTLP_LOGS_MAX_NEST) return jx_fail(j, ERR_TOO_DEEP, "nesting too deep");
    if (jx_peek(j) != c) return JX_SYNTAX(j, c == '{' ? "expected an object" : "expected an array");
    j->p++;
    return ERR_OK;
}

/* Next member of an open object: *more = 0 at '}' (consumed), else key read and ':' eaten. */
static int jx_member(jx_t *j, int *first, span_str_t *key, int *more) {
    int c = jx_peek(j), esc, rc;
    if (c == '}') {
        j->p++;
        *more = 0;
        return ERR_OK;
    }
    if (!*first) {
        if (c != ',') return JX_SYNTAX(j, "expected ',' or '}'");
        j->p++;
    }
    *first = 0;
    if ((rc = jx_string(j, key, &esc)) != ERR_OK) return rc;
    if (jx_peek(j) != ':') return JX_SYNTAX(j, "expected ':'");
    j->p++;
    *more = 1;
    return ERR_OK;
}

/* Next element of an open array: *more = 0 at ']' (consumed). */
static int jx_element(jx_t *j, int *first, int *more) {
    int c = jx_peek(j);
    if (c == ']') {
        j->p++;
        *more = 0;
        return ERR_OK;
    }
    if (!*first) {
        if (c != ',') return JX_SYNTAX(j, "expected ',' or ']'");
        j->p++;
    }
    *first = 0;
    *more = 1;
    return ERR_OK;
}

static int jx_skip(jx_t *j, int nest) {
    int c = jx_peek(j), rc, first = 1, more, esc;
    span_str_t s;
    switch (c) {
    case '{':
        if ((rc = jx_open(j, '{', nest)) != ERR_OK) return rc;
        for (;;) {
            if ((rc = jx_member(j, &first, &s, &more)) != ERR_OK || !more) return rc;
            if ((rc = jx_skip(j, nest + 1)) != ERR_OK) return rc;
        }
    case '[':
        if ((rc = jx_open(j, '[', nest)) != ERR_OK) return rc;
        for (;;) {
            if ((rc = jx_element(j, &first, &more)) != ERR_OK || !more) return rc;
            if ((rc = jx_skip(j, nest + 1)) != ERR_OK) return rc;
        }
    case '"':
        return jx_string(j, &s, &esc);
    case 't':
    case 'f':
    case 'n':
        if (jx_lit(j, "true") || jx_lit(j, "false") || jx_lit(j, "null")) return ERR_OK;
        return JX_SYNTAX(j, "bad literal");
    case -1:
        return JX_SYNTAX(j, "unexpected end");
    default:
        return jx_number(j, &s);
    }
}

/* Key k is the camelCase or the proto (snake_case) name; snake may be NULL. */
#define jx_key(k, camel, snake) jx_key_n((k), camel, sizeof(camel) - 1, snake)
static inline int jx_key_n(span_str_t k, const char *camel, size_t cn, const char *snake) {
    if (k.n == cn && memcmp(k.p, camel, cn) == 0) return 1;
    return snake && span_str_eq(k, snake);
}

/* An integer: JSON number without fraction/exponent, or the same as a string (proto3 JSON
 * writes int64 as strings). */
static int jx_int64(jx_t *j, int64_t *out, int is_unsigned) {
    span_str_t t;
    int esc, rc;
    if (jx_peek(j) == '"') {
        if ((rc = jx_string(j, &t, &esc)) != ERR_OK) return rc;
        if (esc) return jx_fail(j, ERR_WRONG_TYPE, "integer string with escapes");
    } else if ((rc = jx_number(j, &t)) != ERR_OK) {
        return rc;
    }
    size_t i = 0;
    int neg = 0;
    uint64_t v = 0;
    if (i < t.n && t.p[i] == '-') neg = 1, i++;
    if (i == t.n || t.n - i > 20) return jx_fail(j, ERR_WRONG_TYPE, "not an integer");
    for (; i < t.n; i++) {
        if (t.p[i] < '0' || t.p[i] > '9') return jx_fail(j, ERR_WRONG_TYPE, "not an integer");
        uint64_t d = (uint64_t)(t.p[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return jx_fail(j, ERR_OUT_OF_RANGE, "integer too large");
        v = v * 10 + d;
    }
    if (is_unsigned) {
        if (neg) return jx_fail(j, ERR_OUT_OF_RANGE, "negative time");
        *out = (int64_t)v; /* fixed64 nanoseconds: reinterpreted as the proto value */
        return ERR_OK;
    }
    if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX)
        return jx_fail(j, ERR_OUT_OF_RANGE, "integer out of int64 range");
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return ERR_OK;
}

/* A double: number, or "NaN" / "Infinity" / "-Infinity" / a number as a string. */
static int jx_double(jx_t *j, double *out) {
    span_str_t t;
    int esc, rc;
    char buf[64];
    if (jx_peek(j) == '"') {
        if ((rc = jx_string(j, &t, &esc)) != ERR_OK) return rc;
        if (span_str_eq(t, "NaN")) return *out = __builtin_nan(""), ERR_OK;
        if (span_str_eq(t, "Infinity")) return *out = __builtin_inf(), ERR_OK;
        if (span_str_eq(t, "-Infinity")) return *out = -__builtin_inf(), ERR_OK;
        jx_t sub = {t.p, t.p + t.n, j->start, j->x};
        span_str_t num;
        if (esc || jx_number(&sub, &num) != ERR_OK || sub.p != sub.e)
            return jx_fail(j, ERR_WRONG_TYPE, "not a number");
    } else if ((rc = jx_number(j, &t)) != ERR_OK) {
        return rc;
    }
    if (t.n >= sizeof(buf)) return jx_fail(j, ERR_OUT_OF_RANGE, "number text too long");
    memcpy(buf, t.p, t.n);
    buf[t.n] = 0;
    *out = strtod(buf, NULL);
    return ERR_OK;
}

/* AnyValue object: one of stringValue, boolValue, intValue, doubleValue (scalars, read) or
 * arrayValue, kvlistValue, bytesValue (checked and skipped: OTHER). */
static int jx_anyvalue(jx_t *j, int nest, otlp_evval_t *v) {
    int rc, first = 1, more, seen = 0;
    span_str_t k;
    v->kind = OTLP_EV_NONE;
    if (jx_lit(j, "null")) return ERR_OK;
    if ((rc = jx_open(j, '{', nest)) != ERR_OK) return rc;
    for (;;) {
        if ((rc = jx_member(j, &first, &k, &more)) != ERR_OK) return rc;
        if (!more) return ERR_OK;
        int is_val = 1;
        if (jx_key(k, "stringValue", "string_value")) {
            v->kind = OTLP_EV_STR;
            rc = jx_str_val(j, &v->str);
        } else if (jx_key(k, "boolValue", "bool_value")) {
            v->kind = OTLP_EV_BOOL;
            v->i = jx_lit(j, "true");
            if (!v->i && !jx_lit(j, "false")) return jx_fail(j, ERR_WRONG_TYPE, "boolValue");
        } else if (jx_key(k, "intValue", "int_value")) {
            v->kind = OTLP_EV_INT;
            rc = jx_int64(j, &v->i, 0);
        } else if (jx_key(k, "doubleValue", "double_value")) {
            v->kind = OTLP_EV_DBL;
            rc = jx_double(j, &v->d);
        } else if (jx_key(k, "arrayValue", "array_value") ||
                   jx_key(k, "kvlistValue", "kvlist_value") ||
                   jx_key(k, "bytesValue", "bytes_value")) {
            v->kind = OTLP_EV_OTHER;
            rc = jx_skip(j, nest + 1);
        } else {
            is_val = 0;
            rc = jx_skip(j, nest + 1);
        }
        if (rc != ERR_OK) return rc;
        if (is_val && seen++) return jx_fail(j, ERR_DUP_FIELD, "AnyValue with two values");
    }
}

/* KeyValue {"key": ..., "value": {...}} in either order. */
static int jx_keyvalue(jx_t *j, int nest, span_str_t *key, otlp_evval_t *v) {
    int rc, first = 1, more, got_key = 0, got_val = 0;
    span_str_t k;
    *key = no_str;
    v->kind = OTLP_EV_NONE;
    if ((rc = jx_open(j, '{', nest)) != ERR_OK) return rc;
    for (;;) {
        if ((rc = jx_member(j, &first, &k, &more)) != ERR_OK) return rc;
        if (!more) return ERR_OK;
        if (jx_key(k, "key", NULL)) {
            if (got_key++) return jx_fail(j, ERR_DUP_FIELD, "key twice");
            rc = jx_str_val(j, key);
        } else if (jx_key(k, "value", NULL)) {
            if (got_val++) return jx_fail(j, ERR_DUP_FIELD, "value twice");
            rc = jx_anyvalue(j, nest + 1, v);
        } else {
            rc = jx_skip(j, nest + 1);
        }
        if (rc != ERR_OK) return rc;
    }
}

/* Iterates an array of KeyValue; applies each to ev (when ev) and looks for service.name. */
static int jx_attrs(jx_t *j, int nest, otlp_eval_t *ev, int *marker, span_str_t *service) {
    int rc, first = 1, more;
    if (jx_lit(j, "null")) return ERR_OK;
    if ((rc = jx_open(j, '[', nest)) != ERR_OK) return rc;
    for (;;) {
        if ((rc = jx_element(j, &first, &more)) != ERR_OK || !more) return rc;
        span_str_t k;
        otlp_evval_t v;
        if ((rc = jx_keyvalue(j, nest + 1, &k, &v)) != ERR_OK) return rc;
        if (ev && otlp_event_attr(ev, k, &v)) *marker = 1;
        if (service && v.kind == OTLP_EV_STR && span_str_eq(k, "service.name")) *service = v.str;
    }
}

/* A hex id string (checked as hex by otlp_event_ids). */
static int jx_id(jx_t *j, span_str_t *out) {
    int esc, rc;
    if ((rc = jx_string(j, out, &esc)) != ERR_OK) return rc;
    if (esc || out->n > 2 * OTLP_MAX_ID_BYTES)
        return jx_fail(j, ERR_WRONG_TYPE, "id is not a hex string");
    return ERR_OK;
}

/* One LogRecord object. */
static int jx_log_record(jx_t *j, int nest, span_str_t evaluator, span_str_t ev_version) {
    int rc, first = 1, more, marker = 0;
    span_str_t k, name = no_str, tid = no_str, sid = no_str;
    int64_t t = 0, obs = 0;
    otlp_eval_t *ev = otlp_evq_add(j->x->q);
    if ((rc = jx_open(j, '{', nest)) != ERR_OK) return rc;
    for (;;) {
        if ((rc = jx_member(j, &first, &k, &more)) != ERR_OK) return rc;
        if (!more) break;
        if (jx_lit(j, "null")) continue;
        if (jx_key(k, "timeUnixNano", "time_unix_nano"))
            rc = jx_int64(j, &t, 1);
        else if (jx_key(k, "observedTimeUnixNano", "observed_time_unix_nano"))
            rc = jx_int64(j, &obs, 1);
        else if (jx_key(k, "attributes", NULL))
            rc = jx_attrs(j, nest + 1, ev, &marker, NULL);
        else if (jx_key(k, "traceId", "trace_id"))
            rc = jx_id(j, &tid);
        else if (jx_key(k, "spanId", "span_id"))
            rc = jx_id(j, &sid);
        else if (jx_key(k, "eventName", "event_name"))
            rc = jx_str_val(j, &name);
        else
            rc = jx_skip(j, nest + 1);
        if (rc != ERR_OK) return rc;
    }
    int is_eval = span_str_eq(name, OTLP_EVENT_EVAL_NAME) || (name.n == 0 && marker);
    if (is_eval)
        otlp_event_ids(ev, (const uint8_t *)tid.p, tid.n, (const uint8_t *)sid.p, sid.n, 1);
    otlp_evq_finish(j->x->q, ev, is_eval, (uint64_t)(t ? t : obs), evaluator, ev_version);
    return ERR_OK;
}

/* InstrumentationScope object: name, version. */
static int jx_scope(jx_t *j, int nest, span_str_t *name, span_str_t *version) {
    int rc, first = 1, more;
    span_str_t k;
    if (jx_lit(j, "null")) return ERR_OK;
    if ((rc = jx_open(j, '{', nest)) != ERR_OK) return rc;
    for (;;) {
        if ((rc = jx_member(j, &first, &k, &more)) != ERR_OK || !more) return rc;
        if (jx_lit(j, "null")) continue;
        if (jx_key(k, "name", NULL))
            rc = jx_str_val(j, name);
        else if (jx_key(k, "version", NULL))
            rc = jx_str_val(j, version);
        else
            rc = jx_skip(j, nest + 1);
        if (rc != ERR_OK) return rc;
    }
}

static int jx_records(jx_t *j, int nest, span_str_t evaluator, span_str_t ev_version) {
    int rc, first = 1, more;
    if (jx_lit(j, "null")) return ERR_OK;
    if ((rc = jx_open(j, '[', nest)) != ERR_OK) return rc;
    for (;;) {
        if ((rc = jx_element(j, &first, &more)) != ERR_OK || !more) return rc;
        if ((rc = jx_log_record(j, nest + 1, evaluator, ev_version)) != ERR_OK) return rc;
    }
}

/* ScopeLogs: the scope is needed before the records; records that come first in the text are
 * skipped (checked) and read again afterwards. */
static int jx_scope_logs(jx_t *j, int nest, span_str_t service) {
    int rc, first = 1, more, got_scope = 0, got_records = 0;
    span_str_t k, name = no_str, version = no_str;
    const char *deferred = NULL;
    if ((rc = jx_open(j, '{', nest)) != ERR_OK) return rc;
    for (;;) {
        if ((rc = jx_member(j, &first, &k, &more)) != ERR_OK) return rc;
        if (!more) break;
        if (jx_key(k, "scope", NULL)) {
            if (got_scope++) return jx_fail(j, ERR_DUP_FIELD, "scope twice");
            rc = jx_scope(j, nest + 1, &name, &version);
        } else if (jx_key(k, "logRecords", "log_records")) {
            if (deferred || got_records++) return jx_fail(j, ERR_DUP_FIELD, "logRecords twice");
            if (got_scope) { /* the usual order: no second reading */
                rc = jx_records(j, nest + 1, name.n ? name : service, name.n ? version : no_str);
            } else {
                jx_ws(j);
                deferred = j->p;
                rc = jx_skip(j, nest + 1);
            }
        } else {
            rc = jx_skip(j, nest + 1);
        }
        if (rc != ERR_OK) return rc;
    }
    if (!deferred) return ERR_OK;
    if (name.n == 0) name = service, version = no_str;
    jx_t sub = {deferred, j->e, j->start, j->x};
    return jx_records(&sub, nest + 1, name, version);
}

/* ResourceLogs: resource first (service.name), then scopeLogs (deferred the same way). */
static int jx_scope_logs_array(jx_t *j, int nest, span_str_t service) {
    int rc, first = 1, more;
    if (jx_lit(j, "null")) return ERR_OK;
    if ((rc = jx_open(j, '[', nest)) != ERR_OK) return rc;
    for (;;) {
        if ((rc = jx_element(j, &first, &more)) != ERR_OK || !more) return rc;
        if ((rc = jx_scope_logs(j, nest + 1, service)) != ERR_OK) return rc;
    }
}

static int jx_resource_logs(jx_t *j, int nest) {
    int rc, first = 1, more, got_res = 0, got_sl = 0;
    span_str_t k, service = no_str;
    const char *deferred = NULL;
    if ((rc = jx_open(j, '{', nest)) != ERR_OK) return rc;
    for (;;) {
        if ((rc = jx_member(j, &first, &k, &more)) != ERR_OK) return rc;
        if (!more) break;
        if (jx_lit(j, "null")) continue;
        if (jx_key(k, "resource", NULL)) {
            if (got_res++) return jx_fail(j, ERR_DUP_FIELD, "resource twice");
            int f2 = 1, m2;
            span_str_t k2;
            if ((rc = jx_open(j, '{', nest + 1)) != ERR_OK) return rc;
            for (;;) {
                if ((rc = jx_member(j, &f2, &k2, &m2)) != ERR_OK || !m2) break;
                rc = jx_key(k2, "attributes", NULL) ? jx_attrs(j, nest + 2, NULL, NULL, &service)
                                                    : jx_skip(j, nest + 2);
                if (rc != ERR_OK) break;
            }
        } else if (jx_key(k, "scopeLogs", "scope_logs")) {
            if (deferred || got_sl++) return jx_fail(j, ERR_DUP_FIELD, "scopeLogs twice");
            jx_ws(j);
            if (got_res) { /* the usual order: no second reading */
                rc = jx_scope_logs_array(j, nest + 1, service);
            } else {
                deferred = j->p;
                rc = jx_skip(j, nest + 1);
            }
        } else {
            rc = jx_skip(j, nest + 1);
        }
        if (rc != ERR_OK) return rc;
    }
    if (!deferred) return ERR_OK;
    jx_t sub = {deferred, j->e, j->start, j->x};
    return jx_scope_logs_array(&sub, nest + 1, service);
}

int otlp_logs_json_decode(otlp_evq_t *q, const char *p, size_t n, int64_t now_ms,
                          otlp_evq_stats_t *st, char *detail, size_t detail_size) {
    lx_t x = {q, detail, detail_size};
    int rc, first = 1, more;
    span_str_t k;
    if (detail && detail_size) detail[0] = 0;
    if ((rc = otlp_evq_begin(q, n, now_ms)) != ERR_OK) return rc;
    if (!p) n = 0;
    jx_t j = {p, p + n, p, &x};
    if (jx_peek(&j) == -1) return lx_fail(&x, ERR_EMPTY, "empty OTLP/JSON logs record");
    if (jx_peek(&j) != '{') return lx_fail(&x, ERR_NOT_OBJECT, "OTLP/JSON record is not an object");
    j.p++;
    for (;;) {
        if ((rc = jx_member(&j, &first, &k, &more)) != ERR_OK) return rc;
        if (!more) break;
        if (jx_lit(&j, "null")) continue;
        if (jx_key(k, "resourceLogs", "resource_logs")) {
            int f2 = 1, m2;
            if ((rc = jx_open(&j, '[', 1)) != ERR_OK) return rc;
            for (;;) {
                if ((rc = jx_element(&j, &f2, &m2)) != ERR_OK) return rc;
                if (!m2) break;
                if ((rc = jx_resource_logs(&j, 2)) != ERR_OK) return rc;
            }
        } else if ((rc = jx_skip(&j, 1)) != ERR_OK) {
            return rc;
        }
    }
    if (jx_peek(&j) != -1) return JX_SYNTAX(&j, "data after the JSON object");
    otlp_evq_end(q, st);
    return ERR_OK;
}

/* Span object text handed over by otlp_json.c (already checked as JSON by it): ids first,
 * then the events. A problem inside an evaluation event rejects that event only. */
static void jx_span_events(otlp_evq_t *q, const char *p, size_t n) {
    lx_t x = {q, NULL, 0};
    jx_t j = {p, p + n, p, &x};
    int first = 1, more;
    span_str_t k, tid = no_str, sid = no_str;
    if (jx_open(&j, '{', 1) != ERR_OK) return;
    while (jx_member(&j, &first, &k, &more) == ERR_OK && more) {
        int rc;
        if (jx_key(k, "traceId", "trace_id") && jx_peek(&j) == '"')
            rc = jx_id(&j, &tid);
        else if (jx_key(k, "spanId", "span_id") && jx_peek(&j) == '"')
            rc = jx_id(&j, &sid);
        else
            rc = jx_skip(&j, 2);
        if (rc != ERR_OK) return;
    }
    j = (jx_t){p, p + n, p, &x};
    first = 1;
    if (jx_open(&j, '{', 1) != ERR_OK) return;
    while (jx_member(&j, &first, &k, &more) == ERR_OK && more) {
        if (!jx_key(k, "events", NULL) || jx_peek(&j) != '[') {
            if (jx_skip(&j, 2) != ERR_OK) return;
            continue;
        }
        int f2 = 1, m2;
        j.p++;
        while (jx_element(&j, &f2, &m2) == ERR_OK && m2) {
            otlp_eval_t *ev = otlp_evq_add(q);
            span_str_t name = no_str, k2;
            int64_t t = 0;
            int f3 = 1, m3, rc, marker = 0;
            const char *what = "event";
            jx_ws(&j);
            const char *ev_start = j.p;
            if ((rc = jx_open(&j, '{', 3)) == ERR_OK) {
                while ((rc = jx_member(&j, &f3, &k2, &m3)) == ERR_OK && m3) {
                    if (jx_lit(&j, "null")) continue;
                    if (jx_key(k2, "name", NULL))
                        rc = jx_str_val(&j, &name);
                    else if (jx_key(k2, "timeUnixNano", "time_unix_nano"))
                        rc = jx_int64(&j, &t, 1);
                    else if (jx_key(k2, "attributes", NULL))
                        what = "attributes", rc = jx_attrs(&j, 4, ev, &marker, NULL);
                    else
                        rc = jx_skip(&j, 4);
                    if (rc != ERR_OK) break;
                }
            }
            if (rc != ERR_OK) {
                /* Read the event again for its name only, skipping the rest (otlp_json.c has
                 * checked it is valid JSON), so the next event is found and an evaluation
                 * event is rejected, not lost. */
                j.p = ev_start;
                f3 = 1;
                if (jx_open(&j, '{', 3) != ERR_OK) return;
                int rc2;
                while ((rc2 = jx_member(&j, &f3, &k2, &m3)) == ERR_OK && m3) {
                    if (jx_key(k2, "name", NULL) && jx_peek(&j) == '"')
                        rc2 = jx_str_val(&j, &name);
                    else
                        rc2 = jx_skip(&j, 4);
                    if (rc2 != ERR_OK) break;
                }
                if (rc2 != ERR_OK) return; /* not valid JSON after all: nothing to find */
            }
            int is_eval = span_str_eq(name, OTLP_EVENT_EVAL_NAME);
            if (is_eval) {
                if (rc != ERR_OK) otlp_event_reject(ev, rc, what);
                otlp_event_ids(ev, (const uint8_t *)tid.p, tid.n, (const uint8_t *)sid.p, sid.n, 1);
            }
            otlp_evq_finish(q, ev, is_eval, (uint64_t)t, no_str, no_str);
        }
        return;
    }
}

/* ======================= the trace-decoder hook ======================= */

static void otlp_logs_span_hook(void *ctx, int json, const uint8_t *p, size_t n) {
    if (json)
        jx_span_events(ctx, (const char *)p, n);
    else
        lp_span_events(ctx, p, n);
}

void otlp_evq_attach(otlp_evq_t *q, otlp_dec_t *d) {
    d->span_hook = q ? otlp_logs_span_hook : NULL;
    d->span_hook_ctx = q;
}
