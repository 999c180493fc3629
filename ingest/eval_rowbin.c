/* eval_rowbin: RowBinary encoders, column lists and structure strings for llm_evals and
 * llm_outcomes, all expanded from eval_columns.h (see there). Uses rowbin.h primitives;
 * the two Float64 helpers below are local because rowbin.h has none (yet). No I/O. */
#include "eval_columns.h"

#include "rowbin.h"

static inline void put_f64(buf_t *b, double v) { buf_put(b, &v, 8); }
static inline void put_nullable_f64(buf_t *b, int present, double v) {
    if (!present) {
        rowbin_put_null(b);
        return;
    }
    uint8_t tmp[9] = {0};
    memcpy(tmp + 1, &v, 8);
    buf_put(b, tmp, 9);
}

#define EC_NAME_(name, type, kind, field) ", " #name
#define EC_STRUCT_(name, type, kind, field) ", " #name " " type

/* The lists start with ", ": skip the first two characters. */
const char *eval_column_list(void) { return &(EVAL_COLUMNS_MAP(EC_NAME_))[2]; }
const char *eval_structure(void) { return &(EVAL_COLUMNS_MAP(EC_STRUCT_))[2]; }
const char *outcome_column_list(void) { return &(OUTCOME_COLUMNS_MAP(EC_NAME_))[2]; }
const char *outcome_structure(void) { return &(OUTCOME_COLUMNS_MAP(EC_STRUCT_))[2]; }

#define ENC_TS(r, f) rowbin_put_i64(b, (r)->f);
#define ENC_STR(r, f) rowbin_put_str(b, (r)->f);
#define ENC_U8(r, f) rowbin_put_u8(b, (r)->f);
#define ENC_I32(r, f) rowbin_put_i32(b, (r)->f);
#define ENC_I64(r, f) rowbin_put_i64(b, (r)->f);
#define ENC_DEC(r, f) rowbin_put_i64(b, (r)->f);
#define ENC_F64(r, f) put_f64(b, (r)->f);
#define ENC_NF64_SCORE(r, f) put_nullable_f64(b, ((r)->present & EVAL_HAS_SCORE) != 0, (r)->f);
#define ENC_NF32_CONF(r, f)                                                                        \
    rowbin_put_nullable_f32(b, ((r)->present & EVAL_HAS_CONFIDENCE) != 0, (r)->f);

#define EC_ENC_(name, type, kind, field) ENC_##kind(row, field)

void eval_encode(buf_t *b, const eval_t *row) {
    size_t start = b->len;
    int err0 = buf_error(b);
    EVAL_COLUMNS_MAP(EC_ENC_)
    if (!err0 && buf_error(b)) buf_truncate(b, start);
}

void outcome_encode(buf_t *b, const outcome_t *row) {
    size_t start = b->len;
    int err0 = buf_error(b);
    OUTCOME_COLUMNS_MAP(EC_ENC_)
    if (!err0 && buf_error(b)) buf_truncate(b, start);
}
