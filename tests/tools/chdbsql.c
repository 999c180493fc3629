/* chdbsql: runs SQL statements on a libchdb data directory and prints each result (TSV).
 *   chdbsql [--format FORMAT] DIR "SQL" ["SQL" …]     (the demo prints PrettyCompact tables)
 * Test-only: lets shell tests read what a `--sink chdb` worker stored, after it exits
 * (libchdb allows one process per directory at a time). Exit 1 on the first error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chdb.h"

int main(int argc, char **argv) {
    const char *format = "TSV";
    if (argc > 2 && !strcmp(argv[1], "--format")) {
        format = argv[2];
        argv += 2;
        argc -= 2;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: chdbsql DIR SQL [SQL…]\n");
        return 2;
    }
    char e[1024];
    chdb_t *db = chdb_open(argv[1], e, sizeof(e));
    if (!db) {
        fprintf(stderr, "chdbsql: %s\n", e);
        return 1;
    }
    int rc = 0;
    for (int i = 2; i < argc && !rc; i++) {
        char *out = NULL;
        if (chdb_exec(db, argv[i], format, &out, NULL, e, sizeof(e)) != 0) {
            fprintf(stderr, "chdbsql: %s\n", e);
            rc = 1;
        } else if (out) {
            fputs(out, stdout);
        }
        free(out);
    }
    chdb_close(db);
    return rc;
}
