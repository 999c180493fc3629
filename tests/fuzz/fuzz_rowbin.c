/* libFuzzer target for rowbin: (1) the hand-written DESCRIBE TSV reader must never crash or
 * read out of bounds on any input; (2) a span built from the input (strings of any bytes and
 * lengths, any numbers, random attribute count and nullable presence) is encoded, then read
 * back by an independent RowBinary reader driven by the column table, and must match field for
 * field, with the size bound respected. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "columns.h"
#include "rowbin.h"

typedef struct {
    const uint8_t *p, *end;
} rd_t;

static uint64_t rd_le(rd_t *r, int n) {
    if (r->end - r->p < n) abort();
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)r->p[i] << (8 * i);
    r->p += n;
    return v;
}
static uint64_t rd_varuint(rd_t *r) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        uint64_t b = rd_le(r, 1);
        v |= (b & 0x7F) << shift;
        if (!(b & 0x80)) return v;
    }
    abort();
}
static void rd_str(rd_t *r, span_str_t want) {
    uint64_t n = rd_varuint(r);
    if (n != want.n || (uint64_t)(r->end - r->p) < n) abort();
    if (n && memcmp(r->p, want.p, n) != 0) abort();
    r->p += n;
}

#define CHK_TS(r, s, f)                                                                            \
    if ((int64_t)rd_le(r, 8) != (s)->f) abort();
#define CHK_DEC CHK_TS
#define CHK_I64 CHK_TS
#define CHK_U32(r, s, f)                                                                           \
    if ((uint32_t)rd_le(r, 4) != (s)->f) abort();
#define CHK_I32(r, s, f)                                                                           \
    if ((int32_t)(uint32_t)rd_le(r, 4) != (s)->f) abort();
#define CHK_U16(r, s, f)                                                                           \
    if ((uint16_t)rd_le(r, 2) != (s)->f) abort();
#define CHK_U8(r, s, f)                                                                            \
    if ((uint8_t)rd_le(r, 1) != (s)->f) abort();
#define CHK_STR(r, s, f) rd_str(r, (s)->f);
#define CHK_NU32_TTFT(r, s, f)                                                                     \
    if (rd_le(r, 1) != !((s)->present & SPAN_HAS_TTFT)) abort();                                   \
    if (((s)->present & SPAN_HAS_TTFT) && rd_le(r, 4) != (s)->f) abort();
#define CHK_NF32_QUALITY(r, s, f)                                                                  \
    if (rd_le(r, 1) != !((s)->present & SPAN_HAS_QUALITY)) abort();                                \
    if ((s)->present & SPAN_HAS_QUALITY) {                                                         \
        uint32_t bits;                                                                             \
        memcpy(&bits, &(s)->f, 4);                                                                 \
        if (rd_le(r, 4) != bits) abort();                                                          \
    }
#define CHK_MAP(r, s, f)                                                                           \
    if (rd_varuint(r) != (s)->n_attrs) abort();                                                    \
    for (uint32_t k = 0; k < (s)->n_attrs; k++) {                                                  \
        rd_str(r, (s)->attrs[k].key);                                                              \
        rd_str(r, (s)->attrs[k].val);                                                              \
    }

/* Takes the next string from the input: one length byte (scaled), then that many bytes. */
static span_str_t take(const uint8_t **p, const uint8_t *end) {
    if (*p >= end) return (span_str_t){NULL, 0};
    size_t n = (size_t)(*p)[0] * ((*p)[0] > 250 ? 3 : 1);
    (*p)++;
    if (n > (size_t)(end - *p)) n = (size_t)(end - *p);
    span_str_t s = span_str((const char *)*p, n);
    *p += n;
    return s;
}
static uint64_t take_num(const uint8_t **p, const uint8_t *end) {
    uint64_t v = 0;
    for (int i = 0; i < 8 && *p < end; i++, (*p)++)
        v = (v << 8) | **p;
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* (1) DESCRIBE reader. */
    char *tsv = malloc(size + 1);
    if (!tsv) return 0;
    memcpy(tsv, data, size);
    tsv[size] = '\0';
    char err[128];
    (void)rowbin_check_describe(tsv, 0, err, sizeof err);
    (void)rowbin_check_describe(tsv, 1, err, 1);
    free(tsv);

    /* (2) Encode a span made from the input and read it back. */
    static span_t s;
    span_reset(&s);
    const uint8_t *p = data, *end = data + size;
    s.ts_ms = (int64_t)take_num(&p, end);
    span_str_t *strs[] = {&s.trace_id,  &s.span_id, &s.model,       &s.user_id,   &s.feature,
                          &s.tenant_id, &s.status,  &s.kafka_topic, &s.evaluator, &s.api_key_id};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        *strs[i] = take(&p, end);
    uint64_t v = take_num(&p, end);
    s.input_tokens = (uint32_t)v;
    s.output_tokens = (uint32_t)(v >> 32);
    s.cost_nusd = (int64_t)take_num(&p, end);
    s.kafka_offset = (int64_t)take_num(&p, end);
    s.kafka_partition = (int32_t)v;
    s.http_status = (uint16_t)(v >> 16);
    s.streaming = (uint8_t)(v >> 40);
    v = take_num(&p, end);
    s.present = (uint32_t)v;
    s.ttft_ms = (uint32_t)(v >> 8);
    uint32_t qbits = (uint32_t)(v >> 32);
    memcpy(&s.quality_score, &qbits, 4);
    s.n_attrs = (uint32_t)(take_num(&p, end) % (SPAN_MAX_ATTRS + 1));
    for (uint32_t k = 0; k < s.n_attrs; k++) {
        s.attrs[k].key = take(&p, end);
        s.attrs[k].val = take(&p, end);
    }
    buf_t b;
    buf_init(&b, 0);
    rowbin_encode_span(&b, &s);
    if (buf_error(&b) || b.len > rowbin_span_size_bound(&s)) abort();
    rd_t r = {b.data, b.data + b.len};
#define CHK_(name, mt, lt, kind, field) CHK_##kind(&r, &s, field)
    COLUMNS_MAP(CHK_)
#undef CHK_
    if (r.p != r.end) abort();
    buf_deinit(&b);
    return 0;
}
