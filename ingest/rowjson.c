/* rowjson: a span's stored row as JSON (see rowjson.h), expanded from COLUMNS_MAP (columns.h)
 * like the RowBinary encoder, so the two cannot list different columns. */
#include "rowjson.h"

#include <inttypes.h>

#include "columns.h"

#define RJ_W_TS(b, s, f) buf_printf(b, "%" PRId64, (int64_t)(s)->f)
#define RJ_W_I64(b, s, f) buf_printf(b, "%" PRId64, (int64_t)(s)->f)
#define RJ_W_I32(b, s, f) buf_printf(b, "%" PRId32, (int32_t)(s)->f)
#define RJ_W_U32(b, s, f) buf_printf(b, "%" PRIu32, (uint32_t)(s)->f)
#define RJ_W_U16(b, s, f) buf_printf(b, "%u", (unsigned)(s)->f)
#define RJ_W_U8(b, s, f) buf_printf(b, "%u", (unsigned)(s)->f)
#define RJ_W_STR(b, s, f) buf_append_json_str(b, (s)->f.p, (s)->f.n)
#define RJ_W_DEC(b, s, f)                                                                          \
    do {                                                                                           \
        buf_put(b, "\"", 1);                                                                       \
        buf_append_nano(b, (s)->f);                                                                \
        buf_put(b, "\"", 1);                                                                       \
    } while (0)
#define RJ_W_NU32_TTFT(b, s, f)                                                                    \
    do {                                                                                           \
        if ((s)->present & SPAN_HAS_TTFT)                                                          \
            RJ_W_U32(b, s, f);                                                                     \
        else                                                                                       \
            buf_put(b, "null", 4);                                                                 \
    } while (0)
#define RJ_W_NF32_QUALITY(b, s, f)                                                                 \
    do {                                                                                           \
        if ((s)->present & SPAN_HAS_QUALITY)                                                       \
            buf_printf(b, "%.9g", (double)(s)->f);                                                 \
        else                                                                                       \
            buf_put(b, "null", 4);                                                                 \
    } while (0)
#define RJ_W_MAP(b, s, f) rowjson_attrs(b, s)

static void rowjson_attrs(buf_t *b, const span_t *s) {
    buf_put(b, "{", 1);
    for (uint32_t i = 0; i < s->n_attrs; i++) {
        if (i) buf_put(b, ",", 1);
        buf_append_json_str(b, s->attrs[i].key.p, s->attrs[i].key.n);
        buf_put(b, ":", 1);
        buf_append_json_str(b, s->attrs[i].val.p, s->attrs[i].val.n);
    }
    buf_put(b, "}", 1);
}

void rowjson_encode_span(buf_t *b, const span_t *s) {
    const char *sep = "{";
#define RJ_COL_(name, mt, lt, kind, field)                                                         \
    buf_printf(b, "%s\"" #name "\":", sep);                                                        \
    RJ_W_##kind(b, s, field);                                                                      \
    sep = ",";
    COLUMNS_MAP(RJ_COL_)
#undef RJ_COL_
    buf_put(b, "}", 1);
}
