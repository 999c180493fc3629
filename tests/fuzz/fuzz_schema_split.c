/* Fuzz target for the SQL statement splitter and the database rewrite of schema_apply:
 * no crash or overread on any input; statements are non-empty and lie inside the input;
 * rewriting to the same name is the identity and to another name never touches quoted text
 * lengths (output length = input length + hits * delta); the head reader (schema_head) keeps
 * its offsets inside the statement. schema_apply.c is included directly:
 * it lives in the worker library, which fuzz builds do not link. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../ingest/schema_apply.c"
#include "../../ingest/schema_upgrade.c"

typedef struct {
    const char *src;
    size_t len;
} fz_ctx_t;

static int fz_stmt(void *vctx, char *stmt, int index, size_t offset) {
    fz_ctx_t *c = vctx;
    size_t n = strlen(stmt);
    assert(index >= 1);
    assert(offset + n <= c->len);
    assert(n > 0);
    char *same = schema_rewrite_db(stmt, "spanhouse");
    assert(same && strcmp(same, stmt) == 0);
    free(same);
    char *other = schema_rewrite_db(stmt, "db_x1"); /* 5 bytes vs 9: shorter by 4 per hit */
    assert(other && strlen(other) <= n && (n - strlen(other)) % 4 == 0);
    free(other);
    schema_head_t h; /* what schema apply upgrades: offsets inside the statement */
    if (schema_head(stmt, &h) != SCHEMA_OBJ_OTHER) {
        assert(h.name_len > 0 && h.name_off + h.name_len <= n && h.body_off <= n);
        assert(h.db_off + h.db_len <= n && h.select_off <= n);
    }
    free(stmt);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* The splitter takes a length but statements are C strings: stop at the first NUL,
     * as a file read by schema_apply would be treated. */
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = 0;
    size_t len = strlen(s);
    fz_ctx_t c = {s, len};
    char err[128];
    (void)schema_split(s, len, fz_stmt, &c, err, sizeof(err));
    free(s);
    return 0;
}
