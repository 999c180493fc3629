/* otlp_int: what the two OTLP decoders (otlp_proto.c, otlp_json.c) share with the attribute
 * mapper (otlp_map.c): the decoder object, the scratch arena, the key table and the per-span
 * state. Internal to the otlp_* files; other modules use otlp.h only.
 * The arena hands out stable pointers (it never moves what it gave out) so span strings can
 * point into it; it is rewound per span and per record, and keeps its blocks (no allocation
 * on the hot path once warm). */
#ifndef SPANHOUSE_OTLP_INT_H
#define SPANHOUSE_OTLP_INT_H

#include <stdint.h>
#include <string.h>

#include "otlp.h"
#include "span.h"

/* ---- scratch arena ---- */
#define OTLP_ARENA_BLOCKS 64
#define OTLP_ARENA_MIN_BLOCK (64 * 1024)

typedef struct otlp_arena_s {
    struct {
        char *data;
        size_t cap, used;
    } b[OTLP_ARENA_BLOCKS];
    int cur; /* block being filled */
    int n;   /* blocks allocated */
} otlp_arena_t;

typedef struct otlp_mark_s {
    int cur;
    size_t used;
} otlp_mark_t;

/* Returns n bytes that stay put until the arena is rewound past them, or NULL (no memory). */
char *otlp_arena_alloc(otlp_arena_t *a, size_t n);
/* Same, with the common case (room in the current block) inline. */
static inline char *otlp_arena_get(otlp_arena_t *a, size_t n) {
    if (a->n && n && a->b[a->cur].cap - a->b[a->cur].used >= n) {
        char *p = a->b[a->cur].data + a->b[a->cur].used;
        a->b[a->cur].used += n;
        return p;
    }
    return otlp_arena_alloc(a, n);
}
/* Gives back the last n bytes of the most recent allocation (an over-estimate). */
static inline void otlp_arena_unget(otlp_arena_t *a, size_t n) {
    if (a->n) a->b[a->cur].used -= n;
}
static inline otlp_mark_t otlp_arena_mark(const otlp_arena_t *a) {
    otlp_mark_t m = {a->cur, a->n ? a->b[a->cur].used : 0};
    return m;
}
static inline void otlp_arena_rewind(otlp_arena_t *a, otlp_mark_t m) {
    a->cur = m.cur;
    if (a->n) a->b[m.cur].used = m.used;
}

/* ---- attribute values, as both decoders present them to the mapper ---- */
typedef enum {
    OTLP_V_NONE = 0, /* empty AnyValue */
    OTLP_V_STR,      /* str: the (unescaped) text */
    OTLP_V_BOOL,     /* i: 0 or 1 */
    OTLP_V_INT,      /* i */
    OTLP_V_DBL,      /* d */
    OTLP_V_BYTES,    /* str: base64 text, or empty if not rendered */
    OTLP_V_ARRAY,    /* str: JSON text if rendered; first: first element if it is a string */
    OTLP_V_KVLIST,   /* str: JSON text if rendered */
} otlp_vkind_t;

typedef struct otlp_val_s {
    otlp_vkind_t kind;
    span_str_t str;
    span_str_t first;
    int64_t i;
    double d;
} otlp_val_t;

/* ---- mapped fields ---- */
typedef enum {
    OTLP_F_OPERATION,
    OTLP_F_PROVIDER,
    OTLP_F_MODEL,
    OTLP_F_RESPONSE_MODEL,
    OTLP_F_IN_TOK,
    OTLP_F_OUT_TOK,
    OTLP_F_TOTAL_TOK,
    OTLP_F_CACHE_READ,
    OTLP_F_CACHE_WRITE,
    OTLP_F_REASONING,
    OTLP_F_CACHE_WRITE_1H,
    OTLP_F_WEB_SEARCH,
    OTLP_F_SERVICE_TIER,
    OTLP_F_FINISH,
    OTLP_F_ERROR_TYPE,
    OTLP_F_ENDPOINT,
    OTLP_F_SESSION,
    OTLP_F_REQUEST_ID,
    OTLP_F_SERVICE,
    OTLP_F_ENV,
    OTLP_F_VERSION,
    OTLP_F_TENANT,
    OTLP_F_TEAM,
    OTLP_F_FEATURE,
    OTLP_F_USER,
    OTLP_F_PROMPT_TPL,
    OTLP_F_PROMPT_VER,
    OTLP_F_STREAM,
    OTLP_F_HTTP_STATUS,
    OTLP_F_TTFT_S,
    OTLP_F_TTFT_MS,
    OTLP_F_COST,      /* the producer's cost in USD (number or decimal string) */
    OTLP_F_CACHE_HIT, /* a response served from the application's cache (bool or 0/1) */
    OTLP_F_CONTENT,   /* prompt / completion text: not a column, kept only with keep_content */
    OTLP_F__N
} otlp_field_t;

/* How otlp_apply_fast may store a span attribute's value without calling otlp_apply. */
enum {
    OTLP_K_OTHER = 0, /* otlp_apply decides */
    OTLP_K_STR,       /* a string value goes to the span_str_t at off as is */
    OTLP_K_COUNT,     /* an int value in 0..UINT32_MAX goes to the uint32_t at off */
};

typedef struct otlp_key_s {
    const char *key;
    uint32_t len;
    uint8_t field;    /* otlp_field_t */
    uint8_t prio;     /* 0 = preferred name; larger = fallback */
    uint8_t kind;     /* OTLP_K_* */
    uint8_t llm;      /* the key marks an LLM span (gen_ai.* or llm.*) */
    uint16_t off;     /* offset in span_t for OTLP_K_STR / OTLP_K_COUNT */
    uint16_t present; /* SPAN_HAS_* bit set with the value */
} otlp_key_t;

/* Open-addressing table of mapped keys, built once in otlp_dec_new. */
#define OTLP_KEYTAB_SIZE 256

/* Field state of the span being built (also used as the per-resource template). */
typedef struct otlp_fields_s {
    uint8_t prio[OTLP_F__N]; /* 255 = unset */
    int64_t total_tokens;
    double ttft_s;
    int64_t ttft_ms;
    uint8_t is_llm, has_error_type;
} otlp_fields_t;

struct otlp_dec_s {
    otlp_map_t map;
    char *keystore; /* owned copies of the configured keys */
    otlp_key_t keys[OTLP_KEYTAB_SIZE];
    otlp_arena_t arena;

    /* Per call. One pass normally does both (check = mapping = 1) and buffers the spans, which
     * reach the callback only once the whole record is known good. A record too big to
     * buffer (OTLP_BUF_SPANS / OTLP_BUF_BYTES) turns mapping off mid-way (check only), and a
     * second pass (check = 0, mapping = 1) then emits straight to the callback. */
    int check;     /* validate what is read (UTF-8, structure the walk would otherwise trust) */
    int mapping;   /* map attributes, build spans */
    int buffering; /* completed spans go to buf[], not to the callback */
    int overflow;  /* the buffer limit was hit: a second pass will emit */
    span_t *buf;   /* owned; completed spans of the record being decoded */
    size_t nbuf, capbuf;
    otlp_stats_t st_pending; /* counts of the buffered pass, added on success */
    otlp_stats_t *st_user;
    otlp_span_cb cb;
    void *cb_ctx;
    otlp_stats_t *st;
    otlp_stats_t st_dummy;
    char *detail;
    size_t detail_size;

    /* Resource template and the span being built */
    span_t res;
    otlp_fields_t res_f;
    span_t span;
    otlp_fields_t f;
    int status_error;
    uint64_t start_ns, end_ns, first_chunk_ns;
    span_str_t span_name; /* the span's name: the stage of a kept non-LLM span (operation) */

    /* otlpeval hook (otlp_logs.h, otlp_evq_attach): NULL = off. Called once per span that
     * has events, in the checking pass, with the span's encoded bytes (a slice of the
     * payload: protobuf Span message, json = 0; JSON object text, json = 1). */
    void (*span_hook)(void *ctx, int json, const uint8_t *p, size_t n);
    void *span_hook_ctx;
};

/* Hash of an attribute key: length and three 8-byte words (head, middle, tail) for keys of
 * 8 bytes or more, FNV-1a below. Collisions only lengthen a probe; the compare decides.
 * Inline (with the lookup) because every attribute of every span goes through it. */
static inline uint32_t otlp_hash(const char *k, size_t n) {
    if (n >= 8) {
        uint64_t a, b, c;
        memcpy(&a, k, 8);
        memcpy(&b, k + n / 2 - 4, 8);
        memcpy(&c, k + n - 8, 8);
        uint64_t h = (a * 0x9E3779B97F4A7C15ull) ^ (b * 0xC2B2AE3D27D4EB4Full) ^
                     (c * 0x165667B19E3779F9ull) ^ n;
        h = (h ^ (h >> 31)) * 0xBF58476D1CE4E5B9ull; /* mix so the low bits see every byte */
        return (uint32_t)(h >> 32);
    }
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)k[i]) * 16777619u;
    return h;
}

static inline int otlp_key_eq(const char *a, const char *b, size_t n) {
    uint64_t x, y;
    if (n >= 8) {
        /* Whole words, then one last word that overlaps the previous one: no byte loop. */
        size_t i = 0;
        for (; i + 8 < n; i += 8) {
            memcpy(&x, a + i, 8);
            memcpy(&y, b + i, 8);
            if (x != y) return 0;
        }
        memcpy(&x, a + n - 8, 8);
        memcpy(&y, b + n - 8, 8);
        return x == y;
    }
    while (n--)
        if (*a++ != *b++) return 0;
    return 1;
}

/* Finds the mapping for an attribute key, or NULL (unmapped: goes to attrs). */
static inline const otlp_key_t *otlp_key_find(const otlp_dec_t *d, const char *k, size_t n) {
    uint32_t h = otlp_hash(k, n);
    for (uint32_t i = 0; i < OTLP_KEYTAB_SIZE; i++) {
        const otlp_key_t *e = &d->keys[(h + i) & (OTLP_KEYTAB_SIZE - 1)];
        if (!e->key) return NULL;
        if (e->len == n && otlp_key_eq(e->key, k, n)) return e;
    }
    return NULL;
}

/* Applies one attribute to the resource template (is_resource) or the current span.
 * e is what otlp_key_find returned for the key. Returns ERR_OK or ERR_NOMEM. */
int otlp_apply(otlp_dec_t *d, int is_resource, const otlp_key_t *e, span_str_t key,
               const otlp_val_t *v);

/* otlp_apply with the common case inline: a span (not resource) attribute whose key maps to
 * a plain string or count column and whose value has the right type. Same result. */
static inline int otlp_apply_fast(otlp_dec_t *d, int is_resource, const otlp_key_t *e,
                                  span_str_t key, const otlp_val_t *v) {
    if (!is_resource && e && e->prio < d->f.prio[e->field]) {
        if (e->kind == OTLP_K_STR && v->kind == OTLP_V_STR) {
            memcpy((char *)&d->span + e->off, &v->str, sizeof(v->str));
            goto stored;
        }
        if (e->kind == OTLP_K_COUNT && v->kind == OTLP_V_INT && v->i >= 0 &&
            v->i <= (int64_t)UINT32_MAX) {
            uint32_t u = (uint32_t)v->i;
            memcpy((char *)&d->span + e->off, &u, sizeof(u));
            goto stored;
        }
    }
    return otlp_apply(d, is_resource, e, key, v);
stored:
    d->f.prio[e->field] = e->prio;
    d->f.is_llm |= e->llm;
    d->span.present |= e->present;
    return 0;
}

/* Starts a resource (clears the template) / a span (copies the template). */
void otlp_resource_begin(otlp_dec_t *d);
void otlp_span_begin(otlp_dec_t *d);
/* A span event: name and time, for time-to-first-token. */
void otlp_span_event(otlp_dec_t *d, span_str_t name, uint64_t time_ns);
/* Completes the span and hands it to the callback if it passes the LLM filter.
 * Returns 0 or the callback's value. */
int otlp_span_end(otlp_dec_t *d);

/* Record-level buffering (see struct otlp_dec_s). */
#define OTLP_BUF_SPANS 4096
#define OTLP_BUF_BYTES (16u << 20) /* scratch arena bytes while buffering */
void otlp_buffer_begin(otlp_dec_t *d);
/* After a successful buffered pass: adds the pending counts and hands the buffered spans to
 * the callback. Returns 0 or the callback's value. */
int otlp_buffer_flush(otlp_dec_t *d);
/* After a buffered pass that overflowed: sets up the emit-only second pass. */
void otlp_second_pass(otlp_dec_t *d);

/* Prepares a decode call (stats, detail, arena). */
void otlp_call_begin(otlp_dec_t *d, otlp_span_cb cb, void *ctx, otlp_stats_t *st, char *detail,
                     size_t detail_size);
/* Writes a detail message (printf-style) and returns code. */
int otlp_fail(otlp_dec_t *d, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Lower-case hex of n bytes into the arena; NULL on no memory. */
char *otlp_hex(otlp_dec_t *d, const uint8_t *p, size_t n);
/* Shortest %g text of v that reads back as v (NaN/inf: as printf). Returns the length. */
int otlp_fmt_double(char *buf, size_t size, double v);

#endif
