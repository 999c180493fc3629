/* test_docs.h: the unit tests that check a document against a table of the code (error codes,
 * metrics, options) read it whole with doc_read. Header-only, for tests/unit/ only. */
#ifndef SPANHOUSE_TEST_DOCS_H
#define SPANHOUSE_TEST_DOCS_H

#include <stdio.h>
#include <stdlib.h>

/* The whole file at path (relative to the repository root, where the tests run), malloc'd and
 * NUL-terminated, its length in *len if len is not NULL; NULL when it cannot be read. */
static char *doc_read(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *text = NULL;
    long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (text = malloc((size_t)n + 1)) != NULL) {
        if (fread(text, 1, (size_t)n, f) != (size_t)n) {
            free(text);
            text = NULL;
        } else {
            text[n] = 0;
            if (len) *len = (size_t)n;
        }
    }
    fclose(f);
    return text;
}

#endif
